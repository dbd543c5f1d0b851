//! The `pamphlet` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use pamphlet::build::{BuildOptions, build};
use pamphlet::diagnostic::Diagnostics;

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
        /// Where to write the site [default: <root>/public].
        #[arg(long)]
        output: Option<PathBuf>,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Override `base_url` from site.toml.
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Upload the built site to the Azure Blob Storage static website in site.toml's [deploy].
    Deploy {
        /// The built site to upload [default: <root>/public].
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
        #[arg(long, default_value_t = 256)]
        max_deletes: usize,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            output,
            drafts,
            base_url,
        } => {
            let mut options = BuildOptions::new(&cli.root);
            if let Some(output) = output {
                options.output = output;
            }
            options.drafts = drafts;
            options.base_url = base_url;
            match build(&options) {
                Ok(outcome) => {
                    print_diagnostics(&outcome.warnings);
                    println!(
                        "Built {} pages, {} files in {:.2}s into {}",
                        outcome.pages,
                        outcome.files,
                        outcome.elapsed.as_secs_f64(),
                        options.output.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(problems) => fail(
                    &problems,
                    "build failed; the output folder was left as it was",
                ),
            }
        }
        Command::Deploy {
            output,
            dry_run,
            force,
            delete,
            max_deletes,
        } => {
            let options = pamphlet::deploy::DeployOptions {
                output: output.unwrap_or_else(|| cli.root.join("public")),
                root: cli.root,
                dry_run,
                force,
                delete,
                max_deletes,
            };
            let _ = options;
            eprintln!("deploy is being built");
            ExitCode::FAILURE
        }
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
        "{what}: {} error(s), {} warning(s)",
        problems.error_count(),
        problems.warning_count()
    );
    ExitCode::FAILURE
}
