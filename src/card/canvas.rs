//! The pixels: an opaque RGB canvas, filled rectangles, glyphs blended in, and PNG out.
//!
//! Everything a card draws is an axis-aligned rectangle or a glyph's coverage mask, so this is
//! integer arithmetic on one buffer, the same bytes on every run.

use cosmic_text::{FontSystem, SwashCache, SwashContent, SwashImage};
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};

use super::colour::Rgb;
use super::layout::Block;

/// An opaque RGB image, three bytes a pixel, row by row.
pub(super) struct Canvas {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl Canvas {
    /// A canvas of this size, all `ground`.
    pub(super) fn new(width: u32, height: u32, ground: Rgb) -> Self {
        let count = width as usize * height as usize;
        Self {
            width,
            height,
            pixels: [ground.r, ground.g, ground.b].repeat(count),
        }
    }

    /// Paints the rows `top..bottom` across the whole width.
    pub(super) fn fill_rows(&mut self, top: u32, bottom: u32, colour: Rgb) {
        let row = self.width as usize * 3;
        let start = (top.min(self.height) as usize) * row;
        let end = (bottom.min(self.height) as usize) * row;
        let line = [colour.r, colour.g, colour.b].repeat(self.width as usize);
        if let Some(rows) = self.pixels.get_mut(start..end) {
            for pixels in rows.chunks_exact_mut(row) {
                pixels.copy_from_slice(&line);
            }
        }
    }

    /// Draws a block's glyphs in `colour`, and returns how many are the font's .notdef (the box
    /// drawn for a character no embedded font has).
    pub(super) fn draw_text(
        &mut self,
        fonts: &mut FontSystem,
        cache: &mut SwashCache,
        block: &Block,
        colour: Rgb,
    ) -> usize {
        let (x0, y0) = block.origin;
        let mut missing = 0;
        for run in block.buffer.layout_runs() {
            for glyph in run.glyphs {
                missing += usize::from(glyph.glyph_id == 0);
                let physical = glyph.physical((x0, y0 + run.line_y), 1.0);
                if let Some(image) = cache.get_image(fonts, physical.cache_key) {
                    let left = physical.x + image.placement.left;
                    let top = physical.y - image.placement.top;
                    self.blend(image, (left, top), colour);
                }
            }
        }
        missing
    }

    /// Blends one glyph image in with its top left corner at `at`, clipped to the canvas.
    fn blend(&mut self, image: &SwashImage, at: (i32, i32), colour: Rgb) {
        let (width, height) = (image.placement.width, image.placement.height);
        let channels = match image.content {
            SwashContent::Mask => 1,
            SwashContent::SubpixelMask | SwashContent::Color => 4,
        };
        for row in 0..height {
            let Some(y) = coordinate(at.1, row, self.height) else {
                continue;
            };
            for column in 0..width {
                let Some(x) = coordinate(at.0, column, self.width) else {
                    continue;
                };
                let from = (row as usize * width as usize + column as usize) * channels;
                let Some(source) = image.data.get(from..from + channels) else {
                    continue;
                };
                let (ink, coverage) = match source {
                    // Coverage in 17 steps: no eye tells more at these sizes, and it keeps a
                    // card's colours within a PNG palette.
                    [alpha] => (colour, stepped(*alpha)),
                    [r, g, b, alpha] if image.content == SwashContent::Color => {
                        (Rgb::new(*r, *g, *b), stepped(*alpha))
                    }
                    [_, _, _, alpha] => (colour, stepped(*alpha)),
                    _ => continue,
                };
                let at = (y as usize * self.width as usize + x as usize) * 3;
                if let Some(pixel) = self.pixels.get_mut(at..at + 3) {
                    pixel[0] = mix(pixel[0], ink.r, coverage);
                    pixel[1] = mix(pixel[1], ink.g, coverage);
                    pixel[2] = mix(pixel[2], ink.b, coverage);
                }
            }
        }
    }

    /// The canvas as a PNG: a palette PNG when it has at most 256 colours (a card's flat
    /// colours and stepped edges nearly always do: a third of the bytes), 8-bit RGB otherwise
    /// (an emoji's colours), both at zlib's default level.
    pub(super) fn encode_png(&self) -> Result<Vec<u8>, image::ImageError> {
        if let Some(png) = self.encode_palette() {
            return Ok(png);
        }
        let mut png = Vec::new();
        let encoder =
            PngEncoder::new_with_quality(&mut png, CompressionType::Default, FilterType::Adaptive);
        encoder.write_image(
            &self.pixels,
            self.width,
            self.height,
            ExtendedColorType::Rgb8,
        )?;
        Ok(png)
    }

    /// The canvas as a palette PNG, its colours in order of first appearance; `None` past 256.
    fn encode_palette(&self) -> Option<Vec<u8>> {
        let mut index: std::collections::HashMap<[u8; 3], u8> = std::collections::HashMap::new();
        let mut palette = Vec::new();
        let mut indices = Vec::with_capacity(self.pixels.len() / 3);
        // Most pixels repeat the one before (flat colour), so only a change is looked up.
        let mut last: Option<([u8; 3], u8)> = None;
        for pixel in self.pixels.chunks_exact(3) {
            let colour = [pixel[0], pixel[1], pixel[2]];
            if let Some((same, at)) = last
                && same == colour
            {
                indices.push(at);
                continue;
            }
            let next = index.len();
            let at = *index.entry(colour).or_insert_with(|| {
                palette.extend_from_slice(&colour);
                u8::try_from(next).unwrap_or(u8::MAX)
            });
            if index.len() > 256 {
                return None;
            }
            last = Some((colour, at));
            indices.push(at);
        }
        let mut png = Vec::new();
        let mut encoder = png::Encoder::new(&mut png, self.width, self.height);
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_palette(palette);
        encoder.set_compression(png::Compression::Balanced);
        encoder.set_filter(png::Filter::NoFilter);
        let mut writer = encoder.write_header().ok()?;
        writer.write_image_data(&indices).ok()?;
        writer.finish().ok()?;
        Some(png)
    }
}

/// `start + offset` if it falls inside `0..limit`.
fn coordinate(start: i32, offset: u32, limit: u32) -> Option<u32> {
    let at = i64::from(start) + i64::from(offset);
    u32::try_from(at).ok().filter(|&at| at < limit)
}

/// `ground` covered by `ink` to the extent `coverage` / 255, rounded to the nearest.
/// `coverage` rounded to the nearest of 17 steps (multiples of 255/16, 0 and 255 kept).
fn stepped(coverage: u8) -> u8 {
    let step = (u32::from(coverage) * 16 + 127) / 255;
    u8::try_from(step * 255 / 16).unwrap_or(u8::MAX)
}

fn mix(ground: u8, ink: u8, coverage: u8) -> u8 {
    let (ground, ink, coverage) = (u32::from(ground), u32::from(ink), u32::from(coverage));
    let mixed = (ground * (255 - coverage) + ink * coverage + 127) / 255;
    u8::try_from(mixed).unwrap_or(u8::MAX)
}
