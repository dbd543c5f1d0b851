//! What a render may take from an earlier render of the same site instead of making it again:
//! the one seam through which `serve` speeds up its rebuilds (from memory) and `build` its
//! warm builds (from the cache folder, [`StoredMarkdown`]). `check`, and a build with
//! `--no-cache`, reuse nothing ([`NoReuse`]); all go through the same [`super::render_site`].

mod stored;

pub use stored::StoredMarkdown;

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io;
use std::sync::Arc;

use serde::Serialize;

use super::Renderer;
use super::markdown::Rendered;
use crate::diagnostic::Diagnostics;
use crate::model::PageId;
use crate::write::memory::Bytes;

pub use crate::store::Fingerprint;

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
    /// The text rendered; a document that was not re-read shares it with the next sources.
    pub body: Arc<str>,
    /// [`Self::fingerprint`], once asked for.
    pub html_hash: std::sync::OnceLock<Fingerprint>,
}

impl PageMarkdown {
    /// A hash of the rendered HTML, standing for it in the fingerprints of outputs showing it;
    /// made when first asked for, since only a render that keeps its work (serve's) asks.
    pub fn fingerprint(&self) -> Fingerprint {
        *self.html_hash.get_or_init(|| hash_of(&self.rendered.html))
    }
}

/// Earlier work a render may use; see the module's doc.
pub trait Reuse: Sync {
    /// Page `id`'s markdown from an earlier render, if it is still what a render now would make.
    fn markdown(&self, renderer: &Renderer, id: PageId) -> Option<Arc<PageMarkdown>>;

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

/// The fingerprint of serializable data, seeded with `base`: the data is streamed into the
/// hasher as JSON, so every field a template can see is covered and nothing is allocated.
pub fn fingerprint_of<T: Serialize + ?Sized>(base: Fingerprint, data: &T) -> Fingerprint {
    let mut hasher = DefaultHasher::new();
    base.hash(&mut hasher);
    let mut writer = HashWriter {
        hasher: &mut hasher,
        pending: Vec::with_capacity(HASH_CHUNK),
    };
    // Serializing plain structs into a writer that cannot fail cannot fail either; a
    // fingerprint that lost part of its input would only cost a render, never a stale file,
    // because the error itself is hashed too.
    let failed = serde_json::to_writer(&mut writer, data).err();
    writer.hash_pending();
    if let Some(e) = failed {
        e.to_string().hash(&mut hasher);
    }
    hasher.finish()
}

pub use crate::store::hash_of;

/// Bytes a [`HashWriter`] gathers before hashing them at once.
const HASH_CHUNK: usize = 4096;

/// Feeds written bytes to a hasher in chunks: JSON arrives a few bytes a write, and SipHash
/// costs about as much per call as per 16 bytes (a quarter of a serve rebuild at 10,000 posts
/// went to hashing page data a punctuation mark at a time). The hash is the same, chunked or
/// not: the hasher is a stream.
struct HashWriter<'h> {
    hasher: &'h mut DefaultHasher,
    pending: Vec<u8>,
}

impl HashWriter<'_> {
    fn hash_pending(&mut self) {
        self.hasher.write(&self.pending);
        self.pending.clear();
    }
}

impl io::Write for HashWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.pending.len() + bytes.len() > HASH_CHUNK {
            self.hash_pending();
        }
        if bytes.len() >= HASH_CHUNK {
            self.hasher.write(bytes);
        } else {
            self.pending.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Data {
        title: &'static str,
        weight: Option<i64>,
    }

    #[test]
    fn chunked_hashing_hashes_every_byte_once_in_order() {
        let long = "é\"x".repeat(3 * HASH_CHUNK);
        for title in ["", "short", long.as_str()] {
            let data = vec![title, "tail", title];
            let mut whole = DefaultHasher::new();
            7u64.hash(&mut whole);
            whole.write(&serde_json::to_vec(&data).unwrap());
            assert_eq!(fingerprint_of(7, &data), whole.finish(), "{}", title.len());
        }
    }

    #[test]
    fn every_field_changes_the_fingerprint() {
        let a = fingerprint_of(
            0,
            &Data {
                title: "a",
                weight: None,
            },
        );
        assert_eq!(
            a,
            fingerprint_of(
                0,
                &Data {
                    title: "a",
                    weight: None
                }
            )
        );
        assert_ne!(
            a,
            fingerprint_of(
                0,
                &Data {
                    title: "b",
                    weight: None
                }
            )
        );
        assert_ne!(
            a,
            fingerprint_of(
                0,
                &Data {
                    title: "a",
                    weight: Some(1)
                }
            )
        );
        assert_ne!(
            a,
            fingerprint_of(
                1,
                &Data {
                    title: "a",
                    weight: None
                }
            )
        );
    }
}
