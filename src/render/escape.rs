//! Escaping for each context a value can land in: HTML text and attributes, XML, and JSON
//! inside a `<script>` element.

use std::fmt::Write;

/// Escapes text for HTML element content or a double- or single-quoted attribute value.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    push_html(&mut out, text);
    out
}

/// Appends `text` to `out`, escaped for HTML text or attributes.
pub fn push_html(out: &mut String, text: &str) {
    let mut last = 0;
    for (i, b) in text.bytes().enumerate() {
        let replacement = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[last..i]);
        out.push_str(replacement);
        last = i + 1;
    }
    out.push_str(&text[last..]);
}

/// Escapes text for XML content or attributes, dropping characters XML 1.0 cannot hold at all.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Parsers turn a raw CR into LF; a reference keeps it.
            '\r' => out.push_str("&#13;"),
            c if xml_allows(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// True for characters allowed in an XML 1.0 document.
pub fn xml_allows(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// JSON for a `<script type="application/ld+json">` element: no `<`, `>` or `&` survive, so
/// no value can close the element or open a comment, and line separators are escaped.
pub fn json_for_script(value: &serde_json::Value) -> String {
    inert_json(&value.to_string())
}

/// JSON text with `<`, `>`, `&` and the two line separators written as `\u` escapes: the same
/// data, which no HTML parser or careless embedding can ever take for markup.
pub fn inert_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn xml_drops_forbidden_characters() {
        assert_eq!(xml("a\u{1}b]]>\u{202e}"), "ab]]&gt;\u{202e}");
        assert_eq!(xml("a\r\nb"), "a&#13;\nb");
    }

    #[test]
    fn json_cannot_close_a_script() {
        let v = serde_json::json!({"headline": "</script><script>alert(1)</script>"});
        let out = json_for_script(&v);
        assert!(!out.contains('<') && !out.contains('>'), "{out}");
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, v);
    }
}
