//! JPEG: the segments from SOI to EOI, each scan's entropy-coded data copied as it is.

use super::{Damage, Stripped, be16, slice};

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const APP0: u8 = 0xE0;
const APP1: u8 = 0xE1;
const APP2: u8 = 0xE2;
const APP14: u8 = 0xEE;
const COM: u8 = 0xFE;
const EXIF_PREFIX: &[u8] = b"Exif\0\0";

/// What becomes of one segment.
enum Fate {
    Keep,
    /// Dropped, its payload read first.
    Exif,
    Drop,
}

/// `bytes` without APP segments other than JFIF, the ICC profile and Adobe's colour
/// transform (which CMYK files need), without comments, and without what follows EOI.
pub(super) fn strip(bytes: &[u8], mut exif: Option<&[u8]>) -> Result<Stripped, Damage> {
    if !bytes.starts_with(&[0xFF, SOI]) {
        return Err(Damage::Malformed("it does not start like a JPEG"));
    }
    let mut stripped = Stripped {
        bytes: Vec::with_capacity(bytes.len()),
        ..Stripped::default()
    };
    stripped.bytes.extend_from_slice(&[0xFF, SOI]);
    let mut pos = 2;
    loop {
        let (marker, at) = next_marker(bytes, pos)?;
        if marker == EOI {
            stripped.bytes.extend_from_slice(&[0xFF, EOI]);
            break;
        }
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            stripped.bytes.extend_from_slice(&[0xFF, marker]);
            pos = at + 2;
            continue;
        }
        if marker == SOI {
            return Err(Damage::Malformed(
                "it starts a second image inside the first",
            ));
        }
        let len = be16(bytes, at + 2)?;
        if len < 2 {
            return Err(Damage::Malformed("a segment's length is too short"));
        }
        let segment = slice(bytes, at, len + 2)?;
        if marker != APP0 {
            // EXIF belongs right after SOI, or after JFIF's APP0 when there is one.
            if let Some(tiff) = exif.take() {
                push_exif(&mut stripped.bytes, tiff)?;
            }
        }
        match fate(marker, &segment[4..]) {
            Fate::Keep => stripped.bytes.extend_from_slice(segment),
            Fate::Exif => {
                let tiff = segment[4 + EXIF_PREFIX.len()..].to_vec();
                stripped.exif.get_or_insert(tiff);
            }
            Fate::Drop => {}
        }
        pos = at + 2 + len;
        if marker == SOS {
            stripped.frames = 1;
            let end = scan_end(bytes, pos)?;
            stripped.bytes.extend_from_slice(&bytes[pos..end]);
            pos = end;
        }
    }
    if stripped.frames == 0 {
        return Err(Damage::Malformed("it holds no image data"));
    }
    Ok(stripped)
}

fn fate(marker: u8, payload: &[u8]) -> Fate {
    match marker {
        APP0 if payload.starts_with(b"JFIF\0") || payload.starts_with(b"JFXX\0") => Fate::Keep,
        APP1 if payload.starts_with(EXIF_PREFIX) => Fate::Exif,
        APP2 if payload.starts_with(b"ICC_PROFILE\0") => Fate::Keep,
        APP14 if payload.starts_with(b"Adobe") => Fate::Keep,
        0xE0..=0xEF | COM => Fate::Drop,
        _ => Fate::Keep,
    }
}

/// The next marker at or after `pos`, and where its `0xFF` is. Stray bytes between
/// segments are skipped, as decoders do ("extraneous bytes before marker"), and so are fill
/// bytes (`0xFF` repeated).
fn next_marker(bytes: &[u8], mut pos: usize) -> Result<(u8, usize), Damage> {
    loop {
        let rest = bytes.get(pos..).ok_or(Damage::Truncated)?;
        let ff = pos
            + rest
                .iter()
                .position(|&b| b == 0xFF)
                .ok_or(Damage::Truncated)?;
        let mut marker_at = ff + 1;
        while bytes.get(marker_at) == Some(&0xFF) {
            marker_at += 1;
        }
        match bytes.get(marker_at) {
            None => return Err(Damage::Truncated),
            Some(0) => pos = marker_at + 1,
            Some(&marker) => return Ok((marker, marker_at - 1)),
        }
    }
}

/// Where a scan's entropy-coded data that starts at `pos` ends: at the first marker other
/// than a stuffed zero or a restart. A file that ends first is truncated: a complete scan is
/// always followed by a marker, EOI at least.
fn scan_end(bytes: &[u8], pos: usize) -> Result<usize, Damage> {
    let mut at = pos;
    loop {
        let rest = bytes.get(at..).ok_or(Damage::Truncated)?;
        let ff = at
            + rest
                .iter()
                .position(|&b| b == 0xFF)
                .ok_or(Damage::Truncated)?;
        match bytes.get(ff + 1) {
            None => return Err(Damage::Truncated),
            Some(0x00 | 0xD0..=0xD7) => at = ff + 2,
            Some(_) => return Ok(ff),
        }
    }
}

/// An APP1 segment holding `tiff` as EXIF.
fn push_exif(out: &mut Vec<u8>, tiff: &[u8]) -> Result<(), Damage> {
    let len = u16::try_from(2 + EXIF_PREFIX.len() + tiff.len())
        .map_err(|_| Damage::Malformed("the EXIF to keep is too long"))?;
    out.extend_from_slice(&[0xFF, APP1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(EXIF_PREFIX);
    out.extend_from_slice(tiff);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0xFF, marker];
        bytes.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        bytes.extend_from_slice(payload);
        bytes
    }

    /// A JPEG's structure around made-up scan data, with every kind of metadata.
    fn file(trailer: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0xFF, SOI];
        bytes.extend(segment(APP0, b"JFIF\0\x01\x02"));
        bytes.extend(segment(APP1, b"Exif\0\0MM\0*tiff"));
        bytes.extend(segment(APP1, b"http://ns.adobe.com/xap/1.0/\0<x/>"));
        bytes.extend(segment(APP2, b"ICC_PROFILE\0\x01\x01icc"));
        bytes.extend(segment(APP2, b"MPF\0mpf"));
        bytes.extend(segment(0xED, b"Photoshop 3.0\0iptc"));
        bytes.extend(segment(COM, b"a comment"));
        bytes.extend(segment(0xDB, b"dqt"));
        bytes.extend(segment(SOS, b"sos"));
        bytes.extend([1, 2, 0xFF, 0x00, 3, 0xFF, 0xD0, 4]);
        bytes.extend(segment(COM, b"between scans"));
        bytes.extend(segment(SOS, b"sos2"));
        bytes.extend([5, 6]);
        bytes.extend([0xFF, EOI]);
        bytes.extend(trailer);
        bytes
    }

    #[test]
    fn metadata_goes_and_the_image_stays() {
        let stripped = strip(&file(b"\xFF\xD8second picture with Exif\0\0"), None).unwrap();
        let mut expected = vec![0xFF, SOI];
        expected.extend(segment(APP0, b"JFIF\0\x01\x02"));
        expected.extend(segment(APP2, b"ICC_PROFILE\0\x01\x01icc"));
        expected.extend(segment(0xDB, b"dqt"));
        expected.extend(segment(SOS, b"sos"));
        expected.extend([1, 2, 0xFF, 0x00, 3, 0xFF, 0xD0, 4]);
        expected.extend(segment(SOS, b"sos2"));
        expected.extend([5, 6, 0xFF, EOI]);
        assert_eq!(stripped.bytes, expected);
        assert_eq!(stripped.exif.as_deref(), Some(&b"MM\0*tiff"[..]));
    }

    #[test]
    fn replacement_exif_follows_jfif() {
        let stripped = strip(&file(b""), Some(b"new")).unwrap();
        let mut start = vec![0xFF, SOI];
        start.extend(segment(APP0, b"JFIF\0\x01\x02"));
        start.extend(segment(APP1, b"Exif\0\0new"));
        start.extend(segment(APP2, b"ICC_PROFILE\0\x01\x01icc"));
        assert!(stripped.bytes.starts_with(&start));
    }

    #[test]
    fn a_cut_file_is_truncated_wherever_it_is_cut() {
        let whole = file(b"");
        for len in 2..whole.len() - 2 {
            assert_eq!(
                strip(&whole[..len], None).unwrap_err(),
                Damage::Truncated,
                "{len}"
            );
        }
        assert!(matches!(
            strip(b"\xFF\xD8\xFF\xD9", None),
            Err(Damage::Malformed(_))
        ));
        assert!(matches!(strip(b"GIF89a", None), Err(Damage::Malformed(_))));
    }
}
