//! Publishing a build atomically: files are written to a staging folder beside the output, and
//! only a build that succeeded is swapped in, in one step.
//!
//! On Linux the swap is `renameat2(RENAME_EXCHANGE)`: at every instant the output folder is
//! either the whole old site or the whole new one, even if the process is killed. Elsewhere it
//! is two renames, with a short moment between them in which the output folder is missing.
//! Leftovers of a killed build are removed by the next one.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::Sink;

/// A staging folder being filled, to be published over `output`.
pub struct Staging {
    output: PathBuf,
    dir: PathBuf,
}

impl Staging {
    /// Creates an empty staging folder beside `output`, after removing any left by an
    /// interrupted build.
    pub fn create(output: &Path) -> io::Result<Staging> {
        let output = absolute(output)?;
        let parent = output
            .parent()
            .ok_or_else(|| io::Error::other("the output folder cannot be the file system root"))?;
        fs::create_dir_all(parent)?;
        remove_leftovers(&output)?;
        let dir = sibling(&output, &format!("staging-{}", std::process::id()));
        fs::create_dir(&dir)?;
        Ok(Staging { output, dir })
    }

    /// The staging folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Swaps the staging folder in as the output and removes the old output.
    pub fn publish(self) -> io::Result<()> {
        let dir = self.dir.clone();
        let output = self.output.clone();
        std::mem::forget(self);
        if output.exists() {
            if exchange(&dir, &output)? {
                // `dir` now holds the old site.
                return remove_tree(&dir);
            }
            let old = sibling(&output, &format!("old-{}", std::process::id()));
            fs::rename(&output, &old)?;
            fs::rename(&dir, &output)?;
            remove_tree(&old)
        } else {
            fs::rename(&dir, &output)
        }
    }
}

impl Drop for Staging {
    /// A build that did not publish leaves nothing behind.
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

impl Sink for Staging {
    fn put(&self, file: &str, bytes: Vec<u8>) -> io::Result<()> {
        let path = self.target(file)?;
        fs::write(path, bytes)
    }

    fn copy(&self, file: &str, source: &Path) -> io::Result<()> {
        let path = self.target(file)?;
        fs::copy(source, path).map(|_| ())
    }
}

impl Staging {
    /// The path for output file `file`, with its folders made.
    fn target(&self, file: &str) -> io::Result<PathBuf> {
        // The model only hands out checked paths; this guards against a bug, not user input.
        if file.split('/').any(|s| s == ".." || s.is_empty()) || file.contains('\\') {
            return Err(io::Error::other(format!("refusing to write `{file}`")));
        }
        let path = self.dir.join(file);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        Ok(path)
    }
}

/// Removes a folder tree, its subfolders in parallel: deleting the previous site's thousands
/// of files is a good part of a build's system time.
fn remove_tree(dir: &Path) -> io::Result<()> {
    use rayon::prelude::*;
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
fn sibling(output: &Path, what: &str) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    output.with_file_name(format!(".{name}.{what}"))
}

/// Removes staging and old folders left by killed builds.
fn remove_leftovers(output: &Path) -> io::Result<()> {
    let Some(parent) = output.parent() else {
        return Ok(());
    };
    let Some(name) = output.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Ok(());
    };
    let prefix = format!(".{name}.");
    for entry in fs::read_dir(parent)? {
        let entry = entry?;
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        if let Some(rest) = file_name.strip_prefix(&prefix)
            && (rest.starts_with("staging-") || rest.starts_with("old-"))
        {
            remove_tree(&entry.path())?;
        }
    }
    Ok(())
}

fn absolute(path: &Path) -> io::Result<PathBuf> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(path))
    }
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

    #[test]
    fn publish_replaces_the_whole_output() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("stale.html"), "old").unwrap();
        let staging = Staging::create(&out).unwrap();
        staging.put("a/index.html", b"new".to_vec()).unwrap();
        staging.publish().unwrap();
        assert_eq!(fs::read_to_string(out.join("a/index.html")).unwrap(), "new");
        assert!(!out.join("stale.html").exists());
        let names: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("public")]);
    }

    #[test]
    fn dropping_unpublished_staging_leaves_output_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("keep.html"), "old").unwrap();
        {
            let staging = Staging::create(&out).unwrap();
            staging.put("keep.html", b"new".to_vec()).unwrap();
        }
        assert_eq!(fs::read_to_string(out.join("keep.html")).unwrap(), "old");
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn leftovers_of_a_killed_build_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("public");
        fs::create_dir(tmp.path().join(".public.staging-99999")).unwrap();
        let staging = Staging::create(&out).unwrap();
        staging.publish().unwrap();
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_paths_that_climb() {
        let tmp = tempfile::tempdir().unwrap();
        let staging = Staging::create(&tmp.path().join("public")).unwrap();
        assert!(staging.put("../x", vec![]).is_err());
        assert!(staging.put("a//b", vec![]).is_err());
    }
}
