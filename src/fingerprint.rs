//! Names that carry a hash of their bytes, which therefore never change under that name: the
//! theme's assets (`style.a769f81332.css`) and image variants (`photo.1a2b3c4d5e.800.avif`).
//! Deploy marks them immutable; the preview keeps serving those a rebuild replaced.

/// Hex digits of every fingerprint pamphlet writes.
pub const FINGERPRINT_LEN: usize = 10;

/// True for `stem.HASH.ext` and `stem.HASH.WIDTH.ext`, where HASH is [`FINGERPRINT_LEN`] hex
/// digits and WIDTH a number.
pub fn is_fingerprinted(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let parts: Vec<&str> = name.split('.').collect();
    let is_hash =
        |part: &str| part.len() == FINGERPRINT_LEN && part.bytes().all(|b| b.is_ascii_hexdigit());
    let is_width = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [stem, .., hash, width, ext] if is_width(width) && is_hash(hash) => {
            !stem.is_empty() && !ext.is_empty()
        }
        [stem, .., hash, ext] => !stem.is_empty() && !ext.is_empty() && is_hash(hash),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theme_assets_are_fingerprinted() {
        assert!(is_fingerprinted("style.a769f81332.css"));
        assert!(is_fingerprinted("img/favicon.9b6e3d69ac.svg"));
        assert!(is_fingerprinted("app.min.0123456789.js"));
        assert!(!is_fingerprinted("style.css"));
        assert!(!is_fingerprinted("style.a769f8133.css"), "9 digits");
        assert!(!is_fingerprinted("style.a769f81332x.css"), "11 characters");
        assert!(!is_fingerprinted("style.g769f81332.css"), "not hex");
        assert!(!is_fingerprinted("a769f81332.css"), "no stem");
        assert!(!is_fingerprinted("a769f81332/index.html"));
    }

    /// Image variants were missed before, so deploy gave them an hour instead of a year.
    #[test]
    fn image_variants_are_fingerprinted() {
        assert!(is_fingerprinted("blog/x/photo.1a2b3c4d5e.800.avif"));
        assert!(is_fingerprinted("photo.1a2b3c4d5e.2400.jpg"));
        assert!(
            !is_fingerprinted("photo.1a2b3c4d5e.80x.avif"),
            "not a width"
        );
        assert!(!is_fingerprinted("photo.1a2b3c4d5.800.avif"), "9 digits");
        assert!(!is_fingerprinted("1a2b3c4d5e.800.avif"), "no stem");
        assert!(!is_fingerprinted("photo.800.avif"));
    }
}
