//! Scheduled posts and `expires:` through the real binary: a post dated after the build is
//! held back from every output until its date (`--future` publishes it, `serve` shows it
//! marked), an expired page is left out, and the summary says when to rebuild.

use crate::common::Site;
use crate::common::serving::Serving;

/// Every file of the output that mentions `needle`.
fn files_mentioning(site: &Site, needle: &str) -> Vec<String> {
    crate::common::snapshot(&site.public())
        .into_iter()
        .filter(|(_, bytes)| String::from_utf8_lossy(bytes).contains(needle))
        .map(|(file, _)| file)
        .collect()
}

/// The outputs that list posts: the home page, the feeds, the sitemap and a tag page.
const LISTINGS: [&str; 5] = [
    "index.html",
    "rss.xml",
    "atom.xml",
    "sitemap.xml",
    "tags/news/index.html",
];

fn scheduled_site() -> Site {
    let site = Site::new();
    site.post(
        "past",
        "title: Past\ndate: 2020-01-01\ntags: [news]",
        "Published.",
    );
    site.post(
        "soon",
        "title: Soon Coming\ndate: 2999-01-05\ntags: [news]",
        "Written ahead.",
    );
    site.post(
        "later",
        "title: Later Coming\ndate: 2999-06-01",
        "Further ahead.",
    );
    site.post(
        "gone",
        "title: Gone Away\ndate: 2020-01-01\nexpires: 2021-01-01\ntags: [news]",
        "Expired.",
    );
    site.post(
        "lasting",
        "title: Lasting\ndate: 2020-01-01\nexpires: 2999-01-01",
        "Still here.",
    );
    site
}

#[test]
fn future_posts_are_held_back_from_every_output_and_the_summary_says_when() {
    let site = scheduled_site();
    let out = site.run(&["build"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(
            "Held back 2 pages dated in the future; the next is due January 5, 2999 \
             (rebuild then, or pass --future)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("Left out 1 page past its expires date"),
        "{stdout}"
    );
    for held in [
        "Soon Coming",
        "Later Coming",
        "Gone Away",
        "/blog/soon/",
        "/blog/gone/",
    ] {
        assert_eq!(
            files_mentioning(&site, held),
            Vec::<String>::new(),
            "{held}"
        );
    }
    assert!(!site.exists("blog/soon/index.html") && !site.exists("blog/gone/index.html"));
    // What is published is complete: lists, feeds, the sitemap and the tag page.
    for file in LISTINGS {
        assert!(site.read(file).contains("/blog/past/"), "{file}");
    }
    assert!(site.read("index.html").contains("/blog/lasting/"));
}

#[test]
fn future_publishes_scheduled_posts_as_any_other() {
    let site = scheduled_site();
    let out = site.run(&["build", "--future"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(!stdout.contains("Held back"), "{stdout}");
    assert!(
        stdout.contains("Left out 1 page past its expires date"),
        "{stdout}"
    );
    for file in LISTINGS {
        assert!(site.read(file).contains("/blog/soon/"), "{file}");
    }
    let page = site.html("blog/soon/index.html");
    assert!(
        crate::common::texts(&page, ".scheduled").is_empty(),
        "marked in a build"
    );
    assert!(
        !site.exists("blog/gone/index.html"),
        "expired pages stay out"
    );
}

#[test]
fn serve_shows_scheduled_posts_marked_and_leaves_expired_ones_out() {
    let site = scheduled_site();
    let serving = Serving::start(site.root(), &[]);
    let mut client = serving.connect();
    let soon = client.get("/blog/soon/").unwrap();
    assert_eq!(soon.status, 200);
    let notes = crate::common::texts(&scraper::Html::parse_document(&soon.text()), ".scheduled");
    assert_eq!(notes.len(), 1, "{}", soon.text());
    assert!(notes[0].contains("January 5, 2999"), "{notes:?}");
    let past = client.get("/blog/past/").unwrap().text();
    assert!(
        !past.contains("class=\"scheduled\""),
        "a published post is not marked"
    );
    assert_eq!(client.get("/blog/gone/").unwrap().status, 404);
    assert!(client.get("/").unwrap().text().contains("/blog/soon/"));
}

#[test]
fn a_date_in_the_past_is_published_at_once() {
    let site = Site::new();
    site.post("now", "title: Now\ndate: 2000-01-01T00:00:00Z", "Text.");
    let out = site.run(&["build"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && !stdout.contains("Held back"),
        "{stdout}"
    );
    assert!(site.exists("blog/now/index.html"));
}
