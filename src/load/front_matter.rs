//! Typed front matter for pages and sections, from YAML or TOML.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};

use super::date::PostDate;
use super::split::Format;

/// Keys found in front matter that pamphlet does not use, as dotted paths.
pub type Ignored = Vec<String>;

/// Front matter that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What the parser said, without location.
    pub message: String,
    /// 1-based line and column inside the front matter block.
    pub location: Option<(usize, usize)>,
}

/// The front matter of a page (`index.md` or any other `.md` but `_index.md`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct PageFront {
    /// The page's title.
    pub title: Option<String>,
    /// A sentence about the page, for lists and metadata.
    pub description: Option<String>,
    /// When the page was published.
    pub date: Option<DateField>,
    /// When the page was last changed.
    pub updated: Option<DateField>,
    /// When the page is to be left out of the site, for good.
    pub expires: Option<DateField>,
    /// Left out of the build unless `--drafts`.
    pub draft: bool,
    /// Replaces the last segment of the URL.
    pub slug: Option<String>,
    /// Replaces the whole URL path.
    pub path: Option<String>,
    /// Other URLs that redirect here.
    #[serde(deserialize_with = "string_or_list")]
    pub aliases: Vec<String>,
    /// Tags.
    #[serde(deserialize_with = "string_or_list")]
    pub tags: Vec<String>,
    /// Categories.
    #[serde(deserialize_with = "string_or_list")]
    pub categories: Vec<String>,
    /// The series the page is a part of; of a list, only the first counts.
    #[serde(deserialize_with = "string_or_list")]
    pub series: Vec<String>,
    /// Authors, overriding the site's author.
    #[serde(deserialize_with = "string_or_list")]
    pub authors: Vec<String>,
    /// A template other than `page.html`.
    pub template: Option<String>,
    /// The picture link previews show (`og:image`): a file beside the page, or a URL. A post
    /// without one gets its drawn social card.
    pub image: Option<String>,
    /// Orders pages in sections sorted by weight.
    pub weight: Option<i64>,
    /// Anything else, passed to templates as `page.extra`.
    #[serde(deserialize_with = "strict_map")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The front matter of a section's `_index.md`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct SectionFront {
    /// The section's title.
    pub title: Option<String>,
    /// A sentence about the section.
    pub description: Option<String>,
    /// How the section's pages are ordered.
    pub sort_by: Option<SortBy>,
    /// Pages per list page, overriding `site.toml`.
    pub paginate_by: Option<usize>,
    /// A template other than `section.html`.
    pub template: Option<String>,
    /// The template for the section's pages, unless a page names its own.
    pub page_template: Option<String>,
    /// Orders sections among siblings.
    pub weight: Option<i64>,
    /// Leaves the section's own list page out unless `--drafts`.
    pub draft: bool,
    /// Anything else, passed to templates as `section.extra`.
    #[serde(deserialize_with = "strict_map")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// How a section orders its pages.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SortBy {
    /// Newest first; undated pages last.
    #[default]
    Date,
    /// Most recently updated first.
    UpdateDate,
    /// Alphabetically by title.
    Title,
    /// Lightest weight first.
    Weight,
    /// Alphabetically by URL.
    #[serde(alias = "permalink")]
    Slug,
    /// As found on disk, by file name.
    None,
}

/// A date read from front matter (a string in YAML, a string or datetime in TOML).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateField(pub PostDate);

impl<'de> Deserialize<'de> for DateField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DateVisitor;
        impl<'de> Visitor<'de> for DateVisitor {
            type Value = DateField;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date such as 2019-07-02 or \"2019-07-02T22:12:03Z\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DateField, E> {
                PostDate::parse(v).map(DateField).map_err(E::custom)
            }
            // TOML hands its native datetimes over as a one-entry map.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DateField, A::Error> {
                let Some((_, text)) = map.next_entry::<String, String>()? else {
                    return Err(de::Error::custom("expected a date, found an empty table"));
                };
                PostDate::parse(&text)
                    .map(DateField)
                    .map_err(de::Error::custom)
            }
        }
        deserializer.deserialize_any(DateVisitor)
    }
}

/// Accepts `tags: rust` as well as `tags: [rust, web]`.
fn string_or_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    struct ListVisitor;
    impl<'de> Visitor<'de> for ListVisitor {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of strings, such as [\"rust\", \"web\"]")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<String>, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_unit<E: de::Error>(self) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<Vec<String>, E> {
            Ok(Vec::new())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element::<String>()? {
                items.push(item);
            }
            Ok(items)
        }
    }
    deserializer.deserialize_any(ListVisitor)
}

/// Reads `extra` as `serde_json::Value` would, but refuses a key written twice in one map, at
/// any depth: YAML forbids it, and silently keeping one of the two values hides a mistake.
fn strict_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<serde_json::Map<String, serde_json::Value>, D::Error> {
    match StrictValue::deserialize(deserializer)?.0 {
        serde_json::Value::Object(map) => Ok(map),
        serde_json::Value::Null => Ok(serde_json::Map::new()),
        other => Err(de::Error::invalid_type(
            unexpected(&other),
            &"a map of names to values",
        )),
    }
}

fn unexpected(value: &serde_json::Value) -> de::Unexpected<'_> {
    match value {
        serde_json::Value::Null => de::Unexpected::Unit,
        serde_json::Value::Bool(b) => de::Unexpected::Bool(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => de::Unexpected::Signed(i),
            (_, Some(u), _) => de::Unexpected::Unsigned(u),
            (_, _, Some(f)) => de::Unexpected::Float(f),
            _ => de::Unexpected::Other("a number"),
        },
        serde_json::Value::String(s) => de::Unexpected::Str(s),
        serde_json::Value::Array(_) => de::Unexpected::Seq,
        serde_json::Value::Object(_) => de::Unexpected::Map,
    }
}

/// A JSON value whose maps never repeat a key.
struct StrictValue(serde_json::Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde_json::Value;
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = StrictValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<StrictValue, E> {
                Ok(StrictValue(Value::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<StrictValue, E> {
                Ok(StrictValue(Value::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StrictValue, E> {
                Ok(StrictValue(Value::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<StrictValue, E> {
                // As serde_json does: NaN and infinities have no JSON form.
                Ok(StrictValue(
                    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
                ))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StrictValue, E> {
                Ok(StrictValue(Value::String(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<StrictValue, E> {
                Ok(StrictValue(Value::String(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<StrictValue, E> {
                Ok(StrictValue(Value::Null))
            }
            fn visit_none<E: de::Error>(self) -> Result<StrictValue, E> {
                Ok(StrictValue(Value::Null))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<StrictValue, D::Error> {
                StrictValue::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrictValue, A::Error> {
                let mut items = Vec::new();
                while let Some(StrictValue(item)) = seq.next_element()? {
                    items.push(item);
                }
                Ok(StrictValue(Value::Array(items)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrictValue, A::Error> {
                let mut out = serde_json::Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.contains_key(&key) {
                        return Err(de::Error::custom(format!(
                            "duplicate key `{key}`; each key may appear once in a map"
                        )));
                    }
                    let StrictValue(value) = map.next_value()?;
                    out.insert(key, value);
                }
                Ok(StrictValue(Value::Object(out)))
            }
        }
        deserializer.deserialize_any(ValueVisitor)
    }
}

/// Removes control characters (but tabs and line ends) from every text a front matter holds:
/// HTML and XML cannot carry them, and they are never meant.
pub trait Clean {
    /// Strips control characters from every string, recursively.
    fn clean(&mut self);
}

impl Clean for PageFront {
    fn clean(&mut self) {
        for text in [&mut self.title, &mut self.description, &mut self.template]
            .into_iter()
            .flatten()
        {
            clean_string(text);
        }
        for list in [
            &mut self.tags,
            &mut self.categories,
            &mut self.series,
            &mut self.authors,
        ] {
            list.iter_mut().for_each(clean_string);
        }
        clean_map(&mut self.extra);
    }
}

impl Clean for SectionFront {
    fn clean(&mut self) {
        for text in [
            &mut self.title,
            &mut self.description,
            &mut self.template,
            &mut self.page_template,
        ]
        .into_iter()
        .flatten()
        {
            clean_string(text);
        }
        clean_map(&mut self.extra);
    }
}

fn is_unwanted_control(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// Strips the control characters that HTML and XML cannot carry from `text`.
pub fn clean_string(text: &mut String) {
    if text.chars().any(is_unwanted_control) {
        text.retain(|c| !is_unwanted_control(c));
    }
}

fn clean_map(map: &mut serde_json::Map<String, serde_json::Value>) {
    if map.keys().any(|k| k.chars().any(is_unwanted_control)) {
        *map = std::mem::take(map)
            .into_iter()
            .map(|(mut k, v)| {
                clean_string(&mut k);
                (k, v)
            })
            .collect();
    }
    map.values_mut().for_each(clean_value);
}

fn clean_value(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(text) => clean_string(text),
        serde_json::Value::Array(items) => items.iter_mut().for_each(clean_value),
        serde_json::Value::Object(map) => clean_map(map),
        _ => {}
    }
}

/// Deserializes a front matter block of either format.
pub fn parse<T: DeserializeOwned + Default>(
    format: Format,
    text: &str,
) -> Result<(T, Ignored), ParseError> {
    match format {
        Format::Yaml => super::yaml::deserialize(text),
        Format::Toml => deserialize_toml(text),
    }
}

/// Deserializes TOML into `T`, collecting the paths of keys `T` does not know; a type error
/// names the field it is in.
pub(crate) fn deserialize_toml<T: DeserializeOwned>(
    text: &str,
) -> Result<(T, Ignored), ParseError> {
    let mut ignored = Vec::new();
    let deserializer = toml::Deserializer::parse(text).map_err(|e| toml_error(text, &e))?;
    let mut note_ignored = |path: serde_ignored::Path<'_>| {
        ignored.push(ignored_name(path.to_string()));
    };
    let deserializer = serde_ignored::Deserializer::new(deserializer, &mut note_ignored);
    let value = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let field = e.path().to_string();
        let mut error = toml_error(text, e.inner());
        if field != "." && !error.message.starts_with(&field) {
            error.message = format!("{field}: {}", error.message);
        }
        error
    })?;
    Ok((value, ignored))
}

/// An ignored field's name as a warning shows it: an empty key (YAML's `"": x`) as `""`.
pub(crate) fn ignored_name(path: String) -> String {
    if path.is_empty() {
        "\"\"".to_string()
    } else {
        path
    }
}

fn toml_error(text: &str, e: &toml::de::Error) -> ParseError {
    ParseError {
        message: plain_types(e.message().trim()),
        location: e
            .span()
            .map(|span| crate::diagnostic::line_column(text, span.start)),
    }
}

/// A serde message with Rust's type names (`expected usize`) in words a writer knows.
pub(crate) fn plain_types(message: &str) -> String {
    let mut message = message.to_string();
    for (rust, plain) in [
        ("expected usize", "expected a whole number, 0 or more"),
        ("expected u64", "expected a whole number, 0 or more"),
        ("expected u32", "expected a whole number, 0 or more"),
        ("expected u16", "expected a whole number, 0 or more"),
        ("expected u8", "expected a whole number from 0 to 255"),
        ("expected i64", "expected a whole number"),
        ("expected i32", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected f32", "expected a number"),
    ] {
        if let Some(rest) = message.strip_suffix(rust) {
            message = format!("{rest}{plain}");
        }
    }
    message
}

/// Every top-level key of a YAML or TOML block with its 1-based line within the block.
///
/// Found by scanning lines rather than from the parser, which forgets positions once a value
/// is read; enough to point a message about a field at the line it is on.
pub fn top_level_keys(text: &str) -> Vec<(String, usize)> {
    let mut keys = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with([' ', '\t', '#', '[', '-']) {
            continue;
        }
        let Some(end) = line.find([':', '=']) else {
            continue;
        };
        let key = line[..end].trim().trim_matches(['"', '\'']);
        if !key.is_empty() && !key.contains(' ') {
            keys.push((key.to_string(), i + 1));
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Result<(PageFront, Ignored), ParseError> {
        parse(Format::Yaml, text)
    }

    #[test]
    fn an_empty_unknown_key_is_named_visibly() {
        let (_, ignored) = yaml("title: T\n!r : x\n").unwrap();
        assert_eq!(ignored, ["\"\""]);
        let (_, ignored) = parse::<PageFront>(Format::Toml, "\"\" = 1\n").unwrap();
        assert_eq!(ignored, ["\"\""]);
    }

    #[test]
    fn seed_front_matter() {
        let (front, ignored) =
            yaml("title: Serverless\ndate: \"2019-07-02T22:12:03.284Z\"\ndescription:  Why\n")
                .unwrap();
        assert_eq!(front.title.as_deref(), Some("Serverless"));
        assert_eq!(front.description.as_deref(), Some("Why"));
        assert_eq!(front.date.unwrap().0.machine(), "2019-07-02T22:12:03.284Z");
        assert!(ignored.is_empty());
    }

    #[test]
    fn unquoted_yaml_timestamp() {
        let (front, _) = yaml("date: 2001-12-14 21:59:43.10 -5\n").unwrap();
        assert_eq!(
            front.date.unwrap().0.machine(),
            "2001-12-14T21:59:43.10-05:00"
        );
    }

    #[test]
    fn toml_native_datetime() {
        let (front, _): (PageFront, _) = parse(
            Format::Toml,
            "date = 1979-05-27T07:32:00Z\nupdated = 1979-05-28\n",
        )
        .unwrap();
        assert_eq!(front.date.unwrap().0.machine(), "1979-05-27T07:32:00Z");
        assert_eq!(front.updated.unwrap().0.machine(), "1979-05-28");
    }

    #[test]
    fn unknown_keys_are_reported_not_fatal() {
        let (_, ignored) = yaml("title: x\nlayout: post\n").unwrap();
        assert_eq!(ignored, vec!["layout".to_string()]);
    }

    #[test]
    fn wrong_types_have_a_location() {
        let err = yaml("title: x\ntags: 5\n").unwrap_err();
        assert_eq!(err.location.map(|l| l.0), Some(2), "{err:?}");
        let err = yaml("title: x\ndate: yes\n").unwrap_err();
        assert!(err.message.contains("`yes` is not a date"), "{err:?}");
        assert_eq!(err.location.map(|l| l.0), Some(2), "{err:?}");
    }

    #[test]
    fn a_single_tag_string_is_a_list() {
        let (front, _) = yaml("tags: rust\n").unwrap();
        assert_eq!(front.tags, vec!["rust"]);
    }

    #[test]
    fn empty_yaml_block() {
        let (front, _) = yaml("").unwrap();
        assert_eq!(front, PageFront::default());
    }

    #[test]
    fn control_characters_are_stripped_everywhere() {
        let (mut front, _) = yaml(
            "title: \"a\\u0001b\"\ntags: [\"t\\u0007\"]\nextra:\n  k: [\"x\\u0000y\", {\"z\\u0008\": \"\\u202eok\\t\"}]\n",
        )
        .unwrap();
        front.clean();
        assert_eq!(front.title.as_deref(), Some("ab"));
        assert_eq!(front.tags, ["t"]);
        assert_eq!(
            serde_json::Value::Object(front.extra),
            serde_json::json!({"k": ["xy", {"z": "\u{202e}ok\t"}]})
        );
    }

    #[test]
    fn a_key_repeated_anywhere_in_extra_is_an_error() {
        let err = yaml("extra:\n  a: 1\n  a: 2\n").unwrap_err();
        assert!(err.message.contains("duplicate key `a`"), "{err:?}");
        let err = yaml("extra:\n  list:\n    - {x: 1, x: 2}\n").unwrap_err();
        assert!(err.message.contains("duplicate key `x`"), "{err:?}");
        let (front, _) = yaml("extra:\n  a: 1\n  b: [1.5, true, ~, {c: d}]\n  n: .nan\n").unwrap();
        assert_eq!(
            serde_json::Value::Object(front.extra),
            serde_json::json!({"a": 1, "b": [1.5, true, null, {"c": "d"}], "n": null})
        );
        let (front, _): (PageFront, _) = parse(
            Format::Toml,
            "[extra]\nwhen = 1979-05-27\n[extra.t]\nk = 'v'\n",
        )
        .unwrap();
        assert_eq!(front.extra["t"], serde_json::json!({"k": "v"}));
        assert!(yaml("extra: 5\n").is_err());
        assert_eq!(yaml("extra:\n").unwrap().0.extra, serde_json::Map::new());
    }

    /// The line of a top-level key, as `load` looks it up in [`top_level_keys`].
    fn key_line(text: &str, key: &str) -> Option<usize> {
        top_level_keys(text)
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, line)| line)
    }

    #[test]
    fn key_line_finds_top_level_keys() {
        assert_eq!(key_line("title: x\ntags: 5\n", "tags"), Some(2));
        assert_eq!(key_line("title = 'x'\npath = 'a'\n", "path"), Some(2));
        assert_eq!(key_line("title: x\n", "tags"), None);
    }
}
