//! The encoders, one file each, behind one call: a frame (and its colour profile) in, a file
//! out. Each encoder's speed was chosen with `encoder_figures` (see its figures in the tests).

pub(crate) mod avif;
pub(crate) mod jpeg;
pub(crate) mod png;
pub(crate) mod versions;
pub(crate) mod webp;

use serde::{Deserialize, Serialize};

use super::config::Format;
use super::frame::Frame;

/// A file format a variant is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) enum Encoding {
    Avif,
    Webp,
    Jpeg,
    Png,
    /// Only ever the source GIF itself, stripped: GIFs are never encoded.
    Gif,
}

impl Encoding {
    /// The variant file's extension.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            Encoding::Avif => "avif",
            Encoding::Webp => "webp",
            Encoding::Jpeg => "jpg",
            Encoding::Png => "png",
            Encoding::Gif => "gif",
        }
    }

    /// The `type` of a `<source>`.
    pub(crate) fn mime(self) -> &'static str {
        match self {
            Encoding::Avif => "image/avif",
            Encoding::Webp => "image/webp",
            Encoding::Jpeg => "image/jpeg",
            Encoding::Png => "image/png",
            Encoding::Gif => "image/gif",
        }
    }

    /// The longest side the format can hold; a wider variant is left out of that format.
    pub(crate) fn max_side(self) -> u32 {
        match self {
            Encoding::Webp => 16_383,
            Encoding::Jpeg | Encoding::Avif => 65_535,
            Encoding::Png | Encoding::Gif => u32::MAX,
        }
    }
}

impl Encoding {
    /// Roughly how long a pixel takes to encode, JPEG's time being 1 (`encoder_figures`).
    pub(crate) fn relative_cost(self) -> u64 {
        match self {
            Encoding::Avif => 20,
            Encoding::Png => 4,
            Encoding::Webp => 3,
            Encoding::Jpeg | Encoding::Gif => 1,
        }
    }
}

impl From<Format> for Encoding {
    fn from(format: Format) -> Encoding {
        match format {
            Format::Avif => Encoding::Avif,
            Format::Webp => Encoding::Webp,
        }
    }
}

/// `frame` as a file in `encoding`, at `quality` on WebP's scale, carrying `icc` (an RGB
/// profile) where the format can.
pub(crate) fn encode(
    encoding: Encoding,
    frame: &Frame,
    quality: u8,
    icc: Option<&[u8]>,
) -> Result<Vec<u8>, String> {
    match encoding {
        Encoding::Avif => avif::encode(frame, avif::quality(quality), icc),
        Encoding::Webp => webp::encode(frame, quality, icc),
        Encoding::Jpeg => jpeg::encode(frame, jpeg::quality(quality), icc),
        Encoding::Png => png::encode(frame, icc),
        Encoding::Gif => Err("GIFs are never encoded, only stripped".into()),
    }
}
