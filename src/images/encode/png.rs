//! The PNG fallback through the `image` crate's encoder, at its best compression.

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};

use crate::images::frame::Frame;

/// `frame` as PNG, carrying `icc`.
pub(crate) fn encode(frame: &Frame, icc: Option<&[u8]>) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    let mut encoder =
        PngEncoder::new_with_quality(&mut bytes, CompressionType::Best, FilterType::Adaptive);
    if let Some(icc) = icc {
        encoder
            .set_icc_profile(icc.to_vec())
            .map_err(|e| format!("PNG: {e}"))?;
    }
    let layout = if frame.alpha {
        ExtendedColorType::Rgba8
    } else {
        ExtendedColorType::Rgb8
    };
    (encoder.write_image(&frame.pixels, frame.width, frame.height, layout))
        .map_err(|e| format!("PNG: {e}"))?;
    Ok(bytes)
}
