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
    xml_into(&mut out, text);
    out
}

/// [`xml`], appended to `out`. Escaping goes character by character, so the escape of two
/// texts joined is the two escapes joined.
pub fn xml_into(out: &mut String, text: &str) {
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
}

/// True for characters allowed in an XML 1.0 document.
pub fn xml_allows(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// JSON text with `<`, `>`, `&` and the two line separators written as `\u` escapes: the same
/// data, which no HTML parser or careless embedding can ever take for markup, so no value can
/// close a `<script>` element or open a comment in one.
pub fn inert_json(json: String) -> String {
    const UNSAFE: [char; 5] = ['<', '>', '&', '\u{2028}', '\u{2029}'];
    // Most JSON has none of them: looking first spares a copy char by char. Every one of them
    // starts with one of four bytes (0xE2 leads both separators), which memchr finds many
    // times faster than a search for any of five chars.
    let bytes = json.as_bytes();
    if memchr::memchr3(b'<', b'>', b'&', bytes).is_none() && memchr::memchr(0xE2, bytes).is_none() {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            c if UNSAFE.contains(&c) => {
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
        let v = serde_json::json!({
            "headline": "</script><script>alert(1)</script>",
            "separators": "a\u{2028}b\u{2029}c & d",
        });
        let out = inert_json(v.to_string());
        assert!(
            !out.contains(['<', '>', '&', '\u{2028}', '\u{2029}']),
            "{out}"
        );
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, v);
        let plain = serde_json::json!({"headline": "Serverless — “safer”"}).to_string();
        assert_eq!(inert_json(plain.clone()), plain);
    }
}
