//! Cache keys: everything that decides an output's bytes, hashed.

use sha2::{Digest, Sha256};

use super::config::ImagesConfig;
use super::encode::versions;
use super::naming::hex;

/// The SHA-256 of a source's bytes, which every key of what is made from it starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SourceDigest(pub(crate) [u8; 32]);

impl SourceDigest {
    /// The digest of `source`.
    pub(crate) fn of(source: &[u8]) -> SourceDigest {
        SourceDigest(Sha256::digest(source).into())
    }
}

/// The key under which the digest of the file with `stamp` (its path, length and modification
/// time, each part on its own line) is kept, so a warm build need not hash an unchanged source.
pub(crate) fn stamp(stamp: &str) -> String {
    let mut hasher = Sha256::new();
    for part in ["source stamp", PIPELINE_OF_STAMPS, stamp] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex(&hasher.finalize())
}

/// Bumped when what a stamp's entry holds changes.
const PIPELINE_OF_STAMPS: &str = "1";

/// The key of the picture made from the source with `digest` under `config`: the source's
/// bytes, the widths, formats and quality, and the versions of the code that makes them.
/// `enabled`, `max_pixels` and `keep_metadata` change whether a picture is made, never its
/// bytes.
pub(crate) fn picture(source: SourceDigest, config: &ImagesConfig) -> String {
    let mut widths = config.widths.clone();
    widths.sort_unstable();
    widths.dedup();
    let settings = format!(
        "widths={widths:?} formats={:?} quality={}",
        config.formats(),
        config.quality()
    );
    key("picture", source, &settings)
}

/// The key of an original re-encoded upright.
pub(crate) fn upright_original(source: SourceDigest) -> String {
    key("upright original", source, "")
}

fn key(what: &str, source: SourceDigest, settings: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [what, versions::fingerprint(), settings] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.update(source.0);
    hex(&hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::config::Format;

    #[test]
    fn keys_change_with_what_changes_the_output_only() {
        let config = ImagesConfig::default();
        let base = picture(SourceDigest::of(b"source"), &config);
        assert_eq!(base.len(), 64);
        assert_eq!(base, picture(SourceDigest::of(b"source"), &config));
        assert_ne!(base, picture(SourceDigest::of(b"other source"), &config));
        assert_ne!(
            base,
            picture(
                SourceDigest::of(b"source"),
                &ImagesConfig {
                    quality: 60,
                    ..config.clone()
                }
            )
        );
        let webp_only = ImagesConfig {
            formats: vec![Format::Webp],
            ..config.clone()
        };
        assert_ne!(base, picture(SourceDigest::of(b"source"), &webp_only));
        let reordered = ImagesConfig {
            widths: vec![2400, 1600, 1200, 800, 480],
            ..config.clone()
        };
        assert_eq!(base, picture(SourceDigest::of(b"source"), &reordered));
        let private = ImagesConfig {
            keep_metadata: true,
            max_pixels: 5,
            ..config
        };
        assert_eq!(base, picture(SourceDigest::of(b"source"), &private));
        assert_ne!(base, upright_original(SourceDigest::of(b"source")));
    }
}
