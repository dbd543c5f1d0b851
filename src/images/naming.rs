//! Variant URLs: beside the original, named by a fingerprint of their own bytes, so a URL
//! always means the same bytes and a CDN may cache it forever.

use sha2::{Digest, Sha256};

// 40 bits of fingerprint: two variants of one image colliding is a one-in-a-trillion chance.
use crate::fingerprint::FINGERPRINT_LEN;

/// The fingerprint a variant's URL names its `bytes` by: taken once, when they are made.
pub(crate) fn fingerprint(bytes: &[u8]) -> String {
    let mut hash = hex(&Sha256::digest(bytes));
    hash.truncate(FINGERPRINT_LEN);
    hash
}

/// The URL of a variant of the original at `url` (`/blog/x/photo.jpg`) whose bytes have
/// `fingerprint`: `/blog/x/photo.<fingerprint>.<width>.<extension>`.
pub(crate) fn named_variant_url(
    url: &str,
    fingerprint: &str,
    width: u32,
    extension: &str,
) -> String {
    let (folder, file) = match url.rfind('/') {
        Some(slash) => url.split_at(slash + 1),
        None => ("", url),
    };
    let stem = match file.rfind('.') {
        Some(dot) if dot > 0 => &file[..dot],
        _ if file.is_empty() => "image",
        _ => file,
    };
    format!("{folder}{stem}.{fingerprint}.{width}.{extension}")
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant_url(url: &str, bytes: &[u8], width: u32, extension: &str) -> String {
        named_variant_url(url, &fingerprint(bytes), width, extension)
    }

    #[test]
    fn variants_live_beside_the_original_named_by_their_bytes() {
        let url = variant_url("/blog/x/photo.jpg", b"bytes", 800, "avif");
        assert!(
            url.starts_with("/blog/x/photo.") && url.ends_with(".800.avif"),
            "{url}"
        );
        let fingerprint = &url["/blog/x/photo.".len()..url.len() - ".800.avif".len()];
        assert_eq!(fingerprint.len(), 10);
        assert!(fingerprint.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(
            url,
            variant_url("/blog/x/photo.jpg", b"other bytes", 800, "avif")
        );
        assert_eq!(url, variant_url("/blog/x/photo.jpg", b"bytes", 800, "avif"));
    }

    #[test]
    fn odd_names_still_make_names() {
        assert!(variant_url("photo.tar.png", b"", 1, "png").starts_with("photo.tar."));
        assert!(variant_url("/a/.png", b"", 1, "png").starts_with("/a/.png."));
        assert!(variant_url("/a/", b"", 1, "png").starts_with("/a/image."));
        assert!(variant_url("/a/noext", b"", 1, "png").starts_with("/a/noext."));
    }
}
