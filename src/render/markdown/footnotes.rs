//! Footnotes, numbered in order of first reference, each linking back to every reference.

use std::collections::HashMap;

use pulldown_cmark::Event;

/// One footnote: how often it is referenced, and its body once defined.
struct Note<'s> {
    references: usize,
    body: Option<Vec<Event<'s>>>,
}

/// The footnotes of one text.
#[derive(Default)]
pub(super) struct Footnotes<'s> {
    /// By number − 1, in order of first reference.
    notes: Vec<Note<'s>>,
    numbers: HashMap<String, usize>,
    /// Definitions of labels not referenced (yet): a definition may come first.
    unreferenced: HashMap<String, Vec<Event<'s>>>,
}

impl<'s> Footnotes<'s> {
    /// The HTML of a reference to `label`.
    pub(super) fn reference(&mut self, label: &str) -> String {
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
        format!(
            "<sup class=\"footnote-ref\"><a href=\"#fn-{number}\" id=\"{id}\">{number}</a></sup>"
        )
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

    /// The list of footnotes for the end of the text; empty when nothing was referenced.
    pub(super) fn html(self) -> String {
        if self.notes.is_empty() {
            return String::new();
        }
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
            html.push_str(&format!("<li id=\"fn-{number}\">{item}</li>\n"));
        }
        html.push_str("</ol>\n</section>\n");
        html
    }
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
        assert!(notes.reference("late").contains("id=\"fnref-1\""));
        assert!(notes.reference("early").contains("href=\"#fn-2\""));
        assert!(notes.reference("late").contains("id=\"fnref-1-2\""));
        notes.define("late".into(), paragraph("Defined after."));
        let html = notes.html();
        let late = html.find("Defined after.").unwrap();
        let early = html.find("Defined before use.").unwrap();
        assert!(late < early, "{html}");
        assert!(html.contains("Back to reference 1 (2)"), "{html}");
    }

    #[test]
    fn no_reference_no_list() {
        let mut notes = Footnotes::default();
        notes.define("unused".into(), paragraph("Never cited."));
        assert_eq!(notes.html(), "");
    }
}
