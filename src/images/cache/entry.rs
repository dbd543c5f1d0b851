//! One cache entry's bytes: a few blobs behind a header that proves them whole.
//!
//! ```text
//! magic        16 bytes  "pamphlet-images\x02"
//! length        8 bytes  of the payload, little-endian
//! checksum      4 bytes  CRC-32 of the payload, little-endian
//! payload:
//!   count       4 bytes  of blobs, little-endian
//!   lengths     8 bytes  each, little-endian
//!   blobs       back to back
//! ```
//!
//! A file cut short, grown, or with any byte changed fails the length or the checksum and is
//! never used: a damaged entry is redone, never published. The checksum guards against a disk
//! or a killed writer, not an adversary (whoever can write the cache can write the site), so
//! it is a CRC: a warm build reads every variant back, and a CRC costs a tenth of a SHA-256.

/// The format's name and, in its last byte, its version.
const MAGIC: &[u8; 16] = b"pamphlet-images\x02";
const HEADER: usize = MAGIC.len() + 8 + 4;

/// The file holding `blobs`.
pub(crate) fn encode(blobs: &[&[u8]]) -> Vec<u8> {
    let mut payload = Vec::with_capacity(blobs.iter().map(|b| b.len() + 8).sum::<usize>() + 4);
    payload.extend_from_slice(&(blobs.len() as u32).to_le_bytes());
    for blob in blobs {
        payload.extend_from_slice(&(blob.len() as u64).to_le_bytes());
    }
    for blob in blobs {
        payload.extend_from_slice(blob);
    }
    let mut file = Vec::with_capacity(HEADER + payload.len());
    file.extend_from_slice(MAGIC);
    file.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    file.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    file.extend_from_slice(&payload);
    file
}

/// True when `file` is an entry in another version of the format: not damage, only stale.
pub(crate) fn is_other_version(file: &[u8]) -> bool {
    let name = &MAGIC[..MAGIC.len() - 1];
    file.len() >= MAGIC.len() && file.starts_with(name) && &file[..MAGIC.len()] != MAGIC
}

/// The blobs of `file`, or `None` when it is not a whole entry.
pub(crate) fn decode(file: &[u8]) -> Option<Vec<Vec<u8>>> {
    let (magic, rest) = file.split_at_checked(MAGIC.len())?;
    let (length, rest) = rest.split_at_checked(8)?;
    let (checksum, payload) = rest.split_at_checked(4)?;
    if magic != MAGIC || u64::from_le_bytes(length.try_into().ok()?) != payload.len() as u64 {
        return None;
    }
    if crc32fast::hash(payload).to_le_bytes() != checksum {
        return None;
    }
    let (count, mut rest) = payload.split_at_checked(4)?;
    let count = u32::from_le_bytes(count.try_into().ok()?) as usize;
    let mut lengths = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        let (length, after) = rest.split_at_checked(8)?;
        lengths.push(usize::try_from(u64::from_le_bytes(length.try_into().ok()?)).ok()?);
        rest = after;
    }
    let mut blobs = Vec::with_capacity(count.min(1024));
    for length in lengths {
        let (blob, after) = rest.split_at_checked(length)?;
        blobs.push(blob.to_vec());
        rest = after;
    }
    rest.is_empty().then_some(blobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_come_back_whole() {
        let file = encode(&[b"manifest", b"", b"variant bytes"]);
        assert_eq!(
            decode(&file).unwrap(),
            [&b"manifest"[..], b"", b"variant bytes"]
        );
        assert_eq!(decode(&encode(&[])).unwrap(), Vec::<Vec<u8>>::new());
    }

    #[test]
    fn any_damage_is_seen() {
        let file = encode(&[b"manifest", b"variant bytes"]);
        for len in 0..file.len() {
            assert_eq!(decode(&file[..len]), None, "cut to {len}");
        }
        for at in 0..file.len() {
            let mut flipped = file.clone();
            flipped[at] ^= 0x01;
            assert_eq!(decode(&flipped), None, "byte {at} flipped");
        }
        assert!(!is_other_version(&file));
        let mut older = file.clone();
        older[MAGIC.len() - 1] = 1;
        assert!(is_other_version(&older) && decode(&older).is_none());
        let mut grown = file.clone();
        grown.push(0);
        assert_eq!(decode(&grown), None);
    }
}
