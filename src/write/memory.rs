//! Keeping a build's files in memory, for `serve` and `check`.

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex};

use super::Sink;

/// A file of an in-memory build.
pub type Bytes = Arc<[u8]>;

/// Every file of a build, by output path.
#[derive(Default)]
pub struct MemorySink {
    files: Mutex<BTreeMap<String, Bytes>>,
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// The files stored, by output path.
    pub fn into_files(self) -> BTreeMap<String, Bytes> {
        crate::sync::into_inner(self.files)
    }
}

impl Sink for MemorySink {
    fn put(&self, file: &str, bytes: Vec<u8>) -> io::Result<()> {
        crate::sync::lock(&self.files).insert(file.to_string(), bytes.into());
        Ok(())
    }

    fn put_shared(&self, file: &str, bytes: &Bytes) -> io::Result<()> {
        crate::sync::lock(&self.files).insert(file.to_string(), bytes.clone());
        Ok(())
    }
}
