//! Real external checkers against real builds: this repository's own site, a generated site of
//! 50 posts and a small site of essays in series (with related posts), each checked by the Nu
//! HTML Checker (HTML and CSS), xmllint with the sitemaps.org schema, feed-rs, linkinator and
//! `pamphlet check`.
//!
//! The tools come from `scripts/test`, which installs whatever is missing (`npm ci` for
//! node_modules; Debian's libxml2-utils and a Java runtime). A missing tool fails the test with
//! a message saying so: these tests never skip.

use crate::common;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{Site, files_ending, generated_site, own_site, repo};
use scraper::{Html, Selector};

/// Posts in the generated site.
const POSTS: usize = 50;
/// The feed limit set in the generated site's `site.toml`.
const GENERATED_LIMIT: usize = 20;

fn generated() -> Site {
    generated_site(
        POSTS,
        &format!(
            "title = \"Generated\"\nbase_url = \"https://generated.example\"\n\n[feeds]\ntags = true\nlimit = {GENERATED_LIMIT}\n"
        ),
    )
}

/// Both sites, built with the library into their `public/`.
fn built_sites() -> Vec<(&'static str, Site)> {
    let sites = vec![
        ("this repository's site", own_site()),
        ("generated site", generated()),
        ("a site of essays in a series", crate::essays::series_site()),
    ];
    for (_, site) in &sites {
        site.build_ok();
    }
    sites
}

fn install_hint() -> &'static str {
    "run the tests with `scripts/test`, which installs every tool they use"
}

/// A file the npm test tools provide, or a failure saying how to get it.
fn npm_tool(rel: &str) -> PathBuf {
    let path = repo().join("node_modules").join(rel);
    assert!(
        path.exists(),
        "node_modules/{rel} is missing (npm package from package.json): {}",
        install_hint()
    );
    path
}

/// Runs `program`, failing with a clear message when it is not installed.
fn run(program: &str, package: &str, command: &mut Command) -> Output {
    command.output().unwrap_or_else(|e| {
        panic!(
            "cannot run `{program}` ({e}); it comes with the Debian package {package}: {}",
            install_hint()
        )
    })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn nu_html_checker_finds_no_error_in_any_page_or_stylesheet() {
    let vnu = npm_tool("vnu-jar/build/dist/vnu.jar");
    let sites = built_sites();
    let mut files = Vec::new();
    for (name, site) in &sites {
        let html = files_ending(&site.public(), ".html");
        let css = files_ending(&site.public(), ".css");
        assert!(
            html.len() > 3 && !css.is_empty(),
            "{name}: nothing to check"
        );
        files.extend(html);
        files.extend(css);
    }
    // A broken page and a broken stylesheet go into the same run: the checker must report them,
    // which proves it checked HTML and CSS at all.
    let canary = tempfile::tempdir().unwrap();
    let bad_html = canary.path().join("canary.html");
    let bad_css = canary.path().join("canary.css");
    std::fs::write(
        &bad_html,
        "<!doctype html><html lang=en><head></head><body></body></html>",
    )
    .unwrap();
    std::fs::write(&bad_css, "p { colr: red; }\n").unwrap();
    files.push(bad_html.clone());
    files.push(bad_css.clone());

    // One JVM for every file.
    let out = run(
        "java",
        "default-jre-headless",
        Command::new("java")
            .arg("-jar")
            .arg(&vnu)
            .args(["--errors-only", "--also-check-css", "--format", "json"])
            .args(&files),
    );
    let stderr = text(&out.stderr);
    let json = stderr
        .find("{\"")
        .and_then(|start| serde_json::from_str::<serde_json::Value>(&stderr[start..]).ok())
        .unwrap_or_else(|| {
            panic!(
                "the Nu HTML Checker printed no JSON report (exit {:?}):\n{stderr}\n{}",
                out.status,
                text(&out.stdout)
            )
        });
    let messages = json["messages"].as_array().cloned().unwrap_or_default();
    let is_canary = |m: &serde_json::Value| {
        m["url"]
            .as_str()
            .is_some_and(|u| u.contains(canary.path().to_str().unwrap()))
    };
    let (canary_messages, problems): (Vec<_>, Vec<_>) = messages.iter().partition(|m| is_canary(m));
    let report: Vec<String> = problems
        .iter()
        .map(|m| {
            format!(
                "{}:{}: {}: {}",
                m["url"].as_str().unwrap_or("?"),
                m["lastLine"],
                m["type"].as_str().unwrap_or("?"),
                m["message"].as_str().unwrap_or("?")
            )
        })
        .collect();
    assert!(
        report.is_empty(),
        "the Nu HTML Checker found {} error(s) in {} files:\n{}",
        report.len(),
        files.len() - 2,
        report.join("\n")
    );
    for (canary_file, what) in [(&bad_html, "HTML"), (&bad_css, "CSS")] {
        let name = canary_file.file_name().unwrap().to_str().unwrap();
        assert!(
            canary_messages
                .iter()
                .any(|m| m["url"].as_str().is_some_and(|u| u.ends_with(name))),
            "the checker did not report the broken {what} canary, so it did not check {what}: {messages:#?}"
        );
    }
}

/// xmllint's verdict on `sitemap` against the sitemaps.org schema.
fn xmllint_sitemap(schema: &Path, sitemap: &Path) -> Output {
    run(
        "xmllint",
        "libxml2-utils",
        Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(schema)
            .arg(sitemap),
    )
}

#[test]
fn sitemaps_match_the_sitemaps_org_schema() {
    let schema = npm_tool("sitemap/schema/sitemap.xsd");
    // A well-formed sitemap the schema refuses (a `<url>` without `<loc>`, a date that is not
    // one, an unknown element) must be refused: proof that the schema is applied at all.
    let canary = tempfile::tempdir().unwrap();
    let bad = canary.path().join("sitemap.xml");
    std::fs::write(
        &bad,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n\
         <url><lastmod>yesterday</lastmod></url>\n\
         <url><loc>https://example.com/</loc><colour>red</colour></url>\n\
         </urlset>\n",
    )
    .unwrap();
    let out = xmllint_sitemap(&schema, &bad);
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("fails to validate"),
        "xmllint accepted a sitemap the schema refuses (exit {:?}):\n{stderr}",
        out.status
    );
    for element in ["lastmod", "colour"] {
        assert!(
            stderr.contains(&format!(
                "Element '{{http://www.sitemaps.org/schemas/sitemap/0.9}}{element}'"
            )),
            "xmllint did not name the bad `{element}`:\n{stderr}"
        );
    }

    for (name, site) in built_sites() {
        let sitemap = site.public().join("sitemap.xml");
        let out = xmllint_sitemap(&schema, &sitemap);
        assert!(
            out.status.success(),
            "{name}: xmllint rejects sitemap.xml:\n{}\n{}",
            text(&out.stderr),
            site.read("sitemap.xml")
        );
        let urls = site.read("sitemap.xml").matches("<url>").count();
        assert!(urls > 3, "{name}: sitemap.xml lists only {urls} URLs");
    }
}

/// What a post's front matter says, read here with serde_yaml rather than by pamphlet.
#[derive(Debug, Clone)]
struct Post {
    title: String,
    /// Seconds since the epoch.
    date: i64,
    /// Slugs of its tags (the generated corpus uses one-word lower-case tags).
    tags: Vec<String>,
}

fn posts_of(content: &Path) -> Vec<Post> {
    let mut posts: Vec<Post> = files_ending(content, ".md")
        .into_iter()
        .filter(|p| p.file_name().unwrap() != "_index.md")
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let front = text.strip_prefix("---\n")?.split("\n---\n").next()?;
            let yaml: serde_yaml::Value = serde_yaml::from_str(front).unwrap();
            let date = yaml["date"].as_str()?;
            let date: jiff::Timestamp = date
                .parse()
                .unwrap_or_else(|e| panic!("{}: date {date}: {e}", path.display()));
            Some(Post {
                // Shown with the smart punctuation the body gets (on by default).
                title: pamphlet::model::typography::smart(yaml["title"].as_str().unwrap()),
                date: date.as_second(),
                tags: yaml["tags"]
                    .as_sequence()
                    .map(|tags| {
                        tags.iter()
                            .map(|t| t.as_str().unwrap().to_lowercase())
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect();
    posts.sort_by_key(|p| std::cmp::Reverse(p.date));
    posts
}

/// The text of the HTML in `html`, with spaces normalised.
fn html_text(html: &str) -> String {
    let fragment = Html::parse_fragment(html);
    // Sidenotes repeat the footnotes beside their references on the page only: a feed has
    // each note once, in the list.
    let sidenote = |node: &scraper::Node| {
        (node.as_element())
            .is_some_and(|e| e.has_class("sidenote", scraper::CaseSensitivity::CaseSensitive))
    };
    fragment
        .root_element()
        .descendants()
        .filter(|node| !node.ancestors().any(|a| sidenote(a.value())))
        .filter_map(|node| node.value().as_text().map(|t| t.to_string()))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses a feed with feed-rs and checks it against the posts it should hold.
fn check_feed(site: &Site, rel: &str, title_has: &[&str], expected: &[Post]) {
    let bytes = std::fs::read(site.public().join(rel))
        .unwrap_or_else(|e| panic!("cannot read public/{rel}: {e}"));
    let feed = feed_rs::parser::Builder::new()
        .sanitize_content(false)
        .build()
        .parse(bytes.as_slice())
        .unwrap_or_else(|e| panic!("feed-rs cannot parse {rel}: {e}"));
    let title = feed
        .title
        .as_ref()
        .map(|t| t.content.clone())
        .unwrap_or_default();
    for part in title_has {
        assert!(
            title.contains(part),
            "{rel}: feed title `{title}` lacks `{part}`"
        );
    }
    let got: Vec<&str> = feed
        .entries
        .iter()
        .map(|e| e.title.as_ref().map_or("", |t| t.content.as_str()))
        .collect();
    let want: Vec<&str> = expected.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(got, want, "{rel}: entries, newest first");

    let base = site_base(site);
    for (entry, post) in feed.entries.iter().zip(expected) {
        let link = entry
            .links
            .first()
            .map(|l| l.href.as_str())
            .unwrap_or_else(|| panic!("{rel}: `{}` has no link", post.title));
        assert!(
            link.starts_with("https://") && link.starts_with(&base),
            "{rel}: `{}` links to {link}, not an absolute URL of the site",
            post.title
        );
        let date = entry
            .published
            .or(entry.updated)
            .unwrap_or_else(|| panic!("{rel}: `{}` has no date feed-rs can read", post.title));
        assert_eq!(
            date.timestamp(),
            post.date,
            "{rel}: date of `{}`",
            post.title
        );

        // The full content: the same text as the post's page shows.
        let content = common::entry_content(entry);
        assert!(
            content.contains("<p>"),
            "{rel}: `{}` has no HTML content: {content:.200}",
            post.title
        );
        let page_file = format!(
            "{}index.html",
            link.trim_start_matches(&base).trim_start_matches('/')
        );
        let page = site.html(&page_file);
        let shown = page
            .select(&Selector::parse(".content").unwrap())
            .next()
            .map(|e| e.inner_html())
            .unwrap_or_else(|| panic!("{page_file} has no .content"));
        assert_eq!(
            html_text(&content),
            html_text(&shown),
            "{rel}: the content of `{}` is not the post's full text",
            post.title
        );
    }
}

fn site_base(site: &Site) -> String {
    let config: toml::Table = std::fs::read_to_string(site.root().join("site.toml"))
        .unwrap()
        .parse()
        .unwrap();
    config["base_url"]
        .as_str()
        .unwrap()
        .trim_end_matches('/')
        .to_string()
}

#[test]
fn feeds_parse_with_feed_rs_and_hold_the_newest_posts_in_full() {
    // This repository's site: limit 20 in its site.toml, fewer posts than that.
    let site = own_site();
    site.build_ok();
    let posts = posts_of(&site.root().join("content/blog"));
    assert!(!posts.is_empty());
    let expected: Vec<Post> = posts.iter().take(20).cloned().collect();
    for feed in ["rss.xml", "atom.xml"] {
        check_feed(&site, feed, &["pamphlet"], &expected);
    }

    // The generated site: more posts than the limit, and a feed per tag.
    let site = generated();
    site.build_ok();
    let posts = posts_of(&site.root().join("content/posts"));
    assert_eq!(posts.len(), POSTS);
    let newest: Vec<Post> = posts.iter().take(GENERATED_LIMIT).cloned().collect();
    for feed in ["rss.xml", "atom.xml"] {
        check_feed(&site, feed, &["Generated"], &newest);
    }
    let mut by_tag: BTreeMap<&str, Vec<Post>> = BTreeMap::new();
    for post in &posts {
        for tag in &post.tags {
            by_tag.entry(tag).or_default().push(post.clone());
        }
    }
    assert!(
        by_tag.len() > 5,
        "the corpus has few tags: {:?}",
        by_tag.keys()
    );
    for (tag, tagged) in &by_tag {
        let expected: Vec<Post> = tagged.iter().take(GENERATED_LIMIT).cloned().collect();
        for feed in ["rss.xml", "atom.xml"] {
            check_feed(
                &site,
                &format!("tags/{tag}/{feed}"),
                &["Generated", tag],
                &expected,
            );
        }
    }
}

/// linkinator's run over the folder `public` (served on localhost; every other host skipped)
/// and its JSON report.
fn linkinator(name: &str, public: &Path) -> (Output, serde_json::Value) {
    let linkinator = npm_tool(".bin/linkinator");
    let out = Command::new(&linkinator)
        .arg(public)
        .args([
            "--recurse",
            "--skip",
            "^(?!http://localhost[:/])",
            "--format",
            "json",
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run linkinator ({e}): {}", install_hint()));
    let stdout = text(&out.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{name}: linkinator printed no JSON report ({e}; exit {:?}):\n{stdout}\n{}",
            out.status,
            text(&out.stderr)
        )
    });
    (out, report)
}

/// The links linkinator found broken: `url [status] linked from parent`.
fn broken_links(report: &serde_json::Value) -> Vec<String> {
    report["links"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| l["state"] == "BROKEN")
        .map(|l| format!("{} [{}] linked from {}", l["url"], l["status"], l["parent"]))
        .collect()
}

#[test]
fn linkinator_finds_no_broken_link() {
    // A page linking to a page that is not there, and to one that is, must be reported, the
    // missing page alone: proof that linkinator follows and checks the links.
    let canary = tempfile::tempdir().unwrap();
    std::fs::write(
        canary.path().join("index.html"),
        "<!doctype html><html lang=en><title>Canary</title>\
         <a href=\"/missing/\">gone</a> <a href=\"/there/\">there</a></html>",
    )
    .unwrap();
    std::fs::create_dir(canary.path().join("there")).unwrap();
    std::fs::write(
        canary.path().join("there/index.html"),
        "<!doctype html><html lang=en><title>There</title></html>",
    )
    .unwrap();
    // With `--format json` linkinator exits with 0 even then: the report's `passed` and its
    // links are the verdict.
    let (_, report) = linkinator("canary", canary.path());
    let broken = broken_links(&report);
    assert!(
        report["passed"] == false && broken.len() == 1 && broken[0].contains("/missing/\" [404]"),
        "linkinator did not report the canary's one broken link: {broken:?}\n{report:#}"
    );
    assert!(
        report["links"]
            .as_array()
            .is_some_and(|links| links
                .iter()
                .any(|l| l["state"] == "OK"
                    && l["url"].as_str().is_some_and(|u| u.ends_with("/there/")))),
        "linkinator did not follow the canary's good link:\n{report:#}"
    );

    for (name, site) in built_sites() {
        let (out, report) = linkinator(name, &site.public());
        let links = report["links"].as_array().cloned().unwrap_or_default();
        let broken = broken_links(&report);
        assert!(
            broken.is_empty() && out.status.success(),
            "{name}: linkinator found broken links:\n{}",
            broken.join("\n")
        );
        // The exit status says nothing about links in JSON mode (see the canary): this does.
        assert_eq!(report["passed"], true, "{name}: linkinator did not pass");
        let pages = files_ending(&site.public(), "index.html").len();
        let checked = links.iter().filter(|l| l["state"] == "OK").count();
        assert!(
            checked >= pages / 2,
            "{name}: linkinator followed only {checked} links for {pages} pages"
        );
    }
}

#[test]
fn pamphlet_check_passes_on_both_sites_and_writes_nothing() {
    for (name, site) in [
        ("this repository's site", own_site()),
        ("generated site", generated()),
    ] {
        let out = site.run(&["check"]);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert!(
            out.status.success(),
            "{name}: pamphlet check failed:\n{stderr}"
        );
        assert!(
            stdout.starts_with("Checked ") && stdout.contains("no problems"),
            "{name}: {stdout}"
        );
        assert!(!site.public().exists(), "{name}: check wrote public/");
    }
}
