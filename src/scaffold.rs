//! `pamphlet new` and `pamphlet init`: starting a post, and starting a site.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::model::url::slugify;
use crate::render::theme::{ASSET_DIR, ASSETS, TEMPLATE_DIR, TEMPLATES};

/// Why a post or site could not be started.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The title has nothing to make a URL from.
    #[error("the title `{0}` has no letters or digits to make a URL from; choose another title")]
    NoSlug(String),
    /// `--section` is not slugs under `content/`.
    #[error(
        "--section `{0}` must be one or more slugs under content/, separated by `/` (such as `blog` or `notes/2024`): lower-case letters, digits and hyphens, nothing that could leave content/"
    )]
    BadSection(String),
    /// The file or folder is already there.
    #[error("{0} already exists; pamphlet never overwrites it (choose another title or remove it)")]
    Exists(PathBuf),
    /// `init` was pointed at a folder with files in it.
    #[error("{0} is not empty; `pamphlet init` only starts a site in a new or empty folder")]
    NotEmpty(PathBuf),
    /// The file system refused.
    #[error("cannot write {0}: {1}")]
    Io(PathBuf, io::Error),
}

/// Writes `content/<section>/<slug>/index.md` for a new draft post and returns its path.
pub fn new_post(root: &Path, section: &str, title: &str) -> Result<PathBuf, ScaffoldError> {
    let slug = slugify(title);
    if slug.is_empty() {
        return Err(ScaffoldError::NoSlug(title.to_string()));
    }
    let section = section_path(section)?;
    let dir = root.join("content").join(&section).join(&slug);
    let file = dir.join("index.md");
    if file.exists()
        || root
            .join("content")
            .join(&section)
            .join(format!("{slug}.md"))
            .exists()
    {
        return Err(ScaffoldError::Exists(file));
    }
    fs::create_dir_all(&dir).map_err(|e| ScaffoldError::Io(dir.clone(), e))?;
    let now = jiff::Timestamp::now();
    let date = jiff::fmt::strtime::format(
        "%Y-%m-%dT%H:%M:%S%.3fZ",
        &now.to_zoned_datetime(jiff::tz::TimeZone::UTC),
    )
    .unwrap_or_else(|_| now.to_string());
    let text = format!(
        "---\ntitle: {}\ndate: \"{date}\"\ndescription: \"\"\ndraft: true\n---\n\nWrite here.\n",
        // A JSON string is a valid YAML double-quoted scalar, whatever the title holds.
        serde_json::Value::from(title)
    );
    write_new(&file, text.as_bytes())?;
    Ok(file)
}

/// `--section` as a path under `content/`: one or more slugs, so it can never leave it.
fn section_path(section: &str) -> Result<PathBuf, ScaffoldError> {
    let bad = || ScaffoldError::BadSection(section.to_string());
    let trimmed = section.strip_suffix('/').unwrap_or(section);
    if trimmed.is_empty() {
        return Err(bad());
    }
    let mut path = PathBuf::new();
    for segment in trimmed.split('/') {
        if segment.is_empty() || slugify(segment) != segment {
            return Err(bad());
        }
        path.push(segment);
    }
    Ok(path)
}

/// Starts a site in `dir`, which must not exist or be empty: config, a sample post, an about
/// page, the default theme and a static file. It builds with no further step.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, ScaffoldError> {
    if dir.exists() {
        let mut entries = fs::read_dir(dir).map_err(|e| ScaffoldError::Io(dir.to_path_buf(), e))?;
        if entries.next().is_some() {
            return Err(ScaffoldError::NotEmpty(dir.to_path_buf()));
        }
    }
    let mut files: Vec<(PathBuf, Vec<u8>)> = vec![
        (PathBuf::from("site.toml"), SITE_TOML.as_bytes().to_vec()),
        (
            PathBuf::from(".gitignore"),
            b"/public\n/.public.*\n/.pamphlet-cache\n".to_vec(),
        ),
        (
            PathBuf::from("content/blog/hello-world/index.md"),
            HELLO_POST.as_bytes().to_vec(),
        ),
        (PathBuf::from("content/about.md"), ABOUT.as_bytes().to_vec()),
        (
            PathBuf::from("static/humans.txt"),
            HUMANS.as_bytes().to_vec(),
        ),
    ];
    for (name, text) in TEMPLATES {
        files.push((Path::new(TEMPLATE_DIR).join(name), text.as_bytes().to_vec()));
    }
    for (name, bytes) in ASSETS {
        files.push((
            Path::new(TEMPLATE_DIR).join(ASSET_DIR).join(name),
            bytes.to_vec(),
        ));
    }
    let mut written = Vec::with_capacity(files.len());
    for (rel, bytes) in files {
        let path = dir.join(&rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| ScaffoldError::Io(parent.to_path_buf(), e))?;
        }
        write_new(&path, &bytes)?;
        written.push(rel);
    }
    Ok(written)
}

/// Writes a file that must not exist yet; the check and the creation are one step.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), ScaffoldError> {
    use std::io::Write;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => ScaffoldError::Exists(path.to_path_buf()),
            _ => ScaffoldError::Io(path.to_path_buf(), e),
        })?;
    file.write_all(bytes)
        .map_err(|e| ScaffoldError::Io(path.to_path_buf(), e))
}

const SITE_TOML: &str = r#"# Every key is explained in pamphlet's README.
title = "My pamphlet"
description = "Essays, published as plain files."
base_url = "https://example.com"
language = "en"
author = "Your Name"
bio = "One line about you."
paginate_by = 10

[markdown]
smart_punctuation = true
highlight_code = true

[feeds]
rss = true
atom = true
limit = 20
"#;

const HELLO_POST: &str = r#"---
title: Hello, world
date: "2024-01-01T09:00:00.000Z"
description: The first post of a new pamphlet.
tags: [meta]
---

This is the first post. Edit it in `content/blog/hello-world/index.md`, or start
another with `pamphlet new "A title"`.

<!-- more -->

## What you can write

Markdown with *emphasis*, [links](@/about.md), tables, footnotes[^1] and code:

```rust
fn main() {
    println!("Hello, world!");
}
```

[^1]: Footnotes link both ways.
"#;

const ABOUT: &str = r#"---
title: About
description: Who writes here.
---

A few words about who writes here and why.
"#;

const HUMANS: &str = "/* TEAM */\nWriter: Your Name\n\n/* SITE */\nPublished with: pamphlet\n";
