//! Pixels out of a file, under limits: a file declaring more than it may is refused from its
//! header, before anything is allocated for it.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use super::frame::Frame;
use super::sniff::Container;

/// Upright pixels and the colour profile they are in.
pub(crate) struct Decoded {
    pub(crate) frame: Frame,
    /// The embedded ICC profile, whatever its colour space.
    pub(crate) icc: Option<Vec<u8>>,
}

/// The decoders' limits for `max_pixels`: no side longer than the pixel budget, and no
/// allocation beyond what that many 16-bit RGBA pixels take (the largest any decoder makes)
/// plus room for its tables.
pub(crate) fn limits(max_pixels: u64) -> Limits {
    let mut limits = Limits::default();
    let side = u32::try_from(max_pixels).unwrap_or(u32::MAX);
    limits.max_image_width = Some(side);
    limits.max_image_height = Some(side);
    limits.max_alloc = Some(max_pixels.saturating_mul(8).saturating_add(64 << 20));
    limits
}

/// The width and height the file's header declares, read without decoding.
pub(crate) fn declared_size(bytes: &[u8], container: Container) -> Result<(u32, u32), ImageError> {
    reader(bytes, container)?.into_dimensions()
}

/// The pixels of `bytes`, turned upright by EXIF `orientation` (1–8).
pub(crate) fn decode(
    bytes: &[u8],
    container: Container,
    orientation: u8,
    limits: Limits,
) -> Result<Decoded, ImageError> {
    let mut reader = reader(bytes, container)?;
    reader.limits(limits);
    let mut decoder = reader.into_decoder()?;
    // A profile that cannot be read is no reason to refuse the pixels: sRGB is assumed.
    let icc = decoder.icc_profile().ok().flatten();
    let mut image = DynamicImage::from_decoder(decoder)?;
    image.apply_orientation(
        Orientation::from_exif(orientation).unwrap_or(Orientation::NoTransforms),
    );
    Ok(Decoded {
        frame: Frame::from_image(image),
        icc,
    })
}

fn reader(bytes: &[u8], container: Container) -> Result<ImageReader<Cursor<&[u8]>>, ImageError> {
    let format = match container {
        Container::Jpeg => ImageFormat::Jpeg,
        Container::Png => ImageFormat::Png,
        Container::Gif => ImageFormat::Gif,
        Container::WebP => ImageFormat::WebP,
        Container::Svg => {
            let unsupported = image::error::UnsupportedError::from_format_and_kind(
                image::error::ImageFormatHint::Name("SVG".into()),
                image::error::UnsupportedErrorKind::Format(image::error::ImageFormatHint::Name(
                    "SVG".into(),
                )),
            );
            return Err(ImageError::Unsupported(unsupported));
        }
    };
    Ok(ImageReader::with_format(Cursor::new(bytes), format))
}
