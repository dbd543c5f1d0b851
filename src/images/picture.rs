//! What a caller needs to write one responsive `<picture>`: the intrinsic size, and the files
//! at each width in each format, by URL.

use serde::{Deserialize, Serialize};

use crate::write::memory::LazyBytes;

/// The responsive set of one image: `<source>`s in preference order, then the `<img>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// Intrinsic width in pixels, after EXIF orientation (for SVG: its `width` or `viewBox`).
    pub width: u32,
    /// Intrinsic height in pixels, after EXIF orientation.
    pub height: u32,
    /// What the source is, which decides the fallback's format.
    pub kind: Kind,
    /// Modern formats in preference order (AVIF first by default), one `<source>` each; empty
    /// for SVG, and for an animated GIF whose WebP would not be smaller.
    pub sources: Vec<SourceSet>,
    /// The `<img>`: the source's own format at the same widths (an animated GIF: the GIF,
    /// stripped, at its own width; an SVG: the original's URL alone).
    pub fallback: SourceSet,
    /// True when the source carried GPS coordinates: the original is published without them
    /// unless `keep_metadata`, but the writer may want to know where they were.
    pub gps: bool,
}

/// The kind of image a source is, read from its bytes rather than its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Kind {
    /// A JPEG: variants are lossy, the fallback is JPEG.
    Photo,
    /// A PNG: the fallback stays lossless PNG.
    Png,
    /// A GIF of one frame, treated like a PNG.
    Gif,
    /// A GIF of many frames: an animated WebP at its own width when that is smaller.
    AnimatedGif,
    /// A WebP (an animated one is published as it is, stripped).
    WebP,
    /// An SVG: scalable, so no variants.
    Svg,
}

/// One format's files, for a `srcset`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSet {
    /// The `type` attribute: `image/avif`, `image/webp`, `image/jpeg`, `image/png`, ….
    pub mime: &'static str,
    /// Ascending by width.
    pub candidates: Vec<Candidate>,
}

/// One file of a `srcset`: `url 800w`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Root-relative, fingerprinted (`/blog/x/photo.1a2b3c4d5e.800.avif`) so a CDN may cache
    /// it forever; for an SVG the original's own URL.
    pub url: String,
    /// Its width in pixels, the `w` descriptor.
    pub width: u32,
}

/// A variant file to write to the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantFile {
    /// Root-relative URL, as in a [`Candidate`].
    pub url: String,
    /// The file's bytes, shared with the cache of made variants.
    pub bytes: LazyBytes,
}

/// What one `Images` did, for the build's summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageStats {
    /// Raster images made into pictures (SVGs need no work and are not counted).
    pub processed: usize,
    /// How many of `processed` came from the disk cache.
    pub from_cache: usize,
    /// Social cards drawn in this build.
    pub cards_drawn: usize,
    /// Social cards read from the disk cache instead.
    pub cards_from_cache: usize,
    /// Cache entries found damaged (truncated, altered), ignored and made again.
    pub damaged_cache_entries: usize,
    /// One sentence to print as a warning when the cache could not be used; the build went
    /// on without it.
    pub cache_warning: Option<String>,
}

/// What [`prune_cache`](super::Images::prune_cache) did.
pub use crate::store::PruneReport;
