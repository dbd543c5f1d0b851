//! `pamphlet check`: the whole build in memory, then every internal link and `#anchor` of the
//! output checked. Nothing is written.

pub mod scan;

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::Path;
use std::sync::Mutex;

use percent_encoding::percent_decode_str;

use crate::build::{BuildOptions, load_site, render_into};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::{Route, Site};
use crate::render::csp::{Policy, references};
use crate::render::highlight::Highlighter;
use crate::render::links::resolve_url;
use crate::write::Sink;
use scan::Scan;

/// A passed check.
#[derive(Debug)]
pub struct Checked {
    /// Pages rendered.
    pub pages: usize,
    /// Files the site would hold.
    pub files: usize,
    /// Internal links followed.
    pub links: usize,
    /// Warnings.
    pub warnings: Diagnostics,
}

/// Collects what each output file is and links to, instead of storing it.
#[derive(Default)]
struct LinkSink {
    files: Mutex<HashSet<String>>,
    scans: Mutex<HashMap<String, Scan>>,
}

impl Sink for LinkSink {
    fn put(&self, file: &str, bytes: Vec<u8>) -> io::Result<()> {
        if crate::content_type::is_html(file) {
            let scan = scan::scan(&String::from_utf8_lossy(&bytes));
            crate::sync::lock(&self.scans).insert(file.to_string(), scan);
        }
        crate::sync::lock(&self.files).insert(file.to_string());
        Ok(())
    }

    fn copy(&self, file: &str, source: &Path) -> io::Result<()> {
        if crate::content_type::is_html(file) {
            return self.put(file, std::fs::read(source)?);
        }
        std::fs::metadata(source)?;
        crate::sync::lock(&self.files).insert(file.to_string());
        Ok(())
    }
}

/// Builds the site in memory and checks its links; every problem is returned on failure.
pub fn check(options: &BuildOptions) -> Result<Checked, Diagnostics> {
    let (site, mut problems) = load_site(options);
    let sink = LinkSink::default();
    let report = render_into(&site, &options.root, &Highlighter::new(), &sink, true);
    problems.extend(report.diagnostics);
    let files = crate::sync::into_inner(sink.files);
    let scans = crate::sync::into_inner(sink.scans);

    let markdown_lines: HashMap<&str, HashMap<&str, (usize, usize)>> = report
        .markdown_links
        .iter()
        .map(|page| {
            let by_href = page
                .links
                .iter()
                .map(|l| (l.href.as_str(), (l.line, l.column)))
                .collect();
            (page.rel.as_str(), by_href)
        })
        .collect();
    let origins = origins(&site);

    let mut followed = 0;
    let mut names: Vec<&String> = scans.keys().collect();
    names.sort();
    for file in names {
        let scan = &scans[file];
        let page_url = url_of(file);
        for link in &scan.links {
            let Some(problem) = check_link(&link.url, &page_url, file, &files, &scans) else {
                if is_internal(&link.url) {
                    followed += 1;
                }
                continue;
            };
            followed += 1;
            let origin = origins.get(file.as_str());
            let from_markdown = origin
                .and_then(|o| o.markdown)
                .and_then(|rel| Some((rel, *markdown_lines.get(rel)?.get(link.url.as_str())?)));
            let d = match from_markdown {
                Some((rel, (line, column))) => Diagnostic::error(problem)
                    .in_file(Path::new("content").join(rel))
                    .at(line, column),
                None => {
                    let template = origin.map_or("the theme", |o| o.template.as_str());
                    Diagnostic::error(problem)
                        .in_file(format!("{file} (output)"))
                        .at_line(link.line)
                        .help(format!("the link comes from {template}"))
                }
            };
            problems.push(d);
        }
    }
    check_policy(
        &site,
        &scans,
        &report.markdown_links,
        &origins,
        &mut problems,
    );
    if problems.has_errors() {
        return Err(problems);
    }
    Ok(Checked {
        pages: report.pages,
        files: files.len(),
        links: followed,
        warnings: problems,
    })
}

/// An error for every reference of the output the Content-Security-Policy blocks, but those of
/// markdown, which the render reported at their lines already.
fn check_policy(
    site: &Site,
    scans: &HashMap<String, Scan>,
    markdown: &[crate::render::driver::PageLinks],
    origins: &HashMap<&str, Origin<'_>>,
    problems: &mut Diagnostics,
) {
    let policy = Policy::new(&site.config.security);
    let site_origin = crate::render::csp::origin_of(&site.config.base_url).unwrap_or_default();
    let mut from_markdown: HashMap<&str, Vec<(&str, Option<&str>)>> = HashMap::new();
    for page in markdown {
        from_markdown.insert(
            page.rel.as_str(),
            page.blocked
                .iter()
                .map(|b| (b.tag.as_str(), b.url.as_deref()))
                .collect(),
        );
    }
    let mut names: Vec<&String> = scans.keys().collect();
    names.sort();
    for file in names {
        let origin = origins.get(file.as_str());
        let mut reported = origin
            .and_then(|o| o.markdown)
            .and_then(|rel| from_markdown.get(rel).cloned())
            .unwrap_or_default();
        for reference in references(&scans[file]) {
            let Some(blocked) = policy.blocks(&reference, &site_origin) else {
                continue;
            };
            let key = (reference.tag.as_str(), reference.url.as_deref());
            if let Some(at) = reported.iter().position(|r| *r == key) {
                reported.swap_remove(at);
                continue;
            }
            let template = origin.map_or("the theme", |o| o.template.as_str());
            problems.push(
                Diagnostic::error(blocked.message)
                    .in_file(format!("{file} (output)"))
                    .at_line(reference.line)
                    .help(format!("{}; it comes from {template}", blocked.help)),
            );
        }
    }
}

/// Which markdown file and template made an output file.
struct Origin<'a> {
    markdown: Option<&'a str>,
    template: String,
}

fn origins(site: &Site) -> HashMap<&str, Origin<'_>> {
    site.outputs
        .iter()
        .filter_map(|o| {
            let origin = match &o.route {
                Route::Page(id) => Origin {
                    markdown: Some(site.pages[*id].rel()),
                    template: format!("template {}", site.pages[*id].template),
                },
                Route::ListPage { list, .. } => Origin {
                    markdown: None,
                    template: format!("template {}", site.lists[*list].template),
                },
                Route::TermIndex(_) => Origin {
                    markdown: None,
                    template: "template taxonomy_list.html".into(),
                },
                Route::NotFound => Origin {
                    markdown: None,
                    template: "template 404.html".into(),
                },
                _ => return None,
            };
            Some((o.file.as_str(), origin))
        })
        .collect()
}

fn is_internal(url: &str) -> bool {
    let url = url.trim();
    !(url.is_empty() || url.starts_with("//") || has_scheme(url))
}

fn has_scheme(url: &str) -> bool {
    url.find(':').is_some_and(|i| {
        let scheme = &url[..i];
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    })
}

/// `blog/x/index.html` → `/blog/x/`; `404.html` → `/404.html`.
fn url_of(file: &str) -> String {
    match file.strip_suffix("index.html") {
        Some(folder) if folder.is_empty() || folder.ends_with('/') => format!("/{folder}"),
        _ => format!("/{file}"),
    }
}

/// Why `url`, found in output `file`, leads nowhere; `None` when it is fine or external.
fn check_link(
    url: &str,
    page_url: &str,
    file: &str,
    files: &HashSet<String>,
    scans: &HashMap<String, Scan>,
) -> Option<String> {
    if !is_internal(url) {
        return None;
    }
    let url = url.trim();
    let (path, fragment) = match url.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (url, None),
    };
    let path = path.split('?').next().unwrap_or(path);
    let target = if path.is_empty() {
        file.to_string()
    } else {
        let absolute = if path.starts_with('/') {
            path.to_string()
        } else {
            resolve_url(page_url, path)
        };
        let decoded = percent_decode_str(absolute.trim_start_matches('/'))
            .decode_utf8_lossy()
            .into_owned();
        let candidates = if decoded.is_empty() || decoded.ends_with('/') {
            vec![format!("{decoded}index.html")]
        } else {
            vec![decoded.clone(), format!("{decoded}/index.html")]
        };
        match candidates.into_iter().find(|c| files.contains(c)) {
            Some(found) => found,
            None => return Some(format!("link to `{url}`, which the site does not have")),
        }
    };
    let fragment = fragment.map(|f| percent_decode_str(f).decode_utf8_lossy().into_owned())?;
    if fragment.is_empty() || fragment == "top" {
        return None;
    }
    match scans.get(&target) {
        Some(scan) if !scan.ids.contains(&fragment) => Some(format!(
            "link to `{url}`: `{target}` has no element with id `{fragment}`"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_files_map_to_urls() {
        assert_eq!(url_of("index.html"), "/");
        assert_eq!(url_of("blog/x/index.html"), "/blog/x/");
        assert_eq!(url_of("404.html"), "/404.html");
        assert_eq!(url_of("old.html"), "/old.html");
    }

    #[test]
    fn links_are_checked_against_files_and_ids() {
        let files: HashSet<String> = ["index.html", "a/index.html", "s.css"]
            .map(String::from)
            .into();
        let mut scans = HashMap::new();
        scans.insert(
            "a/index.html".to_string(),
            Scan {
                ids: vec!["here".into()],
                links: vec![],
                elements: vec![],
            },
        );
        let check = |url| check_link(url, "/", "index.html", &files, &scans);
        assert_eq!(check("/a/"), None);
        assert_eq!(check("/a"), None);
        assert_eq!(check("a/#here"), None);
        assert_eq!(check("/s.css"), None);
        assert_eq!(check("https://x.example/"), None);
        assert!(check("/missing/").is_some());
        assert!(
            check("/a/#nowhere")
                .unwrap()
                .contains("no element with id `nowhere`")
        );
    }
}
