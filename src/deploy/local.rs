//! The built site on disk: every file under the output folder, hashed, with the headers it must
//! be served with.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use walkdir::WalkDir;

use crate::write::output::MARKER;

use super::error::DeployError;
use super::hashes::{FileKey, Hashed, KnownHashes};
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

/// What a scan of the output folder found.
#[derive(Debug, Default)]
pub(super) struct Scanned {
    /// Every regular file, sorted by path.
    pub files: Vec<LocalFile>,
    /// What was left out, and why.
    pub notes: Vec<String>,
    /// Files hashed now that a later scan may trust.
    pub hashed: Vec<Hashed>,
    /// Files whose kept hash was used.
    pub known: Vec<FileKey>,
}

/// The error for an output folder that is missing.
pub(super) fn check_exists(output: &Path) -> Result<(), DeployError> {
    if output.is_dir() {
        Ok(())
    } else {
        Err(DeployError::NoOutput(output.to_path_buf()))
    }
}

/// Every regular file under `output`, hashed unless `known` has its hash.
pub(super) fn scan(
    output: &Path,
    policy: &HeaderPolicy,
    known: &KnownHashes,
) -> Result<Scanned, DeployError> {
    check_exists(output)?;
    let scan_start = SystemTime::now();
    let Walked { found, notes } = publishable_files(output)?;
    let results = found
        .into_par_iter()
        .map(|(path, source)| {
            let content = content_of(&source, known, scan_start)?;
            let headers = policy.headers(&path);
            let file = LocalFile {
                path,
                source,
                size: content.size,
                sha256: hex(&content.sha256),
                headers,
            };
            Ok((file, content.kept))
        })
        .collect::<Result<Vec<_>, DeployError>>()?;
    let mut scanned = Scanned {
        notes,
        ..Scanned::default()
    };
    for (file, kept) in results {
        scanned.files.push(file);
        match kept {
            Kept::Known(key) => scanned.known.push(key),
            Kept::Hashed(hashed) => scanned.hashed.push(hashed),
            Kept::Nothing => {}
        }
    }
    Ok(scanned)
}

/// The files a deploy publishes, before they are read.
struct Walked {
    /// Blob name and path on disk, by blob name.
    found: Vec<(String, PathBuf)>,
    /// What was left out, and why.
    notes: Vec<String>,
}

/// Every file under `output` a deploy publishes, and notes on what it leaves out.
fn publishable_files(output: &Path) -> Result<Walked, DeployError> {
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
    Ok(Walked { found, notes })
}

/// A file's size and hash, and what to keep of them.
struct Content {
    size: u64,
    sha256: [u8; 32],
    kept: Kept,
}

/// What the kept hashes learn from one file.
enum Kept {
    /// Its kept hash was used.
    Known(FileKey),
    /// It was hashed and may be trusted next time.
    Hashed(Hashed),
    /// It was hashed, too soon after a change to be trusted next time.
    Nothing,
}

fn content_of(
    source: &Path,
    known: &KnownHashes,
    scan_start: SystemTime,
) -> Result<Content, DeployError> {
    let metadata = std::fs::symlink_metadata(source).map_err(|e| read_error(source, &e))?;
    if let (Some(sha256), Some(key)) = (known.lookup(&metadata), FileKey::of(&metadata)) {
        return Ok(Content {
            size: metadata.len(),
            sha256,
            kept: Kept::Known(key),
        });
    }
    let (metadata, size, sha256) = hash_file(source)?;
    let kept =
        KnownHashes::hashed(&metadata, sha256, scan_start).map_or(Kept::Nothing, Kept::Hashed);
    Ok(Content { size, sha256, kept })
}

/// SHA-256 (hex) of a byte slice.
pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn read_error(path: &Path, e: &std::io::Error) -> DeployError {
    DeployError::Read {
        path: path.to_path_buf(),
        reason: e.kind().to_string(),
    }
}

/// The file's metadata before it was read, its size and its SHA-256.
fn hash_file(path: &Path) -> Result<(std::fs::Metadata, u64, [u8; 32]), DeployError> {
    let read_error = |e: std::io::Error| read_error(path, &e);
    let mut file = std::fs::File::open(path).map_err(read_error)?;
    let metadata = file.metadata().map_err(read_error)?;
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
    Ok((metadata, size, hasher.finalize().into()))
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
        let Scanned { files, notes, .. } =
            scan(out, &HeaderPolicy::default(), &KnownHashes::none()).unwrap();
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

    #[cfg(unix)]
    #[test]
    fn a_kept_hash_is_used_without_reading_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("index.html"), "<p>hi</p>").unwrap();
        let metadata = std::fs::metadata(out.join("index.html")).unwrap();
        let later = SystemTime::now() + std::time::Duration::from_secs(60);
        // A hash no content has: finding it in the scan proves the file was not read.
        let planted = KnownHashes::hashed(&metadata, [0xab; 32], later).unwrap();
        let cache = dir.path().join("cache");
        KnownHashes::open(&cache).keep([planted], &[], super::super::hashes::today());
        let known = KnownHashes::open(&cache);
        let scanned = scan(&out, &HeaderPolicy::default(), &known).unwrap();
        assert_eq!(scanned.files[0].sha256, "ab".repeat(32));
        assert_eq!(scanned.known.len(), 1);
        assert!(scanned.hashed.is_empty());

        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(out.join("index.html"), "<p>ho</p>").unwrap();
        let scanned = scan(&out, &HeaderPolicy::default(), &known).unwrap();
        assert_eq!(scanned.files[0].sha256, sha256_hex(b"<p>ho</p>"));
        assert!(scanned.known.is_empty());
    }

    #[test]
    fn missing_and_empty_output() {
        let dir = tempfile::tempdir().unwrap();
        let missing = scan(
            &dir.path().join("public"),
            &HeaderPolicy::default(),
            &KnownHashes::none(),
        )
        .unwrap_err();
        assert!(
            missing.to_string().contains("run `pamphlet build`"),
            "{missing}"
        );
        let empty = scan(dir.path(), &HeaderPolicy::default(), &KnownHashes::none()).unwrap_err();
        assert!(matches!(empty, DeployError::EmptyOutput(_)));
    }
}
