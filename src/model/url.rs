//! URL paths: making slugs, checking that user-given paths stay inside the site, and mapping
//! URLs to output files.
//!
//! Every URL the model hands out starts with `/`. A URL ending in `/` is a folder whose page is
//! written as `index.html` inside it (what Azure's static website serves for a folder); any
//! other URL is a file.

/// Turns text into a URL segment: lower-case ASCII letters, digits and single hyphens.
pub fn slugify(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut slug = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// Why a user-given path, slug or alias was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}` {reason}")]
pub struct UnsafePath {
    /// What the user wrote.
    pub given: String,
    /// Why it cannot be used.
    pub reason: &'static str,
}

/// Checks a `path` or alias from front matter and returns its folder URL (`/a/b/`) or, for a
/// name ending in `.html` or `.htm`, its file URL (`/a/b.html`).
///
/// A leading `/` means the site root, as in Hugo and Zola. Anything that could address a file
/// outside the output folder, or be read differently by another system, is refused: `.` and `..`
/// segments, backslashes, drive letters, NUL and other control characters, `//`, and characters
/// that would need escaping in a URL.
pub fn user_path(given: &str) -> Result<String, UnsafePath> {
    let refuse = |reason| UnsafePath {
        given: given.to_string(),
        reason,
    };
    if given.chars().any(char::is_control) {
        return Err(refuse("contains a control character"));
    }
    if given.contains('\\') {
        return Err(refuse("contains a backslash; use `/` between segments"));
    }
    if given.starts_with("//") {
        return Err(refuse(
            "starts with `//`, which browsers read as another host",
        ));
    }
    let bytes = given.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err(refuse("starts with a drive letter"));
    }
    if let Some(bad) = given
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "/-_.~@+".contains(*c)))
    {
        return Err(match bad {
            ':' => refuse("contains `:`; write a path on this site, not a URL"),
            ' ' => refuse("contains a space; use `-` instead"),
            c if !c.is_ascii() => refuse("contains a non-ASCII character; use its ASCII slug"),
            _ => refuse(
                "contains a character that is not allowed in a path (use letters, digits, `-`, `_`, `.`, `~`)",
            ),
        });
    }
    let trimmed = given.trim_matches('/');
    let mut segments = Vec::new();
    for segment in trimmed.split('/') {
        match segment {
            "" if trimmed.is_empty() => {}
            "" => return Err(refuse("contains an empty segment (`//`)")),
            "." | ".." => return Err(refuse("contains a `.` or `..` segment")),
            s => segments.push(s),
        }
    }
    if segments.is_empty() {
        return Ok("/".to_string());
    }
    let joined = segments.join("/");
    let last = segments[segments.len() - 1];
    if (last.ends_with(".html") || last.ends_with(".htm")) && !given.ends_with('/') {
        Ok(format!("/{joined}"))
    } else {
        Ok(format!("/{joined}/"))
    }
}

/// Checks a `slug` from front matter: one segment, slugified.
pub fn user_slug(given: &str) -> Result<String, UnsafePath> {
    if given.contains(['/', '\\', '\0']) || given.trim() == ".." || given.trim() == "." {
        return Err(UnsafePath {
            given: given.to_string(),
            reason: "is not a single URL segment; use `path` to change the whole URL",
        });
    }
    let slug = slugify(given);
    if slug.is_empty() {
        return Err(UnsafePath {
            given: given.to_string(),
            reason: "has no letters or digits to make a slug from",
        });
    }
    Ok(slug)
}

/// The output file, relative to the output folder, that serves `url`.
pub fn output_file(url: &str) -> String {
    let trimmed = url.trim_start_matches('/');
    if trimmed.is_empty() {
        "index.html".to_string()
    } else if trimmed.ends_with('/') {
        format!("{trimmed}index.html")
    } else {
        trimmed.to_string()
    }
}

/// The URL readers use for output file `file`, the inverse of [`output_file`]:
/// `blog/x/index.html` → `/blog/x/`; `404.html` → `/404.html`.
pub fn url_of(file: &str) -> String {
    match file.strip_suffix("index.html") {
        Some(folder) if folder.is_empty() || folder.ends_with('/') => format!("/{folder}"),
        _ => format!("/{file}"),
    }
}

/// Joins a folder URL and a relative file or folder name.
pub fn join(folder_url: &str, rest: &str) -> String {
    debug_assert!(folder_url.ends_with('/'));
    format!("{folder_url}{}", rest.trim_start_matches('/'))
}

/// Percent-encodes what a URL path cannot hold as is (spaces and non-ASCII in file names).
pub fn encode_path(path: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'\\')
        .add(b'^')
        .add(b'|')
        .add(b'[')
        .add(b']');
    percent_encoding::utf8_percent_encode(path, SET).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_files_map_to_urls_and_back() {
        for (file, url) in [
            ("index.html", "/"),
            ("blog/x/index.html", "/blog/x/"),
            ("404.html", "/404.html"),
            ("old.html", "/old.html"),
        ] {
            assert_eq!(url_of(file), url);
            assert_eq!(output_file(url), file);
        }
        assert_eq!(url_of("blog/notindex.html"), "/blog/notindex.html");
        assert_eq!(encode_path("/a b/é/"), "/a%20b/%C3%A9/");
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Hello, World!"), "hello-world");
        assert_eq!(slugify("algorithm-wordchange "), "algorithm-wordchange");
        assert_eq!(slugify("Rust-1.88.0"), "rust-1-88-0");
        assert_eq!(slugify("Café crème"), "cafe-creme");
        assert_eq!(slugify("--"), "");
    }

    #[test]
    fn user_paths_map_inside_the_site() {
        assert_eq!(
            user_path("2025/06/26/Rust-1.88.0").unwrap(),
            "/2025/06/26/Rust-1.88.0/"
        );
        assert_eq!(user_path("/old/url/").unwrap(), "/old/url/");
        assert_eq!(user_path("releases/1.88.0").unwrap(), "/releases/1.88.0/");
        assert_eq!(user_path("old.html").unwrap(), "/old.html");
        assert_eq!(user_path("/").unwrap(), "/");
    }

    #[test]
    fn user_paths_that_could_escape_are_refused() {
        for bad in [
            "../etc",
            "a/../../b",
            "a\\b",
            "C:/x",
            "c:",
            "a\0b",
            "//evil.com/x",
            "a//b",
            "./a",
            "a/./b",
            "https://x",
            "a b",
            "é",
            "a?b",
            "a#b",
            "%2e%2e/x",
            "\u{202e}x",
        ] {
            assert!(user_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn slugs_are_one_segment() {
        assert_eq!(user_slug("My Post").unwrap(), "my-post");
        for bad in ["a/b", "..", "a\\b", "!!!"] {
            assert!(user_slug(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn output_files() {
        assert_eq!(output_file("/"), "index.html");
        assert_eq!(output_file("/blog/x/"), "blog/x/index.html");
        assert_eq!(output_file("/old.html"), "old.html");
        assert_eq!(output_file("/rss.xml"), "rss.xml");
    }
}
