//! The section tree, and each page's place and URL in it.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use rayon::prelude::*;

use super::url::{slugify, user_path, user_slug};
use super::{IdVec, Page, PageId, Section, SectionId};
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::front_matter::SortBy;
use crate::load::{PageDoc, SectionDoc};

/// The folder a content-relative file path is in (`""` at the top).
pub fn parent_dir(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

/// The folder of a page bundle (`blog/x` for `blog/x/index.md`), `None` for a single-file page.
pub fn bundle_dir(rel: &str) -> Option<&str> {
    // `content/index.md` is an ordinary page: a bundle there would swallow the whole site.
    rel.strip_suffix("/index.md")
}

/// Makes the section tree and places every page in it, with its URL.
pub fn place(
    config: &Config,
    page_docs: Vec<PageDoc>,
    section_docs: Vec<SectionDoc>,
    problems: &mut Diagnostics,
) -> (IdVec<SectionId, Section>, IdVec<PageId, Page>) {
    let bundles = Bundles::of(&page_docs);
    let (dirs, mut docs_by_dir) = section_dirs(&bundles, &page_docs, section_docs, problems);
    let mut sections: IdVec<SectionId, Section> = IdVec::new();
    let mut index_of: BTreeMap<String, SectionId> = BTreeMap::new();
    // BTreeSet order puts every parent before its children.
    for dir in dirs {
        let parent = (!dir.is_empty()).then(|| index_of[parent_dir(&dir)]);
        let url = match parent {
            None => "/".to_string(),
            Some(p) => section_url(&dir, &sections[p].url, sections.len(), problems),
        };
        let source = docs_by_dir.remove(&dir);
        let id = sections.push(new_section(config, dir.clone(), url, parent, source));
        if let Some(p) = parent {
            sections[p].children.push(id);
        }
        index_of.insert(dir, id);
    }
    // Worked out on every core, each page made where it is placed: making them afterwards, in
    // order on one thread, read every page's front matter a second time on every save.
    let placed: Vec<(Option<Page>, Diagnostics)> = page_docs
        .into_par_iter()
        .map(|doc| {
            let mut dir = bundle_dir(&doc.rel).map_or(parent_dir(&doc.rel), parent_dir);
            while !index_of.contains_key(dir) {
                dir = parent_dir(dir);
            }
            let section = index_of[dir];
            let mut found = Diagnostics::new();
            let placed = place_page(config, &doc, section, &sections[section], &mut found);
            (placed.map(|placed| new_page(doc, placed)), found)
        })
        .collect();
    // Sized up front: growing a table of 50,000 pages by doubling would hold two at once.
    let mut pages: IdVec<PageId, Page> = IdVec::from(Vec::with_capacity(placed.len()));
    for (page, found) in placed {
        problems.extend(found);
        if let Some(page) = page {
            pages.push(page);
        }
    }
    for (id, page) in pages.enumerate() {
        sections[page.section].pages.push(id);
    }
    (sections, pages)
}

/// The folders of the site's page bundles, borrowed from their pages' paths.
struct Bundles<'d>(HashSet<&'d str>);

impl<'d> Bundles<'d> {
    fn of(page_docs: &'d [PageDoc]) -> Self {
        let mut bundles = HashSet::with_capacity(page_docs.len());
        bundles.extend(page_docs.iter().filter_map(|d| bundle_dir(&d.rel)));
        Bundles(bundles)
    }

    /// True when `dir` or one of its ancestors is a bundle: a walk up the path, not a scan of
    /// every bundle, which made large sites quadratic.
    fn contain(&self, dir: &str) -> bool {
        let mut dir = dir;
        while !dir.is_empty() {
            if self.0.contains(dir) {
                return true;
            }
            dir = parent_dir(dir);
        }
        false
    }
}

/// Every section folder (each folder holding a page or an `_index.md`, and each folder above
/// it) in parent-first order, and the `_index.md` of each that has one.
fn section_dirs(
    bundles: &Bundles,
    page_docs: &[PageDoc],
    section_docs: Vec<SectionDoc>,
    problems: &mut Diagnostics,
) -> (BTreeSet<String>, BTreeMap<String, SectionDoc>) {
    let mut dirs: BTreeSet<String> = BTreeSet::new();
    dirs.insert(String::new());
    let mut docs_by_dir: BTreeMap<String, SectionDoc> = BTreeMap::new();
    for doc in section_docs {
        let dir = parent_dir(&doc.rel).to_string();
        if bundles.contain(&dir) {
            problems.push(
                Diagnostic::warning("`_index.md` inside a page bundle is ignored")
                    .in_file(Path::new("content").join(&doc.rel)),
            );
            continue;
        }
        add_with_ancestors(&mut dirs, &dir);
        docs_by_dir.insert(dir, doc);
    }
    // Pages come sorted by path, so most are in the folder of the page before.
    let mut last = None;
    for doc in page_docs {
        let dir = bundle_dir(&doc.rel).map_or(parent_dir(&doc.rel), parent_dir);
        if last == Some(dir) {
            continue;
        }
        last = Some(dir);
        if !bundles.contain(dir) {
            add_with_ancestors(&mut dirs, dir);
        }
    }
    (dirs, docs_by_dir)
}

/// The URL of the section folder `dir` under its parent's URL.
fn section_url(dir: &str, parent_url: &str, index: usize, problems: &mut Diagnostics) -> String {
    let name = dir.rsplit('/').next().unwrap_or(dir);
    let mut slug = slugify(name);
    if slug.is_empty() {
        problems.push(
            Diagnostic::error(format!("cannot make a URL from the folder name `{name}`"))
                .in_file(Path::new("content").join(dir))
                .help("rename the folder with at least one letter or digit"),
        );
        // Keeps the tree whole so the rest of the build still reports its problems.
        slug = format!("section-{index}");
    }
    format!("{parent_url}{slug}/")
}

fn add_with_ancestors(dirs: &mut BTreeSet<String>, dir: &str) {
    let mut dir = dir;
    // A folder already there has its ancestors there too. Looked up before it is copied: most
    // pages are in a folder already there, and this took a third of placing 10,000 pages when
    // it copied and inserted each page's folder and all above it.
    while !dirs.contains(dir) {
        dirs.insert(dir.to_string());
        if dir.is_empty() {
            break;
        }
        dir = parent_dir(dir);
    }
}

fn new_section(
    config: &Config,
    dir: String,
    url: String,
    parent: Option<SectionId>,
    source: Option<SectionDoc>,
) -> Section {
    let front = source.as_ref().map(|s| &s.front);
    let title = front
        .and_then(|f| written_title(config, f.title.as_deref()))
        .unwrap_or_else(|| match dir.rsplit('/').next() {
            Some(name) if !name.is_empty() => readable(name),
            _ => config.title.clone(),
        });
    Section {
        title,
        sort_by: front.and_then(|f| f.sort_by).unwrap_or(SortBy::Date),
        paginate_by: front
            .and_then(|f| f.paginate_by)
            .unwrap_or(config.paginate_by),
        template: front
            .and_then(|f| f.template.clone())
            .unwrap_or_else(|| "section.html".to_string()),
        dir,
        url,
        source,
        parent,
        pages: Vec::new(),
        all_pages: Vec::new(),
        children: Vec::new(),
    }
}

/// "hello-world" → "Hello world": a title for pages and sections that give none.
fn readable(name: &str) -> String {
    let spaced = name.trim().replace(['-', '_'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A title from front matter, with the body's smart punctuation when that is on.
fn written_title(config: &Config, title: Option<&str>) -> Option<String> {
    let title = title?;
    Some(if config.markdown.smart_punctuation {
        super::typography::smart(title)
    } else {
        title.to_string()
    })
}

/// What of a page depends on where its document is: worked out apart from moving the
/// document into the page, so that it can be on every core.
struct Placed {
    url: String,
    section: SectionId,
    title: String,
    aliases: Vec<String>,
    template: String,
    bundle: Option<String>,
}

/// Where the page of `doc`, in section `section_id`, goes; `None` when it cannot be placed.
fn place_page(
    config: &Config,
    doc: &PageDoc,
    section_id: SectionId,
    section: &Section,
    problems: &mut Diagnostics,
) -> Option<Placed> {
    let bundle = bundle_dir(&doc.rel).map(str::to_string);
    let stem = match &bundle {
        Some(dir) => dir.rsplit('/').next().unwrap_or(dir),
        None => {
            let name = doc.rel.rsplit('/').next().unwrap_or(&doc.rel);
            name.strip_suffix(".md").unwrap_or(name)
        }
    };
    let url = page_url(doc, stem, section, problems)?;
    let front = &doc.front;
    let mut aliases = Vec::new();
    for alias in &front.aliases {
        match user_path(alias) {
            Ok(url) => aliases.push(url),
            Err(e) => refuse(doc, "aliases", format!("unsafe alias: {e}"), problems),
        }
    }
    let section_front = section.source.as_ref().map(|s| &s.front);
    let template = front
        .template
        .clone()
        .or_else(|| section_front.and_then(|f| f.page_template.clone()))
        .unwrap_or_else(|| "page.html".to_string());
    Some(Placed {
        url,
        section: section_id,
        title: written_title(config, front.title.as_deref()).unwrap_or_else(|| readable(stem)),
        aliases,
        template,
        bundle,
    })
}

/// The page of `doc`, placed.
fn new_page(doc: PageDoc, placed: Placed) -> Page {
    Page {
        url: placed.url,
        section: placed.section,
        title: placed.title,
        date: doc.front.date.map(|d| d.0),
        updated: doc.front.updated.map(|d| d.0),
        tags: Vec::new(),
        categories: Vec::new(),
        series: None,
        related: Vec::new(),
        previous: None,
        next: None,
        aliases: placed.aliases,
        template: placed.template,
        is_post: false,
        scheduled: false,
        bundle: placed.bundle,
        source: doc,
    }
}

/// A page's URL: its `path`, else its section's URL and its `slug` or file name; `None` (with
/// the problem reported) when neither makes a safe URL.
fn page_url(
    doc: &PageDoc,
    stem: &str,
    section: &Section,
    problems: &mut Diagnostics,
) -> Option<String> {
    let front = &doc.front;
    if let Some(path) = &front.path {
        return user_path(path)
            .map_err(|e| refuse(doc, "path", format!("unsafe `path`: {e}"), problems))
            .ok();
    }
    let slug = match &front.slug {
        Some(slug) => user_slug(slug)
            .map_err(|e| refuse(doc, "slug", format!("unsafe `slug`: {e}"), problems))
            .ok()?,
        None => slugify(stem),
    };
    if slug.is_empty() {
        problems.push(
            Diagnostic::error(format!("cannot make a URL from the file name `{stem}`"))
                .in_file(Path::new("content").join(&doc.rel))
                .help("rename the file or set `slug` in its front matter"),
        );
        return None;
    }
    Some(format!("{}{slug}/", section.url))
}

/// Reports a front matter value that would make the build write outside its output folder.
fn refuse(doc: &PageDoc, field: &str, message: String, problems: &mut Diagnostics) {
    let mut d = Diagnostic::error(message)
        .in_file(Path::new("content").join(&doc.rel))
        .help("the build never writes outside its output folder; give a path inside the site");
    if let Some(line) = doc.line_of(field) {
        d = d.at_line(line);
    }
    problems.push(d);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles_and_parents() {
        assert_eq!(bundle_dir("blog/x/index.md"), Some("blog/x"));
        assert_eq!(bundle_dir("index.md"), None);
        assert_eq!(bundle_dir("blog/x.md"), None);
        assert_eq!(parent_dir("blog/x.md"), "blog");
        assert_eq!(parent_dir("about.md"), "");
    }

    #[test]
    fn readable_titles() {
        assert_eq!(readable("hello-world"), "Hello world");
        assert_eq!(readable("algorithm-wordchange "), "Algorithm wordchange");
    }
}
