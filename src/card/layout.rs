//! Where things go on a card, and the text set in them: shaped, bidi-ordered and wrapped by
//! cosmic-text (harfrust underneath), from the embedded fonts only.

use cosmic_text::fontdb::Weight;
use cosmic_text::{
    Align, Attrs, Buffer, CacheKeyFlags, Family, FontSystem, Metrics, Shaping, Wrap,
};

use super::fit;
use super::fonts::{self, PRIMARY};

/// The card's width in pixels: the size every social network asks for (1.91 : 1).
pub(super) const WIDTH: u32 = 1200;
/// The card's height in pixels.
pub(super) const HEIGHT: u32 = 630;
/// The space left and right of all text.
pub(super) const MARGIN: f32 = 80.0;
/// The height of the accent bar along the top edge.
pub(super) const ACCENT_BAR: u32 = 12;
/// Where the footer band (site name and date) starts; it runs to the bottom edge.
pub(super) const FOOTER_TOP: u32 = 510;
/// The rule's thickness, drawn just above the footer band.
pub(super) const RULE: u32 = 2;
/// The band the title is centred in, top and bottom.
const TITLE_BAND: (f32, f32) = (ACCENT_BAR as f32 + 52.0, FOOTER_TOP as f32 - 44.0);
/// The width text may take.
pub(super) const CONTENT_WIDTH: f32 = WIDTH as f32 - 2.0 * MARGIN;
/// The title's sizes in pixels, tried in turn until it fits in [`MAX_LINES`]...
const LARGER_SIZES: [f32; 2] = [72.0, 64.0];
/// ...then this one, at which a title too long for [`MAX_LINES`] is cut with "…".
const SMALLEST: f32 = 56.0;
/// The most lines a title takes; past them, it ends with "…" at the smallest size.
pub(super) const MAX_LINES: usize = 3;
/// Line height as a multiple of the size.
const LEADING: f32 = 1.2;
/// The size of the site's name and the date.
const FOOTER_SIZE: f32 = 30.0;
/// The least space between the site's name and the date.
const FOOTER_GAP: f32 = 48.0;

/// One block of laid-out text and where its top left corner goes on the card.
pub(super) struct Block {
    /// The shaped, wrapped text.
    pub(super) buffer: Buffer,
    /// Where the buffer's origin goes on the card, in pixels.
    pub(super) origin: (f32, f32),
}

/// The title, laid out.
pub(super) struct Title {
    /// The text, placed.
    pub(super) block: Block,
    /// Lines it takes (0 for an empty title).
    pub(super) lines: usize,
    /// Whether it was cut short with "…".
    pub(super) truncated: bool,
    /// The size it was set at, in pixels.
    pub(super) size: f32,
    /// Whether its paragraph runs right to left (Hebrew, Arabic…).
    pub(super) rtl: bool,
}

/// The title at the largest size that fits in three lines, or cut with "…" at the smallest.
pub(super) fn title(fonts: &mut FontSystem, text: &str) -> Title {
    let text = one_line(text);
    for size in LARGER_SIZES {
        let buffer = shape(fonts, &text, size, fonts::BOLD, Some(CONTENT_WIDTH), false);
        if fit::lines(&buffer) <= MAX_LINES {
            return place_title(buffer, false, size);
        }
    }
    let (buffer, truncated) = fit::fit(&text, MAX_LINES, |cut| {
        shape(
            fonts,
            cut,
            SMALLEST,
            fonts::BOLD,
            Some(CONTENT_WIDTH),
            false,
        )
    });
    place_title(buffer, truncated, SMALLEST)
}

/// Centres the title's lines in the title band.
fn place_title(buffer: Buffer, truncated: bool, size: f32) -> Title {
    let height: f32 = buffer.layout_runs().map(|run| run.line_height).sum();
    let (top, bottom) = TITLE_BAND;
    let y = (top + (bottom - top - height) / 2.0).round();
    let rtl = buffer.layout_runs().next().is_some_and(|run| run.rtl);
    Title {
        lines: fit::lines(&buffer),
        block: Block {
            buffer,
            origin: (MARGIN, y),
        },
        truncated,
        size,
        rtl,
    }
}

/// The site's name at the start edge and the date at the end edge of the footer band: left and
/// right, or the other way round under a right-to-left title. The name is cut with "…" where
/// it would crowd the date.
pub(super) fn footer(
    fonts: &mut FontSystem,
    site: &str,
    date: Option<&str>,
    rtl: bool,
) -> Vec<Block> {
    let date = date.map(|date| {
        shape(
            fonts,
            &one_line(date),
            FOOTER_SIZE,
            Weight::NORMAL,
            None,
            true,
        )
    });
    let date_width = date.as_ref().map_or(0.0, line_width);
    let room = (CONTENT_WIDTH - date_width - FOOTER_GAP).max(CONTENT_WIDTH / 3.0);
    let (site, _) = fit::fit(&one_line(site), 1, |cut| {
        shape(fonts, cut, FOOTER_SIZE, fonts::BOLD, Some(room), true)
    });
    let band = (HEIGHT - FOOTER_TOP) as f32;
    let y = (FOOTER_TOP as f32 + (band - (FOOTER_SIZE * LEADING).round()) / 2.0).round();
    let start_of = |width: f32| {
        if rtl {
            WIDTH as f32 - MARGIN - width
        } else {
            MARGIN
        }
    };
    let end_of = |width: f32| {
        if rtl {
            MARGIN
        } else {
            WIDTH as f32 - MARGIN - width
        }
    };
    let mut blocks = vec![Block {
        origin: (start_of(line_width(&site)), y),
        buffer: site,
    }];
    if let Some(date) = date {
        blocks.push(Block {
            origin: (end_of(date_width), y),
            buffer: date,
        });
    }
    blocks
}

/// The width of a buffer's first line.
fn line_width(buffer: &Buffer) -> f32 {
    buffer.layout_runs().next().map_or(0.0, |run| run.line_w)
}

/// `text` (already [`one_line`]) laid out at `size`, wrapped to `width` if given: at spaces, or
/// anywhere in a word too long for a line of its own. Lines align to their start edge (right,
/// in a right-to-left paragraph), or all to the left with `flush_left`, for text that is placed
/// by its width.
///
/// Never `Wrap::None`: cosmic-text 0.19 drops a right-to-left line's leading number with it
/// ("3 במרץ 2026" lost its "3").
fn shape(
    fonts: &mut FontSystem,
    text: &str,
    size: f32,
    weight: Weight,
    width: Option<f32>,
    flush_left: bool,
) -> Buffer {
    let mut buffer = Buffer::new(fonts, Metrics::new(size, (size * LEADING).round()));
    let mut view = buffer.borrow_with(fonts);
    view.set_size(width, None);
    view.set_wrap(Wrap::WordOrGlyph);
    let align = flush_left.then_some(Align::Left);
    view.set_text(text, &attrs(weight), Shaping::Advanced, align);
    view.shape_until_scroll(false);
    buffer
}

/// The attributes every run starts from: the primary family, unhinted (the outlines as drawn).
fn attrs(weight: Weight) -> Attrs<'static> {
    Attrs::new()
        .family(Family::Name(PRIMARY))
        .weight(weight)
        .cache_key_flags(CacheKeyFlags::DISABLE_HINTING)
}

/// The text as one paragraph: control characters and line breaks become spaces, runs of
/// whitespace one space, and none at either end. No-break spaces stay as they are.
pub(super) fn one_line(text: &str) -> String {
    let breaks = |c: char| {
        (c.is_whitespace() && !matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}')) || c.is_control()
    };
    let mut line = String::with_capacity(text.len());
    for word in text.split(breaks).filter(|word| !word.is_empty()) {
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    line
}
