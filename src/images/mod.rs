//! Images: every `![alt](photo.jpg)` becomes a responsive `<picture>`, and no photo's EXIF is
//! ever published.
//!
//! For each raster image the render uses, [`Images::picture`] makes variants at the
//! configured widths (never above the source's, the source's own included) in the modern
//! formats (AVIF, WebP) and in the source's own (JPEG, PNG), named by their fingerprints
//! beside the original; [`Images::original`] gives the bytes to publish at the original's own
//! URL, stripped of metadata. The caller writes the HTML and the files.
//!
//! A source goes through, in order:
//! 1. [`sniff`]: what it is, from its bytes (a text file named `.png` is said to be text);
//! 2. [`strip`]: its structure walked, metadata set aside (a truncated file stops here);
//! 3. the declared size checked against `max_pixels`, before anything is decoded;
//! 4. the [`cache`], keyed by the source's bytes, the settings and the code's versions;
//! 5. the [`gate`], which bounds the pixels in flight, then [`decode`] under [`image::Limits`],
//!    turned upright by [`exif`] orientation; [`resize`]; [`encode`], side by side on plain
//!    threads ([`parallel`]); animated GIFs through [`animation`];
//! 6. [`assemble`]: URLs for the caller, files for the output.
//!
//! **Bounds.** Pixels in flight are bounded by [`gate::BUDGET_PIXELS`] (32 million: about
//! 1.3 GB of working memory at the ~40 bytes a source pixel costs through decoding, resizing
//! and encoding), whatever the number of threads asking; an image above it is processed
//! alone. Each image uses at most four threads. No image above `max_pixels` is
//! decoded, no animation above [`animation::MAX_FRAMES`] frames. Made variants are kept in
//! memory until the caller takes them ([`Images::variant_files`]): their encoded bytes, not
//! pixels.

mod animation;
mod assemble;
mod cards;
mod colour;
mod config;
mod decode;
mod encode;
mod exif;
mod frame;
mod gate;
mod keys;
mod memo;
mod naming;
mod original;
mod parallel;
mod picture;
mod problem;
mod process;
mod progress;
mod resize;
mod sniff;
mod stamp;
mod stored;
mod strip;
mod svg;
mod variants;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub use cards::SocialCard;
pub use config::{DEFAULT_SIZES, Format, ImagesConfig};
pub use picture::{Candidate, ImageStats, Kind, Picture, PruneReport, SourceSet, VariantFile};
pub use problem::ImageProblem;

use crate::store::{self as cache, Cache};
use crate::sync::lock;
use crate::write::memory::{Bytes, LazyBytes};
use gate::Gate;
use keys::SourceDigest;
use memo::Memo;
use problem::file_name;
use process::Processed;
use sniff::Container;
use stamp::Stamp;

type PictureResult = Result<Arc<Picture>, ImageProblem>;

/// The image work of one render: made once per image however many pages and threads ask,
/// kept in a disk cache across builds. `Sync`: share one among rayon's threads.
pub struct Images {
    config: ImagesConfig,
    cache: Cache,
    gate: Gate,
    pictures: Memo<(Stamp, String), PictureResult>,
    originals: Memo<Stamp, Result<Bytes, ImageProblem>>,
    files: Mutex<BTreeMap<String, LazyBytes>>,
    /// Drawn cards kept for the next render, by key; `None` in a one-off build, where each
    /// card is asked for once and keeping them would only hold memory.
    cards: Option<Memo<String, Result<Arc<cards::MadeCard>, ImageProblem>>>,
    processed: AtomicUsize,
    from_cache: AtomicUsize,
    cards_drawn: AtomicUsize,
    cards_from_cache: AtomicUsize,
    progress: progress::Progress,
}

impl Images {
    /// Image work under `config`, cached in `cache_dir/images/` (the site's
    /// `.pamphlet-cache/`). Without a cache folder, each image is still made only once per
    /// `Images`. A cache folder that cannot be created or written is no error: see
    /// [`ImageStats::cache_warning`].
    pub fn new(config: &ImagesConfig, cache_dir: Option<&Path>) -> Images {
        Images {
            config: config.clone(),
            cache: Cache::open(cache_dir),
            gate: Gate::new(gate::BUDGET_PIXELS),
            pictures: Memo::new(),
            originals: Memo::new(),
            files: Mutex::new(BTreeMap::new()),
            cards: None,
            processed: AtomicUsize::new(0),
            from_cache: AtomicUsize::new(0),
            cards_drawn: AtomicUsize::new(0),
            cards_from_cache: AtomicUsize::new(0),
            progress: progress::Progress::new(false),
        }
    }

    /// This image work, showing a progress bar on stderr when it is a terminal and making
    /// images (not reading them from the cache) takes more than a second.
    #[must_use]
    pub fn with_progress_bar(mut self) -> Images {
        self.progress = progress::Progress::new(true);
        self
    }

    /// Removes the progress bar, if one is shown: the render is done with images.
    pub fn finish_progress(&self) {
        self.progress.finish();
    }

    /// This image work, keeping every social card it makes in memory, as `serve` wants across
    /// rebuilds: a rebuild then reads no card from disk.
    #[must_use]
    pub fn keeping_cards(mut self) -> Images {
        self.cards = Some(Memo::new());
        self
    }

    /// The responsive set for the image file at `source`, published at root-relative `url`
    /// (`/blog/x/photo.jpg`). Made at most once per `Images` and (`source`, `url`): concurrent
    /// callers for the same file wait for one result. Served from the disk cache when a
    /// whole entry is there. An `Err` names what is wrong with the file; the caller
    /// publishes it as it is (through [`original`](Images::original)) and warns.
    pub fn picture(&self, source: &Path, url: &str) -> Result<Arc<Picture>, ImageProblem> {
        let stamp = Stamp::of(source);
        self.pictures
            .get_or_compute((stamp.clone(), url.to_string()), || {
                self.make_picture(source, &stamp, url)
            })
    }

    /// The settings this image work was made under.
    pub fn config(&self) -> &ImagesConfig {
        &self.config
    }

    /// The bytes to publish at the original's own URL: stripped of EXIF, XMP, IPTC, comments
    /// and text (keeping the ICC profile), and turned upright when EXIF turned it; byte for
    /// byte the file when `keep_metadata`. SVGs are published as they are. An `Err` means
    /// the file cannot be read or walked: the caller copies it as is and warns.
    pub fn original(&self, source: &Path) -> Result<Bytes, ImageProblem> {
        self.originals
            .get_or_compute(Stamp::of(source), || self.make_original(source))
    }

    fn make_original(&self, source: &Path) -> Result<Bytes, ImageProblem> {
        let name = file_name(source);
        let bytes = read(source, &name)?;
        if self.config.keep_metadata {
            return Ok(bytes.into());
        }
        let container = sniff::sniff(&bytes, &name)?;
        let context = original::Context {
            config: &self.config,
            cache: &self.cache,
            gate: &self.gate,
        };
        let published = guarded(&name, || {
            original::publish(&name, &bytes, container, &context)
        })?;
        Ok(published.into())
    }

    /// Every variant file made or taken from the cache during this `Images`' life, to be
    /// written to the output, by URL.
    pub fn variant_files(&self) -> Vec<VariantFile> {
        let files = lock(&self.files);
        let files = files.iter().map(|(url, bytes)| VariantFile {
            url: url.clone(),
            bytes: bytes.clone(),
        });
        files.collect()
    }

    /// The variant files `picture` shows, to be written with the page that shows it.
    pub fn files_of(&self, picture: &Picture) -> Vec<VariantFile> {
        let files = lock(&self.files);
        let sets = picture.sources.iter().chain([&picture.fallback]);
        let candidates = sets.flat_map(|set| &set.candidates);
        candidates
            .filter_map(|c| {
                let bytes = files.get(&c.url)?;
                Some(VariantFile {
                    url: c.url.clone(),
                    bytes: bytes.clone(),
                })
            })
            .collect()
    }

    /// How many raster images were made into pictures and how many of those came from the
    /// cache, and any warning about the cache, for the build's summary.
    pub fn stats(&self) -> ImageStats {
        ImageStats {
            processed: self.processed.load(Ordering::Relaxed),
            from_cache: self.from_cache.load(Ordering::Relaxed),
            cards_drawn: self.cards_drawn.load(Ordering::Relaxed),
            cards_from_cache: self.cards_from_cache.load(Ordering::Relaxed),
            damaged_cache_entries: self.cache.damaged(),
            cache_warning: self.cache.warning(),
        }
    }

    /// Removes cache entries no build used in the last 30 days ([`cache::RETENTION`]), and
    /// temporary files that killed builds left, keeping the cache bounded. Entries this
    /// `Images` used are fresh. Without a cache folder there is nothing to do.
    pub fn prune_cache(&self) -> io::Result<PruneReport> {
        self.cache.prune(cache::RETENTION)
    }

    /// `stamp` is taken before `source` is read, so that a file changed meanwhile is never
    /// remembered by its new stamp with its old bytes' digest.
    fn make_picture(&self, source: &Path, stamp: &Stamp, url: &str) -> PictureResult {
        // Read once: a source the shortcut refuses still needs its digest below.
        let remembered = (self.config.enabled)
            .then(|| self.remembered_digest(stamp))
            .flatten();
        if let Some(processed) = remembered.and_then(|digest| self.unchanged(digest)) {
            self.from_cache.fetch_add(1, Ordering::Relaxed);
            return Ok(self.show(url, &processed));
        }
        let name = file_name(source);
        let bytes = read(source, &name)?;
        let container = sniff::sniff(&bytes, &name)?;
        if container == Container::Svg {
            return svg_picture(&name, &bytes, url);
        }
        let admitted = process::admit(&name, &bytes, container, &self.config)?;
        if !self.config.enabled {
            let kind = if admitted.stripped.frames > 1 && container == Container::Gif {
                Kind::AnimatedGif
            } else {
                kind_of(container)
            };
            let picture =
                assemble::original_only(url, admitted.upright(), kind, admitted.facts.gps);
            return Ok(Arc::new(picture));
        }
        let digest = remembered.unwrap_or_else(|| self.remember_digest(stamp, &bytes));
        let key = keys::picture(digest, &self.config);
        let processed = match self.cached(&key) {
            Some(processed) => {
                self.from_cache.fetch_add(1, Ordering::Relaxed);
                processed
            }
            None => {
                let _work = self.progress.start();
                let made = guarded(&name, || {
                    process::process(&name, &bytes, admitted, &self.config, &self.gate)
                })?;
                if let Some(blobs) = stored::to_blobs(&made) {
                    let blobs: Vec<&[u8]> = blobs.iter().map(Vec::as_slice).collect();
                    self.cache.put(&key, &blobs);
                }
                made
            }
        };
        Ok(self.show(url, &processed))
    }

    /// The picture at `url` of what was made (or taken from the cache), its files kept.
    fn show(&self, url: &str, processed: &Processed) -> Arc<Picture> {
        self.processed.fetch_add(1, Ordering::Relaxed);
        let (picture, files) = assemble::assemble(url, processed);
        let mut known = lock(&self.files);
        for file in files {
            known.insert(file.url, file.bytes);
        }
        Arc::new(picture)
    }

    /// The picture of a source whose settled stamp has a remembered `digest` with a whole cache
    /// entry: made without reading the file. The entry is keyed by the source's bytes, so they
    /// passed [`process::admit`] when it was made; only `max_pixels`, which is not in the key,
    /// is checked again. An animation's frames are not in its manifest, so it takes the long way.
    fn unchanged(&self, digest: SourceDigest) -> Option<Processed> {
        let processed = self.cached(&keys::picture(digest, &self.config))?;
        let meta = &processed.meta;
        let pixels = u64::from(meta.width) * u64::from(meta.height);
        let still = matches!(meta.kind, Kind::Photo | Kind::Png | Kind::Gif);
        (still && pixels <= self.config.max_pixels).then_some(processed)
    }

    /// The digest of `bytes`, read from the source with `stamp`, remembered under the stamp so
    /// a warm build need not read or hash an unchanged source.
    fn remember_digest(&self, stamp: &Stamp, bytes: &[u8]) -> SourceDigest {
        let digest = SourceDigest::of(bytes);
        if let Some(key) = stamp_key(stamp) {
            self.cache.put(&key, &[&digest.0]);
        }
        digest
    }

    /// The digest remembered under `stamp`, once the stamp has settled.
    fn remembered_digest(&self, stamp: &Stamp) -> Option<SourceDigest> {
        let remembered = self.cache.get(&stamp_key(stamp)?)?;
        let [digest] = remembered.as_slice() else {
            return None;
        };
        Some(SourceDigest(<[u8; 32]>::try_from(digest.as_slice()).ok()?))
    }

    /// The picture stored under `key`: its manifest read, its variants left in the cache until
    /// a sink needs their bytes.
    fn cached(&self, key: &str) -> Option<Processed> {
        let stored = self.cache.get_lazily(key)?;
        let Some(processed) = stored::from_parts(&stored.first, stored.rest()) else {
            self.cache.damaged_entry(key);
            return None;
        };
        Some(processed)
    }
}

/// The cache key of the digest of the file with `stamp`, once the stamp has settled: a file
/// changed within the last moments may change again without its stamp showing it.
fn stamp_key(stamp: &Stamp) -> Option<String> {
    stamp
        .settled_text(std::time::SystemTime::now())
        .map(|text| keys::stamp(&text))
}

/// True for the raster images pamphlet publishes stripped of metadata (JPEG, PNG, GIF,
/// WebP), by their name; their bytes decide what they really are.
pub fn is_image_path(path: &Path) -> bool {
    has_extension(path, &["jpg", "jpeg", "png", "gif", "webp"])
}

/// True for the images markdown shows as a [`Picture`]: the raster ones and SVG.
pub fn is_picture_path(path: &Path) -> bool {
    is_image_path(path) || has_extension(path, &["svg"])
}

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

fn kind_of(container: Container) -> Kind {
    match container {
        Container::Jpeg => Kind::Photo,
        Container::Png => Kind::Png,
        Container::Gif => Kind::Gif,
        Container::WebP => Kind::WebP,
        Container::Svg => Kind::Svg,
    }
}

fn svg_picture(name: &str, bytes: &[u8], url: &str) -> PictureResult {
    let text = String::from_utf8_lossy(bytes);
    let size = svg::size(&text).ok_or_else(|| {
        ImageProblem::new(format!(
            "{name} gives no size (no width and height in pixels, and no viewBox)"
        ))
        .with_help("add a viewBox=\"0 0 width height\" to its <svg> element")
    })?;
    Ok(Arc::new(assemble::original_only(
        url,
        size,
        Kind::Svg,
        false,
    )))
}

/// The file at `source`, or a sentence saying why it cannot be read.
fn read(source: &Path, name: &str) -> Result<Vec<u8>, ImageProblem> {
    std::fs::read(source).map_err(|e| ImageProblem::new(format!("{name} could not be read ({e})")))
}

/// `work`, with a panic in a decoder or encoder turned into a problem with the file instead
/// of the end of the build.
fn guarded<T>(
    name: &str,
    work: impl FnOnce() -> Result<T, ImageProblem>,
) -> Result<T, ImageProblem> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|_| {
        Err(
            ImageProblem::new(format!("{name} made an image library fail unexpectedly"))
                .with_help("it is published as it is; please report the file"),
        )
    })
}
