//! Fenced and indented code blocks: highlighted with their annotations (highlighted lines,
//! line numbers, a title), or drawn, for `svgbob` diagrams.

use super::MarkdownRenderer;
use super::code_info::CodeInfo;
use super::diagram::svgbob_to_svg;
use crate::render::escape;
use crate::render::highlight::Lines;

/// A code block's HTML, and what to warn about at its line.
pub(super) struct Block {
    /// The HTML: a `<pre>`, a `<figure>` around one, or a diagram.
    pub(super) html: String,
    /// Warnings for the block's first line.
    pub(super) warnings: Vec<String>,
    /// True when the block is prose-like text to count words in (not a diagram).
    pub(super) counts_words: bool,
}

/// The HTML of one code block.
pub(super) fn render(renderer: &MarkdownRenderer, info: &CodeInfo, code: &str) -> Block {
    if info.lang.as_deref() == Some("svgbob") {
        return Block {
            html: format!("<div class=\"diagram\">{}</div>\n", svgbob_to_svg(code)),
            warnings: Vec::new(),
            counts_words: false,
        };
    }
    let line_count = code.lines().count();
    let mut warnings: Vec<String> = info
        .out_of_range(u32::try_from(line_count).unwrap_or(u32::MAX))
        .iter()
        .map(|range| {
            format!("highlighted lines {range} reach past the end of this {line_count}-line block")
        })
        .collect();
    let highlighted: Vec<bool> = (1..=line_count)
        .map(|line| info.is_highlighted(u32::try_from(line).unwrap_or(u32::MAX)))
        .collect();
    let lines = Lines {
        numbered: info.line_numbers,
        highlighted: &highlighted,
    };
    let lang = info
        .lang
        .as_deref()
        .filter(|_| renderer.options.highlight_code);
    let out = renderer
        .highlighter
        .highlight(lang, code, renderer.palette, lines);
    warnings.extend(out.warning);
    let html = match &info.title {
        Some(title) => format!(
            "<figure class=\"code-block\"><figcaption class=\"code-title\">{}</figcaption>\n{}</figure>\n",
            escape::html(title),
            out.html
        ),
        None => out.html,
    };
    Block {
        html,
        warnings,
        counts_words: true,
    }
}
