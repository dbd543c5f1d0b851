//! Pruning a reused folder down to the files a build wrote, and recording its folders for the
//! next build that reuses it.
//!
//! Listing each of a site's 10,000 folders was a tenth of a warm build's CPU. A folder still in
//! the state an earlier build recorded holds the names that build left in it
//! ([`super::generations`]); when this build writes the same names there, nothing in it is
//! stale, and it is not listed. Only the top folder, renamed on every publish, is always listed.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::Path;

use rayon::prelude::*;

use super::generations::{FileState, Folder, Folders};
use super::staging::remove_tree;
use crate::store::{Fingerprint, hash_of};

/// Removes from the folder `root` every file not in `written` (paths relative to it) and every
/// folder holding none of them; `known` is the record of the build that last left it. Returns
/// the record of the pruned folder.
pub fn prune(root: &Path, written: &HashSet<String>, known: &Folders) -> io::Result<Folders> {
    let layout = Layout::of(written);
    let pruned: Vec<Option<(u64, Folder)>> = (layout.folders.par_iter())
        .map(|(&rel, &entries)| {
            let dir = root.join(rel);
            // The top folder is renamed on every publish: always listed, never recorded.
            if rel.is_empty() {
                clear(&dir, rel, written, &layout)?;
                return Ok(None);
            }
            let key = hash_of(rel);
            let before = folder_state(&dir);
            let unchanged =
                before.is_some_and(|state| known.get(&key) == Some(&Folder { state, entries }));
            let state = if unchanged {
                before
            } else {
                clear(&dir, rel, written, &layout)?;
                folder_state(&dir)
            };
            Ok(state.map(|state| (key, Folder { state, entries })))
        })
        .collect::<io::Result<_>>()?;
    Ok(pruned.into_iter().flatten().collect())
}

/// The record of the folder `root`, which holds the files `written` and nothing else.
pub fn record(root: &Path, written: &HashSet<String>) -> Folders {
    let layout = Layout::of(written);
    (layout.folders.par_iter())
        .filter(|(rel, _)| !rel.is_empty())
        .filter_map(|(&rel, &entries)| {
            let state = folder_state(&root.join(rel))?;
            Some((hash_of(rel), Folder { state, entries }))
        })
        .collect()
}

/// The folders a build's files are in, with their ancestors, each with a fingerprint of the
/// names in it (`""` is the top folder).
struct Layout<'w> {
    folders: HashMap<&'w str, Fingerprint>,
}

impl<'w> Layout<'w> {
    fn of(written: &'w HashSet<String>) -> Self {
        let mut folders: HashMap<&str, Fingerprint> = HashMap::new();
        for file in written {
            let (parent, name) = file.rsplit_once('/').unwrap_or(("", file));
            let folder_is_new = !folders.contains_key(parent);
            add_name(&mut folders, parent, name, false);
            if !folder_is_new {
                continue;
            }
            // Each folder is named in the one above it once, when it is first met.
            let mut folder = parent;
            while !folder.is_empty() {
                let (above, name) = folder.rsplit_once('/').unwrap_or(("", folder));
                let above_is_new = !folders.contains_key(above);
                add_name(&mut folders, above, name, true);
                if !above_is_new {
                    break;
                }
                folder = above;
            }
        }
        Layout { folders }
    }

    fn has_folder(&self, rel: &str) -> bool {
        self.folders.contains_key(rel)
    }
}

/// Adds `name` to the fingerprint of the names in `folder`; the sum of the names' hashes, so
/// that the order they are met in does not matter.
fn add_name<'w>(
    folders: &mut HashMap<&'w str, Fingerprint>,
    folder: &'w str,
    name: &str,
    is_folder: bool,
) {
    let entry = folders.entry(folder).or_insert(0);
    *entry = entry.wrapping_add(hash_of(&(name, is_folder)));
}

/// Removes from the folder `dir` (`rel` in the pruned folder) the files not written and the
/// folders holding none of them.
fn clear(dir: &Path, rel: &str, written: &HashSet<String>, layout: &Layout) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let child = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        if entry.file_type()?.is_dir() {
            if !layout.has_folder(&child) {
                remove_tree(&entry.path())?;
            }
        } else if !written.contains(&child) {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

fn folder_state(dir: &Path) -> Option<FileState> {
    FileState::of_folder(&fs::symlink_metadata(dir).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[&str]) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        for file in files {
            let path = tmp.path().join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, file).unwrap();
        }
        tmp
    }

    fn written(files: &[&str]) -> HashSet<String> {
        files.iter().map(|f| f.to_string()).collect()
    }

    #[test]
    fn a_folder_in_its_recorded_state_with_the_same_names_is_not_listed() {
        let tmp = site(&[
            "top.html",
            "stale-top.html",
            "a/index.html",
            "a/stale.html",
            "b/index.html",
            "b/stale.html",
            "gone/deep/x.html",
        ]);
        let root = tmp.path();
        let now = written(&["top.html", "a/index.html", "b/index.html"]);
        // A record saying `a` holds only its index, as one made when that was so would: the
        // prune trusts it, so the stale file it does not know of stays.
        let known = record(root, &written(&["a/index.html"]));
        let folders = prune(root, &now, &known).unwrap();
        assert!(root.join("a/stale.html").exists(), "`a` was listed");
        for pruned in ["b/stale.html", "stale-top.html", "gone"] {
            assert!(!root.join(pruned).exists(), "{pruned} was kept");
        }
        assert!(root.join("b/index.html").exists());
        let b = folders[&hash_of("b")];
        assert_eq!(Some(b.state), folder_state(&root.join("b")));
        assert_eq!(b.entries, hash_of(&("index.html", false)));
        assert_eq!(folders.len(), 2, "the top folder is never recorded");
    }

    #[test]
    fn a_file_added_since_the_record_is_pruned() {
        let files = ["a/index.html", "a/b/index.html"];
        let tmp = site(&files);
        let root = tmp.path();
        // Dated in the past, so that the stray changes the folder's time even where the clock
        // ticks too coarsely to tell the two writes apart.
        let past = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1 << 30);
        fs::File::open(root.join("a/b"))
            .unwrap()
            .set_modified(past)
            .unwrap();
        let known = record(root, &written(&files));
        fs::write(root.join("a/b/stray.html"), "by hand").unwrap();
        let folders = prune(root, &written(&files), &known).unwrap();
        assert!(!root.join("a/b/stray.html").exists());
        assert!(root.join("a/b/index.html").exists());
        assert_eq!(folders, record(root, &written(&files)));
    }

    #[test]
    fn a_folders_names_are_fingerprinted_whatever_the_order_and_kind() {
        let layout = |files: &[&str]| {
            let written = written(files);
            let folders = Layout::of(&written).folders;
            (
                folders.get("").copied(),
                folders.get("x").copied(),
                folders.len(),
            )
        };
        let one = layout(&["x/y/z.html", "x/a.html", "top.html"]);
        assert_eq!(one, layout(&["top.html", "x/a.html", "x/y/z.html"]));
        assert_eq!(one.2, 3, "the top folder, x and x/y");
        let y_a_file = layout(&["x/y", "x/a.html", "top.html"]);
        assert_ne!(one.1, y_a_file.1, "a file and a folder of one name differ");
    }
}
