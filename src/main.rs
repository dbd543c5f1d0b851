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
