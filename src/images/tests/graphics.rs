//! Graphics and other sources: a transparent PNG, a 16-bit PNG, a CMYK JPEG, a WebP, a still
//! GIF, SVGs, and `[images]` turned off.

use super::fixtures::{self, display_p3};
use super::{assert_private, decode, dimensions, files, icc, images, mime_of, put, urls};
use crate::images::{Images, ImagesConfig, Kind};

#[test]
fn a_transparent_png_keeps_its_transparency_and_its_profile() {
    let dir = tempfile::tempdir().unwrap();
    let path = put(dir.path(), "diagram.png", &fixtures::small_png());
    let images = images(None);
    let picture = images.picture(&path, "/diagram.png").unwrap();
    assert_eq!(
        (picture.width, picture.height, picture.kind, picture.gps),
        (200, 120, Kind::Png, true)
    );
    let found: Vec<_> = urls(&picture)
        .into_iter()
        .map(|(mime, _, width)| (mime, width))
        .collect();
    assert_eq!(
        found,
        [("image/avif", 200), ("image/webp", 200), ("image/png", 200)]
    );
    let files = files(&images);
    for (mime, url, _) in urls(&picture) {
        let bytes = &files[&url];
        assert_eq!((mime_of(bytes), dimensions(bytes)), (mime, (200, 120)));
        assert_private(bytes, &url);
        if mime != "image/avif" {
            let pixels = decode(bytes).into_rgba8();
            assert!(
                pixels.get_pixel(0, 60).0[3] < 8 && pixels.get_pixel(199, 60).0[3] > 240,
                "{mime}"
            );
            assert_eq!(icc(bytes), Some(display_p3()), "{mime}");
        }
    }
    let png = &files[&picture.fallback.candidates[0].url];
    assert_eq!(
        decode(png).into_rgba8(),
        decode(&fixtures::small_png()).into_rgba8(),
        "PNG is lossless"
    );
    let original = images.original(&path).unwrap();
    assert_private(&original, "the original PNG");
    assert_eq!(icc(&original), Some(display_p3()));
    assert_eq!(decode(&original), decode(&fixtures::small_png()));
}

#[test]
fn a_16_bit_png_becomes_8_bit_variants() {
    let dir = tempfile::tempdir().unwrap();
    let path = put(dir.path(), "deep.png", &fixtures::png16());
    let images = images(None);
    let picture = images.picture(&path, "/deep.png").unwrap();
    assert_eq!((picture.width, picture.height), (300, 200));
    let png = decode(&files(&images)[&picture.fallback.candidates[0].url]);
    assert_eq!(png.color(), image::ColorType::Rgb8);
    let corner = png.into_rgb8().get_pixel(299, 0).0;
    assert!(
        corner[0] >= 253 && corner[1] <= 2 && corner[2].abs_diff(156) <= 1,
        "{corner:?}"
    );
}

#[test]
fn a_cmyk_jpeg_becomes_rgb() {
    // zune-jpeg (`image`'s JPEG decoder) converts CMYK and YCCK to RGB itself; its CMYK
    // profile, if any, is dropped with the CMYK (see `colour::rgb_profile`).
    let dir = tempfile::tempdir().unwrap();
    let path = put(dir.path(), "print.jpg", &fixtures::cmyk_jpeg());
    let images = images(None);
    let picture = images.picture(&path, "/print.jpg").unwrap();
    assert_eq!(
        (picture.width, picture.height, picture.kind),
        (240, 160, Kind::Photo)
    );
    let files = files(&images);
    for set in picture.sources.iter().chain([&picture.fallback]) {
        assert_eq!(dimensions(&files[&set.candidates[0].url]), (240, 160));
    }
    let cyan = decode(&files[&picture.fallback.candidates[0].url])
        .into_rgb8()
        .get_pixel(120, 80)
        .0;
    assert!(cyan[0] < 30 && cyan[1] > 220 && cyan[2] > 220, "{cyan:?}");
}

#[test]
fn a_webp_gets_an_avif_and_a_stripped_original() {
    let dir = tempfile::tempdir().unwrap();
    let pixels = fixtures::photo_pixels(320, 200);
    let source = fixtures::camera_webp(&pixels, 320, 200);
    let path = put(dir.path(), "shot.webp", &source);
    let images = images(None);
    let picture = images.picture(&path, "/shot.webp").unwrap();
    assert_eq!((picture.kind, picture.gps), (Kind::WebP, true));
    let found: Vec<_> = urls(&picture)
        .into_iter()
        .map(|(mime, _, width)| (mime, width))
        .collect();
    assert_eq!(found, [("image/avif", 320), ("image/webp", 320)]);
    let original = images.original(&path).unwrap();
    assert_private(&original, "the original WebP");
    assert_eq!(icc(&original), Some(display_p3()));
    assert_eq!(decode(&original), decode(&source));
}

#[test]
fn a_still_gif_is_treated_like_a_png() {
    let dir = tempfile::tempdir().unwrap();
    let path = put(dir.path(), "still.gif", &fixtures::screen_recording(1));
    let images = images(None);
    let picture = images.picture(&path, "/still.gif").unwrap();
    assert_eq!(
        (picture.kind, picture.width, picture.height),
        (Kind::Gif, 320, 240)
    );
    let found: Vec<_> = urls(&picture)
        .into_iter()
        .map(|(mime, _, _)| mime)
        .collect();
    assert_eq!(found, ["image/avif", "image/webp", "image/png"]);
    assert_private(&images.original(&path).unwrap(), "the original GIF");
}

#[test]
fn svgs_are_sized_from_their_root_and_never_varied() {
    let dir = tempfile::tempdir().unwrap();
    let images = images(None);
    let cases = [
        ("sized.svg", "width=\"300\" height=\"150px\"", (300, 150)),
        ("boxed.svg", "viewBox=\"0 0 640 480\"", (640, 480)),
        (
            "both.svg",
            "width=\"10cm\" height=\"5cm\" viewBox=\"0 0 200 100\"",
            (200, 100),
        ),
    ];
    for (name, attributes, size) in cases {
        let path = put(dir.path(), name, &fixtures::svg(attributes));
        let picture = images.picture(&path, &format!("/d/{name}")).unwrap();
        assert_eq!(
            ((picture.width, picture.height), picture.kind),
            (size, Kind::Svg),
            "{name}"
        );
        assert!(picture.sources.is_empty());
        assert_eq!(picture.fallback.mime, "image/svg+xml");
        assert_eq!(
            urls(&picture),
            [("image/svg+xml", format!("/d/{name}"), size.0)]
        );
        assert_eq!(
            &images.original(&path).unwrap()[..],
            &fixtures::svg(attributes)[..]
        );
    }
    let path = put(dir.path(), "sizeless.svg", &fixtures::svg(""));
    let problem = images.picture(&path, "/d/sizeless.svg").unwrap_err();
    assert_eq!(
        problem.message,
        "sizeless.svg gives no size (no width and height in pixels, and no viewBox)"
    );
    assert!(images.variant_files().is_empty());
    assert_eq!(images.stats().processed, 0);
}

#[test]
fn disabled_images_are_published_as_they_are_but_still_stripped() {
    let dir = tempfile::tempdir().unwrap();
    let source = fixtures::camera_jpeg(
        &fixtures::jpeg(&fixtures::photo_pixels(300, 200), 300, 200),
        6,
        true,
        None,
    );
    let path = put(dir.path(), "photo.jpg", &source);
    let images = Images::new(
        &ImagesConfig {
            enabled: false,
            ..ImagesConfig::default()
        },
        None,
    );
    let picture = images.picture(&path, "/photo.jpg").unwrap();
    assert_eq!(
        (picture.width, picture.height, picture.gps),
        (200, 300, true)
    );
    assert_eq!(
        urls(&picture),
        [("image/jpeg", "/photo.jpg".to_string(), 200)]
    );
    assert!(images.variant_files().is_empty());
    assert_private(&images.original(&path).unwrap(), "the original");
}
