//! What a render may take from an earlier render of the same site instead of making it again:
//! the one seam through which `serve` speeds up its rebuilds (from memory) and `build` its
//! warm builds (from the cache folder, [`StoredMarkdown`]). `check`, and a build with
//! `--no-cache`, reuse nothing ([`NoReuse`]); all go through the same [`super::render_site`].

mod fingerprint;
mod stored;

pub use fingerprint::fingerprint_of;
pub use stored::StoredMarkdown;

use std::sync::Arc;

use super::Renderer;
use super::markdown::Rendered;
use crate::diagnostic::Diagnostics;
use crate::model::PageId;
use crate::write::memory::Bytes;

pub use crate::store::{Fingerprint, hash_of};

/// One page's markdown as rendered, with what it was made from, so a later render can tell
/// whether it still holds.
#[derive(Debug)]
pub struct PageMarkdown {
    /// The page's source, relative to `content/`.
    pub rel: String,
    /// The HTML, table of contents, plain text and link resolutions.
    pub rendered: Rendered,
    /// What rendering it reported.
    pub problems: Diagnostics,
    /// The hash of its options and place ([`Renderer::markdown_key`]).
    pub key: Fingerprint,
    /// The text rendered, held or left on disk as its document's; a document that was not
    /// re-read shares a held text with the next sources.
    pub body: crate::load::Body,
    /// [`Self::fingerprint`], once asked for.
    pub shown_hash: std::sync::OnceLock<Fingerprint>,
    /// True when `rendered.html` is empty because the HTML was left where it was stored, for
    /// [`Reuse::html`] to read if the page's output must be rendered; its fingerprint is known.
    pub html_deferred: bool,
}

impl PageMarkdown {
    /// A hash of the rendered HTML and table of contents, standing for them in the
    /// fingerprints of outputs showing them; made when first asked for. A kept page is hashed
    /// once a session rather than on every save: its table of contents was half of what a
    /// save hashed to fingerprint pages.
    pub fn fingerprint(&self) -> Fingerprint {
        *(self.shown_hash).get_or_init(|| hash_of(&(&self.rendered.html, &self.rendered.toc)))
    }
}

/// Earlier work a render may use; see the module's doc.
pub trait Reuse: Sync {
    /// Told once, before the render asks anything else of it, of the renderer it will be asked
    /// with: work that every page's question shares is done here on every thread, rather than
    /// by whichever page asks first while the others wait for it.
    fn begin(&self, _renderer: &Renderer) {}

    /// Page `id`'s markdown from an earlier render, if it is still what a render now would make.
    /// Its HTML may be deferred ([`PageMarkdown::html_deferred`]), but not by a reuse that
    /// [`Self::keeps`] what a render made.
    fn markdown(&self, renderer: &Renderer, id: PageId) -> Option<Arc<PageMarkdown>>;

    /// The HTML of page `id`, whose [`Self::markdown`] deferred it; `None` when it can no
    /// longer be had, and the page's markdown is rendered again.
    fn html(&self, _renderer: &Renderer, _id: PageId) -> Option<String> {
        None
    }

    /// What lists of related posts show as page `id`'s summary, from an earlier render, if
    /// its markdown is still what a render now would make.
    fn teaser(&self, renderer: &Renderer, id: PageId) -> Option<String> {
        let markdown = self.markdown(renderer, id)?;
        Some(teaser_of(&renderer.site.pages[id], &markdown.rendered))
    }

    /// The bytes of output `file`, if an earlier render made them from data of `fingerprint`.
    fn output(&self, file: &str, fingerprint: Fingerprint) -> Option<Bytes>;

    /// True when the render should keep what it made (every page's markdown and every
    /// templated output's fingerprint) in its report, for the next render to reuse. A one-off
    /// build keeps nothing in memory, so its memory stays flat however large the site.
    fn keeps(&self) -> bool;

    /// True when the render should fingerprint every templated output, for a sink that can
    /// keep an output already holding what its data renders to ([`crate::write::Sink::keep`]).
    fn fingerprints(&self) -> bool {
        self.keeps()
    }

    /// Told of every page whose markdown was rendered anew, for a store to keep it.
    fn rendered(&self, _renderer: &Renderer, _id: PageId, _markdown: &PageMarkdown) {}

    /// One sentence for the render to report as a warning when earlier work could not be used.
    fn warning(&self) -> Option<String> {
        None
    }
}

/// What lists of related posts show as `page`'s summary, given its rendered markdown.
pub fn teaser_of(page: &crate::model::Page, rendered: &Rendered) -> String {
    super::context::summary_text(page, rendered.summary_before_more.as_deref(), || {
        rendered.first_paragraph.clone()
    })
}

/// Reuses nothing and keeps nothing: `build` and `check`.
pub struct NoReuse;

impl Reuse for NoReuse {
    fn markdown(&self, _: &Renderer, _: PageId) -> Option<Arc<PageMarkdown>> {
        None
    }

    fn output(&self, _: &str, _: Fingerprint) -> Option<Bytes> {
        None
    }

    fn keeps(&self) -> bool {
        false
    }
}
