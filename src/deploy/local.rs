//! The built site on disk: every file under the output folder, hashed, with the headers it must
//! be served with.

use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use walkdir::WalkDir;

use crate::write::output::MARKER;

use super::error::DeployError;
use super::headers::{HeaderPolicy, Headers};
use super::manifest::MANIFEST_NAME;

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LocalFile {
    /// Its blob name: the path relative to the output folder, `/`-separated.
    pub path: String,
    /// Where it is on disk.
    pub source: PathBuf,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
    /// The headers it must be stored with.
    pub headers: Headers,
}

/// Every regular file under `output`, sorted by path, plus notes about what was left out.
pub(super) fn scan(
    output: &Path,
    policy: &HeaderPolicy,
) -> Result<(Vec<LocalFile>, Vec<String>), DeployError> {
    if !output.is_dir() {
        return Err(DeployError::NoOutput(output.to_path_buf()));
    }
    let mut notes = Vec::new();
    let mut found = Vec::new();
    for entry in WalkDir::new(output).sort_by_file_name() {
        let entry = entry.map_err(|e| DeployError::Read {
            path: e.path().unwrap_or(output).to_path_buf(),
            reason: e
                .io_error()
                .map(|io| io.kind().to_string())
                .unwrap_or_else(|| "a folder loops back on itself".into()),
        })?;
        let file_type = entry.file_type();
        if file_type.is_dir() {
            continue;
        }
        let relative = entry.path().strip_prefix(output).unwrap_or(entry.path());
        let Some(path) = blob_name(relative) else {
            notes.push(format!(
                "skipped {}: its name is not UTF-8 or not a valid blob name",
                entry.path().display()
            ));
            continue;
        };
        // A link could point anywhere on this machine; `pamphlet build` never makes one.
        if !file_type.is_file() {
            notes.push(format!("skipped {path}: not a regular file"));
            continue;
        }
        // The output's marker is for pamphlet build; it is published nowhere.
        if path == MARKER {
            continue;
        }
        if path == MANIFEST_NAME {
            notes.push(format!(
                "skipped {path}: the name is reserved for pamphlet's manifest"
            ));
            continue;
        }
        found.push((path, entry.into_path()));
    }
    if found.is_empty() {
        return Err(DeployError::EmptyOutput(output.to_path_buf()));
    }
    let files = found
        .into_par_iter()
        .map(|(path, source)| {
            let (size, sha256) = hash_file(&source)?;
            let headers = policy.headers(&path);
            Ok(LocalFile {
                path,
                source,
                size,
                sha256,
                headers,
            })
        })
        .collect::<Result<Vec<_>, DeployError>>()?;
    Ok((files, notes))
}

/// SHA-256 (hex) of a byte slice.
pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hash_file(path: &Path) -> Result<(u64, String), DeployError> {
    let read_error = |e: std::io::Error| DeployError::Read {
        path: path.to_path_buf(),
        reason: e.kind().to_string(),
    };
    let mut file = std::fs::File::open(path).map_err(read_error)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(read_error)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buffer[..n]);
    }
    Ok((size, hex(&hasher.finalize())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The blob name of a relative path, when it can be one.
fn blob_name(relative: &Path) -> Option<String> {
    let parts: Option<Vec<&str>> = relative
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect();
    let parts = parts?;
    let valid = !parts.is_empty()
        && parts.iter().all(|p| {
            !p.is_empty() && *p != "." && *p != ".." && !p.chars().any(|c| c.is_control())
        });
    valid.then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_and_hashes() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        std::fs::create_dir_all(out.join("blog/a")).unwrap();
        std::fs::write(out.join("index.html"), "<p>hi</p>").unwrap();
        std::fs::write(out.join("blog/a/index.html"), "").unwrap();
        std::fs::write(out.join("style.a769f81332.css"), "body{}").unwrap();
        std::fs::write(out.join(MANIFEST_NAME), "{}").unwrap();
        let (files, notes) = scan(out, &HeaderPolicy::default()).unwrap();
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            ["blog/a/index.html", "index.html", "style.a769f81332.css"]
        );
        assert_eq!(files[1].size, 9);
        assert_eq!(files[1].sha256, sha256_hex(b"<p>hi</p>"));
        assert_eq!(
            files[0].sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            files[2].headers.cache_control,
            super::super::headers::IMMUTABLE
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
    }

    #[test]
    fn missing_and_empty_output() {
        let dir = tempfile::tempdir().unwrap();
        let missing = scan(&dir.path().join("public"), &HeaderPolicy::default()).unwrap_err();
        assert!(
            missing.to_string().contains("run `pamphlet build`"),
            "{missing}"
        );
        let empty = scan(dir.path(), &HeaderPolicy::default()).unwrap_err();
        assert!(matches!(empty, DeployError::EmptyOutput(_)));
    }
}
