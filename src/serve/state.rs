//! What the preview server serves, shared between the rebuild loop and the HTTP workers.
//!
//! A rebuild produces a whole new [`Snapshot`] and swaps it in at once, so a request always
//! sees one consistent build. Browsers listening for live reload are told what changed.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, RwLock};

use crate::write::memory::Bytes;

/// One build of the site, as served.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Every output file by its path relative to the output folder (`blog/x/index.html`).
    pub files: BTreeMap<String, Bytes>,
    /// The problems of the latest build attempt, when it failed; the files are then the last
    /// good build's. Shown as an overlay on every page until a build succeeds.
    pub error: Option<String>,
    /// Increases with every published snapshot; part of every ETag.
    pub generation: u64,
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

    /// Serves `snapshot` from now on (its generation is set here) and tells every listener.
    pub fn publish(&self, mut snapshot: Snapshot, change: Change) {
        {
            let mut current = crate::sync::write(&self.current);
            snapshot.generation = current.generation + 1;
            *current = Arc::new(snapshot);
        }
        self.notify(change);
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
