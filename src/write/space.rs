//! A full disk told in one sentence: which folder's disk is full, how much the build writes
//! there and how much was free, instead of one error for every file that did not fit.

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::Sink;
use super::memory::{Bytes, LazyBytes};
use crate::store::Fingerprint;

/// True for what a full disk or an exhausted quota makes a write fail with (ENOSPC, EDQUOT),
/// and for EIO, which some file systems give instead.
pub fn is_disk_full(e: &io::Error) -> bool {
    // EIO is 5 on every Unix; `io::ErrorKind` has no name for it.
    const EIO: i32 = 5;
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    ) || (cfg!(unix) && e.raw_os_error() == Some(EIO))
}

/// A sink that counts the bytes handed to the one it wraps and notices a full disk.
pub struct Tally<'a> {
    inner: &'a dyn Sink,
    bytes: AtomicU64,
    full: AtomicBool,
}

impl<'a> Tally<'a> {
    /// Counting what goes to `inner`.
    pub fn over(inner: &'a dyn Sink) -> Self {
        Tally {
            inner,
            bytes: AtomicU64::new(0),
            full: AtomicBool::new(false),
        }
    }

    /// Bytes the build handed on, written or not.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// True once a write failed because the disk is full.
    pub fn disk_full(&self) -> bool {
        self.full.load(Ordering::Relaxed)
    }

    fn note(&self, result: io::Result<()>) -> io::Result<()> {
        if let Err(e) = &result
            && is_disk_full(e)
        {
            self.full.store(true, Ordering::Relaxed);
        }
        result
    }
}

impl Sink for Tally<'_> {
    fn put(&self, file: &str, bytes: Vec<u8>) -> io::Result<()> {
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        self.note(self.inner.put(file, bytes))
    }

    fn put_shared(&self, file: &str, bytes: &Bytes) -> io::Result<()> {
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        self.note(self.inner.put_shared(file, bytes))
    }

    fn put_fingerprinted(&self, file: &str, bytes: &LazyBytes) -> io::Result<()> {
        self.bytes.fetch_add(bytes.len(), Ordering::Relaxed);
        self.note(self.inner.put_fingerprinted(file, bytes))
    }

    fn copy(&self, file: &str, source: &Path) -> io::Result<()> {
        let len = std::fs::metadata(source).map_or(0, |m| m.len());
        self.bytes.fetch_add(len, Ordering::Relaxed);
        self.note(self.inner.copy(file, source))
    }

    fn put_templated(
        &self,
        file: &str,
        bytes: Vec<u8>,
        fingerprint: Fingerprint,
    ) -> io::Result<()> {
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        self.note(self.inner.put_templated(file, bytes, fingerprint))
    }

    /// A kept file was counted by the build that wrote it, and takes no new space.
    fn keep(&self, file: &str, fingerprint: Fingerprint) -> io::Result<bool> {
        self.inner.keep(file, fingerprint)
    }
}

/// The sentence for a build that did not fit in `folder`, where it writes `needed` bytes when
/// that is known.
pub fn full_disk_message(folder: &Path, needed: Option<u64>) -> String {
    let free = free_space(folder).map(indicatif::HumanBytes);
    let folder = folder.display();
    match (needed.map(indicatif::HumanBytes), free) {
        (Some(needed), Some(free)) => format!(
            "the disk holding {folder} is full: the build writes about {needed} there and {free} is free"
        ),
        (Some(needed), None) => {
            format!("the disk holding {folder} is full: the build writes about {needed} there")
        }
        (None, Some(free)) => format!("the disk holding {folder} is full: {free} is free"),
        (None, None) => format!("the disk holding {folder} is full"),
    }
}

/// Bytes an unprivileged process may still write on the file system holding `path`.
#[cfg(target_os = "linux")]
fn free_space(path: &Path) -> Option<u64> {
    let stat = rustix::fs::statvfs(path).ok()?;
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

#[cfg(not(target_os = "linux"))]
fn free_space(_: &Path) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_disks_and_quotas_are_told_apart_from_other_errors() {
        assert!(is_disk_full(&io::Error::from(io::ErrorKind::StorageFull)));
        assert!(is_disk_full(&io::Error::from(io::ErrorKind::QuotaExceeded)));
        assert!(!is_disk_full(&io::Error::from(
            io::ErrorKind::PermissionDenied
        )));
        let message = full_disk_message(Path::new("/"), Some(3 * 1024 * 1024));
        assert!(
            message.starts_with(
                "the disk holding / is full: the build writes about 3.00 MiB there and "
            ),
            "{message}"
        );
    }
}
