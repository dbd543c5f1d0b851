//! The command line's sharp edges, through the real binary: where a build may write, what
//! `new` and `init` may touch, and what each command says and exits with.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::{Site, snapshot};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A site with one post, and files in every input folder.
fn site() -> Site {
    let site = Site::new();
    site.post("a", "title: A\ndate: 2024-01-01", "The text of A.");
    site.write("templates/partials/extra.html", "<p>extra</p>");
    site.write("static/notes.txt", "static notes");
    site
}

/// The whole site folder, byte for byte.
fn everything(site: &Site) -> std::collections::BTreeMap<String, Vec<u8>> {
    snapshot(site.root())
}

#[test]
fn the_site_and_its_input_folders_are_never_an_output_even_with_force() {
    let site = site();
    std::fs::create_dir_all(site.root().join(".pamphlet-cache")).unwrap();
    site.write("content/blog/a/photo.txt", "beside the post");
    let before = everything(&site);
    for output in [
        ".",
        "content",
        "content/blog",
        "templates",
        "static",
        "static/sub",
        ".pamphlet-cache",
        "..",
        "content/../content",
    ] {
        for force in [false, true] {
            let mut args = vec!["build", "--output", output];
            if force {
                args.push("--force");
            }
            let out = site.run(&args);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "--output {output}: {err}");
            assert!(
                err.contains("refusing to build into"),
                "--output {output}: {err}"
            );
            assert!(err.contains("--force does not change this"), "{err}");
            assert_eq!(
                everything(&site),
                before,
                "--output {output} changed the site"
            );
        }
    }
}

#[test]
fn a_moved_cache_folder_is_never_an_output_even_with_force() {
    // Refuses `args` (a build with its output), with and without --force, saying why, and
    // changing nothing in the site or in `elsewhere`.
    fn refused(site: &Site, elsewhere: &Path, args: &[&str], why: &str) {
        let before = (everything(site), snapshot(elsewhere));
        for force in [false, true] {
            let mut args = args.to_vec();
            if force {
                args.push("--force");
            }
            let out = site.run(&args);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
            assert!(err.contains("refusing to build into"), "{args:?}: {err}");
            assert!(err.contains(why), "{args:?}: {err}");
            assert!(err.contains("--force does not change this"), "{err}");
            assert!(
                err.contains("--cache-dir"),
                "the help says how to move it: {err}"
            );
            assert_eq!(
                (everything(site), snapshot(elsewhere)),
                before,
                "{args:?} changed a folder"
            );
        }
    }

    // `[build] cache_dir` in site.toml, inside the site.
    let site = site();
    site.write(
        "site.toml",
        "title = \"Test site\"\nbase_url = \"https://example.com\"\n\n[build]\ncache_dir = \"cache\"\n",
    );
    site.write("cache/images/kept.bin", "a made image");
    let nowhere = tempfile::tempdir().unwrap();
    for output in ["cache", "cache/images", "cache/../cache", "cache/new"] {
        refused(
            &site,
            nowhere.path(),
            &["build", "--output", output],
            "the site's cache folder",
        );
    }

    // `--cache-dir` outside the site: the output may not be it, lie in it, or hold it.
    let elsewhere = tempfile::tempdir().unwrap();
    let cache = elsewhere.path().join("cache");
    std::fs::create_dir_all(cache.join("images")).unwrap();
    std::fs::write(cache.join("images/kept.bin"), "a made image").unwrap();
    let cache_arg = cache.to_str().unwrap();
    let inside = cache.join("site");
    let holding = elsewhere.path().to_str().unwrap();
    for (output, why) in [
        (cache_arg, "it is the site's cache folder"),
        (
            inside.to_str().unwrap(),
            "it is inside the site's cache folder",
        ),
        (holding, "it holds the site's cache folder"),
    ] {
        let args = ["build", "--cache-dir", cache_arg, "--output", output];
        refused(&site, elsewhere.path(), &args, why);
    }

    // A cache inside the output folder would be swapped out with the old site.
    let args = ["build", "--cache-dir", "public/.cache"];
    refused(
        &site,
        nowhere.path(),
        &args,
        "it holds the site's cache folder",
    );

    // A cache of its own, beside the output, is fine.
    let out = site.run(&["build", "--cache-dir", cache_arg]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(site.root().join("public/blog/a/index.html").exists());
}

#[test]
fn a_folder_holding_other_files_is_an_error_naming_them_and_force_takes_it_over() {
    let site = site();
    site.write("important/mine.txt", "my notes");
    site.write("important/drafts/one.md", "a draft");
    let out = site.run(&["build", "--output", "important"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("important was not made by pamphlet build"),
        "{err}"
    );
    assert!(err.contains("`drafts/` and `mine.txt`"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(
        std::fs::read_to_string(site.root().join("important/mine.txt")).unwrap(),
        "my notes"
    );
    let beside: Vec<String> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".important"))
        .collect();
    assert!(beside.is_empty(), "nothing is staged beside it: {beside:?}");

    // A second try changes nothing either: nothing was ever moved.
    assert_eq!(
        site.run(&["build", "--output", "important"]).status.code(),
        Some(1)
    );
    assert!(site.root().join("important/mine.txt").exists());

    let out = site.run(&["build", "--output", "important", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(site.root().join("important/blog/a/index.html").exists());
    assert!(
        !site.root().join("important/mine.txt").exists(),
        "taken over"
    );
    assert!(
        !site.root().join(".important.spare").exists(),
        "a folder taken over is not kept as the spare"
    );
    // From now on it is pamphlet's: no --force needed.
    let out = site.run(&["build", "--output", "important"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn an_empty_folder_or_an_earlier_build_needs_no_force() {
    let site = site();
    std::fs::create_dir(site.root().join("empty")).unwrap();
    for _ in 0..3 {
        let out = site.run(&["build", "--output", "empty"]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert!(site.root().join("empty/.pamphlet-output").is_file());
    assert!(site.root().join(".empty.spare/.pamphlet-output").is_file());
}

#[test]
fn relative_output_paths_resolve_against_root_not_the_current_folder() {
    let site = site();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .current_dir(elsewhere.path())
        .arg("--root")
        .arg(site.root())
        .args(["build", "--output", "dist"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(site.root().join("dist/blog/a/index.html").exists());
    assert!(!elsewhere.path().join("dist").exists());
    let shown = site.root().join("dist");
    assert!(
        stdout(&out).contains(&format!("into {}", shown.display())),
        "the Built line names where: {}",
        stdout(&out)
    );
}

#[cfg(unix)]
#[test]
fn a_symlinked_output_builds_into_its_target_and_one_into_the_site_is_refused() {
    let linked = site();
    let target = tempfile::tempdir().unwrap();
    let served = target.path().join("www");
    std::fs::create_dir(&served).unwrap();
    std::os::unix::fs::symlink(&served, linked.root().join("public")).unwrap();
    for _ in 0..2 {
        let out = linked.run(&["build"]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert!(served.join("blog/a/index.html").exists());
    assert!(
        std::fs::symlink_metadata(linked.root().join("public"))
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link itself is left as it was"
    );

    let other = site();
    std::os::unix::fs::symlink(other.root().join("content"), other.root().join("public")).unwrap();
    let before = everything(&other);
    let out = other.run(&["build", "--force"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("it is the site's content/ folder"),
        "{}",
        stderr(&out)
    );
    assert_eq!(everything(&other), before);
}

#[test]
fn new_refuses_a_section_that_could_leave_content() {
    let site = site();
    let parent = site.root().parent().unwrap().to_path_buf();
    let before = snapshot(&parent.join("escape2"));
    for section in [
        "../../escape2",
        "../x",
        "/abs",
        "a/../../b",
        "Blog Posts",
        "a//b",
        "",
    ] {
        let out = site.run(&["new", "Y", "--section", section]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "--section {section:?}: {err}");
        assert!(
            err.contains("must be one or more slugs under content/"),
            "{err}"
        );
    }
    assert_eq!(snapshot(&parent.join("escape2")), before);
    assert!(!site.root().join("content/x").exists());
    let out = site.run(&["new", "Y", "--section", "notes/2024"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(site.root().join("content/notes/2024/y/index.md").is_file());
}

#[test]
fn init_makes_its_folder_relative_to_root() {
    let root = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .current_dir(std::env::temp_dir())
        .arg("--root")
        .arg(root.path())
        .args(["init", "my-blog"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let made = root.path().join("my-blog");
    assert!(made.join("site.toml").is_file());
    assert!(
        stdout(&out).contains(&format!("pamphlet --root {} build", made.display())),
        "{}",
        stdout(&out)
    );
    let built = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .arg("--root")
        .arg(&made)
        .arg("build")
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
    assert!(Path::new(&made.join("public/index.html")).is_file());
}

#[test]
fn a_build_without_base_url_warns_and_deploy_refuses_to_publish_it() {
    let site = site();
    site.write(
        "site.toml",
        "title = \"No address\"\n[deploy]\naccount = \"mysite\"\n",
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "site.toml: warning: base_url is not set, so canonical links, feeds, the sitemap and robots.txt point at the placeholder http://127.0.0.1:1111"
        ),
        "{}",
        stderr(&out)
    );
    let deploy = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .arg("--root")
        .arg(site.root())
        .arg("deploy")
        .env("AZURE_STORAGE_KEY", "a2V5")
        .env_remove("AZURE_STORAGE_CONNECTION_STRING")
        .output()
        .unwrap();
    assert_eq!(deploy.status.code(), Some(1));
    assert!(
        stderr(&deploy)
            .contains("was built without base_url, so its links point at http://127.0.0.1:1111"),
        "{}",
        stderr(&deploy)
    );
    // Given on the command line, it is set: no warning, and the marker says so.
    let out = site.run(&["build", "--base-url", "https://example.org/"]);
    assert!(
        !stderr(&out).contains("base_url is not set"),
        "{}",
        stderr(&out)
    );
    let marker = std::fs::read_to_string(site.root().join("public/.pamphlet-output")).unwrap();
    assert!(
        marker.contains("\"placeholder_base_url\": false"),
        "{marker}"
    );
    assert!(marker.contains("https://example.org"), "{marker}");
}

#[test]
fn embeds_the_policy_would_block_are_warnings_in_build_and_errors_in_check() {
    let site = Site::new();
    site.post(
        "video",
        "title: Video\ndate: 2024-01-01",
        "Watch:\n\n<iframe src=\"https://www.youtube.com/embed/abc\"></iframe>",
    );
    let out = site.run(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "content/blog/video/index.md:8:1: warning: the `<iframe>` embedded frame from www.youtube.com is blocked by the Content-Security-Policy (frame-src)"
        ),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("[security] frame_src = [\"https://www.youtube.com\"]"),
        "{}",
        stderr(&out)
    );
    let check = site.run(&["check"]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert!(
        stderr(&check).contains("content/blog/video/index.md:8:1: error: the `<iframe>`"),
        "{}",
        stderr(&check)
    );
    assert_eq!(
        stderr(&check).matches("www.youtube.com is blocked").count(),
        1,
        "reported once, at its markdown line: {}",
        stderr(&check)
    );

    // Widened for exactly that host, the embed is allowed, and the meta tag says so.
    site.write(
        "site.toml",
        "title = \"T\"\nbase_url = \"https://example.com\"\n[security]\nframe_src = [\"https://www.youtube.com\"]\n",
    );
    let out = site.run(&["build"]);
    assert!(!stderr(&out).contains("blocked"), "{}", stderr(&out));
    let page = site.html("blog/video/index.html");
    let csp = crate::common::attrs(
        &page,
        "meta[http-equiv='Content-Security-Policy']",
        "content",
    );
    assert_eq!(
        csp,
        [
            "default-src 'self'; img-src 'self'; frame-src 'self' https://www.youtube.com; style-src 'self'; base-uri 'self'; form-action 'self'; object-src 'none'"
        ]
    );
    assert!(site.run(&["check"]).status.success());

    // A template's own reference to another host is found by check in the output.
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block content %}<script src=\"https://cdn.example/x.js\"></script>{{ page.content | safe }}{% endblock content %}",
    );
    let check = site.run(&["check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stderr(&check).contains("blog/video/index.html (output)")
            && stderr(&check).contains("the `<script>` script from cdn.example is blocked"),
        "{}",
        stderr(&check)
    );
}

#[test]
fn a_security_source_that_would_gut_the_policy_is_an_error_at_its_line() {
    let site = Site::new();
    site.post("a", "title: A", "Text.");
    site.write(
        "site.toml",
        "title = \"T\"\nbase_url = \"https://example.com\"\n[security]\nframe_src = [\"'unsafe-inline'\", \"youtube.com\"]\n",
    );
    let out = site.run(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            "site.toml:4:15: error: [security] frame_src: `'unsafe-inline'` is not a host"
        ),
        "{err}"
    );
    assert!(err.contains("`youtube.com` is not an origin; write it with its scheme, such as \"https://youtube.com\""), "{err}");
}

#[test]
fn a_main_sections_typo_is_an_error_naming_the_sections_there_are() {
    let site = Site::new();
    site.post("a", "title: A\ndate: 2024-01-01", "Text.");
    site.write(
        "site.toml",
        "title = \"T\"\nbase_url = \"https://example.com\"\nmain_sections = [\"blgo\"]\n",
    );
    let out = site.run(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("main_sections names \"blgo\", which is no folder of content/")
            && err.contains("the sections are blog"),
        "{err}"
    );
    assert!(
        err.ends_with("1 error, 0 warnings\n"),
        "counts are in words: {err}"
    );
    site.write(
        "site.toml",
        "title = \"T\"\nbase_url = \"https://example.com\"\nmain_sections = [\"blog\"]\n",
    );
    assert_eq!(site.run(&["build"]).status.code(), Some(0));
}

#[test]
fn check_counts_its_warnings_in_words() {
    let site = Site::new();
    site.post(
        "a",
        "title: A\ndate: 2024-01-01",
        "An image ![](missing-alt.png) without alt.",
    );
    site.write_bytes("content/blog/a/missing-alt.png", b"not really a png");
    let out = site.run(&["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("Checked 1 page, ") && stdout.contains(": no errors, 2 warnings"),
        "{stdout}\n{}",
        stderr(&out)
    );
}

#[test]
fn a_refused_scheme_gets_help_that_fits_it() {
    let site = Site::new();
    site.post(
        "a",
        "title: A\ndate: 2024-01-01",
        "[run](javascript:alert(1))",
    );
    let err = stderr(&site.run(&["build"]));
    assert!(
        err.contains("`javascript:` links are not allowed")
            && err.contains("link to an https:// address or to a page of the site instead")
            && !err.contains("point the link at an existing page"),
        "{err}"
    );
}

#[test]
fn a_link_to_a_post_by_its_name_finds_its_bundle() {
    let site = Site::new();
    site.post("other", "title: Other\ndate: 2024-01-01", "The other post.");
    site.post(
        "a",
        "title: A\ndate: 2024-01-02",
        "[by name](@/blog/other.md) and [relative](../other.md) and [gone](@/blog/gone.md)",
    );
    let out = site.run(&["build"]);
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the link to nothing is still an error: {err}"
    );
    assert!(
        err.contains("content/blog/gone.md, which does not exist"),
        "{err}"
    );
    assert!(
        err.contains(": 1 error, "),
        "both links by name found the bundle: {err}"
    );
    site.post(
        "a",
        "title: A\ndate: 2024-01-02",
        "[by name](@/blog/other.md) and [relative](../other.md)",
    );
    assert_eq!(site.run(&["build"]).status.code(), Some(0));
    let hrefs = crate::common::attrs(&site.html("blog/a/index.html"), ".content a", "href");
    assert_eq!(hrefs, ["/blog/other/", "/blog/other/"]);
}

#[test]
fn build_warns_of_links_to_pages_and_fragments_the_site_lacks_at_their_line() {
    let site = Site::new();
    site.post(
        "other",
        "title: Other\ndate: 2024-01-01",
        "## A heading\n\nText.",
    );
    site.post(
        "a",
        "title: A\ndate: 2024-01-02",
        "Fine: [page](/blog/other/), [heading](/blog/other/#a-heading), [here](#mine).\n\n\
         ## Mine\n\nBroken: [nope](/nope/) and\n[missing](/blog/other/#missing) and [self](#nowhere).",
    );
    let out = site.run(&["build", "--base-url", "https://example.com"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "broken links only warn: {err}");
    let file = Path::new("content/blog/a/index.md").display().to_string();
    for (at, what) in [
        (":10:9:", "link to `/nope/`, which the site does not have"),
        (
            ":11:1:",
            "`blog/other/index.html` has no element with id `missing`",
        ),
        (
            ":11:37:",
            "`blog/a/index.html` has no element with id `nowhere`",
        ),
    ] {
        let line = err.lines().find(|l| l.contains(what));
        assert!(
            line.is_some_and(|l| l.starts_with(&format!("{file}{at} warning: "))),
            "{at} {what}:\n{err}"
        );
    }
    assert_eq!(err.matches("warning: ").count(), 3, "{err}");
    for fine in ["`/blog/other/`", "#a-heading", "#mine"] {
        assert!(!err.contains(fine), "{fine} is fine: {err}");
    }
    // `check` finds the same three, as errors.
    let out = site.run(&["check"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for what in ["`/nope/`", "id `missing`", "id `nowhere`"] {
        assert!(err.contains(what), "{what}: {err}");
    }
}

#[test]
fn front_matter_and_site_toml_errors_give_one_position_and_name_the_field() {
    let site = Site::new();
    site.write(
        "content/open.md",
        "---\ntitle: B\ntags: [a, b\ndate: 2024-01-01\n---\nx\n",
    );
    site.write(
        "content/typed.md",
        "+++\ntitle = \"A\"\ndraft = \"x\"\n+++\nx\n",
    );
    let mut laughs = String::from("---\ntitle: L\nextra:\n  a: &a [\"lol\",\"lol\",\"lol\"]\n");
    for (name, prev) in ["b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]
        .iter()
        .zip("abcdefghij".chars())
    {
        let aliases = vec![format!("*{prev}"); 9].join(",");
        laughs.push_str(&format!("  {name}: &{name} [{aliases}]\n"));
    }
    site.write("content/laughs.md", &format!("{laughs}---\nx\n"));
    site.write(
        "site.toml",
        "title = \"T\"\nbase_url = \"https://example.com\"\n[markdown]\nmath = 3\n",
    );
    let out = site.run(&["build"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for expected in [
        "content/open.md:3:7: error: invalid front matter: did not find expected ',' or ']': a `[` list that is never closed",
        "content/typed.md:3:9: error: invalid front matter: draft: invalid type: string \"x\", expected a boolean",
        "content/laughs.md:5:10: error: invalid front matter: its YAML anchors and aliases",
        "site.toml:4:8: error: markdown.math: invalid type: integer `3`, expected a boolean",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    assert!(!err.contains(" at line "), "one position per error: {err}");
}

#[test]
fn headers_front_door_sends_the_meta_tags_policy_and_redirects_every_alias() {
    let site = Site::new();
    site.write(
        "site.toml",
        "title = \"It's a test\"\nbase_url = \"https://example.com\"\n\n[security]\nframe_src = [\"https://www.youtube.com\"]\n",
    );
    site.post(
        "moved",
        "title: Moved\ndate: 2024-01-01\naliases: [\"/2019/old-name/\"]",
        "It lived elsewhere once.",
    );
    let built = site.run(&["build"]);
    assert!(built.status.success(), "{}", stderr(&built));
    let page = std::fs::read_to_string(site.public().join("blog/moved/index.html")).unwrap();
    let html = scraper::Html::parse_document(&page);
    let meta = crate::common::attrs(&html, "meta[http-equiv=Content-Security-Policy]", "content");
    let csp = format!("{}; frame-ancestors 'none'", meta[0]);
    assert!(
        csp.contains("frame-src 'self' https://www.youtube.com"),
        "{csp}"
    );

    let printed = site.run(&["headers"]);
    assert!(printed.status.success(), "{}", stderr(&printed));
    assert!(
        stdout(&printed).contains(&format!("Content-Security-Policy: {csp}\n")),
        "{}",
        stdout(&printed)
    );

    let out = site.run(&["headers", "--front-door", "--output", "edge"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        // The alias, and `page/1/` of the home page and of the blog section.
        stdout(&out).contains("5 headers and 3 redirects"),
        "{}",
        stdout(&out)
    );
    let json = std::fs::read_to_string(site.root().join("edge/front-door-rules.json")).unwrap();
    let template: serde_json::Value = serde_json::from_str(&json).unwrap();
    let resources = template["resources"].as_array().unwrap();
    let actions = &resources[1]["properties"]["actions"];
    let sent: Vec<(&str, &str)> = (actions.as_array().unwrap().iter())
        .map(|a| {
            let p = &a["parameters"];
            (
                p["headerName"].as_str().unwrap(),
                p["value"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(sent[0], ("Content-Security-Policy", csp.as_str()));
    assert!(sent.contains(&("X-Content-Type-Options", "nosniff")));
    let redirect = (resources.iter())
        .map(|r| &r["properties"])
        .find(|p| p["actions"][0]["parameters"]["customPath"] == "/blog/moved/")
        .expect("the alias's rule");
    assert_eq!(
        redirect["conditions"][0]["parameters"]["matchValues"],
        serde_json::json!([
            "2019/old-name/",
            "2019/old-name",
            "2019/old-name/index.html"
        ])
    );
    assert_eq!(
        redirect["actions"][0]["parameters"]["customPath"],
        "/blog/moved/"
    );

    let script = site.root().join("edge/front-door-rules.sh");
    let checked = Command::new("sh").arg("-n").arg(&script).output().unwrap();
    assert!(checked.status.success(), "{}", stderr(&checked));
    // Without the profile named, the script stops before calling az at all.
    let unset = Command::new("/bin/sh")
        .arg(&script)
        .env_remove("RESOURCE_GROUP")
        .env("PATH", "")
        .output()
        .unwrap();
    assert_ne!(unset.status.code(), Some(0));
    assert!(
        stderr(&unset).contains("set RESOURCE_GROUP"),
        "{}",
        stderr(&unset)
    );
}
