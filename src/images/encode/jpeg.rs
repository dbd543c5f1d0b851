//! The JPEG fallback through `jpeg-encoder`: progressive, with optimized Huffman tables.

use jpeg_encoder::{ColorType, Encoder};

use crate::images::frame::Frame;

/// JPEG's quality for WebP's `quality`. At the same number JPEG measures as faithful as WebP
/// (`encoder_figures`), but its blocks show where WebP's smoothing does not; five more hides
/// them. The fallback is what feed readers and mail show, so it should not look worse.
pub(crate) fn quality(webp_quality: u8) -> u8 {
    webp_quality.saturating_add(5).clamp(1, 100)
}

/// `frame` as a progressive JPEG at `quality` (1–100), carrying `icc`. Alpha, which JPEG
/// cannot hold, is dropped (photos have none).
pub(crate) fn encode(frame: &Frame, quality: u8, icc: Option<&[u8]>) -> Result<Vec<u8>, String> {
    let too_big = |_| {
        format!(
            "JPEG: {} × {} is larger than JPEG allows",
            frame.width, frame.height
        )
    };
    let width = u16::try_from(frame.width).map_err(too_big)?;
    let height = u16::try_from(frame.height).map_err(too_big)?;
    let mut bytes = Vec::new();
    let mut encoder = Encoder::new(&mut bytes, quality);
    encoder.set_progressive(true);
    encoder.set_optimized_huffman_tables(true);
    if let Some(icc) = icc {
        encoder
            .add_icc_profile(icc)
            .map_err(|e| format!("JPEG: {e}"))?;
    }
    let layout = if frame.alpha {
        ColorType::Rgba
    } else {
        ColorType::Rgb
    };
    encoder
        .encode(&frame.pixels, width, height, layout)
        .map_err(|e| format!("JPEG: {e}"))?;
    Ok(bytes)
}
