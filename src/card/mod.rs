//! Social cards: the 1200 × 630 PNG a link preview shows for a post (`og:image`).
//!
//! [`draw`] is a pure function of its input: no files, no system fonts, no global state, and the
//! same bytes for the same [`CardText`] and [`CardColours`] on every run. It lays out:
//!
//! - an accent bar along the top edge;
//! - the title, bold, 72 px, wrapped to at most three lines within 80 px margins and centred in
//!   the space above the footer; a title too long for three lines is set at 64, then 56 px, and
//!   past that cut with "…". A right-to-left title (Hebrew, Arabic) stays right to left and is
//!   aligned right;
//! - a footer band with the site's name at the start edge and the date at the end edge, in the
//!   muted colour (mirrored under a right-to-left title).
//!
//! Text is shaped by cosmic-text (harfrust, a port of HarfBuzz; Unicode bidi and line breaking)
//! and rasterized by swash, from fonts embedded in the binary: Noto Sans, with DejaVu Sans Bold
//! for what it lacks (see `fonts.rs`). A character neither has is drawn as the font's box and
//! counted in [`Card::missing_glyphs`]. A cache of cards keys on the input and
//! [`fingerprint_inputs`].

mod canvas;
mod colour;
mod fit;
mod fonts;
mod layout;
#[cfg(test)]
mod tests;

use cosmic_text::SwashCache;

use canvas::Canvas;
pub use colour::{CardColours, Rgb, parse_hex};
use layout::{ACCENT_BAR, FOOTER_TOP, HEIGHT, RULE, WIDTH};

/// What a card shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CardText<'a> {
    /// The post's title. Line breaks and runs of whitespace are read as one space; an empty
    /// title puts the site's name in its place (and leaves it out of the footer).
    pub title: &'a str,
    /// The site's name, shown in the footer (cut with "…" if it crowds the date).
    pub site_name: &'a str,
    /// The post's date, already formatted for the reader ("March 3, 2026"), if it has one.
    pub date: Option<&'a str>,
}

/// A drawn card: the PNG and what went into laying it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// The PNG file's bytes (8-bit RGB, no metadata).
    pub png: Vec<u8>,
    /// Its width in pixels: always 1200.
    pub width: u32,
    /// Its height in pixels: always 630.
    pub height: u32,
    /// The lines the title took, 1 to 3 (0 when there was no text to set at all).
    pub lines: usize,
    /// Whether the title was too long for three lines and ends with "…".
    pub truncated: bool,
    /// The title's size in pixels: 72, or 64 or 56 for a long title.
    pub title_px: u32,
    /// Glyphs drawn as a box because no embedded font has the character (emoji, CJK…): a
    /// caller may warn, or choose to publish no card.
    pub missing_glyphs: usize,
}

/// Why a card could not be drawn: neither happens with the fonts this crate embeds, but a
/// broken font or encoder reports rather than panics.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    /// An embedded font did not load (its family is named).
    #[error("the embedded font \"{0}\" did not load")]
    Font(&'static str),
    /// The PNG encoder failed.
    #[error("could not encode the card as PNG: {0}")]
    Encode(#[from] image::ImageError),
}

/// What a card's pixels depend on besides its text and colours: the design, the fonts and the
/// text stack's versions. A cache keyed on (title, date, site name, colours, this) is stale
/// when it changes; change it with anything that moves a pixel.
pub const FINGERPRINT: &str = "pamphlet-card/2 1200x630; \
     fonts: Noto Sans 1.04 Bold+Regular (notosans 0.1.0), DejaVu Sans Bold 2.37 (dejavu 2.37.0); \
     text: cosmic-text 0.19, harfrust 0.5, swash 0.2.9; coverage in 17 steps; \
     png 0.18: palette up to 256 colours (else rgb8), zlib default";

/// [`FINGERPRINT`], for a cache key.
#[must_use]
pub fn fingerprint_inputs() -> &'static str {
    FINGERPRINT
}

/// Draws the card for `text` in `colours`.
///
/// # Errors
///
/// [`CardError::Font`] if an embedded font does not load and [`CardError::Encode`] if PNG
/// encoding fails; neither is expected.
pub fn draw(text: &CardText<'_>, colours: &CardColours) -> Result<Card, CardError> {
    let mut fonts = fonts::font_system()?;
    let mut cache = SwashCache::new();
    let promoted = layout::one_line(text.title).is_empty();
    let (title_text, site) = if promoted {
        (text.site_name, "")
    } else {
        (text.title, text.site_name)
    };
    let title = layout::title(&mut fonts, title_text);
    let footer = layout::footer(&mut fonts, site, text.date, title.rtl);

    let mut canvas = Canvas::new(WIDTH, HEIGHT, colours.background);
    canvas.fill_rows(0, ACCENT_BAR, colours.accent);
    canvas.fill_rows(FOOTER_TOP - RULE, FOOTER_TOP, colours.border);
    canvas.fill_rows(FOOTER_TOP, HEIGHT, colours.surface);
    let mut missing = canvas.draw_text(&mut fonts, &mut cache, &title.block, colours.text);
    for block in &footer {
        missing += canvas.draw_text(&mut fonts, &mut cache, block, colours.muted);
    }
    Ok(Card {
        png: canvas.encode_png()?,
        width: WIDTH,
        height: HEIGHT,
        lines: title.lines,
        truncated: title.truncated,
        title_px: title.size as u32,
        missing_glyphs: missing,
    })
}
