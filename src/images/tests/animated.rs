//! Animated GIFs: a screen recording becomes a smaller animated WebP with every frame, and a
//! GIF too long to convert is published as it is.

use std::io::Cursor;

use image::AnimationDecoder;
use image::codecs::gif::GifDecoder;
use image::codecs::webp::WebPDecoder;

use super::fixtures::screen_recording;
use super::{assert_private, files, images, mime_of, put, urls};
use crate::images::Kind;

/// Every frame's pixels and delay in milliseconds.
fn frames<'a>(decoder: impl AnimationDecoder<'a>) -> Vec<(Vec<u8>, u32)> {
    (decoder.into_frames().collect_frames().unwrap().into_iter())
        .map(|frame| {
            let (numerator, denominator) = frame.delay().numer_denom_ms();
            (frame.into_buffer().into_raw(), numerator / denominator)
        })
        .collect()
}

#[test]
fn a_screen_recording_becomes_a_smaller_animated_webp_with_every_frame() {
    let dir = tempfile::tempdir().unwrap();
    let gif = screen_recording(60);
    let path = put(dir.path(), "demo.gif", &gif);
    let images = images(None);
    let picture = images.picture(&path, "/demo.gif").unwrap();
    assert_eq!(
        (picture.kind, picture.width, picture.height),
        (Kind::AnimatedGif, 320, 240)
    );
    let found: Vec<_> = urls(&picture)
        .into_iter()
        .map(|(mime, _, width)| (mime, width))
        .collect();
    assert_eq!(found, [("image/webp", 320), ("image/gif", 320)]);
    let files = files(&images);
    let webp = &files[&picture.sources[0].candidates[0].url];
    let fallback = &files[&picture.fallback.candidates[0].url];
    assert_eq!(
        (mime_of(webp), mime_of(fallback)),
        ("image/webp", "image/gif")
    );
    assert!(
        webp.len() < fallback.len(),
        "WebP {} ≥ GIF {}",
        webp.len(),
        fallback.len()
    );
    assert_private(webp, "the animated WebP");
    assert_private(fallback, "the GIF fallback");

    let source = frames(GifDecoder::new(Cursor::new(&gif[..])).unwrap());
    let published_gif = frames(GifDecoder::new(Cursor::new(&fallback[..])).unwrap());
    let animated = frames(WebPDecoder::new(Cursor::new(&webp[..])).unwrap());
    assert_eq!(source.len(), 60);
    assert_eq!(published_gif, source, "the GIF is only stripped");
    assert_eq!(animated.len(), 60);
    // libwebp's own decoder, as browsers use: every frame exact, since the WebP is lossless,
    // and each ending 100 ms after the one before, but the last, held for a second.
    let reference = ::webp::AnimDecoder::new(webp).decode().unwrap();
    assert_eq!(reference.len(), 60);
    for (index, (expected, decoded)) in source.iter().zip(&animated).enumerate() {
        let frame = reference.get_frame(index).unwrap();
        assert!(
            frame.get_image() == &expected.0[..],
            "frame {index} differs"
        );
        let lasts: u32 = if index == 59 { 1000 } else { 100 };
        assert_eq!(
            frame.get_time_ms(),
            100 * index as i32 + lasts as i32,
            "frame {index} ends"
        );
        assert_eq!(
            (decoded.1, expected.1),
            (lasts, lasts),
            "frame {index} lasts {lasts} ms"
        );
        // `image`'s WebP decoder blends opaque pixels a shade dark (it scales by 255/256).
        let close = decoded
            .0
            .iter()
            .zip(&expected.0)
            .all(|(a, b)| a.abs_diff(*b) <= 1);
        assert!(close, "frame {index} is not the GIF's");
    }
}

#[test]
fn a_gif_of_too_many_frames_is_published_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut gif = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut gif);
        for index in 0..2001u32 {
            let image =
                image::RgbaImage::from_pixel(2, 2, image::Rgba([(index % 256) as u8, 0, 0, 255]));
            encoder.encode_frame(image::Frame::new(image)).unwrap();
        }
    }
    let path = put(dir.path(), "long.gif", &gif);
    let images = images(None);
    let problem = images.picture(&path, "/long.gif").unwrap_err();
    assert_eq!(
        problem.message,
        "long.gif has 2001 frames, more than the 2000 made into an animated WebP"
    );
    assert!(images.original(&path).is_ok());
}
