//! The build pipeline end to end: fixture sites in temporary folders, built for real, with the
//! HTML parsed back.

use crate::common;
use crate::common::{Site, attrs, one, texts};

#[test]
fn home_lists_posts_newest_first_and_pages_have_their_urls() {
    let site = Site::new();
    site.post("old", "title: Old\ndate: 2019-01-01", "Old body.");
    site.post("new", "title: New\ndate: 2021-01-01", "New body.");
    site.write(
        "content/blog/middle.md",
        "---\ntitle: Middle\ndate: 2020-01-01\n---\nMiddle.",
    );
    site.write(
        "content/blog/undated.md",
        "---\ntitle: Undated\n---\nNo date.",
    );
    site.write("content/about.md", "---\ntitle: About\n---\nAbout us.");
    site.build_ok();

    let home = site.html("index.html");
    assert_eq!(
        texts(&home, ".post-list h2"),
        ["New", "Middle", "Old", "Undated"],
        "newest first, undated last"
    );
    assert!(site.exists("blog/old/index.html"));
    assert!(site.exists("blog/middle/index.html"));
    assert!(site.exists("about/index.html"));
    assert_eq!(texts(&site.html("about/index.html"), "h1"), ["About"]);
}

#[test]
fn every_date_form_is_read_and_shown_on_the_authors_day() {
    let cases = [
        (
            "seed",
            r#"date: "2019-07-02T22:12:03.284Z""#,
            "2019-07-02T22:12:03.284Z",
            "July 2, 2019",
        ),
        (
            "offset",
            r#"date: "2019-07-02T23:30:00-05:00""#,
            "2019-07-02T23:30:00-05:00",
            "July 2, 2019",
        ),
        (
            "bare",
            "date: 2023-12-11",
            "2023-12-11",
            "December 11, 2023",
        ),
        (
            "spaced",
            r#"date: "2019-07-02 22:12:03""#,
            "2019-07-02T22:12:03Z",
            "July 2, 2019",
        ),
        (
            "jekyll",
            "date: 2017-12-27 20:46:24 -0500",
            "2017-12-27T20:46:24-05:00",
            "December 27, 2017",
        ),
        (
            "yaml-timestamp",
            "date: 2001-12-14t21:59:43.10-05:00",
            "2001-12-14T21:59:43.10-05:00",
            "December 14, 2001",
        ),
    ];
    let site = Site::new();
    for (slug, front, _, _) in cases {
        site.post(slug, &format!("title: {slug}\n{front}"), "Body.");
    }
    site.write(
        "content/blog/toml-date.md",
        "+++\ntitle = \"toml\"\ndate = 1979-05-27T07:32:00Z\n+++\nBody.",
    );
    site.build_ok();
    for (slug, _, machine, human) in cases {
        let page = site.html(&format!("blog/{slug}/index.html"));
        assert_eq!(
            attrs(&page, "article time", "datetime"),
            [machine],
            "{slug}"
        );
        assert_eq!(texts(&page, "article time"), [human], "{slug}");
    }
    let toml = site.html("blog/toml-date/index.html");
    assert_eq!(
        attrs(&toml, "article time", "datetime"),
        ["1979-05-27T07:32:00Z"]
    );
}

#[test]
fn urls_follow_files_slug_and_path() {
    let site = Site::new();
    site.post("bundle", "title: Bundle", "x");
    site.write("content/blog/single.md", "---\ntitle: Single\n---\nx");
    site.write(
        "content/blog/renamed.md",
        "---\ntitle: R\nslug: Better Name\n---\nx",
    );
    site.write(
        "content/blog/moved.md",
        "+++\ntitle = 'M'\npath = '2025/06/26/Rust-1.88.0'\n+++\nx",
    );
    site.write(
        "content/blog/algorithm-wordchange /index.md",
        "---\ntitle: Space\n---\nx",
    );
    site.build_ok();
    for file in [
        "blog/bundle/index.html",
        "blog/single/index.html",
        "blog/better-name/index.html",
        "2025/06/26/Rust-1.88.0/index.html",
        "blog/algorithm-wordchange/index.html",
    ] {
        assert!(site.exists(file), "{file} missing");
    }
}

#[test]
fn two_pages_claiming_one_url_name_both_files() {
    let site = Site::new();
    site.post("x", "title: A", "a");
    site.write("content/blog/x.md", "---\ntitle: B\n---\nb");
    site.write(
        "content/blog/y.md",
        "---\ntitle: C\naliases: [\"/blog/x/\"]\n---\nc",
    );
    let errors = site.build_err();
    assert!(
        errors.contains("content/blog/x.md") && errors.contains("content/blog/x/index.md"),
        "{errors}"
    );
    assert!(errors.contains("an alias in content/blog/y.md"), "{errors}");
    assert!(!site.public().exists());
}

#[test]
fn paths_that_would_leave_the_output_are_errors_and_nothing_is_written_outside() {
    let bad = [
        ("path: ../../escape", "path"),
        ("path: /etc/../../x", "path"),
        (r#"path: 'a\b'"#, "path"),
        ("path: C:/Windows", "path"),
        (r#"path: "a\u0000b""#, "path"),
        ("slug: ../x", "slug"),
        (r#"aliases: ["../../../outside"]"#, "alias"),
        (r#"aliases: ["//evil.example/x"]"#, "alias"),
    ];
    for (front, field) in bad {
        let site = Site::new();
        site.post("p", &format!("title: P\n{front}"), "x");
        let errors = site.build_err();
        assert!(
            errors.contains("content/blog/p/index.md:"),
            "{front}: {errors}"
        );
        assert!(errors.contains(field), "{front}: {errors}");
        let parent = site.root().parent().unwrap();
        assert!(!parent.join("escape").exists() && !parent.join("outside").exists());
        assert!(!site.public().exists(), "{front}");
    }
}

#[test]
fn front_matter_errors_name_file_and_line_and_all_are_reported() {
    let site = Site::new();
    site.build_ok();
    let before = site.snapshot();
    site.post("a", "title: A\ntags: 5", "x");
    site.post("b", "title: B\n\ndate: yes", "x");
    site.post("c", "title: [unclosed", "x");
    site.write("content/blog/d.md", "+++\ntitle = \n+++\nx");
    site.write("content/blog/e.md", "---\ntitle: never closed\n");
    let errors = site.build_err();
    for needle in [
        "content/blog/a/index.md:3:7: error: invalid front matter",
        "content/blog/b/index.md:4:",
        "`yes` is not a date",
        "content/blog/c/index.md:2:",
        "content/blog/d.md:2:",
        "content/blog/e.md:1:1: error: front matter opened with `---` on line 1 is never closed",
    ] {
        assert!(errors.contains(needle), "missing `{needle}` in:\n{errors}");
    }
    assert_eq!(
        site.snapshot(),
        before,
        "a failed build must leave public/ as it was"
    );
}

#[test]
fn unknown_fields_warn_and_build() {
    let site = Site::new();
    site.post("a", "title: A\nlayout: post\nextra:\n  mood: calm", "x");
    let outcome = site.build_ok();
    let warnings = common::render(&outcome.warnings);
    assert!(
        warnings
            .contains("content/blog/a/index.md:3: warning: unknown front matter field `layout`"),
        "{warnings}"
    );
    assert!(!warnings.contains("mood"));
}

#[test]
fn bom_crlf_and_missing_front_matter_are_fine() {
    let site = Site::new();
    site.write_bytes(
        "content/blog/bom/index.md",
        b"\xEF\xBB\xBF---\r\ntitle: BOM\r\ndate: 2020-01-01\r\n---\r\n\r\nLine one.\r\n",
    );
    site.write(
        "content/blog/bare.md",
        "# Just markdown\n\nNo front matter.",
    );
    site.build_ok();
    assert_eq!(texts(&site.html("blog/bom/index.html"), "h1"), ["BOM"]);
    let bare = site.html("blog/bare/index.html");
    assert_eq!(texts(&bare, "article > header h1"), ["Bare"]);
}

#[test]
fn drafts_are_left_out_unless_asked_for() {
    let site = Site::new();
    site.post("draft", "title: Draft\ndraft: true", "x");
    site.post("live", "title: Live", "x");
    site.build_ok();
    assert!(!site.exists("blog/draft/index.html"));
    let mut options = site.options();
    options.drafts = true;
    pamphlet::build::build(&options).unwrap();
    assert!(site.exists("blog/draft/index.html"));
}

#[test]
fn headings_get_unique_ids_anchors_and_a_toc() {
    let site = Site::new();
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block content %}<ol id=toc>{% for h in page.toc %}<li>{{ h.id }}:{{ h.title }}[{% for c in h.children %}{{ c.id }}{% endfor %}]</li>{% endfor %}</ol><p id=wc>{{ page.word_count }}/{{ page.reading_time }}</p>{{ page.content | safe }}{% endblock content %}",
    );
    site.post(
        "h",
        "title: H",
        "## Intro\n\ntext\n\n### Detail\n\n## Intro\n\n## Custom {#mine}\n\n## Ünïcode & “quotes”\n",
    );
    site.build_ok();
    let page = site.html("blog/h/index.html");
    // Every heading is an element with an id: `attrs` lists only elements that have the
    // attribute, so it is compared with the elements themselves.
    let headings = page
        .select(&scraper::Selector::parse("h2, h3").unwrap())
        .count();
    assert_eq!(
        attrs(&page, ".content h2, .content h3, h2, h3", "id").len(),
        headings,
        "a heading without an id"
    );
    assert_eq!(attrs(&page, "h2[id], h3[id]", "id").len(), headings);
    assert_eq!(headings, 5, "the markdown's five headings, and no other");
    assert_eq!(
        attrs(&page, "h2[id], h3[id]", "id"),
        ["intro", "detail", "intro-1", "mine", "unicode-quotes"]
    );
    assert_eq!(
        attrs(&page, "h2 a.anchor", "href"),
        ["#intro", "#intro-1", "#mine", "#unicode-quotes"]
    );
    assert_eq!(
        texts(&page, "#toc > li"),
        [
            "intro:Intro[detail]",
            "intro-1:Intro[]",
            "mine:Custom[]",
            "unicode-quotes:Ünïcode & “quotes”[]"
        ]
    );
    assert_eq!(
        texts(&page, "#wc"),
        ["8/1"],
        "words of the headings and the paragraph"
    );
}

#[test]
fn summaries_come_from_more_marker_description_or_first_paragraph() {
    let site = Site::new();
    site.post(
        "more",
        "title: More\ndate: 2020-01-03\ndescription: Not this",
        "Teaser *text*.\n\n<!-- more -->\n\nRest.",
    );
    site.post(
        "desc",
        "title: Desc\ndate: 2020-01-02\ndescription: From description",
        "Body paragraph.",
    );
    site.post(
        "first",
        "title: First\ndate: 2020-01-01",
        "First **paragraph** here.\n\nSecond.",
    );
    site.build_ok();
    let home = site.html("index.html");
    assert_eq!(
        texts(&home, ".post-summary p:not(.meta)"),
        ["Teaser text.", "From description", "First paragraph here."]
    );
}

#[test]
fn links_to_content_files_become_urls_and_broken_ones_are_errors() {
    let site = Site::new();
    site.post("target", "title: Target", "## Part two\n");
    site.write("content/blog/flat.md", "---\ntitle: Flat\n---\nx");
    site.post(
        "source",
        "title: Source",
        "[a](../target/index.md) [b](../flat.md#x) [c](@/blog/target/index.md#part-two) \
         [d](https://example.org/) [e](#local) [f](../target/) [g](mailto:a@example.org)",
    );
    site.build_ok();
    let page = site.html("blog/source/index.html");
    assert_eq!(
        attrs(&page, ".content a:not(.anchor)", "href"),
        [
            "/blog/target/",
            "/blog/flat/#x",
            "/blog/target/#part-two",
            "https://example.org/",
            "#local",
            "/blog/target/",
            "mailto:a@example.org",
        ]
    );
    assert_eq!(
        attrs(&page, ".content a[href^=\"https\"]", "rel"),
        ["noopener noreferrer"]
    );

    site.post(
        "broken",
        "title: Broken",
        "Intro.\n\nSee [this](../missing/index.md) and [that](javascript:alert(1)).",
    );
    let errors = site.build_err();
    assert!(
        errors
            .contains("content/blog/broken/index.md:7:5: error: broken link `../missing/index.md`"),
        "{errors}"
    );
    assert!(
        errors.contains("`javascript:` links are not allowed"),
        "{errors}"
    );
}

#[test]
fn images_are_lazy_sized_and_copied_with_their_bundle() {
    let site = Site::new();
    // A 3×2 PNG.
    let png = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0,
        0, 0, 3, 0, 0, 0, 2, 8, 6, 0, 0, 0, 0, 0, 0, 0,
    ];
    site.write_bytes("content/blog/pics/egg.png", &png);
    site.post(
        "pics",
        "title: Pics",
        "![An egg](egg.png)\n\n![](./egg.png)",
    );
    let outcome = site.build_ok();
    assert!(site.exists("blog/pics/egg.png"));
    let page = site.html("blog/pics/index.html");
    let img = one(&page, ".content p:first-child img");
    for attr in [
        "src=\"/blog/pics/egg.png\"",
        "alt=\"An egg\"",
        "width=\"3\"",
        "height=\"2\"",
        "fetchpriority=\"high\"",
        "decoding=\"async\"",
    ] {
        assert!(img.contains(attr), "{attr} in {img}");
    }
    let second = one(&page, ".content p:nth-child(2) img");
    assert!(
        second.contains("loading=\"lazy\""),
        "later images wait: {second}"
    );
    let warnings = common::render(&outcome.warnings);
    assert!(
        warnings
            .contains("content/blog/pics/index.md:7:1: warning: image `./egg.png` has no alt text"),
        "{warnings}"
    );
}

#[test]
fn code_is_highlighted_with_classes_and_bad_blocks_do_not_hurt() {
    let site = Site::new();
    let minified = format!("```js\n{}\n```", "var a=1;".repeat(25_000));
    site.post(
        "code",
        "title: Code",
        &format!(
            "```rs\nfn main() {{}}\n```\n\n```ts\nlet x: number = 1;\n```\n\n```klingon\n<qapla'>\n```\n\n{minified}\n\nText with {{{{closure}}}} and {{% raw %}}."
        ),
    );
    let outcome = site.build_ok();
    let html = site.read("blog/code/index.html");
    let page = site.html("blog/code/index.html");
    assert!(
        !html.contains("style="),
        "highlighting must not use inline styles"
    );
    assert_eq!(
        attrs(&page, "pre", "data-lang"),
        ["rs", "ts", "klingon", "js"]
    );
    assert!(one(&page, "pre[data-lang=rs]").contains("class=\"hl-"));
    assert!(one(&page, "pre[data-lang=klingon]").contains("&lt;qapla'&gt;"));
    assert!(html.contains("{{closure}}") && html.contains("{% raw %}"));
    let warnings = common::render(&outcome.warnings);
    assert!(
        warnings.contains("unknown code block language `klingon`"),
        "{warnings}"
    );
    let css_name = attrs(&page, "link[rel=stylesheet]", "href")[0].clone();
    let css = site.read(css_name.trim_start_matches('/'));
    assert!(css.contains(".hl-") && css.contains("prefers-color-scheme: dark"));
}

#[test]
fn front_matter_values_are_escaped_by_templates() {
    let site = Site::new();
    site.post(
        "xss",
        "title: \"</script><script>alert(1)</script>\"\ndescription: '\"><img src=x onerror=alert(1)>'",
        "body",
    );
    site.build_ok();
    let html = site.read("blog/xss/index.html");
    assert!(!html.contains("<script>alert(1)"), "title must be escaped");
    assert!(!html.contains("<img src=x"), "description must be escaped");
    let page = site.html("blog/xss/index.html");
    assert_eq!(texts(&page, "h1"), ["</script><script>alert(1)</script>"]);
    let scripts = texts(&page, "script");
    assert_eq!(scripts.len(), 1, "only the JSON-LD script");
    let json: serde_json::Value = serde_json::from_str(&scripts[0]).unwrap();
    assert_eq!(json["headline"], "</script><script>alert(1)</script>");
}

#[test]
fn a_bare_content_folder_builds_with_the_built_in_theme() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    std::fs::write(dir.path().join("content/hello.md"), "# Hello\n").unwrap();
    pamphlet::build::build(&pamphlet::build::BuildOptions::new(dir.path())).unwrap();
    let out = std::fs::read_to_string(dir.path().join("public/hello/index.html")).unwrap();
    assert!(out.contains("<h1 id=\"hello\">Hello"));
}

#[test]
fn site_templates_override_and_their_errors_have_positions() {
    let site = Site::new();
    site.post("a", "title: A", "x");
    site.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block content %}<p id=custom>Lost</p>{% endblock content %}",
    );
    site.build_ok();
    assert_eq!(texts(&site.html("404.html"), "#custom"), ["Lost"]);

    let before = site.snapshot();
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}\n{% block content %}\n{{ page.title \n{% endblock content %}",
    );
    site.write("templates/section.html", "{% if %}");
    let errors = site.build_err();
    assert!(
        errors.contains("templates/page.html:4:1: error: template error"),
        "{errors}"
    );
    assert!(errors.contains("templates/section.html:1:"), "{errors}");
    assert_eq!(site.snapshot(), before);
}

#[test]
fn rebuilds_leave_no_stale_files_and_copy_static() {
    let site = Site::new();
    site.post("keep", "title: Keep", "x");
    site.post("gone", "title: Gone", "x");
    site.write("static/robots.txt", "User-agent: *\nDisallow:\n");
    site.write("static/files/notes.txt", "notes");
    site.build_ok();
    assert!(site.exists("blog/gone/index.html"));
    assert_eq!(site.read("files/notes.txt"), "notes");
    assert_eq!(site.read("robots.txt"), "User-agent: *\nDisallow:\n");
    std::fs::remove_dir_all(site.root().join("content/blog/gone")).unwrap();
    site.build_ok();
    assert!(!site.exists("blog/gone/index.html"));
    assert!(!site.exists("blog/gone"));
    assert!(site.exists("blog/keep/index.html"));
}

#[test]
fn the_command_line_builds_and_fails_with_exit_codes() {
    let site = Site::new();
    site.post("a", "title: A\ndate: 2020-01-01", "x");
    site.post("d", "title: D\ndraft: true", "x");
    let out_dir = site.root().join("elsewhere");
    let run = site.run(&[
        "build",
        "--output",
        out_dir.to_str().unwrap(),
        "--drafts",
        "--base-url",
        "https://other.example/",
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.starts_with("Built 2 pages, "), "{stdout}");
    assert!(out_dir.join("blog/d/index.html").exists());
    let page = std::fs::read_to_string(out_dir.join("blog/a/index.html")).unwrap();
    assert!(page.contains("href=\"https://other.example/blog/a/\""));

    site.post("bad", "title: [", "x");
    let run = site.run(&["build"]);
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("content/blog/bad/index.md:2:"), "{stderr}");

    for flag in ["--help", "--version"] {
        let run = site.run(&[flag]);
        assert!(run.status.success());
        assert!(!run.stdout.is_empty());
    }
}

#[test]
fn a_site_without_code_blocks_never_loads_the_syntax_set() {
    use pamphlet::build::{RenderMode, load_site, render_into};
    use pamphlet::render::highlight::Highlighter;
    use pamphlet::write::memory::MemorySink;

    let site = Site::new();
    site.post(
        "prose",
        "title: Prose",
        "Words only.\n\n    indented code, no language\n\n```\nfenced, no language\n```",
    );
    let (model, problems) = load_site(&site.options());
    assert!(!problems.has_errors());
    let highlighter = Highlighter::new();
    let report = render_into(
        &model,
        site.root(),
        &highlighter,
        &MemorySink::new(),
        RenderMode::default(),
    );
    assert!(!report.diagnostics.has_errors());
    assert!(
        !highlighter.is_loaded(),
        "no block names a language: the grammars stay unloaded"
    );

    site.post("code", "title: Code", "```rust\nfn main() {}\n```");
    let (model, _) = load_site(&site.options());
    render_into(
        &model,
        site.root(),
        &highlighter,
        &MemorySink::new(),
        RenderMode::default(),
    );
    assert!(
        highlighter.is_loaded(),
        "a block naming a language loads them"
    );
}

/// Guards the memory bound of large builds: a site whose text is over the budget has it read
/// again from its files when rendered, and that must make exactly the site held text makes.
#[test]
fn text_read_again_from_its_files_builds_the_same_site_as_text_held() {
    let site = common::generated_site(
        60,
        "title = \"T\"\nbase_url = \"https://example.com\"\npaginate_by = 5\n",
    );
    site.write(
        "content/posts/crlf/index.md",
        "\u{feff}---\r\ntitle: Windows\r\ndate: 2021-03-04\r\ntags: [rust]\r\n---\r\nFirst *line*.\r\n\r\n<!-- more -->\r\n\r\n```rust\r\nfn main() {}\r\n```\r\n",
    );
    site.write(
        "content/posts/_index.md",
        "---\ntitle: Posts\n---\nAll the **posts**.\n",
    );
    site.build_ok();
    let held = site.snapshot();
    let mut options = site.options();
    options.held_text = 0;
    if let Err(problems) = pamphlet::build::build(&options) {
        panic!("build failed:\n{}", common::render(&problems));
    }
    let read_again = site.snapshot();
    assert!(held.len() > 60, "{} files", held.len());
    let differ: std::collections::BTreeSet<&String> = (held.keys().chain(read_again.keys()))
        .filter(|file| held.get(*file) != read_again.get(*file))
        .collect();
    assert!(differ.is_empty(), "files that differ: {differ:?}");
}
