//! Cache keys: everything that decides an output's bytes, hashed.

use sha2::{Digest, Sha256};

use super::config::ImagesConfig;
use super::encode::versions;
use super::naming::hex;

/// The key of the picture made from `source` under `config`: the source's bytes, the widths,
/// formats and quality, and the versions of the code that makes them. `enabled`,
/// `max_pixels` and `keep_metadata` change whether a picture is made, never its bytes.
pub(crate) fn picture(source: &[u8], config: &ImagesConfig) -> String {
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
pub(crate) fn upright_original(source: &[u8]) -> String {
    key("upright original", source, "")
}

fn key(what: &str, source: &[u8], settings: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [what, versions::fingerprint(), settings] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.update(Sha256::digest(source));
    hex(&hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::images::config::Format;

    #[test]
    fn keys_change_with_what_changes_the_output_only() {
        let config = ImagesConfig::default();
        let base = picture(b"source", &config);
        assert_eq!(base.len(), 64);
        assert_eq!(base, picture(b"source", &config));
        assert_ne!(base, picture(b"other source", &config));
        assert_ne!(
            base,
            picture(
                b"source",
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
        assert_ne!(base, picture(b"source", &webp_only));
        let reordered = ImagesConfig {
            widths: vec![2400, 1600, 1200, 800, 480],
            ..config.clone()
        };
        assert_eq!(base, picture(b"source", &reordered));
        let private = ImagesConfig {
            keep_metadata: true,
            max_pixels: 5,
            ..config
        };
        assert_eq!(base, picture(b"source", &private));
        assert_ne!(base, upright_original(b"source"));
    }
}
