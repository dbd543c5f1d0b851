//! The markdown cache of a `serve` session: a page's HTML is reused while its text, URL and
//! options are the same and every link in it still resolves to the same place.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostic::Diagnostics;
use crate::render::Renderer;
use crate::render::links::Resolved;
use crate::render::markdown::Rendered;

/// The rendered markdown of one page, with what it was made from.
pub(super) struct CachedMarkdown {
    key: u64,
    /// The text rendered; unchanged documents share it with the current sources.
    body: Arc<str>,
    /// The HTML, table of contents and link resolutions.
    pub(super) rendered: Arc<Rendered>,
    /// What rendering it reported.
    pub(super) problems: Diagnostics,
    /// Unique to this render, so pages and outputs made from it can stand it in fingerprints.
    pub(super) id: u64,
}

/// What a page's markdown HTML is made from, besides its text (compared separately, see
/// [`same_text`]) and where its links lead.
fn markdown_key(page: &crate::model::Page, config: &Config) -> u64 {
    let markdown = &config.markdown;
    let mut h = DefaultHasher::new();
    (
        page.source.body_line,
        &page.url,
        page.rel(),
        markdown.smart_punctuation,
        markdown.highlight_code,
        markdown.broken_links == crate::config::Level::Error,
    )
        .hash(&mut h);
    h.finish()
}

/// True when two texts are the same; a document that was not re-read shares its text, so the
/// pointer comparison answers almost every time without reading the text.
fn same_text(a: &Arc<str>, b: &Arc<str>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

/// The markdown of every page, from the cache where still valid, else rendered now.
pub(super) fn render_markdown(
    renderer: &Renderer,
    cache: &mut HashMap<String, Arc<CachedMarkdown>>,
    next_id: &AtomicU64,
    changed_files: &HashSet<PathBuf>,
    links_unchanged: bool,
) -> Vec<Arc<CachedMarkdown>> {
    let site = renderer.site;
    let out: Vec<Arc<CachedMarkdown>> = site
        .pages
        .par_iter()
        .enumerate()
        .map(|(id, page)| {
            let key = markdown_key(page, &site.config);
            let still_valid = |entry: &CachedMarkdown| {
                entry.key == key
                    && same_text(&entry.body, &page.source.body)
                    && entry.rendered.resolutions.iter().all(|(dest, before)| {
                        let file_changed = matches!(
                            before,
                            Ok(Resolved::Internal { file: Some(f), .. }) if changed_files.contains(f)
                        );
                        !file_changed
                            && (links_unchanged
                                || renderer.resolve_link(dest, page.rel(), &page.url) == *before)
                    })
            };
            match cache.get(page.rel()) {
                Some(entry) if still_valid(entry) => entry.clone(),
                _ => {
                    let (rendered, problems) = renderer.render_markdown(id);
                    Arc::new(CachedMarkdown {
                        key,
                        body: page.source.body.clone(),
                        rendered: Arc::new(rendered),
                        problems,
                        id: next_id.fetch_add(1, Ordering::Relaxed),
                    })
                }
            }
        })
        .collect();
    *cache = site
        .pages
        .iter()
        .zip(&out)
        .map(|(page, entry)| (page.rel().to_string(), entry.clone()))
        .collect();
    out
}
