//! Finding the site's source files under `content/`.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Diagnostics};

/// What a file under `content/` is to the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// A markdown page: `index.md` or any `.md` but `_index.md`.
    Page,
    /// A section's `_index.md`.
    Section,
    /// Anything else: copied to the output.
    Asset,
}

/// One file under `content/`, by its path relative to `content/` (with `/` separators).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceFile {
    /// The path relative to `content/`, such as `blog/x/index.md`.
    pub rel: String,
    /// Page, section or asset.
    pub kind: SourceKind,
}

/// Classifies a content-relative path.
pub fn kind_of(rel: &str) -> SourceKind {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if name == "_index.md" {
        SourceKind::Section
    } else if name.ends_with(".md") {
        SourceKind::Page
    } else {
        SourceKind::Asset
    }
}

/// True for names the build never reads: hidden files and editors' backups and swap files.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
        || (name.starts_with('#') && name.ends_with('#'))
}

/// The one hidden folder that is published: `static/.well-known/` (RFC 8615), where a site
/// keeps `security.txt` (RFC 9116) and the like.
pub const WELL_KNOWN: &str = ".well-known";

/// Which tree a walk lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tree {
    /// `content/`: hidden files are never read.
    Content,
    /// `static/`: hidden files are never published, except those in a top-level `.well-known/`.
    Static,
}

/// True when the build never reads the file at `rel` (relative to the folder of `tree`):
/// somewhere on its path is a hidden or backup name, other than `static/.well-known/`.
pub fn is_ignored_path(tree: Tree, rel: &Path) -> bool {
    rel.components().enumerate().any(|(depth, c)| {
        let name = c.as_os_str().to_string_lossy();
        let well_known = tree == Tree::Static && depth == 0 && name == WELL_KNOWN;
        !well_known && is_ignored_name(&name)
    })
}

/// Lists every source file under `dir`, sorted by path, with problems for those it skips.
///
/// Symbolic links are followed only to files inside `site_root`; a link out of the site, a
/// linked folder, or a link loop is reported and skipped, so the build never reads outside it.
/// Folders are listed on every core: listing the 10,000 folders of a site one by one was a
/// sixth of a warm build's time.
pub fn walk(dir: &Path, site_root: &Path, tree: Tree) -> (Vec<SourceFile>, Diagnostics) {
    if !dir.is_dir() {
        return (Vec::new(), Diagnostics::new());
    }
    let root = site_root
        .canonicalize()
        .unwrap_or_else(|_| site_root.to_path_buf());
    let walk = Walk {
        dir,
        site_root,
        root: &root,
        tree,
    };
    let mut found = Found::default();
    walk.folder(dir, 0, &mut found);
    (found.files, found.problems)
}

/// One walk's settings.
struct Walk<'a> {
    /// The folder walked.
    dir: &'a Path,
    site_root: &'a Path,
    /// `site_root`, canonical, for where links lead.
    root: &'a Path,
    tree: Tree,
}

/// What a walk found, in the order of the paths.
#[derive(Default)]
struct Found {
    files: Vec<SourceFile>,
    problems: Diagnostics,
}

impl Found {
    fn append(&mut self, mut other: Found) {
        self.files.append(&mut other.files);
        self.problems.extend(other.problems);
    }
}

impl Walk<'_> {
    /// Adds what the folder `folder`, `depth` below the walked one, holds to `found`.
    fn folder(&self, folder: &Path, depth: usize, found: &mut Found) {
        let mut entries = match self.entries(folder, depth + 1) {
            Ok(entries) => entries,
            Err(e) => {
                found.problems.push(self.unreadable(folder, &e));
                return;
            }
        };
        // Byte order of the names, as a sorted walk lists them.
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        let parts: Vec<Found> = entries
            .into_par_iter()
            .map(|entry| {
                let mut part = Found::default();
                let path = folder.join(&entry.name);
                match entry.file_type {
                    Ok(file_type) if file_type.is_dir() => self.folder(&path, depth + 1, &mut part),
                    Ok(file_type) => self.file(&path, file_type, &mut part),
                    Err(e) => part.problems.push(self.unreadable(&path, &e)),
                }
                part
            })
            .collect();
        for part in parts {
            found.append(part);
        }
    }

    /// The entries of `folder` the build may read, which are `depth` below the walked folder.
    fn entries(&self, folder: &Path, depth: usize) -> std::io::Result<Vec<Entry>> {
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(folder)? {
            let entry = entry?;
            let name = entry.file_name();
            let shown = name.to_string_lossy();
            let well_known = self.tree == Tree::Static && depth == 1 && shown == WELL_KNOWN;
            if well_known || !is_ignored_name(&shown) {
                entries.push(Entry {
                    file_type: entry.file_type(),
                    name,
                });
            }
        }
        Ok(entries)
    }

    /// Adds the file at `path`, not a folder, to `found`, or the reason it cannot be used.
    fn file(&self, path: &Path, file_type: std::fs::FileType, found: &mut Found) {
        let Some(rel) = relative_utf8(path, self.dir) else {
            found.problems.push(
                Diagnostic::error("file name is not valid UTF-8")
                    .in_file(display_path(path, self.site_root))
                    .help("rename the file using UTF-8 characters"),
            );
            return;
        };
        let usable = if file_type.is_symlink() {
            check_link(path, self.root, self.site_root)
        } else if file_type.is_file() {
            Ok(())
        } else {
            Err(not_regular(&file_type, false, path, self.site_root))
        };
        match usable {
            Ok(()) => {
                let kind = kind_of(&rel);
                found.files.push(SourceFile { rel, kind });
            }
            Err(problem) => found.problems.push(problem),
        }
    }

    fn unreadable(&self, path: &Path, e: &std::io::Error) -> Diagnostic {
        Diagnostic::error(format!("cannot read: {e}")).in_file(display_path(path, self.site_root))
    }
}

/// An entry of a folder being walked.
struct Entry {
    name: std::ffi::OsString,
    file_type: std::io::Result<std::fs::FileType>,
}

/// Why the symbolic link at `path` may not be read, if it may not: it leads out of the site
/// (whose canonical folder is `root`), to a folder, to something not a regular file, or nowhere.
fn check_link(path: &Path, root: &Path, site_root: &Path) -> Result<(), Diagnostic> {
    let shown = display_path(path, site_root);
    let target = path
        .canonicalize()
        .map_err(|e| Diagnostic::error(format!("broken symbolic link: {e}")).in_file(&shown))?;
    if !target.starts_with(root) {
        return Err(
            Diagnostic::error("symbolic link points outside the site; not followed")
                .in_file(&shown)
                .help("copy the file into the site instead of linking to it"),
        );
    }
    if target.is_dir() {
        return Err(
            Diagnostic::warning("linked folder skipped; folders are not followed").in_file(&shown),
        );
    }
    match std::fs::metadata(&target) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(meta) => Err(not_regular(&meta.file_type(), true, path, site_root)),
        Err(e) => Err(Diagnostic::error(format!("cannot read: {e}")).in_file(&shown)),
    }
}

/// What a file that is not a regular file or a folder is, for messages.
pub fn describe(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "a device";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else if file_type.is_file() {
        "a file"
    } else {
        "a special file"
    }
}

/// Special files are never read: opening a named pipe would wait for a writer forever.
fn not_regular(
    file_type: &std::fs::FileType,
    linked: bool,
    path: &Path,
    site_root: &Path,
) -> Diagnostic {
    let what = describe(file_type);
    let message = if linked {
        format!("skipped: the symbolic link points to {what}, not a regular file")
    } else {
        format!("skipped: {what} is not a regular file")
    };
    Diagnostic::warning(message)
        .in_file(display_path(path, site_root))
        .help("only regular files, and links to them, are published")
}

/// `path` relative to `base`, with `/` separators, if it is valid UTF-8.
pub fn relative_utf8(path: &Path, base: &Path) -> Option<String> {
    let rel = path.strip_prefix(base).ok()?;
    let mut out = String::new();
    for (i, part) in rel.components().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(part.as_os_str().to_str()?);
    }
    Some(out)
}

/// A path as messages show it: relative to the site root when inside it.
pub fn display_path(path: &Path, site_root: &Path) -> PathBuf {
    path.strip_prefix(site_root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// The content folder of a site.
pub fn content_dir(site_root: &Path) -> PathBuf {
    site_root.join("content")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(kind_of("blog/_index.md"), SourceKind::Section);
        assert_eq!(kind_of("blog/x/index.md"), SourceKind::Page);
        assert_eq!(kind_of("about.md"), SourceKind::Page);
        assert_eq!(kind_of("blog/x/egg.jpg"), SourceKind::Asset);
    }

    #[test]
    fn only_static_well_known_is_a_published_hidden_folder() {
        let ignored = |tree, rel: &str| is_ignored_path(tree, Path::new(rel));
        assert!(!ignored(Tree::Static, ".well-known/security.txt"));
        assert!(ignored(Tree::Static, ".well-known/.secret"));
        assert!(ignored(Tree::Static, "deep/.well-known/security.txt"));
        assert!(ignored(Tree::Static, ".git/config"));
        assert!(ignored(Tree::Content, ".well-known/security.txt"));
        assert!(!ignored(Tree::Content, "blog/x/index.md"));
    }

    #[test]
    fn ignores_hidden_and_backup_files() {
        for name in [".DS_Store", "index.md~", ".index.md.swp", "#index.md#"] {
            assert!(is_ignored_name(name), "{name}");
        }
        assert!(!is_ignored_name("index.md"));
    }
}
