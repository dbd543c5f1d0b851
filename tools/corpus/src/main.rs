//! `pamphlet-corpus DIR --posts N [--seed S] [--force]`: writes a synthetic site's posts to
//! `DIR/content/posts/` (see the library's documentation for what they hold).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: pamphlet-corpus DIR --posts N [--seed S] [--force]

Writes N synthetic posts to DIR/content/posts/<slug>/index.md, the same bytes for the same
seed (default 1); N posts are the first N of any larger corpus.

  --posts N   how many posts (0 makes an empty content/posts/)
  --seed S    the seed, an unsigned 64-bit number
  --force     replace DIR/content/posts if it already holds anything";

/// What the command line asks for.
struct Args {
    dir: PathBuf,
    posts: usize,
    seed: u64,
    force: bool,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut dir, mut posts, mut seed, mut force) =
        (None, None, pamphlet_corpus::DEFAULT_SEED, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--posts" => posts = Some(number(&arg, args.next())?),
            "--seed" => seed = number(&arg, args.next())?,
            "--force" => force = true,
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            _ if dir.is_some() => return Err(format!("unexpected argument `{arg}`")),
            _ => dir = Some(PathBuf::from(arg)),
        }
    }
    Ok(Args {
        dir: dir.ok_or("DIR is missing")?,
        posts: posts.ok_or("--posts is missing")?,
        seed,
        force,
    })
}

fn number<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value
        .parse()
        .map_err(|_| format!("{flag} needs an unsigned number, not `{value}`"))
}

fn run(args: &Args) -> Result<(), String> {
    let posts_dir = args.dir.join("content/posts");
    let occupied = std::fs::read_dir(&posts_dir).is_ok_and(|mut entries| entries.next().is_some());
    if occupied {
        if !args.force {
            return Err(format!(
                "{} is not empty (use --force to replace it)",
                posts_dir.display()
            ));
        }
        std::fs::remove_dir_all(&posts_dir)
            .map_err(|e| format!("cannot remove {}: {e}", posts_dir.display()))?;
    }
    let started = Instant::now();
    pamphlet_corpus::generate(&args.dir, args.posts, args.seed)
        .map_err(|e| format!("cannot write {}: {e}", posts_dir.display()))?;
    eprintln!(
        "wrote {} posts to {} in {:.2}s",
        args.posts,
        posts_dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(problem) if problem.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("pamphlet-corpus: {problem}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("pamphlet-corpus: {problem}");
            ExitCode::FAILURE
        }
    }
}
