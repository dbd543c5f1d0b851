//! What a file is, from its first bytes: a name ending in `.png` proves nothing.

use super::problem::ImageProblem;
use super::svg;

/// The file formats this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Container {
    Jpeg,
    Png,
    Gif,
    WebP,
    Svg,
}

/// The format of `bytes`, or why they are no image, naming the file `name`.
pub(crate) fn sniff(bytes: &[u8], name: &str) -> Result<Container, ImageProblem> {
    if bytes.is_empty() {
        return Err(ImageProblem::new(format!("{name} is empty (0 bytes)")));
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Container::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(Container::Png);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Ok(Container::Gif);
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        return Ok(Container::WebP);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        if svg::is_svg(text) {
            return Ok(Container::Svg);
        }
        if looks_like_text(text) {
            let message = format!("{name} is not an image (it looks like text)");
            return Err(ImageProblem::new(message));
        }
    }
    Err(ImageProblem::new(format!(
        "{name} is not an image this build can read (its first bytes are not those of a JPEG, \
         PNG, GIF, WebP or SVG)"
    ))
    .with_help("publish photos as JPEG, PNG, GIF or WebP"))
}

/// Text has no control characters but line ends, tabs and form feeds (binary formats are
/// full of NULs, and many short binary files are valid UTF-8 all the same).
fn looks_like_text(text: &str) -> bool {
    (text.chars()).all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\x0c'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_their_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0", "a").unwrap(), Container::Jpeg);
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n....", "a").unwrap(),
            Container::Png
        );
        assert_eq!(sniff(b"GIF89a....", "a").unwrap(), Container::Gif);
        assert_eq!(
            sniff(b"RIFF\0\0\0\0WEBPVP8 ", "a").unwrap(),
            Container::WebP
        );
        let svg = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
        assert_eq!(sniff(svg.as_bytes(), "a").unwrap(), Container::Svg);
    }

    #[test]
    fn what_is_no_image_is_said_plainly() {
        let problem = |bytes: &[u8]| sniff(bytes, "photo.png").unwrap_err().message;
        assert_eq!(problem(b""), "photo.png is empty (0 bytes)");
        assert_eq!(
            problem(b"hello\n"),
            "photo.png is not an image (it looks like text)"
        );
        assert!(problem(b"\x00\x01\x02\xFE").starts_with("photo.png is not an image this"));
        assert!(problem(b"RIFF\0\0\0\0WAVE").contains("not an image"));
    }
}
