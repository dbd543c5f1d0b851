//! Publishing a build atomically: files are written to a staging folder beside the output, and
//! only a build that succeeded is swapped in, in one step.
//!
//! On Linux the swap is `renameat2(RENAME_EXCHANGE)`: at every instant the output folder is
//! either the whole old site or the whole new one, even if the process is killed. Elsewhere it
//! is two renames, with a short moment between them in which the output folder is missing.
//!
//! The site swapped out is kept beside the output as `.<output>.spare` and becomes the next
//! build's staging folder: files are overwritten in place and the ones the new build does not
//! make are pruned before the swap. Creating and deleting every file and folder of the site on
//! each build was most of a build's time: a file system allocates and frees inodes slowly, and
//! ext4 in particular searches long for inodes it can reuse right after a mass deletion.
//! Whatever a killed build leaves behind becomes the next spare or is removed. A templated
//! output that the spare's build recorded with the same data, and that nothing has written to
//! since, is kept without being rendered or read ([`super::generations`], [`Sink::keep`]).

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use super::generations::{FileState, Files, Folders, Generation, Written};
use super::memory::LazyBytes;
use super::output::{Claim, MARKER, Marker, Previous};
use super::{Sink, prune};
use crate::store::{Fingerprint, StatedFolder};

/// A staging folder being filled, to be published over `output`.
pub struct Staging {
    output: PathBuf,
    dir: PathBuf,
    /// What the output folder held before: only an earlier build's site is kept as the spare.
    previous: Previous,
    /// True when the folder is a previous site being overwritten, so stale files must be pruned.
    reused: bool,
    /// Every file written, relative to the folder.
    written: Mutex<HashSet<String>>,
    /// The id of the build that wrote the reused folder, when its marker said.
    reused_build: Option<u64>,
    /// The templated outputs that build left, which may be kept as they are.
    trusted: Files,
    /// The folders that build left, which need not be listed to be pruned while unchanged.
    known: Folders,
    /// The templated outputs of this build, for the next to trust.
    record: Mutex<Files>,
    /// The folder, opened for looking up the state of the files it may keep.
    stated: std::sync::OnceLock<StatedFolder>,
    published: bool,
}

impl Staging {
    /// Prepares a staging folder beside the claimed output: the spare kept by the previous
    /// build if there is one, else a new empty folder; `marker` goes in it first. Leftovers of
    /// interrupted builds are adopted or removed.
    pub fn create(claim: &Claim, marker: &Marker) -> io::Result<Staging> {
        let output = claim.output.clone();
        let parent = output
            .parent()
            .ok_or_else(|| io::Error::other("the output folder cannot be the file system root"))?;
        fs::create_dir_all(parent)?;
        tidy_leftovers(&output)?;
        let dir = sibling(&output, &format!("staging-{}", std::process::id()));
        let spare = sibling(&output, "spare");
        if spare.exists() && !spare.join(MARKER).is_file() {
            return Err(io::Error::other(format!(
                "{} is not a folder an earlier build left (it has no {MARKER}); move it away",
                spare.display()
            )));
        }
        let reused = match fs::rename(&spare, &dir) {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&dir)?;
                false
            }
            Err(e) => return Err(e),
        };
        // Read before this build's marker replaces it.
        let reused_build = reused
            .then(|| Marker::read(&dir).map(|m| m.build))
            .flatten()
            .filter(|&build| build != 0);
        let staging = Staging {
            output,
            dir,
            previous: claim.previous,
            reused,
            written: Mutex::new(HashSet::new()),
            reused_build,
            trusted: Files::new(),
            known: Folders::new(),
            record: Mutex::new(Files::new()),
            stated: std::sync::OnceLock::new(),
            published: false,
        };
        if let Err(e) = staging.put(MARKER, marker.to_bytes()) {
            // A folder without its marker is no spare; on a full disk it only holds space.
            let _ = staging.discard();
            return Err(e);
        }
        Ok(staging)
    }

    /// The staging folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The id of the build whose published folder is being written over, if known.
    pub fn reused_build(&self) -> Option<u64> {
        self.reused_build
    }

    /// Lets [`Sink::keep`] keep the templated outputs, and pruning skip the folders, that the
    /// record `earlier` of the build that wrote the reused folder holds, while each is still
    /// as it was left.
    pub fn trust(&mut self, earlier: Generation) {
        if self.reused {
            self.trusted = earlier.files;
            self.known = earlier.folders;
        }
    }

    /// The templated outputs staged so far, as the record of this build.
    pub fn take_record(&self) -> Files {
        std::mem::take(&mut *crate::sync::lock(&self.record))
    }

    /// Notes that output `file`, just staged, holds what data of `fingerprint` renders to.
    fn record(&self, file: &str, fingerprint: Fingerprint) {
        let metadata = fs::symlink_metadata(self.dir.join(file));
        if let Some(state) = metadata.ok().as_ref().and_then(FileState::of) {
            let written = Written { fingerprint, state };
            crate::sync::lock(&self.record).insert(file.to_string(), written);
        }
    }

    /// Swaps the staging folder in as the output; an earlier build's output becomes the spare,
    /// and anything else that was there is removed. Returns the record of the published
    /// folder's folders, for the build that writes over it next.
    pub fn publish(mut self) -> io::Result<Folders> {
        let written = std::mem::take(&mut *crate::sync::lock(&self.written));
        let folders = if self.reused {
            prune::prune(&self.dir, &written, &self.known)?
        } else {
            prune::record(&self.dir, &written)
        };
        self.swap()?;
        Ok(folders)
    }

    fn swap(&mut self) -> io::Result<()> {
        if !self.output.exists() {
            fs::rename(&self.dir, &self.output)?;
            self.published = true;
            return Ok(());
        }
        let old = if exchange(&self.dir, &self.output)? {
            // The staging path now holds the old site.
            self.published = true;
            self.dir.clone()
        } else {
            let old = sibling(&self.output, &format!("old-{}", std::process::id()));
            fs::rename(&self.output, &old)?;
            fs::rename(&self.dir, &self.output)?;
            self.published = true;
            old
        };
        match self.previous {
            Previous::Ours => fs::rename(&old, sibling(&self.output, "spare")),
            Previous::Absent | Previous::Replaced => remove_tree(&old),
        }
    }

    /// Removes the staging folder and everything in it, rather than keep it as the spare: what
    /// a build that ran out of space staged would hold on to the space the next one needs.
    pub fn discard(mut self) -> io::Result<()> {
        self.published = true;
        remove_tree(&self.dir)
    }

    /// The path for output file `file`, with its folders made and anything in the way removed.
    fn target(&self, file: &str) -> io::Result<PathBuf> {
        // The model only hands out checked paths; this guards against a bug, not user input.
        if !is_plain(file) {
            return Err(io::Error::other(format!("refusing to write `{file}`")));
        }
        let path = self.dir.join(file);
        crate::sync::lock(&self.written).insert(file.to_string());
        if self.reused {
            clear_the_way(&self.dir, file)?;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        Ok(path)
    }
}

impl Drop for Staging {
    /// A build that did not publish leaves its folder as the next build's spare: it may hold a
    /// mix of old and new files, which the next build overwrites and prunes.
    fn drop(&mut self) {
        if !self.published {
            let spare = sibling(&self.output, "spare");
            if fs::rename(&self.dir, &spare).is_err() {
                let _ = remove_tree(&self.dir);
            }
        }
    }
}

impl Sink for Staging {
    fn put(&self, file: &str, bytes: Vec<u8>) -> io::Result<()> {
        let path = self.target(file)?;
        if self.reused && holds(&path, &bytes) {
            return Ok(());
        }
        fs::write(path, bytes)
    }

    /// Reading a variant back to compare would cost as much as the cache read that made its
    /// bytes: its name, a fingerprint of them, says what it holds. The reused folder is an
    /// earlier build's own site (it carries the marker), and only a hand edit that kept a
    /// file's length could make it lie.
    fn put_fingerprinted(&self, file: &str, bytes: &LazyBytes) -> io::Result<()> {
        // A regular file already at the path needs no folders made and nothing cleared.
        if self.reused && is_plain(file) && file_len(&self.dir.join(file)) == bytes.len() {
            crate::sync::lock(&self.written).insert(file.to_string());
            return Ok(());
        }
        let path = self.target(file)?;
        if self.reused && file_len(&path) == bytes.len() {
            return Ok(());
        }
        fs::write(path, bytes.get()?)
    }

    fn put_templated(
        &self,
        file: &str,
        bytes: Vec<u8>,
        fingerprint: Fingerprint,
    ) -> io::Result<()> {
        self.put(file, bytes)?;
        self.record(file, fingerprint);
        Ok(())
    }

    /// Neither rendered nor read: the file is what the earlier build wrote from data of the
    /// same fingerprint, and its inode, size and times say nothing wrote to it since.
    fn keep(&self, file: &str, fingerprint: Fingerprint) -> io::Result<bool> {
        let trusted = self.trusted.get(file);
        let Some(trusted) = trusted.filter(|t| t.fingerprint == fingerprint && is_plain(file))
        else {
            return Ok(false);
        };
        let folder = self.stated.get_or_init(|| StatedFolder::open(&self.dir));
        if folder.file_state(file) != Some(trusted.state) {
            return Ok(false);
        }
        crate::sync::lock(&self.written).insert(file.to_string());
        crate::sync::lock(&self.record).insert(file.to_string(), *trusted);
        Ok(true)
    }

    fn copy(&self, file: &str, source: &Path) -> io::Result<()> {
        let path = self.target(file)?;
        if self.reused && fs::metadata(source)?.len() == file_len(&path) {
            let bytes = fs::read(source)?;
            if holds(&path, &bytes) {
                return Ok(());
            }
            return fs::write(path, bytes);
        }
        fs::copy(source, path).map(|_| ())
    }
}

/// True for a relative `/`-separated path that stays inside the folder.
fn is_plain(file: &str) -> bool {
    !(file.split('/').any(|s| s == ".." || s.is_empty()) || file.contains('\\'))
}

/// True when the file at `path` in a reused folder already holds exactly `wanted`. Rewriting
/// it would truncate the file and allocate its blocks again, which costs more than reading it
/// back: most of a rebuild's files are unchanged, and usually still in the page cache.
fn holds(path: &Path, wanted: &[u8]) -> bool {
    file_len(path) == wanted.len() as u64 && fs::read(path).is_ok_and(|old| old == wanted)
}

/// The length of the regular file at `path`, or `u64::MAX` when there is none.
fn file_len(path: &Path) -> u64 {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => meta.len(),
        _ => u64::MAX,
    }
}

/// In a reused folder, a file may stand where a folder is now needed, or the reverse.
fn clear_the_way(dir: &Path, file: &str) -> io::Result<()> {
    let mut path = dir.to_path_buf();
    let segments: Vec<&str> = file.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        path.push(segment);
        let last = i + 1 == segments.len();
        match fs::symlink_metadata(&path) {
            Ok(meta) if last && meta.is_dir() => return remove_tree(&path),
            Ok(meta) if !last && !meta.is_dir() => return fs::remove_file(&path),
            Ok(_) => {}
            Err(_) => return Ok(()),
        }
    }
    Ok(())
}

/// Removes a folder tree, its subfolders in parallel.
pub(super) fn remove_tree(dir: &Path) -> io::Result<()> {
    let entries: Vec<fs::DirEntry> = fs::read_dir(dir)?.collect::<io::Result<_>>()?;
    entries.par_iter().try_for_each(|entry| {
        if entry.file_type()?.is_dir() {
            remove_tree(&entry.path())
        } else {
            fs::remove_file(entry.path())
        }
    })?;
    fs::remove_dir(dir)
}

/// `public` → `.public.<what>` in the same folder, so renames stay on one file system.
pub(crate) fn sibling(output: &Path, what: &str) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    output.with_file_name(format!(".{name}.{what}"))
}

/// Deals with what killed builds left: a marked staging or old folder becomes the spare if
/// there is none (it is a site or part of one, all of which the next build overwrites or
/// prunes), and is removed otherwise.
fn tidy_leftovers(output: &Path) -> io::Result<()> {
    let Some(parent) = output.parent() else {
        return Ok(());
    };
    let Some(name) = output.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Ok(());
    };
    let prefix = format!(".{name}.");
    let spare = sibling(output, "spare");
    for entry in fs::read_dir(parent)? {
        let entry = entry?;
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        if let Some(rest) = file_name.strip_prefix(&prefix)
            && (rest.starts_with("staging-") || rest.starts_with("old-"))
        {
            // Only a marked folder was a site; one killed before its marker was written holds
            // nothing worth keeping.
            let marked = entry.path().join(MARKER).is_file();
            if marked && !spare.exists() && fs::rename(entry.path(), &spare).is_ok() {
                continue;
            }
            remove_tree(&entry.path())?;
        }
    }
    Ok(())
}

/// Atomically exchanges two folders; `false` when the system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(true),
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<bool> {
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Prepares a staging folder for `out`, which must not be inside the (empty) site.
    fn staging(out: &Path, force: bool) -> Staging {
        let site = out.parent().unwrap().join("site");
        fs::create_dir_all(&site).unwrap();
        let claim = crate::write::output::claim(out, &site, force).unwrap();
        Staging::create(&claim, &Marker::new("https://example.com", false)).unwrap()
    }

    fn build(out: &Path, files: &[(&str, &str)]) {
        let staging = staging(out, false);
        for (file, text) in files {
            staging.put(file, text.as_bytes().to_vec()).unwrap();
        }
        staging.publish().unwrap();
    }

    #[test]
    fn publish_replaces_the_whole_output_and_keeps_the_old_one_as_the_spare() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        build(&out, &[("a/index.html", "old")]);
        assert_eq!(names(tmp.path()), ["public", "site"]);
        fs::write(out.join("stale.html"), "old").unwrap();
        build(&out, &[("a/index.html", "new")]);
        assert_eq!(fs::read_to_string(out.join("a/index.html")).unwrap(), "new");
        assert!(!out.join("stale.html").exists());
        assert_eq!(names(tmp.path()), [".public.spare", "public", "site"]);
        assert_eq!(
            names(&out),
            [MARKER, "a"],
            "the output is marked as pamphlet's"
        );
    }

    #[test]
    fn a_folder_taken_over_with_force_is_removed_not_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("notes.txt"), "someone's").unwrap();
        let staging = staging(&out, true);
        staging.put("index.html", b"x".to_vec()).unwrap();
        staging.publish().unwrap();
        assert_eq!(names(&out), [MARKER, "index.html"]);
        assert_eq!(names(tmp.path()), ["public", "site"], "no spare made of it");
    }

    #[test]
    fn a_spare_without_the_marker_is_left_alone_and_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        fs::create_dir(tmp.path().join(".public.spare")).unwrap();
        fs::write(tmp.path().join(".public.spare/mine.txt"), "x").unwrap();
        let site = tmp.path().join("site");
        fs::create_dir(&site).unwrap();
        let claim = crate::write::output::claim(&out, &site, false).unwrap();
        let refused = Staging::create(&claim, &Marker::new("https://x", false))
            .err()
            .unwrap();
        assert!(refused.to_string().contains("move it away"), "{refused}");
        assert!(tmp.path().join(".public.spare/mine.txt").exists());
    }

    #[test]
    fn unchanged_files_in_a_reused_spare_are_not_rewritten() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        build(&out, &[("same.html", "same"), ("b.html", "1111")]);
        let long_ago = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000);
        for name in ["same.html", "b.html"] {
            let file = fs::File::options()
                .write(true)
                .open(out.join(name))
                .unwrap();
            file.set_modified(long_ago).unwrap();
        }
        build(&out, &[("same.html", "other")]);
        // The third build reuses the first build's folder.
        build(&out, &[("same.html", "same"), ("b.html", "2222")]);
        let modified = |name: &str| fs::metadata(out.join(name)).unwrap().modified().unwrap();
        assert_eq!(
            modified("same.html"),
            long_ago,
            "an identical file is left alone"
        );
        assert_eq!(fs::read_to_string(out.join("b.html")).unwrap(), "2222");
        assert_ne!(
            modified("b.html"),
            long_ago,
            "same length, new bytes: rewritten"
        );
    }

    #[test]
    fn a_fingerprinted_file_of_its_length_in_a_reused_spare_is_trusted_by_name() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        let variant = |bytes: &[u8]| {
            let staging = staging(&out, false);
            for name in ["p.1a2b3c4d5e.480.avif", "p.9f8e7d6c5b.800.avif"] {
                let bytes = LazyBytes::held(bytes.into());
                staging.put_fingerprinted(name, &bytes).unwrap();
            }
            staging.publish().unwrap();
        };
        variant(b"first");
        variant(b"other");
        fs::write(out.join("p.9f8e7d6c5b.800.avif"), b"longer than it was").unwrap();
        // The third build reuses the first build's folder; the second's is the spare next.
        variant(b"same!");
        let read = |name: &str| fs::read(out.join(name)).unwrap();
        assert_eq!(
            read("p.1a2b3c4d5e.480.avif"),
            b"first",
            "not read, not rewritten"
        );
        variant(b"same!");
        assert_eq!(
            read("p.9f8e7d6c5b.800.avif"),
            b"same!",
            "another length: rewritten"
        );
    }

    #[test]
    fn a_reused_spare_is_overwritten_and_pruned() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        build(
            &out,
            &[("a/index.html", "1"), ("b/index.html", "1"), ("x", "file")],
        );
        build(&out, &[("a/index.html", "2"), ("c/index.html", "2")]);
        // The third build reuses the first build's folder.
        build(
            &out,
            &[
                ("a/index.html", "3"),
                ("x/index.html", "dir now"),
                ("d.html", "3"),
            ],
        );
        let mut files: Vec<String> = walkdir::WalkDir::new(&out)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                e.path()
                    .strip_prefix(&out)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        files.sort();
        assert_eq!(files, [MARKER, "a/index.html", "d.html", "x/index.html"]);
        assert_eq!(fs::read_to_string(out.join("a/index.html")).unwrap(), "3");
        assert!(!out.join("b").exists(), "emptied folders are removed");
    }

    #[test]
    fn dropping_unpublished_staging_leaves_output_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        build(&out, &[("keep.html", "old")]);
        {
            let staging = staging(&out, false);
            staging.put("keep.html", b"new".to_vec()).unwrap();
        }
        assert_eq!(fs::read_to_string(out.join("keep.html")).unwrap(), "old");
        assert_eq!(names(tmp.path()), [".public.spare", "public", "site"]);
        build(&out, &[("other.html", "x")]);
        assert!(
            !out.join("keep.html").exists(),
            "the half-made spare was pruned"
        );
    }

    #[test]
    fn leftovers_of_a_killed_build_are_adopted_or_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        fs::create_dir(tmp.path().join(".public.staging-99999")).unwrap();
        fs::write(tmp.path().join(".public.staging-99999/junk"), "x").unwrap();
        fs::create_dir(tmp.path().join(".public.old-99998")).unwrap();
        build(&out, &[("index.html", "x")]);
        assert_eq!(names(tmp.path()), ["public", "site"]);
        assert_eq!(names(&out), [MARKER, "index.html"]);
        // A marked leftover is a site: it becomes the spare, pruned by the next build.
        let leftover = tmp.path().join(".public.staging-99997");
        fs::create_dir(&leftover).unwrap();
        fs::write(leftover.join(MARKER), "{}").unwrap();
        fs::write(leftover.join("old.html"), "x").unwrap();
        build(&out, &[("index.html", "y")]);
        assert_eq!(names(tmp.path()), [".public.spare", "public", "site"]);
        assert_eq!(names(&out), [MARKER, "index.html"]);
    }

    #[test]
    fn refuses_paths_that_climb() {
        let tmp = tempfile::tempdir().unwrap();
        let staging = staging(&tmp.path().join("public"), false);
        assert!(staging.put("../x", vec![]).is_err());
        assert!(staging.put("a//b", vec![]).is_err());
    }
}
