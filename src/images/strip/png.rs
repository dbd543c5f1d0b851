//! PNG: the chunks from IHDR to IEND.

use super::{Damage, Stripped, slice};

const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// The chunks a PNG (or APNG) is drawn from: its header, palette, data and transparency, its
/// colour (gamma, chromaticities, sRGB intent, ICC profile, CICP and HDR levels), its
/// background and pixel density, and APNG's animation. Text, EXIF, times and private chunks go.
const KEEP: [&[u8; 4]; 18] = [
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB",
    b"cICP", b"mDCV", b"cLLI", b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT",
];

/// `bytes` with only the chunks in [`KEEP`], and nothing after IEND.
pub(super) fn strip(bytes: &[u8], mut exif: Option<&[u8]>) -> Result<Stripped, Damage> {
    if !bytes.starts_with(SIGNATURE) {
        return Err(Damage::Malformed("it does not start like a PNG"));
    }
    let mut stripped = Stripped {
        bytes: SIGNATURE.to_vec(),
        ..Stripped::default()
    };
    let (mut pos, mut animation_frames) = (SIGNATURE.len(), 0);
    loop {
        let len = slice(bytes, pos, 4)?;
        let len = usize::try_from(u32::from_be_bytes([len[0], len[1], len[2], len[3]]))
            .map_err(|_| Damage::Malformed("a chunk is too long"))?;
        let chunk = slice(bytes, pos, len.saturating_add(12))?;
        let kind: &[u8] = &chunk[4..8];
        if pos == SIGNATURE.len() && kind != b"IHDR" {
            return Err(Damage::Malformed("it does not begin with its header"));
        }
        match kind {
            b"IDAT" => {
                // eXIf must come before the image data.
                if let Some(tiff) = exif.take() {
                    push_chunk(&mut stripped.bytes, b"eXIf", tiff)?;
                }
                stripped.frames = stripped.frames.max(1);
            }
            b"fcTL" => animation_frames += 1,
            b"eXIf" => {
                stripped
                    .exif
                    .get_or_insert_with(|| chunk[8..8 + len].to_vec());
            }
            _ => {}
        }
        if KEEP.iter().any(|keep| *keep == kind) {
            stripped.bytes.extend_from_slice(chunk);
        }
        pos += chunk.len();
        if kind == b"IEND" {
            break;
        }
    }
    if stripped.frames == 0 {
        return Err(Damage::Malformed("it holds no image data"));
    }
    stripped.frames = stripped.frames.max(animation_frames);
    Ok(stripped)
}

/// A chunk of `kind` holding `data`, with its CRC.
pub(super) fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) -> Result<(), Damage> {
    let len = u32::try_from(data.len()).map_err(|_| Damage::Malformed("a chunk is too long"))?;
    out.extend_from_slice(&len.to_be_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
        let mut bytes = SIGNATURE.to_vec();
        for (kind, data) in chunks {
            push_chunk(&mut bytes, kind, data).unwrap();
        }
        bytes
    }

    #[test]
    fn text_exif_and_time_go_colour_stays() {
        let source = file(&[
            (b"IHDR", b"header"),
            (b"iCCP", b"icc"),
            (b"tEXt", b"Author\0me"),
            (b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<x/>"),
            (b"zTXt", b"Comment\0\0z"),
            (b"eXIf", b"MM\0*gps"),
            (b"tIME", b"time"),
            (b"prVt", b"private"),
            (b"IDAT", b"data"),
            (b"IEND", b""),
        ]);
        let mut with_trailer = source.clone();
        with_trailer.extend_from_slice(b"trailing tEXt");
        let stripped = strip(&with_trailer, None).unwrap();
        let expected = file(&[
            (b"IHDR", b"header"),
            (b"iCCP", b"icc"),
            (b"IDAT", b"data"),
            (b"IEND", b""),
        ]);
        assert_eq!(stripped.bytes, expected);
        assert_eq!(stripped.exif.as_deref(), Some(&b"MM\0*gps"[..]));
        assert_eq!(stripped.frames, 1);

        let replaced = strip(&source, Some(b"new")).unwrap();
        let expected = file(&[
            (b"IHDR", b"header"),
            (b"iCCP", b"icc"),
            (b"eXIf", b"new"),
            (b"IDAT", b"data"),
            (b"IEND", b""),
        ]);
        assert_eq!(replaced.bytes, expected);
    }

    #[test]
    fn damage_is_told_apart() {
        let whole = file(&[(b"IHDR", b"header"), (b"IDAT", b"data"), (b"IEND", b"")]);
        for len in 0..whole.len() {
            let result = strip(&whole[..len], None);
            assert!(result.is_err(), "{len}");
        }
        assert_eq!(
            strip(&whole[..whole.len() - 1], None).unwrap_err(),
            Damage::Truncated
        );
        let headless = file(&[(b"IDAT", b"data"), (b"IEND", b"")]);
        assert!(matches!(strip(&headless, None), Err(Damage::Malformed(_))));
    }

    #[test]
    fn animation_frames_are_counted() {
        let apng = file(&[
            (b"IHDR", b"h"),
            (b"acTL", b"a"),
            (b"fcTL", b"1"),
            (b"IDAT", b"d"),
            (b"fcTL", b"2"),
            (b"fdAT", b"d"),
            (b"IEND", b""),
        ]);
        assert_eq!(strip(&apng, None).unwrap().frames, 2);
    }
}
