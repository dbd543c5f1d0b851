//! Smart punctuation for titles, made by the same parser as the body's, so a title's quotes
//! and dashes match the text under it.

use pulldown_cmark::{Event, Options, Parser};

/// `text` with curly quotes, en and em dashes and ellipses, exactly as pulldown-cmark's smart
/// punctuation makes them in a paragraph; every other character is kept as written, markdown
/// syntax included (a title is not markdown).
pub fn smart(text: &str) -> String {
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
