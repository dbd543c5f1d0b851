//! What says a source is unchanged without reading it, as make and cargo decide: its path,
//! length and modification time, and on Unix its inode and status-change time, which no tool
//! sets back. It keys the digests kept in the cache, and the pictures an `Images` kept across
//! `serve`'s rebuilds holds: an edited file is made again, one left alone is reused.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A file's stamp: equal stamps, the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Stamp {
    path: PathBuf,
    len: u64,
    modified: Option<SystemTime>,
    status: Option<UnixStatus>,
}

/// The parts of a Unix file's status that change whenever its bytes do.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct UnixStatus {
    inode: u64,
    changed_seconds: i64,
    changed_nanos: i64,
}

/// A file modified this recently may be modified again within the same clock tick, leaving
/// its stamp as it was: its stamp is not trusted until it has settled.
const SETTLING: Duration = Duration::from_secs(2);

impl Stamp {
    /// The stamp of the file at `path` now (an unreadable file gets a stamp of its path alone).
    pub(crate) fn of(path: &Path) -> Stamp {
        let metadata = std::fs::metadata(path).ok();
        Stamp {
            path: path.to_path_buf(),
            len: metadata.as_ref().map_or(0, std::fs::Metadata::len),
            modified: metadata.as_ref().and_then(|m| m.modified().ok()),
            status: metadata.as_ref().and_then(unix_status),
        }
    }

    /// The stamp as one line of text, when it can stand for the file's bytes: the file system
    /// keeps modification times, and the file was last modified [`SETTLING`] before `now`.
    pub(crate) fn settled_text(&self, now: SystemTime) -> Option<String> {
        let modified = self.modified?;
        let age = now.duration_since(modified).ok()?;
        (age >= SETTLING).then(|| {
            format!(
                "{:?} {} {modified:?} {:?}",
                self.path, self.len, self.status
            )
        })
    }
}

#[cfg(unix)]
fn unix_status(metadata: &std::fs::Metadata) -> Option<UnixStatus> {
    use std::os::unix::fs::MetadataExt;
    Some(UnixStatus {
        inode: metadata.ino(),
        changed_seconds: metadata.ctime(),
        changed_nanos: metadata.ctime_nsec(),
    })
}

#[cfg(not(unix))]
fn unix_status(_: &std::fs::Metadata) -> Option<UnixStatus> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewritten_file_gets_another_stamp_and_a_fresh_one_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("photo.jpg");
        std::fs::write(&path, b"first").unwrap();
        let first = Stamp::of(&path);
        assert_eq!(first, Stamp::of(&path));
        let later = SystemTime::now() + SETTLING;
        assert!(first.settled_text(later).is_some());
        assert_eq!(
            first.settled_text(SystemTime::now()),
            None,
            "not settled yet"
        );
        // Past the coarse clock tick file times are kept in.
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&path, b"other").unwrap();
        let rewritten = Stamp::of(&path);
        assert_ne!(
            first, rewritten,
            "same length, rewritten: the status change differs"
        );
        assert_ne!(first.settled_text(later), rewritten.settled_text(later));
        assert_eq!(
            Stamp::of(&dir.path().join("gone")).settled_text(later),
            None
        );
    }
}
