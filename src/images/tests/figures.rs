//! The measurements that chose the encoders and their settings, printed for the 3000 × 2000
//! photo: `cargo test --release images -- --ignored --nocapture`.

use std::time::Instant;

use image::ImageEncoder;
use image::codecs::jpeg::JpegEncoder;

use super::fixtures::{big_photo_pixels, camera_jpeg, jpeg, screen_recording};
use super::{decode, images, psnr, put};
use crate::images::animation;
use crate::images::config::ImagesConfig;
use crate::images::encode::{avif, jpeg as jpeg_fallback, png, webp};
use crate::images::frame::Frame;
use crate::images::resize;

fn timed<T>(work: impl FnOnce() -> T) -> (T, f64) {
    let started = Instant::now();
    let result = work();
    (result, started.elapsed().as_secs_f64() * 1000.0)
}

/// The process's peak resident memory so far, in MiB (Linux).
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .unwrap_or("VmHWM: 0 kB");
    let kib: f64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// BT.601 luma of RGB pixels: PSNR of luma is fairer than of RGB to an encoder that
/// subsamples chroma, as the eye does not see that loss.
fn luma(rgb: &[u8]) -> Vec<u8> {
    let y = |p: &[u8]| {
        (0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2])).round() as u8
    };
    rgb.chunks_exact(3).map(y).collect()
}

/// One encoder's line: time, bytes, and fidelity to `frame` (PSNR of luma, and of RGB) when
/// it can be decoded here.
fn report(label: &str, frame: &Frame, encode: impl FnOnce() -> Vec<u8>, decodable: bool) {
    let (bytes, ms) = timed(encode);
    let fidelity = match decodable {
        true => {
            let decoded = decode(&bytes).into_rgb8().into_raw();
            let (y, rgb) = (
                psnr(&luma(&decoded), &luma(&frame.pixels)),
                psnr(&decoded, &frame.pixels),
            );
            format!("Y {y:5.1} dB, RGB {rgb:5.1} dB")
        }
        false => "–".to_string(),
    };
    println!(
        "  {label:<34} {ms:8.0} ms {:>10} bytes {fidelity}",
        bytes.len()
    );
}

#[test]
#[ignore = "a measurement, not a test: run with --release --ignored --nocapture"]
fn encoder_figures() {
    let source = Frame {
        width: 3000,
        height: 2000,
        alpha: false,
        pixels: big_photo_pixels().to_vec(),
    };
    let file = jpeg(&source.pixels, 3000, 2000);
    let (_, ms) = timed(|| decode(&file));
    println!(
        "decode the 3000 × 2000 JPEG ({} bytes): {ms:.0} ms",
        file.len()
    );
    let quality = ImagesConfig::default().quality;
    for width in ImagesConfig::default().widths_for(3000) {
        let (lanczos, lanczos_ms) =
            timed(|| resize::resize(&source, width, resize::FILTER).unwrap());
        let (_, catmull_ms) = timed(|| {
            resize::resize(&source, width, fast_image_resize::FilterType::CatmullRom).unwrap()
        });
        println!(
            "width {width}: resize Lanczos3 {lanczos_ms:.0} ms, Catmull-Rom {catmull_ms:.0} ms"
        );
        let frame = if width == 3000 { &source } else { &lanczos };
        for speed in [6u8, 8, 9, 10] {
            let label = format!("AVIF ravif speed {speed} q{}", avif::quality(quality));
            report(
                &label,
                frame,
                || avif_at_speed(frame, avif::quality(quality), speed),
                false,
            );
        }
        for method in [4, 6] {
            report(
                &format!("WebP libwebp method {method} q{quality}"),
                frame,
                || webp_at_method(frame, quality, method),
                true,
            );
        }
        for jpeg_quality in [75, jpeg_fallback::quality(quality), 90] {
            let label = format!("JPEG jpeg-encoder progressive q{jpeg_quality}");
            report(
                &label,
                frame,
                || jpeg_fallback::encode(frame, jpeg_quality, None).unwrap(),
                true,
            );
        }
        let label = format!("JPEG image's encoder q{}", jpeg_fallback::quality(quality));
        report(
            &label,
            frame,
            || image_jpeg(frame, jpeg_fallback::quality(quality)),
            true,
        );
        report(
            "PNG image's encoder, best",
            frame,
            || png::encode(frame, None).unwrap(),
            true,
        );
    }
    whole_set(&source.pixels);
    animated();
}

/// `Images::picture` on the camera JPEG, as a build runs it.
fn whole_set(pixels: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = put(
        dir.path(),
        "photo.jpg",
        &camera_jpeg(&jpeg(pixels, 3000, 2000), 1, true, None),
    );
    let before = peak_mib();
    let images = images(None);
    let (_, ms) = timed(|| images.picture(&path, "/photo.jpg").unwrap());
    let bytes: u64 = images
        .variant_files()
        .iter()
        .map(|file| file.bytes.len())
        .sum();
    println!(
        "the whole set (18 files, {bytes} bytes) through Images::picture: {ms:.0} ms on {} threads, peak memory {:.0} MiB above the {before:.0} MiB before",
        crate::images::parallel::threads(),
        peak_mib() - before
    );
}

/// The screen recording as lossless and as lossy animated WebP.
fn animated() {
    let gif = screen_recording(60);
    let animation = animation::decode_gif(&gif, image::Limits::default()).unwrap();
    let (lossless, ms) = timed(|| animation::encode_webp(&animation).unwrap());
    println!(
        "60-frame 320 × 240 GIF ({} bytes): lossless WebP {} bytes in {ms:.0} ms",
        gif.len(),
        lossless.len()
    );
    let mut config = webp::config().unwrap();
    config.quality = 75.0;
    let (lossy, ms) = timed(|| {
        let mut encoder = ::webp::AnimEncoder::new(320, 240, &config);
        for (index, (pixels, _)) in animation.frames.iter().enumerate() {
            encoder.add_frame(::webp::AnimFrame::from_rgba(
                pixels,
                320,
                240,
                index as i32 * 100,
            ));
        }
        encoder.try_encode().unwrap().to_vec()
    });
    println!("  lossy WebP q75: {} bytes in {ms:.0} ms", lossy.len());
}

fn avif_at_speed(frame: &Frame, quality: f32, speed: u8) -> Vec<u8> {
    let pixels: Vec<ravif::RGB8> = frame
        .pixels
        .chunks_exact(3)
        .map(|p| ravif::RGB8::new(p[0], p[1], p[2]))
        .collect();
    let encoder = ravif::Encoder::new()
        .with_quality(quality)
        .with_speed(speed);
    let image = ravif::Img::new(&pixels[..], frame.width as usize, frame.height as usize);
    encoder.encode_rgb(image).unwrap().avif_file
}

fn webp_at_method(frame: &Frame, quality: u8, method: i32) -> Vec<u8> {
    let mut config = webp::config().unwrap();
    config.quality = f32::from(quality);
    config.method = method;
    let encoder = ::webp::Encoder::from_rgb(&frame.pixels, frame.width, frame.height);
    encoder.encode_advanced(&config).unwrap().to_vec()
}

fn image_jpeg(frame: &Frame, quality: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    let encoder = JpegEncoder::new_with_quality(&mut bytes, quality);
    encoder
        .write_image(
            &frame.pixels,
            frame.width,
            frame.height,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    bytes
}
