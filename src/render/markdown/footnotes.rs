//! Footnotes, numbered in order of first reference, each linking back to every reference,
//! and repeated as a sidenote beside its first reference when it is one plain paragraph (the
//! theme shows sidenotes in the margin of wide screens, and the list below everywhere else).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;

use pulldown_cmark::{Event, Tag, TagEnd};

/// Marks where a sidenote may go: noncharacters, which a text holding them never gets
/// sidenotes in, so no text can forge one.
const MARK_START: char = '\u{FDD0}';
const MARK_END: char = '\u{FDD1}';

/// The HTML of one text with its footnotes placed.
pub(super) struct Placed {
    /// The text's HTML, with the sidenotes and the list of footnotes.
    pub(super) html: String,
    /// Where in `html` the sidenotes are.
    pub(super) sidenotes: Vec<Range<usize>>,
}

/// One footnote: how often it is referenced, and its body once defined.
struct Note<'s> {
    references: usize,
    body: Option<Vec<Event<'s>>>,
}

/// The footnotes of one text.
#[derive(Default)]
pub(super) struct Footnotes<'s> {
    /// Whether notes may go beside their references: not in a text holding the marks.
    sidenotes: bool,
    /// By number − 1, in order of first reference.
    notes: Vec<Note<'s>>,
    numbers: HashMap<String, usize>,
    /// Definitions of labels not referenced (yet): a definition may come first.
    unreferenced: HashMap<String, Vec<Event<'s>>>,
}

/// True when `text` holds either mark. Searched for as bytes: matching a pattern of chars
/// decodes every char of every post.
fn holds_a_mark(text: &str) -> bool {
    [MARK_START, MARK_END].iter().any(|mark| {
        let mut bytes = [0; 4];
        let mark = mark.encode_utf8(&mut bytes);
        memchr::memmem::find(text.as_bytes(), mark.as_bytes()).is_some()
    })
}

impl<'s> Footnotes<'s> {
    /// The footnotes of `text`.
    pub(super) fn new(text: &str) -> Self {
        Footnotes {
            sidenotes: !holds_a_mark(text),
            ..Footnotes::default()
        }
    }

    /// The HTML of a reference to `label`; the first reference to a note `beside` a sidenote
    /// may go after gets the mark of its place.
    pub(super) fn reference(&mut self, label: &str, beside: bool) -> String {
        let index = match self.numbers.get(label) {
            Some(&i) => i,
            None => {
                self.notes.push(Note {
                    references: 0,
                    body: self.unreferenced.remove(label),
                });
                self.numbers.insert(label.to_string(), self.notes.len() - 1);
                self.notes.len() - 1
            }
        };
        let note = &mut self.notes[index];
        note.references += 1;
        let number = index + 1;
        let id = reference_id(number, note.references);
        let mut html = format!(
            "<sup class=\"footnote-ref\"><a href=\"#fn-{number}\" id=\"{id}\">{number}</a></sup>"
        );
        if beside && self.sidenotes && note.references == 1 {
            let _ = write!(html, "{MARK_START}{number}{MARK_END}");
        }
        html
    }

    /// Records the body of the footnote `label`.
    pub(super) fn define(&mut self, label: String, body: Vec<Event<'s>>) {
        match self.numbers.get(&label) {
            Some(&i) => self.notes[i].body = Some(body),
            None => {
                self.unreferenced.insert(label, body);
            }
        }
    }

    /// `html` with each marked sidenote in its place and the list of footnotes after it.
    pub(super) fn place(self, mut html: String) -> Placed {
        let mut beside = vec![false; self.notes.len()];
        if !self.sidenotes || !html.contains(MARK_START) {
            html.push_str(&self.list(&beside));
            return Placed {
                html,
                sidenotes: Vec::new(),
            };
        }
        let mut placed = Placed {
            html: String::with_capacity(html.len()),
            sidenotes: Vec::new(),
        };
        let phrasings: Vec<Option<String>> = (self.notes.iter())
            .map(|note| note.body.as_deref().and_then(phrasing))
            .collect();
        let mut rest = html.as_str();
        while let Some(start) = rest.find(MARK_START) {
            placed.html.push_str(&rest[..start]);
            let after = &rest[start + MARK_START.len_utf8()..];
            let Some(end) = after.find(MARK_END) else {
                rest = after;
                continue;
            };
            let index = after[..end]
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1));
            if let Some(index) = index
                && let Some(Some(note)) = phrasings.get(index)
            {
                beside[index] = true;
                let number = index + 1;
                let from = placed.html.len();
                let _ = write!(
                    placed.html,
                    "<span class=\"sidenote\" role=\"note\"><span class=\"sidenote-number\">{number}</span> {note}</span>"
                );
                placed.sidenotes.push(from..placed.html.len());
            }
            rest = &after[end + MARK_END.len_utf8()..];
        }
        placed.html.push_str(rest);
        placed.html.push_str(&self.list(&beside));
        placed
    }

    /// The list of footnotes for the end of the text; empty when nothing was referenced.
    fn list(self, beside: &[bool]) -> String {
        if self.notes.is_empty() {
            return String::new();
        }
        let any_beside = beside.contains(&true);
        let mut html =
            String::from("<section class=\"footnotes\" aria-label=\"Footnotes\">\n<ol>\n");
        for (index, note) in self.notes.into_iter().enumerate() {
            let number = index + 1;
            let mut body = String::new();
            let events = note.body.unwrap_or_default();
            pulldown_cmark::html::push_html(&mut body, events.into_iter());
            let back = back_links(number, note.references);
            let body = body.trim_end();
            let item = match body.strip_suffix("</p>") {
                Some(before) => format!("{before}{back}</p>"),
                None => format!("{body}{back}"),
            };
            // A note shown beside its reference is left out of the list on wide screens,
            // unless it is the target of a link; the others then keep their own numbers.
            let (class, value) = match beside.get(index) {
                Some(true) => (" class=\"beside\"", String::new()),
                _ if any_beside => ("", format!(" value=\"{number}\"")),
                _ => ("", String::new()),
            };
            let _ = writeln!(html, "<li id=\"fn-{number}\"{class}{value}>{item}</li>");
        }
        html.push_str("</ol>\n</section>\n");
        html
    }
}

/// A note's body as phrasing content, for a sidenote: only a note of one paragraph of text,
/// emphasis, code and links qualifies, and none holding an id (the page would hold it twice).
fn phrasing(events: &[Event]) -> Option<String> {
    let [
        Event::Start(Tag::Paragraph),
        inner @ ..,
        Event::End(TagEnd::Paragraph),
    ] = events
    else {
        return None;
    };
    let plain = inner.iter().all(|event| match event {
        Event::Text(_) | Event::Code(_) | Event::SoftBreak | Event::HardBreak => true,
        Event::InlineHtml(html) => !html.contains(" id="),
        Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough) => true,
        Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough) => true,
        _ => false,
    });
    if !plain {
        return None;
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, inner.iter().cloned());
    Some(html)
}

/// The id of the `n`th reference to footnote `number`.
fn reference_id(number: usize, n: usize) -> String {
    match n {
        1 => format!("fnref-{number}"),
        n => format!("fnref-{number}-{n}"),
    }
}

/// A link back to each of a footnote's references.
fn back_links(number: usize, references: usize) -> String {
    let mut back = String::new();
    for n in 1..=references {
        let label = match n {
            1 => format!("Back to reference {number}"),
            n => format!("Back to reference {number} ({n})"),
        };
        let id = reference_id(number, n);
        back.push_str(&format!(
            " <a href=\"#{id}\" class=\"footnote-back\" aria-label=\"{label}\">↩</a>"
        ));
    }
    back
}

#[cfg(test)]
mod tests {
    use pulldown_cmark::{Event, Tag, TagEnd};

    use super::*;

    fn paragraph(text: &str) -> Vec<Event<'_>> {
        vec![
            Event::Start(Tag::Paragraph),
            Event::Text(text.into()),
            Event::End(TagEnd::Paragraph),
        ]
    }

    #[test]
    fn numbered_by_first_reference_whichever_is_defined_first() {
        let mut notes = Footnotes::default();
        notes.define("early".into(), paragraph("Defined before use."));
        assert!(notes.reference("late", false).contains("id=\"fnref-1\""));
        assert!(notes.reference("early", false).contains("href=\"#fn-2\""));
        assert!(notes.reference("late", false).contains("id=\"fnref-1-2\""));
        notes.define("late".into(), paragraph("Defined after."));
        let html = notes.place(String::new()).html;
        let late = html.find("Defined after.").unwrap();
        let early = html.find("Defined before use.").unwrap();
        assert!(late < early, "{html}");
        assert!(html.contains("Back to reference 1 (2)"), "{html}");
    }

    #[test]
    fn no_reference_no_list() {
        let mut notes = Footnotes::default();
        notes.define("unused".into(), paragraph("Never cited."));
        assert_eq!(notes.place(String::new()).html, "");
    }

    #[test]
    fn a_plain_note_goes_beside_its_first_reference_only() {
        let mut notes = Footnotes::new("");
        let mut html = format!("<p>A{}", notes.reference("a", true));
        html.push_str(&format!(" again{}</p>", notes.reference("a", true)));
        notes.define("a".into(), paragraph("Plain."));
        let placed = notes.place(html);
        assert_eq!(placed.sidenotes.len(), 1);
        let sidenote = &placed.html[placed.sidenotes[0].clone()];
        assert_eq!(
            sidenote,
            "<span class=\"sidenote\" role=\"note\"><span class=\"sidenote-number\">1</span> Plain.</span>"
        );
        assert!(placed.html.contains("<li id=\"fn-1\" class=\"beside\">"));
        assert!(!placed.html.contains(MARK_START), "{}", placed.html);
    }

    #[test]
    fn a_note_of_more_than_one_paragraph_stays_in_the_list_only() {
        let mut notes = Footnotes::new("");
        let html = notes.reference("long", true);
        let mut body = paragraph("One.");
        body.extend(paragraph("Two."));
        notes.define("long".into(), body);
        let placed = notes.place(html);
        assert!(placed.sidenotes.is_empty());
        assert!(!placed.html.contains("sidenote"), "{}", placed.html);
        assert!(placed.html.contains("<li id=\"fn-1\">"));
    }
}
