//! The plan: which files to upload, in which order, and which blobs to delete. Pure, so every
//! case is tested without a network.
//!
//! A file is uploaded when it is new, when its content or headers differ from the manifest's
//! entry, or when the remote blob no longer matches that entry's size and ETag (someone changed
//! or deleted it by hand, or a run stopped midway). Uploads go assets → pages → feeds and
//! sitemap, then deletions run in the reverse order, so no visitor meets a page whose stylesheet
//! is missing or a feed whose post is.

use std::collections::BTreeMap;
use std::fmt;

use super::local::LocalFile;
use super::manifest::{Entry, Manifest, bare_etag};

/// A blob as the container listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RemoteBlob {
    /// Bytes.
    pub size: u64,
    /// ETag, without quotes.
    pub etag: String,
}

/// When a file goes up relative to the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Stylesheets, images, fonts, scripts: what pages use.
    Asset,
    /// HTML pages, which use assets and link to each other.
    Page,
    /// Feeds and the sitemap, which send readers and crawlers to pages.
    Index,
}

impl Phase {
    /// The phase of an output file.
    pub fn of(path: &str) -> Phase {
        let name = path.rsplit('/').next().unwrap_or(path);
        if crate::content_type::is_html(path) {
            Phase::Page
        } else if name == "sitemap.xml" || crate::model::FeedFormat::of_file(name).is_some() {
            Phase::Index
        } else {
            Phase::Asset
        }
    }
}

/// Why a file is uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Not in the container yet.
    New,
    /// Its content changed.
    Changed,
    /// Only its `Content-Type`, `Cache-Control` or `Content-Encoding` changed.
    Headers,
    /// The last deploy uploaded it, but it is gone from the container.
    Missing,
    /// The blob differs from what the last deploy uploaded.
    Modified,
    /// The blob exists but no manifest vouches for its content.
    Untracked,
    /// `--force`.
    Forced,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::New => "new",
            Reason::Changed => "changed",
            Reason::Headers => "headers changed",
            Reason::Missing => "missing remotely",
            Reason::Modified => "changed remotely",
            Reason::Untracked => "not in the manifest",
            Reason::Forced => "forced",
        })
    }
}

/// One planned upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The blob name.
    pub path: String,
    /// When it goes up.
    pub phase: Phase,
    /// Why.
    pub reason: Reason,
    /// Bytes of the file, before any encoding.
    pub size: u64,
}

/// A finished upload: what the container now holds under `path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Stored {
    /// The blob name.
    pub path: String,
    /// The ETag Azure returned.
    pub etag: String,
    /// Bytes stored: after gzip, for a compressed file.
    pub size: u64,
}

/// What the flags allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Settings {
    /// Upload everything.
    pub force: bool,
    /// Delete blobs that are gone locally.
    pub delete: bool,
    /// Delete nothing when more than this many would go.
    pub max_deletes: usize,
}

/// Everything a deploy will do, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Plan {
    /// Uploads, in the order they must finish: phase by phase, new files first within a phase.
    pub uploads: Vec<Upload>,
    /// Files already in place with the right content and headers.
    pub unchanged: Vec<String>,
    /// Blobs to delete, pages before the assets they used.
    pub deletes: Vec<String>,
    /// Blobs gone locally that stay: `--delete` was not given, or too many would go.
    pub kept: Vec<String>,
    /// True when `--delete` was refused because more than `--max-deletes` blobs would go.
    pub deletes_refused: bool,
}

impl Plan {
    /// Bytes to upload.
    pub(super) fn upload_bytes(&self) -> u64 {
        self.uploads.iter().map(|u| u.size).sum()
    }
}

/// Compares the built site with the container and the last manifest.
pub(super) fn plan(
    local: &[LocalFile],
    remote: &BTreeMap<String, RemoteBlob>,
    manifest: &Manifest,
    settings: Settings,
) -> Plan {
    let mut plan = Plan::default();
    for file in local {
        let blob = remote.get(&file.path);
        let entry = manifest.files.get(&file.path);
        match reason(file, blob, entry, settings.force) {
            Some(reason) => plan.uploads.push(Upload {
                path: file.path.clone(),
                phase: Phase::of(&file.path),
                reason,
                size: file.size,
            }),
            None => plan.unchanged.push(file.path.clone()),
        }
    }
    // New files first, so that a changed page never links to a page not up yet.
    plan.uploads.sort_by(|a, b| {
        let existing = |u: &Upload| !matches!(u.reason, Reason::New | Reason::Missing);
        (a.phase, existing(a), &a.path).cmp(&(b.phase, existing(b), &b.path))
    });

    let local_paths: std::collections::HashSet<&str> =
        local.iter().map(|f| f.path.as_str()).collect();
    let mut gone: Vec<&String> = remote
        .keys()
        .filter(|path| !local_paths.contains(path.as_str()))
        .collect();
    gone.sort_by(|a, b| {
        (std::cmp::Reverse(Phase::of(a)), a).cmp(&(std::cmp::Reverse(Phase::of(b)), b))
    });
    let gone: Vec<String> = gone.into_iter().cloned().collect();
    if settings.delete && gone.len() <= settings.max_deletes {
        plan.deletes = gone;
    } else {
        plan.deletes_refused = settings.delete && !gone.is_empty();
        plan.kept = gone;
    }
    plan
}

fn reason(
    file: &LocalFile,
    blob: Option<&RemoteBlob>,
    entry: Option<&Entry>,
    force: bool,
) -> Option<Reason> {
    let Some(blob) = blob else {
        return Some(if entry.is_some() {
            Reason::Missing
        } else {
            Reason::New
        });
    };
    if force {
        return Some(Reason::Forced);
    }
    let Some(entry) = entry else {
        return Some(Reason::Untracked);
    };
    if entry.size != blob.size || bare_etag(&entry.etag) != bare_etag(&blob.etag) {
        return Some(Reason::Modified);
    }
    // The entry's size is what was stored, compressed or not; the digest is of the content.
    if entry.sha256 != file.sha256 {
        return Some(Reason::Changed);
    }
    if entry.content_type != file.headers.content_type
        || entry.cache_control != file.headers.cache_control
        || entry.content_encoding != file.headers.content_encoding
    {
        return Some(Reason::Headers);
    }
    None
}

/// The manifest after a run: entries the listing still vouches for, plus what was uploaded,
/// minus what was deleted. Works for a run that stopped midway too.
pub(super) fn next_manifest(
    old: &Manifest,
    remote: &BTreeMap<String, RemoteBlob>,
    local: &[LocalFile],
    uploaded: &[Stored],
    deleted: &[String],
) -> Manifest {
    let mut next = Manifest::new();
    for (path, entry) in &old.files {
        let verified = remote.get(path).is_some_and(|blob| {
            blob.size == entry.size && bare_etag(&blob.etag) == bare_etag(&entry.etag)
        });
        if verified {
            next.files.insert(path.clone(), entry.clone());
        }
    }
    let by_path: BTreeMap<&str, &LocalFile> = local.iter().map(|f| (f.path.as_str(), f)).collect();
    for stored in uploaded {
        if let Some(file) = by_path.get(stored.path.as_str()) {
            next.files.insert(
                stored.path.clone(),
                Entry {
                    sha256: file.sha256.clone(),
                    size: stored.size,
                    content_type: file.headers.content_type.clone(),
                    cache_control: file.headers.cache_control.clone(),
                    content_encoding: file.headers.content_encoding,
                    etag: bare_etag(&stored.etag).to_string(),
                },
            );
        }
    }
    for path in deleted {
        next.files.remove(path);
    }
    next
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
