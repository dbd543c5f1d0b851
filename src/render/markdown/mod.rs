//! Markdown to HTML: pulldown-cmark's events, with headings, links, images, code blocks and
//! footnotes rewritten on the way through.

use std::collections::{HashMap, HashSet, VecDeque};

use pulldown_cmark::{
    CodeBlockKind, Event, HeadingLevel, LinkType, Options as ParserOptions, Parser, Tag, TagEnd,
};
use serde::Serialize;

use super::escape;
use super::highlight::Highlighter;
use super::links::{LinkIndex, Resolved};
use crate::diagnostic::{Diagnostic, Diagnostics, line_column};
use crate::model::url::slugify;

/// Words read per minute, for reading time (the figure Zola and Medium use).
const WORDS_PER_MINUTE: usize = 200;

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
    /// Report links to missing content as errors (else as warnings).
    pub broken_links_fail: bool,
}

impl Options {
    /// The options `site.toml`'s `[markdown]` asks for.
    pub fn from_config(config: &crate::config::MarkdownConfig) -> Options {
        Options {
            smart_punctuation: config.smart_punctuation,
            highlight_code: config.highlight_code,
            broken_links_fail: config.broken_links == crate::config::Level::Error,
        }
    }
}

/// Shared by every page: link targets, the highlighter and the options.
pub struct Renderer<'a> {
    /// Where content files are published.
    pub links: &'a LinkIndex,
    /// Highlights code blocks.
    pub highlighter: &'a Highlighter,
    /// How to render.
    pub options: Options,
}

/// One heading of a page's table of contents, with the headings below it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TocEntry {
    /// 1 to 6.
    pub level: u8,
    /// The heading's `id`.
    pub id: String,
    /// The heading as plain text.
    pub title: String,
    /// Lower-level headings under this one.
    pub children: Vec<TocEntry>,
}

/// A link found in the markdown, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLink {
    /// The root-relative URL (with any fragment) it points to.
    pub href: String,
    /// 1-based file line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// A rendered markdown text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rendered {
    /// The HTML.
    pub html: String,
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
    /// Every link destination as written, with what it resolved to: the rendering stays valid
    /// while each still resolves the same way.
    pub resolutions: Vec<(String, Result<Resolved, String>)>,
}

/// Where events are being collected while an element is open.
enum Frame<'s> {
    Heading {
        level: HeadingLevel,
        id: Option<String>,
        classes: Vec<String>,
        text: String,
        events: Vec<Event<'s>>,
    },
    Image {
        src: String,
        title: String,
        offset: usize,
        alt: String,
    },
    Code {
        lang: Option<String>,
        code: String,
        offset: usize,
    },
    Footnote {
        label: String,
        events: Vec<Event<'s>>,
    },
}

/// The rewriting of one text's events; `s` is the lifetime of the markdown text, so events
/// that pass through unchanged are never copied.
struct State<'r, 's> {
    renderer: &'r Renderer<'r>,
    source: &'r Source<'s>,
    /// Events ready for the HTML writer: the rewriting is streamed, so a long text is never
    /// held in memory as events.
    pending: VecDeque<Event<'s>>,
    frames: Vec<Frame<'s>>,
    ids: HashSet<String>,
    headings: Vec<(u8, String, String)>,
    /// Footnote labels by number − 1, in order of first reference, and the reverse index.
    footnote_order: Vec<String>,
    footnote_numbers: HashMap<String, usize>,
    footnote_refs: Vec<usize>,
    footnotes: HashMap<String, Vec<Event<'s>>>,
    words: usize,
    plain: String,
    /// Only a text with a `<!-- more -->` marker needs its plain text kept.
    collect_plain: bool,
    more_at: Option<usize>,
    first_paragraph: Option<String>,
    paragraph: Option<String>,
    container_depth: usize,
    links: Vec<SourceLink>,
    resolutions: Vec<(String, Result<Resolved, String>)>,
    problems: Diagnostics,
    /// The last offset given a position: (offset, its line, where that line starts).
    cursor: (usize, usize, usize),
}

impl Renderer<'_> {
    /// Renders one markdown text; problems name the file and line.
    pub fn render<'s>(&self, source: &Source<'s>) -> (Rendered, Diagnostics) {
        let mut options = ParserOptions::ENABLE_TABLES
            | ParserOptions::ENABLE_FOOTNOTES
            | ParserOptions::ENABLE_STRIKETHROUGH
            | ParserOptions::ENABLE_TASKLISTS
            | ParserOptions::ENABLE_HEADING_ATTRIBUTES;
        if self.options.smart_punctuation {
            options |= ParserOptions::ENABLE_SMART_PUNCTUATION;
        }
        let mut state = State {
            renderer: self,
            source,
            pending: VecDeque::new(),
            frames: Vec::new(),
            ids: HashSet::new(),
            headings: Vec::new(),
            footnote_order: Vec::new(),
            footnote_numbers: HashMap::new(),
            footnote_refs: Vec::new(),
            footnotes: HashMap::new(),
            words: 0,
            plain: String::new(),
            collect_plain: source.body.contains("more"),
            more_at: None,
            first_paragraph: None,
            paragraph: None,
            container_depth: 0,
            links: Vec::new(),
            resolutions: Vec::new(),
            problems: Diagnostics::new(),
            cursor: (0, 1, 0),
        };
        let mut html = String::with_capacity(source.body.len() * 3 / 2);
        let events = Events {
            parser: Parser::new_ext(source.body, options).into_offset_iter(),
            state: &mut state,
        };
        pulldown_cmark::html::push_html(&mut html, events);
        state.finish(html)
    }
}

/// The rewritten events of a text, produced as the HTML writer asks for them.
struct Events<'r, 'x, 's, I> {
    parser: I,
    state: &'x mut State<'r, 's>,
}

impl<'s, I> Iterator for Events<'_, '_, 's, I>
where
    I: Iterator<Item = (Event<'s>, std::ops::Range<usize>)>,
{
    type Item = Event<'s>;

    fn next(&mut self) -> Option<Event<'s>> {
        loop {
            if let Some(event) = self.state.pending.pop_front() {
                return Some(event);
            }
            let (event, range) = self.parser.next()?;
            self.state.event(event, range.start);
        }
    }
}

impl<'s> State<'_, 's> {
    /// The file line and column of a byte offset in the body. Offsets mostly arrive in order,
    /// so counting resumes from the previous one instead of from the start each time.
    fn position(&mut self, offset: usize) -> (usize, usize) {
        let body = self.source.body;
        let offset = offset.min(body.len());
        let (from, mut line, mut line_start) = match self.cursor {
            (at, line, start) if at <= offset => (at, line, start),
            _ => (0, 1, 0),
        };
        for (i, b) in body.as_bytes()[from..offset].iter().enumerate() {
            if *b == b'\n' {
                line += 1;
                line_start = from + i + 1;
            }
        }
        self.cursor = (offset, line, line_start);
        let column = line_column(&body[line_start..], offset - line_start).1;
        (line + self.source.place.body_line - 1, column)
    }

    fn warn(&mut self, offset: usize, message: String) {
        let (line, column) = self.position(offset);
        self.problems
            .push(Diagnostic::warning(message).at(line, column));
    }

    fn broken_link(&mut self, offset: usize, message: String, help: &str) {
        let (line, column) = self.position(offset);
        let d = if self.renderer.options.broken_links_fail {
            Diagnostic::error(message)
        } else {
            Diagnostic::warning(message)
        };
        self.problems.push(d.at(line, column).help(help));
    }

    /// Sends an event to the innermost open element, or to the page.
    fn emit(&mut self, event: Event<'s>) {
        for frame in self.frames.iter_mut().rev() {
            match frame {
                Frame::Heading { events, .. } | Frame::Footnote { events, .. } => {
                    events.push(event);
                    return;
                }
                Frame::Image { .. } | Frame::Code { .. } => {}
            }
        }
        self.pending.push_back(event);
    }

    fn html(&mut self, html: String) {
        self.emit(Event::InlineHtml(html.into()));
    }

    fn in_code(&self) -> bool {
        matches!(self.frames.last(), Some(Frame::Code { .. }))
    }

    fn in_footnote(&self) -> bool {
        self.frames
            .iter()
            .any(|f| matches!(f, Frame::Footnote { .. }))
    }

    /// Records plain text for word counts, summaries, heading titles and image alt text.
    fn text(&mut self, text: &str) {
        self.words += count_words(text);
        if self.collect_plain && self.more_at.is_none() && !self.in_footnote() {
            self.plain.push_str(text);
        }
        if let Some(paragraph) = &mut self.paragraph {
            paragraph.push_str(text);
        }
        match self.frames.last_mut() {
            Some(Frame::Heading { text: t, .. }) => t.push_str(text),
            Some(Frame::Image { alt, .. }) => alt.push_str(text),
            _ => {}
        }
    }

    fn event(&mut self, event: Event<'s>, offset: usize) {
        match event {
            Event::Start(tag) => self.start(tag, offset),
            Event::End(end) => self.end(end),
            Event::Text(text) => {
                if let Some(Frame::Code { code, .. }) = self.frames.last_mut() {
                    code.push_str(&text);
                    return;
                }
                self.text(&text);
                if !matches!(self.frames.last(), Some(Frame::Image { .. })) {
                    self.emit(Event::Text(text));
                }
            }
            Event::Code(code) => {
                self.text(&code);
                if !matches!(self.frames.last(), Some(Frame::Image { .. })) {
                    self.emit(Event::Code(code));
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                if self.more_at.is_none() && is_more_marker(&html) {
                    self.more_at = Some(self.plain.len());
                }
                if !self.in_code() {
                    self.emit(Event::Html(html));
                }
            }
            Event::FootnoteReference(label) => self.footnote_reference(&label),
            Event::SoftBreak => {
                self.text(" ");
                self.emit(Event::SoftBreak);
            }
            Event::HardBreak => {
                self.text(" ");
                self.emit(Event::HardBreak);
            }
            Event::TaskListMarker(done) => {
                let (checked, label) = if done {
                    (" checked", "Done")
                } else {
                    ("", "Not done")
                };
                self.html(format!(
                    "<input type=\"checkbox\" disabled{checked} aria-label=\"{label}\"> "
                ));
            }
            Event::Rule => self.emit(Event::Rule),
            Event::InlineMath(m) | Event::DisplayMath(m) => {
                self.text(&m);
                self.emit(Event::Text(m));
            }
        }
    }

    fn start(&mut self, tag: Tag<'s>, offset: usize) {
        match tag {
            Tag::Heading {
                level, id, classes, ..
            } => self.frames.push(Frame::Heading {
                level,
                id: id.map(|i| i.to_string()),
                classes: classes.iter().map(|c| c.to_string()).collect(),
                text: String::new(),
                events: Vec::new(),
            }),
            Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            } => {
                let dest = if link_type == LinkType::Email {
                    format!("mailto:{dest_url}")
                } else {
                    dest_url.to_string()
                };
                let mut html = String::from("<a href=\"");
                match self.resolve(&dest, offset) {
                    Some(Resolved::External { href, web }) => {
                        escape::push_html(&mut html, &href);
                        html.push('"');
                        if web {
                            html.push_str(" rel=\"noopener noreferrer\"");
                        }
                    }
                    Some(Resolved::Internal { href, .. }) => {
                        escape::push_html(&mut html, &href);
                        html.push('"');
                    }
                    None => html.push_str("#\""),
                }
                if !title.is_empty() {
                    html.push_str(" title=\"");
                    escape::push_html(&mut html, &title);
                    html.push('"');
                }
                html.push('>');
                self.html(html);
            }
            Tag::Image {
                dest_url, title, ..
            } => self.frames.push(Frame::Image {
                src: dest_url.to_string(),
                title: title.to_string(),
                offset,
                alt: String::new(),
            }),
            Tag::CodeBlock(kind) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split([',', ' ', '{', '\t'])
                        .next()
                        .filter(|l| !l.is_empty())
                        .map(str::to_string),
                    CodeBlockKind::Indented => None,
                };
                self.frames.push(Frame::Code {
                    lang,
                    code: String::new(),
                    offset,
                });
            }
            Tag::FootnoteDefinition(label) => {
                self.container_depth += 1;
                self.frames.push(Frame::Footnote {
                    label: label.to_string(),
                    events: Vec::new(),
                });
            }
            Tag::Paragraph => {
                if self.container_depth == 0 && self.first_paragraph.is_none() {
                    self.paragraph = Some(String::new());
                }
                self.emit(Event::Start(Tag::Paragraph));
            }
            other => {
                if matches!(
                    other,
                    Tag::BlockQuote(_) | Tag::List(_) | Tag::Item | Tag::Table(_)
                ) {
                    self.container_depth += 1;
                }
                self.emit(Event::Start(other));
            }
        }
    }

    fn end(&mut self, end: TagEnd) {
        match end {
            TagEnd::Heading(_) => self.end_heading(),
            TagEnd::Link => self.html("</a>".into()),
            TagEnd::Image => self.end_image(),
            TagEnd::CodeBlock => self.end_code(),
            TagEnd::FootnoteDefinition => {
                self.container_depth -= 1;
                if let Some(Frame::Footnote { label, events }) = self.frames.pop() {
                    self.footnotes.insert(label, events);
                }
            }
            TagEnd::Paragraph => {
                if let Some(text) = self.paragraph.take() {
                    self.first_paragraph = Some(text);
                }
                self.plain.push(' ');
                self.emit(Event::End(TagEnd::Paragraph));
            }
            other => {
                if matches!(
                    other,
                    TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item | TagEnd::Table
                ) {
                    self.container_depth -= 1;
                    self.plain.push(' ');
                }
                self.emit(Event::End(other));
            }
        }
    }

    fn resolve(&mut self, dest: &str, offset: usize) -> Option<Resolved> {
        let resolved =
            self.renderer
                .links
                .resolve(dest, self.source.place.rel, self.source.place.url);
        self.resolutions.push((dest.to_string(), resolved.clone()));
        match resolved {
            Ok(resolved) => {
                if let Resolved::Internal { href, .. } = &resolved {
                    let (line, column) = self.position(offset);
                    self.links.push(SourceLink {
                        href: href.clone(),
                        line,
                        column,
                    });
                }
                Some(resolved)
            }
            Err(message) => {
                self.broken_link(
                    offset,
                    format!("broken link `{dest}`: {message}"),
                    "point the link at an existing page, e.g. `../other/index.md` or `@/blog/other.md`",
                );
                None
            }
        }
    }

    fn end_heading(&mut self) {
        let Some(Frame::Heading {
            level,
            id,
            classes,
            text,
            events,
        }) = self.frames.pop()
        else {
            return;
        };
        let title = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let id = self.unique_id(id.unwrap_or_else(|| slugify(&title)));
        let mut inner = String::new();
        pulldown_cmark::html::push_html(&mut inner, events.into_iter());
        let mut html = format!("<{level} id=\"{}\"", escape::html(&id));
        if !classes.is_empty() {
            html.push_str(&format!(" class=\"{}\"", escape::html(&classes.join(" "))));
        }
        html.push_str(&format!(
            ">{inner} <a class=\"anchor\" href=\"#{}\" aria-hidden=\"true\" tabindex=\"-1\">#</a></{level}>\n",
            escape::html(&id)
        ));
        if !self.in_footnote() {
            self.headings.push((level as u8, id, title));
        }
        self.plain.push(' ');
        self.emit(Event::Html(html.into()));
    }

    fn unique_id(&mut self, base: String) -> String {
        let base = if base.is_empty() {
            "section".to_string()
        } else {
            base
        };
        let mut id = base.clone();
        let mut n = 1;
        while !self.ids.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }

    fn end_image(&mut self) {
        let Some(Frame::Image {
            src,
            title,
            offset,
            alt,
        }) = self.frames.pop()
        else {
            return;
        };
        if alt.trim().is_empty() {
            self.warn(
                offset,
                format!("image `{src}` has no alt text; describe it inside the brackets: ![what it shows]({src})"),
            );
        }
        let mut html = String::from("<img src=\"");
        let mut size = None;
        match self.resolve(&src, offset) {
            Some(Resolved::External { href, .. }) => escape::push_html(&mut html, &href),
            Some(Resolved::Internal { href, file }) => {
                escape::push_html(&mut html, &href);
                size = file.and_then(|f| imagesize::size(f).ok());
            }
            None => html.push('#'),
        }
        html.push_str("\" alt=\"");
        escape::push_html(&mut html, alt.trim());
        html.push('"');
        if !title.is_empty() {
            html.push_str(" title=\"");
            escape::push_html(&mut html, &title);
            html.push('"');
        }
        if let Some(size) = size {
            html.push_str(&format!(
                " width=\"{}\" height=\"{}\"",
                size.width, size.height
            ));
        }
        html.push_str(" loading=\"lazy\" decoding=\"async\">");
        self.html(html);
    }

    fn end_code(&mut self) {
        let Some(Frame::Code { lang, code, offset }) = self.frames.pop() else {
            return;
        };
        self.words += count_words(&code);
        let lang = lang.filter(|_| self.renderer.options.highlight_code);
        let highlighted = self.renderer.highlighter.highlight(lang.as_deref(), &code);
        if let Some(warning) = highlighted.warning {
            self.warn(offset, warning);
        }
        self.emit(Event::Html(highlighted.html.into()));
    }

    fn footnote_reference(&mut self, label: &str) {
        let index = match self.footnote_numbers.get(label) {
            Some(&i) => i,
            None => {
                self.footnote_order.push(label.to_string());
                self.footnote_numbers
                    .insert(label.to_string(), self.footnote_order.len() - 1);
                self.footnote_refs.push(0);
                self.footnote_order.len() - 1
            }
        };
        self.footnote_refs[index] += 1;
        let number = index + 1;
        let ref_id = match self.footnote_refs[index] {
            1 => format!("fnref-{number}"),
            n => format!("fnref-{number}-{n}"),
        };
        self.html(format!(
            "<sup class=\"footnote-ref\"><a href=\"#fn-{number}\" id=\"{ref_id}\">{number}</a></sup>"
        ));
    }

    fn finish(mut self, mut html: String) -> (Rendered, Diagnostics) {
        if !self.footnote_order.is_empty() {
            html.push_str(&self.footnotes_html());
        }
        let summary_before_more = self
            .more_at
            .map(|at| normalize_space(&self.plain[..at.min(self.plain.len())]));
        let rendered = Rendered {
            html,
            toc: toc_tree(&self.headings),
            word_count: self.words,
            reading_time: self.words.div_ceil(WORDS_PER_MINUTE).max(1),
            summary_before_more,
            first_paragraph: normalize_space(&self.first_paragraph.take().unwrap_or_default()),
            links: self.links,
            resolutions: self.resolutions,
        };
        (rendered, self.problems)
    }

    fn footnotes_html(&mut self) -> String {
        let mut html =
            String::from("<section class=\"footnotes\" aria-label=\"Footnotes\">\n<ol>\n");
        for (index, label) in self.footnote_order.iter().enumerate() {
            let number = index + 1;
            let body = self
                .footnotes
                .remove(label)
                .map(|events| {
                    let mut body = String::new();
                    pulldown_cmark::html::push_html(&mut body, events.into_iter());
                    body
                })
                .unwrap_or_default();
            let mut back = String::new();
            for n in 1..=self.footnote_refs[index] {
                let (id, label) = if n == 1 {
                    (
                        format!("fnref-{number}"),
                        format!("Back to reference {number}"),
                    )
                } else {
                    (
                        format!("fnref-{number}-{n}"),
                        format!("Back to reference {number} ({n})"),
                    )
                };
                back.push_str(&format!(
                    " <a href=\"#{id}\" class=\"footnote-back\" aria-label=\"{label}\">↩</a>"
                ));
            }
            let body = body.trim_end();
            let item = match body.strip_suffix("</p>") {
                Some(before) => format!("{before}{back}</p>"),
                None => format!("{body}{back}"),
            };
            html.push_str(&format!("<li id=\"fn-{number}\">{item}</li>\n"));
        }
        html.push_str("</ol>\n</section>\n");
        html
    }
}

/// Words in `text`: runs of characters between whitespace. Counted over bytes, since this runs
/// on every piece of text of every page; Unicode spaces other than ASCII ones count as letters.
fn count_words(text: &str) -> usize {
    let mut words = 0;
    let mut in_word = false;
    for byte in text.bytes() {
        let space = byte.is_ascii_whitespace();
        if !space && !in_word {
            words += 1;
        }
        in_word = !space;
    }
    words
}

fn is_more_marker(html: &str) -> bool {
    let trimmed = html.trim();
    trimmed
        .strip_prefix("<!--")
        .and_then(|r| r.strip_suffix("-->"))
        .is_some_and(|inner| inner.trim() == "more")
}

fn normalize_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Nests a flat list of headings under the nearest preceding heading of a higher level.
fn toc_tree(headings: &[(u8, String, String)]) -> Vec<TocEntry> {
    fn build(items: &[(u8, String, String)], index: &mut usize, parent_level: u8) -> Vec<TocEntry> {
        let mut out = Vec::new();
        while *index < items.len() {
            let (level, id, title) = &items[*index];
            if *level <= parent_level {
                break;
            }
            *index += 1;
            let children = build(items, index, *level);
            out.push(TocEntry {
                level: *level,
                id: id.clone(),
                title: title.clone(),
                children,
            });
        }
        out
    }
    let mut index = 0;
    let mut out = Vec::new();
    while index < headings.len() {
        out.extend(build(headings, &mut index, 0));
    }
    out
}

#[cfg(test)]
mod tests;
