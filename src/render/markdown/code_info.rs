//! The annotations in a fenced code block's info string: its language, the lines to highlight,
//! line numbers and a title, in the syntaxes of gatsby-remark-prismjs (```` ```js {1,3-5} ````,
//! `{numberLines: true}`) and of Zola (```` ```rust,linenos,hl_lines=1 3-5,name=main.rs ````),
//! with `title="…"`, and rustdoc's attributes (`ignore`, `no_run`, …) accepted silently, so a
//! block written for any of them renders here.

use std::fmt;

/// What a fenced code block's info string says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CodeInfo {
    /// The language: what comes before the first `,`, space or `{`; none when that is empty.
    pub(crate) lang: Option<String>,
    /// The lines to highlight, in the order written.
    pub(crate) highlight: Vec<LineRange>,
    /// Whether lines are numbered (`linenos`, `{numberLines: true}`).
    pub(crate) line_numbers: bool,
    /// A caption for the block, such as a file name (`title="…"`, Zola's `name=…`).
    pub(crate) title: Option<String>,
    /// What could not be read, each a warning for the block's line.
    pub(crate) problems: Vec<InfoProblem>,
}

/// Lines `start` to `end` of a block, 1-based and inclusive; `start <= end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LineRange {
    /// The first line.
    pub(crate) start: u32,
    /// The last line, `start` for a single line.
    pub(crate) end: u32,
}

/// An annotation of the info string that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InfoProblem {
    /// One sentence saying what is wrong and what would be right.
    pub(crate) message: String,
    /// Where it is: a byte offset in the info string.
    pub(crate) offset: usize,
}

/// What the message about an unknown option ends with.
const KNOWN: &str = "pamphlet reads {1,3-5}, hl_lines=…, linenos and title=…";

impl fmt::Display for LineRange {
    /// `3`, or `3-5`: as the range is written in an info string.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

impl CodeInfo {
    /// The ranges to highlight that reach past the last of the block's `lines`, for a
    /// warning at the block's line.
    pub(crate) fn out_of_range(&self, lines: u32) -> Vec<LineRange> {
        self.highlight
            .iter()
            .filter(|range| range.end > lines)
            .copied()
            .collect()
    }

    /// Whether `line` (1-based) is to be highlighted.
    pub(crate) fn is_highlighted(&self, line: u32) -> bool {
        self.highlight
            .iter()
            .any(|range| (range.start..=range.end).contains(&line))
    }
}

/// Reads an info string as pulldown-cmark gives it. Nothing in it is an error: what cannot be
/// read is left out and named in [`CodeInfo::problems`].
pub(crate) fn parse(info: &str) -> CodeInfo {
    let start = info.len() - info.trim_start().len();
    let end = info[start..]
        .find([',', ' ', '\t', '{'])
        .map_or(info.len(), |i| start + i);
    let mut code = CodeInfo {
        lang: Some(&info[start..end])
            .filter(|lang| !lang.is_empty())
            .map(str::to_string),
        ..CodeInfo::default()
    };
    let mut scanner = Scanner { info, at: end };
    while let Some(item) = scanner.next_item() {
        match item {
            Item::Braces { body, at } => code.braces(body, at),
            Item::Key { key, at, value } => code.option(key, at, value),
            Item::Problem(problem) => code.problems.push(problem),
        }
    }
    code
}

/// One annotation after the language.
enum Item<'i> {
    /// `{…}`: what is between the braces, and where that starts.
    Braces { body: &'i str, at: usize },
    /// `key` or `key=value`: where the key starts, and the value (unquoted) and where it
    /// starts.
    Key {
        key: &'i str,
        at: usize,
        value: Option<(&'i str, usize)>,
    },
    /// Something that is none of those.
    Problem(InfoProblem),
}

fn problem(offset: usize, message: impl Into<String>) -> InfoProblem {
    InfoProblem {
        message: message.into(),
        offset,
    }
}

/// Reads an info string's annotations one by one; `at` is where the next one may start.
struct Scanner<'i> {
    info: &'i str,
    at: usize,
}

impl<'i> Scanner<'i> {
    /// The next annotation, past the commas and spaces that separate annotations.
    fn next_item(&mut self) -> Option<Item<'i>> {
        let rest = &self.info[self.at..];
        self.at += rest.len() - rest.trim_start_matches([',', ' ', '\t']).len();
        let rest = &self.info[self.at..];
        let at = self.at;
        let first = rest.chars().next()?;
        if first == '{' {
            let Some(end) = rest.find('}') else {
                self.at = self.info.len();
                let message = "the `{` is never closed; write the lines as {1,3-5}";
                return Some(Item::Problem(problem(at, message)));
            };
            self.at += end + 1;
            let body = &rest[1..end];
            return Some(Item::Braces { body, at: at + 1 });
        }
        let key_end = rest
            .find(|c: char| matches!(c, '=' | ',' | '{' | '}') || c.is_whitespace())
            .unwrap_or(rest.len());
        if key_end == 0 {
            self.at += first.len_utf8();
            let message = format!("unexpected `{first}` in the code block's info string");
            return Some(Item::Problem(problem(at, message)));
        }
        let key = &rest[..key_end];
        self.at += key_end;
        if !self.info[self.at..].starts_with('=') {
            return Some(Item::Key {
                key,
                at,
                value: None,
            });
        }
        self.at += 1;
        Some(match self.value(key) {
            Ok(value) => Item::Key {
                key,
                at,
                value: Some(value),
            },
            Err(problem) => Item::Problem(problem),
        })
    }

    /// The value after `key=`, unquoted, and where it starts.
    fn value(&mut self, key: &str) -> Result<(&'i str, usize), InfoProblem> {
        let rest = &self.info[self.at..];
        let at = self.at;
        if let Some(quote) = rest.chars().next().filter(|c| matches!(c, '"' | '\'')) {
            let Some(length) = rest[1..].find(quote) else {
                self.at = self.info.len();
                let message = format!("the quote that opens the value of `{key}` is never closed");
                return Err(problem(at, message));
            };
            self.at += length + 2;
            return Ok((&rest[1..=length], at + 1));
        }
        let end = if key == "hl_lines" {
            ranges_end(rest)
        } else {
            rest.find([',', ' ', '\t', '{']).unwrap_or(rest.len())
        };
        self.at += end;
        Ok((&rest[..end], at))
    }
}

/// Where the value of `hl_lines=` ends in `rest`. Zola separates the ranges by spaces and ends
/// them at a comma; where the options themselves are separated by spaces, the ranges end
/// before the first word that does not start with a digit (`hl_lines=1 3-5 linenos`).
fn ranges_end(rest: &str) -> usize {
    let word_end = |from: usize| {
        rest[from..]
            .find([',', ' ', '\t', '{'])
            .map_or(rest.len(), |i| from + i)
    };
    let mut end = word_end(0);
    loop {
        let after = rest[end..].trim_start_matches([' ', '\t']);
        if !after.starts_with(|c: char| c.is_ascii_digit()) {
            return end;
        }
        end = word_end(rest.len() - after.len());
    }
}

impl CodeInfo {
    /// Reads a `{…}` group: ranges (`1,3-5`) and prism's `numberLines: …`, comma-separated.
    fn braces(&mut self, body: &str, at: usize) {
        for (item, offset) in pieces(body, at, |c| c == ',') {
            match item.split_once(':') {
                Some((key, value)) => self.brace_option(key.trim(), value.trim(), offset),
                None => self.range(item, offset),
            }
        }
    }

    /// `numberLines: true` (or `false`, or the first line's number) in braces.
    fn brace_option(&mut self, key: &str, value: &str, offset: usize) {
        match (key, value) {
            ("numberLines", "true") => self.line_numbers = true,
            ("numberLines", "false") => self.line_numbers = false,
            ("numberLines", first) if is_number(first) => {
                self.line_numbers = true;
                let message = format!(
                    "lines are numbered from 1, not from `{first}`; write numberLines: true"
                );
                self.problems.push(problem(offset, message));
            }
            _ => {
                let message = format!("unknown code block option `{key}: {value}`; {KNOWN}");
                self.problems.push(problem(offset, message));
            }
        }
    }

    /// A `key` or `key=value` annotation.
    fn option(&mut self, key: &str, at: usize, value: Option<(&str, usize)>) {
        match (key, value) {
            ("linenos", None) => self.line_numbers = true,
            ("hl_lines", Some((lines, offset))) if !lines.trim().is_empty() => {
                for (range, offset) in pieces(lines, offset, char::is_whitespace) {
                    self.range(range, offset);
                }
            }
            ("title" | "name", Some((title, _))) if !title.is_empty() => {
                if self.title.is_some() {
                    let message = "the code block has a title already; the last one is shown";
                    self.problems.push(problem(at, message));
                }
                self.title = Some(title.to_string());
            }
            (_, None) if is_rustdoc_attribute(key) => {}
            ("linenos", Some(_)) => self.problems.push(problem(at, "`linenos` takes no value")),
            ("hl_lines", _) => {
                let message = "`hl_lines` needs the lines to highlight, as in hl_lines=1 3-5";
                self.problems.push(problem(at, message));
            }
            ("title" | "name", _) => {
                let message = format!("`{key}` needs a value, as in {key}=\"src/main.rs\"");
                self.problems.push(problem(at, message));
            }
            _ => {
                let message = format!("unknown code block option `{key}`; {KNOWN}");
                self.problems.push(problem(at, message));
            }
        }
    }

    /// A line or range of lines to highlight, `3` or `3-5`.
    fn range(&mut self, text: &str, offset: usize) {
        match parse_range(text) {
            Ok(range) => self.highlight.push(range),
            Err(message) => self.problems.push(problem(offset, message)),
        }
    }
}

/// `3` or `3-5` (spaces around the `-` allowed) as lines, or why it is not.
fn parse_range(text: &str) -> Result<LineRange, String> {
    let (start, end) = text.split_once('-').unwrap_or((text, text));
    let (start, end) = (start.trim(), end.trim());
    if !is_number(start) || !is_number(end) {
        return Err(format!(
            "`{text}` is not a line or a range of lines such as 3-5"
        ));
    }
    match (start.parse::<u32>(), end.parse::<u32>()) {
        (Ok(0), _) | (_, Ok(0)) => Err(format!("lines are numbered from 1, so `{text}` is none")),
        (Ok(start), Ok(end)) if start <= end => Ok(LineRange { start, end }),
        (Ok(start), Ok(end)) => Err(format!(
            "the range `{text}` ends before it starts; write {end}-{start}"
        )),
        _ => Err(format!("`{text}` is past any line a code block has")),
    }
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// The non-empty pieces of `text` between separators, trimmed, each with its offset in the
/// info string (`text` starting at `at`).
fn pieces(text: &str, at: usize, separator: fn(char) -> bool) -> Vec<(&str, usize)> {
    let mut pieces = Vec::new();
    let (mut rest, mut offset) = (text, at);
    loop {
        let end = rest.find(separator).unwrap_or(rest.len());
        let piece = rest[..end].trim_start();
        if !piece.trim_end().is_empty() {
            pieces.push((piece.trim_end(), offset + end - piece.len()));
        }
        let Some(separator) = rest[end..].chars().next() else {
            return pieces;
        };
        offset += end + separator.len_utf8();
        rest = &rest[end + separator.len_utf8()..];
    }
}

/// rustdoc's attributes of a Rust example, which say how to test it and nothing about how
/// it looks: `ignore` (and `ignore-wasm32`), `no_run`, `should_panic`, `compile_fail`,
/// `test_harness`, `standalone_crate`, `edition2021` and error codes such as `E0308`.
fn is_rustdoc_attribute(key: &str) -> bool {
    let attributes = [
        "ignore",
        "no_run",
        "should_panic",
        "compile_fail",
        "test_harness",
        "standalone_crate",
    ];
    attributes.contains(&key)
        || key.starts_with("ignore-")
        || key.strip_prefix("edition").is_some_and(is_number)
        || key
            .strip_prefix('E')
            .is_some_and(|code| code.len() == 4 && is_number(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The info string read, in brief: `lang | highlight | linenos | title | problems`.
    fn brief(info: &str) -> String {
        let code = parse(info);
        let lines: Vec<String> = code.highlight.iter().map(LineRange::to_string).collect();
        let problems: Vec<String> = code
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.offset, p.message))
            .collect();
        format!(
            "{} | {} | {} | {} | {}",
            code.lang.as_deref().unwrap_or("-"),
            lines.join(","),
            if code.line_numbers { "linenos" } else { "-" },
            code.title.as_deref().unwrap_or("-"),
            problems.join("; ")
        )
    }

    #[test]
    fn info_strings_of_every_convention() {
        let unknown = |key: &str| format!("unknown code block option `{key}`; {KNOWN}");
        let cases: Vec<(&str, String)> = vec![
            ("", "- |  | - | - | ".into()),
            ("text", "text |  | - | - | ".into()),
            ("rust", "rust |  | - | - | ".into()),
            ("c++", "c++ |  | - | - | ".into()),
            ("objective-c", "objective-c |  | - | - | ".into()),
            ("js {1,3-5}", "js | 1,3-5 | - | - | ".into()),
            ("js{1,3-5}", "js | 1,3-5 | - | - | ".into()),
            ("js {1, 3 - 5}", "js | 1,3-5 | - | - | ".into()),
            ("{1}", "- | 1 | - | - | ".into()),
            ("js {numberLines: true}", "js |  | linenos | - | ".into()),
            ("js{2}{numberLines: true}", "js | 2 | linenos | - | ".into()),
            ("js {1,numberLines: true}", "js | 1 | linenos | - | ".into()),
            ("rust,linenos,hl_lines=2", "rust | 2 | linenos | - | ".into()),
            ("rust,hl_lines=1 3-5", "rust | 1,3-5 | - | - | ".into()),
            ("rust,hl_lines=1 3-5,linenos", "rust | 1,3-5 | linenos | - | ".into()),
            ("rust hl_lines=1 3-5 linenos", "rust | 1,3-5 | linenos | - | ".into()),
            ("rust,hl_lines=\"1 3-5\"", "rust | 1,3-5 | - | - | ".into()),
            ("rust linenos", "rust |  | linenos | - | ".into()),
            ("rust title=\"src/main.rs\"", "rust |  | - | src/main.rs | ".into()),
            ("rust title='my file.rs' {2}", "rust | 2 | - | my file.rs | ".into()),
            ("rust,name=src/main.rs", "rust |  | - | src/main.rs | ".into()),
            ("rust,name=\"src/main.rs\",linenos", "rust |  | linenos | src/main.rs | ".into()),
            (
                "rust {1} linenos title=\"a.rs\" hl_lines=4",
                "rust | 1,4 | linenos | a.rs | ".into(),
            ),
            ("rust,ignore", "rust |  | - | - | ".into()),
            (
                "rust,no_run,should_panic,compile_fail,E0308,edition2021,ignore-wasm32",
                "rust |  | - | - | ".into(),
            ),
            ("  rust  linenos ", "rust |  | linenos | - | ".into()),
            ("console $ ", format!("console |  | - | - | 8: {}", unknown("$"))),
            ("rust,foo", format!("rust |  | - | - | 5: {}", unknown("foo"))),
            ("python {linenos: true}", format!(
                "python |  | - | - | 8: unknown code block option `linenos: true`; {KNOWN}"
            )),
            ("js {3-1}", "js |  | - | - | 4: the range `3-1` ends before it starts; write 1-3".into()),
            ("js {a}", "js |  | - | - | 4: `a` is not a line or a range of lines such as 3-5".into()),
            ("js {0,2}", "js | 2 | - | - | 4: lines are numbered from 1, so `0` is none".into()),
            ("js {1,3-x,5}", "js | 1,5 | - | - | 6: `3-x` is not a line or a range of lines such as 3-5".into()),
            ("js {99999999999}", "js |  | - | - | 4: `99999999999` is past any line a code block has".into()),
            ("js {1,3", "js |  | - | - | 3: the `{` is never closed; write the lines as {1,3-5}".into()),
            ("rust,hl_lines=", "rust |  | - | - | 5: `hl_lines` needs the lines to highlight, as in hl_lines=1 3-5".into()),
            ("rust,hl_lines=2 x", "rust | 2 | - | - | 16: ".to_string() + &unknown("x")),
            ("rust,hl_lines=2,x-3", "rust | 2 | - | - | 16: ".to_string() + &unknown("x-3")),
            ("rust title=\"open", "rust |  | - | - | 11: the quote that opens the value of `title` is never closed".into()),
            ("rust title=", "rust |  | - | - | 5: `title` needs a value, as in title=\"src/main.rs\"".into()),
            ("rust linenos=yes", "rust |  | - | - | 5: `linenos` takes no value".into()),
            ("rust title=a title=b", "rust |  | - | b | 13: the code block has a title already; the last one is shown".into()),
            ("js {numberLines: 5}", "js |  | linenos | - | 4: lines are numbered from 1, not from `5`; write numberLines: true".into()),
            ("js }", "js |  | - | - | 3: unexpected `}` in the code block's info string".into()),
            ("js =x", "js |  | - | - | 3: unexpected `=` in the code block's info string; 4: ".to_string() + &unknown("x")),
        ];
        for (info, expected) in cases {
            assert_eq!(brief(info), expected, "info string {info:?}");
        }
    }

    #[test]
    fn problem_offsets_point_into_the_info_string() {
        let info = "js {1, 3-x} hl_lines=7-2";
        let code = parse(info);
        let at: Vec<&str> = code.problems.iter().map(|p| &info[p.offset..]).collect();
        assert_eq!(at, ["3-x} hl_lines=7-2", "7-2"]);
    }

    #[test]
    fn highlighted_lines_and_ranges_past_the_end() {
        let code = parse("rust {2,4-6,9}");
        let highlighted: Vec<u32> = (1..=10).filter(|&l| code.is_highlighted(l)).collect();
        assert_eq!(highlighted, [2, 4, 5, 6, 9]);
        assert_eq!(code.out_of_range(9), []);
        let past: Vec<String> = code.out_of_range(5).iter().map(|r| r.to_string()).collect();
        assert_eq!(past, ["4-6", "9"]);
        assert!(!parse("rust").is_highlighted(1));
    }

    proptest::proptest! {
        /// Any info string is read without a panic, and every problem's offset is a place in
        /// it.
        #[test]
        fn any_info_string_is_read(info in r#"[a-z_ ,{}=:"'0-9\-é]{0,40}"#) {
            let code = parse(&info);
            for problem in &code.problems {
                proptest::prop_assert!(info.is_char_boundary(problem.offset));
            }
            for range in &code.highlight {
                proptest::prop_assert!(1 <= range.start && range.start <= range.end);
            }
        }
    }
}
