//! Real-world content: this repository's own site and the corpora in `../shared/corpora/`.

use crate::common;
use std::path::Path;

use crate::common::{Site, attrs, copy_tree, shared, texts};

/// Markdown pages (not `_index.md`) under a content folder.
fn page_sources(content: &Path) -> Vec<String> {
    walkdir::WalkDir::new(content)
        .into_iter()
        .filter_map(Result::ok)
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
        .collect()
}

#[test]
fn this_repository_builds_its_own_blog() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let essay =
        std::fs::read(repo.join("content/blog/serverless-is-more-secure/index.md")).unwrap();
    let seed = std::fs::read(shared().join("seed/serverless-is-more-secure.md")).unwrap();
    assert_eq!(essay, seed, "the essay is the seed post, verbatim");

    let site = Site::new();
    for part in ["content", "static", "templates"] {
        if repo.join(part).exists() {
            copy_tree(&repo.join(part), &site.root().join(part));
        }
    }
    std::fs::copy(repo.join("site.toml"), site.root().join("site.toml")).unwrap();
    site.build_ok();

    let home = site.html("index.html");
    assert_eq!(
        attrs(&home, ".post-list h2 a", "href")[0],
        "/blog/serverless-is-more-secure/"
    );
    let essay = site.html("blog/serverless-is-more-secure/index.html");
    assert_eq!(
        texts(&essay, "h1"),
        ["Serverless is more secure, not less (and why firewalls won't save you)"]
    );
    assert_eq!(texts(&essay, "article time"), ["July 2, 2019"]);
    assert_eq!(
        attrs(&essay, "article time", "datetime"),
        ["2019-07-02T22:12:03.284Z"]
    );
    assert_eq!(
        attrs(&essay, "h2[id]", "id"),
        ["why-firewalls-won-t-save-you"]
    );
    let about = site.html("about/index.html");
    assert_eq!(texts(&about, "h1"), ["About"]);
    assert_eq!(
        attrs(&about, ".content a", "href")[0],
        "/blog/serverless-is-more-secure/"
    );
}

#[test]
fn gatsby_starter_blog_builds_every_post_and_copies_its_image() {
    let site = Site::new();
    let content = shared().join("corpora/gatsby-starter-blog/content");
    copy_tree(&content, &site.root().join("content"));
    let outcome = site.build_ok();

    let posts = page_sources(&content);
    assert_eq!(posts.len(), 3);
    assert_eq!(outcome.pages, posts.len());
    for post in &posts {
        let slug = post
            .trim_end_matches("/index.md")
            .trim_start_matches("blog/");
        assert!(site.exists(&format!("blog/{slug}/index.html")), "{post}");
    }
    assert_eq!(
        std::fs::read(site.public().join("blog/hello-world/salty_egg.jpg")).unwrap(),
        std::fs::read(content.join("blog/hello-world/salty_egg.jpg")).unwrap()
    );
    let hello = site.html("blog/hello-world/index.html");
    let sizes = (
        attrs(&hello, "img[alt='Chinese Salty Egg']", "width"),
        attrs(&hello, "img[alt='Chinese Salty Egg']", "height"),
    );
    assert_eq!(sizes.0.len(), 1, "the local image gets its size");
    assert_eq!(
        attrs(&hello, "img[alt='Chinese Salty Egg']", "src"),
        ["/blog/hello-world/salty_egg.jpg"]
    );
    let home = site.html("index.html");
    assert_eq!(texts(&home, ".post-list h2").len(), 3);
}

#[test]
fn rust_blog_builds_every_post_keeping_paths_and_aliases() {
    let site = Site::new();
    let content = shared().join("corpora/rust-blog/content");
    copy_tree(&content, &site.root().join("content"));
    // The corpus links to a file it does not include; that must not stop the build here.
    site.write(
        "site.toml",
        "title = \"Rust Blog\"\nbase_url = \"https://blog.rust-lang.org\"\n[markdown]\nbroken_links = \"warning\"\n",
    );
    let outcome = site.build_ok();
    let posts = page_sources(&content);
    assert!(posts.len() > 700);
    assert_eq!(outcome.pages, posts.len(), "one page per post");

    // A TOML-fronted post keeps its `path`, and its alias redirects there.
    assert_eq!(
        texts(&site.html("2025/06/26/Rust-1.88.0/index.html"), "h1"),
        ["Announcing Rust 1.88.0"]
    );
    let alias = site.html("releases/1.88.0/index.html");
    assert_eq!(
        attrs(&alias, "meta[http-equiv=refresh]", "content"),
        ["0; url=/2025/06/26/Rust-1.88.0/"]
    );
    let warnings = common::render(&outcome.warnings);
    assert!(
        warnings
            .contains("content/_index.md:5: warning: unknown front matter field `generate_feeds`"),
        "{warnings}"
    );
    assert!(
        warnings.contains("broken link `./rust-vision-doc.md`"),
        "{warnings}"
    );
    // Template-like text in code stays text.
    let generated = common::snapshot(&site.public());
    assert!(
        generated
            .values()
            .any(|bytes| String::from_utf8_lossy(bytes).contains("{{closure}}")),
        "`{{{{closure}}}}` in the corpus must reach the output as text"
    );
}
