//! A processed image as cache blobs and back: a JSON manifest first, then each variant's
//! bytes in the manifest's order.

use serde::{Deserialize, Serialize};

use super::encode::Encoding;
use super::process::{Meta, Processed};
use super::variants::Variant;

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

/// The blobs storing `processed`.
pub(crate) fn to_blobs(processed: &Processed) -> Vec<Vec<u8>> {
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
    blobs.extend(processed.variants.iter().map(|v| v.bytes.to_vec()));
    blobs
}

/// What `blobs` stored, or `None` when they do not fit together.
pub(crate) fn from_blobs(mut blobs: Vec<Vec<u8>>) -> Option<Processed> {
    if blobs.is_empty() {
        return None;
    }
    let manifest: Manifest = serde_json::from_slice(&blobs.remove(0)).ok()?;
    if manifest.variants.len() != blobs.len() || blobs.is_empty() {
        return None;
    }
    let variants = (manifest.variants.into_iter().zip(blobs))
        .map(|(stored, bytes)| Variant {
            encoding: stored.encoding,
            width: stored.width,
            bytes: bytes.into(),
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
        let blobs = to_blobs(&processed);
        assert_eq!(from_blobs(blobs.clone()), Some(processed));
        assert_eq!(from_blobs(blobs[..2].to_vec()), None);
        assert_eq!(from_blobs(vec![b"{}".to_vec()]), None);
        assert_eq!(from_blobs(Vec::new()), None);
    }
}
