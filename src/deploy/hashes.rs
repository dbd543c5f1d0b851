//! SHA-256s of output files kept between deploys in the cache folder (`deploy-hashes`), so a
//! redeploy hashes only the files a build rewrote, as `git status` does with its index.
//!
//! A file is known by its device and inode; its hash counts only while its size, modification
//! time and change time are those recorded. The change time cannot be set by a user (`touch`
//! sets only the modification time), and a file changed within [`RACY`] of the scan that
//! hashed it is not recorded, so a rewrite inside one tick of a coarse clock is never mistaken
//! for the recorded file. Both output folders a build alternates between stay known: an entry
//! lasts until no deploy has seen its file for [`RETENTION`](crate::store::RETENTION).
//!
//! Any damage makes the whole file unknown (every file is hashed again), never trusted.

use std::collections::HashMap;
use std::fs::{self, Metadata};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The file's name in the cache folder.
pub(super) const FILE_NAME: &str = "deploy-hashes";

const MAGIC: &[u8; 24] = b"pamphlet-deploy-hashes\0\x01";

/// A file changed this close to the scan may change again with the same recorded times.
const RACY: Duration = Duration::from_secs(2);

/// Bytes a row takes: identity, state, hash and last day.
const ROW: usize = 8 * 2 + 8 + 16 * 2 + 32 + 4;

/// Which file on disk, whatever its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FileIdentity {
    device: u64,
    inode: u64,
}

/// What changes when the file's content may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileState {
    size: u64,
    modified_ns: i128,
    changed_ns: i128,
}

/// One recorded hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Known {
    state: FileState,
    sha256: [u8; 32],
    /// The day (since 1970) a deploy last saw the file.
    day: u32,
}

/// A file just hashed, to record.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hashed {
    identity: FileIdentity,
    state: FileState,
    sha256: [u8; 32],
}

/// The hashes kept by earlier deploys, and where to keep this one's.
#[derive(Debug, Default)]
pub(super) struct KnownHashes {
    /// `None` when nothing is kept (no cache folder).
    path: Option<PathBuf>,
    rows: HashMap<FileIdentity, Known>,
    /// Why the kept file was not used, to report once.
    damaged: bool,
}

impl KnownHashes {
    /// Nothing known and nothing kept.
    pub(super) fn none() -> Self {
        KnownHashes::default()
    }

    /// The hashes kept in `cache_dir`; none when the file is missing or damaged.
    pub(super) fn open(cache_dir: &Path) -> Self {
        let path = cache_dir.join(FILE_NAME);
        let (rows, damaged) = match fs::read(&path) {
            Ok(bytes) => match decode(&bytes) {
                Some(rows) => (rows, false),
                None => (HashMap::new(), true),
            },
            Err(_) => (HashMap::new(), false),
        };
        KnownHashes {
            path: Some(path),
            rows,
            damaged,
        }
    }

    /// The SHA-256 recorded for the file with `metadata`, when it is unchanged since.
    pub(super) fn lookup(&self, metadata: &Metadata) -> Option<[u8; 32]> {
        let (identity, state) = describe(metadata)?;
        let known = self.rows.get(&identity)?;
        (known.state == state).then_some(known.sha256)
    }

    /// What to record for a file whose content, hashed to `sha256`, was read after `metadata`
    /// was taken at `scan_start`; `None` when it changed too recently to be trusted later.
    pub(super) fn hashed(
        metadata: &Metadata,
        sha256: [u8; 32],
        scan_start: SystemTime,
    ) -> Option<Hashed> {
        let (identity, state) = describe(metadata)?;
        let settled = nanos(scan_start.checked_sub(RACY)?)?;
        (state.modified_ns < settled && state.changed_ns < settled).then_some(Hashed {
            identity,
            state,
            sha256,
        })
    }

    /// Records this deploy's files, seen on `today`, and writes the file when anything
    /// changed: a note when it could not be written or the old one was damaged.
    pub(super) fn keep(
        mut self,
        seen: impl IntoIterator<Item = Hashed>,
        found: &[FileKey],
        today: u32,
    ) -> Option<String> {
        let path = self.path.take()?;
        let mut changed = self.damaged;
        for key in found {
            if let Some(known) = self.rows.get_mut(&key.0) {
                changed |= known.day != today;
                known.day = today;
            }
        }
        for hashed in seen {
            let known = Known {
                state: hashed.state,
                sha256: hashed.sha256,
                day: today,
            };
            changed |= self.rows.insert(hashed.identity, known) != Some(known);
        }
        let retention = (crate::store::RETENTION.as_secs() / 86_400) as u32;
        let rows = self.rows.len();
        self.rows.retain(|_, known| known.day + retention >= today);
        changed |= self.rows.len() != rows;
        if !changed {
            return None;
        }
        let damaged = self.damaged.then(|| {
            format!(
                "the kept file hashes in {} were damaged; every file was hashed again",
                path.display()
            )
        });
        crate::store::write_atomically(&path, &encode(&self.rows))
            .err()
            .map(|e| {
                format!(
                    "cannot keep file hashes in {} ({e}); the next deploy hashes every file again",
                    path.display()
                )
            })
            .or(damaged)
    }
}

/// A file the scan found already known, so its last-seen day moves on.
#[derive(Debug, Clone, Copy)]
pub(super) struct FileKey(FileIdentity);

impl FileKey {
    /// The key of the file with `metadata`, where the platform gives one.
    pub(super) fn of(metadata: &Metadata) -> Option<FileKey> {
        describe(metadata).map(|(identity, _)| FileKey(identity))
    }
}

/// Today, as days since 1970.
pub(super) fn today() -> u32 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    (seconds / 86_400) as u32
}

fn nanos(time: SystemTime) -> Option<i128> {
    let since = time.duration_since(UNIX_EPOCH).ok()?;
    Some(since.as_nanos() as i128)
}

#[cfg(unix)]
fn describe(metadata: &Metadata) -> Option<(FileIdentity, FileState)> {
    use std::os::unix::fs::MetadataExt;
    let ns = |seconds: i64, nanos: i64| i128::from(seconds) * 1_000_000_000 + i128::from(nanos);
    Some((
        FileIdentity {
            device: metadata.dev(),
            inode: metadata.ino(),
        },
        FileState {
            size: metadata.size(),
            modified_ns: ns(metadata.mtime(), metadata.mtime_nsec()),
            changed_ns: ns(metadata.ctime(), metadata.ctime_nsec()),
        },
    ))
}

/// Elsewhere no inode is at hand, and every file is hashed.
#[cfg(not(unix))]
fn describe(_: &Metadata) -> Option<(FileIdentity, FileState)> {
    None
}

fn encode(rows: &HashMap<FileIdentity, Known>) -> Vec<u8> {
    let mut file = Vec::with_capacity(MAGIC.len() + 8 + rows.len() * ROW + 4);
    file.extend_from_slice(MAGIC);
    file.extend_from_slice(&(rows.len() as u64).to_le_bytes());
    for (identity, known) in rows {
        file.extend_from_slice(&identity.device.to_le_bytes());
        file.extend_from_slice(&identity.inode.to_le_bytes());
        file.extend_from_slice(&known.state.size.to_le_bytes());
        file.extend_from_slice(&known.state.modified_ns.to_le_bytes());
        file.extend_from_slice(&known.state.changed_ns.to_le_bytes());
        file.extend_from_slice(&known.sha256);
        file.extend_from_slice(&known.day.to_le_bytes());
    }
    crate::store::seal(file)
}

fn decode(file: &[u8]) -> Option<HashMap<FileIdentity, Known>> {
    let rest = crate::store::unseal(file, MAGIC)?;
    let (count, rows) = rest.split_at_checked(8)?;
    let count = usize::try_from(u64::from_le_bytes(count.try_into().ok()?)).ok()?;
    if rows.len() != count.checked_mul(ROW)? {
        return None;
    }
    rows.chunks_exact(ROW).map(decode_row).collect()
}

fn decode_row(row: &[u8]) -> Option<(FileIdentity, Known)> {
    let u64_at = |at: usize| Some(u64::from_le_bytes(row.get(at..at + 8)?.try_into().ok()?));
    let i128_at = |at: usize| Some(i128::from_le_bytes(row.get(at..at + 16)?.try_into().ok()?));
    let identity = FileIdentity {
        device: u64_at(0)?,
        inode: u64_at(8)?,
    };
    let known = Known {
        state: FileState {
            size: u64_at(16)?,
            modified_ns: i128_at(24)?,
            changed_ns: i128_at(40)?,
        },
        sha256: row.get(56..88)?.try_into().ok()?,
        day: u32::from_le_bytes(row.get(88..92)?.try_into().ok()?),
    };
    Some((identity, known))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn a_minute_later() -> SystemTime {
        SystemTime::now() + Duration::from_secs(60)
    }

    /// A file written in `dir`, its metadata, and its record with `sha256` as a scan a minute
    /// from now (when it has settled) would make it.
    #[expect(
        clippy::unwrap_used,
        reason = "test set-up: a failure is the test's failure"
    )]
    fn settled_file(dir: &Path, sha256: [u8; 32]) -> (PathBuf, Metadata, Hashed) {
        let file = dir.join("index.html");
        fs::write(&file, "<p>one</p>").unwrap();
        let metadata = fs::metadata(&file).unwrap();
        let hashed = KnownHashes::hashed(&metadata, sha256, a_minute_later()).unwrap();
        (file, metadata, hashed)
    }

    #[test]
    fn a_kept_hash_counts_while_the_file_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let (file, metadata, hashed) = settled_file(dir.path(), [7; 32]);
        let cache = dir.path().join("cache");
        assert_eq!(KnownHashes::open(&cache).keep([hashed], &[], today()), None);

        let known = KnownHashes::open(&cache);
        assert_eq!(known.lookup(&metadata), Some([7; 32]));
        std::thread::sleep(Duration::from_millis(20));
        fs::write(&file, "<p>two</p>").unwrap();
        assert_eq!(known.lookup(&fs::metadata(&file).unwrap()), None);
    }

    #[test]
    fn a_file_changed_just_before_the_scan_is_not_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("index.html");
        fs::write(&file, "<p>one</p>").unwrap();
        let metadata = fs::metadata(&file).unwrap();
        assert!(KnownHashes::hashed(&metadata, [7; 32], SystemTime::now()).is_none());
    }

    #[test]
    fn any_damage_is_seen_and_nothing_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let (_, metadata, hashed) = settled_file(dir.path(), [1; 32]);
        let mut rows = HashMap::new();
        rows.insert(
            hashed.identity,
            Known {
                state: hashed.state,
                sha256: hashed.sha256,
                day: 3,
            },
        );
        let whole = encode(&rows);
        assert_eq!(decode(&whole), Some(rows));
        for at in 0..whole.len() {
            let mut flipped = whole.clone();
            flipped[at] ^= 0x10;
            assert_eq!(decode(&flipped), None, "byte {at} flipped");
            assert_eq!(decode(&whole[..at]), None, "cut at {at}");
        }
        let cache = dir.path().join("cache");
        fs::create_dir_all(&cache).unwrap();
        fs::write(cache.join(FILE_NAME), &whole[..whole.len() - 1]).unwrap();
        let known = KnownHashes::open(&cache);
        assert_eq!(known.lookup(&metadata), None);
        let note = known.keep([hashed], &[], today()).unwrap();
        assert!(note.contains("damaged"), "{note}");
        assert_eq!(KnownHashes::open(&cache).lookup(&metadata), Some([1; 32]));
    }

    #[test]
    fn unseen_files_are_forgotten_after_the_retention() {
        let dir = tempfile::tempdir().unwrap();
        let (_, metadata, hashed) = settled_file(dir.path(), [1; 32]);
        let cache = dir.path().join("cache");
        KnownHashes::open(&cache).keep([hashed], &[], 100);
        KnownHashes::open(&cache).keep([], &[], 129);
        assert!(KnownHashes::open(&cache).lookup(&metadata).is_some());
        KnownHashes::open(&cache).keep([], &[], 131);
        assert!(KnownHashes::open(&cache).lookup(&metadata).is_none());
    }
}
