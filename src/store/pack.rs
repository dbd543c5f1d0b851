//! A shelf of many small entries (one per page) kept in a few pack files and one index, rather
//! than a file each: creating ten thousand files made a cold build 9 to 57 % slower on ext4,
//! which allocates inodes slowly, while appending the same bytes to one file costs little.
//!
//! - **Packs** (`pack-<id>`) hold entries back to back, each in the [`entry`](super::entry)
//!   format, so every entry proves itself whole when it is read. A build appends what it makes
//!   to one new pack of its own; nothing ever writes into a pack again.
//! - **The index** (`index`) says where each key's entry is, and when a build last used it. It
//!   is read whole when the shelf is opened and written whole, to a temporary file renamed over
//!   it, when the build finishes: another build sees one index or the other, never half.
//! - **Garbage** is what no index points at. A build that finishes drops entries no build used
//!   in [`RETENTION`](super::RETENTION), folds small packs into one when there are more than
//!   [`MAX_PACKS`], rewrites everything when most pack bytes are garbage, and deletes the packs
//!   the new index no longer names (a pack it does not know, perhaps a running build's, only
//!   once it is an hour old).
//! - **Damage** never reaches a page: a damaged or cut-short entry is counted, and its page made
//!   again; a damaged index is reported and the shelf starts empty; an index written by another
//!   build of pamphlet ([`Stamp`]) is dropped quietly.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{ABANDONED, RETENTION, Stamp, entry, hash_of, write_atomically};
use crate::sync::lock;

const MAGIC: &[u8; 16] = b"pamphlet-packs\x00\x01";
const INDEX: &str = "index";
const ROW: usize = 32;
/// More packs than this are folded into one when a build finishes: each warm build adds one.
pub(crate) const MAX_PACKS: usize = 8;

/// Where one entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    pack: u64,
    offset: u64,
    len: u32,
    /// The day (since 1970) a build last used it.
    day: u32,
}

/// The pack a build is writing.
struct Writer {
    id: u64,
    file: io::BufWriter<File>,
    len: u64,
}

/// A shelf of entries in pack files; see the module's doc.
pub(crate) struct Packs {
    dir: PathBuf,
    stamp: Stamp,
    /// The index as read when the shelf was opened.
    index: HashMap<u64, Place>,
    /// The packs an index of another build named: garbage to this one.
    foreign: HashSet<u64>,
    /// The packs that index names, opened when first read.
    files: Mutex<HashMap<u64, Option<Arc<File>>>>,
    used: Mutex<HashSet<u64>>,
    added: Mutex<Vec<(u64, Place)>>,
    writer: Mutex<Option<Writer>>,
    /// The packs this build created: one folded away is garbage at once.
    created: Mutex<Vec<u64>>,
    writable: Mutex<bool>,
    damaged: Mutex<HashSet<u64>>,
    warning: Mutex<Option<String>>,
    today: u32,
}

impl Packs {
    /// The shelf in `dir` for the build `stamp`: its index is read now.
    pub(crate) fn open(dir: PathBuf, stamp: Stamp) -> Packs {
        let today = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| (d.as_secs() / 86_400) as u32);
        let mut warning = None;
        let mut foreign = HashSet::new();
        let index = match fs::read(dir.join(INDEX)) {
            Ok(bytes) => match decode_index(&bytes) {
                Some((found, index)) if found == stamp => index,
                Some((_, theirs)) => {
                    foreign = theirs.values().map(|place| place.pack).collect();
                    HashMap::new()
                }
                None => {
                    warning = Some(format!(
                        "the index of the cache {} was damaged and not used",
                        dir.display()
                    ));
                    HashMap::new()
                }
            },
            Err(_) => HashMap::new(),
        };
        Packs {
            dir,
            stamp,
            index,
            foreign,
            files: Mutex::new(HashMap::new()),
            used: Mutex::new(HashSet::new()),
            added: Mutex::new(Vec::new()),
            writer: Mutex::new(None),
            created: Mutex::new(Vec::new()),
            writable: Mutex::new(true),
            damaged: Mutex::new(HashSet::new()),
            warning: Mutex::new(warning),
            today,
        }
    }

    /// The blobs stored under `key`, when a whole entry is there.
    pub(crate) fn get(&self, key: u64) -> Option<Vec<Vec<u8>>> {
        self.read(key, |file, place| {
            let mut bytes = vec![0; place.len as usize];
            read_exact_at(file, &mut bytes, place.offset).ok()?;
            entry::decode(&bytes)
        })
    }

    /// The blobs of the entry under `key` numbered `wanted`, each read and checked without the
    /// others: a warm build reads a page's metadata and leaves its HTML on disk unless the
    /// page's output must be rendered again.
    pub(crate) fn get_some(&self, key: u64, wanted: Range<usize>) -> Option<Vec<Vec<u8>>> {
        self.read(key, |file, place| read_some(file, place, wanted))
    }

    /// What `read` finds of the entry under `key` in its pack: the entry counts as used when
    /// it gives blobs, and as damaged when it gives none.
    fn read(
        &self,
        key: u64,
        read: impl FnOnce(&File, Place) -> Option<Vec<Vec<u8>>>,
    ) -> Option<Vec<Vec<u8>>> {
        let place = *self.index.get(&key)?;
        let file = self.pack(place.pack)?;
        let blobs = read(&file, place);
        if blobs.is_some() {
            lock(&self.used).insert(key);
        } else {
            self.damaged_entry(key);
        }
        blobs
    }

    /// Counts an entry whose blobs were whole but did not say what they should.
    pub(crate) fn damaged_entry(&self, key: u64) {
        lock(&self.damaged).insert(key);
    }

    /// Entries found damaged so far.
    pub(crate) fn damaged(&self) -> usize {
        lock(&self.damaged).len()
    }

    /// One sentence to print when the shelf could not be used as it should.
    pub(crate) fn warning(&self) -> Option<String> {
        lock(&self.warning).clone()
    }

    /// Stores `blobs` under `key` in this build's pack, or gives up on the shelf for this build.
    pub(crate) fn put(&self, key: u64, blobs: &[&[u8]]) {
        if !*lock(&self.writable) {
            return;
        }
        let bytes = entry::encode(blobs);
        let written = self.append(&mut lock(&self.writer), &bytes, self.today);
        match written {
            Ok(place) => lock(&self.added).push((key, place)),
            Err(e) => self.cannot_write(&e),
        }
    }

    /// Appends one entry, last used on `day`, to `writer`'s pack, created on the first; where
    /// it went.
    fn append(&self, writer: &mut Option<Writer>, bytes: &[u8], day: u32) -> io::Result<Place> {
        let len = u32::try_from(bytes.len()).map_err(io::Error::other)?;
        if writer.is_none() {
            fs::create_dir_all(&self.dir)?;
            let id = hash_of(&(std::process::id(), SystemTime::now(), &self.dir));
            let file = File::create_new(pack_path(&self.dir, id))?;
            lock(&self.created).push(id);
            *writer = Some(Writer {
                id,
                file: io::BufWriter::with_capacity(1 << 20, file),
                len: 0,
            });
        }
        let Some(writer) = writer.as_mut() else {
            return Err(io::Error::other("no pack to write to"));
        };
        writer.file.write_all(bytes)?;
        let place = Place {
            pack: writer.id,
            offset: writer.len,
            len,
            day,
        };
        writer.len += bytes.len() as u64;
        Ok(place)
    }

    /// Ends the build's use of the shelf: its pack is flushed, garbage collected and the index
    /// written. Failing to is a warning; the entries it made are then lost, not wrong.
    pub(crate) fn finish(&self) {
        if let Err(e) = self.write_index() {
            self.cannot_write(&e);
        }
    }

    /// Forgets the damage and the warning reported so far, for the next build of a session that
    /// keeps the shelf open to report only its own. A shelf that could not be written stays
    /// unwritten, quietly.
    pub(crate) fn forget_reported(&mut self) {
        lock(&self.damaged).clear();
        *lock(&self.warning) = None;
    }

    /// Writes the index as [`Packs::finish`] does, and goes on from it: what was added so far
    /// is then read and collected like what the shelf was opened with, and what is added next
    /// goes to a new pack.
    pub(crate) fn checkpoint(&mut self) {
        match self.write_index() {
            Ok(index) => self.index = index,
            Err(e) => self.cannot_write(&e),
        }
    }

    /// Writes the index of what is kept; the index written.
    fn write_index(&self) -> io::Result<HashMap<u64, Place>> {
        if let Some(mut writer) = lock(&self.writer).take() {
            writer.file.flush()?;
        }
        let added = std::mem::take(&mut *lock(&self.added));
        let used = std::mem::take(&mut *lock(&self.used));
        let oldest = self
            .today
            .saturating_sub((RETENTION.as_secs() / 86_400) as u32);
        let mut index: HashMap<u64, Place> = (self.index.iter())
            .filter(|(_, place)| place.day >= oldest)
            .map(|(key, place)| {
                let day = if used.contains(key) {
                    self.today
                } else {
                    place.day
                };
                (*key, Place { day, ..*place })
            })
            .collect();
        index.extend(added);
        self.compact(&mut index)?;
        let path = self.dir.join(INDEX);
        if index.is_empty() {
            match fs::remove_file(&path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        } else if index != self.index {
            // Days of use change the index at most once a day: a warm build that reads every
            // entry and adds none writes nothing on the other days.
            write_atomically(&path, &encode_index(self.stamp, &index))?;
        }
        self.delete_unnamed(&index);
        Ok(index)
    }

    /// Folds packs together when there are too many, or when most of their bytes are garbage.
    fn compact(&self, index: &mut HashMap<u64, Place>) -> io::Result<()> {
        let mut live: HashMap<u64, u64> = HashMap::new();
        for place in index.values() {
            *live.entry(place.pack).or_default() += u64::from(place.len);
        }
        let on_disk: u64 = (live.keys())
            .map(|&pack| fs::metadata(pack_path(&self.dir, pack)).map_or(0, |m| m.len()))
            .sum();
        let live_bytes: u64 = live.values().sum();
        let folded: HashSet<u64> = if on_disk > 2 * live_bytes.max(1) {
            live.keys().copied().collect()
        } else if live.len() > MAX_PACKS {
            let largest = live
                .iter()
                .max_by_key(|(_, bytes)| **bytes)
                .map(|(p, _)| *p);
            live.keys()
                .copied()
                .filter(|p| Some(*p) != largest)
                .collect()
        } else {
            return Ok(());
        };
        let mut writer = None;
        let mut moved = Vec::new();
        for (key, place) in index.iter().filter(|(_, p)| folded.contains(&p.pack)) {
            let Some(file) = self.pack(place.pack) else {
                continue;
            };
            let mut bytes = vec![0; place.len as usize];
            if read_exact_at(&file, &mut bytes, place.offset).is_ok() {
                moved.push((*key, self.append(&mut writer, &bytes, place.day)?));
            }
        }
        if let Some(mut writer) = writer {
            writer.file.flush()?;
        }
        index.retain(|_, place| !folded.contains(&place.pack));
        index.extend(moved);
        Ok(())
    }

    /// Deletes the packs `index` does not name: those the old index named or this build wrote
    /// at once, others (a running build's, perhaps) once they are abandoned.
    fn delete_unnamed(&self, index: &HashMap<u64, Place>) {
        let named: HashSet<u64> = index.values().map(|p| p.pack).collect();
        let mut known: HashSet<u64> = self.index.values().map(|p| p.pack).collect();
        known.extend(&self.foreign);
        known.extend(lock(&self.created).iter());
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(id) = name.to_str().and_then(pack_id) else {
                continue;
            };
            let abandoned = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|at| at.elapsed().unwrap_or_default() > ABANDONED);
            if !named.contains(&id) && (known.contains(&id) || abandoned) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    /// Pack `id`, opened once.
    fn pack(&self, id: u64) -> Option<Arc<File>> {
        let mut files = lock(&self.files);
        let file = files
            .entry(id)
            .or_insert_with(|| File::open(pack_path(&self.dir, id)).ok().map(Arc::new));
        file.clone()
    }

    fn cannot_write(&self, error: &io::Error) {
        *lock(&self.writable) = false;
        lock(&self.warning).get_or_insert_with(|| {
            format!(
                "the cache {} cannot be written ({error}); the next build does this work again",
                self.dir.display()
            )
        });
    }
}

/// Bytes read at the start of an entry in one call, enough for its table and a page's
/// metadata, so that [`Packs::get_some`] mostly reads once.
const PREFIX: usize = 4096;

/// The blobs numbered `wanted` of the entry at `place` in `file`, each checked.
fn read_some(file: &File, place: Place, wanted: Range<usize>) -> Option<Vec<Vec<u8>>> {
    let mut prefix = vec![0; (place.len as usize).min(PREFIX)];
    read_exact_at(file, &mut prefix, place.offset).ok()?;
    let table = entry::table_of(&prefix)?;
    if table.file_len != u64::from(place.len) {
        return None;
    }
    let blobs = wanted.map(|index| {
        let at = table.blobs.get(index)?;
        let start = usize::try_from(at.offset).ok()?;
        let len = usize::try_from(at.len).ok()?;
        let bytes = match prefix.get(start..start.checked_add(len)?) {
            Some(bytes) => bytes.to_vec(),
            None => {
                let mut bytes = vec![0; len];
                read_exact_at(file, &mut bytes, place.offset.checked_add(at.offset)?).ok()?;
                bytes
            }
        };
        at.holds(&bytes).then_some(bytes)
    });
    blobs.collect()
}

fn pack_path(dir: &Path, id: u64) -> PathBuf {
    dir.join(format!("pack-{id:016x}"))
}

/// The id of a pack file's name.
fn pack_id(name: &str) -> Option<u64> {
    u64::from_str_radix(name.strip_prefix("pack-")?, 16).ok()
}

#[cfg(unix)]
fn read_exact_at(file: &File, bytes: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, bytes, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut bytes: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !bytes.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, bytes, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                bytes = &mut bytes[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

fn encode_index(stamp: Stamp, index: &HashMap<u64, Place>) -> Vec<u8> {
    let mut rows: Vec<(&u64, &Place)> = index.iter().collect();
    rows.sort_unstable_by_key(|(key, _)| **key);
    let mut file = Vec::with_capacity(32 + rows.len() * ROW);
    file.extend_from_slice(MAGIC);
    file.extend_from_slice(&stamp.0.to_le_bytes());
    file.extend_from_slice(&(rows.len() as u32).to_le_bytes());
    for (key, place) in rows {
        file.extend_from_slice(&key.to_le_bytes());
        file.extend_from_slice(&place.pack.to_le_bytes());
        file.extend_from_slice(&place.offset.to_le_bytes());
        file.extend_from_slice(&place.len.to_le_bytes());
        file.extend_from_slice(&place.day.to_le_bytes());
    }
    super::seal(file)
}

/// The stamp and rows of a whole index, or `None` when it is not one. An index of another
/// version of the format reads as another build's: dropped, not damaged.
fn decode_index(file: &[u8]) -> Option<(Stamp, HashMap<u64, Place>)> {
    let name = &MAGIC[..MAGIC.len() - 1];
    if file.starts_with(name) && !file.starts_with(MAGIC) {
        return Some((Stamp(0), HashMap::new()));
    }
    let rest = super::unseal(file, MAGIC)?;
    let stamp = Stamp(u64::from_le_bytes(rest.get(..8)?.try_into().ok()?));
    let count = u32::from_le_bytes(rest.get(8..12)?.try_into().ok()?) as usize;
    let rows = rest.get(12..)?;
    if rows.len() != count.checked_mul(ROW)? {
        return None;
    }
    let u64_at = |row: &[u8], at: usize| -> Option<u64> {
        Some(u64::from_le_bytes(row.get(at..at + 8)?.try_into().ok()?))
    };
    let u32_at = |row: &[u8], at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(row.get(at..at + 4)?.try_into().ok()?))
    };
    let index = rows
        .chunks_exact(ROW)
        .map(|row| {
            let place = Place {
                pack: u64_at(row, 8)?,
                offset: u64_at(row, 16)?,
                len: u32_at(row, 24)?,
                day: u32_at(row, 28)?,
            };
            Some((u64_at(row, 0)?, place))
        })
        .collect::<Option<HashMap<u64, Place>>>()?;
    Some((stamp, index))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shelf(dir: &Path) -> Packs {
        Packs::open(dir.join("shelf"), Stamp(1))
    }

    #[test]
    fn entries_come_back_in_the_next_build() {
        let dir = tempfile::tempdir().unwrap();
        let first = shelf(dir.path());
        first.put(7, &[b"head", b"html"]);
        first.put(8, &[b"other"]);
        assert_eq!(first.get(7), None, "a build reads what earlier builds kept");
        first.finish();
        let second = shelf(dir.path());
        assert_eq!(
            second.get(7),
            Some(vec![b"head".to_vec(), b"html".to_vec()])
        );
        assert_eq!(second.get(8), Some(vec![b"other".to_vec()]));
        assert_eq!(second.get(9), None);
        assert_eq!(second.damaged(), 0);
    }

    /// `serve` writes its index once after its first render and once when it ends: what was
    /// added before the checkpoint must survive the second write, and be read in between.
    #[test]
    fn a_checkpoint_keeps_what_came_before_it_through_the_finish() {
        let dir = tempfile::tempdir().unwrap();
        let mut session = shelf(dir.path());
        session.put(7, &[b"first render"]);
        session.checkpoint();
        assert_eq!(session.get(7), Some(vec![b"first render".to_vec()]));
        assert!(
            shelf(dir.path()).get(7).is_some(),
            "a build running beside the session sees the checkpoint"
        );
        session.put(8, &[b"a save"]);
        session.finish();
        let next = shelf(dir.path());
        assert_eq!(next.get(7), Some(vec![b"first render".to_vec()]));
        assert_eq!(next.get(8), Some(vec![b"a save".to_vec()]));
        assert_eq!(next.damaged(), 0);
    }

    /// A session's shelf stays open across its builds: each build reports the damage it met,
    /// not every build after it again.
    #[test]
    fn damage_reported_once_is_forgotten_for_the_next_build() {
        let dir = tempfile::tempdir().unwrap();
        let mut session = shelf(dir.path());
        session.damaged_entry(7);
        assert_eq!(session.damaged(), 1);
        session.forget_reported();
        assert_eq!(session.damaged(), 0);
        assert_eq!(session.warning(), None);
    }

    #[test]
    fn some_blobs_of_an_entry_are_read_and_checked_without_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let first = shelf(dir.path());
        let long = "a page's html ".repeat(PREFIX / 4);
        first.put(7, &[b"head", b"meta", long.as_bytes()]);
        first.finish();
        let second = shelf(dir.path());
        let head_and_meta = Some(vec![b"head".to_vec(), b"meta".to_vec()]);
        assert_eq!(second.get_some(7, 0..2), head_and_meta);
        assert_eq!(
            second.get_some(7, 2..3),
            Some(vec![long.as_bytes().to_vec()])
        );
        assert_eq!(
            second.get_some(7, 2..4),
            None,
            "an entry has no fourth blob"
        );
        assert_eq!(second.damaged(), 1);

        let pack = fs::read_dir(dir.path().join("shelf"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_str().unwrap().contains("pack-"))
            .unwrap();
        let mut bytes = fs::read(&pack).unwrap();
        let last = bytes.len() - 2;
        bytes[last] ^= 1;
        fs::write(&pack, &bytes).unwrap();
        let third = shelf(dir.path());
        assert_eq!(
            third.get_some(7, 0..2),
            head_and_meta,
            "the whole blobs of a damaged entry are read"
        );
        assert_eq!(third.get_some(7, 2..3), None);
        assert_eq!(third.damaged(), 1);
    }

    #[test]
    fn another_builds_index_is_dropped_quietly() {
        let dir = tempfile::tempdir().unwrap();
        let first = shelf(dir.path());
        first.put(7, &[b"html"]);
        first.finish();
        let other = Packs::open(dir.path().join("shelf"), Stamp(2));
        assert_eq!(other.get(7), None);
        assert_eq!(other.warning(), None);
        other.finish();
        let packs = fs::read_dir(dir.path().join("shelf")).unwrap().count();
        assert_eq!(
            packs, 0,
            "the other build's pack was deleted, and no index written"
        );
    }

    #[test]
    fn damage_to_an_entry_or_the_index_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let first = shelf(dir.path());
        first.put(7, &[b"html that will be damaged"]);
        first.put(8, &[b"html that stays whole"]);
        first.finish();
        let folder = dir.path().join("shelf");
        let pack = fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .starts_with("pack-")
            })
            .unwrap();
        let mut bytes = fs::read(&pack).unwrap();
        let at = bytes.windows(7).position(|w| w == b"damaged").unwrap();
        bytes[at] ^= 1;
        fs::write(&pack, &bytes).unwrap();
        let second = shelf(dir.path());
        assert_eq!(second.get(7), None);
        assert_eq!(second.get(8), Some(vec![b"html that stays whole".to_vec()]));
        assert_eq!(second.damaged(), 1);

        let index = folder.join(INDEX);
        let mut bytes = fs::read(&index).unwrap();
        bytes.truncate(bytes.len() - 1);
        fs::write(&index, &bytes).unwrap();
        let third = shelf(dir.path());
        assert_eq!(third.get(8), None);
        assert!(third.warning().is_some_and(|w| w.contains("damaged")));
    }

    #[test]
    fn warm_builds_fold_their_small_packs_and_keep_every_entry() {
        let dir = tempfile::tempdir().unwrap();
        let cold = shelf(dir.path());
        for key in 0..100 {
            cold.put(key, &[format!("entry {key}").as_bytes()]);
        }
        cold.finish();
        for build in 0..(MAX_PACKS as u64 * 2) {
            let warm = shelf(dir.path());
            for key in 0..100 {
                assert!(warm.get(key).is_some(), "build {build} lost entry {key}");
            }
            warm.put(1000 + build, &[b"one edit"]);
            warm.finish();
        }
        let packs = fs::read_dir(dir.path().join("shelf"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_str()
                    .unwrap()
                    .starts_with("pack-")
            })
            .count();
        assert!(packs <= MAX_PACKS, "{packs} packs");
        let named: HashSet<u64> = shelf(dir.path()).index.values().map(|p| p.pack).collect();
        assert_eq!(packs, named.len(), "a pack no index names was left behind");
        let last = shelf(dir.path());
        for key in (0..100).chain(1000..1000 + MAX_PACKS as u64 * 2) {
            assert!(last.get(key).is_some(), "entry {key} was lost in folding");
        }
    }
}
