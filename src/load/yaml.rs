//! Every use of `serde_yaml` lives here, so the archived crate can be swapped in one place.

use serde::de::DeserializeOwned;

use super::front_matter::{Ignored, ParseError, ignored_name};

/// Deserializes YAML front matter into `T`, collecting the paths of keys `T` does not know.
pub(super) fn deserialize<T: DeserializeOwned>(text: &str) -> Result<(T, Ignored), ParseError> {
    // An empty or comment-only block is an empty map, not YAML's `null`.
    if text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#')
    }) {
        return deserialize("{}");
    }
    let mut ignored = Vec::new();
    let deserializer = serde_yaml::Deserializer::from_str(text);
    let value: T = serde_ignored::deserialize(deserializer, |path| {
        ignored.push(ignored_name(path.to_string()));
    })
    .map_err(|e| {
        let problem_at = e.location().map(|l| (l.line(), l.column()));
        let located = locate(&e.to_string(), problem_at);
        let location = located.location.or_else(|| first_alias_line(text));
        ParseError {
            message: super::front_matter::plain_types(&friendly(&located.message)),
            location,
        }
    })?;
    Ok((value, ignored))
}

/// A parser message with its positions taken out, and the one position to report.
struct Located {
    message: String,
    location: Option<(usize, usize)>,
}

/// serde_yaml writes "PROBLEM at line L column C, while CONTEXT at line L column C". One
/// position is reported, the right one: where an unclosed quote or bracket was opened, since
/// that is what to fix, and otherwise where the parser gave up.
fn locate(message: &str, problem_at: Option<(usize, usize)>) -> Located {
    let (problem, context) = match message.split_once(", while ") {
        Some((problem, context)) => (problem, Some(context)),
        None => (message, None),
    };
    let (problem, _) = split_position(problem);
    let Some(context) = context else {
        return Located {
            message: problem.to_string(),
            location: problem_at,
        };
    };
    let (context, context_at) = split_position(context);
    let opened = [
        (
            "scanning a quoted scalar",
            "a quoted string that is never closed",
        ),
        ("parsing a flow sequence", "a `[` list that is never closed"),
        ("parsing a flow mapping", "a `{` map that is never closed"),
    ]
    .into_iter()
    .find(|(said, _)| context == *said);
    match (opened, context_at) {
        (Some((_, what)), Some(at)) => Located {
            message: format!("{problem}: {what}"),
            location: Some(at),
        },
        _ => Located {
            message: format!("{problem}, while {context}"),
            location: problem_at,
        },
    }
}

/// `"did not find key at line 3 column 5"` → (`"did not find key"`, `Some((3, 5))`).
fn split_position(text: &str) -> (&str, Option<(usize, usize)>) {
    let Some(i) = text.rfind(" at line ") else {
        return (text, None);
    };
    let position = text[i + " at line ".len()..]
        .split_once(" column ")
        .and_then(|(line, column)| Some((line.parse().ok()?, column.parse().ok()?)));
    match position {
        Some(at) => (&text[..i], Some(at)),
        None => (text, None),
    }
}

/// The first line that uses an alias (`*name`), with its column: where an expansion that grew
/// too large starts, which the parser, stopping mid-expansion, cannot say.
fn first_alias_line(text: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(i, line)| {
        let bytes = line.as_bytes();
        (1..bytes.len())
            .find(|&j| {
                bytes[j - 1] == b'*'
                    && (j == 1 || matches!(bytes[j - 2], b' ' | b'[' | b',' | b'\t'))
                    && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_')
            })
            .map(|j| (i + 1, j))
    })
}

/// serde_yaml's guards against hostile documents speak of its internals; say what they mean.
fn friendly(message: &str) -> String {
    match message {
        // A "billion laughs" document: aliases of anchors that hold aliases, expanding
        // exponentially. serde_yaml stops replaying aliases long before memory runs out.
        "repetition limit exceeded" => "its YAML anchors and aliases (`&name`, `*name`) expand \
             to too much data; write the values out, or repeat aliases far less"
            .to_string(),
        "recursion limit exceeded" => {
            "it nests lists or maps too deeply (over 128 levels)".to_string()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::front_matter::PageFront;

    fn billion_laughs(under: &str) -> String {
        let mut text = format!(
            "{under}a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        );
        for (name, prev) in ["b", "c", "d", "e", "f", "g", "h", "i"]
            .iter()
            .zip("abcdefgh".chars())
        {
            let aliases = vec![format!("*{prev}"); 9].join(",");
            text.push_str(&format!("{under}{name}: &{name} [{aliases}]\n"));
        }
        text
    }

    #[test]
    fn billion_laughs_is_refused_with_a_plain_message() {
        let err =
            deserialize::<PageFront>(&format!("extra:\n{}", billion_laughs("  "))).unwrap_err();
        assert!(
            err.message.contains("anchors and aliases") && err.message.contains("too much data"),
            "{err:?}"
        );
    }

    #[test]
    fn an_unclosed_list_or_quote_is_reported_once_where_it_opens() {
        let err =
            deserialize::<PageFront>("title: B\ntags: [a, b\ndate: 2024-01-01\n").unwrap_err();
        assert_eq!(err.location, Some((2, 7)), "{err:?}");
        assert!(!err.message.contains("line"), "{err:?}");
        assert!(
            err.message.ends_with("a `[` list that is never closed"),
            "{err:?}"
        );
        let err = deserialize::<PageFront>("title: \"C\ndate: 2024-01-01\n").unwrap_err();
        assert_eq!(err.location, Some((1, 8)), "{err:?}");
        assert!(
            err.message
                .ends_with("a quoted string that is never closed"),
            "{err:?}"
        );
        let err = deserialize::<PageFront>("title: A\n  bad: indent\n").unwrap_err();
        assert_eq!(err.location, Some((2, 6)), "{err:?}");
        assert!(!err.message.contains("line"), "{err:?}");
    }

    #[test]
    fn billion_laughs_is_reported_at_its_first_alias() {
        let err = deserialize::<PageFront>(&format!("title: x\nextra:\n{}", billion_laughs("  ")))
            .unwrap_err();
        assert_eq!(err.location, Some((4, 10)), "{err:?}");
    }

    #[test]
    fn deep_nesting_is_refused_with_a_plain_message() {
        let text = format!("extra:\n  x: {}1{}\n", "[".repeat(200), "]".repeat(200));
        let err = deserialize::<PageFront>(&text).unwrap_err();
        assert!(
            err.message.contains("nests lists or maps too deeply"),
            "{err:?}"
        );
        assert_eq!(err.location.map(|l| l.0), Some(2));
    }
}
