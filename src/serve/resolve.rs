//! From a request target to the output files that may answer it, the way Azure's static website
//! looks blobs up, refusing anything that is not a plain path inside the site.
//!
//! Pure, so it can be tested and fuzzed apart from the server. The snapshot is an in-memory map
//! and serving never touches the disk, but a path that would escape a folder on disk is refused
//! all the same: the preview should reject what a careless server would let through.

use thiserror::Error;

/// The longest request target accepted; browsers and Azure stop well before this.
pub const MAX_TARGET: usize = 4096;

/// A request path made safe, with the output files that may answer it, best first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPath {
    /// The decoded path without its leading slash: `blog/x/`, `blog/x`, or `` for the root.
    pub path: String,
    /// Output paths to try in order: `["x/index.html"]` for `/x/`, `["x", "x/index.html"]` for `/x`.
    pub candidates: Vec<String>,
}

/// Why a request target was refused; the server answers 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum BadRequest {
    /// Not an origin-form path (`http://host/x`, `*`, `x`).
    #[error("the request target must be a path starting with /")]
    NotAPath,
    /// Longer than [`MAX_TARGET`].
    #[error("the request target is too long")]
    TooLong,
    /// A byte that a client must percent-encode (space, `\`, `"`, control, non-ASCII…).
    #[error("the path has a character that must be percent-encoded")]
    RawCharacter,
    /// `%` not followed by two hex digits.
    #[error("the path has a malformed percent escape")]
    BadEscape,
    /// The decoded bytes are not UTF-8 (`%ff`, overlong `%c0%ae`, surrogates).
    #[error("the path is not UTF-8 once decoded")]
    NotUtf8,
    /// `//` inside the path, which would make it absolute or a network path on some systems.
    #[error("the path has an empty segment")]
    EmptySegment,
    /// A segment made only of dots and spaces, such as `..` or `%2e%2e`.
    #[error("the path has a `.` or `..` segment")]
    DotSegment,
    /// A decoded `/`, `\`, `%` (double encoding), NUL or other control character.
    #[error("the path has a separator, a percent sign or a control character once decoded")]
    ForbiddenCharacter,
    /// A segment naming a Windows drive (`C:`).
    #[error("the path names a drive")]
    Drive,
}

/// The output files that may answer `raw_url`, or why it is refused. The query is ignored.
pub fn resolve(raw_url: &str) -> Result<RequestPath, BadRequest> {
    if raw_url.len() > MAX_TARGET {
        return Err(BadRequest::TooLong);
    }
    let path = raw_url.split_once('?').map_or(raw_url, |(path, _)| path);
    let rest = path.strip_prefix('/').ok_or(BadRequest::NotAPath)?;
    // A `#` is a fragment, which a client never sends; everything else listed must be escaped.
    if !rest.bytes().all(allowed_raw) {
        return Err(BadRequest::RawCharacter);
    }
    if rest.is_empty() {
        return Ok(RequestPath {
            path: String::new(),
            candidates: vec!["index.html".to_string()],
        });
    }
    let (body, folder) = match rest.strip_suffix('/') {
        Some(body) => (body, true),
        None => (rest, false),
    };
    let mut segments = Vec::new();
    for (index, raw) in body.split('/').enumerate() {
        let segment = decode(raw)?;
        check_segment(&segment, index)?;
        segments.push(segment);
    }
    let joined = segments.join("/");
    let index = format!("{joined}/index.html");
    Ok(if folder {
        RequestPath {
            path: format!("{joined}/"),
            candidates: vec![index],
        }
    } else {
        RequestPath {
            candidates: vec![joined.clone(), index],
            path: joined,
        }
    })
}

/// Bytes a path may hold unescaped: RFC 3986 `pchar` and `/`, plus `[ ] | ^`, which browsers
/// send as they are.
fn allowed_raw(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%[]|^".contains(&byte)
}

/// Percent-decodes one segment, strictly: every `%` needs two hex digits, the result UTF-8.
fn decode(raw: &str) -> Result<String, BadRequest> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).and_then(|b| hex(*b));
            let lo = bytes.get(i + 2).and_then(|b| hex(*b));
            match (hi, lo) {
                (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                _ => return Err(BadRequest::BadEscape),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    // Rust's UTF-8 check refuses overlong forms and surrogates, so `%c0%ae` never becomes `.`.
    String::from_utf8(out).map_err(|_| BadRequest::NotUtf8)
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

fn check_segment(segment: &str, index: usize) -> Result<(), BadRequest> {
    if segment.is_empty() {
        return Err(BadRequest::EmptySegment);
    }
    // Windows trims trailing dots and spaces, so `.. ` and `...` are `..` there.
    if segment.chars().all(|c| c == '.' || c == ' ') {
        return Err(BadRequest::DotSegment);
    }
    // `%` once decoded means the client encoded twice, the classic way past a single check.
    if segment
        .chars()
        .any(|c| matches!(c, '/' | '\\' | '%') || c.is_control())
    {
        return Err(BadRequest::ForbiddenCharacter);
    }
    let bytes = segment.as_bytes();
    if index == 0 && bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err(BadRequest::Drive);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(url: &str) -> Vec<String> {
        resolve(url).expect(url).candidates
    }

    #[test]
    fn folders_and_files_like_azure() {
        assert_eq!(candidates("/"), ["index.html"]);
        assert_eq!(candidates("/x/"), ["x/index.html"]);
        assert_eq!(candidates("/x"), ["x", "x/index.html"]);
        assert_eq!(candidates("/blog/post/"), ["blog/post/index.html"]);
        assert_eq!(
            candidates("/style.3f2a9c1b0d.css"),
            ["style.3f2a9c1b0d.css", "style.3f2a9c1b0d.css/index.html"]
        );
        assert_eq!(resolve("/blog/x/").unwrap().path, "blog/x/");
        assert_eq!(resolve("/").unwrap().path, "");
    }

    #[test]
    fn queries_are_ignored_and_case_is_kept() {
        assert_eq!(candidates("/x/?v=1&a=%zz"), ["x/index.html"]);
        assert_eq!(candidates("/?"), ["index.html"]);
        assert_eq!(candidates("/About/"), ["About/index.html"]);
    }

    #[test]
    fn escapes_are_decoded_once() {
        assert_eq!(candidates("/caf%C3%A9/"), ["café/index.html"]);
        assert_eq!(candidates("/a%20b.txt")[0], "a b.txt");
        assert_eq!(candidates("/%7Euser/")[0], "~user/index.html");
        assert_eq!(candidates("/a|b[1]^.html")[0], "a|b[1]^.html");
        assert_eq!(candidates("/x/c:/")[0], "x/c:/index.html");
    }

    #[test]
    fn hostile_paths_are_refused() {
        use BadRequest::*;
        let table: &[(&str, BadRequest)] = &[
            ("", NotAPath),
            ("*", NotAPath),
            ("x/index.html", NotAPath),
            ("http://evil.example/x", NotAPath),
            ("?/x", NotAPath),
            ("/..", DotSegment),
            ("/../etc/passwd", DotSegment),
            ("/x/../../etc/passwd", DotSegment),
            ("/x/..", DotSegment),
            ("/./x", DotSegment),
            ("/%2e%2e/etc/passwd", DotSegment),
            ("/%2E%2E/", DotSegment),
            ("/.%2e/x", DotSegment),
            ("/x/.../", DotSegment),
            ("/..%20/x", DotSegment),
            ("/x/..%2f..%2fetc%2fpasswd", ForbiddenCharacter),
            ("/x%2f..%2f..%2fsecret", ForbiddenCharacter),
            ("/x%5c..%5c..%5csecret", ForbiddenCharacter),
            ("/x\\..\\secret", RawCharacter),
            ("/index.html%00.css", ForbiddenCharacter),
            ("/x%0a", ForbiddenCharacter),
            ("/x%7f", ForbiddenCharacter),
            ("/%c2%85", ForbiddenCharacter),
            ("/%252e%252e/secret", ForbiddenCharacter),
            ("/%25", ForbiddenCharacter),
            ("/%c0%ae%c0%ae/secret", NotUtf8),
            ("/%c0%af", NotUtf8),
            ("/%e0%80%ae", NotUtf8),
            ("/%ff", NotUtf8),
            ("/%ed%a0%80", NotUtf8),
            ("/%", BadEscape),
            ("/%2", BadEscape),
            ("/%zz", BadEscape),
            ("/%%32%65", BadEscape),
            ("/%+1", BadEscape),
            ("//etc/passwd", EmptySegment),
            ("//server/share/", EmptySegment),
            ("/x//y", EmptySegment),
            ("/x//", EmptySegment),
            ("/C:/Windows/win.ini", Drive),
            ("/c:", Drive),
            ("/C%3a%5cWindows", ForbiddenCharacter),
            ("/C%3A/x", Drive),
            ("/a b", RawCharacter),
            ("/a\tb", RawCharacter),
            ("/a\0b", RawCharacter),
            ("/x#frag", RawCharacter),
            ("/<script>", RawCharacter),
            ("/\"x\"", RawCharacter),
            ("/café", RawCharacter),
            ("/x\r\nSet-Cookie: a=b", RawCharacter),
        ];
        for (url, expected) in table {
            assert_eq!(resolve(url), Err(*expected), "{url:?}");
        }
        assert_eq!(
            resolve(&format!("/{}", "a".repeat(MAX_TARGET))),
            Err(TooLong)
        );
    }

    #[test]
    fn every_accepted_path_stays_inside_the_site() {
        // A small exhaustive fuzz: every target of up to three symbols from a hostile alphabet
        // either is refused or yields candidates with no traversal in them.
        let alphabet = [
            "/", ".", "..", "%2e", "%2f", "%5c", "\\", "%00", "%25", "a", "C:", "%c0%ae", "?",
        ];
        let mut targets = vec![String::from("/")];
        for _ in 0..3 {
            let mut next = Vec::new();
            for t in &targets {
                for s in alphabet {
                    next.push(format!("{t}{s}"));
                }
            }
            targets.extend(next);
        }
        for target in targets {
            if let Ok(resolved) = resolve(&target) {
                for c in resolved.candidates {
                    assert!(!c.starts_with('/'), "{target:?} → {c:?}");
                    assert!(!c.contains('\\') && !c.contains('\0'), "{target:?} → {c:?}");
                    assert!(
                        c.split('/').all(|s| !s.is_empty() && s != "." && s != ".."),
                        "{target:?} → {c:?}"
                    );
                }
            }
        }
    }
}
