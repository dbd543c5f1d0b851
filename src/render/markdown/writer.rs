//! The HTML writer: pulldown-cmark's events, rewritten as they stream to its HTML writer.
//! Headings get ids and anchors, links are resolved, images get their size, code blocks are
//! highlighted, footnotes are numbered; elements whose HTML needs their whole content are
//! collected in frames until they close.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;

use pulldown_cmark::{
    Alignment, BlockQuoteKind, CodeBlockKind, Event, HeadingLevel, LinkType,
    Options as ParserOptions, Parser, Tag, TagEnd,
};

use super::code;
use super::code_info::{self, CodeInfo};
use super::footnotes::Footnotes;
use super::headings::Headings;
use super::math;
use super::picture;
use super::position::Lines;
use super::text::Text;
use super::{CspFinding, MarkdownRenderer, Rendered, Resolution, Source, SourceLink, TextSummary};
use crate::check::scan;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::images::{DEFAULT_SIZES, Picture, VariantFile};
use crate::model::url::slugify;
use crate::render::csp;
use crate::render::escape;
use crate::render::links::Resolved;

/// Renders one text.
pub(super) fn render(renderer: &MarkdownRenderer, source: &Source) -> (Rendered, Diagnostics) {
    super::prefetch::pictures(renderer, source);
    let mut writer = Writer::new(renderer, source);
    let mut html = String::with_capacity(source.body.len() * 3 / 2);
    let events = Events {
        parser: Parser::new_ext(source.body, parser_options(renderer))
            .into_offset_iter()
            .peekable(),
        writer: &mut writer,
    };
    pulldown_cmark::html::push_html(&mut html, events);
    writer.finish(html)
}

/// The markdown extensions every text is read with.
pub(super) fn parser_options(renderer: &MarkdownRenderer) -> ParserOptions {
    let mut options = ParserOptions::ENABLE_TABLES
        | ParserOptions::ENABLE_FOOTNOTES
        | ParserOptions::ENABLE_STRIKETHROUGH
        | ParserOptions::ENABLE_TASKLISTS
        | ParserOptions::ENABLE_HEADING_ATTRIBUTES
        | ParserOptions::ENABLE_GFM;
    if renderer.options.smart_punctuation {
        options |= ParserOptions::ENABLE_SMART_PUNCTUATION;
    }
    if renderer.options.math {
        options |= ParserOptions::ENABLE_MATH;
    }
    options
}

/// The summary of one text, read only as far as it takes: to the `<!-- more -->` marker, or
/// to the end of the first paragraph when the text has no marker. The events go through the
/// very writer [`render`] uses, so the summary is the one a full render finds.
pub(super) fn summary(renderer: &MarkdownRenderer, source: &Source) -> TextSummary {
    let mut writer = Writer::new(renderer, source);
    let mut events = Events {
        parser: Parser::new_ext(source.body, parser_options(renderer))
            .into_offset_iter()
            .peekable(),
        writer: &mut writer,
    };
    while !events.writer.text.summary_known() && events.next().is_some() {}
    let gathered = writer.text.finish();
    TextSummary {
        before_more: gathered.summary_before_more,
        first_paragraph: gathered.first_paragraph,
    }
}

/// An element whose events are collected while it is open.
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
        info: CodeInfo,
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
struct Writer<'r, 's> {
    renderer: &'r MarkdownRenderer<'r>,
    source: &'r Source<'s>,
    /// Events ready for the HTML writer: the rewriting is streamed, so a long text is never
    /// held in memory as events.
    pending: VecDeque<Event<'s>>,
    frames: Vec<Frame<'s>>,
    headings: Headings,
    footnotes: Footnotes<'s>,
    text: Text,
    lines: Lines<'s>,
    links: Vec<SourceLink>,
    resolutions: Vec<Resolution>,
    problems: Diagnostics,
    /// The table being written, whose cells are aligned by class, not by inline style.
    table: Option<Table>,
    /// Raw HTML seen since the last other event, with the offset it started at: a tag written
    /// over several lines arrives in pieces, and is checked against the policy whole.
    raw: Option<(usize, String)>,
    blocked: Vec<CspFinding>,
    /// True while in a paragraph that is one titled image alone: a `<figure>`, not a `<p>`.
    figure: bool,
    /// Images written so far: the first is loaded at once.
    images_shown: usize,
    /// The variant files of the pictures written.
    pictures: Vec<VariantFile>,
    shown_images: Vec<std::path::PathBuf>,
}

/// A table being written: its columns' alignment, and where in it the writer is.
struct Table {
    alignments: Vec<Alignment>,
    in_head: bool,
    column: usize,
}

/// The class and title of a GitHub-style alert (`> [!NOTE]`).
fn callout(kind: BlockQuoteKind) -> (&'static str, &'static str) {
    match kind {
        BlockQuoteKind::Note => ("note", "Note"),
        BlockQuoteKind::Tip => ("tip", "Tip"),
        BlockQuoteKind::Important => ("important", "Important"),
        BlockQuoteKind::Warning => ("warning", "Warning"),
        BlockQuoteKind::Caution => ("caution", "Caution"),
    }
}

/// The rewritten events of a text, produced as the HTML writer asks for them.
struct Events<'r, 'x, 's, I: Iterator> {
    parser: std::iter::Peekable<I>,
    writer: &'x mut Writer<'r, 's>,
}

impl<'s, I> Iterator for Events<'_, '_, 's, I>
where
    I: Iterator<Item = (Event<'s>, std::ops::Range<usize>)>,
{
    type Item = Event<'s>;

    fn next(&mut self) -> Option<Event<'s>> {
        loop {
            if let Some(event) = self.writer.pending.pop_front() {
                return Some(event);
            }
            let (event, range) = self.parser.next()?;
            if matches!(event, Event::Start(Tag::Paragraph)) {
                self.writer.figure = match self.parser.peek() {
                    Some((Event::Start(Tag::Image { title, .. }), image)) => {
                        let body = self.writer.source.body;
                        let paragraph = body.get(range.clone()).map(str::trim_end);
                        !title.is_empty()
                            && paragraph.is_some()
                            && paragraph == body.get(image.clone())
                    }
                    _ => false,
                };
            }
            self.writer.event(event, range.start);
        }
    }
}

impl<'r, 's> Writer<'r, 's> {
    fn new(renderer: &'r MarkdownRenderer<'r>, source: &'r Source<'s>) -> Self {
        Writer {
            renderer,
            source,
            pending: VecDeque::new(),
            frames: Vec::new(),
            headings: Headings::default(),
            footnotes: Footnotes::new(source.body),
            text: Text::new(source.body),
            lines: Lines::new(source.body, source.place.body_line),
            links: Vec::new(),
            resolutions: Vec::new(),
            problems: Diagnostics::new(),
            table: None,
            raw: None,
            blocked: Vec::new(),
            figure: false,
            images_shown: 0,
            pictures: Vec::new(),
            shown_images: Vec::new(),
        }
    }

    /// Checks the raw HTML gathered so far against the page's policy.
    fn check_raw_html(&mut self) {
        let (Some((start, html)), Some(csp)) = (self.raw.take(), self.renderer.csp) else {
            return;
        };
        let scan = scan::scan(&html);
        let at = self.lines.position(start);
        for reference in csp::references(&scan) {
            if let Some(blocked) = csp.policy.blocks(&reference, csp.origin) {
                let line = at.line + reference.line - 1;
                let column = if reference.line == 1 { at.column } else { 1 };
                self.blocked.push(CspFinding {
                    tag: reference.tag,
                    url: reference.url,
                    message: blocked.message,
                    help: blocked.help,
                    line,
                    column,
                });
            }
        }
    }

    /// Opens a table's head, a row or a cell; a cell's alignment is a class the theme styles,
    /// since the Content-Security-Policy forbids the `style` attribute pulldown-cmark would write.
    fn table_start(&mut self, tag: &Tag<'s>) {
        let Some(table) = self.table.as_mut() else {
            return;
        };
        let html = match tag {
            Tag::TableHead => {
                table.in_head = true;
                table.column = 0;
                "<thead><tr>".to_string()
            }
            Tag::TableRow => {
                table.column = 0;
                "<tr>".to_string()
            }
            _ => {
                let cell = if table.in_head { "th" } else { "td" };
                let align = match table.alignments.get(table.column) {
                    Some(Alignment::Left) => " class=\"align-left\"",
                    Some(Alignment::Center) => " class=\"align-center\"",
                    Some(Alignment::Right) => " class=\"align-right\"",
                    _ => "",
                };
                table.column += 1;
                format!("<{cell}{align}>")
            }
        };
        self.html(html);
    }

    fn table_end(&mut self, end: TagEnd) {
        let Some(table) = self.table.as_mut() else {
            return;
        };
        let html = match end {
            TagEnd::TableHead => {
                table.in_head = false;
                "</tr></thead><tbody>\n"
            }
            TagEnd::TableRow => "</tr>\n",
            _ if table.in_head => "</th>",
            _ => "</td>",
        };
        self.html(html.to_string());
    }

    fn warn(&mut self, offset: usize, message: String) {
        let at = self.lines.position(offset);
        self.problems
            .push(Diagnostic::warning(message).at(at.line, at.column));
    }

    fn broken_link(&mut self, offset: usize, message: String, help: &str) {
        let at = self.lines.position(offset);
        let d = if self.renderer.options.broken_links_fail {
            Diagnostic::error(message)
        } else {
            Diagnostic::warning(message)
        };
        self.problems.push(d.at(at.line, at.column).help(help));
    }

    /// Sends an event to the innermost open element that collects events, or to the page.
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

    fn in_image(&self) -> bool {
        matches!(self.frames.last(), Some(Frame::Image { .. }))
    }

    fn in_footnote(&self) -> bool {
        self.frames
            .iter()
            .any(|f| matches!(f, Frame::Footnote { .. }))
    }

    /// Records text the reader sees, for word counts, summaries, heading titles and alt text.
    fn text(&mut self, text: &str) {
        let in_footnote = self.in_footnote();
        self.text.push(text, in_footnote);
        match self.frames.last_mut() {
            Some(Frame::Heading { text: t, .. }) => t.push_str(text),
            Some(Frame::Image { alt, .. }) => alt.push_str(text),
            _ => {}
        }
    }

    fn event(&mut self, event: Event<'s>, offset: usize) {
        if let Event::Html(html) | Event::InlineHtml(html) = &event {
            let raw = self.raw.get_or_insert_with(|| (offset, String::new()));
            raw.1.push_str(html);
        } else {
            self.check_raw_html();
        }
        match event {
            Event::Start(tag) => self.start(tag, offset),
            Event::End(end) => self.end(end),
            Event::Text(text) => {
                if let Some(Frame::Code { code, .. }) = self.frames.last_mut() {
                    code.push_str(&text);
                    return;
                }
                self.text(&text);
                if !self.in_image() {
                    self.emit(Event::Text(text));
                }
            }
            Event::Code(code) => {
                self.text(&code);
                if !self.in_image() {
                    self.emit(Event::Code(code));
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                self.text.html(&html);
                if !self.in_code() {
                    self.emit(Event::Html(html));
                }
            }
            Event::FootnoteReference(label) => {
                // In a heading, a table or a figure, a sidenote would break what holds it.
                let beside = self.frames.is_empty() && self.table.is_none() && !self.figure;
                let html = self.footnotes.reference(&label, beside);
                self.html(html);
            }
            Event::SoftBreak | Event::HardBreak => {
                self.text(" ");
                self.emit(event);
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
            Event::InlineMath(tex) => self.math(&tex, false, offset),
            Event::DisplayMath(tex) => self.math(&tex, true, offset),
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
            } => self.start_link(link_type, &dest_url, &title, offset),
            Tag::Image {
                dest_url, title, ..
            } => self.frames.push(Frame::Image {
                src: dest_url.to_string(),
                title: title.to_string(),
                offset,
                alt: String::new(),
            }),
            Tag::CodeBlock(kind) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => self.code_info(&info, offset),
                    CodeBlockKind::Indented => CodeInfo::default(),
                };
                self.frames.push(Frame::Code {
                    info,
                    code: String::new(),
                    offset,
                });
            }
            Tag::FootnoteDefinition(label) => {
                self.text.open_container();
                self.frames.push(Frame::Footnote {
                    label: label.to_string(),
                    events: Vec::new(),
                });
            }
            Tag::Paragraph => {
                self.text.start_paragraph();
                if !self.figure {
                    self.emit(Event::Start(Tag::Paragraph));
                }
            }
            Tag::BlockQuote(Some(kind)) => {
                self.text.open_container();
                let (class, title) = callout(kind);
                self.html(format!(
                    "<div class=\"callout callout-{class}\" role=\"note\">\n<p class=\"callout-title\">{title}</p>\n"
                ));
            }
            Tag::Table(alignments) => {
                self.text.open_container();
                self.table = Some(Table {
                    alignments,
                    in_head: false,
                    column: 0,
                });
                self.html("<table>".into());
            }
            Tag::TableHead | Tag::TableRow | Tag::TableCell => self.table_start(&tag),
            other => {
                if matches!(other, Tag::BlockQuote(_) | Tag::List(_) | Tag::Item) {
                    self.text.open_container();
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
                self.text.close_container();
                if let Some(Frame::Footnote { label, events }) = self.frames.pop() {
                    self.footnotes.define(label, events);
                }
            }
            TagEnd::Paragraph => {
                self.text.end_paragraph();
                if !std::mem::take(&mut self.figure) {
                    self.emit(Event::End(TagEnd::Paragraph));
                }
            }
            TagEnd::BlockQuote(Some(_)) => {
                self.text.close_container();
                self.html("</div>\n".into());
            }
            TagEnd::Table => {
                self.text.close_container();
                self.table = None;
                self.html("</tbody></table>\n".into());
            }
            TagEnd::TableHead | TagEnd::TableRow | TagEnd::TableCell => self.table_end(end),
            other => {
                if matches!(
                    other,
                    TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item
                ) {
                    self.text.close_container();
                }
                self.emit(Event::End(other));
            }
        }
    }

    fn start_link(&mut self, link_type: LinkType, dest_url: &str, title: &str, offset: usize) {
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
            escape::push_html(&mut html, title);
            html.push('"');
        }
        html.push('>');
        self.html(html);
    }

    fn resolve(&mut self, dest: &str, offset: usize) -> Option<Resolved> {
        let place = self.source.place;
        let result = self.renderer.links.resolve(dest, place.rel, place.url);
        self.resolutions.push(Resolution {
            dest: dest.to_string(),
            result: result.clone(),
        });
        match result {
            Ok(resolved) => {
                if let Resolved::Internal { href, .. } = &resolved {
                    let at = self.lines.position(offset);
                    self.links.push(SourceLink {
                        href: href.clone(),
                        line: at.line,
                        column: at.column,
                    });
                }
                Some(resolved)
            }
            Err(message) => {
                let refused = super::super::links::scheme(dest).is_some_and(|s| {
                    super::super::links::is_refused_scheme(&s.to_ascii_lowercase())
                });
                let help = if refused {
                    "link to an https:// address or to a page of the site instead; pamphlet publishes no link that runs code"
                } else {
                    "point the link at an existing page, e.g. `../other/index.md` or `@/blog/other.md`"
                };
                self.broken_link(offset, format!("broken link `{dest}`: {message}"), help);
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
        let title = super::text::normalize_space(&text);
        let id = self
            .headings
            .unique_id(id.unwrap_or_else(|| slugify(&title)));
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
            self.headings.push(level as u8, id, title);
        }
        self.text.break_block();
        self.emit(Event::Html(html.into()));
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
        let mut shown_src = String::from("#");
        let mut picture = None;
        let mut size = None;
        match self.resolve(&src, offset) {
            Some(Resolved::External { href, .. }) => shown_src = href,
            Some(Resolved::Internal { href, file }) => {
                if let Some(file) = &file {
                    picture = self.picture(file, &href, offset);
                    // A picture knows its upright size; only a file without one is read for it.
                    if picture.is_none() {
                        size = imagesize::size(file).ok().and_then(|s| {
                            Some((u32::try_from(s.width).ok()?, u32::try_from(s.height).ok()?))
                        });
                    }
                }
                shown_src = href;
            }
            None => {}
        }
        let shown = picture::Shown {
            src: &shown_src,
            alt: alt.trim(),
            title: &title,
            eager: self.images_shown == 0,
            figure: self.figure,
            sizes: self
                .renderer
                .images
                .map_or(DEFAULT_SIZES, |i| i.config().sizes.as_str()),
        };
        self.images_shown += 1;
        let html = picture::html(&shown, picture.as_deref(), size);
        self.html(html);
    }

    /// The picture made of the image `file`, published at `href`, with its files kept for the
    /// page; `None`, with a warning at `offset`, when it cannot be made.
    fn picture(&mut self, file: &Path, href: &str, offset: usize) -> Option<Arc<Picture>> {
        let images = self.renderer.images?;
        if !crate::images::is_picture_path(file) {
            return None;
        }
        self.shown_images.push(file.to_path_buf());
        match images.picture(file, href) {
            Ok(picture) => {
                if picture.gps && !images.config().keep_metadata {
                    self.warn(offset, format!("{href} holds the GPS position it was taken at; it is published without it (and without its other EXIF metadata)"));
                }
                self.pictures.extend(images.files_of(&picture));
                Some(picture)
            }
            Err(problem) => {
                let at = self.lines.position(offset);
                self.problems
                    .push(problem.to_warning().at(at.line, at.column));
                None
            }
        }
    }

    /// A formula as MathML; TeX that cannot be read is shown as code, with a warning at the
    /// place in it the converter names.
    fn math(&mut self, tex: &str, display: bool, offset: usize) {
        self.text(tex);
        let html = match math::to_mathml(tex, display) {
            Ok(mathml) if display => {
                // A span, as the formula sits in a paragraph; the theme shows it as a block.
                format!("<span class=\"math-display\" tabindex=\"0\">{mathml}</span>")
            }
            Ok(mathml) => mathml,
            Err(e) => {
                let delimiter = if display { 2 } else { 1 };
                let at = offset + delimiter + e.offset.unwrap_or(0);
                let (line, column) = {
                    let p = self.lines.position(at);
                    (p.line, p.column)
                };
                self.problems.push(
                    Diagnostic::warning(format!("{e}; shown as TeX"))
                        .at(line, column)
                        .help(e.help()),
                );
                let code = format!("<code class=\"math-error\">{}</code>", escape::html(tex));
                if display {
                    format!("<span class=\"math-display\">{code}</span>")
                } else {
                    code
                }
            }
        };
        self.html(html);
    }

    /// Reads a fence's info string, warning about what cannot be read at its place.
    fn code_info(&mut self, info: &str, offset: usize) -> CodeInfo {
        let parsed = code_info::parse(info);
        // Where the info string starts in the body: after the fence's backticks or tildes.
        let fence = &self.source.body[offset.min(self.source.body.len())..];
        let info_at = offset + fence.find(info).unwrap_or(0);
        for problem in &parsed.problems {
            self.warn(info_at + problem.offset, problem.message.clone());
        }
        parsed
    }

    fn end_code(&mut self) {
        let Some(Frame::Code { info, code, offset }) = self.frames.pop() else {
            return;
        };
        let block = code::render(self.renderer, &info, &code);
        if block.counts_words {
            self.text.count(&code);
        }
        for warning in block.warnings {
            self.warn(offset, warning);
        }
        self.emit(Event::Html(block.html.into()));
    }

    fn finish(mut self, html: String) -> (Rendered, Diagnostics) {
        self.check_raw_html();
        let placed = self.footnotes.place(html);
        let gathered = self.text.finish();
        let rendered = Rendered {
            html: placed.html,
            sidenotes: placed.sidenotes,
            toc: self.headings.toc(),
            word_count: gathered.word_count,
            reading_time: gathered.reading_time,
            summary_before_more: gathered.summary_before_more,
            first_paragraph: gathered.first_paragraph,
            links: self.links,
            resolutions: self.resolutions,
            blocked: self.blocked,
            images: self.pictures,
            shown_images: self.shown_images,
        };
        (rendered, self.problems)
    }
}
