//! WebP through libwebp (compiled from the `libwebp-sys` crate's vendored source).

use webp::{PixelLayout, WebPConfig};

use crate::images::frame::Frame;
use crate::images::strip::riff::{self, Chunk};

/// libwebp's effort, 0 (fastest) to 6; see `encoder_figures`.
pub(crate) const METHOD: i32 = 4;

/// `frame` as lossy WebP at `quality`, carrying `icc`.
pub(crate) fn encode(frame: &Frame, quality: u8, icc: Option<&[u8]>) -> Result<Vec<u8>, String> {
    let mut config = config()?;
    config.quality = f32::from(quality);
    let bytes = encode_with(frame, &config)?;
    match icc {
        Some(icc) => with_icc(&bytes, icc, frame.width, frame.height),
        None => Ok(bytes),
    }
}

/// `frame` as lossless WebP, carrying `icc`.
pub(crate) fn encode_lossless(frame: &Frame, icc: Option<&[u8]>) -> Result<Vec<u8>, String> {
    let mut config = config()?;
    config.lossless = 1;
    let bytes = encode_with(frame, &config)?;
    match icc {
        Some(icc) => with_icc(&bytes, icc, frame.width, frame.height),
        None => Ok(bytes),
    }
}

/// libwebp's defaults at [`METHOD`], single-threaded (the callers run several at once).
pub(crate) fn config() -> Result<WebPConfig, String> {
    let mut config = WebPConfig::new().map_err(|()| "libwebp refused its own defaults")?;
    config.method = METHOD;
    Ok(config)
}

fn encode_with(frame: &Frame, config: &WebPConfig) -> Result<Vec<u8>, String> {
    let layout = if frame.alpha {
        PixelLayout::Rgba
    } else {
        PixelLayout::Rgb
    };
    let encoder = webp::Encoder::new(&frame.pixels, layout, frame.width, frame.height);
    let memory = encoder
        .encode_advanced(config)
        .map_err(|e| format!("WebP: {e:?}"))?;
    Ok(memory.to_vec())
}

/// `webp` (as libwebp wrote it) with an ICCP chunk: libwebp's simple API writes none, so the
/// extended header (VP8X) is added when missing, flagging the profile and any alpha.
pub(crate) fn with_icc(
    webp: &[u8],
    icc: &[u8],
    width: u32,
    height: u32,
) -> Result<Vec<u8>, String> {
    let chunks = riff::chunks(webp).map_err(|e| e.describe("the WebP libwebp made"))?;
    let alpha = chunks.iter().any(|chunk| {
        chunk.id == b"ALPH"
            || (chunk.id == b"VP8L" && chunk.data.get(4).is_some_and(|b| b & 0x10 != 0))
    });
    let (flags, header) = match chunks.first().filter(|chunk| chunk.id == b"VP8X") {
        Some(vp8x) => (vp8x.data.first().copied().unwrap_or(0), vp8x.data.to_vec()),
        None => (if alpha { 0x10 } else { 0 }, vp8x(width, height)),
    };
    let rest = chunks
        .into_iter()
        .filter(|chunk| chunk.id != b"VP8X" && chunk.id != b"ICCP");
    let new = [
        Chunk {
            id: b"VP8X",
            data: &header,
        },
        Chunk {
            id: b"ICCP",
            data: icc,
        },
    ];
    riff::assemble(new.into_iter().chain(rest), Some(flags | 0x20))
        .map_err(|e| e.describe("the WebP with a colour profile"))
}

/// A VP8X chunk's data for a `width` × `height` canvas, flags left for the caller.
fn vp8x(width: u32, height: u32) -> Vec<u8> {
    let mut data = vec![0; 4];
    data.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    data.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    data
}
