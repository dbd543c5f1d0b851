//! The section tree, and each page's place and URL in it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

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
    let bundles: std::collections::HashSet<String> = page_docs
        .iter()
        .filter_map(|d| bundle_dir(&d.rel).map(str::to_string))
        .collect();
    // A folder is inside a bundle when it or one of its ancestors is one: a walk up the path,
    // not a scan of every bundle, which made large sites quadratic.
    let inside_bundle = |dir: &str| {
        let mut dir = dir;
        while !dir.is_empty() {
            if bundles.contains(dir) {
                return true;
            }
            dir = parent_dir(dir);
        }
        false
    };

    // Every folder holding a page or an `_index.md` is a section, and so is each folder above it.
    let mut dirs: BTreeSet<String> = BTreeSet::new();
    dirs.insert(String::new());
    let mut docs_by_dir: BTreeMap<String, SectionDoc> = BTreeMap::new();
    for doc in section_docs {
        let dir = parent_dir(&doc.rel).to_string();
        if inside_bundle(&dir) {
            problems.push(
                Diagnostic::warning("`_index.md` inside a page bundle is ignored")
                    .in_file(Path::new("content").join(&doc.rel)),
            );
            continue;
        }
        add_with_ancestors(&mut dirs, &dir);
        docs_by_dir.insert(dir, doc);
    }
    for doc in &page_docs {
        let dir = bundle_dir(&doc.rel).map_or(parent_dir(&doc.rel), parent_dir);
        if !inside_bundle(dir) {
            add_with_ancestors(&mut dirs, dir);
        }
    }

    let mut sections: IdVec<SectionId, Section> = IdVec::new();
    let mut index_of: BTreeMap<String, SectionId> = BTreeMap::new();
    // BTreeSet order puts every parent before its children.
    for dir in dirs {
        let parent = (!dir.is_empty()).then(|| index_of[parent_dir(&dir)]);
        let url = match parent {
            None => "/".to_string(),
            Some(p) => {
                let name = dir.rsplit('/').next().unwrap_or(&dir);
                let mut slug = slugify(name);
                if slug.is_empty() {
                    problems.push(
                        Diagnostic::error(format!(
                            "cannot make a URL from the folder name `{name}`"
                        ))
                        .in_file(Path::new("content").join(&dir))
                        .help("rename the folder with at least one letter or digit"),
                    );
                    // Keeps the tree whole so the rest of the build still reports its problems.
                    slug = format!("section-{}", sections.len());
                }
                format!("{}{slug}/", sections[p].url)
            }
        };
        let source = docs_by_dir.remove(&dir);
        let section = new_section(config, dir.clone(), url, parent, source);
        let id = sections.push(section);
        if let Some(p) = parent {
            sections[p].children.push(id);
        }
        index_of.insert(dir, id);
    }

    let mut pages: IdVec<PageId, Page> = IdVec::new();
    for doc in page_docs {
        let mut dir = bundle_dir(&doc.rel).map_or(parent_dir(&doc.rel), parent_dir);
        while !index_of.contains_key(dir) {
            dir = parent_dir(dir);
        }
        let section = index_of[dir];
        if let Some(page) = new_page(doc, section, &sections[section], problems) {
            pages.push(page);
        }
    }
    for (id, page) in pages.enumerate() {
        sections[page.section].pages.push(id);
    }
    (sections, pages)
}

fn add_with_ancestors(dirs: &mut BTreeSet<String>, dir: &str) {
    let mut dir = dir;
    loop {
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
    let title =
        front
            .and_then(|f| f.title.clone())
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

fn new_page(
    doc: PageDoc,
    section_id: SectionId,
    section: &Section,
    problems: &mut Diagnostics,
) -> Option<Page> {
    let shown = Path::new("content").join(&doc.rel);
    let front = &doc.front;
    let bundle = bundle_dir(&doc.rel).map(str::to_string);
    let stem = match &bundle {
        Some(dir) => dir.rsplit('/').next().unwrap_or(dir),
        None => {
            let name = doc.rel.rsplit('/').next().unwrap_or(&doc.rel);
            name.strip_suffix(".md").unwrap_or(name)
        }
    };
    let refuse = |field: &str, message: String, problems: &mut Diagnostics| {
        let mut d = Diagnostic::error(message)
            .in_file(&shown)
            .help("the build never writes outside its output folder; give a path inside the site");
        if let Some(line) = doc.line_of(field) {
            d = d.at_line(line);
        }
        problems.push(d);
    };
    let url = if let Some(path) = &front.path {
        match user_path(path) {
            Ok(url) => url,
            Err(e) => {
                refuse("path", format!("unsafe `path`: {e}"), problems);
                return None;
            }
        }
    } else {
        let slug = match &front.slug {
            Some(slug) => match user_slug(slug) {
                Ok(slug) => slug,
                Err(e) => {
                    refuse("slug", format!("unsafe `slug`: {e}"), problems);
                    return None;
                }
            },
            None => slugify(stem),
        };
        if slug.is_empty() {
            problems.push(
                Diagnostic::error(format!("cannot make a URL from the file name `{stem}`"))
                    .in_file(&shown)
                    .help("rename the file or set `slug` in its front matter"),
            );
            return None;
        }
        format!("{}{slug}/", section.url)
    };
    let mut aliases = Vec::new();
    for alias in &front.aliases {
        match user_path(alias) {
            Ok(url) => aliases.push(url),
            Err(e) => refuse("aliases", format!("unsafe alias: {e}"), problems),
        }
    }
    let section_front = section.source.as_ref().map(|s| &s.front);
    let template = front
        .template
        .clone()
        .or_else(|| section_front.and_then(|f| f.page_template.clone()))
        .unwrap_or_else(|| "page.html".to_string());
    Some(Page {
        url,
        section: section_id,
        title: front.title.clone().unwrap_or_else(|| readable(stem)),
        date: front.date.map(|d| d.0),
        updated: front.updated.map(|d| d.0),
        tags: Vec::new(),
        categories: Vec::new(),
        previous: None,
        next: None,
        aliases,
        template,
        is_post: false,
        bundle,
        source: doc,
    })
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
