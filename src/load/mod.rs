//! Stage 1, load: walk `content/`, read each markdown file, split and parse its front matter.
//!
//! Nothing here knows about URLs, sections or HTML; that is the model's and the renderer's job.

pub mod body;
pub mod counted;
pub mod date;
pub mod front_matter;
pub mod history;
pub mod known;
pub mod split;
pub mod walk;
mod yaml;

use std::path::Path;
use std::sync::Arc;

pub use body::{Body, Budget, Holding, TextCheck};

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::words::WordCounts;
use front_matter::{PageFront, SectionFront};
use known::{Handled, KnownSources, Outcome};
use walk::{SourceKind, content_dir};

/// One markdown file, read and parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Document<F> {
    /// Its path relative to `content/`, with `/` separators.
    pub rel: String,
    /// Its typed front matter, shared by the document's clones: a `serve` rebuild models a
    /// clone of every document it keeps, and copying 10,000 front matters took about 7 ms of
    /// every save's rebuild, with the copies freed after it.
    pub front: Arc<F>,
    /// The markdown after the front matter, with `\n` line ends.
    pub body: Body,
    /// 1-based line of the file on which `body` starts, so markdown problems name file lines.
    pub body_line: usize,
    /// Each top-level front matter key with the 1-based file line it is on.
    pub key_lines: Arc<[(String, usize)]>,
    /// The body's words, once a model that keeps them (serve's) has counted them.
    pub words: Memo<WordCounts>,
    /// The hash of the body's text, once [`Document::text_key`] has worked it out.
    pub text_hash: Memo<u64>,
}

/// A value worked out from a document the first time it is needed, and shared by the
/// document's clones: a `serve` rebuild models a clone of the documents it keeps, so it works
/// the value out again only for the files it read again. Not part of what a document is: two
/// documents are equal whatever their memos hold.
pub struct Memo<T>(std::sync::Arc<std::sync::OnceLock<T>>);

impl<T> Memo<T> {
    /// The value, worked out by `make` if no clone has worked it out yet.
    pub fn get_or_init(&self, make: impl FnOnce() -> T) -> &T {
        self.0.get_or_init(make)
    }

    /// The value, if it was worked out.
    pub fn get(&self) -> Option<&T> {
        self.0.get()
    }

    /// True when `other` is this memo or a clone of it: the value of one is the other's.
    pub fn same_as(&self, other: &Memo<T>) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }

    /// Gives the value, worked out elsewhere (kept from an earlier build), unless it has one.
    pub fn set(&self, value: T) {
        let _ = self.0.set(value);
    }
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo(std::sync::Arc::default())
    }
}

impl<T> Clone for Memo<T> {
    fn clone(&self) -> Self {
        Memo(self.0.clone())
    }
}

impl<T> PartialEq for Memo<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> std::fmt::Debug for Memo<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.0.get().is_some() {
            "worked out"
        } else {
            "not yet"
        };
        write!(f, "Memo({state})")
    }
}

impl<F> Document<F> {
    /// The hash of `text`, which must be this document's body, by which the stores of the
    /// cache folder keep what is made from it (word counts, rendered markdown): worked out
    /// once for all of them, as hashing every page's text took 2 % of a warm build each time.
    pub fn text_key(&self, text: &str) -> u64 {
        *self.text_hash.get_or_init(|| crate::store::hash_of(text))
    }

    /// The hash of the body's text when it is known without reading the file: worked out, or
    /// the text is held.
    pub fn known_text_key(&self) -> Option<u64> {
        match (self.text_hash.get(), self.body.held()) {
            (Some(&key), _) => Some(key),
            (None, Some(text)) => Some(self.text_key(text)),
            (None, None) => None,
        }
    }

    /// The hash of the body's text, reading the text again only when it is not known. The
    /// error is [`Body::text`]'s.
    pub fn text_key_now(&self) -> Result<u64, String> {
        match self.known_text_key() {
            Some(key) => Ok(key),
            None => Ok(self.text_key(&self.body.text()?)),
        }
    }

    /// The file line of a top-level front matter key, if the file has it.
    pub fn line_of(&self, key: &str) -> Option<usize> {
        self.key_lines
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, line)| *line)
    }
}

/// A page's source.
pub type PageDoc = Document<PageFront>;
/// A section's `_index.md`.
pub type SectionDoc = Document<SectionFront>;

/// Everything under `content/`, read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sources {
    /// Every page, drafts included, sorted by path.
    pub pages: Vec<PageDoc>,
    /// Every `_index.md`, sorted by path.
    pub sections: Vec<SectionDoc>,
    /// Every other file, by content-relative path, sorted.
    pub assets: Vec<String>,
    /// Markdown files that could not be read or parsed; their problems are reported already.
    pub failed: Vec<String>,
}

impl Sources {
    /// A copy for a model to own, its pages copied on every thread: `serve` models a copy of
    /// its sources on every save, and copying 10,000 pages on one thread took 2 ms of each.
    pub fn par_clone(&self) -> Sources {
        Sources {
            pages: self.pages.par_iter().cloned().collect(),
            sections: self.sections.clone(),
            assets: self.assets.clone(),
            failed: self.failed.clone(),
        }
    }
}

/// Reads the whole `content/` folder of the site at `site_root`, holding as much of the
/// markdown text in memory as `holding` allows. With `known`, read while the folders are
/// listed, pages whose files are as it recorded are recalled from it rather than read, and it
/// is kept up to date for the next load.
pub fn load(
    site_root: &Path,
    holding: &Holding,
    mut known: Option<&mut KnownSources>,
) -> (Sources, Diagnostics) {
    let content = content_dir(site_root);
    let ((files, mut problems), ()) = rayon::join(
        || walk::walk(&content, site_root, walk::Tree::Content),
        || known.as_deref_mut().map_or((), KnownSources::read),
    );
    let mut sources = Sources::default();
    let recall = known.as_deref();
    let read: Vec<ReadFile> = files
        .par_iter()
        .filter(|f| f.kind != SourceKind::Asset)
        .map(|f| read_file(&content, &f.rel, holding, recall))
        .collect();
    // Reserved, not grown: doubling a list of 50,000 documents would hold two copies at once.
    sources.pages.reserve(read.len());
    let mut outcomes = Vec::with_capacity(read.len());
    for file in read {
        problems.extend(file.problems);
        let page = match file.loaded {
            Some(Loaded::Page(doc)) => {
                sources.pages.push(doc);
                Some(sources.pages.len() - 1)
            }
            Some(Loaded::Section(doc)) => {
                sources.sections.push(doc);
                None
            }
            None => {
                sources.failed.push(file.rel.to_string());
                None
            }
        };
        outcomes.extend(file.outcome.map(|outcome| (file.rel, outcome, page)));
    }
    let pages = (sources.pages.iter_mut()).map(|doc| (&mut doc.body, content.join(&doc.rel)));
    let sections = (sources.sections.iter_mut()).map(|doc| (&mut doc.body, content.join(&doc.rel)));
    holding.settle(pages.chain(sections));
    // Saved once a large site's text is let go, as saving makes an entry of every page read.
    if let Some(known) = &mut known {
        let handled = (outcomes.into_iter())
            .map(|(rel, outcome, page)| Handled {
                rel,
                outcome,
                page: page.and_then(|at| sources.pages.get(at)),
            })
            .collect();
        known.save(handled);
    }
    sources.assets = files
        .iter()
        .filter(|f| f.kind == SourceKind::Asset)
        .map(|f| f.rel.clone())
        .collect();
    (sources, problems)
}

/// One markdown file of a load: what it gave, and what the record of sources is to keep.
struct ReadFile<'f> {
    rel: &'f str,
    loaded: Option<Loaded>,
    problems: Diagnostics,
    /// Set when the load keeps a record.
    outcome: Option<Outcome>,
}

/// Recalls the markdown file at content-relative `rel` from `known`, or reads it.
fn read_file<'f>(
    content: &Path,
    rel: &'f str,
    holding: &Holding,
    known: Option<&KnownSources>,
) -> ReadFile<'f> {
    let path = content.join(rel);
    let is_page = walk::kind_of(rel) == SourceKind::Page;
    if let Some(doc) = known.filter(|_| is_page).and_then(|k| k.recall(rel, &path)) {
        holding.count_unread(doc.body.check().len);
        return ReadFile {
            rel,
            loaded: Some(Loaded::Page(doc)),
            problems: Diagnostics::new(),
            outcome: Some(Outcome::Recalled),
        };
    }
    let (metadata, read) = match read_regular(&path) {
        Ok(read) => read,
        Err(e) => {
            let mut problems = Diagnostics::new();
            problems.push(
                Diagnostic::error(format!("cannot read: {e}"))
                    .in_file(Path::new("content").join(rel)),
            );
            return ReadFile {
                rel,
                loaded: None,
                problems,
                outcome: known.map(|_| Outcome::Read(None)),
            };
        }
    };
    // The text's check and hash are worked out while the text is at hand, for the record.
    let seen = std::cell::Cell::new(None);
    let body = |text: &str| {
        if known.is_some() {
            seen.set(Some((TextCheck::of(text), crate::store::hash_of(text))));
        }
        holding.body(text, || path.clone())
    };
    let (loaded, problems) = parse_held(rel, read, &body);
    let file_seen = match (&loaded, known, seen.get()) {
        (Some(Loaded::Page(doc)), Some(known), Some((check, hash))) if problems.is_empty() => {
            doc.text_hash.set(hash);
            known.seen(&metadata, check)
        }
        _ => None,
    };
    ReadFile {
        rel,
        loaded,
        problems,
        outcome: known.map(|_| Outcome::Read(file_seen)),
    }
}

/// Lists the files under `static/`, relative to it.
pub fn statics(site_root: &Path) -> (Vec<String>, Diagnostics) {
    let (files, problems) = walk::walk(&site_root.join("static"), site_root, walk::Tree::Static);
    (files.into_iter().map(|f| f.rel).collect(), problems)
}

/// A markdown file read from disk.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded {
    /// A page.
    Page(PageDoc),
    /// A section's `_index.md`.
    Section(SectionDoc),
}

/// Reads one markdown file by its content-relative path; `None` when it cannot be used.
pub fn read_source(site_root: &Path, rel: &str) -> (Option<Loaded>, Diagnostics) {
    let file = read_file(&content_dir(site_root), rel, &Holding::All, None);
    (file.loaded, file.problems)
}

/// Parses the bytes of the markdown file at content-relative path `rel`; `None` when they
/// cannot be used. Every problem names the file, and its line where it has one.
pub fn parse_source(rel: &str, bytes: &[u8]) -> (Option<Loaded>, Diagnostics) {
    parse_held(rel, bytes.to_vec(), &|text: &str| Body::from(text))
}

/// Parses a markdown file as [`parse_source`] does, making its body with `body`.
fn parse_held(
    rel: &str,
    bytes: Vec<u8>,
    body: &dyn Fn(&str) -> Body,
) -> (Option<Loaded>, Diagnostics) {
    let shown = Path::new("content").join(rel);
    let mut problems = Diagnostics::new();
    let text = match decode(bytes) {
        Ok(text) => text,
        Err(d) => {
            problems.push(d.in_file(&shown));
            return (None, problems);
        }
    };
    let loaded = match walk::kind_of(rel) {
        SourceKind::Section => {
            parse_document::<SectionFront>(rel, &text, body, &mut problems).map(Loaded::Section)
        }
        _ => parse_document::<PageFront>(rel, &text, body, &mut problems).map(Loaded::Page),
    };
    problems.name_file(&shown);
    (loaded, problems)
}

/// Reads a file, refusing anything but a regular file without blocking on it: opening a FIFO
/// for reading would wait for a writer forever, and a folder or device is never a page.
pub fn read_regular_file(path: &Path) -> std::io::Result<Vec<u8>> {
    read_regular(path).map(|(_, bytes)| bytes)
}

/// Reads a regular file as [`read_regular_file`] does, with its metadata from before the read.
fn read_regular(path: &Path) -> std::io::Result<(std::fs::Metadata, Vec<u8>)> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let mut file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other(format!(
            "{} is not a regular file",
            walk::describe(&meta.file_type())
        )));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut bytes)?;
    Ok((meta, bytes))
}

/// The body of the markdown file at `path`, read again as a load reads it; `None` when its
/// front matter no longer ends. The error says why it could not be read.
fn read_body(path: &Path) -> Result<Option<String>, String> {
    let bytes = read_regular_file(path).map_err(|e| format!("cannot read it again: {e}"))?;
    let mut text = decode(bytes).map_err(|d| d.message)?;
    let Ok(parts) = split::split(&text) else {
        return Ok(None);
    };
    // The body is what follows the front matter, to the end of the text.
    let start = text.len() - parts.body.len();
    text.drain(..start);
    Ok(Some(text))
}

/// Turns file bytes into text: UTF-8 only, no NUL, BOM dropped, `\r\n` and `\r` made `\n`. The
/// bytes become the text without a copy: a site's text is read once a build.
fn decode(mut bytes: Vec<u8>) -> Result<String, Diagnostic> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = good.len() - good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
        Diagnostic::error("file is not valid UTF-8")
            .at(line, column)
            .help("save the file as UTF-8")
    })?;
    if let Some(offset) = text.find('\0') {
        let (line, column) = crate::diagnostic::line_column(&text, offset);
        return Err(Diagnostic::error("file contains a NUL byte")
            .at(line, column)
            .help("remove it; markdown files are text"));
    }
    // A lone CR is a line end too (to CommonMark, YAML and editors alike): making it `\n` keeps
    // line numbers right, and `\r\r\n` cannot leave a CRLF behind.
    Ok(if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    })
}

/// Unknown fields warned about one by one in a file; the rest are counted in one warning.
const MAX_UNKNOWN_FIELDS: usize = 20;

/// A warning for each front matter key nothing reads, at its line, up to a limit.
fn warn_unknown_fields(
    ignored: &[String],
    key_lines: &[(String, usize)],
    problems: &mut Diagnostics,
) {
    for key in ignored.iter().take(MAX_UNKNOWN_FIELDS) {
        let top = key.split('.').next().unwrap_or(key);
        let mut d = Diagnostic::warning(format!("unknown front matter field `{key}` is ignored"))
            .help("put custom values under `extra` to reach them from templates");
        if let Some((_, line)) = key_lines.iter().find(|(k, _)| k == top) {
            d = d.at_line(*line);
        }
        problems.push(d);
    }
    if ignored.len() > MAX_UNKNOWN_FIELDS {
        problems.push(
            Diagnostic::warning(format!(
                "{} more unknown front matter fields are ignored",
                ignored.len() - MAX_UNKNOWN_FIELDS
            ))
            .help("put custom values under `extra` to reach them from templates"),
        );
    }
}

fn parse_document<F>(
    rel: &str,
    text: &str,
    body: &dyn Fn(&str) -> Body,
    problems: &mut Diagnostics,
) -> Option<Document<F>>
where
    F: serde::de::DeserializeOwned + Default + front_matter::Clean,
{
    let parts = match split::split(text) {
        Ok(parts) => parts,
        Err(e) => {
            problems.push(Diagnostic::error(e.to_string()).at(1, 1).help(format!(
                "end the front matter with a line holding only `{}`",
                e.fence
            )));
            return None;
        }
    };
    let key_lines: Vec<(String, usize)> = parts
        .front
        .map(|(_, block)| {
            front_matter::top_level_keys(block)
                .into_iter()
                .map(|(key, line)| (key, parts.front_line + line - 1))
                .collect()
        })
        .unwrap_or_default();
    let front = match parts.front {
        None => F::default(),
        Some((format, block)) => match front_matter::parse::<F>(format, block) {
            Ok((front, ignored)) => {
                warn_unknown_fields(&ignored, &key_lines, problems);
                front
            }
            Err(e) => {
                let mut d = Diagnostic::error(format!("invalid front matter: {}", e.message))
                    .help("fix the front matter; see the README for every field and its type");
                if let Some((line, column)) = e.location {
                    d = d.at(parts.front_line + line - 1, column);
                }
                problems.push(d);
                return None;
            }
        },
    };
    let mut front = front;
    front.clean();
    Some(Document {
        rel: rel.to_string(),
        front: Arc::new(front),
        body: body(parts.body),
        body_line: parts.body_line,
        key_lines: key_lines.into(),
        words: Memo::default(),
        text_hash: Memo::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_end_becomes_a_line_feed() {
        assert_eq!(
            decode(b"a\r\nb\rc\r\r\nd\n".to_vec()).unwrap(),
            "a\nb\nc\n\nd\n"
        );
        assert_eq!(decode(b"\xEF\xBB\xBF---\r\n".to_vec()).unwrap(), "---\n");
    }

    #[test]
    fn bad_bytes_are_placed_at_their_line_and_column() {
        let d = decode(b"ok\nab\xffc".to_vec()).unwrap_err();
        assert_eq!((d.line, d.column), (Some(2), Some(3)));
        let d = decode(b"a\n\nxy\0".to_vec()).unwrap_err();
        assert_eq!((d.line, d.column), (Some(3), Some(3)));
    }
}
