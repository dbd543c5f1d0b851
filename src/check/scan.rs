//! A small HTML scanner: the `id`s a page defines and the URLs it links to, with their lines.
//!
//! It reads tags and attributes only (quoted, unquoted or bare), skips comments and the
//! contents of `<script>` and `<style>`, and never fails: text it cannot read is passed over.

/// A URL found in an `href` or `src` attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The attribute value, with entities decoded.
    pub url: String,
    /// 1-based line in the HTML.
    pub line: usize,
}

/// An element that makes the browser fetch or apply something (an `<img>`, a `<script>`, a
/// `<style>`…), or that carries a `style` attribute: what a Content-Security-Policy governs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// The tag name, lower-case.
    pub name: String,
    /// Its attributes, names lower-case, values with entities decoded; `None` for a bare one.
    pub attributes: Vec<(String, Option<String>)>,
    /// 1-based line of the tag's start.
    pub line: usize,
}

impl Element {
    /// The value of attribute `name`, if the element has it with a value.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// True when the element has attribute `name`, with a value or without.
    pub fn has(&self, name: &str) -> bool {
        self.attributes.iter().any(|(n, _)| n == name)
    }
}

/// Tags whose elements fetch or apply something a Content-Security-Policy may block.
const RESOURCE_TAGS: &[&str] = &[
    "iframe", "frame", "script", "img", "video", "audio", "source", "track", "link", "object",
    "embed", "style", "picture",
];

/// What one HTML document defines and links to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// Every `id` (and `name` of `<a>`), which `#fragment` links may target.
    pub ids: Vec<String>,
    /// Every `href` and `src`.
    pub links: Vec<Found>,
    /// Every element a Content-Security-Policy governs, in document order, with `</picture>`,
    /// `</video>` and `</audio>` as elements named `/picture` and so on, so a `<source>`
    /// knows what it belongs to.
    pub elements: Vec<Element>,
}

/// Scans an HTML document.
pub fn scan(html: &str) -> Scan {
    let bytes = html.as_bytes();
    let mut out = Scan::default();
    let mut i = 0;
    let mut line = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'<' if html[i..].starts_with("<!--") => {
                let end = html[i..].find("-->").map_or(bytes.len(), |e| i + e + 3);
                line += count_lines(&html[i..end]);
                i = end;
            }
            b'<' if bytes.get(i + 1) == Some(&b'/') => {
                let end = html[i..].find('>').map_or(bytes.len(), |e| i + e + 1);
                let name = html[i + 2..end.saturating_sub(1).max(i + 2)]
                    .trim()
                    .to_ascii_lowercase();
                if matches!(name.as_str(), "picture" | "video" | "audio") {
                    out.elements.push(Element {
                        name: format!("/{name}"),
                        attributes: Vec::new(),
                        line,
                    });
                }
                line += count_lines(&html[i..end]);
                i = end;
            }
            b'<' if bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic) => {
                let (end, name) = tag(html, i, line, &mut out);
                line += count_lines(&html[i..end]);
                i = end;
                if name == "script" || name == "style" {
                    let close = format!("</{name}");
                    let end = find_ignore_case(&html[i..], &close).map_or(bytes.len(), |e| i + e);
                    line += count_lines(&html[i..end]);
                    i = end;
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// The `id`s (and `name`s of `<a>`) of an HTML document, found far faster than [`scan`] finds
/// everything, for `build`, which checks only the links markdown wrote. It looks at every
/// ` id=` and ` name=`, so text that reads like one (rare outside markup, and escaped in code)
/// may add an id but never hides one.
pub fn ids(html: &str) -> Vec<String> {
    let bytes = html.as_bytes();
    let mut ids = Vec::new();
    for needle in ["id=", "name="] {
        for at in memchr::memmem::find_iter(bytes, needle) {
            if !at
                .checked_sub(1)
                .is_some_and(|before| bytes[before].is_ascii_whitespace())
            {
                continue;
            }
            if needle == "name=" && !in_anchor_tag(&html[..at]) {
                continue;
            }
            let (value, _) = attribute_value(html, at + needle.len());
            ids.push(decode_entities(value));
        }
    }
    ids
}

/// True when the tag `before` ends inside is an `<a>`.
fn in_anchor_tag(before: &str) -> bool {
    before.rfind('<').is_some_and(|start| {
        let tag = &before.as_bytes()[start + 1..];
        tag.len() > 1 && tag[0].eq_ignore_ascii_case(&b'a') && tag[1].is_ascii_whitespace()
    })
}

fn count_lines(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count()
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .to_ascii_lowercase()
        .find(&needle.to_ascii_lowercase())
}

/// Reads the tag starting at `start` (`<name ...>`); returns the offset after it and its name.
fn tag(html: &str, start: usize, first_line: usize, out: &mut Scan) -> (usize, String) {
    let bytes = html.as_bytes();
    let mut i = start + 1;
    let name_start = i;
    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' && bytes[i] != b'/'
    {
        i += 1;
    }
    let name = html[name_start..i].to_ascii_lowercase();
    let mut line = first_line + count_lines(&html[start..i]);
    let mut attributes = Vec::new();
    let end = loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            if bytes[i] == b'\n' {
                line += 1;
            }
            i += 1;
        }
        if i >= bytes.len() {
            break i;
        }
        if bytes[i] == b'>' {
            break i + 1;
        }
        let attr_start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && !matches!(bytes[i], b'=' | b'>' | b'/')
        {
            i += 1;
        }
        let attr = html[attr_start..i].to_ascii_lowercase();
        let mut value = None;
        if bytes.get(i) == Some(&b'=') {
            let (v, end) = attribute_value(html, i + 1);
            line += count_lines(&html[i..end]);
            value = Some(decode_entities(v));
            i = end;
        } else if i == attr_start {
            // Not an attribute character at all: step over it.
            i += 1;
        }
        if let Some(value) = &value {
            match attr.as_str() {
                "id" => out.ids.push(value.clone()),
                "name" if name == "a" => out.ids.push(value.clone()),
                "href" | "src" => out.links.push(Found {
                    url: value.clone(),
                    line,
                }),
                _ => {}
            }
        }
        if !attr.is_empty() {
            attributes.push((attr, value));
        }
    };
    if RESOURCE_TAGS.contains(&name.as_str()) || attributes.iter().any(|(a, _)| a == "style") {
        out.elements.push(Element {
            name: name.clone(),
            attributes,
            line: first_line,
        });
    }
    (end, name)
}

/// The value of an attribute starting at `start` (just after its `=`), quoted or not, and the
/// offset after it.
fn attribute_value(html: &str, start: usize) -> (&str, usize) {
    let bytes = html.as_bytes();
    match bytes.get(start) {
        Some(&q @ (b'"' | b'\'')) => {
            let close = html[start + 1..]
                .find(q as char)
                .map_or(bytes.len(), |e| start + 1 + e);
            (
                &html[(start + 1).min(close)..close],
                (close + 1).min(bytes.len()),
            )
        }
        _ => {
            let mut end = start;
            while end < bytes.len() && !bytes[end].is_ascii_whitespace() && bytes[end] != b'>' {
                end += 1;
            }
            (&html[start..end], end)
        }
    }
}

/// Decodes the entities templates and the markdown renderer produce in attribute values.
fn decode_entities(value: &str) -> String {
    if !value.contains('&') {
        return value.to_string();
    }
    value
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_ids_and_links_with_lines() {
        let html = "<html>\n<a href=\"/a/#x\" id=top>x</a>\n<!-- <a href=\"/no\"> -->\n<img src='/i.png' alt>\n<script>var a = '<a href=\"/no\">';</script>\n<h2 id=\"b&amp;c\">";
        let s = scan(html);
        assert_eq!(s.ids, ["top", "b&c"]);
        assert_eq!(
            s.links,
            [
                Found {
                    url: "/a/#x".into(),
                    line: 2
                },
                Found {
                    url: "/i.png".into(),
                    line: 4
                },
            ]
        );
    }

    #[test]
    fn ids_finds_what_scan_finds() {
        let html = "<h2 id=\"one\">x</h2>\n<p\nid='two'>y <a name=three href=\"#one\">z</a>\n\
                    <div data-id=\"no\" name=\"no\"></div><A  name=\"four\"></a><p id=\"a&amp;b\">";
        let mut found = ids(html);
        found.sort();
        let mut scanned = scan(html).ids;
        scanned.sort();
        assert_eq!(found, ["a&b", "four", "one", "three", "two"]);
        assert_eq!(found, scanned);
    }

    #[test]
    fn never_panics_on_broken_markup() {
        for html in [
            "<",
            "<a",
            "<a href=",
            "<a href=\"x",
            "<a =>",
            "<!--",
            "<script>",
            "<a\nhref\n=\n'x'",
        ] {
            let _ = scan(html);
            let _ = ids(html);
        }
    }
}
