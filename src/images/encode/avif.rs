//! AVIF through ravif (rav1e), pure Rust: built without rav1e's assembly, so no nasm.

use ravif::{Img, RGB8, RGBA8};

use crate::images::colour;
use crate::images::frame::Frame;

/// rav1e's speed preset, 1 (slowest) to 10. Without rav1e's assembly, speed 8 took 18 s for
/// the 3000 × 2000 photo alone and speed 10 took 7 s for files 15–20% larger, still 40%
/// smaller than WebP (`encoder_figures`): 10 keeps a photo's whole set to seconds.
pub(crate) const SPEED: u8 = 10;

/// ravif's quality for WebP's `quality`: ravif's scale runs lower for the same look.
pub(crate) fn quality(webp_quality: u8) -> f32 {
    f32::from(webp_quality.saturating_sub(10).clamp(1, 100))
}

/// `frame` as AVIF. ravif writes no ICC profile (its container only signals CICP), so pixels
/// in another profile are converted to sRGB first; a profile that cannot be read is taken
/// for sRGB.
pub(crate) fn encode(frame: &Frame, quality: f32, icc: Option<&[u8]>) -> Result<Vec<u8>, String> {
    let converted = icc.and_then(|icc| colour::to_srgb(frame, icc));
    let frame = converted.as_ref().unwrap_or(frame);
    let encoder = ravif::Encoder::new()
        .with_quality(quality)
        .with_alpha_quality(quality)
        .with_speed(SPEED);
    let (width, height) = (frame.width as usize, frame.height as usize);
    let encoded = if frame.alpha {
        let pixels: Vec<RGBA8> = frame
            .pixels
            .chunks_exact(4)
            .map(|p| RGBA8::new(p[0], p[1], p[2], p[3]))
            .collect();
        encoder.encode_rgba(Img::new(&pixels[..], width, height))
    } else {
        let pixels: Vec<RGB8> = frame
            .pixels
            .chunks_exact(3)
            .map(|p| RGB8::new(p[0], p[1], p[2]))
            .collect();
        encoder.encode_rgb(Img::new(&pixels[..], width, height))
    };
    encoded
        .map(|image| image.avif_file)
        .map_err(|e| format!("AVIF: {e}"))
}
