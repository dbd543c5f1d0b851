//! Stage 4, write: where rendered files go.
//!
//! Rendering hands each finished file to a [`Sink`] as soon as it is made, so a build of ten
//! thousand pages never holds them all in memory. `build` writes to a staging folder that is
//! swapped in at the end ([`staging`]); `serve` and `check` keep files in memory ([`memory`]).

pub mod generations;
pub mod lock;
pub mod memory;
pub mod output;
pub mod prune;
pub mod space;
pub mod staging;

use std::io;
use std::path::Path;

use crate::store::Fingerprint;

/// Receives the files of a build. Called from many threads at once.
pub trait Sink: Sync {
    /// Stores `bytes` as the output file at `file` (relative, `/`-separated).
    fn put(&self, file: &str, bytes: Vec<u8>) -> io::Result<()>;

    /// Stores bytes an earlier render made and still holds, as the output file at `file`.
    fn put_shared(&self, file: &str, bytes: &memory::Bytes) -> io::Result<()> {
        self.put(file, bytes.to_vec())
    }

    /// Stores `bytes` as the output file at `file`, whose name carries the bytes' fingerprint
    /// (an image variant's): a file already there under that name with that length holds them,
    /// and they need not be read.
    fn put_fingerprinted(&self, file: &str, bytes: &memory::LazyBytes) -> io::Result<()> {
        self.put_shared(file, &bytes.get()?)
    }

    /// Stores a copy of the file at `source` as the output file at `file`.
    fn copy(&self, file: &str, source: &Path) -> io::Result<()> {
        self.put(file, std::fs::read(source)?)
    }

    /// Stores `bytes`, made from template data (or other inputs) of `fingerprint`, as the
    /// output file at `file`; a sink that remembers fingerprints can then [`keep`](Sink::keep)
    /// it next time.
    fn put_templated(
        &self,
        file: &str,
        bytes: Vec<u8>,
        _fingerprint: Fingerprint,
    ) -> io::Result<()> {
        self.put(file, bytes)
    }

    /// True when the sink already holds, as output file `file`, what template data (or other
    /// inputs) of `fingerprint` make, and keeps it: the caller need not make it.
    fn keep(&self, _file: &str, _fingerprint: Fingerprint) -> io::Result<bool> {
        Ok(false)
    }
}

/// A sink that refuses every file once a stop was asked for, so a stopped build ends soon and
/// publishes nothing.
pub struct Stoppable<'a> {
    /// Where files go until the stop.
    pub inner: &'a dyn Sink,
    /// The stop to watch.
    pub stop: &'a crate::stop::Stop,
}

impl Stoppable<'_> {
    fn refuse_if_stopped(&self) -> io::Result<()> {
        if self.stop.requested() {
            return Err(io::Error::new(
                io::ErrorKind::Interrupted,
                "the build was stopped",
            ));
        }
        Ok(())
    }
}

impl Sink for Stoppable<'_> {
    fn put(&self, file: &str, bytes: Vec<u8>) -> io::Result<()> {
        self.refuse_if_stopped()?;
        self.inner.put(file, bytes)
    }

    fn put_shared(&self, file: &str, bytes: &memory::Bytes) -> io::Result<()> {
        self.refuse_if_stopped()?;
        self.inner.put_shared(file, bytes)
    }

    fn put_fingerprinted(&self, file: &str, bytes: &memory::LazyBytes) -> io::Result<()> {
        self.refuse_if_stopped()?;
        self.inner.put_fingerprinted(file, bytes)
    }

    fn copy(&self, file: &str, source: &Path) -> io::Result<()> {
        self.refuse_if_stopped()?;
        self.inner.copy(file, source)
    }

    fn put_templated(
        &self,
        file: &str,
        bytes: Vec<u8>,
        fingerprint: Fingerprint,
    ) -> io::Result<()> {
        self.refuse_if_stopped()?;
        self.inner.put_templated(file, bytes, fingerprint)
    }

    fn keep(&self, file: &str, fingerprint: Fingerprint) -> io::Result<bool> {
        self.refuse_if_stopped()?;
        self.inner.keep(file, fingerprint)
    }
}
