//! What tells that nothing wrote to a file since it was looked at, shared by the records that
//! trust a file without reading it: the outputs record ([`crate::write`]) and the record of
//! sources ([`crate::load::known`]).

use std::fs::Metadata;
use std::path::{Path, PathBuf};
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

/// A folder whose files' states are looked up relative to it: on Linux through a descriptor of
/// the folder, so each look-up walks only the file's own path. Walking the folder's own path
/// again for each of a site's 14,000 outputs was most of the time spent keeping them.
pub struct StatedFolder {
    path: PathBuf,
    #[cfg(target_os = "linux")]
    fd: Option<rustix::fd::OwnedFd>,
}

impl StatedFolder {
    /// The folder at `path`; looked up by path alone if it cannot be opened.
    pub fn open(path: &Path) -> StatedFolder {
        #[cfg(target_os = "linux")]
        {
            use rustix::fs::{Mode, OFlags};
            let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
            StatedFolder {
                path: path.to_path_buf(),
                fd: rustix::fs::open(path, flags, Mode::empty()).ok(),
            }
        }
        #[cfg(not(target_os = "linux"))]
        StatedFolder {
            path: path.to_path_buf(),
        }
    }

    /// The state of the regular file at `rel` in the folder, the same as [`FileState::of`] its
    /// metadata; `None` for anything else, a link included.
    pub fn file_state(&self, rel: &str) -> Option<FileState> {
        #[cfg(target_os = "linux")]
        if let Some(fd) = &self.fd {
            use rustix::fs::{AtFlags, FileType, StatxFlags};
            let stat =
                rustix::fs::statx(fd, rel, AtFlags::SYMLINK_NOFOLLOW, StatxFlags::BASIC_STATS)
                    .ok()?;
            let regular = FileType::from_raw_mode(stat.stx_mode.into()) == FileType::RegularFile;
            return regular.then(|| {
                FileState(super::hash_of(&(
                    stat.stx_ino,
                    stat.stx_size,
                    (stat.stx_mtime.tv_sec, i64::from(stat.stx_mtime.tv_nsec)),
                    (stat.stx_ctime.tv_sec, i64::from(stat.stx_ctime.tv_nsec)),
                )))
            });
        }
        FileState::of(&std::fs::symlink_metadata(self.path.join(rel)).ok()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_looked_up_in_a_folder_is_the_state_of_its_metadata() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/file.html"), "<p>hi</p>").unwrap();
        let folder = StatedFolder::open(dir.path());
        let metadata = std::fs::symlink_metadata(dir.path().join("sub/file.html")).unwrap();
        let state = folder.file_state("sub/file.html");
        assert!(state.is_some());
        assert_eq!(state, FileState::of(&metadata));
        assert_eq!(folder.file_state("sub"), None, "a folder is not a file");
        assert_eq!(folder.file_state("missing.html"), None);
        std::fs::write(dir.path().join("sub/file.html"), "<p>ho</p>").unwrap();
        assert_ne!(folder.file_state("sub/file.html"), state);
    }
}
