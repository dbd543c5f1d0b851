//! `[build] updated_from_git`: pages without `updated` take their file's last commit date, read
//! from a real git repository, and the sitemap and feeds carry it.

use std::process::Command;

use crate::common::Site;

const SITE_TOML: &str =
    "title = \"History\"\nbase_url = \"https://example.com\"\n\n[build]\nupdated_from_git = true\n";

/// Commits everything in the site with `date` as the author's and committer's date.
fn git_init(site: &Site) {
    let status = Command::new("git")
        .args(["init", "-q"])
        .arg(site.root())
        .status()
        .expect("git runs");
    assert!(status.success(), "git init");
}

fn commit(site: &Site, date: &str) {
    for args in [&["add", "-A"][..], &["commit", "-q", "-m", "edit"]] {
        let status = Command::new("git")
            .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
            .arg("-C")
            .arg(site.root())
            .args(args)
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    }
}

/// The sitemap's `lastmod` for the page at `path`.
fn lastmod(site: &Site, path: &str) -> String {
    let xml = site.read("sitemap.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let url = doc
        .descendants()
        .filter(|n| n.has_tag_name("url"))
        .find(|n| {
            n.children()
                .any(|c| c.has_tag_name("loc") && c.text().is_some_and(|t| t.ends_with(path)))
        })
        .unwrap_or_else(|| panic!("{path} is not in the sitemap: {xml}"));
    url.children()
        .find(|c| c.has_tag_name("lastmod"))
        .and_then(|c| c.text())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn pages_without_updated_take_their_last_commit_date() {
    let site = Site::new();
    site.write("site.toml", SITE_TOML);
    site.post("a", "title: A\ndate: 2020-01-01", "First.");
    site.post(
        "b",
        "title: B\ndate: 2020-01-01\nupdated: 2023-05-05",
        "Second.",
    );
    git_init(&site);
    commit(&site, "2024-02-03T04:05:06Z");
    site.post("a", "title: A\ndate: 2020-01-01", "First, edited.");
    commit(&site, "2024-06-07T08:09:10+02:00");
    let out = site.run(&["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("updated_from_git"), "{stderr}");
    assert!(
        lastmod(&site, "/blog/a/").starts_with("2024-06-07"),
        "the newest commit"
    );
    // Front matter wins over history.
    assert!(lastmod(&site, "/blog/b/").starts_with("2023-05-05"));
    let page = site.read("blog/a/index.html");
    assert!(
        page.contains(r#"<meta property="article:modified_time" content="2024-06-07T06:09:10Z">"#),
        "{page}"
    );
    assert!(
        site.read("atom.xml").contains("2024-06-07T06:09:10Z"),
        "the feed's updated"
    );
}

#[test]
fn a_file_named_outside_ascii_takes_its_commit_date_too() {
    let site = Site::new();
    site.write("site.toml", SITE_TOML);
    site.post("café-crème", "title: Café\ndate: 2020-01-01", "Unicode.");
    git_init(&site);
    commit(&site, "2024-02-03T04:05:06Z");
    let out = site.run(&["build"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        lastmod(&site, "/blog/cafe-creme/").starts_with("2024-02-03"),
        "{}",
        site.read("sitemap.xml")
    );
}

#[test]
fn a_site_outside_git_builds_with_one_warning() {
    let site = Site::new();
    site.write("site.toml", SITE_TOML);
    site.post("a", "title: A\ndate: 2020-01-01", "First.");
    // A folder of its own under /tmp, above which there is no repository.
    let out = site.run(&["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stderr.matches("updated_from_git is set").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("site.toml"), "{stderr}");
    assert!(lastmod(&site, "/blog/a/").starts_with("2020-01-01"));
}
