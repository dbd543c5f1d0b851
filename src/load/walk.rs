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

/// Lists every source file under `content_dir`, sorted by path, with problems for those it skips.
///
/// Symbolic links are followed only to files inside `site_root`; a link out of the site, a
/// linked folder, or a link loop is reported and skipped, so the build never reads outside it.
pub fn walk(content_dir: &Path, site_root: &Path) -> (Vec<SourceFile>, Diagnostics) {
    let mut files = Vec::new();
    let mut problems = Diagnostics::new();
    if !content_dir.is_dir() {
        return (files, problems);
    }
    let root = site_root
        .canonicalize()
        .unwrap_or_else(|_| site_root.to_path_buf());
    let walker = WalkDir::new(content_dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy()));
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
        let Some(rel) = relative_utf8(path, content_dir) else {
            problems.push(
                Diagnostic::error("file name is not valid UTF-8")
                    .in_file(display_path(path, site_root))
                    .help("rename the file using UTF-8 characters"),
            );
            continue;
        };
        if file_type.is_symlink() {
            match path.canonicalize() {
                Ok(target) if !target.starts_with(&root) => {
                    problems.push(
                        Diagnostic::error("symbolic link points outside the site; not followed")
                            .in_file(display_path(path, site_root))
                            .help("copy the file into the site instead of linking to it"),
                    );
                    continue;
                }
                Ok(target) if target.is_dir() => {
                    problems.push(
                        Diagnostic::warning("linked folder skipped; folders are not followed")
                            .in_file(display_path(path, site_root)),
                    );
                    continue;
                }
                Ok(target) => match std::fs::metadata(&target) {
                    Ok(meta) if meta.is_file() => {}
                    Ok(meta) => {
                        problems.push(not_regular(&meta.file_type(), true, path, site_root));
                        continue;
                    }
                    Err(e) => {
                        problems.push(
                            Diagnostic::error(format!("cannot read: {e}"))
                                .in_file(display_path(path, site_root)),
                        );
                        continue;
                    }
                },
                Err(e) => {
                    problems.push(
                        Diagnostic::error(format!("broken symbolic link: {e}"))
                            .in_file(display_path(path, site_root)),
                    );
                    continue;
                }
            }
        } else if !file_type.is_file() {
            problems.push(not_regular(&file_type, false, path, site_root));
            continue;
        }
        let kind = kind_of(&rel);
        files.push(SourceFile { rel, kind });
    }
    (files, problems)
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
    fn ignores_hidden_and_backup_files() {
        for name in [".DS_Store", "index.md~", ".index.md.swp", "#index.md#"] {
            assert!(is_ignored_name(name), "{name}");
        }
        assert!(!is_ignored_name("index.md"));
    }
}
