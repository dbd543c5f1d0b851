//! Resolving the links and images of a page's markdown to URLs on the site.
//!
//! Every local link becomes root-relative, so it works whether the page is served at `/x/` or,
//! as Azure's static website also does, at `/x` (where a relative link would resolve against
//! the parent folder).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use percent_encoding::percent_decode_str;
use rayon::prelude::*;

use crate::model::routes::AssetPlacer;
use crate::model::sections::parent_dir;
use crate::model::{Route, Site};

/// Where every content file and folder is published.
pub struct LinkIndex {
    /// Content-relative `.md` path → URL, for pages and `_index.md` files.
    documents: HashMap<String, String>,
    /// Content-relative folder → URL, for page bundles and sections.
    folders: HashMap<String, String>,
    /// Content-relative asset path → URL.
    assets: HashMap<String, String>,
    content_dir: PathBuf,
}

/// What a link destination turned out to be.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Resolved {
    /// Another site, or a scheme such as `mailto:`; left as written.
    External {
        /// The destination as written.
        href: String,
        /// True for web links, which get `rel="noopener noreferrer"`.
        web: bool,
    },
    /// A place on this site.
    Internal {
        /// Root-relative URL, with any `#fragment`.
        href: String,
        /// The file on disk, when the link is to a content asset (used for image sizes).
        file: Option<PathBuf>,
    },
}

impl LinkIndex {
    /// Indexes every page, section and content asset of the site. The three maps are made
    /// side by side: this is on the path of every save of `serve`, with one core idle.
    pub fn new(site: &Site, site_root: &Path) -> Self {
        let (documents, (folders, assets)) = rayon::join(
            || documents(site),
            || rayon::join(|| folders(site), || assets(site)),
        );
        LinkIndex {
            documents,
            folders,
            assets,
            content_dir: site_root.join("content"),
        }
    }

    /// Resolves `dest`, written in the markdown file at content-relative `source`, which is
    /// published at `page_url`. An error says why the link leads nowhere.
    pub fn resolve(&self, dest: &str, source: &str, page_url: &str) -> Result<Resolved, String> {
        let dest = dest.trim();
        if dest.is_empty() || dest.starts_with('#') || dest.starts_with('?') {
            return Ok(Resolved::Internal {
                href: dest.to_string(),
                file: None,
            });
        }
        if let Some(scheme) = scheme(dest) {
            let lower = scheme.to_ascii_lowercase();
            if is_refused_scheme(&lower) {
                return Err(format!(
                    "`{scheme}:` links are not allowed; they run code or read local files"
                ));
            }
            let web = matches!(lower.as_str(), "http" | "https");
            return Ok(Resolved::External {
                href: dest.to_string(),
                web,
            });
        }
        if network_path(dest) {
            return Ok(Resolved::External {
                href: dest.to_string(),
                web: true,
            });
        }
        let (path, fragment) = split_fragment(dest);
        let decoded = percent_decode_str(path).decode_utf8_lossy();
        if let Some(content_path) = decoded.strip_prefix("@/") {
            return self
                .document(content_path)
                .map(|url| internal(url, fragment))
                .ok_or_else(|| missing(content_path));
        }
        if path.starts_with('/') {
            return Ok(internal(path.to_string(), fragment));
        }
        let target = normalize(parent_dir(source), &decoded);
        if decoded.ends_with(".md") && target.is_none() {
            return Err(format!(
                "`{decoded}` climbs above content/; link from this file, or write `@/<path under content>`"
            ));
        }
        if let Some(target) = target {
            if target.ends_with(".md") {
                return self
                    .document(&target)
                    .map(|url| internal(url, fragment))
                    .ok_or_else(|| missing(&target));
            }
            if let Some(url) = self.assets.get(target.as_str()) {
                return Ok(Resolved::Internal {
                    href: format!("{url}{fragment}"),
                    file: Some(self.content_dir.join(&target)),
                });
            }
            if let Some(url) = self.folders.get(target.trim_end_matches('/')) {
                return Ok(internal(url.clone(), fragment));
            }
        }
        // Not a content file: a URL relative to the page's own address.
        Ok(internal(resolve_url(page_url, path), fragment))
    }

    /// A fingerprint of everything links can resolve to: equal fingerprints mean every link
    /// resolves as before. Independent of the maps' iteration order.
    pub fn fingerprint(&self) -> u64 {
        let maps = [
            (0u8, &self.documents),
            (1, &self.folders),
            (2, &self.assets),
        ];
        // On every thread: `serve` asks for it on every save, and it took 4 ms of one thread
        // at 10,000 posts.
        (maps.par_iter())
            .flat_map(|&(kind, map)| map.par_iter().map(move |entry| (kind, entry)))
            .map(|entry| crate::store::hash_of(&entry))
            .reduce(|| 0, u64::wrapping_add)
    }

    /// The URL of the document at `content_path`; `blog/other.md` also finds the bundle
    /// `blog/other/index.md`, as a writer thinks of a post by its name.
    fn document(&self, content_path: &str) -> Option<String> {
        let content_path = content_path.trim_start_matches('/');
        self.documents.get(content_path).cloned().or_else(|| {
            let stem = content_path.strip_suffix(".md")?;
            self.documents.get(&format!("{stem}/index.md")).cloned()
        })
    }
}

/// Content-relative `.md` path → URL, of every page and `_index.md`.
fn documents(site: &Site) -> HashMap<String, String> {
    // Sized at once: growing it was a quarter of indexing 10,000 pages.
    let len = site.pages.len() + site.sections.len() + site.failed_sources.len();
    let mut documents = HashMap::with_capacity(len);
    for page in &site.pages {
        documents.insert(page.rel().to_string(), page.url.clone());
    }
    // A link to a file that failed to load is not a second problem: it points nowhere yet.
    for rel in &site.failed_sources {
        documents.insert(rel.clone(), "#".to_string());
    }
    for section in &site.sections {
        if let Some(doc) = &section.source {
            documents.insert(doc.rel.clone(), section.url.clone());
        }
    }
    documents
}

/// Content-relative folder → URL, of every page bundle and section.
fn folders(site: &Site) -> HashMap<String, String> {
    let mut folders = HashMap::with_capacity(site.pages.len() + site.sections.len());
    for page in &site.pages {
        if let Some(dir) = &page.bundle {
            folders.insert(dir.clone(), page.url.clone());
        }
    }
    for section in &site.sections {
        folders.insert(section.dir.clone(), section.url.clone());
    }
    folders
}

/// Content-relative asset path → URL, of every content asset.
fn assets(site: &Site) -> HashMap<String, String> {
    let placer = AssetPlacer::new(site);
    (site.outputs.iter())
        .filter_map(|o| match &o.route {
            Route::ContentAsset(rel) => Some((rel.clone(), placer.url(rel))),
            _ => None,
        })
        .collect()
}

fn internal(url: String, fragment: &str) -> Resolved {
    Resolved::Internal {
        href: format!("{url}{fragment}"),
        file: None,
    }
}

fn missing(content_path: &str) -> String {
    format!(
        "links to content/{content_path}, which does not exist (or is a draft, scheduled or expired)"
    )
}

/// The scheme of an absolute URL (`https` in `https://x`), if `dest` has one.
pub(crate) fn scheme(dest: &str) -> Option<&str> {
    let end = dest.find(':')?;
    let scheme = &dest[..end];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        // A Windows drive letter is not a scheme, and not something a link may name.
        && scheme.len() > 1)
        .then_some(scheme)
}

/// True for a protocol-relative URL (`//host/x`) as a browser reads it: it also takes `\\` for
/// `/` and drops tabs and line breaks, so `/\\host` and `/<tab>/host` name another host too.
fn network_path(dest: &str) -> bool {
    let mut seen = dest
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c == '\\' { '/' } else { c });
    seen.next() == Some('/') && seen.next() == Some('/')
}

/// Splits `a/b.md#x` into `a/b.md` and `#x` (the `?query` stays with the fragment).
fn split_fragment(dest: &str) -> (&str, &str) {
    match dest.find(['#', '?']) {
        Some(i) => (&dest[..i], &dest[i..]),
        None => (dest, ""),
    }
}

/// Joins a content-relative folder and a relative path, resolving `.` and `..`; `None` if the
/// result would climb above `content/`.
pub fn normalize(base_dir: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = base_dir.split('/').filter(|s| !s.is_empty()).collect();
    for segment in relative.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let mut joined = parts.join("/");
    if relative.ends_with('/') && !joined.is_empty() {
        joined.push('/');
    }
    Some(joined)
}

/// Resolves a relative URL path against a page's folder URL, as a browser would: tabs and line
/// breaks are dropped and a `\\` is a `/`, so the result is never one a browser reads as another
/// host (`/\\x` or `/<tab>/x` would be `//x`).
pub fn resolve_url(page_url: &str, relative: &str) -> String {
    let base = if page_url.ends_with('/') {
        page_url
    } else {
        &page_url[..page_url.rfind('/').map_or(0, |i| i + 1)]
    };
    let cleaned: String;
    let relative = if relative.contains(['\\', '\t', '\n', '\r']) {
        // What a browser does first: drop tabs and line breaks, read `\\` as `/`.
        cleaned = relative
            .chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .map(|c| if c == '\\' { '/' } else { c })
            .collect();
        cleaned.as_str()
    } else {
        relative
    };
    let mut parts: Vec<&str> = if relative.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|s| !s.is_empty()).collect()
    };
    let segments: Vec<&str> = relative.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." | "" if !last => {}
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let trailing = relative.ends_with('/')
        || relative.ends_with("/.")
        || relative.ends_with("/..")
        || relative == "."
        || relative == "..";
    let mut url = format!("/{}", parts.join("/"));
    if trailing && !url.ends_with('/') {
        url.push('/');
    }
    url
}

/// True for the schemes a link may never have (lowercase): they run code or read local files.
pub fn is_refused_scheme(scheme: &str) -> bool {
    matches!(scheme, "javascript" | "vbscript" | "data" | "file")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_content_paths() {
        assert_eq!(
            normalize("blog/a", "../b/index.md").as_deref(),
            Some("blog/b/index.md")
        );
        assert_eq!(normalize("blog", "./x.md").as_deref(), Some("blog/x.md"));
        assert_eq!(normalize("", "../x.md"), None);
    }

    #[test]
    fn resolves_urls_like_a_browser() {
        assert_eq!(resolve_url("/posts/a/", "../b/"), "/posts/b/");
        assert_eq!(resolve_url("/posts/a/", "img.png"), "/posts/a/img.png");
        assert_eq!(resolve_url("/a/", "../../../x"), "/x");
        assert_eq!(resolve_url("/a/", ".."), "/");
    }

    #[test]
    fn backslashes_are_slashes_as_in_a_browser() {
        // A browser reads `/\evil.example` as `//evil.example`: another host.
        assert_eq!(resolve_url("/", "\\evil.example"), "/evil.example");
        assert_eq!(resolve_url("/a/b/", "..\\c"), "/a/c");
        assert_eq!(resolve_url("/a/", "\\\\evil.example/x"), "/evil.example/x");
        assert_eq!(resolve_url("/a/", "../../\t/evil.example"), "/evil.example");
        assert_eq!(resolve_url("/", "x/../\n\\evil.example"), "/evil.example");
        for dest in [
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
        ] {
            assert!(network_path(dest), "{dest:?}");
        }
        for dest in ["/x", "\\x", "x//y", "/ /x"] {
            assert!(!network_path(dest), "{dest:?}");
        }
    }

    #[test]
    fn schemes() {
        assert_eq!(scheme("https://x"), Some("https"));
        assert_eq!(scheme("mailto:a@b"), Some("mailto"));
        assert_eq!(scheme("c:/x"), None);
        assert_eq!(scheme("a/b:c"), None);
        assert_eq!(scheme("../x"), None);
    }
}
