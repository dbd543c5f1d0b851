//! Every post's word counts, kept in the cache folder (`words`) between builds: related posts
//! need the counts of every post, and counting them all again after one edit would be a
//! fifth of a warm build.
//!
//! One file, read whole and written whole (to a temporary file renamed over it), so a build
//! sees one build's counts or another's, never half of either:
//!
//! ```text
//! magic      16 bytes  "pamphlet-words\x00\x01"
//! stamp       8 bytes  the build of pamphlet that counted (store::Stamp)
//! posts       4 bytes
//! per post             a hash of its text (8 bytes), its number of words (4), and each word
//!                      with its count (4 + 4), all little-endian
//! CRC-32      4 bytes  of everything before it
//! ```
//!
//! A damaged file is ignored, with one warning, and written again; one from another build of
//! pamphlet is ignored silently (counting may have changed), and replaced.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::{Document, Sources};
use crate::store::{Stamp, seal, write_atomically};
use crate::words::{WordCount, WordCounts};

const MAGIC: &[u8; 16] = b"pamphlet-words\x00\x01";
const FILE: &str = "words";

/// The counts an earlier build kept, by a hash of the text they were counted in.
pub struct StoredCounts {
    path: PathBuf,
    stamp: Stamp,
    by_text: HashMap<u64, WordCounts>,
    /// The one sentence to report when the file could not be used or written.
    warning: Option<String>,
    /// The texts whose counts were found: a build that counted few others needs no rewriting.
    found: HashSet<u64>,
    /// The file held this build's counts, so it may be left as it is.
    usable: bool,
    /// Each known page text key, by path, hashed once for [`Self::fill`] and [`Self::save`].
    keys: HashMap<String, u64>,
}

impl StoredCounts {
    /// The counts kept in `cache_dir` by the build `stamp`; none when there are none, or they
    /// are damaged (with a warning) or another build's.
    pub fn open(cache_dir: &Path, stamp: Stamp) -> StoredCounts {
        let path = cache_dir.join(FILE);
        let mut stored = StoredCounts {
            path,
            stamp,
            by_text: HashMap::new(),
            warning: None,
            found: HashSet::new(),
            usable: false,
            keys: HashMap::new(),
        };
        let Ok(file) = fs::File::open(&stored.path) else {
            return stored;
        };
        let len = file.metadata().map_or(0, |m| m.len());
        match decode(file, len) {
            Decoded::Whole(found, by_text) if found == stamp => {
                stored.by_text = by_text;
                stored.usable = true;
            }
            Decoded::Whole(..) | Decoded::OtherFormat => {}
            Decoded::Damaged => {
                stored.warning = Some(format!(
                    "the word counts in {} were damaged and not used; every post's words were \
                     counted again, and the file rewritten",
                    stored.path.display()
                ))
            }
        }
        stored
    }

    /// Gives every page of `sources` whose text is held or known the counts kept for that text.
    pub fn fill(&mut self, sources: &Sources) {
        // Hashing every text is most of the work: done on every core first.
        let keys: Vec<Option<u64>> = sources.pages.par_iter().map(text_key).collect();
        for (doc, key) in sources.pages.iter().zip(keys) {
            let Some(key) = key else {
                continue;
            };
            self.keys.insert(doc.rel.clone(), key);
            if let Some(counts) = self.by_text.remove(&key) {
                doc.words.set(counts);
                self.found.insert(key);
            }
        }
        // What no page took is another text's, or a deleted post's: not kept again.
        self.by_text = HashMap::new();
    }

    /// Keeps the counts of every document in `docs` that has them, unless only a few were
    /// counted afresh ([`recount_allowance`]); a file that cannot be written is a warning, not
    /// an error.
    pub fn save<'d, F: 'd>(&mut self, docs: impl Iterator<Item = &'d Document<F>>) {
        let counted: Vec<(u64, &WordCounts)> = docs
            .filter_map(|doc| {
                let counts = doc.words.get()?;
                let key = self.keys.get(&doc.rel).copied().or_else(|| text_key(doc))?;
                Some((key, counts))
            })
            .collect();
        let recounted = counted
            .iter()
            .filter(|(key, _)| !self.found.contains(key))
            .count();
        // Nothing counted afresh (a build refused before it counted) leaves any file alone.
        if recounted == 0 || (self.usable && recounted <= recount_allowance(counted.len())) {
            return;
        }
        let file = encode(self.stamp, &counted);
        if let Err(e) = write_atomically(&self.path, &file) {
            self.warning.get_or_insert_with(|| {
                format!(
                    "the word counts cannot be kept in {} ({e}); the next build counts every \
                     post's words again",
                    self.path.display()
                )
            });
        }
    }

    /// The one warning to report, if the stored counts could not be used or kept.
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }
}

/// How many posts a build may count afresh and still leave the file as it was: rewriting every
/// post's counts after one edit (33 MB at 10,000 posts) took 6 % of a warm build, and counting
/// a few posts again on the builds after costs microseconds each.
fn recount_allowance(posts: usize) -> usize {
    (posts / 100).max(16)
}

/// The key of a document's text: `None` for a text neither held nor known from the record of
/// sources ([`super::known`]), whose counts are not kept.
fn text_key<F>(doc: &Document<F>) -> Option<u64> {
    doc.known_text_key()
}

fn encode(stamp: Stamp, counted: &[(u64, &WordCounts)]) -> Vec<u8> {
    let words: usize = counted.iter().map(|(_, c)| c.len()).sum();
    let mut file = Vec::with_capacity(32 + counted.len() * 12 + words * 8);
    file.extend_from_slice(MAGIC);
    file.extend_from_slice(&stamp.0.to_le_bytes());
    file.extend_from_slice(&(counted.len() as u32).to_le_bytes());
    for (key, counts) in counted {
        file.extend_from_slice(&key.to_le_bytes());
        file.extend_from_slice(&(counts.len() as u32).to_le_bytes());
        counts.write_to(&mut file);
    }
    seal(file)
}

/// What a words file holds.
enum Decoded {
    /// The stamp of the build that wrote it, and its counts by the hash of their text.
    Whole(Stamp, HashMap<u64, WordCounts>),
    /// A file of another format of pamphlet's.
    OtherFormat,
    /// Anything else.
    Damaged,
}

/// Reads a words file of `len` bytes in pieces, checking its CRC-32 as it goes: read whole
/// first, the file took as much memory again as the counts (33 MB at 10,000 posts). Every
/// post's counts go into one list, which they share.
fn decode(file: impl Read, len: u64) -> Decoded {
    let mut file = Checked {
        inner: BufReader::with_capacity(1 << 20, file),
        crc: crc32fast::Hasher::new(),
    };
    let Some(magic) = file.array::<16>() else {
        return Decoded::Damaged;
    };
    if magic != *MAGIC {
        let other_format = magic[..MAGIC.len() - 1] == MAGIC[..MAGIC.len() - 1];
        return if other_format {
            Decoded::OtherFormat
        } else {
            Decoded::Damaged
        };
    }
    match decode_counts(&mut file, len) {
        Some((stamp, by_text)) => Decoded::Whole(stamp, by_text),
        None => Decoded::Damaged,
    }
}

/// What follows the magic of a words file of `len` bytes, or `None` when it is not whole.
fn decode_counts(
    file: &mut Checked<impl Read>,
    len: u64,
) -> Option<(Stamp, HashMap<u64, WordCounts>)> {
    let stamp = Stamp(u64::from_le_bytes(file.array()?));
    let posts = u32::from_le_bytes(file.array()?);
    // The counts can take no more room than the file.
    let mut all: Vec<WordCount> = Vec::with_capacity(usize::try_from(len / 8).ok()?);
    let mut places = Vec::new();
    let mut block = Vec::new();
    for _ in 0..posts {
        let key = u64::from_le_bytes(file.array()?);
        let words = u64::from(u32::from_le_bytes(file.array()?));
        let bytes = words.checked_mul(8).filter(|&bytes| bytes <= len)?;
        block.resize(usize::try_from(bytes).ok()?, 0);
        file.fill(&mut block)?;
        let start = all.len();
        let pairs = block.chunks_exact(8);
        all.extend(pairs.map(|pair| WordCount::from_bytes(pair.try_into().unwrap_or_default())));
        places.push((key, start..all.len()));
    }
    let crc = file.crc.clone().finalize();
    let mut stored = [0; 4];
    file.inner.read_exact(&mut stored).ok()?;
    let at_end = file.inner.read(&mut [0]).ok()? == 0;
    if u32::from_le_bytes(stored) != crc || !at_end {
        return None;
    }
    let all = Arc::new(all);
    let by_text = places
        .into_iter()
        .map(|(key, range)| Some((key, WordCounts::shared(&all, range)?)))
        .collect::<Option<_>>()?;
    Some((stamp, by_text))
}

/// A file being read, with the CRC-32 of what was read so far.
struct Checked<R: Read> {
    inner: BufReader<R>,
    crc: crc32fast::Hasher,
}

impl<R: Read> Checked<R> {
    fn fill(&mut self, into: &mut [u8]) -> Option<()> {
        self.inner.read_exact(into).ok()?;
        self.crc.update(into);
        Some(())
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let mut bytes = [0; N];
        self.fill(&mut bytes)?;
        Some(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts() -> Vec<(u64, WordCounts)> {
        vec![
            (1, WordCounts::of("serverless servers patching", 1)),
            (2, WordCounts::of("", 1)),
        ]
    }

    #[test]
    fn counts_come_back_as_kept() {
        let counts = counts();
        let refs: Vec<(u64, &WordCounts)> = counts.iter().map(|(k, c)| (*k, c)).collect();
        let file = encode(Stamp(7), &refs);
        let Decoded::Whole(stamp, back) = decode(&file[..], file.len() as u64) else {
            panic!("a whole file");
        };
        assert_eq!(stamp, Stamp(7));
        assert_eq!(back.len(), 2);
        assert_eq!(back[&1], counts[0].1);
        assert_eq!(back[&2], counts[1].1);
    }

    #[test]
    fn any_damage_is_seen() {
        let counts = counts();
        let refs: Vec<(u64, &WordCounts)> = counts.iter().map(|(k, c)| (*k, c)).collect();
        let file = encode(Stamp(7), &refs);
        let len = file.len() as u64;
        for at in 0..file.len() {
            let mut damaged = file.clone();
            damaged[at] ^= 0x20;
            assert!(
                !matches!(decode(&damaged[..], len), Decoded::Whole(..)),
                "a changed byte at {at} went unseen"
            );
        }
        for cut in 0..file.len() {
            assert!(
                !matches!(decode(&file[..cut], cut as u64), Decoded::Whole(..)),
                "a file cut at {cut} went unseen"
            );
        }
    }
}
