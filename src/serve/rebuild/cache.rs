//! What a `serve` rebuild reuses from the one before, through the render's [`Reuse`] seam:
//! a page's markdown while its text, options and place are the same and every link in it
//! still resolves to the same place, and an output's bytes while the fingerprint of its
//! template data is the same. Markdown the session has not rendered yet (all of it, at start)
//! comes from the build cache when an earlier build or session kept it there.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::model::{IdVec, PageId};
use crate::render::links::Resolved;
use crate::render::reuse::{Fingerprint, PageMarkdown, Reuse, StoredMarkdown};
use crate::render::{Kept, KeptOutput, Renderer};
use crate::serve::state::OutputFiles;
use crate::store::Stamp;
use crate::write::memory::Bytes;

/// The reusable work of the previous rebuild, kept as that rebuild's render left it: making
/// maps of it by path after every save cost 13 ms of each at 10,000 posts.
#[derive(Default)]
pub(super) struct Cache {
    /// Markdown by page, as the previous rebuild's model numbered them.
    markdown: IdVec<PageId, Arc<PageMarkdown>>,
    /// The same pages by their content-relative source path, made only when a page is not at
    /// its number any more (pages came or went before it).
    by_rel: OnceLock<HashMap<String, PageId>>,
    /// What the previous rebuild kept of each fingerprinted output (the fingerprint of what it
    /// was made from, and its bytes when that rebuild reused them), by file.
    outputs: HashMap<String, KeptOutput>,
    /// The previous rebuild's files, holding those outputs' bytes.
    files: OutputFiles,
    /// Files read anew since the previous rebuild: markdown linking to one (an image, whose
    /// size its HTML holds) is rendered again.
    changed_files: HashSet<PathBuf>,
    /// Where every link could lead at the previous rebuild.
    links: Option<u64>,
    /// Where every link can lead now, found once per rebuild.
    links_now: OnceLock<u64>,
    /// The build cache's rendered markdown, open for the session unless it builds without it.
    stored: Option<SessionStore>,
}

/// The build cache's rendered markdown as a session holds it.
struct SessionStore {
    /// The cache folder it is in, which `site.toml` may move.
    cache_dir: PathBuf,
    markdown: StoredMarkdown,
    /// True once what the first render with it made was recorded.
    checkpointed: bool,
}

impl Cache {
    /// Starts a rebuild in which `changed_files` were read anew, taking what the session has
    /// not rendered from the build cache in `cache_dir`, if any. Returns the warning ending
    /// the use of another cache folder gave, if any.
    pub(super) fn prepare(
        &mut self,
        changed_files: HashSet<PathBuf>,
        cache_dir: Option<PathBuf>,
    ) -> Option<String> {
        self.changed_files = changed_files;
        self.links_now = OnceLock::new();
        if let (Some(held), Some(dir)) = (&mut self.stored, &cache_dir)
            && held.cache_dir == *dir
        {
            held.markdown.next_render();
            return None;
        }
        let ended = self.end_stored();
        self.stored = cache_dir.map(|cache_dir| SessionStore {
            markdown: StoredMarkdown::open(&cache_dir, Stamp::of_this_build()),
            cache_dir,
            checkpointed: false,
        });
        ended
    }

    /// Keeps the work of the rebuild that just ended: `kept` from its report, and its outputs'
    /// bytes in `files`. Kept even when the rebuild failed, as valid work for the next.
    pub(super) fn remember(&mut self, kept: Option<Kept>, files: &OutputFiles) {
        let Some(kept) = kept else {
            return;
        };
        let earlier = (
            std::mem::replace(&mut self.markdown, kept.markdown),
            std::mem::replace(&mut self.outputs, kept.outputs),
            self.by_rel.take(),
        );
        crate::aside::drop_aside(earlier);
        self.files = Arc::clone(files);
        if let Some(links) = self.links_now.get() {
            self.links = Some(*links);
        }
    }

    /// The markdown the previous rebuild kept for the page at `rel`, now page `id`.
    fn kept(&self, rel: &str, id: PageId) -> Option<&Arc<PageMarkdown>> {
        if let Some(at_its_number) = self.markdown.get(id).filter(|m| m.rel == rel) {
            return Some(at_its_number);
        }
        let by_rel = self.by_rel.get_or_init(|| {
            (self.markdown.enumerate())
                .map(|(id, markdown)| (markdown.rel.clone(), id))
                .collect()
        });
        by_rel.get(rel).and_then(|&id| self.markdown.get(id))
    }

    /// Ends the rebuild's use of the build cache; the warning that gave, if any. What the first
    /// rebuild with it rendered (every page, in a session started without a cache) is recorded
    /// at once; what later ones render, when the session ends ([`Cache::end_stored`]).
    pub(super) fn finish_stored(&mut self) -> Option<String> {
        let held = self.stored.as_mut()?;
        if held.checkpointed {
            return None;
        }
        held.checkpointed = true;
        held.markdown.checkpoint()
    }

    /// Records what the session rendered in the build cache for later builds and sessions,
    /// and closes it; the warning that gave, if any.
    pub(super) fn end_stored(&mut self) -> Option<String> {
        self.stored.take()?.markdown.finish()
    }

    /// True when the earlier render of a page is still what rendering it now would make.
    fn still_valid(&self, renderer: &Renderer, id: PageId, entry: &PageMarkdown) -> bool {
        let page = &renderer.site.pages[id];
        let body = page.source.body.held();
        let same_text = (body.zip(entry.body.held())).is_some_and(|(a, b)| same_text(a, b));
        if entry.key != renderer.markdown_key(id) || !same_text {
            return false;
        }
        // When every link target is where it was, no kept render can hold a stale link.
        let links_unchanged =
            self.links == Some(*self.links_now.get_or_init(|| renderer.links_fingerprint()));
        // Most saves change no file a link leads to: then no link needs looking up there.
        let none_changed = self.changed_files.is_empty();
        entry.rendered.resolutions.iter().all(|resolution| {
            let file_changed = !none_changed
                && matches!(
                    &resolution.result,
                    Ok(Resolved::Internal { file: Some(f), .. }) if self.changed_files.contains(f)
                );
            !file_changed
                && (links_unchanged
                    || renderer.resolve_link(&resolution.dest, page.rel(), &page.url)
                        == resolution.result)
        })
    }
}

/// A session ended without [`Cache::end_stored`] (a test's, or one whose serve failed) still
/// records what it rendered.
impl Drop for Cache {
    fn drop(&mut self) {
        let _ = self.end_stored();
    }
}

impl Reuse for Cache {
    fn begin(&self, renderer: &Renderer) {
        let links_now = *self.links_now.get_or_init(|| renderer.links_fingerprint());
        if let Some(held) = &self.stored {
            held.markdown.share_links_fingerprint(links_now);
        }
    }

    fn markdown(&self, renderer: &Renderer, id: PageId) -> Option<Arc<PageMarkdown>> {
        let kept = self.kept(renderer.site.pages[id].rel(), id);
        if let Some(entry) = kept.filter(|entry| self.still_valid(renderer, id, entry)) {
            return Some(Arc::clone(entry));
        }
        // Serve keeps every page's HTML in memory, so it takes it from the store at once.
        let stored = &self.stored.as_ref()?.markdown;
        stored.get(renderer, id).map(Arc::new)
    }

    fn rendered(&self, renderer: &Renderer, id: PageId, markdown: &PageMarkdown) {
        if let Some(held) = &self.stored {
            held.markdown.rendered(renderer, id, markdown);
        }
    }

    fn warning(&self) -> Option<String> {
        self.stored.as_ref()?.markdown.warning()
    }

    fn output(&self, file: &str, fingerprint: Fingerprint) -> Option<Bytes> {
        match self.outputs.get(file) {
            Some(kept) if kept.fingerprint == fingerprint => {
                (kept.bytes.clone()).or_else(|| self.files.get(file).cloned())
            }
            _ => None,
        }
    }

    fn keeps(&self) -> bool {
        true
    }
}

/// True when two texts are the same; a document that was not re-read shares its text, so the
/// pointer comparison answers almost every time without reading the text.
fn same_text(a: &Arc<str>, b: &Arc<str>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}
