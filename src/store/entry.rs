//! One cache entry's bytes: a few blobs behind a table that proves each of them whole.
//!
//! ```text
//! magic        16 bytes  "pamphlet-images\x03"
//! count         4 bytes  of blobs, little-endian
//! table        12 bytes  a blob: its length (8 bytes) and its CRC-32 (4), little-endian
//! table CRC     4 bytes  CRC-32 of count and table
//! blobs                  back to back
//! ```
//!
//! A file cut short or grown fails its length, a changed byte its blob's CRC: a damaged entry
//! is never published. A blob can be read and checked alone ([`Table`]), so a warm build reads
//! a picture's manifest and leaves its variants on disk until a sink needs them. The checksum
//! guards against a disk or a killed writer, not an adversary (whoever can write the cache can
//! write the site), so it is a CRC, a tenth of a SHA-256's cost.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// The format's name and, in its last byte, its version.
const MAGIC: &[u8; 16] = b"pamphlet-images\x03";
const ROW: usize = 12;
/// More blobs than any picture has: a count above it is damage, not a table to allocate.
const MAX_BLOBS: usize = 4096;

/// The file holding `blobs`.
pub(crate) fn encode(blobs: &[&[u8]]) -> Vec<u8> {
    let mut head = Vec::with_capacity(4 + blobs.len() * ROW);
    head.extend_from_slice(&(blobs.len() as u32).to_le_bytes());
    for blob in blobs {
        head.extend_from_slice(&(blob.len() as u64).to_le_bytes());
        head.extend_from_slice(&crc32fast::hash(blob).to_le_bytes());
    }
    let total = MAGIC.len() + head.len() + 4 + blobs.iter().map(|b| b.len()).sum::<usize>();
    let mut file = Vec::with_capacity(total);
    file.extend_from_slice(MAGIC);
    file.extend_from_slice(&head);
    file.extend_from_slice(&crc32fast::hash(&head).to_le_bytes());
    for blob in blobs {
        file.extend_from_slice(blob);
    }
    file
}

/// True when `file` starts as an entry in another version of the format: stale, not damaged.
pub(crate) fn is_other_version(file: &[u8]) -> bool {
    let name = &MAGIC[..MAGIC.len() - 1];
    file.len() >= MAGIC.len() && file.starts_with(name) && &file[..MAGIC.len()] != MAGIC
}

/// Where one blob lies in its entry, and what it must hash to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BlobAt {
    pub(crate) offset: u64,
    pub(crate) len: u64,
    crc: u32,
}

impl BlobAt {
    /// True when `bytes` are this blob, whole.
    pub(crate) fn holds(&self, bytes: &[u8]) -> bool {
        bytes.len() as u64 == self.len && crc32fast::hash(bytes) == self.crc
    }

    /// This blob of the entry `file`, read and checked; `None` when it is not what the table
    /// says.
    pub(crate) fn read(&self, file: &mut File) -> io::Result<Option<Vec<u8>>> {
        let len = usize::try_from(self.len).map_err(io::Error::other)?;
        let mut bytes = vec![0; len];
        file.seek(SeekFrom::Start(self.offset))?;
        file.read_exact(&mut bytes)?;
        Ok(self.holds(&bytes).then_some(bytes))
    }
}

/// An entry's table: where each blob is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    pub(crate) blobs: Vec<BlobAt>,
    /// The length a whole entry with this table has.
    pub(crate) file_len: u64,
}

impl Table {
    /// The table at the start of `file`, or `None` when it is not one; the blobs are not read.
    pub(crate) fn read(file: &mut File) -> io::Result<Option<Table>> {
        let mut start = [0; MAGIC.len() + 4];
        if read_fully(file, &mut start)? < start.len() || &start[..MAGIC.len()] != MAGIC {
            return Ok(None);
        }
        let count = u32::from_le_bytes([start[16], start[17], start[18], start[19]]) as usize;
        if count > MAX_BLOBS {
            return Ok(None);
        }
        let mut rows = vec![0; count * ROW + 4];
        if read_fully(file, &mut rows)? < rows.len() {
            return Ok(None);
        }
        let mut head = start[MAGIC.len()..].to_vec();
        head.extend_from_slice(&rows[..count * ROW]);
        Ok(Table::parse(&head, &rows[count * ROW..]))
    }

    /// The table whose count and rows are `head`, checked against `crc`.
    fn parse(head: &[u8], crc: &[u8]) -> Option<Table> {
        if crc32fast::hash(head).to_le_bytes() != crc {
            return None;
        }
        let mut offset = (MAGIC.len() + head.len() + 4) as u64;
        let mut blobs = Vec::new();
        for row in head[4..].chunks_exact(ROW) {
            let len = u64::from_le_bytes(row[..8].try_into().ok()?);
            let crc = u32::from_le_bytes(row[8..].try_into().ok()?);
            blobs.push(BlobAt { offset, len, crc });
            offset = offset.checked_add(len)?;
        }
        Some(Table {
            blobs,
            file_len: offset,
        })
    }
}

/// The table at the start of `prefix`, the first bytes of an entry, when they hold all of it.
pub(crate) fn table_of(prefix: &[u8]) -> Option<Table> {
    let rest = prefix.strip_prefix(MAGIC)?;
    let count = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    if count > MAX_BLOBS {
        return None;
    }
    let head = rest.get(..4 + count * ROW)?;
    Table::parse(head, rest.get(head.len()..head.len() + 4)?)
}

/// The blobs of `file`, every one checked, or `None` when it is not a whole entry.
pub(crate) fn decode(file: &[u8]) -> Option<Vec<Vec<u8>>> {
    let table = table_of(file)?;
    if table.file_len != file.len() as u64 {
        return None;
    }
    let blobs = table.blobs.iter().map(|at| {
        let start = usize::try_from(at.offset).ok()?;
        let bytes = file.get(start..start + usize::try_from(at.len).ok()?)?;
        at.holds(bytes).then(|| bytes.to_vec())
    });
    blobs.collect()
}

/// Reads into `buffer` until it is full or the file ends; how much was read.
fn read_fully(file: &mut File, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
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
        older[MAGIC.len() - 1] = 2;
        assert!(is_other_version(&older) && decode(&older).is_none());
        let mut grown = file.clone();
        grown.push(0);
        assert_eq!(decode(&grown), None);
    }

    #[test]
    fn a_blob_is_read_and_checked_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.entry");
        let whole = encode(&[b"manifest", b"variant bytes"]);
        std::fs::write(&path, &whole).unwrap();
        let mut file = File::open(&path).unwrap();
        let table = Table::read(&mut file).unwrap().unwrap();
        assert_eq!(table.file_len, whole.len() as u64);
        let variant = table.blobs[1];
        assert_eq!(
            variant.read(&mut file).unwrap().as_deref(),
            Some(&b"variant bytes"[..])
        );
        let mut flipped = whole.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x01;
        std::fs::write(&path, &flipped).unwrap();
        let mut file = File::open(&path).unwrap();
        let table = Table::read(&mut file).unwrap().unwrap();
        assert_eq!(
            table.blobs[0].read(&mut file).unwrap().as_deref(),
            Some(&b"manifest"[..])
        );
        assert_eq!(
            table.blobs[1].read(&mut file).unwrap(),
            None,
            "a changed byte is seen"
        );
    }
}
