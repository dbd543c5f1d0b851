//! The record of sources (`.pamphlet-cache/sources`): each page's front matter as parsed, and
//! the length, CRC-32 and hash of its text, by the state of its file. A build after one edit
//! reads and parses only the files whose state changed: the others' text is left on disk (a
//! [`Body::known`]), and what is made from it (word counts, rendered markdown) is found in the
//! other stores by its hash. Reading and parsing every page was a fifth of such a build.
//!
//! A file is recalled only while its inode, size, modification and change times are those
//! recorded ([`FileState`]); any write changes its change time, which no program can set back.
//! A file changed less than [`SETTLING`] before it was read is not recorded, so a write in the
//! same clock tick as the read cannot go unseen. A page whose reading reported anything (an
//! unknown field) is not recorded either: every build must report it again. Should a recalled
//! text be needed and the file say otherwise, reading it again is an error the build reports
//! ([`Body::text`]), never a page made from another text.
//!
//! One file, written whole (to a temporary file renamed over it) and only when it gains an
//! entry:
//!
//! ```text
//! magic      16 bytes  "pamphlet-srcs\x00\x00\x01"
//! stamp       8 bytes  the build of pamphlet that parsed (store::Stamp)
//! entries              postcard: every recorded page's path and Entry
//! CRC-32      4 bytes  of everything before it
//! ```
//!
//! A damaged file is ignored, with one warning, and written again; one from another build of
//! pamphlet is ignored silently (parsing may have changed), and replaced.

use std::collections::HashMap;
use std::fs::{self, Metadata};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::date::PostDate;
use super::front_matter::{DateField, PageFront};
use super::{Body, Document, Memo, PageDoc, TextCheck};
use crate::store::{FileState, Stamp, seal, unseal, write_atomically};

const MAGIC: &[u8; 16] = b"pamphlet-srcs\x00\x00\x01";
const FILE: &str = "sources";

/// How long before its reading a file must have last changed to be recorded: longer than any
/// file system's clock tick, so a later write always changes its times.
pub const SETTLING: Duration = Duration::from_secs(2);

/// The pages an earlier build read, by content-relative path.
pub struct KnownSources {
    path: PathBuf,
    stamp: Stamp,
    by_rel: HashMap<String, Entry>,
    /// When this build began reading: files changed after `began - SETTLING` are not recorded.
    began: SystemTime,
    /// The one sentence to report when the file could not be used or written.
    warning: Option<String>,
}

/// One page as an earlier build read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    state: FileState,
    text: TextCheck,
    text_hash: u64,
    body_line: usize,
    key_lines: Vec<(String, usize)>,
    front: StoredFront,
}

/// What a load did with one page's file, for the record that follows it.
#[derive(Debug)]
pub enum Outcome {
    /// Recalled from the record; its entry stays.
    Recalled,
    /// Read and parsed, with what was seen of its file if it may be recorded.
    Read(Option<FileSeen>),
}

/// What a load did with one file, and the page it gave, for [`KnownSources::save`].
pub struct Handled<'a> {
    /// The file, relative to `content/`.
    pub rel: &'a str,
    /// Recalled, or read.
    pub outcome: Outcome,
    /// The page the file gave, if it gave one.
    pub page: Option<&'a PageDoc>,
}

/// What a page's entry needs of its file, seen while it was read. The rest is taken from the
/// page when the record is saved: made while the files were read, 50,000 entries were held
/// beside the text a load holds until it knows the site's size: 20 to 30 MiB more at the peak
/// of a cold build of that size.
#[derive(Debug, Clone, Copy)]
pub struct FileSeen {
    state: FileState,
    text: TextCheck,
}

impl FileSeen {
    fn entry(self, doc: &PageDoc) -> Option<Entry> {
        Some(Entry {
            state: self.state,
            text: self.text,
            text_hash: *doc.text_hash.get()?,
            body_line: doc.body_line,
            key_lines: doc.key_lines.to_vec(),
            front: StoredFront::of(&doc.front),
        })
    }
}

impl KnownSources {
    /// The record in `cache_dir` of the build `stamp`, to be read by [`Self::read`].
    pub fn open(cache_dir: &Path, stamp: Stamp) -> KnownSources {
        KnownSources {
            path: cache_dir.join(FILE),
            stamp,
            by_rel: HashMap::new(),
            began: SystemTime::now(),
            warning: None,
        }
    }

    /// Reads the record: it stays empty when there is none, or it is damaged (with a warning)
    /// or another build's. Apart from [`Self::open`], so a load reads it while it lists the
    /// folders.
    pub fn read(&mut self) {
        let Ok(file) = fs::read(&self.path) else {
            return;
        };
        match decode(&file) {
            Some((found, by_rel)) if found == self.stamp => self.by_rel = by_rel,
            Some(_) => {}
            None if file.starts_with(&MAGIC[..MAGIC.len() - 1]) && !file.starts_with(MAGIC) => {}
            None => {
                self.warning = Some(format!(
                    "the record of sources in {} was damaged and not used; every page was read \
                     again, and the record rewritten",
                    self.path.display()
                ))
            }
        }
    }

    /// The page at content-relative `rel` (the file `path`) as recorded, if its file is still
    /// in the recorded state.
    pub fn recall(&self, rel: &str, path: &Path) -> Option<PageDoc> {
        let entry = self.by_rel.get(rel)?;
        let state = fs::metadata(path).ok().as_ref().and_then(FileState::of);
        if state != Some(entry.state) {
            return None;
        }
        let text_hash = Memo::default();
        text_hash.set(entry.text_hash);
        Some(Document {
            rel: rel.to_string(),
            front: Arc::new(entry.front.to_front()?),
            body: Body::known(path.to_path_buf(), entry.text),
            body_line: entry.body_line,
            key_lines: entry.key_lines.as_slice().into(),
            words: Memo::default(),
            text_hash,
        })
    }

    /// What the entry of a page just read from a file with `metadata`, whose body `text`
    /// checks, needs of that file; none when the file changed too recently to be trusted by
    /// its state.
    pub fn seen(&self, metadata: &Metadata, text: TextCheck) -> Option<FileSeen> {
        let state = FileState::of(metadata)?;
        if !FileState::changed_before(metadata, self.began.checked_sub(SETTLING)?) {
            return None;
        }
        Some(FileSeen { state, text })
    }

    /// Keeps, for the next build, the entries of the pages this load recalled and those it
    /// read and may record, given by path; the rest are dropped. The file is written only when
    /// it gains an entry (or could not be used): an entry it keeps for a file changed or
    /// deleted since can never match that file again, and rewriting the whole record after
    /// each edit cost more than it saved. A file that cannot be written is a warning, not an
    /// error.
    pub fn save(&mut self, outcomes: Vec<Handled<'_>>) {
        let gains = (outcomes.iter()).any(|h| matches!(h.outcome, Outcome::Read(Some(_))));
        if !gains && self.warning.is_none() {
            return;
        }
        let mut kept = HashMap::with_capacity(outcomes.len());
        for Handled { rel, outcome, page } in outcomes {
            let entry = match outcome {
                Outcome::Recalled => self.by_rel.remove(rel),
                Outcome::Read(seen) => seen.zip(page).and_then(|(seen, page)| seen.entry(page)),
            };
            if let Some(entry) = entry {
                kept.insert(rel.to_string(), entry);
            }
        }
        self.by_rel = kept;
        let Some(file) = encode(self.stamp, &self.by_rel) else {
            return;
        };
        if let Err(e) = write_atomically(&self.path, &file) {
            self.warning = Some(format!(
                "the record of sources cannot be kept in {} ({e}); the next build reads every \
                 page again",
                self.path.display()
            ));
        }
    }

    /// The one warning to report, if the record could not be used or kept.
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }
}

fn encode(stamp: Stamp, by_rel: &HashMap<String, Entry>) -> Option<Vec<u8>> {
    let mut file = Vec::with_capacity(by_rel.len() * 256);
    file.extend_from_slice(MAGIC);
    file.extend_from_slice(&stamp.0.to_le_bytes());
    let file = postcard::to_extend(by_rel, file).ok()?;
    Some(seal(file))
}

/// The stamp and entries of a whole file, or `None` when it is not one.
fn decode(file: &[u8]) -> Option<(Stamp, HashMap<String, Entry>)> {
    let rest = unseal(file, MAGIC)?;
    let (stamp, rest) = rest.split_at_checked(8)?;
    let stamp = Stamp(u64::from_le_bytes(stamp.try_into().ok()?));
    let (by_rel, rest) = postcard::take_from_bytes(rest).ok()?;
    rest.is_empty().then_some((stamp, by_rel))
}

/// A page's front matter in a form postcard keeps: `extra`, whose values postcard cannot
/// describe, as JSON text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StoredFront {
    title: Option<String>,
    description: Option<String>,
    date: Option<StoredDate>,
    updated: Option<StoredDate>,
    expires: Option<StoredDate>,
    draft: bool,
    slug: Option<String>,
    path: Option<String>,
    aliases: Vec<String>,
    tags: Vec<String>,
    categories: Vec<String>,
    series: Vec<String>,
    authors: Vec<String>,
    template: Option<String>,
    image: Option<String>,
    weight: Option<i64>,
    /// Empty for no extra values.
    extra: String,
}

/// A [`PostDate`], field by field.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct StoredDate {
    second: i64,
    nanosecond: i32,
    date_only: bool,
    fraction_digits: u8,
    offset_seconds: i32,
}

impl StoredFront {
    fn of(front: &PageFront) -> StoredFront {
        // Every field is named, so a field added to the front matter fails to compile here
        // until it is recorded too.
        let PageFront {
            title,
            description,
            date,
            updated,
            expires,
            draft,
            slug,
            path,
            aliases,
            tags,
            categories,
            series,
            authors,
            template,
            image,
            weight,
            extra,
        } = front.clone();
        let date_of = |d: Option<DateField>| d.map(|DateField(d)| StoredDate::of(d));
        StoredFront {
            title,
            description,
            date: date_of(date),
            updated: date_of(updated),
            expires: date_of(expires),
            draft,
            slug,
            path,
            aliases,
            tags,
            categories,
            series,
            authors,
            template,
            image,
            weight,
            extra: if extra.is_empty() {
                String::new()
            } else {
                serde_json::Value::Object(extra).to_string()
            },
        }
    }

    /// The front matter again; `None` when a value does not read back.
    fn to_front(&self) -> Option<PageFront> {
        let date_of = |d: Option<StoredDate>| match d {
            Some(d) => d.to_date().map(|d| Some(DateField(d))),
            None => Some(None),
        };
        let extra = if self.extra.is_empty() {
            serde_json::Map::new()
        } else {
            serde_json::from_str(&self.extra).ok()?
        };
        let s = self.clone();
        Some(PageFront {
            title: s.title,
            description: s.description,
            date: date_of(s.date)?,
            updated: date_of(s.updated)?,
            expires: date_of(s.expires)?,
            draft: s.draft,
            slug: s.slug,
            path: s.path,
            aliases: s.aliases,
            tags: s.tags,
            categories: s.categories,
            series: s.series,
            authors: s.authors,
            template: s.template,
            image: s.image,
            weight: s.weight,
            extra,
        })
    }
}

impl StoredDate {
    fn of(date: PostDate) -> StoredDate {
        StoredDate {
            second: date.instant.as_second(),
            nanosecond: date.instant.subsec_nanosecond(),
            date_only: date.date_only,
            fraction_digits: date.fraction_digits,
            offset_seconds: date.offset.seconds(),
        }
    }

    fn to_date(self) -> Option<PostDate> {
        Some(PostDate {
            instant: jiff::Timestamp::new(self.second, self.nanosecond).ok()?,
            date_only: self.date_only,
            fraction_digits: self.fraction_digits,
            offset: jiff::tz::Offset::from_seconds(self.offset_seconds).ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Budget, Holding, Loaded, load};

    /// A site folder with `posts` pages and a record whose reading began well after they were
    /// written, as if they had been written long before the build.
    fn site(posts: &[(&str, &str)]) -> (tempfile::TempDir, KnownSources) {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in posts {
            let path = dir.path().join("content").join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        let known = settled(KnownSources::open(&dir.path().join("cache"), Stamp(1)));
        (dir, known)
    }

    fn settled(mut known: KnownSources) -> KnownSources {
        known.began = SystemTime::now() + SETTLING + Duration::from_secs(1);
        known
    }

    /// The record as the next build reads it.
    fn reopen(dir: &Path) -> KnownSources {
        let mut known = settled(KnownSources::open(&dir.join("cache"), Stamp(1)));
        known.read();
        known
    }

    const POST: &str = "---\ntitle: \"A \\\"post\\\"\"\ndate: 2024-03-01T10:20:30.25+02:00\n\
                        updated: 2024-03-02\ntags: [rust, azure]\naliases: /old/\n\
                        extra:\n  mood: calm\n  score: 1.5\n  list: [1, two]\n---\n\
                        Some *text*.\r\n\r\nMore.\n";

    #[test]
    fn a_recalled_page_is_the_page_as_read() {
        let posts = [
            ("blog/a/index.md", POST),
            ("blog/b.md", "---\ntitle: B\n---\nB.\n"),
        ];
        let (dir, mut known) = site(&posts);
        let (read, problems) = load(dir.path(), &Holding::All, Some(&mut known));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(known.by_rel.len(), 2, "both pages are recorded");

        let mut known = reopen(dir.path());
        let (recalled, _) = load(dir.path(), &Holding::All, Some(&mut known));
        for (read, recalled) in read.pages.iter().zip(&recalled.pages) {
            assert!(
                recalled.body.held().is_none(),
                "{} was read again",
                read.rel
            );
            assert_eq!(recalled.body.text(), read.body.text());
            assert_eq!(recalled.text_hash.get(), read.text_hash.get());
            assert!(recalled.text_hash.get().is_some());
            let as_read = Document {
                body: recalled.body.text().unwrap().as_ref().into(),
                ..recalled.clone()
            };
            assert_eq!(&as_read, read);
        }
    }

    #[test]
    fn recalled_pages_count_against_the_budget_of_held_text() {
        let (dir, mut known) = site(&[("blog/a.md", POST), ("blog/b.md", POST)]);
        let (read, _) = load(dir.path(), &Holding::All, Some(&mut known));
        let body = read.pages[0].body.check().len as usize;
        let fits = Holding::UpTo(Budget::new(2 * body));
        let (recalled, _) = load(dir.path(), &fits, Some(&mut reopen(dir.path())));
        assert!(
            recalled.pages.iter().all(|p| p.body.held().is_none()),
            "recalled"
        );
        assert!(fits.holds_all(), "the text fits");
        let over = Holding::UpTo(Budget::new(2 * body - 1));
        load(dir.path(), &over, Some(&mut reopen(dir.path())));
        assert!(!over.holds_all(), "the text does not fit, recalled or read");
    }

    #[test]
    fn a_changed_file_is_read_again_and_a_deleted_one_forgotten() {
        let posts = [
            ("a.md", "---\ntitle: A\n---\nA.\n"),
            ("b.md", "---\ntitle: B\n---\nB.\n"),
        ];
        let (dir, mut known) = site(&posts);
        load(dir.path(), &Holding::All, Some(&mut known));
        // The same length, so only the file's times tell the change.
        fs::write(dir.path().join("content/a.md"), "---\ntitle: C\n---\nC.\n").unwrap();
        fs::remove_file(dir.path().join("content/b.md")).unwrap();

        let mut known = reopen(dir.path());
        let (sources, _) = load(dir.path(), &Holding::All, Some(&mut known));
        let known = reopen(dir.path());
        assert_eq!(sources.pages.len(), 1);
        assert_eq!(sources.pages[0].front.title.as_deref(), Some("C"));
        assert_eq!(&*sources.pages[0].body.text().unwrap(), "C.\n");
        assert!(sources.pages[0].body.held().is_some(), "read, not recalled");
        let recorded: Vec<&String> = known.by_rel.keys().collect();
        assert_eq!(recorded, ["a.md"]);
    }

    #[test]
    fn a_file_changed_just_before_the_build_is_read_but_not_recorded() {
        let (dir, mut known) = site(&[("a.md", "---\ntitle: A\n---\nA.\n")]);
        load(dir.path(), &Holding::All, Some(&mut known));
        let record = fs::read(dir.path().join("cache").join(FILE)).unwrap();
        fs::write(dir.path().join("content/a.md"), "---\ntitle: B\n---\nB.\n").unwrap();

        let mut known = KnownSources::open(&dir.path().join("cache"), Stamp(1));
        let (sources, _) = load(dir.path(), &Holding::All, Some(&mut known));
        assert_eq!(sources.pages[0].front.title.as_deref(), Some("B"));
        assert!(sources.pages[0].body.held().is_some(), "read, not recalled");
        let after = fs::read(dir.path().join("cache").join(FILE)).unwrap();
        assert_eq!(after, record, "nothing gained, nothing written");
        // The entry left behind no longer matches the file.
        assert!(
            reopen(dir.path())
                .recall("a.md", &dir.path().join("content/a.md"))
                .is_none()
        );
    }

    #[test]
    fn a_page_with_a_warning_is_read_again_and_warns_again() {
        let (dir, mut known) = site(&[("a.md", "---\ntitle: A\ncolour: red\n---\nA.\n")]);
        let (_, first) = load(dir.path(), &Holding::All, Some(&mut known));
        assert_eq!(first.warning_count(), 1);
        let mut known = reopen(dir.path());
        let (_, second) = load(dir.path(), &Holding::All, Some(&mut known));
        assert_eq!(
            second.warning_count(),
            1,
            "the warning is reported on every build"
        );
        assert!(known.by_rel.is_empty());
    }

    #[test]
    fn a_damaged_record_warns_and_another_builds_is_ignored_quietly() {
        let (dir, mut known) = site(&[("a.md", "---\ntitle: A\n---\nA.\n")]);
        load(dir.path(), &Holding::All, Some(&mut known));
        let file = dir.path().join("cache").join(FILE);
        let whole = fs::read(&file).unwrap();

        let mut other = KnownSources::open(&dir.path().join("cache"), Stamp(2));
        other.read();
        assert!(other.by_rel.is_empty() && other.warning().is_none());

        let mut damaged = whole.clone();
        let middle = damaged.len() / 2;
        damaged[middle] ^= 1;
        for bad in [damaged, whole[..whole.len() - 3].to_vec()] {
            fs::write(&file, bad).unwrap();
            let mut known = reopen(dir.path());
            assert!(known.by_rel.is_empty());
            assert!(known.warning().is_some_and(|w| w.contains("damaged")));
            let (sources, _) = load(dir.path(), &Holding::All, Some(&mut known));
            assert!(sources.pages[0].body.held().is_some(), "read, not recalled");
            assert_eq!(reopen(dir.path()).by_rel.len(), 1, "written again");
        }
    }

    #[test]
    fn a_recalled_text_changed_behind_the_record_is_an_error_when_read() {
        let (dir, mut known) = site(&[("a.md", "---\ntitle: A\n---\nA.\n")]);
        load(dir.path(), &Holding::All, Some(&mut known));
        let known = reopen(dir.path());
        let path = dir.path().join("content/a.md");
        let doc = known.recall("a.md", &path).expect("recalled");
        fs::write(&path, "---\ntitle: A\n---\nB.\n").unwrap();
        assert!(doc.body.text().is_err());
        assert!(known.recall("a.md", &path).is_none());
    }

    #[test]
    fn front_matter_comes_back_from_the_record_whole() {
        let (loaded, problems) = crate::load::parse_source("a.md", POST.as_bytes());
        assert!(problems.is_empty(), "{problems:?}");
        let Some(Loaded::Page(doc)) = loaded else {
            panic!("a page");
        };
        let mut front = Arc::unwrap_or_clone(doc.front);
        front.expires = front.date;
        (front.draft, front.weight) = (true, Some(-3));
        front.slug = Some("s".into());
        front.path = Some("/p/".into());
        front.template = Some("t.html".into());
        front.image = Some("i.png".into());
        front.description = Some("d".into());
        (front.categories, front.series, front.authors) =
            (vec!["c".into()], vec!["s".into()], vec!["a".into()]);
        assert!(front.date.is_some() && front.updated.is_some() && !front.extra.is_empty());
        let stored = StoredFront::of(&front);
        let bytes = postcard::to_stdvec(&stored).unwrap();
        let back: StoredFront = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_front(), Some(front));
    }
}
