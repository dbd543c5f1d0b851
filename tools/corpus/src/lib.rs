//! Synthetic markdown sites for pamphlet's tests and benchmarks: deterministic, seedable, and
//! written by this repository rather than copied from anyone's blog.
//!
//! A corpus is `content/posts/<slug>/index.md` for posts 1 to N, where `<slug>` looks like
//! `post-00042-stale-caches-and`. Each post opens with YAML front matter in exactly this style:
//!
//! ```yaml
//! ---
//! title: "Stale Caches and Honest Headers"
//! date: "2019-07-02T22:12:03.284Z"
//! description: "One sentence."
//! tags: ["azure", "security"]
//! ---
//! ```
//!
//! and goes on with some 800 to 1,500 words of CommonMark with GFM extensions: `##` and `###`
//! headings, paragraphs with emphasis, strong emphasis, inline code, external links and links
//! to earlier posts (`../post-00007-…/` or `../post-00007-…/index.md`), a bullet list, a
//! numbered list, a blockquote, a table in about one post in three, footnotes in about one in
//! four, and fenced code blocks (Rust, Python, JavaScript, shell, JSON or YAML) in about one in
//! two.
//!
//! **Deterministic.** Post `i` comes from its own random stream, seeded by `(seed, i)`, and
//! links only to posts numbered below it, so the corpus of N posts is exactly the first N posts
//! of any larger one, byte for byte, on every platform. Dates are spread over 2015-01-01 to
//! 2025-12-31 in UTC with millisecond precision, and no two posts share a second, so sorting by
//! date has no ties; none lies in the future, which a build would hold back. The text never holds `{{`, `{%` or `{#`, so
//! template engines that look for shortcodes in content (Hugo, Zola) find none.

mod body;
mod code;
mod date;
pub mod images;
mod prose;
mod rng;
mod words;

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

pub use code::LANGUAGES;

/// The seed `pamphlet-corpus` uses when none is given.
pub const DEFAULT_SEED: u64 = 1;

/// One generated post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// Its number, from 1.
    pub number: usize,
    /// Its folder's name under `content/posts/`.
    pub slug: String,
    /// The whole `index.md`: front matter and body.
    pub text: String,
}

impl Post {
    /// Where the post goes, relative to the site's folder.
    pub fn path(&self) -> PathBuf {
        Path::new("content/posts").join(&self.slug).join("index.md")
    }
}

/// The posts of one corpus, in order and without end: `.take(n)` gives a corpus of `n`.
pub struct Posts {
    seed: u64,
    slugs: Vec<String>,
    seconds: HashSet<u64>,
}

/// The posts of the corpus with `seed`.
pub fn posts(seed: u64) -> Posts {
    Posts {
        seed,
        slugs: Vec::new(),
        seconds: HashSet::new(),
    }
}

impl Iterator for Posts {
    type Item = Post;

    fn next(&mut self) -> Option<Post> {
        let number = self.slugs.len() + 1;
        let post = write_post(self.seed, number, &self.slugs, &mut self.seconds);
        self.slugs.push(post.slug.clone());
        Some(post)
    }
}

/// Post `number`, given the slugs of the posts before it and the seconds their dates took.
fn write_post(seed: u64, number: usize, earlier: &[String], taken: &mut HashSet<u64>) -> Post {
    let mut rng = rng::Rng::for_post(seed, number);
    let title = prose::title(&mut rng);
    let words: Vec<String> = title
        .split_whitespace()
        .take(3)
        .map(str::to_lowercase)
        .collect();
    let slug = format!("post-{number:05}-{}", words.join("-"));

    let span = date::END_SECOND - date::FIRST_SECOND;
    let mut second = rng.below(span as usize) as u64;
    // A taken second moves to the next free one: rare, and still the same for every N.
    while !taken.insert(second) {
        second = (second + 1) % span;
    }
    let ms = (date::FIRST_SECOND + second) * 1000 + rng.below(1000) as u64;

    let description = prose::plain_sentence(&mut rng);
    let vocabulary = words::vocabulary();
    let mut tags = vocabulary.tags.clone();
    rng.shuffle(&mut tags);
    tags.truncate(rng.between(1, 3));
    let tags: Vec<String> = tags.iter().map(|tag| format!("\"{tag}\"")).collect();

    let body = body::Body::new(&mut rng, earlier).write();
    let text = format!(
        "---\ntitle: \"{title}\"\ndate: \"{}\"\ndescription: \"{description}\"\ntags: [{}]\n---\n\n{body}",
        date::format_ms(ms),
        tags.join(", ")
    );
    Post { number, slug, text }
}

/// Writes the first `posts` posts of the corpus with `seed` under `dir/content/posts/`,
/// making the folders it needs. Existing files of the same names are replaced; others are
/// left alone.
pub fn generate(dir: &Path, posts: usize, seed: u64) -> io::Result<()> {
    std::fs::create_dir_all(dir.join("content/posts"))?;
    for post in self::posts(seed).take(posts) {
        let path = dir.join(post.path());
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::write(path, post.text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
