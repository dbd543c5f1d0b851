//! Photos: the 3000 × 2000 camera JPEG in every width and format, a phone's photo turned by
//! EXIF, and originals published without what the camera wrote.

use std::sync::{Arc, OnceLock};

use super::fixtures::{self, big_photo_pixels, camera_jpeg, display_p3, jpeg};
use super::{assert_private, decode, dimensions, files, icc, images, mime_of, psnr, put, urls};
use crate::images::exif::ExifFacts;
use crate::images::frame::Frame;
use crate::images::resize::{self, height_for};
use crate::images::{Images, ImagesConfig, Kind, Picture};
use crate::write::memory::Bytes;

/// The big photo, processed once for every test that looks at it.
struct BigPhoto {
    picture: Arc<Picture>,
    files: std::collections::BTreeMap<String, Bytes>,
}

fn big_photo() -> &'static BigPhoto {
    static PHOTO: OnceLock<BigPhoto> = OnceLock::new();
    PHOTO.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let source = camera_jpeg(
            &jpeg(big_photo_pixels(), 3000, 2000),
            1,
            true,
            Some(&display_p3()),
        );
        let path = put(dir.path(), "photo.jpg", &source);
        let images = images(None);
        let picture = images.picture(&path, "/blog/x/photo.jpg").unwrap();
        BigPhoto {
            picture,
            files: files(&images),
        }
    })
}

#[test]
fn the_photo_becomes_avif_webp_and_jpeg_at_every_width() {
    let BigPhoto { picture, files } = big_photo();
    assert_eq!(
        (picture.width, picture.height, picture.kind),
        (3000, 2000, Kind::Photo)
    );
    assert!(picture.gps);
    let mimes: Vec<_> = picture.sources.iter().map(|set| set.mime).collect();
    assert_eq!(mimes, ["image/avif", "image/webp"]);
    assert_eq!(picture.fallback.mime, "image/jpeg");
    let widths = [480, 800, 1200, 1600, 2400, 3000];
    for set in picture.sources.iter().chain([&picture.fallback]) {
        let found: Vec<u32> = set.candidates.iter().map(|c| c.width).collect();
        assert_eq!(found, widths, "{}", set.mime);
    }
    assert_eq!(files.len(), 18);
    for (mime, url, width) in urls(picture) {
        let name = url.strip_prefix("/blog/x/photo.").unwrap();
        let extension = mime.strip_prefix("image/").unwrap().replace("jpeg", "jpg");
        assert!(name.ends_with(&format!(".{width}.{extension}")), "{url}");
        let bytes = &files[&url];
        assert_eq!(mime_of(bytes), mime, "{url}");
        assert_eq!(
            dimensions(bytes),
            (width, height_for(width, 3000, 2000)),
            "{url}"
        );
        assert_private(bytes, &url);
    }
}

#[test]
fn avif_and_webp_are_smaller_than_jpeg_at_every_width() {
    let BigPhoto { picture, files } = big_photo();
    let bytes_of = |set: usize, at: usize| files[&picture.sources[set].candidates[at].url].len();
    for (at, jpeg) in picture.fallback.candidates.iter().enumerate() {
        let jpeg_len = files[&jpeg.url].len();
        assert!(
            bytes_of(0, at) < jpeg_len,
            "AVIF at {}: {} ≥ {jpeg_len}",
            jpeg.width,
            bytes_of(0, at)
        );
        assert!(
            bytes_of(1, at) < jpeg_len,
            "WebP at {}: {} ≥ {jpeg_len}",
            jpeg.width,
            bytes_of(1, at)
        );
    }
}

#[test]
fn the_variants_look_like_the_photo_and_keep_its_colour_profile() {
    let BigPhoto { picture, files } = big_photo();
    let source = Frame {
        width: 3000,
        height: 2000,
        alpha: false,
        pixels: big_photo_pixels().to_vec(),
    };
    let smaller = resize::resize(&source, 1200, resize::FILTER).unwrap();
    for set in [&picture.sources[1], &picture.fallback] {
        let full = &files[&set.candidates[5].url];
        let decoded = decode(full).into_rgb8().into_raw();
        assert!(
            psnr(&decoded, &source.pixels) > 30.0,
            "{} at 3000",
            set.mime
        );
        let small = decode(&files[&set.candidates[2].url])
            .into_rgb8()
            .into_raw();
        assert!(psnr(&small, &smaller.pixels) > 30.0, "{} at 1200", set.mime);
        assert_eq!(icc(full), Some(display_p3()), "{}", set.mime);
    }
}

#[test]
fn a_turned_photo_is_published_upright_without_its_gps() {
    let dir = tempfile::tempdir().unwrap();
    let pixels = fixtures::photo_pixels(600, 400);
    let path = put(
        dir.path(),
        "phone.jpg",
        &camera_jpeg(&jpeg(&pixels, 600, 400), 6, true, None),
    );
    let images = images(None);
    let picture = images.picture(&path, "/p/phone.jpg").unwrap();
    assert_eq!(
        (picture.width, picture.height, picture.gps),
        (400, 600, true)
    );
    let files = files(&images);
    for (mime, url, width) in urls(&picture) {
        assert!(width <= 400, "{url}");
        assert_eq!(
            dimensions(&files[&url]),
            (width, height_for(width, 400, 600)),
            "{mime}"
        );
    }
    let original = images.original(&path).unwrap();
    assert_private(&original, "the turned original");
    let upright = decode(&original).into_rgb8();
    // EXIF orientation 6: the camera was turned a quarter clockwise; the pixels must be too.
    let expected = image::imageops::rotate90(&decode(&jpeg(&pixels, 600, 400)).into_rgb8());
    assert_eq!(upright.dimensions(), (400, 600));
    assert!(psnr(upright.as_raw(), expected.as_raw()) > 30.0);
}

#[test]
fn an_upright_original_loses_its_metadata_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let plain = jpeg(&fixtures::photo_pixels(300, 200), 300, 200);
    let source = camera_jpeg(&plain, 1, true, Some(&display_p3()));
    let path = put(dir.path(), "photo.jpg", &source);
    let original = images(None).original(&path).unwrap();
    assert_private(&original, "the original");
    assert_eq!(icc(&original), Some(display_p3()));
    assert_eq!(
        decode(&original),
        decode(&source),
        "stripping must not touch the pixels"
    );
    assert!(original.len() < source.len());
}

#[test]
fn keep_metadata_keeps_originals_byte_for_byte_but_never_variants() {
    let dir = tempfile::tempdir().unwrap();
    let source = camera_jpeg(
        &jpeg(&fixtures::photo_pixels(300, 200), 300, 200),
        6,
        true,
        None,
    );
    let path = put(dir.path(), "photo.jpg", &source);
    let config = ImagesConfig {
        keep_metadata: true,
        ..ImagesConfig::default()
    };
    let images = Images::new(&config, None);
    assert_eq!(&images.original(&path).unwrap()[..], &source[..]);
    images.picture(&path, "/photo.jpg").unwrap();
    for (url, bytes) in files(&images) {
        assert_private(&bytes, &url);
    }
}

#[test]
fn a_photo_too_large_to_decode_keeps_its_orientation_alone() {
    let dir = tempfile::tempdir().unwrap();
    let source = camera_jpeg(
        &jpeg(&fixtures::photo_pixels(600, 400), 600, 400),
        6,
        true,
        None,
    );
    let path = put(dir.path(), "huge.jpg", &source);
    let config = ImagesConfig {
        max_pixels: 100_000,
        ..ImagesConfig::default()
    };
    let images = Images::new(&config, None);
    let problem = images.picture(&path, "/huge.jpg").unwrap_err();
    assert_eq!(
        problem.message,
        "huge.jpg declares 600 × 400 pixels, over [images] max_pixels (100000)"
    );
    let original = images.original(&path).unwrap();
    let stripped =
        crate::images::strip::strip(crate::images::sniff::Container::Jpeg, &original, None)
            .unwrap();
    let facts = ExifFacts::read(stripped.exif.as_deref());
    assert_eq!(
        facts,
        ExifFacts {
            orientation: 6,
            gps: false
        }
    );
    assert_eq!(
        stripped.exif.unwrap(),
        crate::images::exif::orientation_only(6)
    );
    assert_eq!(decode(&original), decode(&source));
}
