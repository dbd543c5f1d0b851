//! The persistent caches in the site's cache folder (`.pamphlet-cache/`): made images in
//! `images/` ([`Cache`], one file per entry, named by its key), rendered markdown in
//! `markdown/` ([`Packs`], entries in a few pack files, since there is one per page), so
//! unchanged work costs a read instead of being done again. What follows is [`Cache`]'s way;
//! [`pack`] says how packs differ.
//!
//! - **Keys** are made by each user from everything its entry is made from: for an image,
//!   SHA-256 over the source's bytes, every setting that changes the output, and the versions
//!   of every crate that makes it.
//! - **Writes** go to a temporary file in the same folder, renamed over the entry: another
//!   build reading at the same moment sees the old entry or the new one, never half of one,
//!   and two builds writing the same entry both succeed (the last rename wins, with the same
//!   bytes).
//! - **Reads** trust nothing: every blob of an entry carries its length and checksum
//!   ([`entry`]). A damaged entry is counted, made again and rewritten; a picture's variants
//!   are read, and checked, only when a sink needs their bytes ([`Cache::get_lazily`]).
//! - **Last use** is the entry's modification time, set on a hit at most once a day, so
//!   [`prune`](Cache::prune) can drop what no build has used in [`RETENTION`].
//! - **A folder that cannot be written** (read-only, full disk) is no error: the build goes
//!   on without caching, and [`warning`](Cache::warning) says so once.

mod entry;
mod file_state;
mod pack;

pub use file_state::{FileState, StatedFolder};
pub(crate) use pack::Packs;

use std::collections::HashSet;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::sync::lock;
use crate::write::memory::{Bytes, LazyBytes};

/// Entries no build used for this long are pruned: a month keeps every image of a site that
/// is built now and then, and drops those of removed or changed images.
pub(crate) const RETENTION: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// A temporary file this old was left by a build that was killed mid-write.
const ABANDONED: Duration = Duration::from_secs(60 * 60);

const ENTRY: &str = "entry";
const TEMPORARY: &str = "tmp";

/// Writes `bytes` to a temporary file beside `path` (its folder made if missing) and renames it
/// over `path`: a reader sees the old file or the new one, never half of one.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temporary = path.with_extension(format!("{}.tmp", std::process::id()));
    let written = path
        .parent()
        .map_or(Ok(()), fs::create_dir_all)
        .and_then(|()| fs::write(&temporary, bytes))
        .and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// Which build of pamphlet made an entry: its version and its executable's size and time, so
/// that a rebuilt binary (whose renders may differ with the same version) never trusts an
/// entry of another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stamp(pub u64);

impl Stamp {
    /// The stamp of the running binary.
    pub fn of_this_build() -> Stamp {
        let exe = std::env::current_exe().and_then(std::fs::metadata);
        let identity = exe.ok().map(|m| (m.len(), m.modified().ok()));
        Stamp(hash_of(&(env!("CARGO_PKG_VERSION"), identity)))
    }
}

/// `file` with the CRC-32 of its bytes appended: how each whole-file record of the cache folder
/// (word counts, the markdown index, the outputs record, deployed files' hashes) ends, so one
/// cut short, grown or changed reads as damaged.
pub(crate) fn seal(mut file: Vec<u8>) -> Vec<u8> {
    let crc = crc32fast::hash(&file);
    file.extend_from_slice(&crc.to_le_bytes());
    file
}

/// What follows `magic` in a file [`seal`] made; `None` when its CRC or its magic is not right.
pub(crate) fn unseal<'f>(file: &'f [u8], magic: &[u8]) -> Option<&'f [u8]> {
    let (body, crc) = file.split_at_checked(file.len().checked_sub(4)?)?;
    if crc32fast::hash(body).to_le_bytes() != crc {
        return None;
    }
    body.strip_prefix(magic)
}

/// A hash of everything an output or a render is made from.
pub type Fingerprint = u64;

/// The hasher of keys and fingerprints: XXH3, fast on long input (a page's text, a page's
/// template data) where SipHash, the standard library's, cost 8 % of a warm build.
pub type Hasher = xxhash_rust::xxh3::Xxh3Default;

/// A hash of any hashable value, for keys and fingerprints. Not stable across Rust releases
/// (`Hash` impls may change): what is kept on disk is keyed with a [`Stamp`] too, which a new
/// compiler changes.
pub fn hash_of<T: std::hash::Hash + ?Sized>(value: &T) -> u64 {
    use std::hash::BuildHasher;
    xxhash_rust::xxh3::Xxh3DefaultBuilder::new().hash_one(value)
}

/// What [`Cache::prune`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// Entries no build used within the retention period, and leftovers of killed builds.
    pub removed: usize,
    /// Bytes those files took.
    pub removed_bytes: u64,
    /// Entries still in use.
    pub kept: usize,
}

/// The cache folder, or none.
pub(crate) struct Cache {
    dir: Option<PathBuf>,
    /// False after a write failed: the folder is not written again this build.
    writable: AtomicBool,
    warning: Mutex<Option<String>>,
    /// The keys of entries found damaged: one read again in the same build counts once.
    damaged: Mutex<HashSet<String>>,
    temporaries: AtomicUsize,
}

impl Cache {
    /// The cache in `cache_dir`/images, created when the first entry is stored, so a site
    /// without images gets no cache folder; `None` caches nothing.
    pub(crate) fn open(cache_dir: Option<&Path>) -> Cache {
        Cache {
            dir: cache_dir.map(|dir| dir.join("images")),
            writable: AtomicBool::new(true),
            warning: Mutex::new(None),
            damaged: Mutex::new(HashSet::new()),
            temporaries: AtomicUsize::new(0),
        }
    }

    /// The blobs stored under `key`, when a whole entry is there. A hit marks the entry used.
    pub(crate) fn get(&self, key: &str) -> Option<Vec<Vec<u8>>> {
        let path = self.path(key)?;
        let mut opened = File::open(&path).ok()?;
        let mut file = Vec::new();
        io::Read::read_to_end(&mut opened, &mut file).ok()?;
        match entry::decode(&file) {
            Some(blobs) => {
                if let Ok(metadata) = opened.metadata() {
                    mark_used(&path, &metadata);
                }
                Some(blobs)
            }
            None => {
                if !entry::is_other_version(&file) {
                    self.damaged_entry(key);
                }
                None
            }
        }
    }

    /// The entry under `key` with its first blob read and checked and the others left on disk,
    /// when its table is whole and its length right. A hit marks the entry used.
    pub(crate) fn get_lazily(&self, key: &str) -> Option<Stored> {
        let path = self.path(key)?;
        let mut file = File::open(&path).ok()?;
        let table = entry::Table::read(&mut file).ok()?;
        let metadata = file.metadata().ok()?;
        let whole = table.filter(|t| metadata.len() == t.file_len);
        let first = whole.as_ref().and_then(|t| t.blobs.first());
        let Some(first) = first.and_then(|at| at.read(&mut file).ok().flatten()) else {
            let mut start = [0; 16];
            let stale = File::open(&path)
                .and_then(|mut f| io::Read::read_exact(&mut f, &mut start))
                .is_ok_and(|()| entry::is_other_version(&start));
            if !stale {
                self.damaged_entry(key);
            }
            return None;
        };
        mark_used(&path, &metadata);
        let rest = whole.map(|t| t.blobs[1..].to_vec()).unwrap_or_default();
        Some(Stored {
            path: Arc::new(path),
            first,
            rest,
        })
    }

    /// Counts an entry whose blobs were whole but did not say what they should.
    pub(crate) fn damaged_entry(&self, key: &str) {
        lock(&self.damaged).insert(key.to_string());
    }

    /// Stores `blobs` under `key`, or gives up on the folder for this build if it cannot.
    pub(crate) fn put(&self, key: &str, blobs: &[&[u8]]) {
        let Some(path) = self.path(key) else {
            return;
        };
        if !self.writable.load(Ordering::Relaxed) {
            return;
        }
        let count = self.temporaries.fetch_add(1, Ordering::Relaxed);
        let temporary = path.with_extension(format!("{}-{count}.{TEMPORARY}", std::process::id()));
        let folder = self.dir.as_deref().map_or(Ok(()), fs::create_dir_all);
        let written = folder
            .and_then(|()| fs::write(&temporary, entry::encode(blobs)))
            .and_then(|()| fs::rename(&temporary, &path));
        if let Err(e) = written {
            let _ = fs::remove_file(&temporary);
            if let Some(dir) = &self.dir {
                self.cannot_write(dir, &e);
            }
        }
    }

    /// One sentence for the build to print when the cache could not be used.
    pub(crate) fn warning(&self) -> Option<String> {
        lock(&self.warning).clone()
    }

    /// Entries found damaged so far.
    pub(crate) fn damaged(&self) -> usize {
        lock(&self.damaged).len()
    }

    /// Removes entries last used before `now - retention` and temporary files abandoned by
    /// killed builds; other files are left alone.
    pub(crate) fn prune(&self, retention: Duration) -> io::Result<PruneReport> {
        let mut report = PruneReport::default();
        let Some(dir) = self.dir.as_deref().filter(|dir| dir.is_dir()) else {
            return Ok(report);
        };
        prune_folder(dir, retention, &mut report)?;
        Ok(report)
    }

    fn path(&self, key: &str) -> Option<PathBuf> {
        Some(self.dir.as_ref()?.join(format!("{key}.{ENTRY}")))
    }
}

/// Prunes the entries of one folder into `report` (see [`Cache::prune`]).
fn prune_folder(dir: &Path, retention: Duration, report: &mut PruneReport) -> io::Result<()> {
    let now = SystemTime::now();
    for file in fs::read_dir(dir)? {
        let file = file?;
        let path = file.path();
        let is_entry = match path.extension().and_then(|e| e.to_str()) {
            Some(ENTRY) => true,
            Some(TEMPORARY) => false,
            _ => continue,
        };
        let metadata = file.metadata()?;
        let age = now.duration_since(metadata.modified()?).unwrap_or_default();
        if age <= if is_entry { retention } else { ABANDONED } {
            report.kept += usize::from(is_entry);
            continue;
        }
        match fs::remove_file(&path) {
            Ok(()) => {
                report.removed += 1;
                report.removed_bytes += metadata.len();
            }
            // Another build's prune got there first.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl Cache {
    fn cannot_write(&self, dir: &Path, error: &io::Error) {
        self.writable.store(false, Ordering::Relaxed);
        lock(&self.warning).get_or_insert_with(|| {
            format!(
                "the image cache {} cannot be written ({error}); images were made without it, \
                 so the next build makes them again",
                dir.display()
            )
        });
    }
}

/// An entry opened by [`Cache::get_lazily`]: its first blob, and where the others are.
pub(crate) struct Stored {
    path: Arc<PathBuf>,
    pub(crate) first: Vec<u8>,
    rest: Vec<entry::BlobAt>,
}

impl Stored {
    /// The blobs after the first, each read when first asked for.
    pub(crate) fn rest(&self) -> Vec<LazyBytes> {
        let blob = |at: entry::BlobAt| {
            let path = self.path.clone();
            let read = move || read_blob(&path, at);
            LazyBytes::stored(at.len, Arc::new(read))
        };
        self.rest.iter().copied().map(blob).collect()
    }
}

/// The blob `at` of the entry at `path`, checked. A damaged one is removed, so the next build
/// makes it again, and this one fails with a sentence that says so.
fn read_blob(path: &Path, at: entry::BlobAt) -> io::Result<Bytes> {
    let mut file = File::open(path).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "the image cache entry {} could not be read again ({e}): another build pruned \
                 it, or this one found part of it damaged; the next build makes its images again",
                path.display()
            ),
        )
    })?;
    if let Some(bytes) = at.read(&mut file)? {
        return Ok(bytes.into());
    }
    let _ = fs::remove_file(path);
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "the image cache entry {} was damaged since this build opened it; it was removed, \
             so the next build makes its images again",
            path.display()
        ),
    ))
}

/// A use marks an entry at most this often: pruning counts in weeks, and a warm build should
/// not write to every entry it reads.
const MARK_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// Marks the entry at `path`, whose `metadata` was just read, as used now if it was last
/// marked over [`MARK_EVERY`] ago. Failing to (a read-only folder) only lets it be pruned
/// sooner.
fn mark_used(path: &Path, metadata: &fs::Metadata) {
    let marked = metadata.modified();
    let recent = marked.is_ok_and(|at| at.elapsed().is_ok_and(|age| age < MARK_EVERY));
    if !recent {
        let _ = touch(path);
    }
}

/// Marks `path` as used now.
fn touch(path: &Path) -> io::Result<()> {
    File::options()
        .write(true)
        .open(path)?
        .set_modified(SystemTime::now())
}
