//! A post's markdown body: an introduction, then sections of paragraphs with headings, lists,
//! a blockquote, sometimes a table, code blocks and footnotes, until it is long enough.

use crate::code::code_block;
use crate::prose::{capitalize, clause, inflect_s, plain_sentence, title};
use crate::rng::Rng;
use crate::words::vocabulary;

/// Prose words (not counting code) a body aims for; the file ends up with a few more.
const WORDS: (usize, usize) = (760, 1250);

/// The blocks placed one per section, after its paragraphs.
#[derive(Clone, Copy)]
enum Extra {
    Bullets,
    Numbered,
    Quote,
    Table,
    Code,
}

/// One body being written.
pub struct Body<'a> {
    rng: &'a mut Rng,
    /// Slugs of the posts before this one, the only ones it may link to.
    earlier: &'a [String],
    blocks: Vec<String>,
    words: usize,
    notes: Vec<String>,
}

impl<'a> Body<'a> {
    /// A body drawing from `rng`, linking only to `earlier` posts.
    pub fn new(rng: &'a mut Rng, earlier: &'a [String]) -> Body<'a> {
        Body {
            rng,
            earlier,
            blocks: Vec::new(),
            words: 0,
            notes: Vec::new(),
        }
    }

    /// Writes the whole body, ending with a line break.
    pub fn write(mut self) -> String {
        let target = self.rng.between(WORDS.0, WORDS.1);
        let mut extras = vec![Extra::Bullets, Extra::Numbered, Extra::Quote];
        if self.rng.chance(1.0 / 3.0) {
            extras.push(Extra::Table);
        }
        if self.rng.chance(0.5) {
            let blocks = self.rng.between(1, 3);
            extras.extend(std::iter::repeat_n(Extra::Code, blocks));
        }
        self.rng.shuffle(&mut extras);
        let mut notes = if self.rng.chance(0.25) {
            self.rng.between(1, 2)
        } else {
            0
        };

        let introduction = self.paragraph();
        self.blocks.push(introduction);
        if self.rng.chance(0.5) {
            let more = self.paragraph();
            self.blocks.push(more);
        }
        while self.words < target || !extras.is_empty() {
            self.section(&mut extras, &mut notes);
            if self.words > target + 300 {
                while let Some(extra) = extras.pop() {
                    let block = self.extra(extra);
                    self.blocks.push(block);
                }
            }
        }
        // Notes the sections did not place go at the end of the introduction.
        for _ in 0..notes {
            let reference = self.note();
            insert_before_period(&mut self.blocks[0], &reference);
        }
        for (number, text) in self.notes.iter().enumerate() {
            self.blocks.push(format!("[^{}]: {text}", number + 1));
        }
        self.blocks.join("\n\n") + "\n"
    }

    /// A `##` section: paragraphs, maybe a footnote, one extra block, maybe a `###` part.
    fn section(&mut self, extras: &mut Vec<Extra>, notes: &mut usize) {
        let heading = self.heading(2);
        self.blocks.push(heading);
        for _ in 0..self.rng.between(1, 3) {
            let mut paragraph = self.paragraph();
            if *notes > 0 && self.rng.chance(0.3) {
                let reference = self.note();
                insert_before_period(&mut paragraph, &reference);
                *notes -= 1;
            }
            self.blocks.push(paragraph);
        }
        if let Some(extra) = extras.pop() {
            let block = self.extra(extra);
            self.blocks.push(block);
        }
        if self.rng.chance(0.4) {
            let heading = self.heading(3);
            self.blocks.push(heading);
            for _ in 0..self.rng.between(1, 2) {
                let paragraph = self.paragraph();
                self.blocks.push(paragraph);
            }
        }
    }

    fn extra(&mut self, extra: Extra) -> String {
        match extra {
            Extra::Bullets => self.list(|_| "-".to_string()),
            Extra::Numbered => self.list(|n| format!("{n}.")),
            Extra::Quote => self.quote(),
            Extra::Table => self.table(),
            Extra::Code => code_block(self.rng),
        }
    }

    fn heading(&mut self, level: usize) -> String {
        let text = title(self.rng);
        self.words += text.split_whitespace().count();
        format!("{} {text}", "#".repeat(level))
    }

    fn paragraph(&mut self) -> String {
        let sentences = self.rng.between(3, 6);
        let sentences: Vec<String> = (0..sentences).map(|_| self.sentence()).collect();
        sentences.join(" ")
    }

    /// A sentence with, about half the time, one span of inline markup.
    fn sentence(&mut self) -> String {
        let v = vocabulary();
        let mut words = clause(self.rng);
        if self.rng.chance(0.55) {
            self.mark_up(&mut words);
        }
        let mut text = words.join(" ");
        if self.rng.chance(0.35) {
            let conjunction = self.rng.word(&v.conjunctions);
            text = format!("{text}, {conjunction} {}", clause(self.rng).join(" "));
        }
        text = if self.rng.chance(0.15) {
            format!("{}, {text}", self.rng.word(&v.openers))
        } else {
            capitalize(&text)
        };
        self.words += text.split_whitespace().count();
        text + "."
    }

    /// Replaces one to three words after the first with emphasis, strong emphasis, inline
    /// code, an external link or a link to an earlier post.
    fn mark_up(&mut self, words: &mut Vec<String>) {
        let start = self.rng.between(1, words.len() - 1);
        let end = (start + self.rng.between(1, 3)).min(words.len());
        let span = words[start..end].join(" ");
        let v = vocabulary();
        let piece = match self.rng.below(20) {
            0..=4 => format!("*{span}*"),
            5..=8 => format!("**{span}**"),
            9..=12 if self.rng.chance(0.6) => format!("`{}`", self.rng.word(&v.identifiers)),
            9..=12 => format!("`{}`", self.rng.word(&v.file_names)),
            13..=15 => self.external_link(&span),
            _ => self.earlier_link(&span),
        };
        words.splice(start..end, [piece]);
    }

    fn external_link(&mut self, text: &str) -> String {
        let v = vocabulary();
        let host = self.rng.word(&v.hosts);
        let parts: Vec<&str> = (0..self.rng.between(1, 3))
            .map(|_| self.rng.word(&v.nouns))
            .collect();
        format!("[{text}](https://{host}/{})", parts.join("/"))
    }

    /// A link to an earlier post: usually its folder's URL (`../slug/`), sometimes its
    /// markdown file (`../slug/index.md`), which generators resolve and check.
    fn earlier_link(&mut self, text: &str) -> String {
        if self.earlier.is_empty() {
            return self.external_link(text);
        }
        let slug = self.rng.pick(self.earlier);
        if self.rng.chance(0.25) {
            format!("[{text}](../{slug}/index.md)")
        } else {
            format!("[{text}](../{slug}/)")
        }
    }

    /// A footnote's reference, its text kept for the end of the body.
    fn note(&mut self) -> String {
        let sentences = self.rng.between(1, 2);
        let text: Vec<String> = (0..sentences).map(|_| plain_sentence(self.rng)).collect();
        self.words += text
            .iter()
            .map(|s| s.split_whitespace().count())
            .sum::<usize>();
        self.notes.push(text.join(" "));
        format!("[^{}]", self.notes.len())
    }

    fn list(&mut self, marker: impl Fn(usize) -> String) -> String {
        let items: Vec<String> = (1..=self.rng.between(3, 6))
            .map(|n| format!("{} {}", marker(n), self.sentence()))
            .collect();
        items.join("\n")
    }

    fn quote(&mut self) -> String {
        let sentences: Vec<String> = (0..self.rng.between(2, 3))
            .map(|_| self.sentence())
            .collect();
        let mut quote = format!("> {}", sentences.join(" "));
        if self.rng.chance(0.5) {
            let v = vocabulary();
            let given = self.rng.word(&v.given_names);
            let family = self.rng.word(&v.family_names);
            quote.push_str(&format!("\n>\n> — {given} {family}"));
        }
        quote
    }

    fn table(&mut self) -> String {
        let v = vocabulary();
        let columns = self.rng.between(3, 4);
        let header: Vec<String> = (0..columns)
            .map(|_| capitalize(&inflect_s(self.rng.word(&v.nouns))))
            .collect();
        let align: Vec<&str> = (0..columns)
            .map(|_| *self.rng.pick(&[":---", "---:", ":---:", "---"]))
            .collect();
        let mut rows = vec![row(&header), row(&align)];
        for _ in 0..self.rng.between(3, 6) {
            let mut cells = vec![format!("`{}`", self.rng.word(&v.identifiers))];
            for _ in 1..columns {
                cells.push(if self.rng.chance(0.5) {
                    self.rng.between(1, 9999).to_string()
                } else {
                    format!(
                        "{} {}",
                        self.rng.word(&v.adjectives),
                        self.rng.word(&v.nouns)
                    )
                });
            }
            self.words += columns;
            rows.push(row(&cells));
        }
        rows.join("\n")
    }
}

/// A table row.
fn row<S: AsRef<str>>(cells: &[S]) -> String {
    let cells: Vec<&str> = cells.iter().map(AsRef::as_ref).collect();
    format!("| {} |", cells.join(" | "))
}

/// Puts `text` just before a paragraph's final period.
fn insert_before_period(paragraph: &mut String, text: &str) {
    let at = paragraph.len() - usize::from(paragraph.ends_with('.'));
    paragraph.insert_str(at, text);
}
