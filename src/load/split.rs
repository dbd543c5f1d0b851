//! Splitting a markdown file into its front matter and its body.

/// The language a front matter block is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Between `---` lines.
    Yaml,
    /// Between `+++` lines.
    Toml,
}

/// A file cut in two: the front matter text (if any) and the markdown body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// The front matter block without its fences, with its language.
    pub front: Option<(Format, &'a str)>,
    /// 1-based line of the file on which the front matter's first line sits.
    pub front_line: usize,
    /// The markdown after the closing fence.
    pub body: &'a str,
    /// 1-based line of the file on which the body starts.
    pub body_line: usize,
}

/// Why a file could not be split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("front matter opened with `{fence}` on line 1 is never closed")]
pub struct Unterminated {
    /// The opening fence, `---` or `+++`.
    pub fence: &'static str,
}

/// Cuts `text` (already stripped of a BOM, with `\n` or `\r\n` line ends) into front matter and body.
///
/// A file that does not start with a fence line has no front matter: all of it is body.
pub fn split(text: &str) -> Result<Split<'_>, Unterminated> {
    let (format, fence) = match first_line(text) {
        "---" => (Format::Yaml, "---"),
        "+++" => (Format::Toml, "+++"),
        _ => {
            return Ok(Split {
                front: None,
                front_line: 1,
                body: text,
                body_line: 1,
            });
        }
    };
    let after_open = line_end(text, 0);
    let mut offset = after_open;
    let mut line = 2;
    while offset < text.len() {
        let end = line_end(text, offset);
        let content = text[offset..end].trim_end_matches(['\n', '\r']);
        if content.trim_end() == fence {
            return Ok(Split {
                front: Some((format, &text[after_open..offset])),
                front_line: 2,
                body: &text[end..],
                body_line: line + 1,
            });
        }
        offset = end;
        line += 1;
    }
    Err(Unterminated { fence })
}

fn first_line(text: &str) -> &str {
    text[..line_end(text, 0)]
        .trim_end_matches(['\n', '\r'])
        .trim_end()
}

/// The offset just past the `\n` ending the line that starts at `start`, or the text's end.
fn line_end(text: &str, start: usize) -> usize {
    text[start..]
        .find('\n')
        .map_or(text.len(), |i| start + i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_front_matter() {
        let s = split("---\ntitle: x\n---\nbody\n").unwrap();
        assert_eq!(s.front, Some((Format::Yaml, "title: x\n")));
        assert_eq!(s.body, "body\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn toml_front_matter_with_crlf() {
        let s = split("+++\r\ntitle = 'x'\r\n+++\r\nbody").unwrap();
        assert_eq!(s.front, Some((Format::Toml, "title = 'x'\r\n")));
        assert_eq!(s.body, "body");
    }

    #[test]
    fn no_front_matter() {
        let s = split("# Hello\n").unwrap();
        assert_eq!(s.front, None);
        assert_eq!(s.body, "# Hello\n");
    }

    #[test]
    fn only_front_matter() {
        let s = split("---\ntitle: x\n---").unwrap();
        assert_eq!(s.front, Some((Format::Yaml, "title: x\n")));
        assert_eq!(s.body, "");
    }

    #[test]
    fn empty_front_matter() {
        let s = split("---\n---\nbody").unwrap();
        assert_eq!(s.front, Some((Format::Yaml, "")));
    }

    #[test]
    fn unterminated() {
        assert_eq!(
            split("---\ntitle: x\n").unwrap_err(),
            Unterminated { fence: "---" }
        );
    }

    #[test]
    fn a_thematic_break_later_is_not_front_matter() {
        let s = split("text\n---\nmore").unwrap();
        assert_eq!(s.front, None);
    }
}
