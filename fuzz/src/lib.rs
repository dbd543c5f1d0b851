//! The checks behind every fuzz target, as plain functions of the input bytes.
//!
//! Each function feeds its input to one part of pamphlet and asserts the invariants that part
//! promises, not merely that it returns: a failed assertion is a finding, like a panic. The
//! libFuzzer targets in `fuzz_targets/` call these, and `tests/it/fuzz_corpus.rs` in the main
//! crate includes this file to replay the kept corpus (`fuzz/corpus/<target>/`) in `cargo test`,
//! so every input that once found something stays a regression test without libFuzzer.

use std::sync::OnceLock;

use pamphlet::check::scan::scan;
use pamphlet::config::Config;
use pamphlet::load::front_matter::{self, PageFront, SectionFront};
use pamphlet::load::split::{Format, split};
use pamphlet::load::{Document, Loaded, Sources, parse_source};
use pamphlet::model::url::{output_file, slugify, user_path, user_slug};
use pamphlet::model::{Id, ModelOptions, PageId, Site};
use pamphlet::render::highlight::Highlighter;
use pamphlet::render::links::{LinkIndex, Resolved, normalize, resolve_url};
use pamphlet::render::markdown::{MarkdownRenderer, Options, Place, Source};
use pamphlet::serve::resolve::resolve;

/// A fuzz target's check: feeds it the input and panics on a broken invariant.
pub type Check = fn(&[u8]);

/// Every target by name, for the corpus replay: `(name, check)`.
pub const TARGETS: &[(&str, Check)] = &[
    ("front_matter", front_matter),
    ("markdown", markdown),
    ("url_paths", url_paths),
    ("serve_resolve", serve_resolve),
    ("html_scan", html_scan),
];

/// Lines in a file as a reader counts them: CRLF, LF and a lone CR each end one.
fn line_count(data: &[u8]) -> usize {
    let mut lines = 1;
    for (i, &b) in data.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && data.get(i + 1) != Some(&b'\n')) {
            lines += 1;
        }
    }
    lines
}

/// Characters that may never reach a file name the build writes.
fn forbidden_in_file(c: char) -> bool {
    c == '\\' || c == '\0' || c.is_control()
}

// ---------------------------------------------------------------------------------------------
// Front matter: `load::split::split`, `front_matter::parse`, and the whole of `parse_source`.

/// Splits the input, parses any front matter as a page's and as a section's in its own format
/// and in the other one, and loads the whole file as `load` would.
pub fn front_matter(data: &[u8]) {
    // The whole loading path, bytes first: UTF-8 and NUL checks, BOM, CRLF, split, parse, clean.
    for rel in ["blog/post/index.md", "blog/_index.md"] {
        let (loaded, problems) = parse_source(rel, data);
        for d in problems.iter() {
            assert!(d.file.is_some(), "a problem without its file: {d}");
            if let Some(line) = d.line {
                let lines = line_count(data);
                assert!(line >= 1 && line <= lines, "line {line} of {lines}: {d}");
            }
            if let Some(column) = d.column {
                assert!(column >= 1, "{d}");
            }
        }
        assert_eq!(
            loaded.is_none(),
            problems.has_errors(),
            "a file is refused exactly when it has an error"
        );
        match loaded {
            Some(Loaded::Page(doc)) => check_document(&doc, data, page_texts),
            Some(Loaded::Section(doc)) => check_document(&doc, data, section_texts),
            None => {}
        }
    }

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // `split` and `parse` take text as `load` hands it over, with `\n` or `\r\n` line ends; a
    // lone CR is made `\n` before that, and `parse_source` above covers it.
    if text.replace("\r\n", "").contains('\r') {
        return;
    }
    let Ok(parts) = split(text) else {
        return;
    };
    // The pieces are the text: the body is its end, the front matter sits before it.
    assert!(
        text.ends_with(parts.body),
        "the body is the end of the text"
    );
    let body_start = text.len() - parts.body.len();
    let lines_before = text[..body_start].matches('\n').count();
    if parts.body.is_empty() && !text.ends_with('\n') {
        // A closing fence on the last line, with no line end: the empty body is "after" it.
        assert!(
            (lines_before + 1..=lines_before + 2).contains(&parts.body_line),
            "body_line {} after {lines_before} lines",
            parts.body_line
        );
    } else {
        assert_eq!(parts.body_line, lines_before + 1, "body_line counts lines");
    }
    match parts.front {
        None => {
            assert_eq!(parts.body, text);
            assert_eq!(parts.body_line, 1);
        }
        Some((format, block)) => {
            let fence = match format {
                Format::Yaml => "---",
                Format::Toml => "+++",
            };
            assert!(
                text.starts_with(fence),
                "front matter starts with its fence"
            );
            let start = block.as_ptr() as usize - text.as_ptr() as usize;
            assert!(
                start + block.len() <= body_start,
                "front matter before body"
            );
            assert_eq!(parts.front_line, 2);
            for other in [Format::Yaml, Format::Toml] {
                check_parse::<PageFront>(other, block);
                check_parse::<SectionFront>(other, block);
            }
            for (key, line) in front_matter::top_level_keys(block) {
                assert!(!key.is_empty());
                assert!(line >= 1 && line <= block.lines().count().max(1), "{key}");
            }
        }
    }
}

fn check_parse<T>(format: Format, block: &str)
where
    T: serde::de::DeserializeOwned + Default + front_matter::Clean + PartialEq + std::fmt::Debug,
{
    match front_matter::parse::<T>(format, block) {
        Ok((mut front, ignored)) => {
            for key in &ignored {
                assert!(!key.is_empty(), "an unknown key without a name");
            }
            front.clean();
            let again = format!("{front:?}");
            front.clean();
            assert_eq!(
                again,
                format!("{front:?}"),
                "cleaning twice changes nothing"
            );
        }
        Err(e) => {
            assert!(!e.message.trim().is_empty(), "an error without a message");
            if let Some((line, column)) = e.location {
                assert!(line >= 1 && column >= 1, "{e:?}");
                assert!(
                    line <= block.lines().count() + 1,
                    "{e:?} in {} lines",
                    block.lines().count()
                );
            }
        }
    }
}

/// A loaded document's lines point into the file and its texts hold no control characters.
fn check_document<F>(doc: &Document<F>, data: &[u8], texts: impl Fn(&F) -> Vec<String>) {
    let lines = line_count(data);
    assert!(doc.body_line >= 1 && doc.body_line <= lines + 1);
    let body = doc.body.text().expect("a parsed body is held");
    assert!(!body.contains('\r'), "a CR left in the body");
    assert!(!body.contains('\0'), "NUL in the body");
    for (key, line) in doc.key_lines.iter() {
        assert!(
            *line >= 1 && *line <= lines,
            "{key} on line {line} of {lines}"
        );
    }
    for text in texts(&doc.front) {
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')),
            "a control character survived: {text:?}"
        );
    }
}

/// Every string in a JSON value, keys included.
fn json_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_strings(v, out)),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                json_strings(v, out);
            }
        }
        _ => {}
    }
}

fn page_texts(front: &PageFront) -> Vec<String> {
    let mut out: Vec<String> = [&front.title, &front.description, &front.template]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    out.extend(
        front
            .tags
            .iter()
            .chain(&front.categories)
            .chain(&front.authors)
            .cloned(),
    );
    json_strings(&serde_json::Value::Object(front.extra.clone()), &mut out);
    out
}

fn section_texts(front: &SectionFront) -> Vec<String> {
    let mut out: Vec<String> = [
        &front.title,
        &front.description,
        &front.template,
        &front.page_template,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    json_strings(&serde_json::Value::Object(front.extra.clone()), &mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// Markdown rendering with link rewriting, against a small site held in memory.

/// A tiny site: pages, a bundle with an image, a section, a page that failed to load.
pub struct TinySite {
    pub site: Site,
    pub links: LinkIndex,
    pub highlighter: Highlighter,
}

fn page(rel: &str, title: &str) -> pamphlet::load::PageDoc {
    Document {
        rel: rel.to_string(),
        front: PageFront {
            title: Some(title.to_string()),
            ..PageFront::default()
        }
        .into(),
        body: "".into(),
        body_line: 1,
        key_lines: Default::default(),
        words: Default::default(),
        text_hash: Default::default(),
    }
}

/// Builds the tiny site's model and link index once per process.
pub fn tiny_site() -> &'static TinySite {
    static SITE: OnceLock<TinySite> = OnceLock::new();
    SITE.get_or_init(|| {
        let mut about = page("about.md", "About");
        std::sync::Arc::make_mut(&mut about.front).aliases = vec!["/old-about/".into()];
        let mut moved = page("blog/moved.md", "Moved");
        std::sync::Arc::make_mut(&mut moved.front).path = Some("elsewhere/moved".into());
        // A page at a file URL in the root folder: its links resolve against `/`.
        let mut top = page("blog/top.md", "Top");
        std::sync::Arc::make_mut(&mut top.front).path = Some("top.html".into());
        let mut slugged = page("blog/slugged.md", "Slugged");
        std::sync::Arc::make_mut(&mut slugged.front).slug = Some("Better Name".into());
        let sources = Sources {
            pages: vec![
                about,
                page("blog/a/index.md", "A"),
                page("blog/b.md", "B"),
                moved,
                top,
                slugged,
                page("notes/deep/c/index.md", "C"),
            ],
            sections: Vec::new(),
            assets: vec![
                "blog/a/photo.jpg".into(),
                "blog/a/file name é.pdf".into(),
                "notes/data.csv".into(),
            ],
            failed: vec!["blog/broken.md".into()],
        };
        let (site, problems) = pamphlet::model::build(
            Config::default(),
            sources,
            &["robots.txt".to_string()],
            ModelOptions::default(),
        );
        assert!(!problems.has_errors(), "the tiny site models: {problems:?}");
        // No such folder: image sizes are looked up and simply not found.
        let links = LinkIndex::new(&site, std::path::Path::new("/nonexistent/pamphlet-fuzz"));
        TinySite {
            site,
            links,
            highlighter: Highlighter::new(),
        }
    })
}

/// A URL as a browser reads it: leading C0 controls and spaces dropped, tabs and line breaks
/// removed, backslashes taken for slashes (as in every http and https URL), case ignored.
fn browser_view(url: &str) -> String {
    url.trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| {
            if c == '\\' {
                '/'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Schemes a link may never carry.
fn dangerous_scheme(url: &str) -> bool {
    let seen = browser_view(url);
    ["javascript:", "vbscript:", "data:", "file:"]
        .iter()
        .any(|s| seen.starts_with(s))
}

/// Renders the input as the body of one of the tiny site's pages. The first byte picks the
/// page and the options; the rest is the markdown.
pub fn markdown(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(body) = std::str::from_utf8(rest) else {
        return;
    };
    let tiny = tiny_site();
    let page = &tiny.site.pages[PageId::new(usize::from(selector) % tiny.site.pages.len())];
    let renderer = MarkdownRenderer {
        links: &tiny.links,
        highlighter: &tiny.highlighter,
        images: None,
        palette: None,
        csp: None,
        options: Options {
            smart_punctuation: selector & 0x10 != 0,
            // Highlighting runs syntect's regex grammars: slow, and fuzzed through syntect itself.
            highlight_code: selector & 0x20 != 0 && body.len() < 4096,
            math: selector & 0x08 != 0,
            broken_links_fail: selector & 0x40 != 0,
            palette: 0,
            csp: 0,
            images: 0,
        },
    };
    let body_line = 1 + usize::from(selector >> 7) * 3;
    let source = Source {
        body,
        place: Place {
            rel: page.rel(),
            body_line,
            url: &page.url,
        },
    };
    let (rendered, problems) = renderer.render(&source);

    let last_line = body_line + body.matches('\n').count();
    for d in problems.iter() {
        if let Some(line) = d.line {
            assert!(line >= body_line && line <= last_line, "line {line}: {d}");
        }
    }
    for link in &rendered.links {
        assert!(link.line >= body_line && link.line <= last_line, "{link:?}");
        assert!(link.column >= 1, "{link:?}");
    }
    assert!(rendered.reading_time >= 1);
    for resolution in &rendered.resolutions {
        let dest = &resolution.dest;
        match &resolution.result {
            Ok(Resolved::Internal { href, file }) => {
                // Internal links are root-relative or same-page; never another host.
                assert!(
                    href.is_empty() || href.starts_with(['/', '#', '?']),
                    "{dest:?} → {href:?}"
                );
                assert!(!dangerous_scheme(href), "{dest:?} → {href:?}");
                // Nor a path a browser would take for another host (`//host`, `/\\host`).
                assert!(!browser_view(href).starts_with("//"), "{dest:?} → {href:?}");
                if let Some(file) = file {
                    // A content file named by a link never leaves content/.
                    assert!(
                        file.starts_with("/nonexistent/pamphlet-fuzz/content"),
                        "{dest:?} → {file:?}"
                    );
                    assert!(
                        file.components()
                            .all(|c| !matches!(c, std::path::Component::ParentDir)),
                        "{dest:?} → {file:?}"
                    );
                }
            }
            Ok(Resolved::External { href, .. }) => {
                assert!(!dangerous_scheme(href), "{dest:?} → {href:?}");
            }
            Err(message) => assert!(!message.is_empty()),
        }
    }
    // Without raw HTML in the markdown, every URL in the HTML comes from the link rewriting:
    // none may run code, and the writer's escaping keeps the markup well formed.
    if !body.contains('<') {
        let found = scan(&rendered.html);
        for link in &found.links {
            assert!(
                !dangerous_scheme(&link.url),
                "{:?} in {}",
                link.url,
                rendered.html
            );
        }
        assert!(
            !rendered.html.to_ascii_lowercase().contains("<script"),
            "{}",
            rendered.html
        );
    }
    for entry in &rendered.toc {
        check_toc(entry, 0);
    }
}

fn check_toc(entry: &pamphlet::render::markdown::TocEntry, parent: u8) {
    assert!(
        (1..=6).contains(&entry.level) && entry.level > parent,
        "{entry:?}"
    );
    assert!(!entry.id.is_empty());
    for child in &entry.children {
        check_toc(child, entry.level);
    }
}

// ---------------------------------------------------------------------------------------------
// URL and path mapping.

/// True when `path` (relative, `/`-separated) names a file inside the folder it is joined to.
fn stays_inside(path: &str) -> bool {
    !path.starts_with('/')
        && !path.chars().any(forbidden_in_file)
        && path
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..")
}

/// Feeds the input to every URL and path mapping: `user_path`, `user_slug`, `slugify`,
/// `output_file`, `normalize` and `resolve_url`. A `\n` splits it into a base and a path.
pub fn url_paths(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (first, second) = text.split_once('\n').unwrap_or((text, text));

    for given in [first, second, text] {
        if let Ok(url) = user_path(given) {
            assert!(
                url.starts_with('/') && !url.starts_with("//"),
                "{given:?} → {url:?}"
            );
            assert!(!url.contains("//"), "{given:?} → {url:?}");
            let file = output_file(&url);
            assert!(stays_inside(&file), "{given:?} → {url:?} → {file:?}");
            assert!(
                file == "index.html"
                    || file.ends_with("/index.html")
                    || file.ends_with(".html")
                    || file.ends_with(".htm"),
                "{given:?} → {file:?}"
            );
            // What `user_path` accepts needs no escaping anywhere, and it is a fixed point.
            assert!(
                url.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/-_.~@+".contains(c))
            );
            assert_eq!(user_path(&url).as_deref(), Ok(url.as_str()), "{given:?}");
        }
        if let Ok(slug) = user_slug(given) {
            assert!(is_slug(&slug) && !slug.is_empty(), "{given:?} → {slug:?}");
            assert!(stays_inside(&output_file(&format!("/blog/{slug}/"))));
        }
        let slug = slugify(given);
        assert!(is_slug(&slug), "{given:?} → {slug:?}");
        assert_eq!(slugify(&slug), slug, "slugify is idempotent");

        // Content-relative paths never climb out of content/ (from a folder that is in it).
        let clean_base = first.split('/').all(|s| s != "." && s != "..");
        if let Some(joined) = normalize(first, given).filter(|_| clean_base) {
            assert!(
                joined
                    .trim_end_matches('/')
                    .split('/')
                    .all(|s| s != ".." && s != "."),
                "{first:?} + {given:?} → {joined:?}"
            );
            assert!(
                !joined.starts_with('/'),
                "{first:?} + {given:?} → {joined:?}"
            );
        }

        // Browser-style resolution against a page's URL (which the model makes of slugs, so
        // without dot segments) always gives a root-relative path on this site.
        let page_url = format!("/{}", slugs_of(first));
        let url = resolve_url(&page_url, given);
        assert!(url.starts_with('/'), "{page_url:?} + {given:?} → {url:?}");
        assert!(
            !browser_view(&url).starts_with("//"),
            "{page_url:?} + {given:?} → {url:?}"
        );
        assert!(
            url.split('/').all(|s| s != ".." && s != "."),
            "{page_url:?} + {given:?} → {url:?}"
        );
    }
}

/// `first` as a page URL the model could make: each segment slugified, ending in `/` if it did.
fn slugs_of(text: &str) -> String {
    let mut url: Vec<String> = text
        .split('/')
        .map(slugify)
        .filter(|s| !s.is_empty())
        .collect();
    if text.ends_with('/') || url.is_empty() {
        url.push(String::new());
    }
    url.join("/")
}

fn is_slug(slug: &str) -> bool {
    slug.chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
}

// ---------------------------------------------------------------------------------------------
// The preview server's request-path resolution.

/// Resolves the input as a request target; whatever is accepted names files inside the site.
pub fn serve_resolve(data: &[u8]) {
    let Ok(target) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(resolved) = resolve(target) else {
        return;
    };
    assert!(!resolved.candidates.is_empty());
    assert!(target.starts_with('/'));
    for candidate in &resolved.candidates {
        assert!(stays_inside(candidate), "{target:?} → {candidate:?}");
        assert!(
            candidate
                .split('/')
                .all(|s| !s.chars().all(|c| c == '.' || c == ' ')),
            "{target:?} → {candidate:?}"
        );
        let first = candidate.split('/').next().unwrap_or_default().as_bytes();
        assert!(
            !(first.len() >= 2 && first[0].is_ascii_alphabetic() && first[1] == b':'),
            "a drive: {target:?} → {candidate:?}"
        );
        assert!(
            !candidate.contains('%'),
            "decoded once: {target:?} → {candidate:?}"
        );
    }
    assert!(!resolved.path.starts_with('/'));
    // The query never changes the answer.
    let path = target.split_once('?').map_or(target, |(p, _)| p);
    assert_eq!(resolve(path).as_ref(), Ok(&resolved), "{target:?}");
}

// ---------------------------------------------------------------------------------------------
// `pamphlet check`'s HTML scanner.

/// Scans the input as HTML; lines stay within the document.
pub fn html_scan(data: &[u8]) {
    let html = String::from_utf8_lossy(data);
    let found = scan(&html);
    let lines = html.matches('\n').count() + 1;
    for link in &found.links {
        assert!(link.line >= 1 && link.line <= lines, "{link:?} of {lines}");
    }
}
