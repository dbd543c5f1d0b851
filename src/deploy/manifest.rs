//! What the last deploy left in the container, stored as a blob in the container itself so any
//! machine can deploy: path → content hash, stored size, headers and the ETag Azure gave the
//! upload.
//!
//! The manifest is a cache, never the truth: an entry counts only while the listing still shows
//! the same size and ETag, so a lost, stale or hand-edited manifest costs re-uploads, not a
//! wrong site.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::compress::ContentEncoding;

/// The manifest's blob name, kept out of the site's listing and deletions.
pub const MANIFEST_NAME: &str = ".pamphlet-manifest.json";
/// Browsers and CDNs have no business caching it.
pub(super) const MANIFEST_CACHE_CONTROL: &str = "no-store";
/// Its type.
pub(super) const MANIFEST_CONTENT_TYPE: &str = "application/json; charset=utf-8";

const VERSION: u32 = 1;

/// The state of every file after a deploy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Manifest {
    /// Bumped when the format changes; another version reads as empty.
    pub version: u32,
    /// By blob name.
    pub files: BTreeMap<String, Entry>,
}

/// One deployed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Entry {
    /// SHA-256 of the file's content before any encoding, lowercase hex.
    pub sha256: String,
    /// Bytes stored: the encoded size, as the container's listing shows it.
    pub size: u64,
    /// The `Content-Type` it was stored with.
    pub content_type: String,
    /// The `Cache-Control` it was stored with.
    pub cache_control: String,
    /// How it was stored. Manifests from before compression have none: identity.
    #[serde(default)]
    pub content_encoding: ContentEncoding,
    /// The ETag Azure returned for the upload, without quotes.
    pub etag: String,
}

impl Manifest {
    /// An empty manifest of the current version.
    pub(super) fn new() -> Self {
        Manifest {
            version: VERSION,
            files: BTreeMap::new(),
        }
    }

    /// Reads a stored manifest; `None` when it is unreadable or from another version.
    pub(super) fn from_json(bytes: &[u8]) -> Option<Manifest> {
        serde_json::from_slice::<Manifest>(bytes)
            .ok()
            .filter(|m| m.version == VERSION)
    }

    /// The bytes to store.
    pub(super) fn to_json(&self) -> Vec<u8> {
        // A map of strings and numbers always serializes.
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

/// ETags arrive quoted in headers and bare in listings; compare them bare.
pub(super) fn bare_etag(etag: &str) -> &str {
    etag.trim().trim_start_matches("W/").trim_matches('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut m = Manifest::new();
        m.files.insert(
            "index.html".into(),
            Entry {
                sha256: "ab".into(),
                size: 2,
                content_type: "text/html; charset=utf-8".into(),
                cache_control: "public, max-age=300".into(),
                content_encoding: ContentEncoding::Gzip,
                etag: "0x8D1".into(),
            },
        );
        assert_eq!(Manifest::from_json(&m.to_json()), Some(m));
    }

    #[test]
    fn an_entry_from_before_compression_reads_as_stored_as_is() {
        let old = br#"{"version": 1, "files": {"a.css": {"sha256": "ab", "size": 2,
            "content_type": "text/css", "cache_control": "x", "etag": "0x1"}}}"#;
        let m = Manifest::from_json(old).unwrap();
        assert_eq!(m.files["a.css"].content_encoding, ContentEncoding::Identity);
    }

    #[test]
    fn unreadable_is_none() {
        assert_eq!(Manifest::from_json(b"not json"), None);
        assert_eq!(
            Manifest::from_json(br#"{"version": 99, "files": {}}"#),
            None
        );
    }

    #[test]
    fn etags() {
        assert_eq!(bare_etag("\"0x8DB\""), "0x8DB");
        assert_eq!(bare_etag("0x8DB"), "0x8DB");
        assert_eq!(bare_etag("W/\"x\""), "x");
    }
}
