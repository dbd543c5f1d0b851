//! WebP: the chunks of its RIFF container.

use super::{Damage, Stripped, slice};

/// The chunks a WebP is drawn from: the extended header, lossy and lossless image data,
/// alpha, animation and its frames, and the ICC profile. EXIF, XMP and unknown chunks go.
const KEEP: [&[u8; 4]; 7] = [
    b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF", b"ICCP",
];

/// VP8X's flags: which optional chunks the file has.
const FLAG_ICC: u8 = 0x20;
const FLAG_ALPHA: u8 = 0x10;
const FLAG_EXIF: u8 = 0x08;
const FLAG_ANIMATION: u8 = 0x02;

/// One chunk: its four-character code and its data.
pub(crate) struct Chunk<'a> {
    pub(crate) id: &'a [u8],
    pub(crate) data: &'a [u8],
}

/// `bytes` with only the chunks in [`KEEP`], VP8X's flags saying so, and nothing after the
/// RIFF. A replacement `exif` is only put back in the extended format (VP8X), the only one
/// that carries EXIF: a file that had EXIF had it.
pub(super) fn strip(bytes: &[u8], exif: Option<&[u8]>) -> Result<Stripped, Damage> {
    let chunks = chunks(bytes)?;
    let mut stripped = Stripped::default();
    let mut kept: Vec<Chunk<'_>> = Vec::new();
    for chunk in chunks {
        match chunk.id {
            b"EXIF" => {
                let tiff = chunk.data.strip_prefix(b"Exif\0\0").unwrap_or(chunk.data);
                stripped.exif.get_or_insert_with(|| tiff.to_vec());
            }
            b"VP8 " | b"VP8L" | b"ANMF" => stripped.frames += 1,
            _ => {}
        }
        if KEEP.iter().any(|keep| *keep == chunk.id) {
            kept.push(chunk);
        }
    }
    if stripped.frames == 0 {
        return Err(Damage::Malformed("it holds no image data"));
    }
    let extended = kept.first().is_some_and(|chunk| chunk.id == b"VP8X");
    let exif = exif.filter(|_| extended);
    let icc = kept.iter().any(|chunk| chunk.id == b"ICCP");
    let mut flags = None;
    if let Some(vp8x) = kept.first().filter(|_| extended) {
        let old = vp8x
            .data
            .first()
            .copied()
            .ok_or(Damage::Malformed("its VP8X is empty"))?;
        let mut new = old & (FLAG_ALPHA | FLAG_ANIMATION);
        new |= if icc { FLAG_ICC } else { 0 } | if exif.is_some() { FLAG_EXIF } else { 0 };
        flags = Some(new);
    }
    let mut extra = Vec::new();
    if let Some(tiff) = exif {
        extra.push(Chunk {
            id: b"EXIF",
            data: tiff,
        });
    }
    stripped.bytes = assemble(kept.into_iter().chain(extra), flags)?;
    Ok(stripped)
}

/// The chunks of a WebP file, in order; data past the RIFF's declared end is ignored.
pub(crate) fn chunks(bytes: &[u8]) -> Result<Vec<Chunk<'_>>, Damage> {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WEBP" {
        return Err(Damage::Malformed("it does not start like a WebP"));
    }
    let declared = usize::try_from(le32(&bytes[4..8])).map_err(|_| Damage::Truncated)?;
    let body = slice(bytes, 12, declared.saturating_sub(4))?;
    let mut chunks = Vec::new();
    let mut pos = 0;
    while pos < body.len() {
        let header = slice(body, pos, 8)?;
        let len = usize::try_from(le32(&header[4..8])).map_err(|_| Damage::Truncated)?;
        let data = slice(body, pos + 8, len)?;
        chunks.push(Chunk {
            id: &header[..4],
            data,
        });
        // Chunks are padded to an even length; a writer may leave out the last pad byte.
        pos += 8 + len + (len & 1);
    }
    Ok(chunks)
}

/// A WebP file of `chunks`, the first (VP8X) given `flags` when there are some.
pub(crate) fn assemble<'a>(
    chunks: impl IntoIterator<Item = Chunk<'a>>,
    flags: Option<u8>,
) -> Result<Vec<u8>, Damage> {
    let mut out = b"RIFF\0\0\0\0WEBP".to_vec();
    for (index, chunk) in chunks.into_iter().enumerate() {
        let len = u32::try_from(chunk.data.len()).map_err(|_| Damage::Malformed("too long"))?;
        out.extend_from_slice(chunk.id);
        out.extend_from_slice(&len.to_le_bytes());
        let start = out.len();
        out.extend_from_slice(chunk.data);
        if let (0, Some(flags)) = (index, flags)
            && let Some(first) = out.get_mut(start)
        {
            *first = flags;
        }
        if chunk.data.len() % 2 == 1 {
            out.push(0);
        }
    }
    let riff_len = u32::try_from(out.len() - 8).map_err(|_| Damage::Malformed("too long"))?;
    out[4..8].copy_from_slice(&riff_len.to_le_bytes());
    Ok(out)
}

fn le32(bytes: &[u8]) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[..4]);
    u32::from_le_bytes(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
        assemble(
            chunks.iter().map(|(id, data)| Chunk { id: *id, data }),
            None,
        )
        .unwrap()
    }

    #[test]
    fn exif_and_xmp_go_and_the_flags_follow() {
        let vp8x = [
            FLAG_ICC | FLAG_ALPHA | FLAG_EXIF | 0x04,
            0,
            0,
            0,
            1,
            0,
            0,
            1,
            0,
            0,
        ];
        let source = file(&[
            (b"VP8X", &vp8x),
            (b"ICCP", b"icc"),
            (b"ALPH", b"alpha"),
            (b"VP8 ", b"lossy"),
            (b"EXIF", b"Exif\0\0MM\0*"),
            (b"XMP ", b"<x:xmpmeta/>"),
            (b"JUNK", b"junk"),
        ]);
        let stripped = strip(&source, None).unwrap();
        let flags = [FLAG_ICC | FLAG_ALPHA, 0, 0, 0, 1, 0, 0, 1, 0, 0];
        let expected = file(&[
            (b"VP8X", &flags),
            (b"ICCP", b"icc"),
            (b"ALPH", b"alpha"),
            (b"VP8 ", b"lossy"),
        ]);
        assert_eq!(stripped.bytes, expected);
        assert_eq!(stripped.exif.as_deref(), Some(&b"MM\0*"[..]));

        let replaced = strip(&source, Some(b"II*\0")).unwrap();
        let flags = [FLAG_ICC | FLAG_ALPHA | FLAG_EXIF, 0, 0, 0, 1, 0, 0, 1, 0, 0];
        let expected = file(&[
            (b"VP8X", &flags),
            (b"ICCP", b"icc"),
            (b"ALPH", b"alpha"),
            (b"VP8 ", b"lossy"),
            (b"EXIF", b"II*\0"),
        ]);
        assert_eq!(replaced.bytes, expected);
    }

    #[test]
    fn simple_files_stay_simple_and_cut_files_are_truncated() {
        let simple = file(&[(b"VP8L", b"lossless")]);
        assert_eq!(strip(&simple, Some(b"exif")).unwrap().bytes, simple);
        for len in 12..simple.len() {
            assert_eq!(
                strip(&simple[..len], None).unwrap_err(),
                Damage::Truncated,
                "{len}"
            );
        }
        let empty = file(&[(b"XMP ", b"x")]);
        assert!(matches!(strip(&empty, None), Err(Damage::Malformed(_))));
    }
}
