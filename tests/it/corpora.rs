//! Realistic content the repository owns: its own site, and the fixture sites in
//! `tests/fixtures/`, laid out like a gatsby-starter-blog and a Zola blog. They stand in for the
//! real-world corpora beside the repository, which `shared_corpora.rs` builds when they are
//! there, so a fresh clone tests the same shapes.

use std::io::Cursor;

use crate::common::{self, Site, attrs, fixture_site, own_site, page_sources, texts};

#[test]
fn this_repository_builds_its_own_blog() {
    let site = own_site();
    site.build_ok();

    let home = site.html("index.html");
    assert_eq!(
        attrs(&home, ".post-list h2 a", "href")[0],
        "/blog/serverless-is-more-secure/"
    );
    let essay = site.html("blog/serverless-is-more-secure/index.html");
    assert_eq!(
        texts(&essay, "h1"),
        ["Serverless is more secure, not less (and why firewalls won’t save you)"]
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

/// A real image of `width` × `height` pixels, encoded by the `image` crate: a gradient, so the
/// encoder has something to compress.
fn picture(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let pixels = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 140])
    });
    let mut bytes = Cursor::new(Vec::new());
    pixels.write_to(&mut bytes, format).unwrap();
    bytes.into_inner()
}

/// The image in the page matching `alt`: its `src`, `width` and `height`.
fn image_attrs(page: &scraper::Html, alt: &str) -> [Vec<String>; 3] {
    let img = format!("img[alt='{alt}']");
    ["src", "width", "height"].map(|attr| attrs(page, &img, attr))
}

#[test]
fn a_gatsby_starter_blog_builds_every_post_and_copies_its_images_with_their_sizes() {
    let site = fixture_site("gatsby-blog");
    let photo = picture(160, 90, image::ImageFormat::Jpeg);
    let scan = picture(48, 64, image::ImageFormat::Png);
    site.write_bytes("content/blog/first-light/photo.jpg", &photo);
    site.write_bytes("content/blog/a-second-draft/scan.png", &scan);
    let outcome = site.build_ok();
    assert_eq!(common::render(&outcome.warnings), "", "no warning");

    let posts = page_sources(&site.root().join("content"));
    assert_eq!(posts.len(), 3);
    assert_eq!(outcome.pages, posts.len(), "one page per post");
    for post in &posts {
        let slug = post
            .trim_end_matches("/index.md")
            .trim_start_matches("blog/");
        assert!(site.exists(&format!("blog/{slug}/index.html")), "{post}");
    }

    let copied = std::fs::read(site.public().join("blog/first-light/photo.jpg")).unwrap();
    assert!(copied == photo, "the JPEG is copied byte for byte");
    let decoded = image::load_from_memory(&copied).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (160, 90));
    let first = site.html("blog/first-light/index.html");
    assert_eq!(
        image_attrs(&first, "The harbour before sunrise"),
        [["/blog/first-light/photo.jpg"], ["160"], ["90"]]
    );
    let copied = std::fs::read(site.public().join("blog/a-second-draft/scan.png")).unwrap();
    assert!(copied == scan, "the PNG is copied byte for byte");
    let second = site.html("blog/a-second-draft/index.html");
    assert_eq!(
        image_attrs(&second, "The paragraph, crossed out and rewritten"),
        [["/blog/a-second-draft/scan.png"], ["48"], ["64"]]
    );

    // The date keeps its milliseconds; the list is newest first.
    assert_eq!(
        attrs(&first, "article time", "datetime"),
        ["2015-05-01T22:12:03.284Z"]
    );
    assert_eq!(texts(&first, "article time"), ["May 1, 2015"]);
    let home = site.html("index.html");
    assert_eq!(
        texts(&home, ".post-list h2"),
        ["Starting Over", "A Second Draft", "First Light"]
    );
    // A folder link and a link to a post's index.md both lead to the post.
    let last = site.html("blog/starting-over/index.html");
    let links = attrs(&last, ".content a", "href");
    assert_eq!(links, ["/blog/first-light/", "/blog/a-second-draft/"]);
}

/// The warnings a build of the Zola fixture must give, each at its file and line, and no other.
const ZOLA_WARNINGS: [&str; 4] = [
    "content/_index.md:5: warning: unknown front matter field `generate_feeds`",
    "content/inside/_index.md:6: warning: unknown front matter field `generate_feeds`",
    "content/planning-the-next-year.md:9:25: warning: broken link `./missing-doc.md`",
    "content/releases/_index.md:3: warning: `template` names `releases.html`",
];

#[test]
fn a_zola_blog_builds_every_post_keeping_paths_aliases_and_template_like_text() {
    let site = fixture_site("zola-blog");
    let outcome = site.build_ok();
    let posts = page_sources(&site.root().join("content"));
    assert_eq!(posts.len(), 8);
    assert_eq!(outcome.pages, posts.len(), "one page per post");

    let warnings = common::render(&outcome.warnings);
    let lines: Vec<&str> = warnings
        .lines()
        .filter(|l| l.contains(": warning: "))
        .collect();
    assert_eq!(lines.len(), ZOLA_WARNINGS.len(), "{warnings}");
    for (line, expected) in lines.iter().zip(ZOLA_WARNINGS) {
        assert!(
            line.starts_with(expected),
            "{line}\nshould start with\n{expected}"
        );
    }

    // A TOML-fronted post keeps its `path`, as written, and its aliases redirect there.
    let release = site.html("2025/06/26/Lantern-1.0.0/index.html");
    assert_eq!(texts(&release, "h1"), ["Announcing Lantern 1.0.0"]);
    for (alias, path) in [
        ("releases/1.0.0", "/2025/06/26/Lantern-1.0.0/"),
        ("releases/0.9.0", "/2025/05/15/Lantern-0.9.0/"),
    ] {
        let redirect = site.html(&format!("{alias}/index.html"));
        assert_eq!(
            attrs(&redirect, "meta[http-equiv=refresh]", "content"),
            [format!("0; url={path}")]
        );
    }
    // Links to content files reach the pages at their `path`; the broken one leads nowhere.
    let planning = site.html("planning-the-next-year/index.html");
    let links = attrs(&planning, ".content a", "href");
    assert!(
        links.contains(&"/2025/06/26/Lantern-1.0.0/".to_string()),
        "{links:?}"
    );
    assert!(
        links.iter().all(|l| !l.contains("missing-doc")),
        "{links:?}"
    );
    assert_eq!(
        attrs(&release, ".content a", "href").last().unwrap(),
        "/2025/05/15/Lantern-0.9.0/"
    );

    // Template-like text in code stays text, in the page and in the bytes written.
    let code = texts(&release, "pre code").concat();
    for text in [
        "::{{closure}}",
        "{% raw %}<h1>{{ page.title }}</h1>{% endraw %}",
    ] {
        assert!(
            code.contains(text),
            "`{text}` is missing from the code:\n{code}"
        );
    }
    let generated = common::snapshot(&site.public());
    assert!(
        generated
            .values()
            .any(|bytes| String::from_utf8_lossy(bytes).contains("{{closure}}")),
        "`{{{{closure}}}}` in the fixture must reach the output as text"
    );

    zola_section_is_paginated_newest_first(&site);
}

/// `inside/` has five posts and `paginate_by = 2`: three list pages, the undated post last.
fn zola_section_is_paginated_newest_first(site: &Site) {
    let listed = |rel: &str| texts(&site.html(rel), ".post-list h2");
    assert_eq!(
        listed("inside/index.html"),
        [
            "Call for Testing: the New Index Format",
            "Notes from the Query Engine Meeting"
        ]
    );
    assert_eq!(
        listed("inside/page/2/index.html"),
        [
            "Welcoming Two New Maintainers",
            "What the Contributor Survey Told Us"
        ]
    );
    assert_eq!(
        listed("inside/page/3/index.html"),
        ["How a Release Is Made"]
    );
    assert!(!site.exists("inside/page/4/index.html"));
    // A TOML datetime with an offset keeps it, and the author's day; `authors` name a
    // post's writers.
    let survey = site.html("inside/survey-results/index.html");
    assert_eq!(
        attrs(&survey, "article time", "datetime"),
        ["2025-01-20T16:45:00+01:00"]
    );
    assert_eq!(texts(&survey, ".author strong"), ["Community Team"]);
    let welcome = site.html("inside/welcome-new-maintainers/index.html");
    assert_eq!(
        texts(&welcome, ".author strong"),
        ["Mira Kowalczyk, Tomasz Brandt"]
    );
}
