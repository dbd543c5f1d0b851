//! Test images: the generators are `pamphlet_corpus::images`, shared with the integration
//! tests; what needs pamphlet's own internals is made here.

#[allow(unused_imports)]
pub(crate) use pamphlet_corpus::images::*;

/// A lossy WebP with EXIF (GPS), XMP and an ICC profile, as a phone's editor might save.
pub(crate) fn camera_webp(pixels: &[u8], width: u32, height: u32) -> Vec<u8> {
    let plain = crate::images::encode::webp::encode(
        &crate::images::frame::Frame {
            width,
            height,
            alpha: false,
            pixels: pixels.to_vec(),
        },
        80,
        Some(&display_p3()),
    )
    .unwrap();
    let chunks = crate::images::strip::riff::chunks(&plain).unwrap();
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(exif_tiff(1, true));
    let extra = [
        crate::images::strip::riff::Chunk {
            id: b"EXIF",
            data: &exif,
        },
        crate::images::strip::riff::Chunk {
            id: b"XMP ",
            data: XMP,
        },
    ];
    let flags = chunks[0].data[0] | 0x08 | 0x04;
    crate::images::strip::riff::assemble(chunks.into_iter().chain(extra), Some(flags)).unwrap()
}
