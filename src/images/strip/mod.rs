//! Metadata out of an image file without touching its pixels: the file is walked segment by
//! segment (chunk by chunk, block by block) and only what rendering needs is copied.
//!
//! Each walker keeps a list of what a browser needs to draw the image (the image data, its
//! colour profile, its animation) and drops everything else: EXIF (GPS, camera serial numbers,
//! the thumbnail, which may show what was cropped out), XMP (edit history, names), IPTC,
//! comments, text chunks, vendors' private segments, and whatever trails the end of the image
//! (a phone's second picture, a depth map). A list of what to keep, not of what to drop, so a
//! kind of metadata nobody listed still does not leak.
//!
//! The walkers are this module's own rather than `img-parts`': that crate keeps everything
//! after a JPEG's first scan verbatim, which is where progressive JPEGs may carry comments
//! and where multi-picture files carry their second image with its own EXIF.

mod gif;
mod jpeg;
mod png;
pub(crate) mod riff;

use super::sniff::Container;

/// A file with its metadata gone, and what the metadata said that matters here.
#[derive(Debug, Default)]
pub(crate) struct Stripped {
    /// The file, image data and colour profile only (plus `exif`'s replacement, if one was
    /// given).
    pub(crate) bytes: Vec<u8>,
    /// The EXIF the file carried, as a TIFF structure (without JPEG's `Exif\0\0`), read for
    /// orientation and GPS before it is dropped.
    pub(crate) exif: Option<Vec<u8>>,
    /// Frames of image data: more than one is an animation.
    pub(crate) frames: u32,
}

/// Why a file could not be walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Damage {
    /// The file ends in the middle of its structure.
    Truncated,
    /// The structure is not what the format says, in the words given.
    Malformed(&'static str),
}

impl Damage {
    /// A sentence naming the file `name`.
    pub(crate) fn describe(self, name: &str) -> String {
        match self {
            Damage::Truncated => format!("{name} is truncated"),
            Damage::Malformed(what) => format!("{name} is damaged ({what})"),
        }
    }
}

/// `bytes` (a file of format `container`) without metadata. When `exif` is given, it is put
/// back as the file's only EXIF: an orientation that must survive a file that is not
/// re-encoded. SVGs are not walked: they come back whole.
pub(crate) fn strip(
    container: Container,
    bytes: &[u8],
    exif: Option<&[u8]>,
) -> Result<Stripped, Damage> {
    match container {
        Container::Jpeg => jpeg::strip(bytes, exif),
        Container::Png => png::strip(bytes, exif),
        Container::WebP => riff::strip(bytes, exif),
        Container::Gif => gif::strip(bytes),
        Container::Svg => Ok(Stripped {
            bytes: bytes.to_vec(),
            exif: None,
            frames: 1,
        }),
    }
}

/// The big-endian `u16` at `at`, or `Truncated` past the end.
fn be16(bytes: &[u8], at: usize) -> Result<usize, Damage> {
    match bytes.get(at..at + 2) {
        Some(&[a, b]) => Ok(usize::from(u16::from_be_bytes([a, b]))),
        _ => Err(Damage::Truncated),
    }
}

/// `bytes[from..from + len]`, or `Truncated` when the file ends first.
fn slice(bytes: &[u8], from: usize, len: usize) -> Result<&[u8], Damage> {
    let end = from.checked_add(len).ok_or(Damage::Truncated)?;
    bytes.get(from..end).ok_or(Damage::Truncated)
}
