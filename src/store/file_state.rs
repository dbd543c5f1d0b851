//! What tells that nothing wrote to a file since it was looked at, shared by the records that
//! trust a file without reading it: the outputs record ([`crate::write`]) and the record of
//! sources ([`crate::load::known`]).

use std::fs::Metadata;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

/// What tells that nothing wrote to a file since it was looked at: a hash of its inode, size,
/// modification and change times, kept small because a site has one per output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileState(pub(crate) u64);

impl FileState {
    /// The state of a regular file; `None` for anything else, and on systems without inodes,
    /// where nothing is trusted.
    pub fn of(metadata: &Metadata) -> Option<FileState> {
        metadata.is_file().then(|| Self::any(metadata)).flatten()
    }

    /// The state of a folder; `None` for anything else, and where nothing is trusted.
    pub fn of_folder(metadata: &Metadata) -> Option<FileState> {
        metadata.is_dir().then(|| Self::any(metadata)).flatten()
    }

    #[cfg(unix)]
    fn any(metadata: &Metadata) -> Option<FileState> {
        use std::os::unix::fs::MetadataExt;
        Some(FileState(super::hash_of(&(
            metadata.ino(),
            metadata.size(),
            (metadata.mtime(), metadata.mtime_nsec()),
            (metadata.ctime(), metadata.ctime_nsec()),
        ))))
    }

    #[cfg(not(unix))]
    fn any(_: &Metadata) -> Option<FileState> {
        None
    }

    /// True when the file or folder with `metadata` last changed (content, entries or state)
    /// before `moment`: a record may trust its state only then, since a change in the same
    /// tick of a coarse clock would leave its times as they were.
    #[cfg(unix)]
    pub fn changed_before(metadata: &Metadata, moment: SystemTime) -> bool {
        use std::os::unix::fs::MetadataExt;
        let Ok(since_epoch) = moment.duration_since(SystemTime::UNIX_EPOCH) else {
            return false;
        };
        let changed = (metadata.ctime(), metadata.ctime_nsec());
        let moment = (
            since_epoch.as_secs() as i64,
            i64::from(since_epoch.subsec_nanos()),
        );
        changed < moment
    }

    /// Nothing is trusted where there are no change times.
    #[cfg(not(unix))]
    pub fn changed_before(_: &Metadata, _: SystemTime) -> bool {
        false
    }
}
