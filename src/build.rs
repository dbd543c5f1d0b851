//! The whole pipeline, load → model → render → write, as `build`, `check` and `serve` run it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::check::links::{self, LinkSink};
use crate::config::{CONFIG_FILE, Config, PLACEHOLDER_BASE_URL};
use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::images::{ImageStats, Images};
use crate::load::counted::StoredCounts;
use crate::load::front_matter::DateField;
use crate::load::known::KnownSources;
use crate::load::{Budget, Holding};
use crate::model::related::RelatedMemo;
use crate::model::{Future, Held, ModelOptions, Schedule, Site};
use crate::render::highlight::Highlighter;
use crate::render::reuse::{NoReuse, Reuse, StoredMarkdown};
use crate::render::theme::Theme;
use crate::render::{Inputs, RenderReport, render_site};
use crate::stop::Stop;
use crate::store::Stamp;
use crate::write::generations::{Generation, Generations};
use crate::write::lock::{LockError, OutputLock, Wait};
use crate::write::output::{self, Marker};
use crate::write::space::{self, Tally, is_disk_full};
use crate::write::staging::Staging;
use crate::write::{Sink, Stoppable};
use crate::{load, model};

/// The output folder, inside the site's folder, when none is given.
pub const OUTPUT_DIR: &str = "public";

/// How many bytes of markdown text a build holds in memory. A site with more has every page's
/// text left in its file and read again when it is needed, so memory stays flat however large
/// the site (50,000 posts have 420 MiB of text), while a smaller site is read only once.
pub const HELD_TEXT: usize = 128 << 20;

/// The help of a warning about the build cache.
pub const CACHE_HELP: &str =
    "nothing is wrong with the site; deleting the cache folder is always safe";

/// What to build and how.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site's folder (holding `site.toml` and `content/`).
    pub root: PathBuf,
    /// Where to publish; relative paths are relative to the current folder.
    pub output: PathBuf,
    /// Keep pages marked `draft`.
    pub drafts: bool,
    /// What becomes of pages dated after the build (held back unless `--future`).
    pub future: Future,
    /// The `[deploy.targets.NAME]` whose `base_url` the site is built for.
    pub target: Option<String>,
    /// Replaces `base_url` from `site.toml` (and the target's).
    pub base_url: Option<String>,
    /// Replace an output folder that holds files pamphlet did not write.
    pub force: bool,
    /// Replaces `[build] cache_dir` from `site.toml`: where made images are kept.
    pub cache_dir: Option<PathBuf>,
    /// What to do while another build writes into the same output folder.
    pub wait: Wait,
    /// Asked for by SIGINT or SIGTERM: the build stops and publishes nothing.
    pub stop: Stop,
    /// Keep each post's word counts with its loaded document, so that modelling the same
    /// documents again (as serve does on every rebuild) counts only the files read again.
    pub keep_word_counts: bool,
    /// How many bytes of markdown text loading holds in memory ([`HELD_TEXT`]); a site with
    /// more has its text read again when it is rendered.
    pub held_text: usize,
    /// Show a progress bar on stderr, when it is a terminal, while making images takes more
    /// than a second (the command line's `build`; off for the library's other callers).
    pub progress_bar: bool,
    /// Take rendered markdown and made images from the cache folder, and keep them there
    /// (false: `--no-cache`, which makes everything again and keeps nothing).
    pub cache: bool,
    /// The process exits once the build is done (the command line's `build`): the site's
    /// model is left for the exit to free at once, rather than freed allocation by allocation,
    /// which took 15 ms of a 0.55 s warm build of 10,000 posts.
    pub exits_after: bool,
}

/// How [`render_into`] treats what it finds, and what it shows while it works.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderMode {
    /// Raw HTML the Content-Security-Policy blocks is an error (as `check` wants), not a warning.
    pub csp_blocks_fail: bool,
    /// Show a progress bar for slow image work (see [`BuildOptions::progress_bar`]).
    pub progress_bar: bool,
    /// Which of the cache folder's stores the render reads and writes.
    pub cache: CacheUse,
}

/// Which work a render takes from, and keeps in, the site's cache folder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CacheUse {
    /// Made images only: every page's markdown is rendered (`check`).
    #[default]
    Images,
    /// Made images and rendered markdown (`build`).
    All,
    /// Nothing: everything is made again, and nothing kept (`build --no-cache`).
    Nothing,
}

impl BuildOptions {
    /// Building the site at `root` into `root/public`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        BuildOptions {
            output: root.join(OUTPUT_DIR),
            root,
            drafts: false,
            future: Future::Hold,
            target: None,
            base_url: None,
            force: false,
            cache_dir: None,
            wait: Wait::Quietly,
            stop: Stop::default(),
            keep_word_counts: false,
            held_text: HELD_TEXT,
            progress_bar: false,
            cache: true,
            exits_after: false,
        }
    }
}

/// A finished build.
#[derive(Debug)]
pub struct Built {
    /// Pages rendered.
    pub pages: usize,
    /// Files written.
    pub files: usize,
    /// Outputs whose template was rendered; the others were kept as an earlier build left them.
    pub templates_rendered: usize,
    /// Where, absolute.
    pub output: PathBuf,
    /// How long it took.
    pub elapsed: Duration,
    /// Warnings (a build with errors returns them instead).
    pub warnings: Diagnostics,
    /// How many images were made, and how many came from the cache.
    pub images: ImageStats,
    /// Pages left out because they are scheduled or expired.
    pub held: Held,
}

/// The settings a build uses: `site.toml` as read, with the command line's overrides. A broken
/// `site.toml` gives its problems and the defaults, so the rest of the build still reports
/// everything else that is wrong.
pub fn settings(
    config: Result<Config, Diagnostics>,
    options: &BuildOptions,
) -> (Config, Diagnostics) {
    let mut problems = Diagnostics::new();
    let mut config = config.unwrap_or_else(|e| {
        problems.extend(e);
        Config::default()
    });
    if let Some(name) = &options.target {
        match config.for_target(name) {
            Ok(targeted) => config = targeted,
            Err(unknown) => problems.push(unknown),
        }
    }
    if let Some(base_url) = &options.base_url {
        config.base_url = base_url.trim_end_matches('/').to_string();
        config.base_url_given = true;
    }
    if let Some(dir) = &options.cache_dir {
        config.build.cache_dir = Some(dir.clone());
    }
    (config, problems)
}

/// Models the site from what was loaded, with the options' choices.
pub fn model_site(
    config: Config,
    mut sources: load::Sources,
    statics: &[String],
    options: &BuildOptions,
    related: Option<&RelatedMemo>,
) -> (Site, Diagnostics) {
    let mut problems = Diagnostics::new();
    if config.build.updated_from_git {
        problems.extend(updated_from_git(&mut sources, &options.root));
    }
    let (site, model_problems) = model::build(
        config,
        sources,
        statics,
        ModelOptions {
            drafts: options.drafts,
            schedule: Schedule {
                now: jiff::Timestamp::now(),
                future: options.future,
            },
            keep_word_counts: options.keep_word_counts,
            related,
        },
    );
    problems.extend(model_problems);
    (site, problems)
}

/// Gives every page without `updated` its file's last commit date; a warning when the site is
/// not in a git repository (the pages then keep their front matter dates).
fn updated_from_git(sources: &mut load::Sources, root: &Path) -> Option<Diagnostic> {
    match load::history::last_commits(root) {
        Ok(last) => {
            for doc in sources.pages.iter_mut().filter(|d| d.front.updated.is_none()) {
                if let Some(date) = last.get(&doc.rel) {
                    std::sync::Arc::make_mut(&mut doc.front).updated = Some(DateField(*date));
                }
            }
            None
        }
        Err(why) => Some(
            Diagnostic::warning(format!(
                "updated_from_git is set, but the pages' commit dates cannot be read: {why}"
            ))
            .in_file(CONFIG_FILE)
            .help("build inside a git clone of the site (not a copy or a shallow export), or remove [build] updated_from_git"),
        ),
    }
}

/// Loads and models the site, with every problem found on the way.
pub fn load_site(options: &BuildOptions) -> (Site, Diagnostics) {
    let (config, mut problems) = settings(Config::load(&options.root), options);
    // A site.toml with errors is reported as such; its defaults are not worth a warning.
    if !config.base_url_given && !problems.has_errors() {
        problems.push(
            Diagnostic::warning(format!(
                "base_url is not set, so canonical links, feeds, the sitemap and robots.txt point at the placeholder {PLACEHOLDER_BASE_URL}"
            ))
            .in_file(CONFIG_FILE)
            .help("set base_url = \"https://…\" in site.toml (the address the site is published at), or pass --base-url; pamphlet deploy refuses a build made without one"),
        );
    }
    let holding = Holding::UpTo(Budget::new(options.held_text));
    let cache = cache_dir(&config, &options.root);
    let mut known = (options.cache).then(|| KnownSources::open(&cache, Stamp::of_this_build()));
    // The stored counts are read while the sources are, on another core.
    let ((sources, load_problems), stored) = rayon::join(
        || load::load(&options.root, &holding, known.as_mut()),
        || {
            options
                .cache
                .then(|| StoredCounts::open(&cache, Stamp::of_this_build()))
        },
    );
    problems.extend(load_problems);
    if let Some(warning) = known.as_ref().and_then(KnownSources::warning) {
        problems.push(Diagnostic::warning(warning).help(CACHE_HELP));
    }
    // Saved by now: its entries need not be held through the model.
    drop(known);
    let (statics, static_problems) = load::statics(&options.root);
    problems.extend(static_problems);
    // Counts are kept only for a site whose text is held, whose counts fit in memory too.
    let mut counts = stored.filter(|_| holding.holds_all()).map(|mut counts| {
        counts.fill(&sources);
        counts
    });
    let mut options = options.clone();
    options.keep_word_counts |= counts.is_some();
    let (site, model_problems) = model_site(config, sources, &statics, &options, None);
    problems.extend(model_problems);
    if let Some(counts) = &mut counts {
        problems.extend(keep_counts(counts, &site));
    }
    (site, problems)
}

/// Keeps the word counts of `site`'s posts for the next build or `serve` start; the warning
/// when the stored counts could not be used or kept.
pub fn keep_counts(counts: &mut StoredCounts, site: &Site) -> Option<Diagnostic> {
    counts.save(site.pages.iter().map(|page| &page.source));
    let warning = counts.warning()?;
    Some(Diagnostic::warning(warning).help(CACHE_HELP))
}

/// Renders `site`, with the theme loaded from `root`, into `sink`, reusing nothing;
/// `csp_blocks_fail` makes raw HTML the Content-Security-Policy blocks an error.
pub fn render_into(
    site: &Site,
    root: &Path,
    highlighter: &Highlighter,
    sink: &dyn Sink,
    mode: RenderMode,
) -> RenderReport {
    let mut theme = match Theme::load(root, &site.config) {
        Ok(theme) => theme,
        Err(problems) => {
            return RenderReport {
                diagnostics: problems,
                ..RenderReport::default()
            };
        }
    };
    let mut images = match mode.cache {
        CacheUse::Nothing => Images::new(&site.config.images, None),
        CacheUse::Images | CacheUse::All => images_for(&site.config, root),
    };
    if mode.progress_bar {
        images = images.with_progress_bar();
    }
    let inputs = Inputs {
        site,
        theme: &mut theme,
        highlighter,
        root,
        images: &images,
        csp_blocks_fail: mode.csp_blocks_fail,
    };
    let stored = (mode.cache == CacheUse::All)
        .then(|| StoredMarkdown::open(&cache_dir(&site.config, root), Stamp::of_this_build()));
    let reuse: &dyn Reuse = match &stored {
        Some(stored) => stored,
        None => &NoReuse,
    };
    let mut report = render_site(inputs, sink, reuse);
    if let Some(warning) = stored.as_ref().and_then(StoredMarkdown::finish) {
        report
            .diagnostics
            .push(Diagnostic::warning(warning).help(CACHE_HELP));
    }
    if !report.diagnostics.has_errors() {
        // Pruning is housekeeping: a cache that cannot be pruned is still a good cache.
        let _ = images.prune_cache();
    }
    report
}

/// The cache folder of the site at `root`: `[build] cache_dir` (relative to `root`), or
/// `.pamphlet-cache`.
pub fn cache_dir(config: &Config, root: &Path) -> PathBuf {
    let dir = config.build.cache_dir.as_deref();
    root.join(dir.unwrap_or(Path::new(output::CACHE_DIR)))
}

/// The image work of a render of the site at `root` under `config`, cached on disk.
pub fn images_for(config: &Config, root: &Path) -> Images {
    Images::new(&config.images, Some(&cache_dir(config, root)))
}

/// The record of the last builds' outputs in the cache folder `cache`, with the part of it
/// that says what the folder `staging` writes over holds given to it to trust.
fn trust_earlier_outputs(cache: &Path, staging: &mut Staging) -> Generations {
    let mut generations = Generations::open(cache);
    if let Some(build) = staging.reused_build() {
        staging.trust(generations.take(build));
    }
    generations
}

/// A render into a staging folder, and what the sinks on the way saw.
struct Staged {
    report: RenderReport,
    /// The name of every file written, for checking links.
    scanned: links::Scanned,
    /// Bytes handed to the staging folder, written or not.
    written: u64,
    /// A write failed because the disk is full.
    disk_full: bool,
}

/// Renders `site` into `staging`, through the sinks that count its bytes, notice a full disk,
/// refuse files once a stop is asked for, and note each file's name.
fn render_staged(site: &Site, options: &BuildOptions, staging: &Staging) -> Staged {
    let tally = Tally::over(staging);
    let stoppable = Stoppable {
        inner: &tally,
        stop: &options.stop,
    };
    let sink = LinkSink::names_passing_to(&stoppable);
    let mode = RenderMode {
        csp_blocks_fail: false,
        progress_bar: options.progress_bar,
        cache: if options.cache {
            CacheUse::All
        } else {
            CacheUse::Nothing
        },
    };
    let report = render_into(site, &options.root, &Highlighter::new(), &sink, mode);
    Staged {
        report,
        scanned: sink.finish(),
        written: tally.bytes(),
        disk_full: tally.disk_full(),
    }
}

/// True for the error of a file the sink could not store.
fn is_write_error(diagnostic: &Diagnostic) -> bool {
    diagnostic.message.starts_with("cannot write ")
        || diagnostic.message.starts_with("cannot copy to ")
}

/// The one error of a build that ran out of space beside `output`.
fn full_disk(output: &Path, needed: Option<u64>) -> Diagnostic {
    let folder = output.parent().unwrap_or(output);
    Diagnostic::error(space::full_disk_message(folder, needed))
        .help("free some space there, or build elsewhere with --output, and build again")
}

/// The output folder claimed, with its lock held so no other build writes into it. A folder the
/// build may not use is refused before anything is written beside it (the lock file included),
/// and claimed again once locked: what was there, another build may have been changing. The
/// site's cache folder is `cache`, wherever `[build] cache_dir` or `--cache-dir` put it.
fn claim_locked(
    options: &BuildOptions,
    cache: &Path,
) -> Result<(output::Claim, OutputLock), Diagnostic> {
    let (root, force) = (&options.root, options.force);
    let first = output::claim_with_cache(&options.output, root, cache, force)?;
    let lock = lock_output(&first.output, options.wait)?;
    let claim = output::claim_with_cache(&first.output, root, cache, force)?;
    Ok((claim, lock))
}

/// The lock of the output folder `output` (resolved), held until dropped.
fn lock_output(output: &Path, wait: Wait) -> Result<OutputLock, Diagnostic> {
    OutputLock::acquire(output, wait).map_err(|e| {
        let help = match e {
            LockError::Busy { .. } => {
                "wait for it to finish, or run without --no-wait to wait for it"
            }
            LockError::Io { .. } => "make the folder that holds the output folder writable",
        };
        Diagnostic::error(e.to_string()).help(help)
    })
}

/// Builds the site and publishes it into the output folder, or leaves that folder exactly as it
/// was and returns every problem.
pub fn build(options: &BuildOptions) -> Result<Built, Diagnostics> {
    let started = Instant::now();
    let (site, mut problems) = load_site(options);
    let cache = cache_dir(&site.config, &options.root);
    let (claim, _lock) = match claim_locked(options, &cache) {
        Ok(claimed) => claimed,
        Err(refused) => {
            problems.push(refused);
            return Err(problems);
        }
    };
    let marker = Marker::new(&site.config.base_url, !site.config.base_url_given);
    let mut staging = match Staging::create(&claim, &marker) {
        Ok(staging) => staging,
        Err(e) if is_disk_full(&e) => {
            problems.push(full_disk(&claim.output, None));
            return Err(problems);
        }
        Err(e) => {
            problems.push(Diagnostic::error(format!(
                "cannot prepare the output folder {}: {e}",
                claim.output.display()
            )));
            return Err(problems);
        }
    };
    let generations = options
        .cache
        .then(|| trust_earlier_outputs(&cache, &mut staging));
    if let Some(warning) = generations.as_ref().and_then(|g| g.warning()) {
        problems.push(Diagnostic::warning(warning).help(CACHE_HELP));
    }
    let staged = render_staged(&site, options, &staging);
    if options.stop.requested() {
        // What failed since is the stop's doing; dropping the staging folder keeps it as the
        // spare, and the output folder was never touched.
        return Err(Diagnostics::from_iter([Diagnostic::error(
            "stopped by a signal (Ctrl-C or SIGTERM) before publishing",
        )]));
    }
    let report = staged.report;
    if staged.disk_full {
        // Every file that did not fit failed on its own; one sentence says why.
        problems.extend(
            report
                .diagnostics
                .into_iter()
                .filter(|d| !is_write_error(d)),
        );
        // Discarded first, so the space it held counts as free in the message.
        let _ = staging.discard();
        problems.push(full_disk(&claim.output, Some(staged.written)));
        return Err(problems);
    }
    problems.extend(report.diagnostics);
    let mut scanned = staged.scanned;
    links::read_targeted_ids(&site, &report.markdown_links, &mut scanned, staging.dir());
    // `check` fails on what a build only warns about: a link the site lacks is worth fixing,
    // not worth refusing to publish everything else.
    links::verify_markdown(
        &site,
        &report.markdown_links,
        &scanned,
        Severity::Warning,
        &mut problems,
    );
    if problems.has_errors() {
        // Dropping the staging folder keeps it as the spare; the output folder was never touched.
        return Err(problems);
    }
    let record = staging.take_record();
    let folders = match staging.publish() {
        Ok(folders) => folders,
        Err(e) if is_disk_full(&e) => {
            problems.push(full_disk(&claim.output, Some(staged.written)));
            return Err(problems);
        }
        Err(e) => {
            problems.push(Diagnostic::error(format!(
                "cannot publish into {}: {e}",
                claim.output.display()
            )));
            return Err(problems);
        }
    };
    if let Some(generations) = generations {
        generations.save(Generation {
            build: marker.build,
            files: record,
            folders,
        });
    }
    let built = Built {
        pages: report.pages,
        files: report.files,
        templates_rendered: report.templates_rendered,
        output: claim.output,
        elapsed: started.elapsed(),
        warnings: problems,
        images: report.images,
        held: site.held.clone(),
    };
    if options.exits_after {
        std::mem::forget((site, report.markdown_links, scanned));
    }
    Ok(built)
}
