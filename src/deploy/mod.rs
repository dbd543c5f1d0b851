//! `pamphlet deploy`: publishing the output folder to an Azure Blob Storage static website.
//!
//! scan `public/` ([`local`]) → list the container and read its manifest ([`remote`],
//! [`manifest`]) → diff ([`plan`]) → upload assets, pages, feeds, then delete ([`apply`]).
//! The network runs on a Tokio runtime that lives inside [`deploy`] only: the rest of pamphlet,
//! and this module's API, stay synchronous.

mod apply;
mod arm;
mod credentials;
mod error;
mod hashes;
pub mod headers;
mod identity;
mod live;
mod local;
mod manifest;
mod plan;
mod progress;
mod purge;
mod remote;
mod website;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::config::DeployConfig;
use crate::write::output::Marker;

pub use credentials::{
    ACCOUNT_VAR, CA_FILE_VAR, CONNECTION_STRING_VAR, Credentials, KEY_VAR, SAS_VAR, Target,
};
pub use error::DeployError;
pub use identity::{
    AUTHORITY_HOST_VAR, CLIENT_ID_VAR, CLIENT_SECRET_VAR, FEDERATED_TOKEN_FILE_VAR,
    IDENTITY_ENDPOINT_VAR, Identity, TENANT_ID_VAR,
};
pub use live::{Finding, LiveOptions, LiveReport, check_live};
pub use manifest::MANIFEST_NAME;
pub use plan::{Phase, Reason, Upload};

use hashes::KnownHashes;
use headers::HeaderPolicy;
use manifest::Manifest;
use plan::Settings;
use remote::Remote;

/// What `pamphlet deploy` was asked to do.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// The site's folder (holding `site.toml`).
    pub root: PathBuf,
    /// The built site to upload.
    pub output: PathBuf,
    /// Print the plan and change nothing.
    pub dry_run: bool,
    /// Upload every file, changed or not.
    pub force: bool,
    /// Delete remote files that are gone locally.
    pub delete: bool,
    /// The most files one run may delete.
    pub max_deletes: usize,
    /// Uploads in flight at once, instead of `[deploy] concurrency`.
    pub concurrency: Option<usize>,
    /// Asked for by SIGINT or SIGTERM: no upload starts after it, and nothing is deleted.
    pub stop: crate::stop::Stop,
    /// Turn the static website on with `index.html` and `404.html` when its settings differ.
    pub configure: bool,
    /// Ask Front Door to purge, without waiting for it to finish.
    pub no_wait: bool,
    /// Where files' hashes are kept between deploys (the site's cache folder); `None` hashes
    /// every file every time.
    pub cache_dir: Option<PathBuf>,
}

/// `--max-deletes` when not given.
pub const DEFAULT_MAX_DELETES: usize = 256;

impl DeployOptions {
    /// Deploying the site at `root` from `root/public`, with the command line's defaults.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        DeployOptions {
            output: root.join(crate::build::OUTPUT_DIR),
            dry_run: false,
            force: false,
            delete: false,
            max_deletes: DEFAULT_MAX_DELETES,
            concurrency: None,
            stop: crate::stop::Stop::default(),
            configure: false,
            no_wait: false,
            cache_dir: Some(root.join(crate::write::output::CACHE_DIR)),
            root,
        }
    }
}

/// What a deploy did or, with `--dry-run`, would do.
#[derive(Debug, Clone)]
pub struct DeployReport {
    /// The container's URL.
    pub target: String,
    /// Nothing was changed.
    pub dry_run: bool,
    /// Files uploaded (or to upload), in order, with the reason for each.
    pub uploaded: Vec<Upload>,
    /// Files already in place.
    pub unchanged: usize,
    /// Blobs deleted (or to delete).
    pub deleted: Vec<String>,
    /// Blobs gone locally but left in the container.
    pub kept: Vec<String>,
    /// Deletions were refused for exceeding `--max-deletes`.
    pub deletes_refused: bool,
    /// Bytes sent (or, with `--dry-run`, to send before compression).
    pub bytes: u64,
    /// The uploaded files' own bytes, before compression.
    pub file_bytes: u64,
    /// How long it took.
    pub elapsed: Duration,
    /// Things the user should know that did not fail the deploy.
    pub notes: Vec<String>,
    /// What `--configure` changed in the static website's settings, or would change.
    pub configured: Option<String>,
    /// The Front Door purge, after the summary: what it did, or why it failed (the site is
    /// deployed either way).
    pub purge: Option<Result<String, String>>,
}

impl DeployReport {
    /// One line per action, `uploaded <path> (<reason>)` or `deleted <path>`, for stdout.
    pub fn lines(&self) -> Vec<String> {
        let (up, del) = if self.dry_run {
            ("would upload", "would delete")
        } else {
            ("uploaded", "deleted")
        };
        let uploads = self
            .uploaded
            .iter()
            .map(|u| format!("{up} {} ({})", u.path, u.reason));
        let deletes = self.deleted.iter().map(|p| format!("{del} {p}"));
        self.configured
            .iter()
            .cloned()
            .chain(uploads)
            .chain(deletes)
            .collect()
    }

    /// The closing line: counts, bytes and time.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let bytes = indicatif::HumanBytes(self.bytes);
        let seconds = self.elapsed.as_secs_f64();
        if self.dry_run {
            let _ = write!(
                s,
                "Dry run for {}: would upload {} files ({bytes}), {} unchanged, would delete {}; nothing was changed.",
                self.target,
                self.uploaded.len(),
                self.unchanged,
                self.deleted.len()
            );
        } else {
            let bytes = if self.file_bytes > self.bytes {
                let before = indicatif::HumanBytes(self.file_bytes);
                format!("{bytes}; {before} before gzip")
            } else {
                bytes.to_string()
            };
            let _ = write!(
                s,
                "Deployed to {}: {} uploaded ({bytes}), {} unchanged, {} deleted in {seconds:.2}s.",
                self.target,
                self.uploaded.len(),
                self.unchanged,
                self.deleted.len()
            );
        }
        s
    }
}

impl DeployReport {
    /// What `plan` will do to the container at `target`, before it is applied.
    fn planned(target: String, plan: &plan::Plan, dry_run: bool) -> Self {
        DeployReport {
            target,
            dry_run,
            uploaded: plan.uploads.clone(),
            unchanged: plan.unchanged.len(),
            deleted: plan.deletes.clone(),
            kept: plan.kept.clone(),
            deletes_refused: plan.deletes_refused,
            bytes: plan.upload_bytes(),
            file_bytes: plan.upload_bytes(),
            elapsed: Duration::ZERO,
            notes: Vec::new(),
            configured: None,
            purge: None,
        }
    }
}

/// Uploads `options.output` to the container in `config`, with secrets from `credentials`.
pub fn deploy(
    options: &DeployOptions,
    config: &DeployConfig,
    credentials: &Credentials,
) -> Result<DeployReport, DeployError> {
    let start = Instant::now();
    if let Some(marker) = Marker::read(&options.output)
        && marker.placeholder_base_url
    {
        return Err(DeployError::Config(format!(
            "{} was built without base_url, so its links point at {}; set base_url in site.toml (or pass --base-url to pamphlet build) and build again",
            options.output.display(),
            marker.base_url
        )));
    }
    let policy = HeaderPolicy::new(&config.cache)?
        .compressing(crate::compress::CompressPolicy::new(&config.compress));
    local::check_exists(&options.output)?;
    let target = Target::resolve(config, credentials)?;
    let arm_identity = match &config.front_door {
        Some(_) => Some(credentials::arm_identity(&target.auth, credentials)?),
        None => None,
    };
    let remote = Remote::new(target, credentials.secrets())?;
    let purger = match (&config.front_door, arm_identity) {
        (Some(front_door), Some(identity)) => {
            Some(purge::Purger::new(front_door, identity, remote.http())?)
        }
        _ => None,
    };
    let runtime = network_runtime()?;
    let known = match &options.cache_dir {
        Some(dir) => KnownHashes::open(dir),
        None => KnownHashes::none(),
    };
    // Listing the container is Azure's work and hashing the files this machine's: they overlap.
    let (scanned, surveyed) = std::thread::scope(|scope| {
        let scanning = scope.spawn(|| local::scan(&options.output, &policy, &known));
        let surveyed = runtime.block_on(survey(&remote, options));
        let scanned = scanning
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (scanned, surveyed)
    });
    let scanned = scanned?;
    let mut notes = scanned.notes;
    notes.extend(known.keep(scanned.hashed, &scanned.known, hashes::today()));
    let surveyed = surveyed?;
    let run = Run {
        options,
        concurrency: options.concurrency.unwrap_or(config.concurrency).max(1),
    };
    let mut report = runtime.block_on(sync(&remote, &scanned.files, surveyed, &run, &mut notes))?;
    if let (Some(purger), Some(front_door)) = (&purger, &config.front_door) {
        report.purge = Some(runtime.block_on(purge_edge(purger, front_door, &report, options)));
    }
    report.notes = notes;
    report.elapsed = start.elapsed();
    Ok(report)
}

/// The Tokio runtime the network runs on, inside one command only: the rest of pamphlet stays
/// synchronous.
pub(crate) fn network_runtime() -> Result<tokio::runtime::Runtime, DeployError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            DeployError::Config(format!("cannot start the network runtime ({})", e.kind()))
        })
}

/// Purges Front Door of what this deploy changed or deleted: a sentence for the summary, or
/// why it failed.
async fn purge_edge(
    purger: &purge::Purger,
    front_door: &crate::config::FrontDoorConfig,
    report: &DeployReport,
    options: &DeployOptions,
) -> Result<String, String> {
    let endpoint = &front_door.endpoint;
    let paths = purge::paths(&report.uploaded, &report.deleted);
    let count = crate::plural::count(paths.len(), "path", "paths");
    if paths.is_empty() {
        return Ok(format!(
            "Nothing changed at Front Door endpoint `{endpoint}`: no purge."
        ));
    }
    if options.dry_run {
        return Ok(format!(
            "Would purge {count} from Front Door endpoint `{endpoint}`."
        ));
    }
    match purger.purge(&paths, options.no_wait).await {
        Ok(purged) => Ok(match purged.took {
            Some(took) => format!(
                "Purged {count} from Front Door endpoint `{endpoint}` in {:.1}s.",
                took.as_secs_f64()
            ),
            None => format!(
                "Asked Front Door endpoint `{endpoint}` to purge {count}; not waiting (--no-wait)."
            ),
        }),
        Err(reason) => Err(format!(
            "the site is deployed, but purging Front Door endpoint `{endpoint}` failed: {reason}; until the edge's copies expire it serves old files, so run `{}`",
            purger.by_hand()
        )),
    }
}

/// How one deploy runs: what it was asked, and the uploads it keeps in flight.
struct Run<'a> {
    options: &'a DeployOptions,
    concurrency: usize,
}

/// What the container holds, read before planning.
struct Survey {
    /// What `--configure` changed in the static website's settings, or would change.
    configured: Option<String>,
    listing: remote::Listing,
    /// The stored manifest, or an empty one.
    manifest: Manifest,
    notes: Vec<String>,
}

/// Reads the website's settings, the listing and the manifest, at once.
async fn survey(remote: &Remote, options: &DeployOptions) -> Result<Survey, DeployError> {
    let mut notes = Vec::new();
    let (configured, listing, stored) = tokio::join!(
        check_website(remote, options, &mut notes),
        remote.list(),
        remote.read_manifest()
    );
    let (configured, listing) = (configured?, listing?);
    // The manifest is read while the container is listed; what the listing says decides
    // whether that read counted, so a failed read of a manifest that is not there fails nothing.
    let manifest = match (&listing.manifest, stored) {
        (None, _) => Manifest::new(),
        (Some(_), Err(e)) => return Err(e),
        (Some(_), Ok(Some(manifest))) => manifest,
        (Some(_), Ok(None)) => {
            notes.push(format!(
                "{MANIFEST_NAME} in the container is unreadable; files it vouched for are uploaded again"
            ));
            Manifest::new()
        }
    };
    Ok(Survey {
        configured,
        listing,
        manifest,
        notes,
    })
}

/// Plans the deploy against the container and, unless it is a dry run, applies the plan.
async fn sync(
    remote: &Remote,
    local: &[local::LocalFile],
    survey: Survey,
    run: &Run<'_>,
    notes: &mut Vec<String>,
) -> Result<DeployReport, DeployError> {
    let options = run.options;
    let Survey {
        configured,
        listing,
        manifest,
        notes: surveyed,
    } = survey;
    notes.extend(surveyed);
    let settings = Settings {
        force: options.force,
        delete: options.delete,
        max_deletes: options.max_deletes,
    };
    let plan = plan::plan(local, &listing.blobs, &manifest, settings);
    notes.extend(deletion_note(&plan, options));
    let mut report = DeployReport::planned(remote.target().url(), &plan, options.dry_run);
    report.configured = configured;
    if options.dry_run {
        return Ok(report);
    }
    let had_manifest = listing.manifest.is_some();
    let applied = apply::apply(
        remote,
        &plan,
        local,
        &listing.blobs,
        &manifest,
        had_manifest,
        &apply::Flight {
            concurrency: run.concurrency,
            signal: &options.stop,
        },
    )
    .await;
    notes.extend(applied.notes);
    if let Some(failure) = applied.failure {
        let done = applied.uploaded.len();
        let total = plan.uploads.len();
        // Partway through the uploads, the user needs to hear that rerunning finishes it.
        return Err(if done > 0 && done < total {
            DeployError::Stopped {
                cause: failure.cause(),
                done,
                total,
            }
        } else {
            failure
        });
    }
    report.file_bytes = applied.uploaded.iter().map(|u| u.size).sum();
    report.bytes = applied.stored_bytes;
    report.uploaded = applied.uploaded;
    report.deleted = applied.deleted;
    Ok(report)
}

/// Checks the static website's settings when deploying to `$web`, the container it serves: a
/// note for each problem, or with `--configure`, the settings made right and a line saying so.
async fn check_website(
    remote: &Remote,
    options: &DeployOptions,
    notes: &mut Vec<String>,
) -> Result<Option<String>, DeployError> {
    let target = remote.target();
    if target.container != "$web" {
        return Ok(None);
    }
    let problems = match remote.website().await? {
        Some(website) => website.problems(),
        None if options.configure => vec!["its settings could not be read".into()],
        // These credentials may write blobs but not read account settings: nothing to say.
        None => return Ok(None),
    };
    if problems.is_empty() {
        return Ok(None);
    }
    if !options.configure {
        let fix = website::fix(&target.account);
        notes.extend(problems.into_iter().map(|p| format!("{p}; {fix}")));
        return Ok(None);
    }
    let settings = format!(
        "the static website: on, index document {}, error document {}",
        website::INDEX_DOCUMENT,
        website::ERROR_DOCUMENT
    );
    if options.dry_run {
        return Ok(Some(format!("would configure {settings}")));
    }
    remote.configure_website().await?;
    Ok(Some(format!("configured {settings}")))
}

/// What to tell the user about remote files that are gone locally, if any.
fn deletion_note(plan: &plan::Plan, options: &DeployOptions) -> Option<String> {
    if plan.deletes_refused {
        Some(format!(
            "deleted nothing: {} remote files are gone locally, more than --max-deletes {}; check the output folder, then rerun with --max-deletes {}",
            plan.kept.len(),
            options.max_deletes,
            plan.kept.len()
        ))
    } else if !plan.kept.is_empty() {
        Some(format!(
            "{} remote files no longer exist locally; deploy with --delete to remove them",
            plan.kept.len()
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(dry_run: bool) -> DeployReport {
        DeployReport {
            target: "http://127.0.0.1:10000/devstoreaccount1/$web".into(),
            dry_run,
            uploaded: vec![Upload {
                path: "blog/a b/index.html".into(),
                phase: Phase::Page,
                reason: Reason::Headers,
                size: 2048,
            }],
            unchanged: 7,
            deleted: vec!["old/index.html".into()],
            kept: Vec::new(),
            deletes_refused: false,
            bytes: 2048,
            file_bytes: 2048,
            elapsed: Duration::from_millis(1500),
            notes: Vec::new(),
            configured: None,
            purge: None,
        }
    }

    #[test]
    fn lines_and_summary() {
        let done = report(false);
        assert_eq!(
            done.lines(),
            [
                "uploaded blog/a b/index.html (headers changed)",
                "deleted old/index.html"
            ]
        );
        assert_eq!(
            done.summary(),
            "Deployed to http://127.0.0.1:10000/devstoreaccount1/$web: 1 uploaded (2.00 KiB), 7 unchanged, 1 deleted in 1.50s."
        );
        let packed = DeployReport {
            bytes: 1024,
            ..report(false)
        };
        assert!(
            packed
                .summary()
                .contains("1 uploaded (1.00 KiB; 2.00 KiB before gzip)"),
            "{}",
            packed.summary()
        );
        let dry = report(true);
        assert_eq!(dry.lines()[1], "would delete old/index.html");
        assert!(
            dry.summary().ends_with("nothing was changed."),
            "{}",
            dry.summary()
        );
    }
}
