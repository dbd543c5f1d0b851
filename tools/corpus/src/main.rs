//! `pamphlet-corpus DIR --posts N [--seed S] [--force]`: writes a synthetic site's posts to
//! `DIR/content/posts/` (see the library's documentation for what they hold).
//!
//! `pamphlet-corpus photos DIR N [--width W] [--height H] [--force]`: writes one post showing
//! N generated photos (camera JPEGs, each a different crop) to `DIR/content/posts/photos/`.
//!
//! `pamphlet-corpus floor DIR`: times reading DIR's markdown and rendering it with
//! pulldown-cmark alone, the floor `scripts/bench` sets builds against.

mod floor;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: pamphlet-corpus DIR --posts N [--seed S] [--force]

Writes N synthetic posts to DIR/content/posts/<slug>/index.md, the same bytes for the same
seed (default 1); N posts are the first N of any larger corpus.

  --posts N   how many posts (0 makes an empty content/posts/)
  --seed S    the seed, an unsigned 64-bit number
  --force     replace DIR/content/posts if it already holds anything

usage: pamphlet-corpus photos DIR N [--width W] [--height H] [--force]

Writes one post, DIR/content/posts/photos/index.md, showing N photos beside it
(photo-01.jpg, …): camera JPEGs at quality 90 with EXIF, XMP and GPS, each a different
W × H crop (default 2400 × 1600) of one generated landscape, the same bytes on every run.

  --force     replace DIR/content/posts/photos if it already exists

usage: pamphlet-corpus floor DIR

Reads every .md file under DIR, then renders each with pulldown-cmark alone on every core,
and prints files, bytes in and out, and the seconds each step took.";

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

/// What `photos` is asked for.
struct Photos {
    dir: PathBuf,
    count: usize,
    width: u32,
    height: u32,
    force: bool,
}

fn parse_photos(mut args: impl Iterator<Item = String>) -> Result<Photos, String> {
    let (mut dir, mut count, mut width, mut height, mut force) = (None, None, 2400, 1600, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--width" => width = number(&arg, args.next())?,
            "--height" => height = number(&arg, args.next())?,
            "--force" => force = true,
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            _ if dir.is_none() => dir = Some(PathBuf::from(arg)),
            _ if count.is_none() => count = Some(number("N", Some(arg))?),
            _ => return Err(format!("unexpected argument `{arg}`")),
        }
    }
    if width < 16 || height < 16 || width > 16_000 || height > 16_000 {
        return Err(format!(
            "{width} × {height} is no photo size (16 to 16000 a side)"
        ));
    }
    Ok(Photos {
        dir: dir.ok_or("DIR is missing")?,
        count: count.ok_or("N is missing")?,
        width,
        height,
        force,
    })
}

/// The photo post: every photo between two short paragraphs, as a photo essay has them.
fn photo_post(count: usize) -> String {
    let mut text = String::from(
        "---\ntitle: \"A Walk in Photographs\"\ndate: \"2024-05-06T07:08:09.000Z\"\n\
         description: \"Photos straight from a camera.\"\ntags: [\"photos\"]\n---\n\n\
         Photos straight from the camera, as they were taken.\n",
    );
    for i in 1..=count {
        text.push_str(&format!(
            "\n![Photo {i} of {count}: a landscape](photo-{i:02}.jpg)\n\nWhat photo {i} shows.\n"
        ));
    }
    text
}

fn run_photos(args: &Photos) -> Result<(), String> {
    let post = args.dir.join("content/posts/photos");
    if post.exists() {
        if !args.force {
            return Err(format!(
                "{} exists (use --force to replace it)",
                post.display()
            ));
        }
        std::fs::remove_dir_all(&post)
            .map_err(|e| format!("cannot remove {}: {e}", post.display()))?;
    }
    std::fs::create_dir_all(&post).map_err(|e| format!("cannot make {}: {e}", post.display()))?;
    let started = Instant::now();
    // One landscape wider than a photo; photo i is the crop `step * i` pixels in, so every
    // photo is different (no two share a cache entry) yet looks like a photo.
    let step = 24u32;
    let count = u32::try_from(args.count).map_err(|_| "N is too large".to_string())?;
    let wide = args.width + step * count;
    let pixels = pamphlet_corpus::images::photo_pixels(wide, args.height);
    for i in 0..count {
        let left = (step * i) as usize;
        let mut crop = Vec::with_capacity(args.width as usize * args.height as usize * 3);
        for row in pixels.chunks_exact(wide as usize * 3) {
            crop.extend_from_slice(&row[left * 3..(left + args.width as usize) * 3]);
        }
        let jpeg = pamphlet_corpus::images::jpeg(&crop, args.width, args.height);
        let photo = pamphlet_corpus::images::camera_jpeg(&jpeg, 1, true, None);
        let file = post.join(format!("photo-{:02}.jpg", i + 1));
        std::fs::write(&file, photo)
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    }
    let index = post.join("index.md");
    std::fs::write(&index, photo_post(args.count))
        .map_err(|e| format!("cannot write {}: {e}", index.display()))?;
    eprintln!(
        "wrote {} photos of {} × {} and their post to {} in {:.2}s",
        args.count,
        args.width,
        args.height,
        post.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
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
    let mut argv = std::env::args().skip(1).peekable();
    let photos = argv.next_if(|a| a == "photos").is_some();
    let floor = !photos && argv.next_if(|a| a == "floor").is_some();
    let outcome = if floor {
        match (argv.next(), argv.next()) {
            (Some(dir), None) if !dir.starts_with('-') => {
                Ok(floor::run(std::path::Path::new(&dir)))
            }
            _ => Err("floor takes one argument, DIR".to_string()),
        }
    } else if photos {
        parse_photos(argv).map(|args| run_photos(&args))
    } else {
        parse(argv).map(|args| run(&args))
    };
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(problem)) => {
            eprintln!("pamphlet-corpus: {problem}");
            ExitCode::FAILURE
        }
        Err(problem) if problem.is_empty() => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(problem) => {
            eprintln!("pamphlet-corpus: {problem}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
