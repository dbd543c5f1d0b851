//! Names that carry a hash of their bytes, which therefore never change under that name: the
//! theme's assets (`style.a769f81332.css`) and image variants (`photo.1a2b3c4d5e.800.avif`).
//! Deploy marks them immutable; the preview keeps serving those a rebuild replaced.

/// Hex digits of every fingerprint pamphlet writes.
pub const FINGERPRINT_LEN: usize = 10;

/// True for `stem.HASH.ext` and `stem.HASH.WIDTH.ext`, where HASH is [`FINGERPRINT_LEN`] hex
/// digits and WIDTH a number.
pub fn is_fingerprinted(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let is_hash =
        |part: &str| part.len() == FINGERPRINT_LEN && part.bytes().all(|b| b.is_ascii_hexdigit());
    let is_width = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    // Read from the end, without gathering the parts: the preview asks this of every file of
    // every rebuild.
    let dots = name.bytes().filter(|&b| b == b'.').count();
    let mut from_end = name.rsplit('.');
    let mut next = || from_end.next().unwrap_or("");
    let (ext, last, before) = (next(), next(), next());
    let stem = name.split('.').next().unwrap_or("");
    let named = !stem.is_empty() && !ext.is_empty();
    if dots >= 3 && is_width(last) && is_hash(before) {
        return named;
    }
    dots >= 2 && named && is_hash(last)
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
        assert!(!is_fingerprinted(".a769f81332.css"), "an empty stem");
        assert!(!is_fingerprinted("style.a769f81332."), "an empty extension");
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
        assert!(
            is_fingerprinted("photo.1a2b3c4d5e.0123456789.css"),
            "ten digits after a hash are a width"
        );
    }
}
