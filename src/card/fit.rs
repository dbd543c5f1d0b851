//! Cutting text short with "…" so it fits in a number of lines.
//!
//! cosmic-text has an ellipsis of its own, but it carries the space before a wrapped line to
//! that line's start (" fallback, bidirectional…"): this cuts the text instead, and lays the
//! shorter text out afresh.

use cosmic_text::Buffer;
use unicode_segmentation::UnicodeSegmentation;

/// The ellipsis a cut text ends with.
pub(super) const ELLIPSIS: char = '\u{2026}';

/// `text` as `shape` lays it out, if that takes at most `max_lines` lines; else the longest
/// start of it that does, ending in "…": cut after a whole word when that fills the lines, else
/// after as many whole characters (grapheme clusters) as fit, as in a very long word. The flag
/// says whether it was cut.
pub(super) fn fit(
    text: &str,
    max_lines: usize,
    mut shape: impl FnMut(&str) -> Buffer,
) -> (Buffer, bool) {
    let whole = shape(text);
    if lines(&whole) <= max_lines {
        return (whole, false);
    }
    (truncate(text, max_lines, shape), true)
}

/// The longest start of `text` that, ending in "…", fits in `max_lines` lines (see [`fit`]).
fn truncate(text: &str, max_lines: usize, mut shape: impl FnMut(&str) -> Buffer) -> Buffer {
    let mut attempt = |cut: usize| {
        let buffer = shape(&with_ellipsis(text.get(..cut).unwrap_or_default()));
        let lines = lines(&buffer);
        (lines <= max_lines).then_some((buffer, lines))
    };
    let words: Vec<usize> = text.match_indices(' ').map(|(at, _)| at).collect();
    if let Some((buffer, lines)) = longest(&words, &mut attempt)
        && lines == max_lines
    {
        return buffer;
    }
    let characters: Vec<usize> = text
        .grapheme_indices(true)
        .map(|(at, cluster)| at + cluster.len())
        .collect();
    match longest(&characters, &mut attempt) {
        Some((buffer, _)) => buffer,
        None => shape(&ELLIPSIS.to_string()),
    }
}

/// The lines a laid-out buffer takes (none for empty text).
pub(super) fn lines(buffer: &Buffer) -> usize {
    buffer
        .layout_runs()
        .filter(|run| !run.glyphs.is_empty())
        .count()
}

/// The last of the ascending `cuts` that `attempt` accepts, by bisection: a text that fits
/// when cut at one point fits when cut at any earlier one.
fn longest<T>(cuts: &[usize], attempt: &mut impl FnMut(usize) -> Option<T>) -> Option<T> {
    let (mut low, mut high) = (0, cuts.len());
    let mut best = None;
    while low < high {
        let middle = low + (high - low) / 2;
        match cuts.get(middle).and_then(|&cut| attempt(cut)) {
            Some(fits) => {
                best = Some(fits);
                low = middle + 1;
            }
            None => high = middle,
        }
    }
    best
}

/// `start` with "…" after it, less the spaces and the punctuation that would stand between
/// (", …" or "the.…" read badly).
fn with_ellipsis(start: &str) -> String {
    let trailing = |c: char| {
        c.is_whitespace()
            || matches!(c, ',' | ';' | ':' | '.' | '-' | '–' | '—' | '/' | '(')
            || matches!(c, '[' | '{' | '،' | '؛' | '־')
    };
    let mut cut = start.trim_end_matches(trailing).to_owned();
    cut.push(ELLIPSIS);
    cut
}
