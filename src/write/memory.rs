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

/// Reads bytes kept elsewhere (an image variant in the image cache), checking them.
pub type ReadBytes = Arc<dyn Fn() -> io::Result<Bytes> + Send + Sync>;

/// A file's bytes known by their length and read only when a sink needs them: a warm build's
/// image variants stay in the cache when the reused output folder already holds them. Once
/// read, they are kept.
#[derive(Clone)]
pub struct LazyBytes {
    len: u64,
    held: Arc<std::sync::OnceLock<Bytes>>,
    read: Option<ReadBytes>,
}

impl LazyBytes {
    /// Bytes already in memory.
    pub fn held(bytes: Bytes) -> LazyBytes {
        LazyBytes {
            len: bytes.len() as u64,
            held: Arc::new(std::sync::OnceLock::from(bytes)),
            read: None,
        }
    }

    /// `len` bytes that `read` fetches when first asked for.
    pub fn stored(len: u64, read: ReadBytes) -> LazyBytes {
        LazyBytes {
            len,
            held: Arc::new(std::sync::OnceLock::new()),
            read: Some(read),
        }
    }

    /// Their length, known without reading them.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True for no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes, read now if they were not yet.
    pub fn get(&self) -> io::Result<Bytes> {
        if let Some(bytes) = self.held.get() {
            return Ok(bytes.clone());
        }
        let read = self
            .read
            .as_ref()
            .ok_or_else(|| io::Error::other("bytes neither held nor stored"))?;
        let bytes = read()?;
        if bytes.len() as u64 != self.len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "stored bytes of another length than recorded",
            ));
        }
        Ok(self.held.get_or_init(|| bytes).clone())
    }
}

impl std::fmt::Debug for LazyBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.held.get().is_some() {
            "held"
        } else {
            "stored"
        };
        write!(f, "LazyBytes({} bytes, {state})", self.len)
    }
}

impl PartialEq for LazyBytes {
    /// Equal bytes, read if need be (for tests; a failed read is unequal).
    fn eq(&self, other: &LazyBytes) -> bool {
        self.len == other.len
            && match (self.get(), other.get()) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            }
    }
}

impl Eq for LazyBytes {}
