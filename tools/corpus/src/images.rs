//! Test images, made from code rather than kept as files: photos, graphics, animations,
//! drawings and broken files, with the metadata a camera or an editor would leave.

use std::io::Cursor;
use std::sync::OnceLock;

use exif::experimental::Writer;
use exif::{Field, In, Rational, Tag, Value};
use image::codecs::gif::{GifEncoder, Repeat};
use image::codecs::png::PngEncoder;
use image::{Delay, ExtendedColorType, ImageEncoder, RgbaImage};

/// A GPS coordinate, the way a phone writes it, so tests can look for its bytes.
pub const XMP: &[u8] = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><exif:GPSLatitude>48,51.4N</exif:GPSLatitude></x:xmpmeta>";

/// A small deterministic random number generator (xorshift), so every run makes the same
/// images.
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Noise {
        Noise(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in 0..1.
    fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// A photograph-like RGB image: a sky-to-ground gradient, soft blobs of colour, texture at
/// three scales, and sensor grain, so encoders see what they see in photos (smooth areas,
/// edges, detail) rather than pure noise or flat colour.
pub fn photo_pixels(width: u32, height: u32) -> Vec<u8> {
    let mut noise = Noise::new(u64::from(width) * 31 + u64::from(height));
    let grids: Vec<(usize, Vec<f32>)> = [96usize, 24, 6]
        .iter()
        .map(|&cell| {
            let cols = width as usize / cell + 2;
            let rows = height as usize / cell + 2;
            (cell, (0..cols * rows).map(|_| noise.unit()).collect())
        })
        .collect();
    let blobs: Vec<[f32; 6]> = (0..12)
        .map(|_| {
            let (x, y) = (noise.unit() * width as f32, noise.unit() * height as f32);
            let radius = (0.05 + noise.unit() * 0.2) * width as f32;
            [x, y, radius, noise.unit(), noise.unit(), noise.unit()]
        })
        .collect();
    let mut pixels = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height {
        let v = y as f32 / height as f32;
        for x in 0..width {
            let u = x as f32 / width as f32;
            let texture: f32 = (grids.iter().enumerate())
                .map(|(octave, (cell, grid))| {
                    value_noise(grid, *cell, width as usize, x as usize, y as usize)
                        / (1 << octave) as f32
                })
                .sum();
            let mut rgb = [
                0.35 + 0.4 * (1.0 - v),
                0.45 + 0.3 * (1.0 - v) * u,
                0.55 + 0.35 * (1.0 - v),
            ];
            if v > 0.6 {
                rgb = [0.3 + 0.2 * u, 0.4 - 0.1 * v, 0.15];
            }
            for blob in &blobs {
                let squared = (x as f32 - blob[0]).powi(2) + (y as f32 - blob[1]).powi(2);
                if squared >= blob[2] * blob[2] {
                    continue;
                }
                let weight = (1.0 - squared.sqrt() / blob[2]).powi(2);
                for c in 0..3 {
                    rgb[c] = rgb[c] * (1.0 - weight) + blob[3 + c] * weight;
                }
            }
            let grain = ((noise.next_u64() & 0xFF) as f32 / 255.0 - 0.5) * 0.04;
            for c in rgb {
                let value = c * (0.75 + 0.35 * texture) + grain;
                pixels.push((value.clamp(0.0, 1.0) * 255.0) as u8);
            }
        }
    }
    pixels
}

/// Bilinear interpolation of a grid of random values with `cell`-pixel cells.
fn value_noise(grid: &[f32], cell: usize, width: usize, x: usize, y: usize) -> f32 {
    let cols = width / cell + 2;
    let (gx, gy) = (x / cell, y / cell);
    let (fx, fy) = (
        (x % cell) as f32 / cell as f32,
        (y % cell) as f32 / cell as f32,
    );
    let at = |cx: usize, cy: usize| grid[cy * cols + cx];
    let top = at(gx, gy) * (1.0 - fx) + at(gx + 1, gy) * fx;
    let bottom = at(gx, gy + 1) * (1.0 - fx) + at(gx + 1, gy + 1) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// The 3000 × 2000 photo's pixels, made once per test run.
pub fn big_photo_pixels() -> &'static [u8] {
    static PIXELS: OnceLock<Vec<u8>> = OnceLock::new();
    PIXELS.get_or_init(|| photo_pixels(3000, 2000))
}

/// RGB pixels as a JPEG at quality 90, as a camera would save them.
pub fn jpeg(pixels: &[u8], width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut bytes, 90);
    encoder
        .encode(
            pixels,
            width as u16,
            height as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .unwrap();
    bytes
}

/// A camera's JPEG: `jpeg` with EXIF (orientation, camera, time, and GPS when asked), XMP
/// and a comment after SOI, and an ICC profile when given.
pub fn camera_jpeg(jpeg: &[u8], orientation: u16, gps: bool, icc: Option<&[u8]>) -> Vec<u8> {
    let mut bytes = jpeg[..2].to_vec();
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(exif_tiff(orientation, gps));
    bytes.extend(segment(0xE1, &exif));
    bytes.extend(segment(0xE1, XMP));
    if let Some(icc) = icc {
        let mut payload = b"ICC_PROFILE\0\x01\x01".to_vec();
        payload.extend_from_slice(icc);
        bytes.extend(segment(0xE2, &payload));
    }
    bytes.extend(segment(0xFE, b"taken at 48.8566 N, 2.3522 E"));
    bytes.extend_from_slice(&jpeg[2..]);
    bytes
}

/// A JPEG segment.
pub fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0xFF, marker];
    bytes.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

/// An EXIF TIFF structure as a camera writes one: orientation, make and model, the time,
/// and GPS coordinates when `gps`.
pub fn exif_tiff(orientation: u16, gps: bool) -> Vec<u8> {
    let field = |tag, value| Field {
        tag,
        ifd_num: In::PRIMARY,
        value,
    };
    let ascii = |text: &str| Value::Ascii(vec![text.as_bytes().to_vec()]);
    let dms = |d, m, s| {
        Value::Rational(vec![
            Rational::from((d, 1)),
            Rational::from((m, 1)),
            Rational::from((s, 100)),
        ])
    };
    let mut fields = vec![
        field(Tag::Orientation, Value::Short(vec![orientation])),
        field(Tag::Make, ascii("Pamphlet")),
        field(Tag::Model, ascii("Test Camera 1")),
        field(Tag::DateTimeOriginal, ascii("2024:05:06 07:08:09")),
    ];
    if gps {
        fields.push(field(Tag::GPSLatitudeRef, ascii("N")));
        fields.push(field(Tag::GPSLatitude, dms(48, 51, 2400)));
        fields.push(field(Tag::GPSLongitudeRef, ascii("E")));
        fields.push(field(Tag::GPSLongitude, dms(2, 21, 700)));
    }
    let mut writer = Writer::new();
    for field in &fields {
        writer.push_field(field);
    }
    let mut tiff = Cursor::new(Vec::new());
    writer.write(&mut tiff, false).unwrap();
    tiff.into_inner()
}

/// A Display P3 ICC profile, as iPhones embed; made once, since the profile's header holds
/// the time it was made.
pub fn display_p3() -> Vec<u8> {
    static PROFILE: OnceLock<Vec<u8>> = OnceLock::new();
    PROFILE
        .get_or_init(|| moxcms::ColorProfile::new_display_p3().encode().unwrap())
        .clone()
}

/// A PNG of `pixels` (`layout`), with the chunks editors add: text, XMP, EXIF with GPS, a
/// time, and an ICC profile when given.
pub fn png(
    pixels: &[u8],
    width: u32,
    height: u32,
    layout: ExtendedColorType,
    icc: Option<&[u8]>,
) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = PngEncoder::new(&mut bytes);
    if let Some(icc) = icc {
        encoder.set_icc_profile(icc.to_vec()).unwrap();
    }
    encoder.write_image(pixels, width, height, layout).unwrap();
    let idat = bytes.windows(4).position(|w| w == b"IDAT").unwrap() - 4;
    let mut chunks = Vec::new();
    chunk(&mut chunks, b"tEXt", b"Author\0Someone Private");
    chunk(
        &mut chunks,
        b"iTXt",
        &[b"XML:com.adobe.xmp\0\0\0\0\0".as_slice(), XMP].concat(),
    );
    chunk(&mut chunks, b"eXIf", &exif_tiff(1, true));
    chunk(&mut chunks, b"tIME", &[7, 232, 5, 6, 7, 8, 9]);
    bytes.splice(idat..idat, chunks);
    bytes
}

/// A PNG chunk, with its CRC.
pub fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

/// A 200 × 120 graphic with a transparent gradient and hard edges, as a PNG.
pub fn small_png() -> Vec<u8> {
    let (width, height) = (200, 120);
    let mut pixels = Vec::new();
    for y in 0..height {
        for x in 0..width {
            let inside = (40..160).contains(&x) && (30..90).contains(&y);
            let colour = if inside { [220, 40, 40] } else { [30, 90, 200] };
            pixels.extend_from_slice(&colour);
            pixels.push((255 * x / width) as u8);
        }
    }
    png(
        &pixels,
        width,
        height,
        ExtendedColorType::Rgba8,
        Some(&display_p3()),
    )
}

/// A 300 × 200 PNG of 16-bit samples.
pub fn png16() -> Vec<u8> {
    let (width, height) = (300u32, 200u32);
    let mut pixels = Vec::new();
    for y in 0..height {
        for x in 0..width {
            for sample in [x * 65535 / width, y * 65535 / height, 40000] {
                pixels.extend_from_slice(&(sample as u16).to_be_bytes());
            }
        }
    }
    // PNG stores 16-bit samples big-endian, but `image` takes them in native order.
    let native: Vec<u8> = pixels
        .chunks(2)
        .flat_map(|s| u16::from_be_bytes([s[0], s[1]]).to_ne_bytes())
        .collect();
    png(&native, width, height, ExtendedColorType::Rgb16, None)
}

/// A 240 × 160 CMYK JPEG (as print workflows and Photoshop save them), of pure cyan.
pub fn cmyk_jpeg() -> Vec<u8> {
    let (width, height) = (240u16, 160u16);
    let pixels = [255u8, 0, 0, 0].repeat(usize::from(width) * usize::from(height));
    let mut bytes = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut bytes, 90);
    encoder
        .encode(&pixels, width, height, jpeg_encoder::ColorType::Cmyk)
        .unwrap();
    bytes
}

/// A 320 × 240 screen recording of `frames` frames at 100 ms, the last held for a second:
/// flat colours, a window with lines of "text", and a box moving across, looping forever;
/// with an XMP application extension, as editors add.
pub fn screen_recording(frames: u32) -> Vec<u8> {
    let (width, height) = (320u32, 240u32);
    let mut bytes = Vec::new();
    {
        let mut encoder = GifEncoder::new_with_speed(&mut bytes, 10);
        encoder.set_repeat(Repeat::Infinite).unwrap();
        for index in 0..frames {
            let image = RgbaImage::from_fn(width, height, |x, y| {
                let boxed = x.wrapping_sub(20 + index * 4) < 40 && (150..190).contains(&y);
                let window = (10..310).contains(&x) && (10..130).contains(&y);
                let text = window && y % 16 < 4 && x % 50 < 40 && y > 20;
                image::Rgba(match (boxed, text, window) {
                    (true, _, _) => [230, 50, 40, 255],
                    (_, true, _) => [40, 40, 40, 255],
                    (_, _, true) => [250, 250, 250, 255],
                    _ => [180, 190, 200, 255],
                })
            });
            let delay = Delay::from_numer_denom_ms(if index + 1 == frames { 1000 } else { 100 }, 1);
            encoder
                .encode_frame(image::Frame::from_parts(image, 0, 0, delay))
                .unwrap();
        }
    }
    let xmp = [
        b"\x21\xFF\x0BXMP DataXMP\x10".as_slice(),
        b"<x:xmpmeta GPS/>",
        b"\x00",
    ]
    .concat();
    // After the logical screen and its global colour table, before the first block.
    let at = if bytes[10] & 0x80 != 0 {
        13 + (3 << ((bytes[10] & 7) + 1))
    } else {
        13
    };
    bytes.splice(at..at, xmp);
    bytes
}

/// An SVG with `attributes` on its root.
pub fn svg(attributes: &str) -> Vec<u8> {
    format!("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" {attributes}><circle r=\"5\"/></svg>\n").into_bytes()
}

/// A PNG whose header declares 100,000 × 100,000 pixels (30 GB as RGB) over a few bytes of
/// data: a decompression bomb.
pub fn bomb_png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&100_000u32.to_be_bytes());
    header.extend_from_slice(&100_000u32.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut bytes, b"IHDR", &header);
    chunk(
        &mut bytes,
        b"IDAT",
        &[0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
    );
    chunk(&mut bytes, b"IEND", b"");
    bytes
}
