//! Finding the site's source files under `content/`.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

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
pub fn walk(dir: &Path, site_root: &Path, tree: Tree) -> (Vec<SourceFile>, Diagnostics) {
    let mut files = Vec::new();
    let mut problems = Diagnostics::new();
    if !dir.is_dir() {
        return (files, problems);
    }
    let root = site_root
        .canonicalize()
        .unwrap_or_else(|_| site_root.to_path_buf());
    let walker = WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            let well_known = tree == Tree::Static && e.depth() == 1 && name == WELL_KNOWN;
            e.depth() == 0 || well_known || !is_ignored_name(&name)
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().map(Path::to_path_buf).unwrap_or_default();
                problems.push(
                    Diagnostic::error(format!("cannot read: {}", io_reason(&e)))
                        .in_file(display_path(&path, site_root)),
                );
                continue;
            }
        };
        let path = entry.path();
        let file_type = entry.file_type();
        if file_type.is_dir() {
            continue;
        }
        let Some(rel) = relative_utf8(path, dir) else {
            problems.push(
                Diagnostic::error("file name is not valid UTF-8")
                    .in_file(display_path(path, site_root))
                    .help("rename the file using UTF-8 characters"),
            );
            continue;
        };
        let usable = if file_type.is_symlink() {
            check_link(path, &root, site_root)
        } else if file_type.is_file() {
            Ok(())
        } else {
            Err(not_regular(&file_type, false, path, site_root))
        };
        match usable {
            Ok(()) => {
                let kind = kind_of(&rel);
                files.push(SourceFile { rel, kind });
            }
            Err(problem) => problems.push(problem),
        }
    }
    (files, problems)
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

fn io_reason(e: &walkdir::Error) -> String {
    if e.loop_ancestor().is_some() {
        return "symbolic link loop".to_string();
    }
    match e.io_error() {
        Some(io) => io.to_string(),
        None => e.to_string(),
    }
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
