//! Output files of a `serve` rebuild: each is made again only when the fingerprint of what
//! its template sees differs from the one it was last made from.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::CachedFile;
use super::markdown_cache::CachedMarkdown;
use crate::diagnostic::Diagnostic;
use crate::model::{Output, Route};
use crate::render::Renderer;
use crate::render::context::Summary;
use crate::write::memory::Bytes;

/// An output file as made: its path, the fingerprint of its inputs (0 when it has none), bytes.
pub(super) type Made = (String, u64, Bytes);

/// Files on disk as last read.
pub(super) struct Disk<'a> {
    pub(super) root: &'a Path,
    pub(super) files: &'a HashMap<PathBuf, CachedFile>,
}

impl Disk<'_> {
    /// The bytes of a content asset or static file, from the cache when it is unchanged.
    fn read(&self, path: &Path) -> std::io::Result<Bytes> {
        match self.files.get(path) {
            Some(cached) => Ok(cached.bytes.clone()),
            None => Ok(Bytes::from(std::fs::read(path)?)),
        }
    }
}

/// Makes output files for one rebuild, reusing the previous bytes of each whose inputs are
/// unchanged.
pub(super) struct Maker<'a> {
    pub(super) disk: Disk<'a>,
    pub(super) renderer: &'a Renderer<'a>,
    pub(super) rendered: &'a [Arc<CachedMarkdown>],
    pub(super) summaries: &'a [Summary],
    pub(super) section_html: &'a [String],
    pub(super) feed_html: &'a HashMap<usize, String>,
    /// Site-wide values: the theme's generation and the templates' globals.
    pub(super) base: &'a DefaultHasher,
    /// Each page's [`page_fingerprint`], which also stands for its summary in lists and feeds.
    pub(super) page_prints: &'a [u64],
    pub(super) previous: &'a HashMap<String, (u64, Bytes)>,
    pub(super) templates_rendered: AtomicU64,
}

impl Maker<'_> {
    /// Makes one output file; `None` for one that has no bytes.
    pub(super) fn make(&self, output: &Output) -> Result<Option<Made>, Diagnostic> {
        let renderer = self.renderer;
        if let Some(source) = renderer.asset_source(&output.route) {
            let bytes = self.disk.read(&source).map_err(|e| {
                Diagnostic::error(format!("cannot read: {e}"))
                    .in_file(source.strip_prefix(self.disk.root).unwrap_or(&source))
            })?;
            return Ok(Some((output.file.clone(), 0, bytes)));
        }
        let site = renderer.site;
        let mut hasher = self.base.clone();
        match &output.route {
            Route::Page(id) => {
                let fingerprint = self.page_prints[*id];
                return self.reuse_or(output, fingerprint, || {
                    let entry = &self.rendered[*id];
                    renderer.render_page(*id, &entry.rendered, &self.summaries[*id])
                });
            }
            Route::Feed { format, list } => {
                let list = &site.lists[*list];
                (
                    "feed",
                    format.file_name(),
                    &list.url,
                    list.kind == crate::model::ListKind::Home,
                )
                    .hash(&mut hasher);
                if let crate::model::ListKind::Term(t) = list.kind {
                    site.taxonomies[t.taxonomy].terms[t.term]
                        .name
                        .hash(&mut hasher);
                }
                for id in crate::render::feeds::feed_pages(site, list) {
                    self.page_prints[id].hash(&mut hasher);
                }
            }
            Route::Sitemap(part) => {
                ("sitemap", part).hash(&mut hasher);
                for o in &site.outputs {
                    o.url.hash(&mut hasher);
                }
                self.page_prints.hash(&mut hasher);
            }
            _ => {}
        }
        if matches!(output.route, Route::Feed { .. } | Route::Sitemap(_)) {
            let fingerprint = hasher.finish();
            return self.reuse_or(output, fingerprint, || {
                renderer
                    .render_output(output, self.summaries, self.section_html, self.feed_html)
                    .map(Option::unwrap_or_default)
            });
        }
        let Some((template, mut data)) =
            renderer.output_data(output, self.summaries, self.section_html)
        else {
            // robots.txt and redirects: tiny, always made again.
            return Ok(renderer
                .render_output(output, self.summaries, self.section_html, self.feed_html)?
                .map(|bytes| (output.file.clone(), 0, Bytes::from(bytes))));
        };
        // A list's posts are fingerprinted by their pages' fingerprints, not serialized again.
        if let (Route::ListPage { list, pager }, Some(paginator)) =
            (&output.route, &mut data.paginator)
        {
            let pages = std::mem::take(&mut paginator.pages);
            for &id in site.lists[*list].pager_pages(*pager) {
                self.page_prints[id].hash(&mut hasher);
            }
            template.hash(&mut hasher);
            serde_json::to_string(&data)
                .map_err(|e| Diagnostic::error(format!("template data for {}: {e}", output.file)))?
                .hash(&mut hasher);
            if let Some(paginator) = data.paginator.as_mut() {
                paginator.pages = pages;
            }
        } else {
            template.hash(&mut hasher);
            serde_json::to_string(&data)
                .map_err(|e| Diagnostic::error(format!("template data for {}: {e}", output.file)))?
                .hash(&mut hasher);
        }
        let fingerprint = hasher.finish();
        self.reuse_or(output, fingerprint, || {
            renderer.render_data(template, &data)
        })
    }

    /// The previous bytes if `fingerprint` is what they were made from, else newly made ones.
    fn reuse_or(
        &self,
        output: &Output,
        fingerprint: u64,
        make: impl FnOnce() -> Result<Vec<u8>, Diagnostic>,
    ) -> Result<Option<Made>, Diagnostic> {
        if let Some((old, bytes)) = self.previous.get(&output.file)
            && *old == fingerprint
        {
            return Ok(Some((output.file.clone(), fingerprint, bytes.clone())));
        }
        self.templates_rendered.fetch_add(1, Ordering::Relaxed);
        Ok(Some((
            output.file.clone(),
            fingerprint,
            Bytes::from(make()?),
        )))
    }
}

/// A fingerprint of everything a page's template data is made from, besides its rendered
/// markdown (given by `content_id`) and the site-wide values (in `base`): cheaper than
/// building and serializing the data itself, which a rebuild would otherwise do for every page.
///
/// It must cover every input of [`crate::render::context::page`] and the page's head
/// (`context::head` and `context::post_head`); the rebuild tests compare incremental results
/// with full builds to catch a field left out.
pub(super) fn page_fingerprint(
    site: &crate::model::Site,
    id: usize,
    base: &DefaultHasher,
    content_id: u64,
) -> u64 {
    let page = &site.pages[id];
    let front = &page.source.front;
    let mut h = base.clone();
    (
        content_id,
        &page.url,
        &page.title,
        page.date,
        page.updated,
        page.is_post,
    )
        .hash(&mut h);
    (
        &page.template,
        page.rel(),
        &front.description,
        &front.authors,
    )
        .hash(&mut h);
    serde_json::to_string(&front.extra)
        .unwrap_or_default()
        .hash(&mut h);
    for term in page.tags.iter().chain(&page.categories) {
        let t = &site.taxonomies[term.taxonomy].terms[term.term];
        (term.taxonomy, &t.name, &t.url).hash(&mut h);
    }
    for neighbour in [page.previous, page.next] {
        neighbour
            .map(|n| (&site.pages[n].title, &site.pages[n].url))
            .hash(&mut h);
    }
    let section = &site.sections[page.section];
    (&section.title, &section.url).hash(&mut h);
    h.finish()
}
