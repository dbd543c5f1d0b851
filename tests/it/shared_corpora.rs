//! The second layer: real-world content beside the repository, in `../shared/` (or
//! `$PAMPHLET_SHARED`): the seed post this repository's essay was copied from, and the corpora
//! in `corpora/` (gatsby-starter-blog and the Rust blog, 700-odd posts). Only CI and machines
//! that have the folder run these; `scripts/test` skips this module when it is missing (and
//! fails instead when `CI=true`). `corpora.rs` tests the same shapes on the repository's own
//! fixtures.

use crate::common::{self, Site, attrs, copy_tree, page_sources, repo, shared_path, texts};

#[test]
fn the_essay_is_the_seed_post_verbatim() {
    let essay =
        std::fs::read(repo().join("content/blog/serverless-is-more-secure/index.md")).unwrap();
    let seed = std::fs::read(shared_path("seed/serverless-is-more-secure.md")).unwrap();
    assert!(essay == seed, "the essay is the seed post, verbatim");
}

#[test]
fn gatsby_starter_blog_builds_every_post_and_copies_its_image() {
    let site = Site::new();
    let content = shared_path("corpora/gatsby-starter-blog/content");
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
    // The photo is published at its own URL, the same picture without its metadata.
    let published = std::fs::read(site.public().join("blog/hello-world/salty_egg.jpg")).unwrap();
    let source = std::fs::read(content.join("blog/hello-world/salty_egg.jpg")).unwrap();
    let (published_image, source_image) = (
        image::load_from_memory(&published).unwrap(),
        image::load_from_memory(&source).unwrap(),
    );
    assert_eq!(
        (published_image.width(), published_image.height()),
        (source_image.width(), source_image.height())
    );
    assert!(published.len() <= source.len());
    assert!(
        exif::Reader::new()
            .read_from_container(&mut std::io::Cursor::new(&published))
            .is_err(),
        "no EXIF is published"
    );
    let hello = site.html("blog/hello-world/index.html");
    let sizes = (
        attrs(&hello, "img[alt='Chinese Salty Egg']", "width"),
        attrs(&hello, "img[alt='Chinese Salty Egg']", "height"),
    );
    assert_eq!(sizes.0.len(), 1, "the local image gets its size");
    assert_eq!(sizes.1.len(), 1, "the local image gets its size");
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
    let content = shared_path("corpora/rust-blog/content");
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
