//! Markdown to HTML: pulldown-cmark's events, with headings, links, images, code blocks and
//! footnotes rewritten on the way through ([`writer`]), and what a page needs besides its
//! HTML gathered as they pass: footnotes, headings and the table of contents, plain text.

mod code;
mod footnotes;
mod headings;
mod picture;
mod position;
mod prefetch;
mod text;
mod writer;
pub(crate) mod xml;

// Converters the writer is to call next; until it does, nothing calls them.
pub(crate) mod code_info;
pub(crate) mod diagram;
pub(crate) mod math;

pub use headings::TocEntry;
pub use text::may_have_more_marker;

use super::csp::Policy;
use super::highlight::{Highlighter, Palette};
use super::links::{LinkIndex, Resolved};
use crate::diagnostic::Diagnostics;
use crate::images::{Images, VariantFile};

/// What rendering needs to know about the page a markdown text belongs to.
pub struct Source<'a> {
    /// The markdown.
    pub body: &'a str,
    /// Where the text is and is published.
    pub place: Place<'a>,
}

/// Where a markdown text is, and is published: with the text and the [`Options`], all a
/// render is made from besides where its links lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Place<'a> {
    /// Content-relative path of the file, for resolving relative links.
    pub rel: &'a str,
    /// 1-based file line of the body's first line.
    pub body_line: usize,
    /// The page's URL, for links relative to it.
    pub url: &'a str,
}

/// Every choice that changes how markdown becomes HTML. An earlier render of a text is still
/// valid only under the same options, so `serve` hashes this very struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Options {
    /// Curly quotes and dashes.
    pub smart_punctuation: bool,
    /// Highlight code blocks at all.
    pub highlight_code: bool,
    /// `$…$` and `$$…$$` are TeX formulas, rendered as MathML.
    pub math: bool,
    /// Report links to missing content as errors (else as warnings).
    pub broken_links_fail: bool,
    /// The fingerprint of the highlighting palette code is rendered in (0 for none).
    pub palette: u64,
    /// The fingerprint of the Content-Security-Policy raw HTML is checked against (0: none).
    pub csp: u64,
    /// The fingerprint of the `[images]` settings pictures are made under (0: none).
    pub images: u64,
}

impl Options {
    /// The options `site.toml`'s `[markdown]` asks for, with the theme's highlighting palette.
    pub fn new(config: &crate::config::MarkdownConfig, palette: Option<&Palette>) -> Options {
        Options {
            smart_punctuation: config.smart_punctuation,
            highlight_code: config.highlight_code,
            math: config.math,
            broken_links_fail: config.broken_links == crate::config::Level::Error,
            palette: palette.map_or(0, Palette::fingerprint),
            csp: 0,
            images: 0,
        }
    }
}

/// The policy raw HTML in markdown is checked against, and the site's own origin.
#[derive(Debug, Clone, Copy)]
pub struct CspCheck<'a> {
    /// The page's Content-Security-Policy.
    pub policy: &'a Policy,
    /// `https://example.com`: what `'self'` means.
    pub origin: &'a str,
}

impl CspCheck<'_> {
    /// A hash of what the check depends on, for [`Options::csp`].
    pub fn fingerprint(&self) -> u64 {
        crate::render::reuse::hash_of(&(self.policy.to_header_value(), self.origin))
    }
}

/// A reference in the markdown's raw HTML that the policy blocks, where it was written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CspFinding {
    /// The tag it is in, such as `iframe`.
    pub tag: String,
    /// What it loads; `None` for an inline script or style.
    pub url: Option<String>,
    /// Why it is blocked, naming the host.
    pub message: String,
    /// What to do about it.
    pub help: String,
    /// 1-based file line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Shared by every page: link targets, the highlighter and the options.
pub struct MarkdownRenderer<'a> {
    /// Where content files are published.
    pub links: &'a LinkIndex,
    /// Highlights code blocks.
    pub highlighter: &'a Highlighter,
    /// Makes images responsive pictures; without it an image is an `<img>` with its size.
    pub images: Option<&'a Images>,
    /// How highlighted code looks, if resolved at build time.
    pub palette: Option<&'a Palette>,
    /// The policy raw HTML is checked against, if any.
    pub csp: Option<CspCheck<'a>>,
    /// How to render.
    pub options: Options,
}

/// A link found in the markdown, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceLink {
    /// The root-relative URL (with any fragment) it points to.
    pub href: String,
    /// 1-based file line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// A link destination as written, with what it resolved to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Resolution {
    /// The destination as written.
    pub dest: String,
    /// Where it led, or why it led nowhere.
    pub result: Result<Resolved, String>,
}

/// A rendered markdown text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rendered {
    /// The HTML.
    pub html: String,
    /// Where in `html` the sidenotes are: footnotes repeated beside their references, which a
    /// feed leaves out, since a feed reader has no stylesheet to place them.
    pub sidenotes: Vec<std::ops::Range<usize>>,
    /// The table of contents.
    pub toc: Vec<TocEntry>,
    /// Words, code included.
    pub word_count: usize,
    /// Minutes to read, at least 1.
    pub reading_time: usize,
    /// Plain text before `<!-- more -->`, if the text has that marker.
    pub summary_before_more: Option<String>,
    /// The first paragraph as plain text.
    pub first_paragraph: String,
    /// Every internal link, for `pamphlet check`.
    pub links: Vec<SourceLink>,
    /// Every link destination: the rendering stays valid while each still resolves the same way.
    pub resolutions: Vec<Resolution>,
    /// What the Content-Security-Policy would block in the raw HTML.
    pub blocked: Vec<CspFinding>,
    /// The files of the pictures the HTML shows, to be written beside the page.
    pub images: Vec<VariantFile>,
    /// The image files the text shows, whose problems it has reported at their lines.
    pub shown_images: Vec<std::path::PathBuf>,
}

impl Rendered {
    /// The HTML without its sidenotes, for feeds.
    pub fn html_without_sidenotes(&self) -> String {
        without_sidenotes(&self.html, &self.sidenotes)
    }
}

/// Rendered `html` without its `sidenotes` (see [`Rendered::sidenotes`]).
pub fn without_sidenotes(html: &str, sidenotes: &[std::ops::Range<usize>]) -> String {
    let mut out = String::with_capacity(html.len());
    let mut from = 0;
    for sidenote in sidenotes {
        out.push_str(html.get(from..sidenote.start).unwrap_or_default());
        from = sidenote.end;
    }
    out.push_str(html.get(from..).unwrap_or_default());
    out
}

/// A text's summary, as [`MarkdownRenderer::summary`] reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextSummary {
    /// Plain text before `<!-- more -->`, if the text has that marker.
    pub before_more: Option<String>,
    /// The first paragraph as plain text.
    pub first_paragraph: String,
}

impl MarkdownRenderer<'_> {
    /// Renders one markdown text; problems name the file and line.
    pub fn render(&self, source: &Source) -> (Rendered, Diagnostics) {
        writer::render(self, source)
    }

    /// The summary [`Self::render`] would find, reading no further than it needs; what it
    /// reports on the way is dropped, as the full render reports it.
    pub fn summary(&self, source: &Source) -> TextSummary {
        writer::summary(self, source)
    }
}

#[cfg(test)]
mod tests;
