//! What a photo's EXIF says that matters here: how to turn it upright, and whether it tells
//! where it was taken. Nothing else of it is ever published.

use exif::{Context, In, Reader, Tag};

/// The two facts read from EXIF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ExifFacts {
    /// EXIF orientation, 1 (upright) to 8; 1 when absent or out of range.
    pub(crate) orientation: u8,
    /// True when latitude or longitude is there.
    pub(crate) gps: bool,
}

impl Default for ExifFacts {
    fn default() -> Self {
        ExifFacts {
            orientation: 1,
            gps: false,
        }
    }
}

impl ExifFacts {
    /// The facts in `tiff` (EXIF's TIFF structure). A damaged structure is read as far as it
    /// goes: a photo is never refused over its EXIF, which is dropped anyway.
    pub(crate) fn read(tiff: Option<&[u8]>) -> ExifFacts {
        let Some(tiff) = tiff else {
            return ExifFacts::default();
        };
        let mut reader = Reader::new();
        reader.continue_on_error(true);
        let exif = match reader.read_raw(tiff.to_vec()) {
            Ok(exif) => exif,
            Err(exif::Error::PartialResult(partial)) => partial.into_inner().0,
            Err(_) => return ExifFacts::default(),
        };
        let orientation = (exif.get_field(Tag::Orientation, In::PRIMARY))
            .and_then(|field| field.value.get_uint(0))
            .and_then(|value| u8::try_from(value).ok())
            .filter(|value| (1..=8).contains(value))
            .unwrap_or(1);
        let gps = exif.fields().any(|field| {
            field.tag.context() == Context::Gps
                && (field.tag == Tag::GPSLatitude || field.tag == Tag::GPSLongitude)
        });
        ExifFacts { orientation, gps }
    }

    /// True when the pixels must be turned or flipped to be seen as taken.
    pub(crate) fn needs_turning(self) -> bool {
        self.orientation != 1
    }
}

/// An EXIF TIFF structure holding the orientation and nothing else: what an original that
/// cannot be re-encoded keeps, so it still shows upright and says nothing more.
pub(crate) fn orientation_only(orientation: u8) -> Vec<u8> {
    let mut tiff = b"MM\0\x2A\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // one value, held in the entry itself
    tiff.extend_from_slice(&[0, orientation, 0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    tiff
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::tests::fixtures;

    #[test]
    fn orientation_and_gps_are_read() {
        let facts = ExifFacts::read(Some(&fixtures::exif_tiff(6, true)));
        assert_eq!(
            facts,
            ExifFacts {
                orientation: 6,
                gps: true
            }
        );
        assert!(facts.needs_turning());
        let facts = ExifFacts::read(Some(&fixtures::exif_tiff(1, false)));
        assert_eq!(
            facts,
            ExifFacts {
                orientation: 1,
                gps: false
            }
        );
    }

    #[test]
    fn no_or_broken_exif_is_upright_and_placeless() {
        assert_eq!(ExifFacts::read(None), ExifFacts::default());
        assert_eq!(ExifFacts::read(Some(b"garbage")), ExifFacts::default());
        let mut cut = fixtures::exif_tiff(3, true);
        cut.truncate(cut.len() / 2);
        assert!(!ExifFacts::read(Some(&cut)).gps);
    }

    #[test]
    fn orientation_only_says_nothing_else() {
        let tiff = orientation_only(8);
        let exif = Reader::new().read_raw(tiff).unwrap();
        assert_eq!(exif.fields().len(), 1);
        assert_eq!(ExifFacts::read(Some(&orientation_only(8))).orientation, 8);
    }
}
