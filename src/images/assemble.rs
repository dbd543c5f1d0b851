//! A processed image as the caller sees it: a [`Picture`] of URLs, and the files behind them.

use super::encode::Encoding;
use super::naming::named_variant_url;
use super::picture::{Candidate, Kind, Picture, SourceSet, VariantFile};
use super::process::{Processed, fallback_encoding};

/// The picture of `processed`, published at `url`, and its variant files.
pub(crate) fn assemble(url: &str, processed: &Processed) -> (Picture, Vec<VariantFile>) {
    let fallback = fallback_encoding(processed.meta.kind);
    let mut sources: Vec<SourceSet> = Vec::new();
    let mut fallback_set = SourceSet {
        mime: fallback.mime(),
        candidates: Vec::new(),
    };
    let mut files = Vec::with_capacity(processed.variants.len());
    for variant in &processed.variants {
        let encoding = variant.encoding;
        let file_url = named_variant_url(
            url,
            &variant.fingerprint,
            variant.width,
            encoding.extension(),
        );
        files.push(VariantFile {
            url: file_url.clone(),
            bytes: variant.bytes.clone(),
        });
        let candidate = Candidate {
            url: file_url,
            width: variant.width,
        };
        if encoding == fallback {
            fallback_set.candidates.push(candidate);
        } else if let Some(set) = sources.iter_mut().find(|set| set.mime == encoding.mime()) {
            set.candidates.push(candidate);
        } else {
            sources.push(SourceSet {
                mime: encoding.mime(),
                candidates: vec![candidate],
            });
        }
    }
    for set in sources.iter_mut().chain([&mut fallback_set]) {
        set.candidates.sort_by_key(|candidate| candidate.width);
    }
    let meta = &processed.meta;
    let picture = Picture {
        width: meta.width,
        height: meta.height,
        kind: meta.kind,
        sources,
        fallback: fallback_set,
        gps: meta.gps,
    };
    (picture, files)
}

/// A picture of the original alone, at `url`: for SVGs, and when `[images]` is disabled.
pub(crate) fn original_only(
    url: &str,
    (width, height): (u32, u32),
    kind: Kind,
    gps: bool,
) -> Picture {
    let mime = match kind {
        Kind::Svg => "image/svg+xml",
        Kind::Photo => Encoding::Jpeg.mime(),
        Kind::Png => Encoding::Png.mime(),
        Kind::Gif | Kind::AnimatedGif => Encoding::Gif.mime(),
        Kind::WebP => Encoding::Webp.mime(),
    };
    let candidates = vec![Candidate {
        url: url.to_string(),
        width,
    }];
    Picture {
        width,
        height,
        kind,
        sources: Vec::new(),
        fallback: SourceSet { mime, candidates },
        gps,
    }
}
