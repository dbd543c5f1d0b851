//! What a blog needs besides its posts, as a Zola or Hugo user expects it: taxonomies,
//! pagination, neighbours, feeds, the sitemap and robots.txt, the 404 page, aliases, head
//! metadata and escaping, and the `check`, `new` and `init` commands. Every test builds a real
//! fixture site and reads the output back.

use crate::common;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{Site, attrs, files_ending, texts};
use scraper::{Html, Selector};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn config(extra: &str) -> String {
    format!("title = \"Test site\"\nbase_url = \"https://example.com\"\n{extra}")
}

/// Titles of the posts a list page shows.
fn listed(site: &Site, rel: &str) -> Vec<String> {
    texts(&site.html(rel), ".post-list h2")
}

/// `rel=prev` and `rel=next` of a page, from its links and from its head.
fn rel_links(site: &Site, rel: &str) -> [(Vec<String>, Vec<String>); 2] {
    let html = site.html(rel);
    [
        (
            attrs(&html, "a[rel=prev]", "href"),
            attrs(&html, "link[rel=prev]", "href"),
        ),
        (
            attrs(&html, "a[rel=next]", "href"),
            attrs(&html, "link[rel=next]", "href"),
        ),
    ]
}

/// Asserts the redirect page at `rel` sends visitors to `to` with no JavaScript.
fn assert_redirect(site: &Site, rel: &str, to: &str) {
    let raw = site.read(rel);
    let html = site.html(rel);
    assert_eq!(
        attrs(&html, "meta[http-equiv=refresh]", "content"),
        [format!("0; url={to}")],
        "{rel}"
    );
    assert_eq!(
        attrs(&html, "link[rel=canonical]", "href"),
        [format!("https://example.com{to}")],
        "{rel}"
    );
    assert!(
        attrs(&html, "a", "href").contains(&to.to_string()),
        "{rel}: {raw}"
    );
    assert!(
        !raw.contains("<script") && !raw.to_lowercase().contains("javascript"),
        "{rel}: {raw}"
    );
}

/// True for the HTML of a redirect page.
fn is_redirect(html: &str) -> bool {
    html.contains("http-equiv=\"refresh\"")
}

/// The URL a page file is served at: `blog/x/index.html` → `/blog/x/`.
fn url_of(rel: &str) -> String {
    match rel.strip_suffix("index.html") {
        Some(folder) => format!("/{folder}"),
        None => format!("/{rel}"),
    }
}

/// Every HTML file of the output but redirects, relative to `public/`.
fn pages(site: &Site) -> Vec<String> {
    files_ending(&site.public(), ".html")
        .into_iter()
        .map(|p| rel_path(&site.public(), &p))
        .filter(|rel| !is_redirect(&site.read(rel)))
        .collect()
}

fn rel_path(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

fn parse_feed(site: &Site, rel: &str) -> feed_rs::model::Feed {
    feed_rs::parser::Builder::new()
        .sanitize_content(false)
        .build()
        .parse(site.read(rel).as_bytes())
        .unwrap_or_else(|e| panic!("{rel} does not parse: {e}"))
}

fn entry_titles(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| {
            e.title
                .as_ref()
                .map(|t| t.content.clone())
                .unwrap_or_default()
        })
        .collect()
}

/// The HTML an entry carries: Atom's content, or RSS's description.
fn entry_html(entry: &feed_rs::model::Entry) -> String {
    entry
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .or_else(|| entry.summary.as_ref().map(|s| s.content.clone()))
        .unwrap_or_default()
}

fn seconds(date: &str) -> i64 {
    let date = pamphlet::load::date::PostDate::parse(date).unwrap();
    date.instant.as_second()
}

// ---------------------------------------------------------------------------------------------
// Tags and categories

#[test]
fn tags_page_lists_every_tag_with_its_count_and_case_variants_are_one_tag() {
    let site = Site::new();
    site.write("site.toml", &config("paginate_by = 2\n"));
    site.post(
        "a",
        "title: A\ndate: 2020-01-01\ntags: [Rust, web]\ncategories: [Notes]",
        "a",
    );
    // The same tag twice in one post counts once.
    site.post("b", "title: B\ndate: 2020-01-02\ntags: [rust, Rust]", "b");
    site.post(
        "c",
        "title: C\ndate: 2020-01-03\ntags: [RUST, Web]\ncategories: notes",
        "c",
    );
    site.post("d", "title: D\ndate: 2020-01-04\ntags: Other", "d");
    site.build_ok();

    let tags = site.html("tags/index.html");
    assert_eq!(texts(&tags, "h1"), ["Tags"]);
    assert_eq!(
        texts(&tags, ".terms li"),
        ["Other (1)", "Rust (3)", "web (2)"],
        "every tag once, with its count, named as first written"
    );
    assert_eq!(
        attrs(&tags, ".terms li a", "href"),
        ["/tags/other/", "/tags/rust/", "/tags/web/"]
    );
    let tag_dirs: Vec<String> = std::fs::read_dir(site.public().join("tags"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(tag_dirs, ["index.html", "other", "rust", "web"]);

    // A tag's page lists its posts, newest first, paginated like any list.
    assert_eq!(listed(&site, "tags/rust/index.html"), ["C", "B"]);
    assert_eq!(listed(&site, "tags/rust/page/2/index.html"), ["A"]);
    assert!(!site.exists("tags/rust/page/3/index.html"));
    let [prev, next] = rel_links(&site, "tags/rust/index.html");
    assert_eq!(prev, (vec![], vec![]));
    assert_eq!(next.0, ["/tags/rust/page/2/"]);
    assert_eq!(next.1, ["/tags/rust/page/2/"]);
    let [prev, _] = rel_links(&site, "tags/rust/page/2/index.html");
    assert_eq!(prev.1, ["/tags/rust/"]);
    assert_redirect(&site, "tags/rust/page/1/index.html", "/tags/rust/");
    assert!(
        texts(&site.html("tags/rust/index.html"), "h1")[0].contains("Rust"),
        "the tag page names its tag"
    );

    // Posts link to their tags; the nav links to the lists of terms.
    let c = site.html("blog/c/index.html");
    assert_eq!(
        attrs(&c, "ul.tags a", "href"),
        ["/tags/rust/", "/tags/web/"]
    );
    let nav = attrs(&c, "nav[aria-label=Site] a", "href");
    assert!(nav.contains(&"/tags/".to_string()), "{nav:?}");
    assert!(nav.contains(&"/categories/".to_string()), "{nav:?}");

    // Categories work the same way.
    let categories = site.html("categories/index.html");
    assert_eq!(texts(&categories, ".terms li"), ["Notes (2)"]);
    assert_eq!(listed(&site, "categories/notes/index.html"), ["C", "A"]);
}

// ---------------------------------------------------------------------------------------------
// Pagination

#[test]
fn home_and_sections_paginate_with_rel_prev_next_and_page_one_redirects() {
    let site = Site::new();
    site.write("site.toml", &config("paginate_by = 2\n"));
    for n in 1..=5 {
        site.post(
            &format!("p{n}"),
            &format!("title: P{n}\ndate: 2020-01-0{n}"),
            "x",
        );
    }
    site.write(
        "content/notes/_index.md",
        "---\ntitle: Notes\npaginate_by: 1\n---\n",
    );
    for n in 1..=2 {
        site.write(
            &format!("content/notes/n{n}.md"),
            &format!("---\ntitle: N{n}\ndate: 2019-01-0{n}\n---\nx"),
        );
    }
    site.build_ok();

    for (list, first) in [("", "/"), ("blog/", "/blog/")] {
        let page = |n: usize| match n {
            1 => format!("{list}index.html"),
            n => format!("{list}page/{n}/index.html"),
        };
        let url = |n: usize| match n {
            1 => first.to_string(),
            n => format!("{first}page/{n}/"),
        };
        assert_eq!(listed(&site, &page(1)), ["P5", "P4"], "{first}");
        assert_eq!(listed(&site, &page(2)), ["P3", "P2"], "{first}");
        assert_eq!(listed(&site, &page(3)), ["P1"], "{first}");
        assert!(!site.exists(&page(4)), "{first}");
        for n in 1..=3 {
            let [prev, next] = rel_links(&site, &page(n));
            let want_prev: Vec<String> = (n > 1).then(|| url(n - 1)).into_iter().collect();
            let want_next: Vec<String> = (n < 3).then(|| url(n + 1)).into_iter().collect();
            assert_eq!(prev, (want_prev.clone(), want_prev), "{} prev", page(n));
            assert_eq!(next, (want_next.clone(), want_next), "{} next", page(n));
            assert_eq!(
                attrs(&site.html(&page(n)), "link[rel=canonical]", "href"),
                [format!("https://example.com{}", url(n))]
            );
        }
        assert_redirect(&site, &format!("{list}page/1/index.html"), first);
    }
    assert!(
        texts(&site.html("page/2/index.html"), "title")[0].contains("2"),
        "a later page says which page it is in its title"
    );

    // `paginate_by` in a section's `_index.md` wins over site.toml.
    assert_eq!(listed(&site, "notes/index.html"), ["N2"]);
    assert_eq!(listed(&site, "notes/page/2/index.html"), ["N1"]);
    assert!(!site.exists("notes/page/3/index.html"));

    // ...and so does the root `_index.md` for the home page; 0 turns pagination off.
    site.write("content/_index.md", "---\npaginate_by: 3\n---\n");
    site.build_ok();
    assert_eq!(listed(&site, "index.html"), ["P5", "P4", "P3"]);
    assert_eq!(listed(&site, "page/2/index.html"), ["P2", "P1"]);
    assert!(!site.exists("page/3/index.html"));
    site.write("content/_index.md", "---\npaginate_by: 0\n---\n");
    site.build_ok();
    assert_eq!(listed(&site, "index.html").len(), 5);
    assert!(!site.exists("page/2/index.html") && !site.exists("page/1/index.html"));
    assert_eq!(rel_links(&site, "index.html")[1], (vec![], vec![]));
}

// ---------------------------------------------------------------------------------------------
// Neighbours

#[test]
fn posts_link_to_the_older_previous_and_the_newer_next_post_by_date() {
    let site = Site::new();
    // File names in another order than the dates.
    site.post("zeta", "title: Oldest\ndate: 2020-01-01", "x");
    site.post("alpha", "title: Newest\ndate: 2020-03-01", "x");
    site.post("mid", "title: Middle\ndate: \"2020-02-01T10:00:00Z\"", "x");
    site.build_ok();
    let neighbours = |slug: &str| {
        let html = site.html(&format!("blog/{slug}/index.html"));
        (
            attrs(&html, "a[rel=prev]", "href"),
            texts(&html, "a[rel=prev]"),
            attrs(&html, "a[rel=next]", "href"),
            texts(&html, "a[rel=next]"),
        )
    };
    let (prev, prev_text, next, next_text) = neighbours("mid");
    assert_eq!(prev, ["/blog/zeta/"]);
    assert!(prev_text[0].contains("Oldest"), "{prev_text:?}");
    assert_eq!(next, ["/blog/alpha/"]);
    assert!(next_text[0].contains("Newest"), "{next_text:?}");
    let (prev, _, next, _) = neighbours("zeta");
    assert!(prev.is_empty());
    assert_eq!(next, ["/blog/mid/"]);
    let (prev, _, next, _) = neighbours("alpha");
    assert_eq!(prev, ["/blog/mid/"]);
    assert!(next.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Feeds

/// A 3×2 PNG.
const PNG: [u8; 33] = [
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0,
    3, 0, 0, 0, 2, 8, 6, 0, 0, 0, 0, 0, 0, 0,
];

fn feed_site(feeds: &str) -> Site {
    let site = Site::new();
    site.write(
        "site.toml",
        &config(&format!(
            "description = \"A feed test.\"\nauthor = \"Ann\"\n[feeds]\n{feeds}"
        )),
    );
    for n in 1..=4 {
        let updated = if n == 3 { "\nupdated: 2021-06-01" } else { "" };
        site.post(
            &format!("p{n}"),
            &format!("title: P{n}\ndate: 2020-01-0{n}{updated}\ntags: [rust]"),
            &format!("Body of P{n}."),
        );
    }
    site.write_bytes("content/blog/p5/egg.png", &PNG);
    site.post(
        "p5",
        "title: P5\ndate: \"2020-01-05T10:30:00Z\"\ntags: [rust, web]",
        "Teaser with a [link](../p1/index.md).\n\n<!-- more -->\n\n## Part two\n\n\
         Back to [part two](#part-two), a note[^1], ![An egg](egg.png),\n\
         <a href=\"/about/\">raw HTML</a>, [elsewhere](https://other.example/x) and \
         [mail](mailto:a@example.org).\n\nThe very last sentence.\n\n[^1]: The note.",
    );
    site.post("undated", "title: Undated", "No date.");
    site.write("content/about.md", "---\ntitle: About\n---\nAbout.");
    site
}

#[test]
fn rss_and_atom_hold_the_newest_posts_in_full_with_absolute_urls_and_dates() {
    let site = feed_site("limit = 3\n");
    site.build_ok();
    for feed_file in ["rss.xml", "atom.xml"] {
        let feed = parse_feed(&site, feed_file);
        assert_eq!(feed.title.as_ref().unwrap().content, "Test site");
        assert_eq!(
            entry_titles(&feed),
            ["P5", "P4", "P3"],
            "{feed_file}: the newest `limit` dated posts"
        );
        let links: Vec<&str> = feed
            .entries
            .iter()
            .map(|e| e.links[0].href.as_str())
            .collect();
        assert_eq!(
            links,
            [
                "https://example.com/blog/p5/",
                "https://example.com/blog/p4/",
                "https://example.com/blog/p3/"
            ],
            "{feed_file}"
        );
        let published: Vec<i64> = feed
            .entries
            .iter()
            .map(|e| e.published.unwrap().timestamp())
            .collect();
        assert_eq!(
            published,
            [
                seconds("2020-01-05T10:30:00Z"),
                seconds("2020-01-04"),
                seconds("2020-01-03")
            ],
            "{feed_file}"
        );

        // The full post, not the summary, with every URL in it absolute.
        let html = entry_html(&feed.entries[0]);
        assert!(
            html.contains("Teaser with a") && html.contains("The very last sentence."),
            "{feed_file}: {html}"
        );
        let fragment = Html::parse_fragment(&html);
        let urls: Vec<String> = [("a", "href"), ("img", "src")]
            .iter()
            .flat_map(|(tag, attr)| attrs(&fragment, tag, attr))
            .collect();
        for expected in [
            "https://example.com/blog/p1/",
            "https://example.com/blog/p5/#part-two",
            "https://example.com/about/",
            "https://example.com/blog/p5/egg.png",
            "https://other.example/x",
            "mailto:a@example.org",
        ] {
            assert!(
                urls.iter().any(|u| u == expected),
                "{feed_file}: no {expected} in {urls:?}"
            );
        }
        for url in &urls {
            assert!(
                url.starts_with("https://") || url.starts_with("mailto:"),
                "{feed_file}: relative URL `{url}` in the content"
            );
        }
    }

    // Atom also says when each post changed, and RSS and Atom when the feed did.
    let atom = parse_feed(&site, "atom.xml");
    let p3 = &atom.entries[2];
    assert_eq!(p3.updated.unwrap().timestamp(), seconds("2021-06-01"));
    assert_eq!(atom.updated.unwrap().timestamp(), seconds("2021-06-01"));
    assert_eq!(
        parse_feed(&site, "rss.xml").updated.unwrap().timestamp(),
        seconds("2021-06-01"),
        "lastBuildDate is the newest change of any entry"
    );

    // limit = 0: every dated post; undated ones never go in a feed.
    site.write("site.toml", &config("[feeds]\nlimit = 0\n"));
    site.build_ok();
    for feed_file in ["rss.xml", "atom.xml"] {
        let feed = parse_feed(&site, feed_file);
        assert_eq!(
            entry_titles(&feed),
            ["P5", "P4", "P3", "P2", "P1"],
            "{feed_file}"
        );
    }

    // Each format can be turned off.
    site.write("site.toml", &config("[feeds]\nrss = false\n"));
    site.build_ok();
    assert!(!site.exists("rss.xml") && site.exists("atom.xml"));
}

#[test]
fn every_page_head_links_to_the_feeds() {
    let site = feed_site("tags = true\n");
    site.build_ok();
    let pages = pages(&site);
    assert!(pages.len() > 10, "{pages:?}");
    for rel in &pages {
        let html = site.html(rel);
        assert_eq!(
            attrs(
                &html,
                "head link[rel=alternate][type=\"application/rss+xml\"]",
                "href"
            )[0],
            "/rss.xml",
            "{rel}"
        );
        assert_eq!(
            attrs(
                &html,
                "head link[rel=alternate][type=\"application/atom+xml\"]",
                "href"
            )[0],
            "/atom.xml",
            "{rel}"
        );
    }
}

#[test]
fn tag_feeds_exist_when_configured_and_hold_only_that_tag() {
    let site = feed_site("");
    site.build_ok();
    assert!(!site.exists("tags/rust/rss.xml") && !site.exists("tags/rust/atom.xml"));
    assert!(!site.exists("tags/rust/feed.json"));
    let tag_page = site.html("tags/web/index.html");
    assert_eq!(
        attrs(&tag_page, "head link[rel=alternate]", "href"),
        ["/rss.xml", "/atom.xml", "/feed.json"]
    );

    site.write("site.toml", &config("[feeds]\ntags = true\nlimit = 2\n"));
    site.build_ok();
    for feed_file in ["rss.xml", "atom.xml", "feed.json"] {
        let web = parse_feed(&site, &format!("tags/web/{feed_file}"));
        assert!(web.title.as_ref().unwrap().content.contains("web"));
        assert_eq!(entry_titles(&web), ["P5"]);
        let rust = parse_feed(&site, &format!("tags/rust/{feed_file}"));
        assert_eq!(
            entry_titles(&rust),
            ["P5", "P4"],
            "the limit holds per tag too"
        );
    }
    let tag_page = site.html("tags/web/index.html");
    assert_eq!(
        attrs(&tag_page, "head link[rel=alternate]", "href"),
        [
            "/rss.xml",
            "/atom.xml",
            "/feed.json",
            "/tags/web/rss.xml",
            "/tags/web/atom.xml",
            "/tags/web/feed.json"
        ]
    );
    assert!(!site.exists("categories/rss.xml"));
}

// ---------------------------------------------------------------------------------------------
// Sitemap and robots.txt

/// `(loc, lastmod)` of every `<url>` of a sitemap.
fn sitemap_urls(xml: &str) -> Vec<(String, Option<String>)> {
    let between = |text: &str, open: &str, close: &str| {
        let start = text.find(open)? + open.len();
        let end = text[start..].find(close)? + start;
        Some(text[start..end].to_string())
    };
    xml.split("<url>")
        .skip(1)
        .map(|entry| {
            (
                between(entry, "<loc>", "</loc>").unwrap(),
                between(entry, "<lastmod>", "</lastmod>"),
            )
        })
        .collect()
}

#[test]
fn sitemap_lists_every_page_with_its_last_change_and_robots_names_it() {
    let site = Site::new();
    site.post(
        "p1",
        "title: P1\ndate: 2020-01-01\nupdated: \"2021-02-03T04:05:06Z\"\naliases: [/old/]\ntags: [t]",
        "x",
    );
    site.post("p2", "title: P2\ndate: \"2020-05-05T10:00:00.250Z\"", "x");
    site.write("content/about.md", "---\ntitle: About\n---\nAbout.");
    site.build_ok();
    let xml = site.read("sitemap.xml");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
    let urls = sitemap_urls(&xml);
    let lastmod = |url: &str| {
        urls.iter()
            .find(|(loc, _)| loc == &format!("https://example.com{url}"))
            .unwrap_or_else(|| panic!("{url} is not in the sitemap:\n{xml}"))
            .1
            .clone()
    };
    assert_eq!(
        lastmod("/blog/p1/").as_deref(),
        Some("2021-02-03T04:05:06Z"),
        "updated wins"
    );
    assert_eq!(
        lastmod("/blog/p2/").as_deref(),
        Some("2020-05-05T10:00:00.250Z"),
        "else date"
    );
    assert_eq!(lastmod("/about/"), None, "an undated page has no lastmod");
    assert_eq!(
        lastmod("/").as_deref(),
        Some("2021-02-03T04:05:06Z"),
        "a list: its newest change"
    );
    lastmod("/blog/");
    lastmod("/tags/");
    lastmod("/tags/t/");

    // Exactly the real pages: no redirects, feeds, 404 or assets; each loc exists.
    let mut listed: Vec<String> = urls.iter().map(|(loc, _)| loc.clone()).collect();
    listed.sort();
    let mut expected: Vec<String> = pages(&site)
        .iter()
        .filter(|rel| rel.as_str() != "404.html")
        .map(|rel| format!("https://example.com{}", url_of(rel)))
        .collect();
    expected.sort();
    assert_eq!(listed, expected);

    assert_eq!(
        site.read("robots.txt"),
        "User-agent: *\nAllow: /\n\nSitemap: https://example.com/sitemap.xml\n"
    );
}

/// Past 50,000 URLs (the sitemaps.org limit per file) `sitemap.xml` becomes a sitemap index
/// of `sitemap-1.xml`, `sitemap-2.xml`, ... Rendering 50,000 pages in a debug build takes
/// minutes, so this builds the model of such a site in memory (no markdown, no templates) and
/// renders only its sitemap files, through the same functions the build uses.
#[test]
fn past_50000_urls_the_sitemap_becomes_an_index_of_parts() {
    use pamphlet::load::Sources;
    use pamphlet::load::date::PostDate;
    use pamphlet::load::front_matter::{DateField, PageFront};
    use pamphlet::model::{ModelOptions, Route, routes::SITEMAP_LIMIT};
    use pamphlet::render::sitemap::{robots, sitemap, sitemap_index};

    let model = |posts: usize| {
        let config = pamphlet::config::Config {
            base_url: "https://example.com".into(),
            paginate_by: 0,
            ..pamphlet::config::Config::default()
        };
        let date = PostDate::parse("2020-01-01").unwrap();
        let pages = (0..posts)
            .map(|i| pamphlet::load::PageDoc {
                rel: format!("blog/p{i:05}.md"),
                front: PageFront {
                    title: Some(format!("P{i}")),
                    date: Some(DateField(date)),
                    ..PageFront::default()
                }
                .into(),
                body: "".into(),
                body_line: 1,
                key_lines: Default::default(),
                words: Default::default(),
                text_hash: Default::default(),
            })
            .collect();
        let sources = Sources {
            pages,
            ..Sources::default()
        };
        let (site, problems) =
            pamphlet::model::build(config, sources, &[], ModelOptions::default());
        assert!(!problems.has_errors(), "{}", common::render(&problems));
        site
    };
    let sitemap_files = |site: &pamphlet::model::Site| {
        site.outputs
            .iter()
            .filter(|o| o.file.starts_with("sitemap"))
            .map(|o| (o.file.clone(), o.route.clone()))
            .collect::<Vec<_>>()
    };

    // Posts, the home page and /blog/: exactly the limit stays one sitemap.
    let site = model(SITEMAP_LIMIT - 2);
    assert_eq!(
        sitemap_files(&site),
        [("sitemap.xml".to_string(), Route::Sitemap(None))]
    );
    assert_eq!(sitemap(&site, None).matches("<url>").count(), SITEMAP_LIMIT);

    // One more URL makes an index of two parts.
    let site = model(SITEMAP_LIMIT - 1);
    assert_eq!(
        sitemap_files(&site),
        [
            ("sitemap.xml".to_string(), Route::SitemapIndex(2)),
            ("sitemap-1.xml".to_string(), Route::Sitemap(Some(0))),
            ("sitemap-2.xml".to_string(), Route::Sitemap(Some(1))),
        ]
    );
    let index = sitemap_index(&site, 2);
    assert_eq!(
        index,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n\
         <sitemap><loc>https://example.com/sitemap-1.xml</loc></sitemap>\n\
         <sitemap><loc>https://example.com/sitemap-2.xml</loc></sitemap>\n\
         </sitemapindex>\n"
    );
    let first = sitemap_urls(&sitemap(&site, Some(0)));
    let second = sitemap_urls(&sitemap(&site, Some(1)));
    assert_eq!((first.len(), second.len()), (SITEMAP_LIMIT, 1));
    let mut all: Vec<String> = first
        .into_iter()
        .chain(second)
        .map(|(loc, _)| loc)
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(
        all.len(),
        SITEMAP_LIMIT + 1,
        "every URL once, in one part or the other"
    );
    assert!(all.contains(&"https://example.com/".to_string()));
    assert!(all.contains(&"https://example.com/blog/p49998/".to_string()));
    assert!(robots(&site).contains("Sitemap: https://example.com/sitemap.xml\n"));
}

// ---------------------------------------------------------------------------------------------
// 404 and aliases

#[test]
fn not_found_page_has_the_theme_and_a_way_home() {
    let site = Site::new();
    site.post("a", "title: A", "x");
    site.build_ok();
    let home = site.html("index.html");
    let page = site.html("404.html");
    assert_eq!(texts(&page, "title"), ["Page not found · Test site"]);
    assert_eq!(texts(&page, "h1"), ["Page not found"]);
    assert_eq!(
        attrs(&page, "link[rel=stylesheet]", "href"),
        attrs(&home, "link[rel=stylesheet]", "href"),
        "the theme's stylesheet"
    );
    assert_eq!(texts(&page, ".site-header .site-title"), ["Test site"]);
    assert_eq!(attrs(&page, "html", "lang"), ["en"]);
    assert!(attrs(&page, "main a", "href").contains(&"/".to_string()));
    // It is served at any depth, so every link in it is root-relative or absolute.
    for url in attrs(&page, "[href]", "href")
        .into_iter()
        .chain(attrs(&page, "[src]", "src"))
    {
        assert!(
            url.starts_with('/') || url.starts_with("https://") || url.starts_with('#'),
            "{url}"
        );
    }
}

#[test]
fn aliases_get_redirect_pages_without_javascript_inside_the_output() {
    let site = Site::new();
    site.post(
        "p",
        "title: P\naliases: [\"/old/path/\", old-name.html, \"2019/07/02/p\"]",
        "x",
    );
    site.build_ok();
    for rel in [
        "old/path/index.html",
        "old-name.html",
        "2019/07/02/p/index.html",
    ] {
        assert_redirect(&site, rel, "/blog/p/");
        let html = site.html(rel);
        assert_eq!(attrs(&html, "meta[name=robots]", "content"), ["noindex"]);
    }
    assert!(!site.read("sitemap.xml").contains("old"));

    for bad in ["../../outside", "/a/../../outside", "..\\\\outside"] {
        let site = Site::new();
        site.post("p", &format!("title: P\naliases: [\"{bad}\"]"), "x");
        let errors = site.build_err();
        assert!(
            errors.contains("content/blog/p/index.md:3:") && errors.contains("unsafe alias"),
            "{bad}: {errors}"
        );
        assert!(!site.root().parent().unwrap().join("outside").exists());
        assert!(!site.public().exists());
    }
}

// ---------------------------------------------------------------------------------------------
// Head metadata and escaping

fn meta(html: &Html, key: &str) -> Vec<String> {
    let by_name = attrs(html, &format!("meta[name=\"{key}\"]"), "content");
    if by_name.is_empty() {
        attrs(html, &format!("meta[property=\"{key}\"]"), "content")
    } else {
        by_name
    }
}

fn json_ld(html: &Html) -> serde_json::Value {
    let scripts = texts(html, "script[type=\"application/ld+json\"]");
    assert_eq!(scripts.len(), 1, "one JSON-LD block");
    serde_json::from_str(&scripts[0]).unwrap_or_else(|e| panic!("JSON-LD: {e}: {}", scripts[0]))
}

#[test]
fn every_page_has_title_description_canonical_social_tags_lang_and_json_ld() {
    let site = Site::new();
    site.write(
        "site.toml",
        "title = \"Meta site\"\ndescription = \"A site about things.\"\nbase_url = \"https://example.com\"\nlanguage = \"fr-CA\"\nauthor = \"Ann Author\"\n",
    );
    site.post(
        "post",
        "title: A post\ndate: \"2020-02-03T04:05:06Z\"\nupdated: 2020-03-01\ndescription: What the post says.\ntags: [one]",
        "Body.",
    );
    site.post(
        "other",
        "title: Other\ndate: 2020-01-01",
        "First paragraph.\n\nSecond.",
    );
    site.write("content/about.md", "---\ntitle: About\n---\nAbout us.");
    site.build_ok();

    let pages = pages(&site);
    assert!(pages.len() >= 8, "{pages:?}");
    for rel in &pages {
        let html = site.html(rel);
        let canonical = format!("https://example.com{}", url_of(rel));
        assert_eq!(attrs(&html, "html", "lang"), ["fr-CA"], "{rel}");
        let title = texts(&html, "head title");
        assert!(
            title.len() == 1 && title[0].contains("Meta site"),
            "{rel}: {title:?}"
        );
        assert_eq!(
            attrs(&html, "link[rel=canonical]", "href"),
            [canonical.as_str()],
            "{rel}"
        );
        assert_eq!(meta(&html, "og:url"), [canonical.as_str()], "{rel}");
        assert_eq!(meta(&html, "og:site_name"), ["Meta site"], "{rel}");
        assert_eq!(meta(&html, "og:locale"), ["fr_CA"], "{rel}");
        // Posts have a drawn social card; other pages a summary without a picture.
        let card = if meta(&html, "og:image").is_empty() {
            "summary"
        } else {
            "summary_large_image"
        };
        assert_eq!(meta(&html, "twitter:card"), [card], "{rel}");
        let og_title = meta(&html, "og:title");
        assert!(og_title.len() == 1 && !og_title[0].is_empty(), "{rel}");
        assert_eq!(meta(&html, "twitter:title"), og_title, "{rel}");
        assert_eq!(meta(&html, "og:type").len(), 1, "{rel}");
        // A page without a description of its own gets the site's.
        let description = meta(&html, "description");
        assert!(
            description.len() == 1 && !description[0].is_empty(),
            "{rel}: {description:?}"
        );
        assert_eq!(meta(&html, "og:description"), description, "{rel}");
        assert_eq!(meta(&html, "twitter:description"), description, "{rel}");
        let ld = json_ld(&html);
        assert_eq!(ld["@context"], "https://schema.org", "{rel}");
        assert_eq!(ld["url"], canonical.as_str(), "{rel}");
    }

    let post = site.html("blog/post/index.html");
    assert_eq!(texts(&post, "head title"), ["A post · Meta site"]);
    assert_eq!(meta(&post, "description"), ["What the post says."]);
    assert_eq!(meta(&post, "og:type"), ["article"]);
    assert_eq!(
        meta(&post, "article:published_time"),
        ["2020-02-03T04:05:06Z"]
    );
    let ld = json_ld(&post);
    assert_eq!(ld["@type"], "BlogPosting");
    assert_eq!(ld["headline"], "A post");
    assert_eq!(ld["description"], "What the post says.");
    assert_eq!(ld["datePublished"], "2020-02-03T04:05:06Z");
    assert!(
        ld["dateModified"]
            .as_str()
            .unwrap()
            .starts_with("2020-03-01")
    );
    assert_eq!(ld["author"][0]["name"], "Ann Author");
    assert_eq!(ld["inLanguage"], "fr-CA");
    assert_eq!(ld["keywords"], "one");
    // Without a description, the first paragraph describes the post.
    let other = site.html("blog/other/index.html");
    assert_eq!(meta(&other, "description"), ["First paragraph."]);

    let home = site.html("index.html");
    assert_eq!(texts(&home, "head title"), ["Meta site"]);
    assert_eq!(meta(&home, "description"), ["A site about things."]);
    assert_eq!(meta(&home, "og:type"), ["website"]);
    assert_ne!(json_ld(&home)["@type"], "BlogPosting");
    assert_eq!(json_ld(&site.html("about/index.html"))["@type"], "WebPage");
    assert_eq!(
        meta(&site.html("blog/index.html"), "description"),
        ["A site about things."]
    );
}

const HOSTILE_TITLE: &str =
    "</script><script>alert(1)</script> \"double\" 'single' ]]> & <b>bold</b> \u{202E}evil";
const HOSTILE_DESCRIPTION: &str = "desc </script><script>alert(2)</script> \"q\" ]]> \u{202E}rtl";
const HOSTILE_TAGS: [&str; 2] = ["</script><script>alert(3)</script>", "a\"b]]>\u{202E}c"];
const HOSTILE_EXTRA: &str = "</script><script>alert(4)</script> \"x\" ]]> \u{202E}";

/// YAML front matter (JSON is YAML) with hostile values everywhere.
fn hostile_front(title: &str, template: Option<&str>) -> String {
    let mut front = serde_json::json!({
        "title": title,
        "date": "2020-01-01T00:00:00Z",
        "description": HOSTILE_DESCRIPTION,
        "tags": HOSTILE_TAGS,
        "extra": {"note": HOSTILE_EXTRA},
    });
    if let Some(template) = template {
        front["template"] = template.into();
    }
    front.to_string()
}

fn hostile_site(title: &str) -> Site {
    let site = Site::new();
    // Smart punctuation off: the title must come out exactly as written, only escaped.
    site.write(
        "site.toml",
        &config("[feeds]\ntags = true\n[markdown]\nsmart_punctuation = false\n"),
    );
    site.write(
        "templates/extra.html",
        "{% extends \"base.html\" %}{% block content %}<h1>{{ page.title }}</h1>\
         <p id=\"note\" data-note=\"{{ page.extra.note }}\">{{ page.extra.note }}</p>{% endblock content %}",
    );
    site.post("plain", &hostile_front(title, None), "Body.");
    site.post("extra", &hostile_front(title, Some("extra.html")), "Body.");
    site.build_ok();
    site
}

#[test]
fn hostile_front_matter_stays_inert_in_html_attributes_xml_and_json() {
    let site = hostile_site(HOSTILE_TITLE);
    // Nothing anywhere in the output can run.
    for (file, bytes) in site.snapshot() {
        let content = String::from_utf8_lossy(&bytes);
        assert!(
            !content.contains("<script>alert"),
            "{file} has a live script"
        );
        assert!(
            !content.contains("<b>bold"),
            "{file} has live markup from front matter"
        );
        if file.ends_with(".xml") {
            assert!(!content.contains("]]>"), "{file}: `]]>` unescaped");
        }
    }
    for rel in pages(&site) {
        let html = site.html(&rel);
        assert_eq!(
            texts(&html, "script").len(),
            1,
            "{rel}: only the JSON-LD script"
        );
        json_ld(&html);
    }

    // HTML text and attributes: the values come back exactly as written.
    for slug in ["plain", "extra"] {
        let html = site.html(&format!("blog/{slug}/index.html"));
        assert_eq!(texts(&html, "main h1"), [HOSTILE_TITLE], "{slug}");
        assert_eq!(
            texts(&html, "head title"),
            [format!("{HOSTILE_TITLE} · Test site")]
        );
        assert_eq!(meta(&html, "description"), [HOSTILE_DESCRIPTION]);
        assert_eq!(meta(&html, "og:title"), [HOSTILE_TITLE]);
        assert_eq!(meta(&html, "og:description"), [HOSTILE_DESCRIPTION]);
        assert_eq!(meta(&html, "twitter:title"), [HOSTILE_TITLE]);
        // JSON inside <script>.
        let ld = json_ld(&html);
        assert_eq!(ld["headline"], HOSTILE_TITLE);
        assert_eq!(ld["description"], HOSTILE_DESCRIPTION);
        assert_eq!(ld["keywords"], HOSTILE_TAGS.join(", "));
        // Script content is raw text: no `<` at all means nothing can close the element.
        let script = texts(&html, "script[type=\"application/ld+json\"]");
        assert!(!script[0].contains('<'), "{}", script[0]);
    }
    let plain = site.html("blog/plain/index.html");
    assert_eq!(texts(&plain, "ul.tags a"), HOSTILE_TAGS);
    let extra = site.html("blog/extra/index.html");
    assert_eq!(texts(&extra, "#note"), [HOSTILE_EXTRA]);
    assert_eq!(attrs(&extra, "#note", "data-note"), [HOSTILE_EXTRA]);
    // Lists and the tag index.
    assert_eq!(listed(&site, "index.html"), [HOSTILE_TITLE, HOSTILE_TITLE]);
    let tags = site.html("tags/index.html");
    assert_eq!(texts(&tags, ".terms li a"), HOSTILE_TAGS, "sorted by name");

    // XML: feeds parse and give the values back.
    let mut feeds = vec!["rss.xml".to_string(), "atom.xml".to_string()];
    for tag_feed in files_ending(&site.public().join("tags"), ".xml") {
        feeds.push(rel_path(&site.public(), &tag_feed));
    }
    assert_eq!(feeds.len(), 6, "{feeds:?}");
    for feed_file in &feeds {
        let feed = parse_feed(&site, feed_file);
        assert_eq!(
            entry_titles(&feed),
            [HOSTILE_TITLE, HOSTILE_TITLE],
            "{feed_file}"
        );
        let categories: Vec<&str> = feed.entries[0]
            .categories
            .iter()
            .map(|c| c.term.as_str())
            .collect();
        assert_eq!(categories, HOSTILE_TAGS, "{feed_file}");
    }
    let atom = parse_feed(&site, "atom.xml");
    assert_eq!(
        atom.entries[0].summary.as_ref().unwrap().content,
        HOSTILE_DESCRIPTION
    );
}

#[test]
fn control_characters_in_front_matter_never_reach_the_output() {
    let title = "bell\u{7} start\u{1} escape\u{1b} end";
    let site = hostile_site(title);
    let clean = "bell start escape end";
    // Social cards are PNGs: binary, and drawn from the cleaned title.
    let files = site.snapshot().into_iter();
    for (file, bytes) in files.filter(|(file, _)| !file.ends_with(".png")) {
        let content = String::from_utf8_lossy(&bytes);
        let bad = common::control_characters(&content);
        assert!(bad.is_empty(), "{file} holds control characters {bad:?}");
    }
    let html = site.html("blog/plain/index.html");
    assert_eq!(texts(&html, "main h1"), [clean]);
    assert_eq!(json_ld(&html)["headline"], clean);
    assert_eq!(entry_titles(&parse_feed(&site, "rss.xml"))[0], clean);
}

// ---------------------------------------------------------------------------------------------
// pamphlet check

/// Runs `pamphlet check` and returns (success, stdout, stderr).
fn check(site: &Site) -> (bool, String, String) {
    let out = site.run(&["check"]);
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn check_passes_a_good_site_with_a_summary_and_writes_nothing() {
    let site = Site::new();
    site.post(
        "a",
        "title: A\ndate: 2020-01-01\ntags: [t]",
        "## Part\n\nText.",
    );
    site.post(
        "b",
        "title: B\ndate: 2020-01-02",
        "[a](../a/index.md#part), [top](#top), [self](#go) and [elsewhere](https://example.org/#x).\n\n## Go",
    );
    let (ok, stdout, stderr) = check(&site);
    assert!(ok, "{stderr}");
    assert!(
        stdout.starts_with("Checked 2 pages, ")
            && stdout.trim_end().ends_with("internal links: no problems"),
        "{stdout}"
    );
    assert!(!site.public().exists(), "check must write nothing");
}

#[test]
fn check_reports_a_broken_anchor_in_markdown_at_its_file_and_line() {
    let site = Site::new();
    site.post("a", "title: A", "## Part\n\nText.");
    // Line 7 of content/blog/b/index.md; the link starts in column 5.
    site.post(
        "b",
        "title: B",
        "Intro.\n\nSee [a](../a/index.md#nowhere), [fine](../a/index.md#part) and [here](#missing).",
    );
    let (ok, _, stderr) = check(&site);
    assert!(!ok);
    assert!(
        stderr.contains(
            "content/blog/b/index.md:7:5: error: link to `/blog/a/#nowhere`: `blog/a/index.html` has no element with id `nowhere`"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("content/blog/b/index.md:7:") && stderr.contains("`#missing`"),
        "{stderr}"
    );
    assert!(!stderr.contains("#part"), "{stderr}");
    assert!(stderr.contains("check failed: 2 errors"), "{stderr}");
    assert!(!site.public().exists());
}

#[test]
fn check_reports_a_broken_template_link_at_the_output_file_naming_the_template() {
    let site = Site::new();
    site.write(
        "templates/special.html",
        "{% extends \"base.html\" %}{% block content %}\n<h1>{{ page.title }}</h1>\n\
         <p><a href=\"/no-such-page/\">gone</a></p>\n<p><a href=\"#no-such-id\">nowhere</a></p>\n\
         {% endblock content %}",
    );
    site.write(
        "content/special.md",
        "---\ntitle: Special\ntemplate: special.html\n---\nText.",
    );
    // The build does not check template links; its output tells the lines check must name.
    site.build_ok();
    let output = site.read("special/index.html");
    let line_of = |needle: &str| output.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let (gone, nowhere) = (line_of("/no-such-page/"), line_of("#no-such-id"));
    std::fs::remove_dir_all(site.public()).unwrap();

    let (ok, _, stderr) = check(&site);
    assert!(!ok);
    for (line, url) in [(gone, "/no-such-page/"), (nowhere, "#no-such-id")] {
        assert!(
            stderr.contains(&format!(
                "special/index.html (output):{line}: error: link to `{url}`"
            )),
            "{url} at line {line}: {stderr}"
        );
    }
    assert!(
        stderr.contains("the link comes from template special.html"),
        "{stderr}"
    );
    assert!(!site.public().exists());
}

#[test]
fn check_reports_front_matter_errors() {
    let site = Site::new();
    site.post("good", "title: Good", "x");
    site.post("bad", "title: [unclosed", "x");
    let (ok, stdout, stderr) = check(&site);
    assert!(!ok, "{stdout}");
    assert!(
        stderr.contains("content/blog/bad/index.md:2:")
            && stderr.contains("error: invalid front matter"),
        "{stderr}"
    );
    assert!(stderr.contains("check failed: 1 error"), "{stderr}");
    assert!(!site.public().exists());
}

// ---------------------------------------------------------------------------------------------
// pamphlet new and init

/// Is `date` exactly in the seed's form, `2019-07-02T22:12:03.284Z`?
fn in_seed_format(date: &str) -> bool {
    let pattern = "dddd-dd-ddTdd:dd:dd.dddZ";
    date.len() == pattern.len()
        && date
            .chars()
            .zip(pattern.chars())
            .all(|(c, p)| if p == 'd' { c.is_ascii_digit() } else { c == p })
}

#[test]
fn new_writes_a_draft_post_with_the_seed_date_format_and_never_overwrites() {
    let site = Site::new();
    let title = "My \"First\": Post & more";
    let before = jiff::Timestamp::now().as_millisecond();
    let out = site.run(&["new", title]);
    let after = jiff::Timestamp::now().as_millisecond();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let file = site.root().join("content/blog/my-first-post-more/index.md");
    assert!(text(&out.stdout).contains("content/blog/my-first-post-more/index.md"));
    let written = std::fs::read_to_string(&file).unwrap();
    let front = written
        .strip_prefix("---\n")
        .and_then(|rest| rest.split("\n---\n").next())
        .unwrap_or_else(|| panic!("no front matter:\n{written}"));
    let yaml: serde_yaml::Value = serde_yaml::from_str(front).unwrap();
    assert_eq!(yaml["title"].as_str(), Some(title));
    let date = yaml["date"].as_str().unwrap();
    assert!(in_seed_format(date), "{date}");
    let when = date.parse::<jiff::Timestamp>().unwrap().as_millisecond();
    assert!(before <= when && when <= after, "{date} is not now (UTC)");
    assert_eq!(yaml["description"].as_str(), Some(""));
    assert_eq!(yaml["draft"].as_bool(), Some(true));

    // A draft: left out of a build unless asked for, then shown with its date.
    site.build_ok();
    assert!(!site.exists("blog/my-first-post-more/index.html"));
    let mut options = site.options();
    options.drafts = true;
    pamphlet::build::build(&options).unwrap();
    let page = site.html("blog/my-first-post-more/index.html");
    assert_eq!(
        texts(&page, "main h1"),
        [pamphlet::model::typography::smart(title)],
        "shown with the body's smart punctuation"
    );
    // The same instant (`.260` may be shown as `.26`).
    let shown = attrs(&page, "article time", "datetime");
    assert_eq!(
        shown[0]
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_millisecond(),
        when,
        "{shown:?}"
    );

    // Never overwrites.
    std::fs::write(&file, "edited").unwrap();
    let again = site.run(&["new", title]);
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "edited");

    // Another section.
    let out = site.run(&["new", "Elsewhere", "--section", "notes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        site.root()
            .join("content/notes/elsewhere/index.md")
            .exists()
    );
}

fn pamphlet(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .args(args)
        .output()
        .expect("run pamphlet")
}

#[test]
fn init_makes_a_site_that_builds_and_checks_with_no_further_step() {
    let dir = tempfile::tempdir().unwrap();
    let root: PathBuf = dir.path().join("my-site");
    let out = pamphlet(&["init".as_ref(), root.as_os_str()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for file in [
        "site.toml",
        "content/blog/hello-world/index.md",
        "templates/base.html",
        "templates/assets/style.css",
        "static/humans.txt",
    ] {
        assert!(root.join(file).is_file(), "{file} missing");
    }

    let check = pamphlet(&["--root".as_ref(), root.as_os_str(), "check".as_ref()]);
    assert!(check.status.success(), "{}", text(&check.stderr));
    assert!(text(&check.stdout).contains("no problems"));
    assert!(!root.join("public").exists());

    let build = pamphlet(&["--root".as_ref(), root.as_os_str(), "build".as_ref()]);
    assert!(build.status.success(), "{}", text(&build.stderr));
    let home =
        Html::parse_document(&std::fs::read_to_string(root.join("public/index.html")).unwrap());
    assert_eq!(texts(&home, ".post-list h2"), ["Hello, world"]);
    assert!(root.join("public/humans.txt").is_file());
    assert!(root.join("public/blog/hello-world/index.html").is_file());
    let sel = Selector::parse("link[rel=stylesheet]").unwrap();
    assert_eq!(home.select(&sel).count(), 1);

    // A folder with anything in it is refused and left alone.
    let busy = dir.path().join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("keep.txt"), "mine").unwrap();
    let out = pamphlet(&["init".as_ref(), busy.as_os_str()]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not empty"),
        "{}",
        text(&out.stderr)
    );
    let left: Vec<_> = std::fs::read_dir(&busy).unwrap().collect();
    assert_eq!(left.len(), 1);
    assert_eq!(
        std::fs::read_to_string(busy.join("keep.txt")).unwrap(),
        "mine"
    );

    // An empty folder is fine.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(
        pamphlet(&["init".as_ref(), empty.as_os_str()])
            .status
            .success()
    );
}

#[test]
fn this_sites_security_txt_is_published_at_well_known_with_the_rfc_9116_fields() {
    let site = common::own_site();
    site.build_ok();
    let text = site.read(".well-known/security.txt");
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("security.txt has no {name}:\n{text}"))
            .to_string()
    };
    assert!(field("Contact").starts_with("mailto:") || field("Contact").starts_with("https://"));
    let expires = field("Expires");
    assert!(
        expires.parse::<jiff::Timestamp>().is_ok(),
        "Expires `{expires}` is not an RFC 3339 time"
    );
    assert_eq!(
        field("Canonical"),
        "https://pamphlet.example/.well-known/security.txt",
        "Canonical is where the file is published (base_url in site.toml)"
    );
    assert_eq!(field("Preferred-Languages"), "en");
}

#[test]
fn hidden_files_are_published_only_in_a_top_level_well_known_folder_of_static() {
    let site = Site::new();
    site.post("a", "title: A", "Text.");
    site.write(
        "static/.well-known/security.txt",
        "Contact: mailto:a@example.com\n",
    );
    site.write("static/.well-known/.swp", "editor junk");
    site.write("static/.hidden", "secret");
    site.write("static/sub/.well-known/x.txt", "not top level");
    site.write("static/.git/config", "a repository");
    site.write("content/blog/a/.well-known/y.txt", "not in static");
    site.build_ok();
    let files: Vec<String> = site.snapshot().into_keys().collect();
    assert!(
        files.contains(&".well-known/security.txt".to_string()),
        "{files:?}"
    );
    let hidden: Vec<&String> = files
        .iter()
        .filter(|f| f.split('/').any(|c| c.starts_with('.')))
        .filter(|f| *f != ".well-known/security.txt" && *f != pamphlet::write::output::MARKER)
        .collect();
    assert!(hidden.is_empty(), "hidden files published: {hidden:?}");
}

#[test]
fn titles_get_the_bodys_smart_punctuation_everywhere_they_appear() {
    let site = Site::new();
    site.post(
        "panic",
        "title: \"Don't panic -- it's \\\"fine\\\"...\"\ndate: 2024-01-01",
        "## Don't panic\n\nThe body's \"quotes\".",
    );
    site.write(
        "content/blog/_index.md",
        "---\ntitle: \"Writer's notes\"\n---\n",
    );
    site.build_ok();
    let want = "Don’t panic – it’s “fine”…";
    let page = site.html("blog/panic/index.html");
    assert_eq!(texts(&page, "h1"), [want]);
    assert!(
        texts(&page, "h2")[0].starts_with("Don’t panic"),
        "the body agrees"
    );
    assert_eq!(texts(&page, "title")[0], format!("{want} · Test site"));
    assert_eq!(attrs(&page, "meta[property='og:title']", "content"), [want]);
    let json_ld = texts(&page, "script[type='application/ld+json']").join("");
    let json: serde_json::Value = serde_json::from_str(&json_ld).unwrap();
    assert_eq!(json["headline"], want);
    assert!(texts(&site.html("index.html"), ".post-list h2")[0].contains(want));
    assert!(
        site.read("rss.xml")
            .contains(&format!("<title>{want}</title>"))
    );
    assert!(
        site.read("atom.xml")
            .contains(&format!("<title>{want}</title>"))
    );
    assert_eq!(
        texts(&site.html("blog/index.html"), "h1"),
        ["Writer’s notes"]
    );

    site.write(
        "site.toml",
        "title = \"Test site\"\nbase_url = \"https://example.com\"\n[markdown]\nsmart_punctuation = false\n",
    );
    site.build_ok();
    let page = site.html("blog/panic/index.html");
    assert_eq!(texts(&page, "h1"), ["Don't panic -- it's \"fine\"..."]);
}

/// Asserts `feed` is a JSON Feed 1.1 with the spec's required fields, and returns its items'
/// URLs in order.
fn json_feed_items(feed: &serde_json::Value) -> Vec<String> {
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert!(
        feed["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{feed}"
    );
    let items = feed["items"].as_array().expect("items is an array");
    let mut ids = std::collections::BTreeSet::new();
    let mut urls = Vec::new();
    for item in items {
        let id = item["id"].as_str().expect("every item has a string id");
        assert!(ids.insert(id.to_string()), "item ids are unique: {id}");
        assert!(
            item["content_html"].is_string() || item["content_text"].is_string(),
            "every item has content_html or content_text: {item}"
        );
        let url = item["url"].as_str().unwrap().to_string();
        assert!(url.starts_with("https://example.com/"), "{url}");
        if let Some(date) = item["date_published"].as_str() {
            assert!(date.parse::<jiff::Timestamp>().is_ok(), "RFC 3339: {date}");
        }
        urls.push(url);
    }
    urls
}

#[test]
fn a_json_feed_beside_rss_and_atom_holds_the_same_entries() {
    let site = Site::new();
    site.write(
        "site.toml",
        "title = \"Test site\"\nbase_url = \"https://example.com\"\n[feeds]\ntags = true\n",
    );
    for (i, tag) in ["rust", "web", "rust"].iter().enumerate() {
        site.post(
            &format!("p{i}"),
            &format!(
                "title: Post {i}\ndate: 2024-01-0{}\ntags: [{tag}]\nauthors: [Ada]",
                i + 1
            ),
            &format!("Body {i} with [a link](/blog/p0/) and ![a dot](dot.png)."),
        );
    }
    site.post("undated", "title: Undated", "No date, so in no feed.");
    site.build_ok();
    let feed: serde_json::Value = serde_json::from_str(&site.read("feed.json")).unwrap();
    let urls = json_feed_items(&feed);
    let rss = feed_rs::parser::parse(site.read("rss.xml").as_bytes()).unwrap();
    let rss_urls: Vec<String> = rss
        .entries
        .iter()
        .map(|e| e.links[0].href.clone())
        .collect();
    assert_eq!(urls, rss_urls, "the same entries, in the same order");
    assert_eq!(feed["feed_url"], "https://example.com/feed.json");
    assert_eq!(feed["home_page_url"], "https://example.com/");
    let first = &feed["items"][0];
    assert_eq!(first["authors"][0]["name"], "Ada");
    assert_eq!(first["tags"][0], "rust");
    assert!(
        first["content_html"]
            .as_str()
            .unwrap()
            .contains("href=\"https://example.com/blog/p0/\""),
        "links are absolute: {first}"
    );
    // feed-rs reads JSON Feed too.
    let parsed = feed_rs::parser::parse(site.read("feed.json").as_bytes()).unwrap();
    assert_eq!(parsed.entries.len(), 3);

    let tag: serde_json::Value = serde_json::from_str(&site.read("tags/rust/feed.json")).unwrap();
    assert_eq!(json_feed_items(&tag).len(), 2);
    let home = site.html("index.html");
    assert_eq!(
        attrs(
            &home,
            "link[rel=alternate][type='application/feed+json']",
            "href"
        ),
        ["/feed.json"]
    );
    let tag_page = site.html("tags/rust/index.html");
    assert!(
        attrs(
            &tag_page,
            "link[rel=alternate][type='application/feed+json']",
            "href"
        )
        .contains(&"/tags/rust/feed.json".to_string())
    );
}

#[test]
fn a_long_first_paragraph_is_cut_to_160_characters_in_the_head_but_not_in_feeds() {
    let site = Site::new();
    let paragraph = "Serverless services leave nothing to patch and nothing to attack. ".repeat(12);
    site.post("long", "title: Long\ndate: 2024-01-01", &paragraph);
    site.build_ok();
    let page = site.html("blog/long/index.html");
    for selector in [
        "meta[name=\"description\"]",
        "meta[property=\"og:description\"]",
        "meta[name=\"twitter:description\"]",
    ] {
        let content = attrs(&page, selector, "content");
        let content = &content[0];
        assert!(
            content.chars().count() <= 160 && content.ends_with(" leave…"),
            "{selector}: {content:?}"
        );
    }
    let feed = std::fs::read_to_string(site.public().join("rss.xml")).unwrap();
    assert!(
        feed.contains(paragraph.trim()),
        "the feed keeps the whole summary"
    );
}
