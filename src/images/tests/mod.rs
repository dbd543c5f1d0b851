//! Tests of the whole module on real bytes: images made by [`fixtures`], run through
//! [`Images`](super::Images), and every file it makes decoded back.

mod animated;
mod caching;
mod figures;
pub(crate) mod fixtures;
mod graphics;
mod photos;
mod problems;
mod sharing;

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};

use super::sniff::{Container, sniff};
use super::{Images, ImagesConfig, Picture};
use crate::write::memory::Bytes;

/// Writes `bytes` as `dir/name`.
pub(crate) fn put(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// An `Images` with the default settings.
pub(crate) fn images(cache: Option<&Path>) -> Images {
    Images::new(&ImagesConfig::default(), cache)
}

/// Every variant file made so far, by URL.
pub(crate) fn files(images: &Images) -> BTreeMap<String, Bytes> {
    images
        .variant_files()
        .into_iter()
        .map(|file| (file.url, file.bytes.get().unwrap()))
        .collect()
}

/// Every URL of a picture, sources then fallback, with its `type`.
pub(crate) fn urls(picture: &Picture) -> Vec<(&'static str, String, u32)> {
    (picture.sources.iter().chain([&picture.fallback]))
        .flat_map(|set| {
            set.candidates
                .iter()
                .map(|c| (set.mime, c.url.clone(), c.width))
        })
        .collect()
}

/// The format a file's first bytes say, by MIME type.
pub(crate) fn mime_of(bytes: &[u8]) -> &'static str {
    if bytes.get(4..12) == Some(b"ftypavif") {
        return "image/avif";
    }
    match sniff(bytes, "variant") {
        Ok(Container::Jpeg) => "image/jpeg",
        Ok(Container::Png) => "image/png",
        Ok(Container::Gif) => "image/gif",
        Ok(Container::WebP) => "image/webp",
        Ok(Container::Svg) => "image/svg+xml",
        Err(_) => "unknown",
    }
}

/// Width and height, decoded: AVIF from its AV1 sequence header (no AV1 decoder of safe
/// Rust builds here), the others by `image`'s decoders, pixels and all.
pub(crate) fn dimensions(bytes: &[u8]) -> (u32, u32) {
    if mime_of(bytes) == "image/avif" {
        let avif = avif_parse::read_avif(&mut Cursor::new(bytes)).unwrap();
        let av1 = avif.primary_item_metadata().unwrap();
        assert!(av1.still_picture);
        return (av1.max_frame_width.get(), av1.max_frame_height.get());
    }
    let image = decode(bytes);
    (image.width(), image.height())
}

/// The pixels of a JPEG, PNG, GIF (first frame) or WebP.
pub(crate) fn decode(bytes: &[u8]) -> DynamicImage {
    image::load_from_memory(bytes).unwrap()
}

/// The ICC profile a file carries, as `image` reads it.
pub(crate) fn icc(bytes: &[u8]) -> Option<Vec<u8>> {
    let format = match mime_of(bytes) {
        "image/jpeg" => ImageFormat::Jpeg,
        "image/png" => ImageFormat::Png,
        "image/webp" => ImageFormat::WebP,
        other => panic!("no ICC reader for {other}"),
    };
    let mut decoder = ImageReader::with_format(Cursor::new(bytes), format)
        .into_decoder()
        .unwrap();
    decoder.icc_profile().unwrap()
}

/// What a camera or editor wrote into the fixtures, any of which in a published file is a
/// leak.
const TELLTALES: [&[u8]; 8] = [
    b"Exif\0\0",
    b"http://ns.adobe.com/xap",
    b"xmpmeta",
    b"GPSLatitude",
    b"Test Camera 1",
    b"Someone Private",
    b"taken at",
    b"2024:05:06",
];

/// Asserts `bytes` carry no EXIF, XMP, GPS, text or comment: none of the fixtures' telltale
/// strings, no EXIF an EXIF reader finds, and nothing left for the strippers to remove.
pub(crate) fn assert_private(bytes: &[u8], what: &str) {
    for telltale in TELLTALES {
        let found = bytes.windows(telltale.len()).any(|w| w == telltale);
        assert!(
            !found,
            "{what} still holds {:?}",
            String::from_utf8_lossy(telltale)
        );
    }
    let exif = exif::Reader::new().read_from_container(&mut Cursor::new(bytes));
    assert!(exif.is_err(), "{what} still has EXIF");
    if let Ok(container) = sniff(bytes, what)
        && container != Container::Svg
    {
        let again = super::strip::strip(container, bytes, None).unwrap();
        assert!(again.exif.is_none(), "{what} still has EXIF");
        assert_eq!(
            again.bytes.len(),
            bytes.len(),
            "{what} has metadata left to strip"
        );
    }
}

/// Peak signal-to-noise ratio between two images of one size, in dB: above 30 is a faithful
/// copy, and lossless copies are infinite.
pub(crate) fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let squared: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum();
    let mse = squared / a.len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}
