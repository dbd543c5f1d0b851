//! Following every internal link and `#anchor` of a rendered site: what `check` fails on and
//! `build` warns about, found by one checker.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::Path;
use std::sync::Mutex;

use percent_encoding::percent_decode_str;
use rayon::prelude::*;

use super::scan::{self, Scan};
use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::model::url::url_of;
use crate::model::{Page, Route, Site};
use crate::render::driver::PageLinks;
use crate::render::links::resolve_url;
use crate::render::markdown::SourceLink;
use crate::store::Fingerprint;
use crate::write::Sink;
use crate::write::memory::{Bytes, LazyBytes};

/// A sink that notes every output file (and, for `check`, reads what each links to and
/// defines), then hands the file on to the sink that stores it (or to nothing, for `check`).
pub struct LinkSink<'a> {
    inner: Option<&'a dyn Sink>,
    everything: bool,
    files: Mutex<HashSet<String>>,
    scans: Mutex<HashMap<String, Scan>>,
}

/// What a [`LinkSink`] saw: every output file, and the links and ids of each HTML one.
#[derive(Debug, Default)]
pub struct Scanned {
    /// Every output file, relative and `/`-separated.
    pub files: HashSet<String>,
    /// The scan of each HTML output file.
    pub scans: HashMap<String, Scan>,
}

impl<'a> LinkSink<'a> {
    /// Reads everything the files link to and define, for [`verify_output`], and stores nothing.
    pub fn alone() -> Self {
        Self::over(None, true)
    }

    /// Notes only the files' names, for [`verify_markdown`], and stores them in `inner`: the
    /// ids of the few files markdown links to with a `#fragment` are read afterwards, by
    /// [`read_targeted_ids`], rather than every page's as it passes.
    pub fn names_passing_to(inner: &'a dyn Sink) -> Self {
        Self::over(Some(inner), false)
    }

    fn over(inner: Option<&'a dyn Sink>, everything: bool) -> Self {
        LinkSink {
            inner,
            everything,
            files: Mutex::default(),
            scans: Mutex::default(),
        }
    }

    /// What was seen.
    pub fn finish(self) -> Scanned {
        Scanned {
            files: crate::sync::into_inner(self.files),
            scans: crate::sync::into_inner(self.scans),
        }
    }

    fn saw(&self, file: &str, bytes: Option<&[u8]>) {
        let html = bytes.filter(|_| self.everything && crate::content_type::is_html(file));
        if let Some(html) = html {
            let scan = scan::scan(&String::from_utf8_lossy(html));
            crate::sync::lock(&self.scans).insert(file.to_string(), scan);
        }
        crate::sync::lock(&self.files).insert(file.to_string());
    }
}

impl Sink for LinkSink<'_> {
    fn put(&self, file: &str, bytes: Vec<u8>) -> io::Result<()> {
        self.saw(file, Some(&bytes));
        match self.inner {
            Some(inner) => inner.put(file, bytes),
            None => Ok(()),
        }
    }

    fn put_shared(&self, file: &str, bytes: &Bytes) -> io::Result<()> {
        self.saw(file, Some(bytes));
        match self.inner {
            Some(inner) => inner.put_shared(file, bytes),
            None => Ok(()),
        }
    }

    /// An image variant holds no links: it is noted without being read.
    fn put_fingerprinted(&self, file: &str, bytes: &LazyBytes) -> io::Result<()> {
        self.saw(file, None);
        match self.inner {
            Some(inner) => inner.put_fingerprinted(file, bytes),
            None => Ok(()),
        }
    }

    fn copy(&self, file: &str, source: &Path) -> io::Result<()> {
        if self.everything && crate::content_type::is_html(file) {
            self.saw(file, Some(&std::fs::read(source)?));
        } else {
            std::fs::metadata(source)?;
            self.saw(file, None);
        }
        match self.inner {
            Some(inner) => inner.copy(file, source),
            None => Ok(()),
        }
    }

    fn put_templated(
        &self,
        file: &str,
        bytes: Vec<u8>,
        fingerprint: Fingerprint,
    ) -> io::Result<()> {
        self.saw(file, Some(&bytes));
        match self.inner {
            Some(inner) => inner.put_templated(file, bytes, fingerprint),
            None => Ok(()),
        }
    }

    /// Only a sink that stores files can keep one; `check`'s stores none, so every file is
    /// rendered and read.
    fn keep(&self, file: &str, fingerprint: Fingerprint) -> io::Result<bool> {
        let kept = match self.inner {
            Some(inner) => inner.keep(file, fingerprint)?,
            None => false,
        };
        if kept {
            self.saw(file, None);
        }
        Ok(kept)
    }
}

/// Reports, at `severity`, every internal link of the output that leads to no file and every
/// `#fragment` that no element has: at the markdown's line and column when the link was written
/// there, else at the output's line with the template it came from. Returns how many internal
/// links were followed.
pub(super) fn verify_output(
    site: &Site,
    origins: &HashMap<&str, Origin<'_>>,
    markdown: &[PageLinks],
    scanned: &Scanned,
    severity: Severity,
    problems: &mut Diagnostics,
) -> usize {
    let written_at = written_at(site, markdown);
    let mut followed = 0;
    let mut names: Vec<&String> = scanned.scans.keys().collect();
    names.sort();
    for file in names {
        let page_url = url_of(file);
        for link in &scanned.scans[file].links {
            if !is_internal(&link.url) {
                continue;
            }
            followed += 1;
            let Some(problem) = check_link(&link.url, &page_url, file, scanned) else {
                continue;
            };
            let origin = origins.get(file.as_str());
            let source = origin
                .and_then(|o| o.markdown)
                .and_then(|rel| Some((rel, *written_at.get(rel)?.get(link.url.as_str())?)));
            let diagnostic = Diagnostic::new(severity, problem);
            problems.push(match source {
                Some((rel, at)) => in_markdown(diagnostic, rel, at),
                None => {
                    let template = origin.map_or("the theme", |o| o.template.as_str());
                    diagnostic
                        .in_file(format!("{file} (output)"))
                        .at_line(link.line)
                        .help(format!("the link comes from {template}"))
                }
            });
        }
    }
    followed
}

/// Reports, at `severity`, every link written in markdown that leads to no file of the output,
/// or to a `#fragment` no element of its target has, at the markdown's line and column: what
/// [`verify_output`] finds in markdown, without reading the links of every page's template.
pub fn verify_markdown(
    site: &Site,
    markdown: &[PageLinks],
    scanned: &Scanned,
    severity: Severity,
    problems: &mut Diagnostics,
) {
    let found = for_markdown_links(site, markdown, |page, file, link| {
        let problem = check_link(&link.href, &page.url, file, scanned)?;
        let at = WrittenAt {
            line: link.line,
            column: link.column,
        };
        let diagnostic = Diagnostic::new(severity, problem);
        Some(in_markdown(diagnostic, page.rel(), at))
    });
    problems.extend(found);
}

fn in_markdown(diagnostic: Diagnostic, rel: &str, at: WrittenAt) -> Diagnostic {
    diagnostic
        .in_file(Path::new("content").join(rel))
        .at(at.line, at.column)
        .help("point it at a page or file the site has, and a `#fragment` at a heading or id on it")
}

/// Where in its markdown a link was written.
#[derive(Debug, Clone, Copy)]
struct WrittenAt {
    line: usize,
    column: usize,
}

/// For each page's source, where each of its links' URLs was written.
fn written_at<'a>(
    site: &'a Site,
    markdown: &'a [PageLinks],
) -> HashMap<&'a str, HashMap<&'a str, WrittenAt>> {
    markdown
        .iter()
        .map(|page| {
            let by_href = page
                .links()
                .iter()
                .map(|l| {
                    let at = WrittenAt {
                        line: l.line,
                        column: l.column,
                    };
                    (l.href.as_str(), at)
                })
                .collect();
            (site.pages[page.page].rel(), by_href)
        })
        .collect()
}

/// Which markdown file and template made an output file.
pub(super) struct Origin<'a> {
    /// The page's source, relative to `content/`, when the output is a page.
    pub(super) markdown: Option<&'a str>,
    /// "template page.html" and the like.
    pub(super) template: String,
}

/// The origin of every output file a template made.
pub(super) fn origins(site: &Site) -> HashMap<&str, Origin<'_>> {
    site.outputs
        .iter()
        .filter_map(|o| {
            let (markdown, template) = match &o.route {
                Route::Page(id) => (
                    Some(site.pages[*id].rel()),
                    site.pages[*id].template.as_str(),
                ),
                Route::ListPage { list, .. } => (None, site.lists[*list].template.as_str()),
                Route::TermIndex(_) => (None, "taxonomy_list.html"),
                Route::NotFound => (None, "404.html"),
                _ => return None,
            };
            let template = format!("template {template}");
            Some((o.file.as_str(), Origin { markdown, template }))
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

/// Where an internal link leads: an output file, and the `#fragment` it asks for there.
struct Target {
    file: String,
    /// Percent-decoded; `None` when the link asks for no element (none, empty, or `#top`).
    fragment: Option<String>,
}

/// Where the internal `url`, found in output `file`, leads among `files`; the problem to report
/// when it leads to no file.
fn target_of(
    url: &str,
    page_url: &str,
    file: &str,
    files: &HashSet<String>,
) -> Result<Target, String> {
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
        let decoded = percent_decode_str(absolute.trim_start_matches('/')).decode_utf8_lossy();
        let index = |separator: &str| {
            let index = format!("{decoded}{separator}index.html");
            files.contains(&index).then_some(index)
        };
        let found = if decoded.is_empty() || decoded.ends_with('/') {
            index("")
        } else if files.contains(decoded.as_ref()) {
            Some(decoded.to_string())
        } else {
            index("/")
        };
        match found {
            Some(found) => found,
            None => return Err(format!("link to `{url}`, which the site does not have")),
        }
    };
    let fragment = fragment
        .map(|f| percent_decode_str(f).decode_utf8_lossy().into_owned())
        .filter(|f| !f.is_empty() && f != "top");
    Ok(Target {
        file: target,
        fragment,
    })
}

/// Why the internal `url`, found in output `file`, leads nowhere; `None` when it is fine. A
/// target whose ids were not read is taken to have the element.
fn check_link(url: &str, page_url: &str, file: &str, scanned: &Scanned) -> Option<String> {
    let target = match target_of(url, page_url, file, &scanned.files) {
        Ok(target) => target,
        Err(problem) => return Some(problem),
    };
    let fragment = target.fragment?;
    match scanned.scans.get(&target.file) {
        Some(scan) if !scan.ids.contains(&fragment) => Some(format!(
            "link to `{}`: `{}` has no element with id `{fragment}`",
            url.trim(),
            target.file
        )),
        _ => None,
    }
}

/// Reads, from the output folder `dir`, the ids of every HTML file a markdown link asks an
/// element of (`page/#heading`, or a footnote's `#fn-1` on its own page) and that `scanned`
/// holds no scan of, for [`verify_markdown`]. Reading those few files afterwards costs far less
/// than scanning every page as it is written.
pub fn read_targeted_ids(site: &Site, markdown: &[PageLinks], scanned: &mut Scanned, dir: &Path) {
    let scanned_now = &*scanned;
    let wanted: HashSet<String> = for_markdown_links(site, markdown, |page, file, link| {
        // Only a link with a fragment asks for an element: the others need not be resolved.
        if !link.href.contains('#') {
            return None;
        }
        let target = target_of(&link.href, &page.url, file, &scanned_now.files).ok()?;
        target.fragment.as_ref()?;
        let unread = crate::content_type::is_html(&target.file)
            && !scanned_now.scans.contains_key(&target.file);
        unread.then_some(target.file)
    })
    .into_iter()
    .collect();
    let read: Vec<(String, Scan)> = wanted
        .into_par_iter()
        .filter_map(|file| {
            // A file that cannot be read back has no ids to check against: its links pass.
            let bytes = std::fs::read(dir.join(&file)).ok()?;
            let ids = scan::ids(&String::from_utf8_lossy(&bytes));
            Some((
                file,
                Scan {
                    ids,
                    ..Scan::default()
                },
            ))
        })
        .collect();
    scanned.scans.extend(read);
}

/// What `visit` makes of each link written in markdown, given the link's page (its sources and
/// model) and that page's output file; the pages are visited in parallel, the results kept in
/// order.
fn for_markdown_links<'a, T: Send>(
    site: &'a Site,
    markdown: &'a [PageLinks],
    visit: impl Fn(&'a Page, &str, &'a SourceLink) -> Option<T> + Sync,
) -> Vec<T> {
    (markdown.par_iter())
        .flat_map_iter(|page_links| {
            let page = &site.pages[page_links.page];
            let file = crate::model::url::output_file(&page.url);
            (page_links.links().iter())
                .filter_map(|link| visit(page, &file, link))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_checked_against_files_and_ids() {
        let mut scanned = Scanned {
            files: ["index.html", "a/index.html", "s.css"]
                .map(String::from)
                .into(),
            scans: HashMap::new(),
        };
        scanned.scans.insert(
            "a/index.html".to_string(),
            Scan {
                ids: vec!["here".into()],
                links: vec![],
                elements: vec![],
            },
        );
        let check = |url| check_link(url, "/", "index.html", &scanned);
        assert_eq!(check("/a/"), None);
        assert_eq!(check("/a"), None);
        assert_eq!(check("a/#here"), None);
        assert_eq!(check("/s.css"), None);
        assert!(!is_internal("https://x.example/"));
        assert!(check("/missing/").is_some());
        assert!(
            check("/a/#nowhere")
                .unwrap()
                .contains("no element with id `nowhere`")
        );
    }
}
