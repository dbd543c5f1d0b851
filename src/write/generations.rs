//! What the last few builds wrote (`.pamphlet-cache/outputs`): for each templated output file,
//! the fingerprint of the data it was rendered from and the state of the file as written. A
//! build stages into the folder an earlier build published (the spare, see [`super::staging`]);
//! an output whose data has the fingerprint recorded for that folder's build, and whose file is
//! still as that build left it, holds what rendering it again would make, so it is neither
//! rendered nor read.
//!
//! Each build is known by the id in its folder's marker. A file is trusted only while its
//! inode, size, modification and change times are those recorded: any write to it, by hand or
//! by another tool, changes its change time, which no program can set back. Fingerprints are
//! hashes that a rebuilt binary may compute differently, so the whole file is ignored when
//! another binary wrote it; a damaged file is ignored with one warning. Deleting it is safe:
//! the next build reads every unchanged file back to compare, as it did before this store.
//!
//! A build's record also holds, for each folder of its site, the folder's state and a
//! fingerprint of the names in it, so that pruning the folder when a later build writes over
//! it lists only the folders something changed or whose files that build does not make again:
//! adding, removing or renaming an entry changes a folder's modification time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use crate::store::FileState;
use crate::store::{Fingerprint, Stamp};

/// The file in the cache folder.
pub const FILE: &str = "outputs";

/// The format's name and, in its last byte, its version.
const MAGIC: &[u8; 16] = b"pamphlet-outs\x00\x00\x01";

/// Builds remembered: the published folder, its spare, and one more for a second output
/// folder built now and then (`--output`).
const KEPT: usize = 4;

/// One templated output file as a build left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Written {
    /// The fingerprint of the template data it was rendered from.
    pub fingerprint: Fingerprint,
    /// The file right after it was written (or found already holding its bytes).
    pub state: FileState,
}

/// One folder of a build's site as the build left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Folder {
    /// The folder's state once the build had pruned it.
    pub state: FileState,
    /// A fingerprint of the names of the files and folders in it.
    pub entries: Fingerprint,
}

/// Every folder of a build's site but its top one (renamed on every publish), by a hash of its
/// path relative to the top one.
pub type Folders = HashMap<u64, Folder>;

/// The templated outputs one build left in its folder, by output file.
pub type Files = HashMap<String, Written>;

/// One build's record.
#[derive(Debug, Default, PartialEq)]
pub struct Generation {
    /// The build's id, as its folder's marker holds it.
    pub build: u64,
    /// Its templated outputs.
    pub files: Files,
    /// Its folders.
    pub folders: Folders,
}

/// A build's record as stored: only the one a build writes over is decoded, the others are
/// written back as they were read.
#[derive(Serialize, Deserialize)]
struct Encoded {
    build: u64,
    /// A [`Files`] and [`Folders`], in postcard.
    files: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    stamp: u64,
    /// Newest first.
    generations: Vec<Encoded>,
}

/// The records of the last builds, as read from the cache folder.
pub struct Generations {
    path: PathBuf,
    stamp: Stamp,
    /// Newest first.
    generations: Vec<Encoded>,
    warning: Option<String>,
}

impl Generations {
    /// Reads the record in `cache_dir`; a missing one, or one another binary wrote, is empty.
    pub fn open(cache_dir: &Path) -> Generations {
        let path = cache_dir.join(FILE);
        let stamp = Stamp::of_this_build();
        let mut opened = Generations {
            path,
            stamp,
            generations: Vec::new(),
            warning: None,
        };
        let Ok(bytes) = std::fs::read(&opened.path) else {
            return opened;
        };
        match decode(&bytes) {
            Some(stored) if stored.stamp == stamp.0 => opened.generations = stored.generations,
            Some(_) => {}
            None => {
                opened.warning = Some(format!(
                    "the record of earlier outputs in {} is damaged and was ignored",
                    opened.path.display()
                ));
            }
        }
        opened
    }

    /// Takes the record of build `build`, whose folder is being written over; an empty one
    /// when there is none.
    pub fn take(&mut self, build: u64) -> Generation {
        let Some(at) = self.generations.iter().position(|g| g.build == build) else {
            return Generation::default();
        };
        let taken = self.generations.remove(at);
        // Inside a file whose checksum held, only a bug could make a record unreadable.
        let (files, folders) = postcard::from_bytes(&taken.files).unwrap_or_default();
        Generation {
            build,
            files,
            folders,
        }
    }

    /// One sentence when the record could not be used.
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    /// Records `newest`, a build just published, before the others; a record that cannot be
    /// written is no error: the next build compares files instead.
    pub fn save(mut self, newest: Generation) {
        let Ok(files) = postcard::to_stdvec(&(&newest.files, &newest.folders)) else {
            return;
        };
        self.generations.retain(|g| g.build != newest.build);
        let build = newest.build;
        self.generations.insert(0, Encoded { build, files });
        self.generations.truncate(KEPT);
        let stored = Stored {
            stamp: self.stamp.0,
            generations: self.generations,
        };
        if let Ok(body) = postcard::to_stdvec(&stored) {
            let _ = crate::store::write_atomically(&self.path, &encode(&body));
        }
    }
}

fn encode(body: &[u8]) -> Vec<u8> {
    crate::store::seal([MAGIC.as_slice(), body].concat())
}

fn decode(file: &[u8]) -> Option<Stored> {
    postcard::from_bytes(crate::store::unseal(file, MAGIC)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generation(build: u64) -> Generation {
        let written = Written {
            fingerprint: build * 10,
            state: FileState(build),
        };
        let folder = Folder {
            state: FileState(build + 1),
            entries: build + 2,
        };
        Generation {
            build,
            files: [(format!("{build}/index.html"), written)].into(),
            folders: [(build, folder)].into(),
        }
    }

    #[test]
    fn the_newest_builds_are_kept_and_a_taken_one_is_gone() {
        let tmp = tempfile::tempdir().unwrap();
        for build in 1..=6 {
            Generations::open(tmp.path()).save(generation(build));
        }
        let mut opened = Generations::open(tmp.path());
        assert!(opened.warning().is_none());
        let builds: Vec<u64> = opened.generations.iter().map(|g| g.build).collect();
        assert_eq!(builds, [6, 5, 4, 3]);
        assert_eq!(opened.take(5), generation(5));
        assert_eq!(
            opened.take(5),
            Generation::default(),
            "a folder written over is forgotten"
        );
        assert!(opened.take(1).files.is_empty(), "only the newest are kept");
    }

    #[test]
    fn a_damaged_record_is_reported_and_trusts_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        Generations::open(tmp.path()).save(generation(7));
        let path = tmp.path().join(FILE);
        let whole = std::fs::read(&path).unwrap();
        for damaged in [
            whole[..whole.len() - 1].to_vec(),
            [whole.as_slice(), b"x"].concat(),
            whole.iter().map(|b| b ^ 1).collect(),
        ] {
            std::fs::write(&path, damaged).unwrap();
            let mut opened = Generations::open(tmp.path());
            assert!(opened.warning().is_some_and(|w| w.contains("damaged")));
            assert_eq!(opened.take(7), Generation::default());
        }
    }

    #[test]
    fn another_binarys_record_is_ignored_quietly() {
        let tmp = tempfile::tempdir().unwrap();
        let three = generation(3);
        let files = postcard::to_stdvec(&(&three.files, &three.folders)).unwrap();
        let stored = Stored {
            stamp: Stamp::of_this_build().0 ^ 1,
            generations: vec![Encoded { build: 3, files }],
        };
        let body = postcard::to_stdvec(&stored).unwrap();
        std::fs::write(tmp.path().join(FILE), encode(&body)).unwrap();
        let mut opened = Generations::open(tmp.path());
        assert!(opened.warning().is_none());
        assert_eq!(opened.take(3), Generation::default());
    }
}
