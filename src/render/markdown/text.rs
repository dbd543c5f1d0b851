//! The plain text of a markdown text: its word count, the summary before a `<!-- more -->`
//! marker, and the first paragraph.

/// Words read per minute, for reading time (the figure Zola and Medium use).
const WORDS_PER_MINUTE: usize = 200;

/// What is gathered from a text's plain text as its events go by.
pub(super) struct Text {
    words: usize,
    /// The plain text so far, kept only while it may be the summary.
    plain: String,
    /// Only a text holding `<!-- more -->` somewhere can have the marker.
    collect_plain: bool,
    more_at: Option<usize>,
    first_paragraph: Option<String>,
    /// The paragraph being read, while it may be the first.
    paragraph: Option<String>,
    /// How many lists, block quotes, tables and footnotes are open: the first paragraph is
    /// one at the top level.
    containers: usize,
}

impl Text {
    /// Ready for the text `body`.
    pub(super) fn new(body: &str) -> Self {
        Text {
            words: 0,
            plain: String::new(),
            collect_plain: may_have_more_marker(body),
            more_at: None,
            first_paragraph: None,
            paragraph: None,
            containers: 0,
        }
    }

    /// Records text the reader sees; `in_footnote` text counts as words but is no summary.
    pub(super) fn push(&mut self, text: &str, in_footnote: bool) {
        self.words += count_words(text);
        if self.collect_plain && self.more_at.is_none() && !in_footnote {
            self.plain.push_str(text);
        }
        if let Some(paragraph) = &mut self.paragraph {
            paragraph.push_str(text);
        }
    }

    /// Counts the words of text that is not prose, such as code.
    pub(super) fn count(&mut self, text: &str) {
        self.words += count_words(text);
    }

    /// Separates blocks in the plain text.
    pub(super) fn break_block(&mut self) {
        self.plain.push(' ');
    }

    /// Raw HTML went by: it may be the `<!-- more -->` marker.
    pub(super) fn html(&mut self, html: &str) {
        if self.more_at.is_none() && is_more_marker(html) {
            self.more_at = Some(self.plain.len());
        }
    }

    /// A list, block quote, table or footnote opens.
    pub(super) fn open_container(&mut self) {
        self.containers += 1;
    }

    /// A list, block quote, table or footnote closes.
    pub(super) fn close_container(&mut self) {
        self.containers = self.containers.saturating_sub(1);
        self.break_block();
    }

    /// A paragraph starts.
    pub(super) fn start_paragraph(&mut self) {
        if self.containers == 0 && self.first_paragraph.is_none() {
            self.paragraph = Some(String::new());
        }
    }

    /// A paragraph ends.
    pub(super) fn end_paragraph(&mut self) {
        if let Some(text) = self.paragraph.take() {
            self.first_paragraph = Some(text);
        }
        self.break_block();
    }

    /// True once the rest of the text cannot change the summary: the marker was found, or the
    /// first paragraph was and the text holds no marker.
    pub(super) fn summary_known(&self) -> bool {
        self.more_at.is_some() || (!self.collect_plain && self.first_paragraph.is_some())
    }

    /// What was gathered.
    pub(super) fn finish(self) -> Gathered {
        Gathered {
            word_count: self.words,
            reading_time: self.words.div_ceil(WORDS_PER_MINUTE).max(1),
            summary_before_more: self
                .more_at
                .map(|at| normalize_space(&self.plain[..at.min(self.plain.len())])),
            first_paragraph: normalize_space(&self.first_paragraph.unwrap_or_default()),
        }
    }
}

/// What a text's plain text gave.
pub(super) struct Gathered {
    pub(super) word_count: usize,
    pub(super) reading_time: usize,
    pub(super) summary_before_more: Option<String>,
    pub(super) first_paragraph: String,
}

/// Words in `text`: runs of characters between whitespace. Counted over bytes, since this runs
/// on every piece of text of every page; Unicode spaces other than ASCII ones count as letters.
pub(super) fn count_words(text: &str) -> usize {
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

/// True when `body` holds `<!--`, spaces, `more`, spaces and `-->`: what any raw HTML event
/// that [`is_more_marker`] accepts is made of.
pub fn may_have_more_marker(body: &str) -> bool {
    // memchr's search, several times faster than the standard library's on text this long.
    memchr::memmem::find_iter(body.as_bytes(), "<!--").any(|at| {
        body.get(at + "<!--".len()..)
            .unwrap_or_default()
            .trim_start()
            .strip_prefix("more")
            .is_some_and(|rest| rest.trim_start().starts_with("-->"))
    })
}

fn is_more_marker(html: &str) -> bool {
    html.trim()
        .strip_prefix("<!--")
        .and_then(|r| r.strip_suffix("-->"))
        .is_some_and(|inner| inner.trim() == "more")
}

/// Runs of whitespace as one space, none at the ends.
pub(super) fn normalize_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_runs_between_spaces() {
        assert_eq!(count_words(""), 0);
        assert_eq!(count_words("  one  two\tthree\n"), 3);
        assert_eq!(count_words("naïve café"), 2);
    }

    #[test]
    fn the_summary_is_the_text_before_the_marker_without_footnotes() {
        let mut text = Text::new("x <!-- more --> y");
        text.push("Before", false);
        text.push(" the note", true);
        text.break_block();
        text.push("marker.", false);
        text.html("<!-- more -->");
        text.push("After.", false);
        let gathered = text.finish();
        assert_eq!(
            gathered.summary_before_more.as_deref(),
            Some("Before marker.")
        );
        assert_eq!(gathered.word_count, 5);
    }

    #[test]
    fn only_a_text_holding_the_marker_collects_its_plain_text() {
        assert!(may_have_more_marker("a\n<!-- more -->\nb"));
        assert!(may_have_more_marker("a\n<!--more-->"));
        assert!(may_have_more_marker("<!-- x --> then <!--\n  more\n-->"));
        assert!(!may_have_more_marker("more and more <!-- a comment -->"));
        assert!(!may_have_more_marker("<!-- moreover -- >"));
    }

    #[test]
    fn the_first_paragraph_is_the_first_at_the_top_level() {
        let mut text = Text::new("");
        text.open_container();
        text.start_paragraph();
        text.push("In a list.", false);
        text.end_paragraph();
        text.close_container();
        text.start_paragraph();
        text.push("  The   first. ", false);
        text.end_paragraph();
        text.start_paragraph();
        text.push("The second.", false);
        text.end_paragraph();
        let gathered = text.finish();
        assert_eq!(gathered.first_paragraph, "The first.");
        assert_eq!(gathered.summary_before_more, None, "no marker, no summary");
        assert_eq!(gathered.reading_time, 1);
    }
}
