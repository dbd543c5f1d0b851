//! What the preview server serves, shared between the rebuild loop and the HTTP workers.
//!
//! A rebuild produces a whole new [`Snapshot`] and swaps it in at once, so a request always
//! sees one consistent build. Browsers listening for live reload are told what changed.
//!
//! A page fetched just before a swap still links the previous build's stylesheet: fingerprinted
//! files a rebuild replaced stay served for a few more builds ([`KEEP_RETIRED`]), as they stay
//! in a CDN's cache after a deploy. Their names are hashes of their bytes, so an old one is never
//! a wrong one.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use crate::compress::CompressPolicy;
use crate::fingerprint::is_fingerprinted;
use crate::write::memory::Bytes;

/// How many builds a replaced fingerprinted file is still served for.
pub const KEEP_RETIRED: u64 = 8;

/// Every output file of a build by its path relative to the output folder
/// (`blog/x/index.html`), shared by the snapshot serving it and the session that made it.
pub type OutputFiles = Arc<BTreeMap<String, Bytes>>;

/// One build of the site, as served.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Every output file.
    pub files: OutputFiles,
    /// The problems of the latest build attempt, when it failed; the files are then the last
    /// good build's. Shown as an overlay on every page until a build succeeds.
    pub error: Option<String>,
    /// Increases with every published snapshot; part of every ETag.
    pub generation: u64,
    /// Fingerprinted files of recent builds that this one no longer has.
    pub retired: BTreeMap<String, Retired>,
    /// Which files are sent gzip-encoded, as the deploy stores them.
    pub compress: CompressPolicy,
    /// The names of its fingerprinted files, which the next snapshot retires; found once it
    /// is published, while the browser reloads, rather than on the path of the next save
    /// (looking at 14,000 names took 1.5 ms of each).
    fingerprinted: OnceLock<Vec<String>>,
}

impl Snapshot {
    /// A snapshot of `files`, failed with `error` if any; [`PreviewState::publish`] numbers it.
    pub fn new(files: impl Into<OutputFiles>, error: Option<String>) -> Snapshot {
        Snapshot {
            files: files.into(),
            error,
            generation: 0,
            retired: BTreeMap::new(),
            compress: CompressPolicy::default(),
            fingerprinted: OnceLock::new(),
        }
    }

    /// The names of its fingerprinted files, found the first time they are asked for.
    fn fingerprinted(&self) -> &[String] {
        self.fingerprinted.get_or_init(|| {
            (self.files.keys())
                .filter(|path| is_fingerprinted(path))
                .cloned()
                .collect()
        })
    }

    /// With `compress` deciding which files are sent gzip-encoded, instead of the default.
    #[must_use]
    pub fn compressing(mut self, compress: CompressPolicy) -> Snapshot {
        self.compress = compress;
        self
    }

    /// The file at `path`, from this build or, if fingerprinted, a recent one.
    pub fn file(&self, path: &str) -> Option<&Bytes> {
        self.files
            .get(path)
            .or_else(|| self.retired.get(path).map(|r| &r.bytes))
    }

    /// The files of `previous` this snapshot replaced and may still serve.
    fn retire(&mut self, previous: &Snapshot) {
        let generation = self.generation;
        let replaced = (previous.fingerprinted().iter()).filter_map(|path| {
            let retired = Retired {
                bytes: previous.files.get(path)?.clone(),
                since: generation,
            };
            Some((path.clone(), retired))
        });
        let mut retired: BTreeMap<String, Retired> = previous.retired.clone();
        retired.extend(replaced);
        retired.retain(|path, r| {
            !self.files.contains_key(path) && generation - r.since < KEEP_RETIRED
        });
        self.retired = retired;
    }
}

/// A file a rebuild replaced, still served for a while.
#[derive(Debug, Clone)]
pub struct Retired {
    /// Its bytes.
    pub bytes: Bytes,
    /// The generation that no longer had it.
    pub since: u64,
}

/// What a rebuild changed, as live reload tells the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Reload the page.
    Reload,
    /// Only the stylesheet changed: swap it without reloading.
    Stylesheet {
        /// The new stylesheet's URL.
        href: String,
        /// Its Subresource Integrity value.
        integrity: String,
    },
}

impl Change {
    /// The Server-Sent Events `data:` payload (JSON) for this change.
    pub fn to_json(&self) -> String {
        match self {
            Change::Reload => r#"{"kind":"reload"}"#.to_string(),
            Change::Stylesheet { href, integrity } => serde_json::json!({
                "kind": "css",
                "href": href,
                "integrity": integrity,
            })
            .to_string(),
        }
    }
}

/// The current snapshot and the browsers waiting to hear about the next one.
#[derive(Default)]
pub struct PreviewState {
    current: RwLock<Arc<Snapshot>>,
    listeners: Mutex<Vec<Sender<Change>>>,
}

impl PreviewState {
    /// A state serving `snapshot`.
    pub fn new(snapshot: Snapshot) -> Self {
        PreviewState {
            current: RwLock::new(Arc::new(snapshot)),
            listeners: Mutex::new(Vec::new()),
        }
    }

    /// The snapshot to answer a request from.
    pub fn current(&self) -> Arc<Snapshot> {
        crate::sync::read(&self.current).clone()
    }

    /// Serves `snapshot` from now on (its generation and retired files are set here) and tells
    /// every listener.
    pub fn publish(&self, mut snapshot: Snapshot, change: Change) {
        let previous = {
            let mut current = crate::sync::write(&self.current);
            snapshot.generation = current.generation + 1;
            snapshot.retire(&current);
            std::mem::replace(&mut *current, Arc::new(snapshot))
        };
        // Freed (if this was its last holder) off this thread: freeing the map of 14,000 files
        // took about 2 ms of a save, before the browser was told of it.
        crate::aside::drop_aside(previous);
        self.notify(change);
        self.current().fingerprinted();
    }

    /// Tells every listener about `change`, forgetting those that have gone.
    pub fn notify(&self, change: Change) {
        let mut listeners = crate::sync::lock(&self.listeners);
        listeners.retain(|l| l.send(change.clone()).is_ok());
    }

    /// A new listener for changes (one per open live-reload connection).
    pub fn subscribe(&self) -> Receiver<Change> {
        let (sender, receiver) = channel();
        crate::sync::lock(&self.listeners).push(sender);
        receiver
    }

    /// How many live-reload connections are open (those not yet found gone).
    pub fn listener_count(&self) -> usize {
        crate::sync::lock(&self.listeners).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(names: &[&str]) -> BTreeMap<String, Bytes> {
        let bytes = |name: &str| Bytes::from(name.as_bytes());
        names.iter().map(|n| (n.to_string(), bytes(n))).collect()
    }

    /// A page fetched just before a rebuild links the stylesheet that rebuild replaced.
    #[test]
    fn replaced_fingerprinted_files_are_served_for_a_few_builds() {
        let state = PreviewState::new(Snapshot::default());
        let first = [
            "index.html",
            "style.aaaaaaaaaa.css",
            "p.bbbbbbbbbb.800.avif",
        ];
        state.publish(Snapshot::new(files(&first), None), Change::Reload);
        state.publish(
            Snapshot::new(files(&["index.html", "style.cccccccccc.css"]), None),
            Change::Reload,
        );
        let current = state.current();
        assert_eq!(current.generation, 2);
        assert!(current.file("style.aaaaaaaaaa.css").is_some());
        assert!(current.file("p.bbbbbbbbbb.800.avif").is_some());
        assert!(current.file("style.cccccccccc.css").is_some());
        assert!(!current.files.contains_key("style.aaaaaaaaaa.css"));
        for _ in 0..KEEP_RETIRED {
            let kept = state.current().file("style.aaaaaaaaaa.css").is_some();
            assert!(kept, "gone before {KEEP_RETIRED} builds");
            state.publish(
                Snapshot::new(files(&["index.html", "style.cccccccccc.css"]), None),
                Change::Reload,
            );
        }
        assert!(state.current().file("style.aaaaaaaaaa.css").is_none());
    }

    /// Only hashed names may outlive their build: an old page at its own URL would be wrong.
    #[test]
    fn replaced_pages_are_never_served() {
        let state = PreviewState::new(Snapshot::default());
        state.publish(
            Snapshot::new(files(&["a.html", "b.html"]), None),
            Change::Reload,
        );
        state.publish(Snapshot::new(files(&["a.html"]), None), Change::Reload);
        assert!(state.current().file("b.html").is_none());
    }

    /// A file back in a build is its own again, not a retired copy.
    #[test]
    fn a_file_back_in_a_build_is_not_retired() {
        let state = PreviewState::new(Snapshot::default());
        let with = files(&["style.aaaaaaaaaa.css"]);
        state.publish(Snapshot::new(with.clone(), None), Change::Reload);
        state.publish(Snapshot::new(BTreeMap::new(), None), Change::Reload);
        state.publish(Snapshot::new(with, None), Change::Reload);
        assert!(state.current().retired.is_empty());
    }
}
