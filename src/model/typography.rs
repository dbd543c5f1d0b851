//! Smart punctuation for titles, made by the same parser as the body's, so a title's quotes
//! and dashes match the text under it.

use pulldown_cmark::{Event, Options, Parser};

/// `text` with curly quotes, en and em dashes and ellipses, exactly as pulldown-cmark's smart
/// punctuation makes them in a paragraph; every other character is kept as written, markdown
/// syntax included (a title is not markdown).
pub fn smart(text: &str) -> String {
    if smart_leaves_alone(text) {
        return text.to_string();
    }
    smart_parsed(text)
}

/// True when smart punctuation cannot change `text`: it has no quote, dash or dot to make
/// curly or long, no control character or line break, and no space at either end for a
/// paragraph to trim. Most titles are such, and parsing each of 10,000 as markdown took a
/// fifth of the time spent placing pages, on every `serve` save.
fn smart_leaves_alone(text: &str) -> bool {
    let ends_in_space = |c: Option<char>| c.is_some_and(char::is_whitespace);
    !ends_in_space(text.chars().next())
        && !ends_in_space(text.chars().next_back())
        && !text
            .chars()
            .any(|c| matches!(c, '\'' | '"' | '-' | '.') || c.is_control())
}

/// [`smart`], by pulldown-cmark.
fn smart_parsed(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        // Escaped, these are literal; quotes, dashes and dots are left for smart punctuation.
        if c.is_ascii_punctuation() && !matches!(c, '\'' | '"' | '-' | '.') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    let mut out = String::with_capacity(text.len());
    let parser = Parser::new_ext(&escaped, Options::ENABLE_SMART_PUNCTUATION);
    for event in parser {
        match event {
            Event::Text(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            _ => {}
        }
    }
    // Markdown trims a paragraph; a title keeps its own spacing inside.
    if out.trim().is_empty() {
        text.to_string()
    } else {
        out
    }
}

/// `text` if it holds at most `max` characters, else its longest start of whole words that
/// fits with an ellipsis after it (trailing punctuation dropped).
pub fn shorten(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let budget: String = text.chars().take(max.saturating_sub(1)).collect();
    let cut = match text[budget.len()..].chars().next() {
        Some(next) if next.is_whitespace() => budget.as_str(),
        _ => budget
            .rsplit_once(char::is_whitespace)
            .map_or(budget.as_str(), |(start, _)| start),
    };
    let cut = cut.trim_end_matches(|c: char| c.is_whitespace() || ",;:.-–—".contains(c));
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The shortcut for titles smart punctuation leaves alone gives what parsing does.
        #[test]
        fn titles_left_alone_are_what_parsing_makes_of_them(
            text in "[ a-zA-Z0-9#*+_=<>&;!?()\\[\\]{}|~`^@$%:,/\\\\\u{a0}\u{2003}é日.'\"\n\t-]{0,24}"
        ) {
            if smart_leaves_alone(&text) {
                prop_assert_eq!(text.clone(), smart_parsed(&text));
            }
        }
    }

    #[test]
    fn the_shortcut_is_taken_for_plain_titles_only() {
        assert!(smart_leaves_alone("Serverless is more secure"));
        assert!(smart_leaves_alone(""));
        for title in [
            " padded", "padded ", "it's", "a -- b", "wait...", "\"q\"", "a\nb", "a\tb",
        ] {
            assert!(!smart_leaves_alone(title), "{title:?}");
        }
    }

    #[test]
    fn long_descriptions_are_cut_at_a_word_with_an_ellipsis() {
        assert_eq!(shorten("  Short.  ", 160), "Short.");
        let long = "word ".repeat(100);
        let cut = shorten(&long, 160);
        assert!(
            cut.chars().count() <= 160 && cut.ends_with("word…"),
            "{cut}"
        );
        assert_eq!(shorten("one two, three", 9), "one two…");
        assert_eq!(shorten("abcdefghij", 5), "abcd…");
        assert_eq!(shorten("é é é é é é", 6), "é é é…");
    }

    #[test]
    fn quotes_dashes_and_dots_turn_and_the_rest_stays() {
        assert_eq!(smart("Don't panic"), "Don’t panic");
        assert_eq!(
            smart("\"Quoted\" -- and --- dots..."),
            "“Quoted” – and — dots…"
        );
        assert_eq!(
            smart("*not* _emphasis_ [or] `code` <b> & #1!"),
            "*not* _emphasis_ [or] `code` <b> & #1!"
        );
        assert_eq!(smart("It's the '90s"), "It’s the ’90s");
        assert_eq!(smart("C:\\path"), "C:\\path");
        assert_eq!(smart(""), "");
        assert_eq!(smart("   "), "   ");
    }
}
