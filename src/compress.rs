//! Text files stored gzip-encoded. An Azure static website serves a blob exactly as it was
//! stored and never compresses, so a page reaches readers compressed only if it was uploaded
//! compressed, with `Content-Encoding: gzip`. `deploy` stores them so and `serve` sends them
//! so, from the same [`CompressPolicy`], so the preview is what Azure serves.

use std::io::Write as _;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};

/// The extensions `[deploy] compress` names when not given: text formats every browser
/// accepts gzip for. Images, fonts and archives are compressed already.
pub const DEFAULT_COMPRESS: [&str; 9] = [
    "html",
    "css",
    "js",
    "mjs",
    "json",
    "xml",
    "svg",
    "txt",
    "webmanifest",
];

/// How a blob's bytes are stored, and so the `Content-Encoding` it is served with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContentEncoding {
    /// As the file is; no header.
    #[default]
    Identity,
    /// gzip, at the best level.
    Gzip,
}

impl ContentEncoding {
    /// The `Content-Encoding` header's value, if one is sent.
    pub fn header(self) -> Option<&'static str> {
        match self {
            ContentEncoding::Identity => None,
            ContentEncoding::Gzip => Some("gzip"),
        }
    }
}

/// Which output files are stored compressed: those whose extension `[deploy] compress` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompressPolicy {
    /// Lowercase, without the dot.
    extensions: Vec<String>,
}

impl Default for CompressPolicy {
    fn default() -> Self {
        CompressPolicy::new(&DEFAULT_COMPRESS)
    }
}

impl CompressPolicy {
    /// Compresses files ending in one of `extensions` (`"html"` or `".html"`, any case).
    pub fn new<S: AsRef<str>>(extensions: &[S]) -> CompressPolicy {
        let extensions = extensions
            .iter()
            .map(|e| {
                e.as_ref()
                    .trim()
                    .trim_start_matches('.')
                    .to_ascii_lowercase()
            })
            .filter(|e| !e.is_empty())
            .collect();
        CompressPolicy { extensions }
    }

    /// The encoding the output file at `/`-separated `path` is stored and served in.
    pub fn encoding(&self, path: &str) -> ContentEncoding {
        if self.is_compressed(path) {
            ContentEncoding::Gzip
        } else {
            ContentEncoding::Identity
        }
    }

    /// True when the output file at `/`-separated `path` is stored gzip-encoded.
    pub fn is_compressed(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        extension.is_some_and(|e| self.extensions.contains(&e))
    }
}

/// `bytes` gzip-encoded at the best level. The header names no file and no time, so the same
/// bytes always give the same blob.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 3), Compression::best());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    #[test]
    fn text_formats_are_compressed_by_default_and_images_are_not() {
        let policy = CompressPolicy::default();
        for path in [
            "index.html",
            "blog/x/INDEX.HTML",
            "app.9f2c.css",
            "feed.xml",
            "site.webmanifest",
        ] {
            assert_eq!(policy.encoding(path), ContentEncoding::Gzip, "{path}");
        }
        for path in [
            "photo.jpg",
            "font.woff2",
            "html",
            "notes.html.bak",
            "a.avif",
        ] {
            assert_eq!(policy.encoding(path), ContentEncoding::Identity, "{path}");
        }
        let none = CompressPolicy::new::<&str>(&[]);
        assert_eq!(none.encoding("index.html"), ContentEncoding::Identity);
        assert_eq!(
            CompressPolicy::new(&[".TXT"]).encoding("robots.txt"),
            ContentEncoding::Gzip
        );
    }

    #[test]
    fn gzip_round_trips_and_is_the_same_every_time() {
        let page = "<p>serverless is more secure</p>\n".repeat(200);
        let packed = gzip(page.as_bytes());
        assert!(packed.len() < page.len() / 10, "{} bytes", packed.len());
        assert_eq!(packed, gzip(page.as_bytes()));
        let mut unpacked = String::new();
        flate2::read::GzDecoder::new(packed.as_slice())
            .read_to_string(&mut unpacked)
            .unwrap();
        assert_eq!(unpacked, page);
    }
}
