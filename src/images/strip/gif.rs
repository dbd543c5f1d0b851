//! GIF: the blocks after the logical screen.

use super::{Damage, Stripped, slice};

/// Application extensions a GIF is drawn with: looping, and an ICC profile. Others (XMP
/// above all) go, and so do comments.
const KEEP_APPLICATIONS: [&[u8; 11]; 3] = [b"NETSCAPE2.0", b"ANIMEXTS1.0", b"ICCRGBG1012"];

/// `bytes` without comments and other applications' extensions, ending at the trailer.
pub(super) fn strip(bytes: &[u8]) -> Result<Stripped, Damage> {
    let screen = slice(bytes, 0, 13)?;
    if !(screen.starts_with(b"GIF87a") || screen.starts_with(b"GIF89a")) {
        return Err(Damage::Malformed("it does not start like a GIF"));
    }
    let start = 13 + colour_table_len(screen[10]);
    let mut stripped = Stripped {
        bytes: slice(bytes, 0, start)?.to_vec(),
        ..Stripped::default()
    };
    let mut pos = start;
    loop {
        match bytes.get(pos) {
            // Many GIFs lack the trailer; after whole blocks that is harmless.
            None if stripped.frames > 0 => break,
            None => return Err(Damage::Truncated),
            Some(0x3B) => break,
            Some(0x21) => {
                let label = *bytes.get(pos + 1).ok_or(Damage::Truncated)?;
                let end = sub_blocks_end(bytes, pos + 2)?;
                let keep = match label {
                    0xF9 | 0x01 => true,
                    0xFF => KEEP_APPLICATIONS.iter().any(|id| {
                        bytes.get(pos + 2) == Some(&11)
                            && bytes.get(pos + 3..pos + 14) == Some(&id[..])
                    }),
                    _ => false,
                };
                if keep {
                    stripped.bytes.extend_from_slice(&bytes[pos..end]);
                }
                pos = end;
            }
            Some(0x2C) => {
                let descriptor = slice(bytes, pos, 10)?;
                // The local colour table, then the LZW minimum code size.
                let data = pos + 10 + colour_table_len(descriptor[9]) + 1;
                let end = sub_blocks_end(bytes, data)?;
                stripped.bytes.extend_from_slice(&bytes[pos..end]);
                stripped.frames += 1;
                pos = end;
            }
            Some(_) => return Err(Damage::Malformed("a block of no known kind")),
        }
    }
    if stripped.frames == 0 {
        return Err(Damage::Malformed("it holds no image"));
    }
    stripped.bytes.push(0x3B);
    Ok(stripped)
}

/// The size of the colour table a packed field announces.
fn colour_table_len(packed: u8) -> usize {
    if packed & 0x80 == 0 {
        0
    } else {
        3 << ((packed & 7) + 1)
    }
}

/// Where the data sub-blocks starting at `pos` end, past their zero-length terminator.
fn sub_blocks_end(bytes: &[u8], mut pos: usize) -> Result<usize, Damage> {
    loop {
        let len = usize::from(*bytes.get(pos).ok_or(Damage::Truncated)?);
        pos += 1;
        if len == 0 {
            return Ok(pos);
        }
        slice(bytes, pos, len)?;
        pos += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCREEN: &[u8] = b"GIF89a\x02\x00\x02\x00\x80\x00\x00";
    const PALETTE: &[u8] = &[0, 0, 0, 255, 255, 255];
    const LOOP: &[u8] = b"\x21\xFF\x0BNETSCAPE2.0\x03\x01\x00\x00\x00";
    const XMP: &[u8] = b"\x21\xFF\x0BXMP DataXMP\x05<x/>\n\x00";
    const COMMENT: &[u8] = b"\x21\xFE\x09a comment\x00";
    const CONTROL: &[u8] = b"\x21\xF9\x04\x00\x0A\x00\x00\x00";
    const IMAGE: &[u8] = b"\x2C\x00\x00\x00\x00\x02\x00\x02\x00\x00\x02\x02\x44\x01\x00";

    #[test]
    fn comments_and_xmp_go_frames_and_looping_stay() {
        let source = [
            SCREEN, PALETTE, LOOP, XMP, COMMENT, CONTROL, IMAGE, CONTROL, IMAGE, b";junk",
        ]
        .concat();
        let stripped = strip(&source).unwrap();
        let expected = [SCREEN, PALETTE, LOOP, CONTROL, IMAGE, CONTROL, IMAGE, b";"].concat();
        assert_eq!(stripped.bytes, expected);
        assert_eq!(stripped.frames, 2);
    }

    #[test]
    fn a_missing_trailer_is_forgiven_a_cut_block_is_not() {
        let untrailed = [SCREEN, PALETTE, IMAGE].concat();
        assert_eq!(
            strip(&untrailed).unwrap().bytes,
            [&untrailed[..], b";"].concat()
        );
        for len in 0..untrailed.len() {
            assert_eq!(
                strip(&untrailed[..len]).unwrap_err(),
                Damage::Truncated,
                "{len}"
            );
        }
    }
}
