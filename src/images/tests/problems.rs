//! Hostile and broken files: each is a sentence naming the file, never a panic, and none
//! costs more than its header to refuse.

use super::fixtures::{self, bomb_png, jpeg, photo_pixels};
use super::{images, put};

/// The problem `picture` and `original` report for `bytes` named `name` (the same one).
fn problem(name: &str, bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = put(dir.path(), name, bytes);
    let images = images(None);
    let message = images
        .picture(&path, &format!("/{name}"))
        .unwrap_err()
        .message;
    if let Err(original) = images.original(&path) {
        assert_eq!(original.message, message, "{name}");
    }
    message
}

#[test]
fn a_decompression_bomb_is_refused_from_its_header() {
    let started = std::time::Instant::now();
    assert_eq!(
        problem("bomb.png", &bomb_png()),
        "bomb.png declares 100000 × 100000 pixels, over [images] max_pixels (100000000)"
    );
    assert!(started.elapsed().as_secs() < 5, "refusing must not decode");
}

#[test]
fn a_truncated_jpeg_is_truncated() {
    let whole = jpeg(&photo_pixels(300, 200), 300, 200);
    assert_eq!(
        problem("photo.jpg", &whole[..whole.len() / 2]),
        "photo.jpg is truncated"
    );
    assert_eq!(
        problem("photo.jpg", &whole[..whole.len() - 2]),
        "photo.jpg is truncated"
    );
}

#[test]
fn what_is_not_an_image_is_said_to_be_so() {
    assert_eq!(
        problem("notes.png", b"# My notes\n\nNot a picture.\n"),
        "notes.png is not an image (it looks like text)"
    );
    assert_eq!(problem("empty.jpg", b""), "empty.jpg is empty (0 bytes)");
    assert!(
        problem("noise.webp", &[0x00, 0xC3, 0x28, 0xFF, 0x01])
            .starts_with("noise.webp is not an image this build can read")
    );
}

#[test]
fn damaged_image_data_is_a_decoding_problem() {
    let mut png = fixtures::small_png();
    let idat = png.windows(4).position(|w| w == b"IDAT").unwrap();
    for byte in &mut png[idat + 4..idat + 40] {
        *byte = 0x55;
    }
    let message = problem("diagram.png", &png);
    assert!(
        message.starts_with("diagram.png could not be decoded ("),
        "{message}"
    );
}

#[test]
fn a_vanished_file_could_not_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let images = images(None);
    let gone = dir.path().join("gone.jpg");
    let message = images.picture(&gone, "/gone.jpg").unwrap_err().message;
    assert!(
        message.starts_with("gone.jpg could not be read ("),
        "{message}"
    );
    assert!(
        images
            .original(&gone)
            .unwrap_err()
            .message
            .starts_with("gone.jpg could not be read")
    );
}
