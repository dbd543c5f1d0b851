//! Every use of `serde_yaml` lives here, so the archived crate can be swapped in one place.

use serde::de::DeserializeOwned;

use super::front_matter::{Ignored, ParseError};

/// Deserializes YAML front matter into `T`, collecting the paths of keys `T` does not know.
pub fn deserialize<T: DeserializeOwned>(text: &str) -> Result<(T, Ignored), ParseError> {
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
        ignored.push(path.to_string());
    })
    .map_err(|e| {
        let location = e.location().map(|l| (l.line(), l.column()));
        ParseError {
            message: clean_message(&e.to_string()),
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
