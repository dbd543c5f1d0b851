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
        let location = e.location().map(|l| (l.line(), l.column()));
        ParseError {
            message: friendly(&clean_message(&e.to_string())),
            location,
        }
    })?;
    Ok((value, ignored))
}

/// serde_yaml appends "at line X column Y" to its messages; the location is reported separately.
fn clean_message(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
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
