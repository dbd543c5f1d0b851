//! Fixture sites for integration tests: real folders in a temporary directory, built by the
//! real pipeline, read back as parsed HTML.

#![allow(dead_code)]

pub mod serving;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pamphlet::build::{BuildOptions, Built, build};
use pamphlet::diagnostic::Diagnostics;
use scraper::{Html, Selector};

/// A site folder being put together for a test.
pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Site {
    /// An empty site with a `site.toml` giving it a base URL.
    pub fn new() -> Site {
        let site = Site {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        site.write(
            "site.toml",
            "title = \"Test site\"\nbase_url = \"https://example.com\"\n",
        );
        site
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (making its folders) relative to the site root.
    pub fn write(&self, rel: &str, text: &str) -> &Self {
        self.write_bytes(rel, text.as_bytes())
    }

    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) -> &Self {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
        self
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.root().join(rel)).unwrap();
    }

    /// A post at `content/blog/<slug>/index.md` with YAML front matter.
    pub fn post(&self, slug: &str, front: &str, body: &str) -> &Self {
        self.write(
            &format!("content/blog/{slug}/index.md"),
            &format!("---\n{front}\n---\n\n{body}\n"),
        )
    }

    pub fn options(&self) -> BuildOptions {
        BuildOptions::new(self.root())
    }

    /// Builds with the library into `public/`.
    pub fn build(&self) -> Result<Built, Diagnostics> {
        build(&self.options())
    }

    /// Builds and panics with every problem if the build fails.
    pub fn build_ok(&self) -> Built {
        match self.build() {
            Ok(outcome) => outcome,
            Err(problems) => panic!("build failed:\n{}", render(&problems)),
        }
    }

    /// Builds, expecting failure, and returns the problems as text.
    pub fn build_err(&self) -> String {
        match self.build() {
            Ok(_) => panic!("build succeeded but should have failed"),
            Err(problems) => render(&problems),
        }
    }

    pub fn public(&self) -> PathBuf {
        self.root().join("public")
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.public().join(rel).exists()
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.public().join(rel))
            .unwrap_or_else(|e| panic!("cannot read public/{rel}: {e}"))
    }

    pub fn html(&self, rel: &str) -> Html {
        Html::parse_document(&self.read(rel))
    }

    /// Every file under `public/` with its bytes.
    pub fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        snapshot(&self.public())
    }

    /// Runs the real binary with `args` after `--root <site>`.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_pamphlet"))
            .arg("--root")
            .arg(self.root())
            .args(args)
            .output()
            .expect("run pamphlet")
    }
}

pub fn render(problems: &Diagnostics) -> String {
    problems
        .sorted()
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    if !dir.exists() {
        return files;
    }
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let mut bytes = std::fs::read(entry.path()).unwrap();
            if rel == ".pamphlet-output" {
                bytes = without_build_id(&bytes);
            }
            files.insert(rel, bytes);
        }
    }
    files
}

/// The marker of an output folder without the id of the build that wrote it, which every
/// build makes anew: two builds of the same site publish the same marker but for it.
pub fn without_build_id(marker: &[u8]) -> Vec<u8> {
    let mut marker: serde_json::Value = serde_json::from_slice(marker).unwrap();
    marker.as_object_mut().unwrap().remove("build");
    serde_json::to_vec(&marker).unwrap()
}

/// Every file a deploy publishes from the output folder `dir`: all but the build's marker.
pub fn published(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = snapshot(dir);
    files.remove(pamphlet::write::output::MARKER);
    files
}

/// The characters in `text` that HTML and XML cannot carry: controls other than tab and line
/// ends.
pub fn control_characters(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// A parsed feed entry's full content, or its summary when it has none.
pub fn entry_content(entry: &feed_rs::model::Entry) -> String {
    entry
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .or_else(|| entry.summary.as_ref().map(|s| s.content.clone()))
        .unwrap_or_default()
}

/// Texts of every element matching `selector`.
pub fn texts(html: &Html, selector: &str) -> Vec<String> {
    let sel = Selector::parse(selector).unwrap();
    html.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

/// The values of `attr` on every element matching `selector`.
pub fn attrs(html: &Html, selector: &str, attr: &str) -> Vec<String> {
    let sel = Selector::parse(selector).unwrap();
    html.select(&sel)
        .filter_map(|e| e.value().attr(attr).map(str::to_string))
        .collect()
}

/// The one element matching `selector`, as HTML.
pub fn one(html: &Html, selector: &str) -> String {
    let sel = Selector::parse(selector).unwrap();
    let found: Vec<_> = html.select(&sel).collect();
    assert_eq!(
        found.len(),
        1,
        "expected one `{selector}`, found {}",
        found.len()
    );
    found[0].html()
}

/// The folder of real-world content beside the repository, read only by
/// `tests/it/shared_corpora.rs`: `../shared/`, or `$PAMPHLET_SHARED` (relative to the
/// repository) when it is set.
pub fn shared() -> PathBuf {
    let dir = std::env::var_os("PAMPHLET_SHARED").map_or_else(|| "../shared".into(), PathBuf::from);
    repo().join(dir)
}

/// A path under [`shared`], failing with how to get or skip it when it is missing.
pub fn shared_path(rel: &str) -> PathBuf {
    let path = shared().join(rel);
    assert!(
        path.exists(),
        "{} is missing: these tests read the real-world corpora beside the repository \
         (../shared/, or set PAMPHLET_SHARED); scripts/test skips them when there are none",
        path.display()
    );
    path
}

/// A fixture site of `tests/fixtures/<name>/`, copied into a fresh site folder (whose
/// `site.toml` it replaces if it has one), so a build never writes into the repository.
pub fn fixture_site(name: &str) -> Site {
    let site = Site::new();
    copy_tree(&repo().join("tests/fixtures").join(name), site.root());
    site
}

/// Markdown pages (not `_index.md`) under a content folder, relative to it.
pub fn page_sources(content: &Path) -> Vec<String> {
    let mut pages: Vec<String> = walkdir::WalkDir::new(content)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| {
            let name = e.file_name().to_string_lossy();
            name.ends_with(".md") && name != "_index.md"
        })
        .map(|e| {
            e.path()
                .strip_prefix(content)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    pages.sort();
    pages
}

/// Copies a folder tree.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The repository's root folder.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A site made of this repository's own `content/`, `templates/`, `static/` and `site.toml`,
/// not built yet.
pub fn own_site() -> Site {
    let site = Site::new();
    for part in ["content", "static", "templates"] {
        if repo().join(part).exists() {
            copy_tree(&repo().join(part), &site.root().join(part));
        }
    }
    std::fs::copy(repo().join("site.toml"), site.root().join("site.toml")).unwrap();
    site
}

/// A site of `posts` synthetic posts at `content/posts/<slug>/index.md`, made by the
/// repository's own generator (`tools/corpus`, seed 1), with `site_toml` as its `site.toml`;
/// not built yet.
pub fn generated_site(posts: usize, site_toml: &str) -> Site {
    let site = Site::new();
    pamphlet_corpus::generate(site.root(), posts, pamphlet_corpus::DEFAULT_SEED)
        .unwrap_or_else(|e| panic!("cannot generate {posts} posts: {e}"));
    site.write("site.toml", site_toml);
    site
}

/// Every file under `dir` whose name ends with `suffix`, sorted.
pub fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file() && e.file_name().to_string_lossy().ends_with(suffix))
        .map(walkdir::DirEntry::into_path)
        .collect();
    files.sort();
    files
}

/// The content of a gzip stream, which must be whole.
pub fn gunzip(packed: &[u8]) -> Vec<u8> {
    let mut content = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(packed), &mut content)
        .expect("a whole gzip stream");
    content
}
