//! The default theme in a real browser, and `pamphlet serve`'s live reload seen from one.
//!
//! Each test starts the real binary (`pamphlet --root <site> serve --port 0`) on a copy of this
//! repository's site, and drives Debian's chromium with playwright-core through
//! `tests/browser/browser.mjs`, which reports what the browser saw as JSON; the judging is here.
//!
//! Chromium (`/usr/bin/chromium`, or `PAMPHLET_CHROMIUM`) and node_modules come from
//! `scripts/test`, which installs whatever is missing. Without them these tests fail, saying
//! so: they never skip.

use crate::common;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::{Site, copy_tree, own_site, repo};
use serde_json::Value;

const ESSAY: &str = "/blog/serverless-is-more-secure/";
const ESSAY_MARKDOWN: &str = "content/blog/serverless-is-more-secure/index.md";
/// A post with every element an essay uses: code in several languages, a wide table,
/// footnotes, an image, tags.
const SINK: &str = "/blog/kitchen-sink/";
const HINT: &str = "run the tests with `scripts/test`, which installs chromium (apt-get) and the npm \
                    tools (npm ci), then runs them";

/// Every kind of page the theme renders.
const PAGES: [&str; 7] = [
    "/",
    ESSAY,
    SINK,
    "/tags/",
    "/tags/rust/",
    "/about/",
    "/no/such/page/",
];

/// This repository's site, with the kitchen-sink post and a canary page that breaks every rule.
fn theme_site() -> Site {
    let site = own_site();
    copy_tree(
        &repo().join("tests/browser/kitchen-sink"),
        &site.root().join("content/blog/kitchen-sink"),
    );
    site.write("static/canary.html", CANARY)
        .write("static/canary.css", CANARY_CSS)
        .write("static/canary.js", CANARY_JS);
    site
}

/// A page that does everything the theme must not: the checks must see each of these. The
/// stylesheet and script are its own files, so that the CSP lets them do their harm.
const CANARY: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; img-src 'self'; style-src 'self'">
<title>Canary</title>
<link rel="stylesheet" href="/canary.css">
<style>p { color: red; }</style>
<script src="/canary.js"></script>
</head>
<body>
<main>
<h1>Canary</h1>
<h3>A skipped level</h3>
<h1>A second h1</h1>
<p style="color: red">An inline style.</p>
<img src="https://example.invalid/pixel.png">
<img src="/missing.png" alt="">
<pre><code>let x = <span class="faint">1</span>;</code></pre>
<div class="wide">Wider than any screen.</div>
<p><math class="hidden"><mi>x</mi></math> and <math><mfrac class="flat"><mi>a</mi><mi>b</mi></mfrac></math></p>
<script>document.title = 'ran';</script>
</main>
</body>
</html>
"#;

/// A code token nearly the colour of its block, and an element wider than any screen.
const CANARY_CSS: &str = "pre { background: #fff; color: #000; }\n\
.faint { color: #f4f4f4; }\n\
.wide { width: 150vw; }\n\
.hidden { display: none; }\n\
.flat { display: flex; }\n";

/// A console error, then an exception nothing catches.
const CANARY_JS: &str = "console.error('canary: a console error');\n\
throw new Error('canary: an uncaught exception');\n";

/// A serif the measure is proven in, installed alone: its Debian package, the folder it
/// installs into, its regular face there, and the file patterns that are this serif and no
/// other font of the package.
struct Serif {
    family: &'static str,
    package: &'static str,
    dir: &'static str,
    regular: &'static str,
    files: &'static [&'static str],
}

/// A narrow serif (Times metrics) and a wide one.
const SERIFS: [Serif; 2] = [
    Serif {
        family: "Liberation Serif",
        package: "fonts-liberation",
        dir: "/usr/share/fonts/truetype/liberation",
        regular: "LiberationSerif-Regular.ttf",
        files: &["LiberationSerif-*.ttf"],
    },
    Serif {
        family: "DejaVu Serif",
        package: "fonts-dejavu-core",
        dir: "/usr/share/fonts/truetype/dejavu",
        regular: "DejaVuSerif.ttf",
        // Not DejaVuSerifCondensed*: the same family in a narrower cut.
        files: &["DejaVuSerif.ttf", "DejaVuSerif-*.ttf"],
    },
];

impl Serif {
    /// A fontconfig configuration in `dir` under which this serif is the only font there is,
    /// so chromium draws every letter in it whatever the stylesheet asks for. Fails, never
    /// skips, when the font is not installed.
    fn fonts_conf(&self, dir: &Path) -> PathBuf {
        assert!(
            Path::new(self.dir).join(self.regular).is_file(),
            "{} is not installed in {} (Debian package {}): {HINT}",
            self.family,
            self.dir,
            self.package
        );
        let mut accept = String::new();
        for pattern in self.files {
            let _ = writeln!(accept, "      <glob>{}/{pattern}</glob>", self.dir);
        }
        // Slight hinting, as Debian and the desktops set it: fontconfig's own default, full
        // hinting, rounds every letter's advance to a whole pixel and so sets lines wider
        // than readers see them.
        let conf = format!(
            r#"<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>{}</dir>
  <cachedir>{}</cachedir>
  <match target="pattern">
    <edit name="hintstyle" mode="assign"><const>hintslight</const></edit>
  </match>
  <selectfont>
    <rejectfont><glob>*</glob></rejectfont>
    <acceptfont>
{accept}    </acceptfont>
  </selectfont>
</fontconfig>
"#,
            self.dir,
            dir.join("cache").display()
        );
        let path = dir.join("fonts.conf");
        std::fs::write(&path, conf).unwrap();
        path
    }
}

/// Fails, never skips, when the browser or the npm tools are not installed.
fn require_tools() {
    let chromium = std::env::var_os("PAMPHLET_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        chromium.is_file(),
        "chromium is not installed at {} (Debian package chromium): {HINT}",
        chromium.display()
    );
    for package in ["playwright-core", "axe-core"] {
        assert!(
            repo().join("node_modules").join(package).is_dir(),
            "node_modules/{package} is missing (npm package from package.json): {HINT}"
        );
    }
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|out| out.status.success()),
        "cannot run `node` (Node.js, for playwright-core): {HINT}"
    );
}

/// The real `pamphlet serve`, stopped when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(site: &Site) -> Server {
        let child = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
            .arg("--root")
            .arg(site.root())
            .args(["serve", "--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start pamphlet serve");
        // Stopped by `Drop` from here on, whatever happens.
        let mut server = Server {
            child,
            url: String::new(),
        };
        // Its output is read to the end, so a chatty server can never block on a full pipe.
        let (lines, received) = mpsc::channel();
        let stdout = server.child.stdout.take().unwrap();
        let stderr = server.child.stderr.take().unwrap();
        let to_err = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = to_err.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut log = String::new();
        while server.url.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = received.recv_timeout(left) else {
                panic!("pamphlet serve did not say where it serves within 60 s:\n{log}");
            };
            let _ = writeln!(log, "{line}");
            if let Some(at) = line.find("Serving http://") {
                server.url = line[at + "Serving ".len()..]
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .to_string();
            }
        }
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `tests/browser/browser.mjs` with `args` and returns its JSON report.
fn browser(args: &[&str], limit: Duration) -> Value {
    browser_with(args, &[], limit)
}

/// `browser`, with `env` added to the environment node and chromium run in.
fn browser_with(args: &[&str], env: &[(&str, &Path)], limit: Duration) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut child = Command::new("node")
        .arg(repo().join("tests/browser/browser.mjs"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(repo())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `node` ({e}): {HINT}"));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "browser.mjs {} took over {limit:?}:\n{}",
                args[0],
                read(&err)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = read(&err);
    match status.code() {
        Some(0) => {}
        Some(2) => panic!("the browser checks cannot run: {stderr}"),
        _ => panic!("browser.mjs {} failed ({status}):\n{stderr}", args[0]),
    }
    let stdout = read(&out);
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("browser.mjs printed no JSON report ({e}):\n{stdout}\n{stderr}"))
}

fn read(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
}

/// A list in the report. Anything else is a report that lost a key, not an empty list: taking
/// it for one would let every check on it pass unseen.
fn list(value: &Value) -> &[Value] {
    value
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_else(|| panic!("the report has {value} where a list belongs"))
}

/// The report's results, after checking they are exactly one for each of `paths` at each
/// of `widths` in each of `schemes` (none for a report without schemes).
fn results<'a>(report: &'a Value, paths: &[&str], schemes: &[&str], widths: &[u64]) -> &'a [Value] {
    let results = list(&report["results"]);
    let mut want = Vec::new();
    for path in paths {
        for width in widths {
            if schemes.is_empty() {
                want.push(format!("{path} {width}"));
            }
            for scheme in schemes {
                want.push(format!("{path} {scheme} {width}"));
            }
        }
    }
    let mut got: Vec<String> = results
        .iter()
        .map(|r| match r["scheme"].as_str() {
            Some(scheme) => format!("{} {scheme} {}", r["path"].as_str().unwrap(), r["width"]),
            None => format!("{} {}", r["path"].as_str().unwrap(), r["width"]),
        })
        .collect();
    want.sort();
    got.sort();
    assert_eq!(
        got, want,
        "one result for each page, scheme and width: {report:#}"
    );
    results
}

const SCHEMES: [&str; 2] = ["light", "dark"];
const WIDTHS: [u64; 2] = [390, 1280];

/// Every page the theme renders, in light and dark, at 390 and 1280 px: no console error, no
/// uncaught exception, no CSP violation, no request to another host, no failed request or
/// error status, no axe-core violation (WCAG 2.2 A and AA, best practices; contrast in both
/// schemes included), one h1 and no skipped heading level, no inline style or script, nothing
/// wider than the screen, and AA contrast for every highlighted code token.
#[test]
fn every_page_is_clean_in_a_real_browser_in_light_and_dark() {
    require_tools();
    let site = theme_site();
    let server = Server::start(&site);
    let mut args = vec!["pages", server.url.as_str()];
    args.extend(PAGES);
    let report = browser(&args, Duration::from_secs(300));
    let results = results(&report, &PAGES, &SCHEMES, &WIDTHS);

    let mut problems = String::new();
    for r in results {
        let at = format!(
            "{} ({}, {} px)",
            r["path"].as_str().unwrap(),
            r["scheme"].as_str().unwrap(),
            r["width"]
        );
        let want = if r["path"] == "/no/such/page/" {
            404
        } else {
            200
        };
        if r["status"] != want {
            let _ = writeln!(problems, "{at}: status {} (want {want})", r["status"]);
        }
        for (key, what) in [
            ("console", "console message"),
            ("pageErrors", "page error"),
            ("cspViolations", "CSP violation"),
            ("offsiteRequests", "request to another host"),
            ("failedRequests", "failed request"),
            ("axe", "axe-core violation"),
            ("problems", "problem"),
        ] {
            for item in list(&r[key]) {
                let _ = writeln!(problems, "{at}: {what}: {item}");
            }
        }
        for low in list(&r["code"]["low"]) {
            let _ = writeln!(
                problems,
                "{at}: highlighted code below 4.5:1 contrast: {low}"
            );
        }
    }
    assert!(problems.is_empty(), "the browser saw problems:\n{problems}");

    // The checks measured what they claim to.
    let find = |path: &str, scheme: &str, width: u64| {
        results
            .iter()
            .find(|r| r["path"] == path && r["scheme"] == scheme && r["width"] == width)
            .unwrap()
    };
    for scheme in ["light", "dark"] {
        let sink = find(SINK, scheme, 390);
        assert!(
            sink["code"]["tokens"].as_u64().unwrap() > 100,
            "the kitchen sink's code was not measured: {sink:#}"
        );
        let drawn = &sink["drawn"];
        assert!(
            drawn["formulas"].as_u64().unwrap() >= 3
                && drawn["fractions"].as_u64().unwrap() >= 3
                && drawn["diagrams"].as_u64().unwrap() >= 1,
            "the kitchen sink's formulas and diagram were not drawn: {drawn:#}"
        );
        let essay = find(ESSAY, scheme, 1280);
        let measure = essay["measure"].as_u64().unwrap();
        assert!(
            (60..=75).contains(&measure),
            "the essay's measure at 1280 px is {measure} characters a line in {}; want 60 to 75",
            essay["fonts"]
        );
    }
    let dark = find(SINK, "dark", 1280)["code"]["lowest"].as_f64().unwrap();
    let light = find(SINK, "light", 1280)["code"]["lowest"]
        .as_f64()
        .unwrap();
    assert_ne!(dark, light, "dark mode must change the code colours");
}

/// The essay holds 60 to 75 characters a line at 1280 px in a narrow serif and in a wide one,
/// each installed alone (proven drawn, not merely asked for), and fills a phone's screen less
/// the body's side padding; on every kind of page the header, main and footer share one
/// centred column.
#[test]
fn the_measure_holds_in_a_narrow_and_a_wide_serif_installed_alone() {
    require_tools();
    let site = theme_site();
    let server = Server::start(&site);
    let mut args = vec!["layout", server.url.as_str()];
    args.extend(PAGES);
    let mut measures = String::new();
    for serif in &SERIFS {
        let fonts = tempfile::tempdir().unwrap();
        let conf = serif.fonts_conf(fonts.path());
        let report = browser_with(
            &args,
            &[("FONTCONFIG_FILE", &conf)],
            Duration::from_secs(180),
        );
        let results = results(&report, &PAGES, &[], &WIDTHS);
        for r in results {
            let at = format!(
                "{} at {} px in {} alone",
                r["path"].as_str().unwrap(),
                r["width"],
                serif.family
            );
            let want = if r["path"] == "/no/such/page/" {
                404
            } else {
                200
            };
            assert_eq!(r["status"], want, "{at}: {r:#}");
            let edges = |part: &str, edge: &str| r[part][edge].as_f64().unwrap();
            for edge in ["left", "right"] {
                let main = edges("main", edge);
                for part in ["header", "footer"] {
                    assert!(
                        (edges(part, edge) - main).abs() <= 1.0,
                        "{at}: the {part}'s {edge} edge is not main's: {r:#}"
                    );
                }
            }
            let viewport = r["viewport"].as_f64().unwrap();
            let (left, right) = (edges("main", "left"), viewport - edges("main", "right"));
            assert!(
                (left - right).abs() <= 1.0 && left > 0.0,
                "{at}: the column is not centred with a margin ({left} px left, {right} px right): {r:#}"
            );
        }
        let essay = |width: u64| {
            results
                .iter()
                .find(|r| r["path"] == ESSAY && r["width"] == width)
                .unwrap()
        };
        for width in WIDTHS {
            let r = essay(width);
            let fonts: Vec<&String> = r["fonts"].as_object().unwrap().keys().collect();
            assert_eq!(
                fonts,
                [serif.family],
                "the essay at {width} px was drawn in {fonts:?}, not {} alone: {r:#}",
                serif.family
            );
        }
        let wide = essay(1280);
        let measure = wide["measure"].as_u64().unwrap();
        assert!(
            (60..=75).contains(&measure),
            "the essay's measure at 1280 px in {} alone is {measure} characters a line; want 60 \
             to 75: {wide:#}",
            serif.family
        );
        let phone = essay(390);
        let viewport = phone["viewport"].as_f64().unwrap();
        let padding: f64 = list(&phone["padding"])
            .iter()
            .map(|p| p.as_f64().unwrap())
            .sum();
        let paragraph = phone["paragraph"].as_f64().unwrap();
        assert!(
            padding > 0.0 && (viewport - padding - paragraph).abs() <= 2.0,
            "at 390 px in {} alone the essay's paragraphs are {paragraph} px wide; want the \
             {viewport} px screen less the body's {padding} px of padding: {phone:#}",
            serif.family
        );
        let _ = writeln!(
            measures,
            "{}: {measure} characters a line at 1280 px ({} px column), {} at 390 px ({paragraph} px)",
            serif.family, wide["paragraph"], phone["measure"]
        );
    }
    // What the README quotes, for whoever updates it.
    eprint!("{measures}");
}

/// The same checks catch a page that breaks every rule, so their silence above means something:
/// each kind of check is seen firing on the canary, in both schemes at both widths.
#[test]
fn the_browser_checks_catch_a_page_that_breaks_the_rules() {
    require_tools();
    let site = theme_site();
    let server = Server::start(&site);
    let report = browser(
        &["pages", &server.url, "/canary.html"],
        Duration::from_secs(120),
    );
    for r in results(&report, &["/canary.html"], &SCHEMES, &WIDTHS) {
        let text = format!("{r:#}");
        let strings = |key: &str| -> Vec<&str> {
            list(&r[key]).iter().map(|v| v.as_str().unwrap()).collect()
        };
        assert_eq!(r["status"], 200, "{text}");
        assert_eq!(
            r["title"], "Canary",
            "the inline script ran, so the CSP was not applied: {text}"
        );

        assert!(
            list(&r["console"])
                .iter()
                .any(|m| m["type"] == "error" && m["text"] == "canary: a console error"),
            "the console error was not reported: {text}"
        );

        let mut directives: Vec<&str> = list(&r["cspViolations"])
            .iter()
            .map(|v| v["directive"].as_str().unwrap())
            .collect();
        directives.sort_unstable();
        assert_eq!(
            directives,
            [
                "img-src",
                "script-src-elem",
                "style-src-attr",
                "style-src-elem"
            ],
            "one CSP violation for each of the image, the inline script, the style attribute \
             and the <style> element: {text}"
        );

        assert_eq!(
            strings("offsiteRequests"),
            ["https://example.invalid/pixel.png"],
            "the image on another host is the one request to another host: {text}"
        );

        let missing: Vec<&str> = strings("failedRequests")
            .into_iter()
            .filter(|f| f.contains("/missing.png"))
            .collect();
        assert!(
            missing.len() == 1 && missing[0].ends_with("/missing.png: HTTP 404"),
            "the missing image is reported once as a failed request: {text}"
        );

        let errors = strings("pageErrors");
        assert!(
            errors.len() == 1 && errors[0].contains("canary: an uncaught exception"),
            "the script's exception is the one page error: {text}"
        );

        let problems = strings("problems");
        for expected in [
            "heading level skipped: h1 then h3",
            "2 h1 elements",
            "an inline style attribute",
            "a <style> element",
            "an inline script",
            "an image without alt: https://example.invalid/pixel.png",
            "the page scrolls sideways by",
            "no a banner (header)",
            "no a navigation landmark",
            "no main#main",
            "no a contentinfo footer",
            "no a skip link to #main",
            "a formula drawn with no size: x",
            "a fraction not stacked: ab",
        ] {
            let found = problems.iter().filter(|p| p.starts_with(expected)).count();
            assert_eq!(found, 1, "`{expected}` not reported once: {text}");
        }
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("the page scrolls sideways") && p.contains("div.wide")),
            "the sideways scroll does not name the wide element: {text}"
        );

        let low = list(&r["code"]["low"]);
        assert!(
            low.len() == 1 && low[0].as_str().unwrap().starts_with("faint: "),
            "the faint code token is the one under 4.5:1: {text}"
        );

        assert!(
            list(&r["axe"]).iter().any(|v| v["id"] == "image-alt"),
            "axe-core did not report the image without alt: {text}"
        );
    }
}

/// Live reload, seen by a browser: a markdown edit shows in the open page with no action from
/// the test, and a stylesheet edit applies without a reload (a marker set on `window` survives).
#[test]
fn live_reload_shows_edits_and_swaps_the_stylesheet_in_place() {
    require_tools();
    let site = own_site();
    let server = Server::start(&site);
    let markdown = site.root().join(ESSAY_MARKDOWN);
    let css = site.root().join("templates/assets/style.css");
    let report = browser(
        &[
            "live-reload",
            &server.url,
            ESSAY,
            markdown.to_str().unwrap(),
            css.to_str().unwrap(),
        ],
        Duration::from_secs(120),
    );
    let text = format!("{report:#}");

    let edit = &report["markdown"];
    assert_eq!(
        edit["appeared"], true,
        "the edited text never appeared: {text}"
    );
    assert!(
        edit["reloads"].as_u64().unwrap() >= 1 && edit["markerSurvived"] == false,
        "a markdown edit reloads the page by itself: {text}"
    );

    let style = &report["css"];
    assert_eq!(
        style["applied"], true,
        "the stylesheet edit never applied: {text}"
    );
    assert_eq!(style["reloads"], 0, "a CSS edit must not reload: {text}");
    assert_eq!(
        style["marker"], "before the css edit",
        "the page was replaced, not restyled: {text}"
    );
    let links = list(&style["links"]);
    assert_eq!(links.len(), 1, "one stylesheet after the swap: {text}");
    assert_ne!(
        links[0]["href"], style["hrefBefore"],
        "the new stylesheet has a new fingerprint: {text}"
    );
    assert!(
        links[0]["integrity"]
            .as_str()
            .is_some_and(|i| i.starts_with("sha256-")),
        "the swapped stylesheet keeps its integrity value: {text}"
    );

    for key in [
        "cspViolations",
        "console",
        "pageErrors",
        "offsiteRequests",
        "failedRequests",
    ] {
        assert!(list(&report[key]).is_empty(), "{key}: {text}");
    }
}

/// The essay costs a reader under 30 KB of HTML and CSS before compression (its images aside).
#[test]
fn the_essay_page_weighs_under_30_kb_of_html_and_css() {
    let site = own_site();
    site.build_ok();
    let html = site.read("blog/serverless-is-more-secure/index.html");
    let page = site.html("blog/serverless-is-more-secure/index.html");
    let mut css = 0;
    for href in common::attrs(&page, "link[rel=stylesheet]", "href") {
        css += site.read(href.trim_start_matches('/')).len();
    }
    let total = html.len() + css;
    assert!(
        total < 30_000,
        "the essay weighs {total} bytes ({} HTML + {css} CSS); the budget is 30,000",
        html.len()
    );
}

/// The look of every character of every code block of `paths`, in light and dark, as
/// `(character, look)` pairs per block, where a look is colour, style, weight, decoration and
/// background as the browser computed them.
fn code_looks(site: &Site, paths: &[&str]) -> Vec<Vec<(char, String)>> {
    let server = Server::start(site);
    let mut args = vec!["glyphs", server.url.as_str()];
    args.extend_from_slice(paths);
    let report = browser(&args, Duration::from_secs(300));
    let mut blocks = Vec::new();
    for result in list(&report["results"]) {
        for block in list(&result["blocks"]) {
            let mut chars = Vec::new();
            for run in list(block) {
                let look = run["look"].as_str().unwrap().to_string();
                chars.extend(
                    run["text"]
                        .as_str()
                        .unwrap()
                        .chars()
                        .map(|c| (c, look.clone())),
                );
            }
            blocks.push(chars);
        }
    }
    blocks
}

/// The default stylesheet with its palette left as plain rules over syntect's scope classes:
/// without the markers, the build keeps scope classes in the HTML, as before compaction.
fn scope_class_stylesheet(extra: &str) -> String {
    let css = read(&repo().join("templates/assets/style.css"));
    let css = css
        .replace("/* pamphlet:palette:start */", "")
        .replace("/* pamphlet:palette:end */", "");
    format!("{css}\n{extra}")
}

/// Asserts two sites' code looks the same character for character; returns how many
/// characters were compared.
fn assert_same_looks(before: &Site, after: &Site, what: &str) -> usize {
    let paths = [SINK, ESSAY];
    let before = code_looks(before, &paths);
    let after = code_looks(after, &paths);
    assert_eq!(
        before.len(),
        after.len(),
        "{what}: a different number of code blocks"
    );
    assert!(
        before.len() >= 8,
        "{what}: too few code blocks compared: {}",
        before.len()
    );
    let mut compared = 0;
    for (i, (b, a)) in before.iter().zip(&after).enumerate() {
        assert_eq!(
            b.iter().map(|(c, _)| *c).collect::<String>(),
            a.iter().map(|(c, _)| *c).collect::<String>(),
            "{what}: block {i}'s text changed"
        );
        for (at, ((c, look_b), (_, look_a))) in b.iter().zip(a).enumerate() {
            // A space has no glyph: only what is painted behind or under it can be seen.
            let seen = |look: &str| -> String {
                if c.is_whitespace() {
                    look.split(" | ").skip(3).collect::<Vec<_>>().join(" | ")
                } else {
                    look.to_string()
                }
            };
            assert_eq!(
                seen(look_b),
                seen(look_a),
                "{what}: block {i}, character {at} ({c:?}) looks different"
            );
        }
        compared += b.len();
    }
    compared
}

#[test]
fn compact_highlighting_looks_exactly_as_scope_classes_did() {
    require_tools();
    // The theme's own palette, light and dark.
    let after = theme_site();
    let before = theme_site();
    before.write("templates/assets/style.css", &scope_class_stylesheet(""));
    let compared = assert_same_looks(&before, &after, "the theme's palette");

    // A syntect theme with a dark variant: its stylesheet as syntect writes it for scope
    // classes, against the build's resolved classes.
    let themes: syntect::highlighting::ThemeSet = two_face::theme::extra().into();
    let class_style = syntect::html::ClassStyle::SpacedPrefixed { prefix: "hl-" };
    let css_of = |name: &str| {
        syntect::html::css_for_theme_with_class_style(&themes.themes[name], class_style).unwrap()
    };
    let syntect_css = format!(
        "{}\n@media (prefers-color-scheme: dark) {{\n{}\n}}\n",
        css_of("InspiredGitHub"),
        css_of("base16-ocean.dark")
    );
    let after = theme_site();
    let config = read(&after.root().join("site.toml"));
    after.write(
        "site.toml",
        &config.replace(
            "[markdown]\n",
            "[markdown]\nhighlight_theme = \"InspiredGitHub\"\nhighlight_theme_dark = \"base16-ocean.dark\"\n",
        ),
    );
    let before = theme_site();
    let plain = read(&repo().join("templates/assets/style.css"));
    let start = plain.find("/* pamphlet:palette:start */").unwrap();
    let end = plain.find("/* pamphlet:palette:end */").unwrap();
    let without_palette = format!("{}{}", &plain[..start], &plain[end..]);
    before.write(
        "templates/assets/style.css",
        &format!("{without_palette}\n{syntect_css}"),
    );
    let compared_theme =
        assert_same_looks(&before, &after, "InspiredGitHub with base16-ocean.dark");
    eprintln!("compared {compared} + {compared_theme} characters of highlighted code");
}

/// Paragraphs between the images, so that all but the first are below the fold and load lazily.
const FILLER: &str = "A paragraph of text between the pictures, long enough to wrap over a few \
                      lines at a phone's width, so that the pictures after it start below the \
                      fold and are only fetched when a reader scrolls to them.";

/// A post of three photos (each at least 1800 px wide), a screen recording and a drawing, as
/// `(site, slug's URL path, the photos' and the GIF's source bytes)`.
fn picture_site() -> (Site, &'static str, Vec<(&'static str, usize)>) {
    use pamphlet_corpus::images::{jpeg, photo_pixels, screen_recording, svg};
    let site = Site::new();
    let mut sources = Vec::new();
    let mut body = String::from("Pictures as a reader's browser fetches them.\n");
    let photo = |name: &'static str, width: u32, height: u32| {
        (name, jpeg(&photo_pixels(width, height), width, height))
    };
    let files = [
        photo("first.jpg", 2000, 1333),
        photo("second.jpg", 1920, 1280),
        ("screen.gif", screen_recording(60)),
        ("drawing.svg", svg("viewBox=\"0 0 300 150\"")),
        photo("third.jpg", 1800, 1200),
    ];
    for (name, bytes) in &files {
        site.write_bytes(&format!("content/blog/pictures/{name}"), bytes);
        if !name.ends_with(".svg") {
            sources.push((*name, bytes.len()));
        }
        body.push_str(&format!("\n![The picture {name}]({name})\n"));
        for _ in 0..3 {
            body.push_str(&format!("\n{FILLER}\n"));
        }
    }
    site.post("pictures", "title: Pictures\ndate: 2024-05-01", &body);
    (site, "/blog/pictures/", sources)
}

/// What a reader's browser fetches for a post of pictures, in Chromium at 390 px wide with 3
/// device pixels to the CSS pixel and at 1280 px with 1, each with an empty cache and scrolled
/// to the end so every lazy image loads: the photos come as AVIF, a fraction of the originals'
/// bytes (at most 35 % on the phone, 50 % on the desktop), the GIF as an animated WebP of at
/// most half its bytes; every image is fetched once, in one size, sharp (its candidate at least
/// as wide as it is shown in device pixels, or the source's own width); nothing shifts.
#[test]
fn pictures_fetch_a_fraction_of_the_originals_sharp_and_without_layout_shift() {
    require_tools();
    let (site, path, sources) = picture_site();
    // The build fills the image cache, so the server's own build takes the images from it.
    let built = site.build_ok();
    assert_eq!(built.images.processed, 4, "three photos and the GIF");
    let server = Server::start(&site);
    let report = browser(
        &["image-bytes", &server.url, path],
        Duration::from_secs(300),
    );
    let post = format!("{}{}", server.url.trim_end_matches('/'), path);
    let source_bytes = |name: &str| {
        sources
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, bytes)| *bytes)
            .unwrap()
    };
    let photo_names = ["first.jpg", "second.jpg", "third.jpg"];
    let photo_original: usize = photo_names.iter().map(|n| source_bytes(n)).sum();
    let gif_original = source_bytes("screen.gif");

    let results = list(&report["results"]);
    assert_eq!(results.len(), 2, "a phone and a desktop: {report:#}");
    let mut figures = String::new();
    for r in results {
        let (width, dpr) = (r["width"].as_u64().unwrap(), r["dpr"].as_f64().unwrap());
        let at = format!("at {width} px, {dpr}×");
        let text = format!("{r:#}");
        assert_eq!(r["status"], 200, "{at}: {text}");
        assert_eq!(
            dpr,
            r["dsf"].as_f64().unwrap(),
            "{at}: the device scale factor: {text}"
        );
        for key in ["console", "pageErrors", "offsiteRequests", "failedRequests"] {
            assert!(list(&r[key]).is_empty(), "{at}: {key}: {text}");
        }

        let images = list(&r["images"]);
        let image = |name: &str| {
            images
                .iter()
                .find(|i| i["src"].as_str().unwrap().ends_with(&format!("/{name}")))
                .unwrap_or_else(|| panic!("{at}: no <img> of {name}: {text}"))
        };
        assert_eq!(images.len(), 5, "{at}: five images in main: {text}");
        let str_of = |v: &Value| v.as_str().unwrap_or_default().to_string();
        for (i, name) in photo_names.iter().enumerate() {
            let img = image(name);
            assert_eq!(
                img["inPicture"], true,
                "{at}: {name} is no <picture>: {text}"
            );
            assert_eq!(
                img["sourceTypes"],
                serde_json::json!(["image/avif", "image/webp"]),
                "{at}: {name} offers AVIF, then WebP: {text}"
            );
            assert!(
                str_of(&img["currentSrc"]).ends_with(".avif"),
                "{at}: {name} was not shown as AVIF: {}",
                img["currentSrc"]
            );
            let first = i == 0;
            assert_eq!(
                (img["fetchpriority"] == "high", img["loading"] == "lazy"),
                (first, !first),
                "{at}: the first picture is fetched first, the others lazily: {img:#}"
            );
        }
        let gif = image("screen.gif");
        assert!(
            gif["inPicture"] == true && str_of(&gif["currentSrc"]).ends_with(".webp"),
            "{at}: the GIF was not shown as WebP: {gif:#}"
        );
        let drawing = image("drawing.svg");
        assert!(
            drawing["inPicture"] == false && drawing["currentSrc"] == drawing["srcUrl"],
            "{at}: the SVG is shown as it is: {drawing:#}"
        );

        // Every image complete, sharp, and fetched once in the one size shown.
        let transfers = list(&r["transfers"]);
        let mut attributed = vec![false; transfers.len()];
        let mut fetched = std::collections::BTreeMap::new();
        let mut chosen = Vec::new();
        for img in images {
            let name = str_of(&img["src"]);
            let current = str_of(&img["currentSrc"]);
            assert!(
                img["complete"] == true && img["naturalWidth"].as_u64().unwrap() > 0,
                "{at}: {name} never loaded: {img:#}"
            );
            let candidates = list(&img["candidates"]);
            let mut urls: Vec<String> = candidates.iter().map(|c| str_of(&c["url"])).collect();
            urls.push(str_of(&img["srcUrl"]));
            let mine: Vec<usize> = (0..transfers.len())
                .filter(|&t| urls.contains(&str_of(&transfers[t]["url"])))
                .collect();
            assert!(
                mine.len() == 1 && str_of(&transfers[mine[0]]["url"]) == current,
                "{at}: {name} was fetched {} times, not once as its currentSrc {current}: {:#}",
                mine.len(),
                Value::from(
                    mine.iter()
                        .map(|&t| transfers[t].clone())
                        .collect::<Vec<_>>()
                )
            );
            let transfer = &transfers[mine[0]];
            attributed[mine[0]] = true;
            assert_eq!(transfer["status"], 200, "{at}: {transfer:#}");
            let bytes = transfer["bodyBytes"].as_u64().unwrap();
            assert!(bytes > 0, "{at}: an empty body: {transfer:#}");
            fetched.insert(name.rsplit('/').next().unwrap().to_string(), bytes);

            let shown = img["shown"]["width"].as_f64().unwrap();
            assert!(shown > 0.0, "{at}: {name} is not shown: {img:#}");
            if candidates.is_empty() {
                continue; // the drawing: a vector scales to any size
            }
            let widths: Vec<u64> = candidates.iter().filter_map(|c| c["w"].as_u64()).collect();
            let own = *widths.iter().max().unwrap();
            let pick = candidates
                .iter()
                .find(|c| str_of(&c["url"]) == current)
                .and_then(|c| c["w"].as_u64())
                .unwrap_or_else(|| panic!("{at}: {current} is none of {name}'s candidates"));
            let needed = shown * dpr;
            assert!(
                pick as f64 >= needed - 0.5 || pick == own,
                "{at}: {name} is blurry: a {pick} px wide file shown over {needed} device pixels \
                 (its source is {own} px wide): {img:#}"
            );
            chosen.push(format!("{name} {pick}w for {needed:.0} px"));
        }
        for (t, transfer) in transfers.iter().enumerate() {
            assert!(
                attributed[t] || !str_of(&transfer["url"]).starts_with(&post),
                "{at}: an image of the post that no <img> shows was fetched: {transfer:#}"
            );
        }

        let photos: u64 = photo_names.iter().map(|n| fetched[*n]).sum();
        let gif_bytes = fetched["screen.gif"];
        let total: u64 = transfers
            .iter()
            .map(|t| t["bodyBytes"].as_u64().unwrap_or(0))
            .sum();
        let photo_ratio = photos as f64 / photo_original as f64;
        let gif_ratio = gif_bytes as f64 / gif_original as f64;
        let budget = if dpr > 1.0 { 0.35 } else { 0.50 };
        assert!(
            photo_ratio <= budget,
            "{at}: the photos cost {photos} bytes, {:.1} % of the originals' {photo_original}; \
             the budget is {:.0} %",
            photo_ratio * 100.0,
            budget * 100.0
        );
        assert!(
            gif_ratio <= 0.5,
            "{at}: the screen recording cost {gif_bytes} bytes, {:.1} % of the GIF's \
             {gif_original}; the budget is 50 %",
            gif_ratio * 100.0
        );

        assert_eq!(
            r["layoutShiftSupported"], true,
            "{at}: no layout-shift entries in this chromium"
        );
        let shifts = list(&r["layoutShifts"]);
        let cls: f64 = shifts
            .iter()
            .filter(|s| s["hadRecentInput"] == false)
            .map(|s| s["value"].as_f64().unwrap())
            .fold(0.0, |sum, value| sum + value);
        assert!(cls == 0.0, "{at}: the layout shifted by {cls}: {shifts:#?}");

        let _ = writeln!(
            figures,
            "{width} px at {dpr}×: photos {photos} of {photo_original} bytes ({:.1} %), GIF as \
             WebP {gif_bytes} of {gif_original} ({:.1} %), drawing {} bytes, every image \
             request {total} bytes; CLS {cls}; {}",
            photo_ratio * 100.0,
            gif_ratio * 100.0,
            fetched["drawing.svg"],
            chosen.join(", ")
        );
    }
    // What the README quotes, for whoever updates it.
    eprint!("{figures}");
}

/// A post with three one-paragraph notes, cited close together, and a note of two paragraphs.
fn sidenote_site() -> (Site, &'static str) {
    let site = Site::new();
    let body = format!(
        "Serverless has no servers to patch.[^patch] Each call runs in a sandbox of its \
         own,[^sandbox] and nothing stays.[^stays]\n\n{FILLER}\n\n{FILLER}\n\nSome notes are \
         longer than a paragraph.[^long]\n\n{FILLER}\n\n\
         [^patch]: The provider patches the runtime: [its model](https://example.org/model).\n\
         [^sandbox]: A micro-VM, *started in about 125 ms*.\n\
         [^stays]: Not even `/tmp`.\n\
         [^long]: This note has two paragraphs.\n\n    So it stays in the list.\n"
    );
    site.post("notes", "title: Notes\ndate: 2024-05-01", &body);
    (site, "/blog/notes/")
}

/// On a wide screen, one-paragraph footnotes sit in the margin beside the line citing them,
/// in order and without overlapping the text or each other, and the list keeps only the
/// longer note; following a reference shows its note in the list, and its back link returns
/// to the reference. On a phone and in print there are no sidenotes and the list holds all.
#[test]
fn footnotes_of_one_paragraph_sit_in_the_margin_of_wide_screens_only() {
    require_tools();
    let (site, path) = sidenote_site();
    let server = Server::start(&site);
    let report = browser(&["footnotes", &server.url, path], Duration::from_secs(120));
    let results = list(&report["results"]);
    assert_eq!(results.len(), 3, "{report:#}");
    let number = |v: &Value, key: &str| v[key].as_f64().unwrap();
    let shown = |items: &Value| -> Vec<bool> {
        list(items)
            .iter()
            .map(|i| i["shown"].as_bool().unwrap())
            .collect()
    };
    for r in results {
        let (width, media) = (r["width"].as_u64().unwrap(), r["media"].as_str().unwrap());
        let seen = &r["seen"];
        assert_eq!(
            number(seen, "scrollWidth"),
            0.0,
            "{width} {media}: scrolls sideways"
        );
        let sidenotes = list(&seen["sidenotes"]);
        assert_eq!(sidenotes.len(), 3, "three notes of one paragraph: {seen:#}");
        if width == 1280 && media == "screen" {
            assert_eq!(
                shown(&seen["listed"]),
                [false, false, false, true],
                "{seen:#}"
            );
            let refs = list(&seen["references"]);
            let mut last_bottom = 0.0;
            for (n, note) in sidenotes.iter().enumerate() {
                assert!(note["shown"].as_bool().unwrap(), "sidenote {n}: {seen:#}");
                assert!(
                    number(note, "left") >= number(seen, "columnRight"),
                    "sidenote {n} overlaps the text: {seen:#}"
                );
                assert!(
                    number(note, "top") >= last_bottom,
                    "sidenotes overlap: {seen:#}"
                );
                // Beside its line or the next (a float placed mid-line may start on the next
                // one: a line is 32 px), or just below the note before it when they crowd.
                let drift = number(note, "top") - number(&refs[n], "top");
                assert!(
                    (-10.0..=45.0).contains(&drift) || number(note, "top") - last_bottom < 20.0,
                    "sidenote {n} is {drift}px from its reference: {seen:#}"
                );
                last_bottom = number(note, "bottom");
            }
        } else {
            assert!(
                shown(&seen["sidenotes"]).iter().all(|s| !s),
                "{width} {media}: {seen:#}"
            );
            assert_eq!(
                shown(&seen["listed"]),
                [true; 4],
                "{width} {media}: {seen:#}"
            );
        }
        if media == "screen" {
            let followed = &r["followed"];
            assert_eq!(followed["hash"], "#fn-1", "{r:#}");
            let first = &list(&followed["seen"]["listed"])[0];
            assert!(
                first["shown"].as_bool().unwrap() && first["inView"].as_bool().unwrap(),
                "{width}: the note a reference leads to is shown: {r:#}"
            );
            let back = &r["back"];
            assert_eq!(back["hash"], "#fnref-1", "{r:#}");
            let reference = &list(&back["seen"]["references"])[0];
            assert!(
                reference["inView"].as_bool().unwrap(),
                "{width}: back to the reference: {r:#}"
            );
        }
    }
}
