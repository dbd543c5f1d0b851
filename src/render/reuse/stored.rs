//! The build cache of rendered markdown, in `.pamphlet-cache/markdown/` (pack files and their
//! index, [`Packs`]): what lets a build after an edit render only the pages whose text, options
//! or links changed, and a build after a template edit re-render every page without parsing
//! any markdown again.
//!
//! An entry is keyed by a hash of everything its render is made from: the page's text, the
//! [`Renderer::markdown_key`] (markdown options and the page's place) and the build of
//! pamphlet itself ([`Stamp`]). Where the page's links lead is the one input that is not in the
//! key: the entry keeps where every link of the site led when it was made (a fingerprint) and
//! each of its own destinations with what it resolved to, and is used while the site's links
//! are unchanged, or else while each of its own still resolves the same way. Inside, the entry
//! repeats the stamp and the text's length and CRC-32, so neither a damaged file nor a hash
//! collision is ever published.
//!
//! Only renders that depend on nothing else are stored: a page that reported a problem (every
//! build must report it again), shows a picture (its HTML holds the image's size, and its files
//! come from the image cache) or links to a content file is rendered on every build.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::{Fingerprint, PageMarkdown, Reuse, hash_of, teaser_of};
use crate::diagnostic::Diagnostics;
use crate::load::TextCheck;
use crate::model::Page;
use crate::model::{IdVec, PageId};
use crate::render::Renderer;
use crate::render::context::summary_text;
use crate::render::links::Resolved;
use crate::render::markdown::{CspFinding, Rendered, Resolution, SourceLink, TocEntry};
use crate::store::{Packs, Stamp};
use crate::write::memory::Bytes;

/// Everything of a render but its HTML, as stored: in postcard's compact binary form, which a
/// warm build decodes for every page (as JSON, decoding was 7 % of a warm 10,000-post build).
#[derive(Serialize, Deserialize)]
struct Meta {
    sidenotes: Vec<std::ops::Range<usize>>,
    toc: Vec<TocEntry>,
    word_count: usize,
    reading_time: usize,
    links: Vec<SourceLink>,
    resolutions: Vec<Resolution>,
    blocked: Vec<CspFinding>,
    /// [`PageMarkdown::fingerprint`], so the HTML need not be read to fingerprint the page.
    shown_hash: Fingerprint,
}

/// What lists of related posts show of a page, apart from the rest: before every page is
/// templated, the summaries of all the posts shown as related are read, and decoding each one's
/// whole [`Meta`] for them took as long as decoding it again to template the page.
#[derive(Serialize, Deserialize)]
struct Teaser {
    summary_before_more: Option<String>,
    first_paragraph: String,
}

/// The blobs of an entry, in order: [`Head`], [`Teaser`], [`Meta`], the HTML.
const HEAD_AND_TEASER: std::ops::Range<usize> = 0..2;
const ALL_BUT_HTML: std::ops::Range<usize> = 0..3;
const HTML: std::ops::Range<usize> = 3..4;

/// The first blob of an entry: what it was made by and from, checked on every read.
#[derive(Debug, PartialEq, Eq)]
struct Head {
    stamp: Stamp,
    text_len: u64,
    text_crc: u32,
    /// Where every link of the site led when the entry was made
    /// ([`Renderer::links_fingerprint`]): while that is unchanged, so are the entry's links.
    links: u64,
}

impl Head {
    const LEN: usize = 28;

    fn of(stamp: Stamp, text: TextCheck, links: u64) -> Head {
        Head {
            stamp,
            text_len: text.len,
            text_crc: text.crc,
            links,
        }
    }

    fn to_bytes(&self) -> [u8; Self::LEN] {
        let mut bytes = [0; Self::LEN];
        bytes[..8].copy_from_slice(&self.stamp.0.to_le_bytes());
        bytes[8..16].copy_from_slice(&self.text_len.to_le_bytes());
        bytes[16..20].copy_from_slice(&self.text_crc.to_le_bytes());
        bytes[20..].copy_from_slice(&self.links.to_le_bytes());
        bytes
    }

    fn from_bytes(bytes: &[u8]) -> Option<Head> {
        let bytes: &[u8; Self::LEN] = bytes.try_into().ok()?;
        Some(Head {
            stamp: Stamp(u64::from_le_bytes(bytes[..8].try_into().ok()?)),
            text_len: u64::from_le_bytes(bytes[8..16].try_into().ok()?),
            text_crc: u32::from_le_bytes(bytes[16..20].try_into().ok()?),
            links: u64::from_le_bytes(bytes[20..].try_into().ok()?),
        })
    }

    /// True when this entry was made by `stamp` from the text `text` checks, whatever the
    /// links were.
    fn made_from(&self, stamp: Stamp, text: TextCheck) -> bool {
        let now = Head::of(stamp, text, self.links);
        *self == now
    }
}

/// The rendered markdown kept on disk between builds.
pub struct StoredMarkdown {
    packs: Packs,
    stamp: Stamp,
    /// Each page's key, hashed once from its text though asked for by the teasers, the page
    /// and the store.
    keys: OnceLock<IdVec<PageId, OnceLock<u64>>>,
    /// Where every link of the site leads in this build.
    links: OnceLock<u64>,
}

impl StoredMarkdown {
    /// The store in `cache_dir`, for renders by the build `stamp`.
    pub fn open(cache_dir: &Path, stamp: Stamp) -> StoredMarkdown {
        StoredMarkdown {
            packs: Packs::open(cache_dir.join("markdown"), stamp),
            stamp,
            keys: OnceLock::new(),
            links: OnceLock::new(),
        }
    }

    /// Page `id`'s markdown as an earlier build rendered it, if that is what a render now would
    /// make. The text is compared by its check, so a text left on disk is not read again.
    pub fn get(&self, renderer: &Renderer, id: PageId) -> Option<PageMarkdown> {
        self.read(renderer, id, WithHtml::Now)
    }

    /// Page `id`'s HTML, which [`Reuse::markdown`] left in the store
    /// ([`PageMarkdown::html_deferred`]); `None` when it can no longer be read.
    pub fn html(&self, renderer: &Renderer, id: PageId) -> Option<String> {
        let key = self.key(renderer, id)?;
        let [html]: [Vec<u8>; 1] = self.packs.get_some(key, HTML)?.try_into().ok()?;
        String::from_utf8(html).ok().or_else(|| {
            self.packs.damaged_entry(key);
            None
        })
    }

    fn read(&self, renderer: &Renderer, id: PageId, with_html: WithHtml) -> Option<PageMarkdown> {
        let page = &renderer.site.pages[id];
        let key = self.key(renderer, id)?;
        let blobs = match with_html {
            WithHtml::Now => self.packs.get(key)?,
            WithHtml::Deferred => self.packs.get_some(key, ALL_BUT_HTML)?,
        };
        let mut blobs = blobs.into_iter();
        let head = self.head(page, blobs.next());
        let teaser = blobs
            .next()
            .and_then(|t| postcard::from_bytes::<Teaser>(&t).ok());
        let meta = blobs
            .next()
            .and_then(|m| postcard::from_bytes::<Meta>(&m).ok());
        let html = blobs.next();
        let html = match (with_html, html) {
            (WithHtml::Now, Some(html)) => String::from_utf8(html).ok(),
            (WithHtml::Deferred, None) => Some(String::new()),
            _ => None,
        };
        let (Some(head), Some(teaser), Some(meta), Some(html), None) =
            (head, teaser, meta, html, blobs.next())
        else {
            self.packs.damaged_entry(key);
            return None;
        };
        let still_leads = head.links == self.links_now(renderer)
            || (meta.resolutions.iter())
                .all(|r| renderer.resolve_link(&r.dest, page.rel(), &page.url) == r.result);
        still_leads.then(|| PageMarkdown {
            rel: page.rel().to_string(),
            key: renderer.markdown_key(id),
            body: page.source.body.clone(),
            shown_hash: OnceLock::from(meta.shown_hash),
            html_deferred: with_html == WithHtml::Deferred,
            problems: Diagnostics::new(),
            rendered: Rendered {
                html,
                sidenotes: meta.sidenotes,
                toc: meta.toc,
                word_count: meta.word_count,
                reading_time: meta.reading_time,
                summary_before_more: teaser.summary_before_more,
                first_paragraph: teaser.first_paragraph,
                links: meta.links,
                resolutions: meta.resolutions,
                blocked: meta.blocked,
                images: Vec::new(),
                shown_images: Vec::new(),
            },
        })
    }

    /// Keeps page `id`'s newly rendered `markdown` for later builds, when it depends on nothing
    /// but what its entry's name and links say (see the module's doc).
    pub fn put(&self, renderer: &Renderer, id: PageId, markdown: &PageMarkdown) {
        let rendered = &markdown.rendered;
        let touches_files = rendered
            .resolutions
            .iter()
            .any(|r| matches!(&r.result, Ok(Resolved::Internal { file: Some(_), .. })));
        if !markdown.problems.is_empty()
            || !rendered.images.is_empty()
            || !rendered.shown_images.is_empty()
            || touches_files
        {
            return;
        }
        let meta = Meta {
            sidenotes: rendered.sidenotes.clone(),
            toc: rendered.toc.clone(),
            word_count: rendered.word_count,
            reading_time: rendered.reading_time,
            links: rendered.links.clone(),
            resolutions: rendered.resolutions.clone(),
            blocked: rendered.blocked.clone(),
            shown_hash: markdown.fingerprint(),
        };
        let teaser = Teaser {
            summary_before_more: rendered.summary_before_more.clone(),
            first_paragraph: rendered.first_paragraph.clone(),
        };
        let (Ok(teaser), Ok(meta)) = (postcard::to_stdvec(&teaser), postcard::to_stdvec(&meta))
        else {
            return;
        };
        let head = Head::of(self.stamp, markdown.body.check(), self.links_now(renderer));
        let Some(key) = self.key(renderer, id) else {
            return;
        };
        let html = rendered.html.as_bytes();
        self.packs
            .put(key, &[&head.to_bytes(), &teaser, &meta, html]);
    }

    /// What lists of related posts show as page `id`'s summary, as an earlier build rendered
    /// it, when that is still what a render now would make and every link of the site leads
    /// where it led (else [`Reuse::markdown`] checks the page's own links).
    pub fn teaser(&self, renderer: &Renderer, id: PageId) -> Option<String> {
        let page = &renderer.site.pages[id];
        let key = self.key(renderer, id)?;
        let mut blobs = self.packs.get_some(key, HEAD_AND_TEASER)?.into_iter();
        let head = self.head(page, blobs.next());
        let teaser = blobs
            .next()
            .and_then(|t| postcard::from_bytes::<Teaser>(&t).ok());
        let (Some(head), Some(teaser)) = (head, teaser) else {
            self.packs.damaged_entry(key);
            return None;
        };
        (head.links == self.links_now(renderer)).then(|| {
            summary_text(page, teaser.summary_before_more.as_deref(), || {
                teaser.first_paragraph
            })
        })
    }

    /// The entry's head, if it was made by this build of pamphlet from `page`'s text.
    fn head(&self, page: &Page, blob: Option<Vec<u8>>) -> Option<Head> {
        let head = Head::from_bytes(&blob?)?;
        head.made_from(self.stamp, page.source.body.check())
            .then_some(head)
    }

    /// The one warning a build using the store may need: it could not be written, or entries
    /// were damaged (and their pages rendered again).
    pub fn warning(&self) -> Option<String> {
        if let Some(warning) = self.packs.warning() {
            return Some(warning);
        }
        match self.packs.damaged() {
            0 => None,
            damaged => Some(format!(
                "{} of the markdown cache {} damaged and not used; their pages were rendered \
                 again, and the entries rewritten",
                crate::plural::count(damaged, "entry", "entries"),
                if damaged == 1 { "was" } else { "were" },
            )),
        }
    }

    /// Ends the build's use of the store: what it rendered is recorded for the next build, and
    /// entries no build used in a month are dropped. Called whether the build succeeded or
    /// not: every entry is valid on its own. Returns the warning finishing gave, if any (the
    /// render reported those before it).
    pub fn finish(&self) -> Option<String> {
        let before = self.packs.warning();
        self.packs.finish();
        self.warning_since(before)
    }

    /// Records what was rendered so far for later builds, as [`Self::finish`] does, and stays
    /// open for more renders: `serve` checkpoints its first render, which may have rendered
    /// every page, and finishes when the session ends, rather than opening the store and
    /// writing its index (1.6 MB at 10,000 posts) for every save. Returns the warning
    /// checkpointing gave, if any.
    pub fn checkpoint(&mut self) -> Option<String> {
        let before = self.packs.warning();
        self.packs.checkpoint();
        self.warning_since(before)
    }

    /// The shelf's warning, unless it is the one it gave `before` (which was reported then).
    fn warning_since(&self, before: Option<String>) -> Option<String> {
        self.packs
            .warning()
            .filter(|after| before.as_ref() != Some(after))
    }

    /// Readies the store for another render of the same site: the pages' keys and where links
    /// lead are worked out again, as that render's model has them, and only what this render
    /// meets is reported.
    pub fn next_render(&mut self) {
        self.keys = OnceLock::new();
        self.links = OnceLock::new();
        // Each render reports the damaged entries it met, as a store opened for it did.
        self.packs.forget_reported();
    }

    /// Takes this render's [`Renderer::links_fingerprint`] from a reuse that holds this store
    /// and found it already, rather than finding it again.
    pub fn share_links_fingerprint(&self, links: u64) {
        let _ = self.links.set(links);
    }

    fn links_now(&self, renderer: &Renderer) -> u64 {
        *self.links.get_or_init(|| renderer.links_fingerprint())
    }

    /// Page `id`'s key; `None` when its text is not known and cannot be read again.
    fn key(&self, renderer: &Renderer, id: PageId) -> Option<u64> {
        let keys = self.keys.get_or_init(|| {
            let mut keys = IdVec::new();
            for _ in renderer.site.pages.iter() {
                keys.push(OnceLock::new());
            }
            keys
        });
        let text_key = renderer.site.pages[id].source.text_key_now().ok()?;
        let make = || hash_of(&(self.stamp, renderer.markdown_key(id), text_key));
        Some(match keys.get(id) {
            Some(key) => *key.get_or_init(make),
            None => make(),
        })
    }
}

/// Whether an entry's HTML is read with the rest of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WithHtml {
    Now,
    /// Left on disk until [`StoredMarkdown::html`] asks for it.
    Deferred,
}

impl Reuse for StoredMarkdown {
    fn begin(&self, renderer: &Renderer) {
        self.links_now(renderer);
    }

    /// A build keeps nothing in memory, and most of its pages' outputs are kept on disk
    /// unrendered, so their HTML is left in the store.
    fn markdown(&self, renderer: &Renderer, id: PageId) -> Option<Arc<PageMarkdown>> {
        self.read(renderer, id, WithHtml::Deferred).map(Arc::new)
    }

    fn html(&self, renderer: &Renderer, id: PageId) -> Option<String> {
        StoredMarkdown::html(self, renderer, id)
    }

    fn teaser(&self, renderer: &Renderer, id: PageId) -> Option<String> {
        StoredMarkdown::teaser(self, renderer, id).or_else(|| {
            let markdown = self.markdown(renderer, id)?;
            Some(teaser_of(&renderer.site.pages[id], &markdown.rendered))
        })
    }

    fn output(&self, _: &str, _: Fingerprint) -> Option<Bytes> {
        None
    }

    fn keeps(&self) -> bool {
        false
    }

    /// A warm build's staging folder keeps the outputs whose data is unchanged.
    fn fingerprints(&self) -> bool {
        true
    }

    fn rendered(&self, renderer: &Renderer, id: PageId, markdown: &PageMarkdown) {
        self.put(renderer, id, markdown);
    }

    fn warning(&self) -> Option<String> {
        StoredMarkdown::warning(self)
    }
}
