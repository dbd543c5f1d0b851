//! The copied files of a `serve` session (content assets and `static/`), kept in memory while
//! their size and modification time stay the same, and the sink a rebuild writes into.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::write::Sink;
use crate::write::memory::{Bytes, MemorySink};

/// A file on disk as last read.
struct CachedFile {
    modified: Option<SystemTime>,
    len: u64,
    bytes: Bytes,
}

/// Copied files as last read, by path on disk.
#[derive(Default)]
pub(super) struct Files {
    files: HashMap<PathBuf, CachedFile>,
}

impl Files {
    /// Re-reads the files whose size or time changed, forgets those no longer listed; returns
    /// the paths that were read anew.
    pub(super) fn refresh(&mut self, paths: impl Iterator<Item = PathBuf>) -> HashSet<PathBuf> {
        let mut changed = HashSet::new();
        let mut files = HashMap::with_capacity(self.files.len());
        for path in paths {
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let cached = match self.files.remove(&path) {
                Some(c) if c.modified == meta.modified().ok() && c.len == meta.len() => c,
                _ => match std::fs::read(&path) {
                    Ok(bytes) => {
                        changed.insert(path.clone());
                        CachedFile {
                            modified: meta.modified().ok(),
                            len: meta.len(),
                            bytes: Bytes::from(bytes),
                        }
                    }
                    // The render reads it again, and reports what is wrong.
                    Err(_) => continue,
                },
            };
            files.insert(path, cached);
        }
        self.files = files;
        changed
    }
}

/// Where a rebuild writes: memory, with copies taken from the file cache.
pub(super) struct PreviewSink<'f> {
    files: &'f Files,
    memory: MemorySink,
}

impl<'f> PreviewSink<'f> {
    /// An empty build that copies files from `files`.
    pub(super) fn new(files: &'f Files) -> Self {
        PreviewSink {
            files,
            memory: MemorySink::new(),
        }
    }

    /// Every file of the build, by output path.
    pub(super) fn into_files(self) -> BTreeMap<String, Bytes> {
        self.memory.into_files()
    }
}

impl Sink for PreviewSink<'_> {
    fn put(&self, file: &str, bytes: Vec<u8>) -> io::Result<()> {
        self.memory.put(file, bytes)
    }

    fn put_shared(&self, file: &str, bytes: &Bytes) -> io::Result<()> {
        self.memory.put_shared(file, bytes)
    }

    fn copy(&self, file: &str, source: &Path) -> io::Result<()> {
        match self.files.files.get(source) {
            Some(cached) => self.memory.put_shared(file, &cached.bytes),
            None => self.memory.put(file, std::fs::read(source)?),
        }
    }
}
