//! Animated GIFs: every frame decoded, then one animated WebP made of them.
//!
//! A screen recording is flat colours that barely change from frame to frame, which lossless
//! WebP codes far smaller than GIF's LZW and without GIF's 256-colour palette's dithering.

use std::io::Cursor;

use image::codecs::gif::GifDecoder;
use image::{AnimationDecoder, ImageDecoder, ImageError, Limits};
use webp::{AnimEncoder, AnimFrame};

use super::encode::webp::config as webp_config;
use super::strip::riff::{self, Chunk};

/// More frames than this are not decoded: the GIF is published as it is (a warning).
pub(crate) const MAX_FRAMES: u32 = 2000;

/// Browsers show a GIF frame whose delay is 0 or 10 ms for 100 ms; the WebP keeps that pace.
const SHORTEST_DELAY_MS: u32 = 20;
const DELAY_OF_TOO_SHORT_MS: u32 = 100;

/// Every frame of an animation, composed onto its canvas.
pub(crate) struct Animation {
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// 0 loops forever.
    pub(crate) loops: i32,
    /// Each frame's RGBA pixels and how long it shows, in milliseconds.
    pub(crate) frames: Vec<(Vec<u8>, u32)>,
}

/// The frames of the GIF `bytes`, under `limits`.
pub(crate) fn decode_gif(bytes: &[u8], limits: Limits) -> Result<Animation, ImageError> {
    let mut decoder = GifDecoder::new(Cursor::new(bytes))?;
    decoder.set_limits(limits)?;
    let (width, height) = decoder.dimensions();
    let loops = match decoder.loop_count() {
        image::metadata::LoopCount::Infinite => 0,
        image::metadata::LoopCount::Finite(n) => i32::try_from(n.get()).unwrap_or(0),
    };
    let mut frames = Vec::new();
    for frame in decoder.into_frames() {
        let frame = frame?;
        let (numerator, denominator) = frame.delay().numer_denom_ms();
        let delay = numerator / denominator.max(1);
        let delay = if delay < SHORTEST_DELAY_MS {
            DELAY_OF_TOO_SHORT_MS
        } else {
            delay
        };
        frames.push((frame.into_buffer().into_raw(), delay));
    }
    Ok(Animation {
        width,
        height,
        loops,
        frames,
    })
}

/// `animation` as a lossless animated WebP.
pub(crate) fn encode_webp(animation: &Animation) -> Result<Vec<u8>, String> {
    let mut config = webp_config()?;
    config.lossless = 1;
    let mut encoder = AnimEncoder::new(animation.width, animation.height, &config);
    encoder.set_loop_count(animation.loops);
    let mut start: i32 = 0;
    for (pixels, delay) in &animation.frames {
        encoder.add_frame(AnimFrame::from_rgba(
            pixels,
            animation.width,
            animation.height,
            start,
        ));
        start = start.saturating_add(i32::try_from(*delay).unwrap_or(i32::MAX));
    }
    let webp = encoder
        .try_encode()
        .map_err(|e| format!("animated WebP: {e:?}"))?;
    let total: u32 = animation.frames.iter().map(|(_, delay)| delay).sum();
    last_frame_lasts(&webp, total)
}

/// `webp` with its last frame shown for what is left of `total` milliseconds. The `webp`
/// crate ends an animation by giving libwebp the timestamp 0, which libwebp refuses, so it
/// gives the last frame the average duration instead of its own.
fn last_frame_lasts(webp: &[u8], total: u32) -> Result<Vec<u8>, String> {
    let damaged = |e: super::strip::Damage| e.describe("the animated WebP libwebp made");
    let chunks = riff::chunks(webp).map_err(damaged)?;
    let Some(last) = chunks.iter().rposition(|chunk| chunk.id == b"ANMF") else {
        return Ok(webp.to_vec());
    };
    let duration = |data: &[u8]| {
        data.get(12..15)
            .map_or(0, |d| u32::from_le_bytes([d[0], d[1], d[2], 0]))
    };
    let before: u32 = chunks[..last]
        .iter()
        .filter(|c| c.id == b"ANMF")
        .map(|c| duration(c.data))
        .sum();
    let remaining = total.saturating_sub(before).clamp(1, 0xFF_FFFF);
    let mut data = chunks[last].data.to_vec();
    if let Some(field) = data.get_mut(12..15) {
        field.copy_from_slice(&remaining.to_le_bytes()[..3]);
    }
    let patched = (chunks.iter().enumerate()).map(|(index, chunk)| {
        if index == last {
            Chunk {
                id: b"ANMF",
                data: &data,
            }
        } else {
            Chunk {
                id: chunk.id,
                data: chunk.data,
            }
        }
    });
    // VP8X is copied as it is: its flags do not change.
    riff::assemble(patched, None).map_err(damaged)
}
