//! A processed image as cache blobs and back: a JSON manifest first, then each variant's
//! bytes in the manifest's order, which are read back only when needed.

use serde::{Deserialize, Serialize};

use super::encode::Encoding;
use super::process::{Meta, Processed};
use super::variants::Variant;
use crate::write::memory::LazyBytes;

#[derive(Serialize, Deserialize)]
struct Manifest {
    meta: Meta,
    variants: Vec<StoredVariant>,
}

/// What a variant's bytes are, kept beside them.
#[derive(Serialize, Deserialize)]
struct StoredVariant {
    encoding: Encoding,
    width: u32,
    fingerprint: String,
}

/// The blobs storing `processed`, whose bytes are in memory (`None` if one could not be read).
pub(crate) fn to_blobs(processed: &Processed) -> Option<Vec<Vec<u8>>> {
    let manifest = Manifest {
        meta: processed.meta.clone(),
        variants: processed
            .variants
            .iter()
            .map(|v| StoredVariant {
                encoding: v.encoding,
                width: v.width,
                fingerprint: v.fingerprint.clone(),
            })
            .collect(),
    };
    // Serializing plain structs of numbers and enums cannot fail; an empty manifest would
    // only be read back as a damaged entry.
    let mut blobs = vec![serde_json::to_vec(&manifest).unwrap_or_default()];
    for variant in &processed.variants {
        blobs.push(variant.bytes.get().ok()?.to_vec());
    }
    Some(blobs)
}

/// What `manifest` and the `variants` after it stored, or `None` when they do not fit
/// together.
pub(crate) fn from_parts(manifest: &[u8], variants: Vec<LazyBytes>) -> Option<Processed> {
    let manifest: Manifest = serde_json::from_slice(manifest).ok()?;
    if manifest.variants.len() != variants.len() || variants.is_empty() {
        return None;
    }
    let variants = (manifest.variants.into_iter().zip(variants))
        .map(|(stored, bytes)| Variant {
            encoding: stored.encoding,
            width: stored.width,
            bytes,
            fingerprint: stored.fingerprint,
        })
        .collect();
    Some(Processed {
        meta: manifest.meta,
        variants,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::picture::Kind;

    #[test]
    fn a_processed_image_round_trips_and_a_mismatch_is_refused() {
        let processed = Processed {
            meta: Meta {
                width: 3,
                height: 2,
                kind: Kind::Photo,
                gps: true,
            },
            variants: vec![
                Variant::new(Encoding::Avif, 2, b"avif"[..].into()),
                Variant::new(Encoding::Jpeg, 3, b"jpeg"[..].into()),
            ],
        };
        let blobs = to_blobs(&processed).unwrap();
        let variants = |blobs: &[Vec<u8>]| -> Vec<LazyBytes> {
            let held = |b: &Vec<u8>| LazyBytes::held(b.as_slice().into());
            blobs.iter().map(held).collect()
        };
        assert_eq!(
            from_parts(&blobs[0], variants(&blobs[1..])),
            Some(processed)
        );
        assert_eq!(from_parts(&blobs[0], variants(&blobs[1..2])), None);
        assert_eq!(from_parts(b"{}", Vec::new()), None);
        assert_eq!(from_parts(b"", variants(&blobs[1..])), None);
    }
}
