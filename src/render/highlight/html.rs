//! Highlighted code as compact HTML: syntect's scopes resolved through a [`Palette`], one
//! element per run of characters that look alike, and optional line wrappers for line numbers
//! and highlighted lines.

use std::collections::HashMap;

use syntect::parsing::{BasicScopeStackOp, ScopeStack, SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

use super::memo::LineMemo;
use super::palette::{Palette, Resolved};
use crate::render::escape;

/// How lines are laid out: plain, or each in a wrapper (for numbers and highlights).
#[derive(Debug, Clone, Copy, Default)]
pub struct Lines<'a> {
    /// Wrap each line so the theme can number it.
    pub numbered: bool,
    /// 1-based lines to highlight; empty for none.
    pub highlighted: &'a [bool],
}

impl Lines<'_> {
    /// True when each line gets a wrapper of its own.
    pub fn wrapped(&self) -> bool {
        self.numbered || self.highlighted.iter().any(|h| *h)
    }

    fn is_highlighted(&self, line: usize) -> bool {
        self.highlighted.get(line).copied().unwrap_or(false)
    }
}

/// The inner HTML of a `<code>` element for `code` in `syntax`; an error says why it could not
/// be highlighted.
pub(super) fn compact(
    code: &str,
    syntax: &SyntaxReference,
    syntaxes: &SyntaxSet,
    memo: &LineMemo,
    palette: &Palette,
    lines: Lines,
) -> Result<String, String> {
    let mut writer = Writer {
        out: String::with_capacity(code.len() * 2),
        palette,
        classes: HashMap::new(),
        open: None,
    };
    let mut parser = memo.parser(syntax);
    let mut scopes = ScopeStack::new();
    let mut masks = Vec::new();
    let mut resolved = vec![Resolved::default()];
    for (index, line) in LinesWithEndings::from(code).enumerate() {
        let ops = (parser.parse(line, syntaxes)).map_err(|e| e.to_string())?;
        let (text, newline) = match line.strip_suffix('\n') {
            Some(text) => (text, "\n"),
            None => (line, ""),
        };
        if lines.wrapped() {
            let class = if lines.is_highlighted(index) {
                "ln hi"
            } else {
                "ln"
            };
            writer.out.push_str(&format!("<span class=\"{class}\">"));
        }
        let mut at = 0;
        for (offset, op) in ops.iter() {
            let offset = (*offset).min(text.len());
            if offset > at {
                writer.text(
                    &text[at..offset],
                    resolved.last().copied().unwrap_or_default(),
                );
                at = offset;
            }
            scopes
                .apply_with_hook(op, |basic, _| match basic {
                    BasicScopeStackOp::Push(scope) => {
                        masks.push(palette.mask(scope));
                        let parent = resolved.last().copied().unwrap_or_default();
                        resolved.push(palette.compute(&masks, &parent));
                    }
                    BasicScopeStackOp::Pop => {
                        masks.pop();
                        if resolved.len() > 1 {
                            resolved.pop();
                        }
                    }
                })
                .map_err(|e| format!("{e:?}"))?;
        }
        writer.text(&text[at..], resolved.last().copied().unwrap_or_default());
        if lines.wrapped() {
            writer.close();
            writer.out.push_str("</span>");
        }
        writer.out.push_str(newline);
    }
    writer.close();
    Ok(writer.out)
}

/// Writes runs of text, opening a new element only when the look changes.
struct Writer<'p> {
    out: String,
    palette: &'p Palette,
    /// Classes by what they stand for, worked out once per block.
    classes: HashMap<Resolved, String>,
    /// The look of the element open now, if any.
    open: Option<Resolved>,
}

impl Writer<'_> {
    fn text(&mut self, text: &str, look: Resolved) {
        if text.is_empty() {
            return;
        }
        let joins_open = self.open.is_some_and(|open| {
            // Spaces look the same in any colour: they join the element open now, unless one
            // of the two paints behind or under its text.
            text.bytes().all(|b| b == b' ' || b == b'\t')
                && self.palette.shows_only_glyphs(&open)
                && self.palette.shows_only_glyphs(&look)
        });
        if self.open != Some(look) && !joins_open {
            self.close();
            let palette = self.palette;
            let classes = self
                .classes
                .entry(look)
                .or_insert_with(|| palette.classes(&look));
            if !classes.is_empty() {
                self.out.push_str("<span class=\"");
                self.out.push_str(classes);
                self.out.push_str("\">");
                self.open = Some(look);
            }
        }
        escape::push_html(&mut self.out, text);
    }

    fn close(&mut self) {
        if self.open.take().is_some() {
            self.out.push_str("</span>");
        }
    }
}

/// The inner HTML of a `<code>` element for unhighlighted `code`, lines wrapped as asked.
pub fn plain(code: &str, lines: Lines) -> String {
    if !lines.wrapped() {
        return escape::html(code);
    }
    let mut out = String::with_capacity(code.len() * 2);
    for (index, line) in LinesWithEndings::from(code).enumerate() {
        let (text, newline) = match line.strip_suffix('\n') {
            Some(text) => (text, "\n"),
            None => (line, ""),
        };
        let class = if lines.is_highlighted(index) {
            "ln hi"
        } else {
            "ln"
        };
        out.push_str(&format!("<span class=\"{class}\">"));
        escape::push_html(&mut out, text);
        out.push_str("</span>");
        out.push_str(newline);
    }
    out
}
