//! The `pamphlet` command line: parses the arguments and hands each command to the library.

// The command line is the one place that prints; the library writes to what it is given.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use pamphlet::build::{BuildOptions, build};
use pamphlet::config::MAX_DEPLOY_CONCURRENCY;
use pamphlet::deploy::{DEFAULT_MAX_DELETES, DeployOptions};
use pamphlet::diagnostic::Diagnostics;
use pamphlet::model::{Future, Held};
use pamphlet::plural::count;
use pamphlet::serve::session_loop::{DEFAULT_PORT, ServeOptions};
use pamphlet::stop::Stop;
use pamphlet::write::lock::Wait;

// The build allocates and frees many small strings on every thread; mimalloc does that faster
// than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Markdown essays in, a fast and hardened static blog out.
#[derive(Parser)]
#[command(name = "pamphlet", version, about)]
struct Cli {
    /// The site's folder.
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder, replacing it only if everything succeeds.
    Build {
        /// Where to write the site, relative to --root [default: <root>/public].
        #[arg(long)]
        output: Option<PathBuf>,
        /// Replace an output folder that holds files pamphlet did not write.
        #[arg(long)]
        force: bool,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Include posts dated in the future (otherwise held back until their date).
        #[arg(long)]
        future: bool,
        /// Build for `[deploy.targets.NAME]` in site.toml: its base_url instead of the site's.
        #[arg(long, value_name = "NAME")]
        target: Option<String>,
        /// Override `base_url` from site.toml (and --target's).
        #[arg(long)]
        base_url: Option<String>,
        /// Where made images and rendered markdown are kept between builds, relative to --root
        /// [default: <root>/.pamphlet-cache, or [build] cache_dir].
        #[arg(long)]
        cache_dir: Option<PathBuf>,
        /// Make everything again, reading nothing from the cache folder and keeping nothing in it.
        #[arg(long)]
        no_cache: bool,
        /// Fail at once, rather than wait, while another build writes into the same output.
        #[arg(long)]
        no_wait: bool,
    },
    /// Preview the site as Azure will serve it, rebuilding and reloading the browser on every save.
    Serve {
        /// The interface to listen on; anything but loopback lets other machines see the preview.
        #[arg(long, default_value = "127.0.0.1")]
        interface: IpAddr,
        /// The port to listen on (the next free one is used if it is busy; 0 picks any).
        #[arg(long, default_value_t = DEFAULT_PORT)]
        port: u16,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Build the whole site in memory and check every internal link and anchor; write nothing.
    Check {
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Include posts dated in the future.
        #[arg(long)]
        future: bool,
        /// Fetch the deployed site at URL and compare every file with public/ and its headers.
        #[arg(long, value_name = "URL")]
        live: Option<String>,
        /// With --live, also compare the security headers with `pamphlet headers`.
        #[arg(long, requires = "live")]
        headers: bool,
        /// With --live, the headers and compression of `[deploy.targets.NAME]`.
        #[arg(long, value_name = "NAME", requires = "live")]
        target: Option<String>,
    },
    /// Start a new draft post at content/<section>/<slug>/index.md.
    New {
        /// The post's title; its slug becomes the folder name.
        title: String,
        /// The section folder under content/.
        #[arg(long, default_value = "blog")]
        section: String,
    },
    /// Start a new site, with the default theme, in an empty or new folder.
    Init {
        /// The folder to create the site in, relative to --root.
        dir: PathBuf,
    },
    /// Upload the built site to the Azure Blob Storage static website in site.toml's [deploy].
    Deploy {
        /// The built site to upload, relative to --root [default: <root>/public].
        #[arg(long)]
        output: Option<PathBuf>,
        /// Print what would change and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Upload every file, even unchanged ones.
        #[arg(long)]
        force: bool,
        /// Delete remote files that no longer exist locally.
        #[arg(long)]
        delete: bool,
        /// Refuse to delete more than this many files in one run.
        #[arg(long, default_value_t = DEFAULT_MAX_DELETES)]
        max_deletes: usize,
        /// Deploy to `[deploy.targets.NAME]` in site.toml: its keys instead of [deploy]'s.
        #[arg(long, value_name = "NAME")]
        target: Option<String>,
        /// Uploads in flight at once, 1 to 64 [default: [deploy] concurrency, or 8].
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=MAX_DEPLOY_CONCURRENCY as i64))]
        concurrency: Option<u16>,
        /// Turn the account's static website on, with index.html and 404.html, when it is not.
        #[arg(long)]
        configure: bool,
        /// Ask [deploy.front_door] to purge what changed, without waiting for it to finish.
        #[arg(long)]
        no_wait: bool,
    },
    /// Print the security headers the site should be served with; --front-door writes them,
    /// and a 301 for every alias, as an Azure Front Door rule set.
    Headers {
        /// Write the Front Door Standard/Premium rule set (an ARM template and `az afd`
        /// commands) instead of printing the headers.
        #[arg(long)]
        front_door: bool,
        /// The folder the rule set goes in, relative to --root [default: <root>/front-door].
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// A stop SIGINT and SIGTERM ask for, for the commands that finish cleanly on one; a system
/// that cannot register them gets the default, where a signal ends the process as before.
fn stop_on_signals() -> Stop {
    Stop::on_signals().unwrap_or_default()
}

/// Said once when a build waits for another writing into its output.
fn say_waiting(text: &str) {
    eprintln!("{text}");
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = cli.root;
    match cli.command {
        Command::Build {
            output,
            force,
            drafts,
            future,
            target,
            base_url,
            cache_dir,
            no_cache,
            no_wait,
        } => {
            let mut options = BuildOptions::new(&root);
            options.cache_dir = cache_dir;
            options.cache = !no_cache;
            options.wait = if no_wait {
                Wait::No
            } else {
                Wait::Saying(say_waiting)
            };
            if let Some(output) = output {
                options.output = root.join(output);
            }
            options.force = force;
            options.drafts = drafts;
            options.future = keep_future(future);
            options.target = target;
            options.base_url = base_url;
            options.stop = stop_on_signals();
            options.progress_bar = true;
            options.exits_after = true;
            build_site(&options)
        }
        Command::Serve {
            interface,
            port,
            drafts,
        } => serve(&ServeOptions {
            root,
            interface,
            port,
            drafts,
        }),
        Command::Check {
            live: Some(url),
            headers,
            target,
            ..
        } => check_live(&root, url, headers, target.as_deref()),
        Command::Check { drafts, future, .. } => {
            let mut options = BuildOptions::new(&root);
            options.drafts = drafts;
            options.future = keep_future(future);
            check(&options)
        }
        Command::New { title, section } => new_post(&root, &section, &title),
        Command::Init { dir } => init(&root.join(dir)),
        Command::Deploy {
            output,
            dry_run,
            force,
            delete,
            max_deletes,
            target,
            concurrency,
            configure,
            no_wait,
        } => {
            let mut options = DeployOptions::new(&root);
            options.configure = configure;
            options.no_wait = no_wait;
            if let Some(output) = output {
                options.output = root.join(output);
            }
            options.dry_run = dry_run;
            options.force = force;
            options.delete = delete;
            options.max_deletes = max_deletes;
            options.concurrency = concurrency.map(usize::from);
            options.stop = stop_on_signals();
            deploy(&options, target.as_deref())
        }
        Command::Headers { front_door, output } => {
            let dir = front_door.then(|| root.join(output.unwrap_or_else(|| "front-door".into())));
            headers(&root, dir.as_deref())
        }
    }
}

/// Prints the headers, or with `front_door` writes the rule set into that folder.
fn headers(root: &Path, front_door: Option<&Path>) -> ExitCode {
    let (site, problems) = pamphlet::build::load_site(&BuildOptions::new(root));
    if problems.has_errors() {
        return fail(&problems, "headers failed");
    }
    let rules = pamphlet::front_door::EdgeRules::of(&site);
    let Some(dir) = front_door else {
        for header in &rules.headers {
            println!("{}: {}", header.name, header.value);
        }
        return ExitCode::SUCCESS;
    };
    match pamphlet::front_door::write(dir, &rules, &site.config.title) {
        Ok([template, script]) => {
            // `front-door/…`, not `./front-door/…`, when --root is the current folder.
            let shown = |path: &Path| path.strip_prefix(".").unwrap_or(path).display().to_string();
            println!(
                "Wrote {} and {}: {} and {} for Front Door",
                shown(&template),
                shown(&script),
                count(rules.headers.len(), "header", "headers"),
                count(rules.redirects.len(), "redirect", "redirects")
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "error: cannot write the rule set into {}: {e}",
                dir.display()
            );
            ExitCode::FAILURE
        }
    }
}

/// `check --live URL`: one line per finding, a summary, exit 1 when anything differs.
fn check_live(root: &Path, url: String, headers: bool, target: Option<&str>) -> ExitCode {
    let mut build = BuildOptions::new(root);
    build.target = target.map(String::from);
    let (site, problems) = pamphlet::build::load_site(&build);
    if problems.has_errors() {
        return fail(&problems, "check failed");
    }
    let rules = pamphlet::front_door::EdgeRules::of(&site);
    let options = pamphlet::deploy::LiveOptions {
        url,
        output: root.join(pamphlet::build::OUTPUT_DIR),
        headers,
        concurrency: site.config.deploy.concurrency,
    };
    match pamphlet::deploy::check_live(&options, &site.config.deploy, &rules) {
        Ok(report) => {
            for finding in &report.findings {
                println!("{}: {}", finding.path, finding.what);
            }
            println!("{}", report.summary());
            if report.findings.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("check failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn keep_future(future: bool) -> Future {
    if future { Future::Keep } else { Future::Hold }
}

/// "Held back 2 scheduled posts; the next is due January 5, 2027 (rebuild then, or pass
/// --future)", so a cron job knows when to rebuild; and expired pages left out.
fn held_summary(held: &Held) -> Vec<String> {
    let mut lines = Vec::new();
    if held.scheduled > 0 {
        let next = held
            .next
            .map(|d| format!("; the next is due {}", d.human()))
            .unwrap_or_default();
        lines.push(format!(
            "Held back {} dated in the future{next} (rebuild then, or pass --future)",
            count(held.scheduled, "page", "pages")
        ));
    }
    if held.expired > 0 {
        let their = if held.expired == 1 { "its" } else { "their" };
        lines.push(format!(
            "Left out {} past {their} expires date",
            count(held.expired, "page", "pages")
        ));
    }
    lines
}

fn build_site(options: &BuildOptions) -> ExitCode {
    match build(options) {
        Ok(outcome) => {
            print_diagnostics(&outcome.warnings);
            let images = &outcome.images;
            let images = match images.processed {
                0 => String::new(),
                n => format!(
                    "; {} ({} from the cache)",
                    count(n, "image", "images"),
                    images.from_cache
                ),
            };
            println!(
                "Built {}, {} in {:.2}s into {}{images}",
                count(outcome.pages, "page", "pages"),
                count(outcome.files, "file", "files"),
                outcome.elapsed.as_secs_f64(),
                options.output.display()
            );
            for line in held_summary(&outcome.held) {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(problems) => fail(
            &problems,
            "build failed; the output folder was left as it was",
        ),
    }
}

fn serve(options: &ServeOptions) -> ExitCode {
    match pamphlet::serve::session_loop::run(options, &stop_on_signals()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn check(options: &BuildOptions) -> ExitCode {
    match pamphlet::check::check(options) {
        Ok(checked) => {
            print_diagnostics(&checked.warnings);
            let found = match checked.warnings.warning_count() {
                0 => "no problems".to_string(),
                n => format!("no errors, {}", count(n, "warning", "warnings")),
            };
            println!(
                "Checked {}, {} and {}: {found}",
                count(checked.pages, "page", "pages"),
                count(checked.files, "file", "files"),
                count(checked.links, "internal link", "internal links"),
            );
            ExitCode::SUCCESS
        }
        Err(problems) => fail(&problems, "check failed"),
    }
}

fn new_post(root: &Path, section: &str, title: &str) -> ExitCode {
    match pamphlet::scaffold::new_post(root, section, title) {
        Ok(path) => {
            println!("Created {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init(dir: &Path) -> ExitCode {
    match pamphlet::scaffold::init(dir) {
        Ok(files) => {
            println!(
                "Created a site with {} files in {}; build it with: pamphlet --root {} build",
                files.len(),
                dir.display(),
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn deploy(options: &DeployOptions, target: Option<&str>) -> ExitCode {
    let config = match pamphlet::config::Config::load(&options.root) {
        Ok(config) => config,
        Err(problems) => return fail(&problems, "deploy failed"),
    };
    let config = match target.map(|name| config.for_target(name)) {
        None => config,
        Some(Ok(targeted)) => targeted,
        Some(Err(unknown)) => {
            let mut problems = Diagnostics::new();
            problems.push(unknown);
            return fail(&problems, "deploy failed");
        }
    };
    if let Some(sentence) = wrong_target(&options.output, &config, target) {
        eprintln!("deploy failed: {sentence}");
        return ExitCode::FAILURE;
    }
    let options = DeployOptions {
        cache_dir: Some(pamphlet::build::cache_dir(&config, &options.root)),
        ..options.clone()
    };
    let credentials = pamphlet::deploy::Credentials::from_env();
    match pamphlet::deploy::deploy(&options, &config.deploy, &credentials) {
        Ok(report) => {
            for line in report.lines() {
                println!("{line}");
            }
            for note in &report.notes {
                eprintln!("warning: {note}");
            }
            println!("{}", report.summary());
            match &report.purge {
                None => ExitCode::SUCCESS,
                Some(Ok(purged)) => {
                    println!("{purged}");
                    ExitCode::SUCCESS
                }
                Some(Err(failed)) => {
                    eprintln!("deploy failed: {failed}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("deploy failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Why the build in `output` must not go where `config` (chosen by `target`) deploys: a build
/// for one target deployed to another would link every page to the wrong site. A build with
/// `--base-url` of its own may still go anywhere, as before targets.
fn wrong_target(
    output: &Path,
    config: &pamphlet::config::Config,
    target: Option<&str>,
) -> Option<String> {
    let marker = pamphlet::write::output::Marker::read(output)?;
    if marker.base_url == config.base_url {
        return None;
    }
    let built_for = config.deploy.targets.iter().find(|(_, t)| {
        t.base_url.as_deref().map(|u| u.trim_end_matches('/')) == Some(marker.base_url.as_str())
    });
    let output = output.display();
    match (target, built_for) {
        (Some(name), _) => Some(format!(
            "{output} was built for {}, but target {name} publishes {}; build it with --target {name} and deploy again",
            marker.base_url, config.base_url
        )),
        (None, Some((name, _))) => Some(format!(
            "{output} was built for target {name} ({}); deploy it with --target {name}, or build without --target",
            marker.base_url
        )),
        (None, None) => None,
    }
}

fn print_diagnostics(diagnostics: &Diagnostics) {
    for d in diagnostics.sorted() {
        eprintln!("{d}");
    }
}

fn fail(problems: &Diagnostics, what: &str) -> ExitCode {
    print_diagnostics(problems);
    eprintln!(
        "{what}: {}, {}",
        count(problems.error_count(), "error", "errors"),
        count(problems.warning_count(), "warning", "warnings")
    );
    ExitCode::FAILURE
}
