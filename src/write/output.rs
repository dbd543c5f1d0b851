//! The output folder is pamphlet's alone: a build writes only into a folder that is absent,
//! empty, or marked as pamphlet's own by an earlier build, and never into (or over) the site's
//! own folders, whatever it is told.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;

/// The file every build leaves in its output folder: it marks the folder as one pamphlet may
/// replace, and says how the site was built. It is published nowhere (`deploy` skips it).
pub const MARKER: &str = ".pamphlet-output";

/// The site's cache folder, at its root (images, build cache).
pub const CACHE_DIR: &str = ".pamphlet-cache";

/// The folders of a site that a build reads: no output may be one of them, inside one, or hold
/// one.
pub const INPUT_DIRS: &[&str] = &["content", "templates", "static", CACHE_DIR];

/// What the marker records about the build that wrote the folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    /// The pamphlet version that built it.
    pub generator: String,
    /// The `base_url` its links were made with.
    pub base_url: String,
    /// True when `base_url` was the local placeholder, not the site's address: such a build is
    /// for looking at, not for publishing.
    pub placeholder_base_url: bool,
    /// Which build wrote the folder, for the record of what it wrote
    /// ([`super::generations`]); 0 in folders of versions that did not say.
    #[serde(default)]
    pub build: u64,
}

impl Marker {
    /// The marker of a build made now.
    pub fn new(base_url: &str, placeholder_base_url: bool) -> Self {
        Marker {
            generator: format!("pamphlet {}", env!("CARGO_PKG_VERSION")),
            base_url: base_url.to_string(),
            placeholder_base_url,
            build: new_build_id(),
        }
    }

    /// The marker in `folder`, if there is a readable one.
    pub fn read(folder: &Path) -> Option<Marker> {
        let bytes = fs::read(folder.join(MARKER)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// The marker file's contents.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// An id no other build has had: the time and the process, hashed with a random key (each
/// `RandomState` has its own), so two builds of one process in one nanosecond differ too.
fn new_build_id() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // 0 stands for "unknown"; with its lowest bit set an id is never 0.
    RandomState::new().hash_one((now, std::process::id())) | 1
}

/// What the output folder was before the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Previous {
    /// There was none.
    Absent,
    /// An empty folder, or one the user told the build to take over (`--force`): it is removed
    /// once the new site is in place, never kept as the spare.
    Replaced,
    /// An earlier build's: it becomes the spare, reused by the next build.
    Ours,
}

/// Where a build may write, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The output folder, absolute, with symbolic links resolved.
    pub output: PathBuf,
    /// What was there.
    pub previous: Previous,
}

/// Checks that a build of the site at `root`, keeping its cache in `.pamphlet-cache`, may write
/// to `output` (`force`: take over a folder that is not pamphlet's); the error says what is
/// wrong and what to do.
pub fn claim(output: &Path, root: &Path, force: bool) -> Result<Claim, Diagnostic> {
    claim_with_cache(output, root, &root.join(CACHE_DIR), force)
}

/// [`claim`] for a site whose cache folder is `cache` (`[build] cache_dir` or `--cache-dir`,
/// wherever it is): the output may not be it, lie inside it or hold it, even with `force`.
pub fn claim_with_cache(
    output: &Path,
    root: &Path,
    cache: &Path,
    force: bool,
) -> Result<Claim, Diagnostic> {
    let output = resolve(output).map_err(|e| {
        Diagnostic::error(format!(
            "cannot use {} as the output folder: {e}",
            output.display()
        ))
    })?;
    let root = resolve(root).map_err(|e| {
        Diagnostic::error(format!(
            "cannot read the site's folder {}: {e}",
            root.display()
        ))
    })?;
    refuse_site_folders(&output, &root)?;
    let cache = resolve(cache).map_err(|e| {
        Diagnostic::error(format!(
            "cannot read the site's cache folder {}: {e}",
            cache.display()
        ))
    })?;
    refuse_cache(&output, &cache)?;
    let previous = match fs::symlink_metadata(&output) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Previous::Absent,
        Err(e) => {
            return Err(Diagnostic::error(format!(
                "cannot read the output folder {}: {e}",
                output.display()
            )));
        }
        Ok(meta) if !meta.is_dir() => {
            return Err(Diagnostic::error(format!(
                "the output {} is a file, not a folder",
                output.display()
            ))
            .help("give --output a folder, or move the file away"));
        }
        Ok(_) => previous(&output, force)?,
    };
    Ok(Claim { output, previous })
}

/// Whose the existing folder `output` is; an error for one holding files not pamphlet's.
fn previous(output: &Path, force: bool) -> Result<Previous, Diagnostic> {
    if output.join(MARKER).is_file() {
        return Ok(Previous::Ours);
    }
    let names = listing(output).map_err(|e| {
        Diagnostic::error(format!(
            "cannot read the output folder {}: {e}",
            output.display()
        ))
    })?;
    if names.is_empty() || force {
        return Ok(Previous::Replaced);
    }
    Err(Diagnostic::error(format!(
        "the output folder {} was not made by pamphlet build, and it holds {}",
        output.display(),
        describe(&names)
    ))
    .help("build into an empty or new folder (--output DIR), empty this one, or pass --force to replace everything in it"))
}

/// Refuses an output that is the site, holds it, or is or lies inside one of its inputs.
fn refuse_site_folders(output: &Path, root: &Path) -> Result<(), Diagnostic> {
    let why = if output == root {
        Some("it is the site's own folder".to_string())
    } else if root.starts_with(output) {
        Some(format!("it holds the site's folder {}", root.display()))
    } else {
        INPUT_DIRS.iter().find_map(|dir| {
            let input = root.join(dir);
            if output == input {
                Some(format!("it is the site's {dir}/ folder"))
            } else if output.starts_with(&input) {
                Some(format!("it is inside the site's {dir}/ folder"))
            } else {
                None
            }
        })
    };
    match why {
        Some(why) => Err(Diagnostic::error(format!(
            "refusing to build into {}: {why}, and a build replaces everything in its output folder",
            output.display()
        ))
        .help("give --output a folder of its own, such as public/ (the default); --force does not change this")),
        None => Ok(()),
    }
}

/// Refuses an output that is the cache folder `cache`, lies inside it or holds it: a build
/// would replace the cache with the site, or the site with the cache. (The default cache is one
/// of [`INPUT_DIRS`], already refused by name.)
fn refuse_cache(output: &Path, cache: &Path) -> Result<(), Diagnostic> {
    let why = if output == cache {
        "it is the site's cache folder (where made images are kept)".to_string()
    } else if output.starts_with(cache) {
        format!("it is inside the site's cache folder {}", cache.display())
    } else if cache.starts_with(output) {
        format!("it holds the site's cache folder {}", cache.display())
    } else {
        return Ok(());
    };
    Err(Diagnostic::error(format!(
        "refusing to build into {}: {why}, and a build replaces everything in its output folder",
        output.display()
    ))
    .help("give --output a folder of its own, such as public/ (the default), or keep the cache elsewhere ([build] cache_dir in site.toml, or --cache-dir); --force does not change this"))
}

/// `path` made absolute, `.` and `..` taken out, and symbolic links resolved as far as it
/// exists, so two names for one folder compare equal.
pub(crate) fn resolve(path: &Path) -> io::Result<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    let absolute = normalize(&absolute);
    let mut resolved = PathBuf::new();
    let mut rest = Vec::new();
    let mut existing = absolute.as_path();
    // The deepest part that exists is canonicalized; the rest is appended as written.
    loop {
        match existing.canonicalize() {
            Ok(canonical) => {
                resolved = canonical;
                break;
            }
            Err(_) => match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_os_string());
                    existing = parent;
                }
                _ => break,
            },
        }
    }
    for name in rest.into_iter().rev() {
        resolved.push(name);
    }
    Ok(normalize(&resolved))
}

/// Removes `.` and `..` components lexically (what canonicalize could not reach).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The names in a folder, sorted.
fn listing(folder: &Path) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(folder)? {
        let entry = entry?;
        let mut name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_dir() {
            name.push('/');
        }
        names.push(name);
    }
    names.sort();
    Ok(names)
}

/// "notes.txt", "a/ and notes.txt", "a/, b.txt, c.txt and 4 more".
fn describe(names: &[String]) -> String {
    const SHOWN: usize = 3;
    let quoted: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    match names.len() {
        0 => "nothing".into(),
        1 => quoted[0].clone(),
        n if n <= SHOWN => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
        n => format!("{} and {} more", quoted.join(", "), n - SHOWN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_described_by_a_few_of_its_names() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(describe(&names(&["notes.txt"])), "`notes.txt`");
        assert_eq!(describe(&names(&["a/", "b"])), "`a/` and `b`");
        assert_eq!(
            describe(&names(&["a", "b", "c", "d", "e"])),
            "`a`, `b`, `c` and 2 more"
        );
    }

    #[test]
    fn paths_resolve_through_dots_and_missing_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        assert_eq!(resolve(&root.join("x/../y/./z")).unwrap(), root.join("y/z"));
        assert_eq!(resolve(&root.join("content/..")).unwrap(), root);
    }

    #[test]
    fn the_site_and_its_inputs_are_never_an_output() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        for bad in [
            root.clone(),
            root.parent().unwrap().to_path_buf(),
            root.join("content"),
            root.join("content/blog"),
            root.join("templates"),
            root.join("static/x"),
            root.join(CACHE_DIR),
        ] {
            let e = claim(&bad, &root, true).unwrap_err();
            assert!(e.message.contains("refusing to build into"), "{bad:?}: {e}");
        }
        assert_eq!(
            claim(&root.join("public"), &root, false).unwrap(),
            Claim {
                output: root.join("public"),
                previous: Previous::Absent
            }
        );
    }

    #[test]
    fn a_moved_cache_folder_is_never_an_output() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().canonicalize().unwrap();
        let root = base.join("site");
        fs::create_dir(&root).unwrap();
        for cache in [root.join("cache"), base.join("shared-cache")] {
            // The cache need not exist yet: a first build makes it.
            for bad in [cache.clone(), cache.join("images"), cache.join("x/../y")] {
                let e = claim_with_cache(&bad, &root, &cache, true).unwrap_err();
                assert!(e.message.contains("refusing to build into"), "{bad:?}: {e}");
                assert!(e.message.contains("cache folder"), "{bad:?}: {e}");
            }
            assert_eq!(
                claim_with_cache(&root.join("public"), &root, &cache, false)
                    .unwrap()
                    .previous,
                Previous::Absent
            );
        }
        // Named through a symbolic link, it is still the cache.
        let cache = base.join("real-cache");
        fs::create_dir(&cache).unwrap();
        std::os::unix::fs::symlink(&cache, base.join("link")).unwrap();
        let e = claim_with_cache(&base.join("link"), &root, &cache, true).unwrap_err();
        assert!(e.message.contains("the site's cache folder"), "{e}");
        let e = claim_with_cache(&cache, &root, &base.join("link/."), true).unwrap_err();
        assert!(e.message.contains("the site's cache folder"), "{e}");
        // The cache inside the output, in the site or out of it: building would wipe it.
        for (output, cache) in [
            (root.join("public"), root.join("public/.cache")),
            (base.join("caches"), base.join("caches/site")),
        ] {
            let e = claim_with_cache(&output, &root, &cache, true).unwrap_err();
            let holds = format!("it holds the site's cache folder {}", cache.display());
            assert!(e.message.contains(&holds), "{e}");
        }
        // With the cache moved, the default folder is still refused by name.
        let e = claim_with_cache(&root.join(CACHE_DIR), &root, &cache, true).unwrap_err();
        assert!(e.message.contains(".pamphlet-cache/ folder"), "{e}");
    }

    #[test]
    fn a_folder_with_files_not_pamphlets_needs_force() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let out = root.join("important");
        fs::create_dir(&out).unwrap();
        assert_eq!(
            claim(&out, &root, false).unwrap().previous,
            Previous::Replaced
        );
        fs::write(out.join("notes.txt"), "mine").unwrap();
        let e = claim(&out, &root, false).unwrap_err();
        assert!(e.message.contains("holds `notes.txt`"), "{e}");
        assert_eq!(
            claim(&out, &root, true).unwrap().previous,
            Previous::Replaced
        );
        fs::write(out.join(MARKER), Marker::new("https://x", false).to_bytes()).unwrap();
        assert_eq!(claim(&out, &root, false).unwrap().previous, Previous::Ours);
        assert_eq!(
            Marker::read(&out).unwrap().base_url,
            "https://x",
            "the marker reads back"
        );
    }
}
