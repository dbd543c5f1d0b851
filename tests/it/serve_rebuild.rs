//! `serve`'s incremental rebuilds must always end with exactly the files a full build of the
//! same inputs makes: checked after sequences of edits, additions, renames and deletions.

use crate::common;
use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::common::Site;
use pamphlet::build::{BuildOptions, RenderMode, load_site, render_into};
use pamphlet::render::highlight::Highlighter;
use pamphlet::serve::rebuild::Session;
use pamphlet::serve::state::Change;
use pamphlet::write::memory::MemorySink;

/// A full build of the site, in memory.
fn full_build(options: &BuildOptions) -> BTreeMap<String, Vec<u8>> {
    let (site, mut problems) = load_site(options);
    let sink = MemorySink::new();
    let report = render_into(
        &site,
        &options.root,
        &Highlighter::new(),
        &sink,
        RenderMode::default(),
    );
    problems.extend(report.diagnostics);
    assert!(!problems.has_errors(), "{}", common::render(&problems));
    sink.into_files()
        .into_iter()
        .map(|(k, v)| (k, v.to_vec()))
        .collect()
}

fn as_vecs(files: &BTreeMap<String, pamphlet::write::memory::Bytes>) -> BTreeMap<String, Vec<u8>> {
    files.iter().map(|(k, v)| (k.clone(), v.to_vec())).collect()
}

/// Rebuilds after `changed` and checks the result against a full build.
fn step(session: &mut Session, site: &Site, changed: &[&str]) -> pamphlet::serve::rebuild::Rebuilt {
    let paths: Vec<PathBuf> = changed.iter().map(PathBuf::from).collect();
    let rebuilt = match session.rebuild(&paths) {
        Ok(r) => r,
        Err(problems) => panic!("rebuild failed:\n{}", common::render(&problems)),
    };
    let full = full_build(&options(site));
    let incremental = as_vecs(&rebuilt.files);
    let missing: Vec<_> = full
        .keys()
        .filter(|k| !incremental.contains_key(*k))
        .collect();
    let extra: Vec<_> = incremental
        .keys()
        .filter(|k| !full.contains_key(*k))
        .collect();
    let differ: Vec<_> = full
        .iter()
        .filter(|(k, v)| incremental.get(*k).is_some_and(|i| i != *v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differ.is_empty(),
        "after {changed:?}: missing {missing:?}, extra {extra:?}, different {differ:?}"
    );
    rebuilt
}

fn options(site: &Site) -> BuildOptions {
    let mut options = site.options();
    options.base_url = Some("http://127.0.0.1:1111".into());
    options
}

fn blog() -> Site {
    let site = Site::new();
    // Related posts show other posts' summaries, so an edit to one post rightly re-renders
    // others; these tests count re-rendered pages, so they leave related posts out (the
    // property tests compare serve with a full build with them on).
    site.write("site.toml", "title = \"T\"\nbase_url = \"https://example.com\"\npaginate_by = 2\n[feeds]\ntags = true\n[build]\nrelated_posts = false\n");
    for (i, tag) in ["rust", "web", "Rust", "ops"].iter().enumerate() {
        site.post(
            &format!("p{i}"),
            &format!("title: Post {i}\ndate: 2020-01-0{}\ntags: [{tag}]", i + 1),
            &format!(
                "Body {i} links to [the first](../p0/index.md).\n\n```rust\nfn f{i}() {{}}\n```"
            ),
        );
    }
    site.write("content/about.md", "---\ntitle: About\n---\nAbout.");
    site.write("static/notes.txt", "v1");
    site
}

#[test]
fn edits_adds_renames_and_deletes_match_a_full_build() {
    let site = blog();
    let mut session = Session::new(options(&site));
    step(&mut session, &site, &[""]);

    // Edit one post's body.
    site.post(
        "p2",
        "title: Post 2\ndate: 2020-01-03\ntags: [Rust]",
        "Changed body.",
    );
    let r = step(&mut session, &site, &["content/blog/p2/index.md"]);
    assert!(r.changed.contains(&"blog/p2/index.html".to_string()));
    assert!(
        !r.changed.contains(&"blog/p0/index.html".to_string()),
        "{:?}",
        r.changed
    );
    assert_eq!(
        r.markdown_rendered, 1,
        "only the edited post is parsed and rendered again"
    );
    assert!(
        r.templates_rendered < 10,
        "re-rendered {} files",
        r.templates_rendered
    );

    // Retitle a post: its neighbours' prev/next, lists, tags and feeds change.
    site.post(
        "p1",
        "title: Renamed one\ndate: 2020-01-02\ntags: [web]",
        "Body 1.",
    );
    let r = step(&mut session, &site, &["content/blog/p1/index.md"]);
    for file in [
        "blog/p0/index.html",
        "blog/p2/index.html",
        "tags/web/index.html",
        "rss.xml",
    ] {
        assert!(
            r.changed.contains(&file.to_string()),
            "{file} in {:?}",
            r.changed
        );
    }

    // Move a post to a new date: the order of every list shifts.
    site.post(
        "p3",
        "title: Post 3\ndate: 2019-01-01\ntags: [ops]",
        "Body 3.",
    );
    step(&mut session, &site, &["content/blog/p3/index.md"]);

    // Add a post, with an image.
    site.write_bytes(
        "content/blog/new/pic.png",
        &[
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52,
            0, 0, 0, 5, 0, 0, 0, 4, 8, 6, 0, 0, 0,
        ],
    );
    site.post(
        "new",
        "title: New\ndate: 2021-01-01\ntags: [rust, new]",
        "![A picture](pic.png)",
    );
    step(
        &mut session,
        &site,
        &["content/blog/new/index.md", "content/blog/new/pic.png"],
    );

    // Change the image: the page's width and height change with it.
    site.write_bytes(
        "content/blog/new/pic.png",
        &[
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52,
            0, 0, 0, 9, 0, 0, 0, 7, 8, 6, 0, 0, 0,
        ],
    );
    let r = step(&mut session, &site, &["content/blog/new/pic.png"]);
    assert!(
        r.changed.contains(&"blog/new/index.html".to_string()),
        "{:?}",
        r.changed
    );

    // Rename a post's folder: links to it from other posts follow.
    std::fs::rename(
        site.root().join("content/blog/p0"),
        site.root().join("content/blog/first"),
    )
    .unwrap();
    let errors = session.rebuild(&[
        PathBuf::from("content/blog/p0"),
        PathBuf::from("content/blog/first"),
    ]);
    assert!(errors.is_err(), "links to the old path are now broken");
    for i in 1..3 {
        site.post(
            &format!("p{i}"),
            &format!("title: Post {i}\ndate: 2020-01-0{}\ntags: [x]", i + 1),
            "Body [the first](../first/index.md).",
        );
    }
    site.post("p3", "title: Post 3\ndate: 2019-01-01", "No links.");
    site.post(
        "first",
        "title: Post 0\ndate: 2020-01-01\ntags: [rust]",
        "Body 0 links to [itself](../first/index.md).",
    );
    step(
        &mut session,
        &site,
        &[
            "content/blog/p1/index.md",
            "content/blog/p2/index.md",
            "content/blog/p3/index.md",
            "content/blog/first/index.md",
        ],
    );

    // Delete a post.
    std::fs::remove_dir_all(site.root().join("content/blog/new")).unwrap();
    step(&mut session, &site, &["content/blog/new"]);

    // A section with its own _index.md, then removed again.
    site.write(
        "content/blog/_index.md",
        "---\ntitle: The Blog\npaginate_by: 1\n---\nIntro.",
    );
    step(&mut session, &site, &["content/blog/_index.md"]);
    site.remove("content/blog/_index.md");
    step(&mut session, &site, &["content/blog/_index.md"]);

    // A static file edit.
    site.write("static/notes.txt", "v2");
    let r = step(&mut session, &site, &["static/notes.txt"]);
    assert_eq!(r.changed, ["notes.txt"]);
}

#[test]
fn template_and_config_edits_match_a_full_build() {
    let site = blog();
    let mut session = Session::new(options(&site));
    step(&mut session, &site, &[""]);

    site.write("templates/page.html", "{% extends \"base.html\" %}{% block content %}<article><h1>{{ page.title }}!</h1>{{ page.content | safe }}</article>{% endblock content %}");
    let r = step(&mut session, &site, &["templates/page.html"]);
    assert!(r.changed.contains(&"blog/p0/index.html".to_string()));
    assert_eq!(
        r.markdown_rendered, 0,
        "a template edit re-renders without re-parsing markdown"
    );
    assert!(
        !r.changed.contains(&"index.html".to_string()),
        "lists do not use page.html"
    );

    site.write("site.toml", "title = \"Renamed site\"\nbase_url = \"https://example.com\"\npaginate_by = 3\n[markdown]\nsmart_punctuation = false\n");
    step(&mut session, &site, &["site.toml"]);

    site.write("templates/assets/style.css", "body { color: red; }");
    let r = step(&mut session, &site, &["templates/assets/style.css"]);
    assert!(
        matches!(r.change, Change::Stylesheet { .. }),
        "{:?}",
        r.change
    );

    std::fs::remove_file(site.root().join("templates/page.html")).unwrap();
    step(&mut session, &site, &["templates/page.html"]);
}

#[test]
fn a_broken_edit_fails_and_fixing_it_recovers() {
    let site = blog();
    let mut session = Session::new(options(&site));
    step(&mut session, &site, &[""]);
    site.post("p1", "title: [broken", "x");
    let problems = session
        .rebuild(&[PathBuf::from("content/blog/p1/index.md")])
        .unwrap_err();
    let text = common::render(&problems);
    assert!(text.contains("content/blog/p1/index.md:2:"), "{text}");
    site.post("p1", "title: Fixed\ndate: 2020-01-02", "Fixed.");
    step(&mut session, &site, &["content/blog/p1/index.md"]);
}

/// A page template showing front matter values the default theme leaves out, so an edit of
/// any of them must reach the served page.
const SHOWING_TEMPLATE: &str = "{% extends \"base.html\" %}{% block content %}<article>\
<h1>{{ page.title }}</h1><p class=\"w\">{{ page.weight }}</p><p class=\"s\">{{ page.slug }}</p>\
<p class=\"x\">{{ page.extra.mood | default(value=\"\") }}</p>{{ page.content | safe }}</article>{% endblock content %}";

/// Every front matter field the README lists, each edited in turn on one post.
const FIELD_EDITS: &[(&str, &str)] = &[
    ("title", "title: Retitled"),
    ("description", "title: Retitled\ndescription: A new one."),
    ("date", "title: Retitled\ndate: 2018-05-05"),
    (
        "updated",
        "title: Retitled\ndate: 2018-05-05\nupdated: 2024-01-01",
    ),
    ("draft", "title: Retitled\ndate: 2018-05-05\ndraft: true"),
    ("undraft", "title: Retitled\ndate: 2018-05-05"),
    (
        "slug",
        "title: Retitled\ndate: 2018-05-05\nslug: better-name",
    ),
    (
        "path",
        "title: Retitled\ndate: 2018-05-05\npath: elsewhere/here",
    ),
    (
        "aliases",
        "title: Retitled\ndate: 2018-05-05\naliases: [/old/one/, old.html]",
    ),
    (
        "tags",
        "title: Retitled\ndate: 2018-05-05\ntags: [brand-new, web]",
    ),
    (
        "categories",
        "title: Retitled\ndate: 2018-05-05\ncategories: [Essays]",
    ),
    (
        "authors",
        "title: Retitled\ndate: 2018-05-05\nauthors: [Ada, Grace]",
    ),
    (
        "template",
        "title: Retitled\ndate: 2018-05-05\ntemplate: showing.html\nweight: 3",
    ),
    (
        "weight",
        "title: Retitled\ndate: 2018-05-05\ntemplate: showing.html\nweight: 7",
    ),
    (
        "extra",
        "title: Retitled\ndate: 2018-05-05\ntemplate: showing.html\nextra:\n  mood: calm",
    ),
    (
        "extra again",
        "title: Retitled\ndate: 2018-05-05\ntemplate: showing.html\nextra:\n  mood: stormy",
    ),
];

#[test]
fn an_edit_of_any_front_matter_field_matches_a_full_build() {
    let site = blog();
    site.write("templates/showing.html", SHOWING_TEMPLATE);
    site.write(
        "content/blog/_index.md",
        "---\ntitle: Blog\nsort_by: weight\n---\n",
    );
    let mut session = Session::new(options(&site));
    step(&mut session, &site, &[""]);
    let post = "content/blog/p2/index.md";
    for (field, front) in FIELD_EDITS {
        site.write(post, &format!("---\n{front}\n---\n\nBody of {field}.\n"));
        let r = step(&mut session, &site, &[post]);
        assert!(!r.changed.is_empty(), "editing `{field}` changed no file");
    }
}

#[test]
fn section_options_site_settings_theme_and_static_edits_match_a_full_build() {
    let site = blog();
    let mut session = Session::new(options(&site));
    step(&mut session, &site, &[""]);
    let index = "content/blog/_index.md";
    for front in [
        "title: The Blog",
        "title: The Blog\ndescription: Notes.",
        "title: The Blog\nsort_by: title",
        "title: The Blog\nsort_by: weight\npaginate_by: 1",
        "title: The Blog\ntemplate: listing.html",
        "title: The Blog\npage_template: showing.html",
        "title: The Blog\nextra:\n  banner: yes",
    ] {
        site.write("templates/listing.html", "{% extends \"section.html\" %}");
        site.write("templates/showing.html", SHOWING_TEMPLATE);
        site.write(index, &format!("---\n{front}\n---\nIntro.\n"));
        step(
            &mut session,
            &site,
            &[index, "templates/listing.html", "templates/showing.html"],
        );
    }
    let base = "base_url = \"https://example.com\"\n";
    for settings in [
        "title = \"Other\"",
        "title = \"Other\"\ndescription = \"About things.\"\nauthor = \"Ada\"\nbio = \"Writes.\"",
        "language = \"fr\"\npaginate_by = 1",
        "main_sections = [\"blog\"]",
        "[markdown]\nsmart_punctuation = false\nhighlight_code = false",
        "[markdown]\nhighlight_theme = \"InspiredGitHub\"",
        "[markdown]\nbroken_links = \"warning\"",
        "[feeds]\nrss = false\nlimit = 1\ntags = true",
        "[feeds]\natom = false",
        "[extra]\ntwitter = \"@someone\"",
    ] {
        site.write("site.toml", &format!("{base}{settings}\n"));
        let r = step(&mut session, &site, &["site.toml"]);
        assert!(!r.changed.is_empty(), "`{settings}` changed no file");
    }
    site.write(
        "templates/assets/favicon.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    );
    step(&mut session, &site, &["templates/assets/favicon.svg"]);
    site.write(
        "templates/partials/post_list.html",
        "{% for page in paginator.pages %}<p>{{ page.title }}</p>{% endfor %}",
    );
    step(&mut session, &site, &["templates/partials/post_list.html"]);
    site.write("static/notes.txt", "v2");
    site.write("static/more/new.txt", "new");
    step(
        &mut session,
        &site,
        &["static/notes.txt", "static/more/new.txt"],
    );
    site.remove("static/more/new.txt");
    step(&mut session, &site, &["static/more/new.txt"]);
}

/// Serve keeps each post's word counts between rebuilds; a post read again is counted again,
/// so after every edit the related posts (and so every page showing them) are a full build's.
#[test]
fn related_posts_follow_every_edit_to_the_words_they_are_chosen_by() {
    let site = Site::new();
    site.write(
        "site.toml",
        "title = \"T\"\nbase_url = \"https://example.com\"\n[build]\nrelated_posts = true\n",
    );
    let topics = [
        "kubernetes clusters autoscaler nodes pods",
        "sourdough bread starter flour oven",
        "kubernetes autoscaler pods scheduling",
        "bread flour hydration crumb oven",
    ];
    for (i, words) in topics.iter().enumerate() {
        let front = format!("title: Post {i}\ndate: 2020-01-0{}", i + 1);
        site.post(&format!("p{i}"), &front, &format!("About {words}."));
    }
    let mut session = Session::new(options(&site));
    step(&mut session, &site, &[""]);
    let related_of = |site: &Site, post: &str| {
        let page = site.html(&format!("blog/{post}/index.html"));
        common::texts(&page, ".related a")
    };
    site.build_ok();
    assert_eq!(
        related_of(&site, "p0")[0],
        "Post 2",
        "kubernetes goes with kubernetes"
    );

    // p2 turns to bread: p0's best match is no longer p2, which only a recount can tell.
    site.post(
        "p2",
        "title: Post 2\ndate: 2020-01-03",
        "About sourdough bread hydration crumb flour oven.",
    );
    step(&mut session, &site, &["content/blog/p2/index.md"]);
    site.build_ok();
    assert_ne!(
        related_of(&site, "p0").first().map(String::as_str),
        Some("Post 2")
    );

    // A new post on clusters, then the same words moved to another folder, then deleted.
    site.post(
        "p4",
        "title: Post 4\ndate: 2020-01-05",
        "About kubernetes clusters nodes pods.",
    );
    step(&mut session, &site, &["content/blog/p4/index.md"]);
    std::fs::rename(
        site.root().join("content/blog/p4"),
        site.root().join("content/blog/moved"),
    )
    .unwrap();
    step(
        &mut session,
        &site,
        &["content/blog/p4", "content/blog/moved"],
    );
    std::fs::remove_dir_all(site.root().join("content/blog/moved")).unwrap();
    step(&mut session, &site, &["content/blog/moved"]);

    // The title counts too, and is not part of the kept body counts.
    site.post(
        "p1",
        "title: Kubernetes pods\ndate: 2020-01-02",
        "About sourdough bread starter flour oven.",
    );
    step(&mut session, &site, &["content/blog/p1/index.md"]);
    site.build_ok();
    assert_eq!(related_of(&site, "p0")[0], "Kubernetes pods");
}

#[test]
fn a_session_starts_from_the_markdown_an_earlier_one_kept() {
    let site = blog();
    let mut first = Session::new(options(&site));
    let r = step(&mut first, &site, &[""]);
    assert!(r.markdown_rendered > 0);
    site.post(
        "p1",
        "title: Post 1\ndate: 2020-01-02\ntags: [web]",
        "Rendered by the first session.",
    );
    let r = step(&mut first, &site, &["content/blog/p1/index.md"]);
    assert_eq!(r.markdown_rendered, 1);
    drop(first);

    let mut second = Session::new(options(&site));
    let r = step(&mut second, &site, &[""]);
    assert_eq!(
        r.markdown_rendered, 0,
        "every page's markdown comes from the build cache, the edit included"
    );
}

/// Counting every post's words was an eighth of the CPU of a session's start: a session starts
/// from the counts a build (or an earlier session) kept, keeps them when it had none, and
/// reports a damaged file once without trusting it.
#[test]
fn a_session_starts_from_the_word_counts_kept_and_reports_damaged_ones_once() {
    let site = blog();
    site.write(
        "site.toml",
        "title = \"T\"\nbase_url = \"https://example.com\"\n[build]\nrelated_posts = true\n",
    );
    let words = site.root().join(".pamphlet-cache/words");
    let mut first = Session::new(options(&site));
    step(&mut first, &site, &[""]);
    assert!(
        words.is_file(),
        "the first session keeps the counts it made"
    );
    drop(first);

    let mut counts = std::fs::read(&words).unwrap();
    counts.truncate(counts.len() - 3);
    std::fs::write(&words, counts).unwrap();
    let mut second = Session::new(options(&site));
    let warnings = common::render(&step(&mut second, &site, &[""]).warnings);
    assert_eq!(warnings.matches("word counts").count(), 1, "{warnings}");
    drop(second);

    let mut third = Session::new(options(&site));
    let warnings = common::render(&step(&mut third, &site, &[""]).warnings);
    assert!(!warnings.contains("word counts"), "rewritten: {warnings}");
}
