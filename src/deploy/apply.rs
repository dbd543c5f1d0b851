//! Carrying out a plan: uploads phase by phase, a few at a time, then deletions, then the
//! manifest. A phase starts only when the one before it finished, and the first failure stops
//! everything not yet started, so the live site stays whole whenever a run ends.

use std::cell::Cell;
use std::collections::HashMap;

use futures_util::{StreamExt, stream};

use super::error::DeployError;
use super::local::{LocalFile, sha256_hex};
use super::manifest::Manifest;
use super::plan::{Phase, Plan, RemoteBlob, Stored, Upload, next_manifest};
use super::progress::Progress;
use super::remote::Remote;
use crate::compress::ContentEncoding;
use crate::stop::Stop;

/// How uploads fly: how many at once, and the stop that lands them.
pub(super) struct Flight<'a> {
    /// Uploads in flight at once, at least 1.
    pub concurrency: usize,
    /// Asked for by a signal: no upload starts after it.
    pub signal: &'a Stop,
}

/// What a run got done, even when it stopped early.
#[derive(Debug, Default)]
pub(super) struct Applied {
    /// Finished uploads, in plan order.
    pub uploaded: Vec<Upload>,
    /// Deleted blobs.
    pub deleted: Vec<String>,
    /// Bytes the finished uploads stored: what went over the wire, after compression.
    pub stored_bytes: u64,
    /// Problems that did not fail the deploy.
    pub notes: Vec<String>,
    /// The failure that stopped the run.
    pub failure: Option<DeployError>,
}

/// Runs `plan` against `remote` and stores the resulting manifest.
pub(super) async fn apply(
    remote: &Remote,
    plan: &Plan,
    local: &[LocalFile],
    listing: &std::collections::BTreeMap<String, RemoteBlob>,
    old_manifest: &Manifest,
    manifest_stored: bool,
    flight: &Flight<'_>,
) -> Applied {
    let signal = flight.signal;
    let by_path: HashMap<&str, &LocalFile> = local.iter().map(|f| (f.path.as_str(), f)).collect();
    let progress = Progress::new(plan.uploads.len(), plan.upload_bytes(), "uploading");
    let mut applied = Applied::default();
    let mut stored: HashMap<String, Stored> = HashMap::new();
    for phase in [Phase::Asset, Phase::Page, Phase::Index] {
        let phase_uploads = upload_phase(remote, plan, phase, &by_path, &progress, flight).await;
        for (upload, result) in phase_uploads {
            match result {
                Ok(blob) => {
                    stored.insert(upload.path.clone(), blob);
                }
                Err(e) => {
                    applied.failure.get_or_insert(e);
                }
            }
        }
        if signal.requested() {
            applied.failure.get_or_insert(DeployError::Signalled);
        }
        if applied.failure.is_some() {
            break;
        }
    }
    progress.finish();
    applied.uploaded = plan
        .uploads
        .iter()
        .filter(|u| stored.contains_key(&u.path))
        .cloned()
        .collect();
    applied.stored_bytes = stored.values().map(|s| s.size).sum();
    if applied.failure.is_none() && !plan.deletes.is_empty() {
        let (deleted, failure) = remote.delete(&plan.deletes).await;
        applied.deleted = deleted;
        applied.failure = failure;
    }
    let uploaded: Vec<Stored> = applied
        .uploaded
        .iter()
        .filter_map(|u| stored.remove(&u.path))
        .collect();
    let next = next_manifest(old_manifest, listing, local, &uploaded, &applied.deleted);
    // Written even after a failure, so the next run need not redo what this one finished.
    if (next != *old_manifest || !manifest_stored)
        && let Err(e) = remote.write_manifest(&next).await
        && applied.failure.is_none()
    {
        applied.notes.push(format!(
            "the site is deployed, but saving the manifest failed because {}; the next deploy will re-check every file",
            e.cause()
        ));
    }
    applied
}

/// One upload's outcome: what the container now holds, or why it failed.
type Uploaded<'p> = (&'p Upload, Result<Stored, DeployError>);

/// Uploads the files of one phase, a few at a time; the first failure stops those not started.
async fn upload_phase<'p>(
    remote: &Remote,
    plan: &'p Plan,
    phase: Phase,
    by_path: &HashMap<&str, &LocalFile>,
    progress: &Progress,
    flight: &Flight<'_>,
) -> Vec<Uploaded<'p>> {
    let signal = flight.signal;
    let stop = Cell::new(false);
    let batch = plan.uploads.iter().filter(|u| u.phase == phase);
    stream::iter(batch)
        .map(|upload| {
            let stop = &stop;
            let file = by_path.get(upload.path.as_str()).copied();
            async move {
                // Uploads in flight finish; none starts after a failure or a signal.
                if stop.get() || signal.requested() {
                    return None;
                }
                let result = match file {
                    Some(file) => upload_one(remote, file).await,
                    None => Err(DeployError::Read {
                        path: upload.path.clone().into(),
                        reason: "not in the scanned site".into(),
                    }),
                };
                if result.is_err() {
                    stop.set(true);
                }
                Some((upload, result))
            }
        })
        .buffer_unordered(flight.concurrency.max(1))
        .filter_map(|r| async move { r })
        .inspect(|(upload, result)| {
            if result.is_ok() {
                progress.file_done(upload.size);
            }
        })
        .collect()
        .await
}

async fn upload_one(remote: &Remote, file: &LocalFile) -> Result<Stored, DeployError> {
    let source = file.source.clone();
    let sha256 = file.sha256.clone();
    let encoding = file.headers.content_encoding;
    // Reading and gzip at the best level are the slow part of an upload of a large page: they
    // run beside the network, on the runtime's blocking threads.
    let bytes = tokio::task::spawn_blocking(move || read_encoded(&source, &sha256, encoding))
        .await
        .map_err(|_| DeployError::Read {
            path: file.source.clone(),
            reason: "reading it was cut short".into(),
        })??;
    let size = bytes.len() as u64;
    let etag = remote.upload(&file.path, bytes, &file.headers).await?;
    Ok(Stored {
        path: file.path.clone(),
        etag,
        size,
    })
}

/// The file at `source`, checked to still hold the content with `sha256`, as it is stored.
fn read_encoded(
    source: &std::path::Path,
    sha256: &str,
    encoding: ContentEncoding,
) -> Result<Vec<u8>, DeployError> {
    let read_error = |reason: String| DeployError::Read {
        path: source.to_path_buf(),
        reason,
    };
    let bytes = std::fs::read(source).map_err(|e| read_error(e.kind().to_string()))?;
    // The manifest must describe what was uploaded, not what was there a moment ago.
    if sha256_hex(&bytes) != sha256 {
        return Err(read_error(
            "it changed during the deploy; let `pamphlet build` finish and deploy again".into(),
        ));
    }
    Ok(match encoding {
        ContentEncoding::Identity => bytes,
        ContentEncoding::Gzip => crate::compress::gzip(&bytes),
    })
}
