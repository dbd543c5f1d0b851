//! Noticing edits: `content/`, `templates/`, `static/` and `site.toml`, through notify's
//! debouncer, so an editor's write-rename-chmod burst arrives as one batch of paths.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use crate::config::CONFIG_FILE;
use crate::load::walk::{Tree, is_ignored_path};

/// How long the files must be quiet before a burst of edits is rebuilt as one. Editors finish a
/// save (write a temporary file, rename it over the old one, set its mode) within a few
/// milliseconds; waiting longer only delays every save. A burst split by a longer pause is
/// rebuilt twice, which shows the same pages in the end.
pub const QUIET: Duration = Duration::from_millis(10);

/// How long after an event the debouncer hands it over, merged with the events of its path
/// that came meanwhile (a create, writes and a close; the two halves of a rename). Bursts are
/// merged by [`QUIET`], not by this: a longer wait here only delays every save.
const HEARD: Duration = Duration::from_millis(5);

/// How often the debouncer hands over the events [`HEARD`] old: a batch arrives between `HEARD`
/// and `HEARD + TICK` after its last event.
const TICK: Duration = Duration::from_millis(2);

/// The folders of a site that are watched.
pub const WATCHED_DIRS: [&str; 3] = ["content", "templates", "static"];

/// A running watcher; dropping it stops watching.
pub struct Watcher {
    _debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
    batches: Receiver<DebounceEventResult>,
    root: PathBuf,
}

impl Watcher {
    /// Starts watching the site at `root`.
    pub fn start(root: &Path) -> notify::Result<Watcher> {
        let root = root.canonicalize()?;
        let (sender, batches) = channel();
        let mut debouncer = new_debouncer(HEARD, Some(TICK), sender)
            .map_err(|e| notify::Error::generic(&e.to_string()))?;
        // The root itself, not recursively: catches site.toml being replaced by a save-by-rename
        // (a watch on the file would follow the old inode) and the watched folders appearing.
        debouncer.watch(&root, RecursiveMode::NonRecursive)?;
        for dir in WATCHED_DIRS {
            let path = root.join(dir);
            if path.is_dir() {
                debouncer.watch(&path, RecursiveMode::Recursive)?;
            }
        }
        Ok(Watcher {
            _debouncer: debouncer,
            batches,
            root,
        })
    }

    /// Waits up to `timeout` for edits; returns the site-relative paths that changed (merging
    /// every batch already waiting), or `None` if nothing relevant changed in that time.
    pub fn next(&mut self, timeout: Duration) -> Result<Option<Vec<PathBuf>>, Disconnected> {
        let first = match self.batches.recv_timeout(timeout) {
            Ok(batch) => batch,
            Err(RecvTimeoutError::Timeout) => return Ok(None),
            Err(RecvTimeoutError::Disconnected) => return Err(Disconnected),
        };
        let mut paths = Vec::new();
        self.collect(first, &mut paths);
        // The debouncer hands each event over HEARD after it happened, however many follow it;
        // a burst is only over once QUIET passes with no new edit. Edits less than QUIET apart
        // arrive less than QUIET + TICK apart, so that is how long to wait for the next batch.
        // Batches of mere reads do not extend it: the debouncer's own scans of a folder open
        // it, which would otherwise keep the window open for ever.
        let window = QUIET + TICK;
        let mut quiet_until = Instant::now() + window;
        loop {
            let left = quiet_until.saturating_duration_since(Instant::now());
            match self.batches.recv_timeout(left) {
                Ok(batch) => {
                    let before = paths.len();
                    self.collect(batch, &mut paths);
                    if paths.len() > before {
                        quiet_until = Instant::now() + window;
                    }
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return Err(Disconnected),
            }
        }
        paths.sort();
        paths.dedup();
        Ok((!paths.is_empty()).then_some(paths))
    }

    fn collect(&mut self, batch: DebounceEventResult, paths: &mut Vec<PathBuf>) {
        let Ok(events) = batch else {
            // An error from the OS watcher (such as an overflowed queue) means edits may have
            // been missed: report the site root, which makes the session reload everything.
            paths.push(PathBuf::new());
            return;
        };
        for event in events {
            if event.kind.is_access() {
                continue;
            }
            for path in &event.paths {
                if let Some(rel) = relevant(&self.root, path) {
                    paths.push(rel);
                }
            }
        }
        // A watched folder that appeared after start must be watched too.
        for dir in WATCHED_DIRS {
            let path = self.root.join(dir);
            if paths.iter().any(|p| p == Path::new(dir)) && path.is_dir() {
                let _ = self._debouncer.watch(&path, RecursiveMode::Recursive);
            }
        }
    }
}

/// The watcher's thread stopped.
#[derive(Debug, thiserror::Error)]
#[error("the file watcher stopped")]
pub struct Disconnected;

/// `path` relative to the site root, if an edit there can change the site.
fn relevant(root: &Path, path: &Path) -> Option<PathBuf> {
    let rel = path.strip_prefix(root).ok()?;
    let mut components = rel.components();
    let first = components.next()?.as_os_str().to_str()?;
    if !(WATCHED_DIRS.contains(&first) || first == CONFIG_FILE) {
        return None;
    }
    let tree = if first == "static" {
        Tree::Static
    } else {
        Tree::Content
    };
    let inside = rel.strip_prefix(first).unwrap_or(rel);
    if is_ignored_path(tree, inside) {
        return None;
    }
    Some(rel.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_site_inputs_are_relevant() {
        let root = Path::new("/site");
        let yes = [
            "/site/site.toml",
            "/site/content/a.md",
            "/site/templates/x.html",
            "/site/static/f",
            "/site/static/.well-known/security.txt",
        ];
        for path in yes {
            assert!(relevant(root, Path::new(path)).is_some(), "{path}");
        }
        let no = [
            "/site/public/index.html",
            "/site/target/x",
            "/site/content/.a.md.swp",
            "/site/content/a.md~",
            "/elsewhere/site.toml",
            "/site/README.md",
            "/site/static/.hidden",
            "/site/content/.well-known/x",
        ];
        for path in no {
            assert!(relevant(root, Path::new(path)).is_none(), "{path}");
        }
    }
}
