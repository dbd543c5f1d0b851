//! Ordering pages within sections, linking neighbours, and choosing the home page's posts.

use std::cmp::Ordering;

use super::{Id, IdVec, Page, PageId, Section, SectionId};
use crate::config::Config;
use crate::load::front_matter::SortBy;

/// Compares two pages for a list sorted by `sort_by`; every order ends in a tie-break by
/// source path so the result never depends on the order files were read in.
pub fn compare(sort_by: SortBy, a: &Page, b: &Page) -> Ordering {
    let by_path = || a.rel().cmp(b.rel());
    match sort_by {
        SortBy::Date => newest_first(a.date, b.date).then_with(by_path),
        SortBy::UpdateDate => newest_first(a.last_modified(), b.last_modified()).then_with(by_path),
        SortBy::Title => a
            .title
            .to_lowercase()
            .cmp(&b.title.to_lowercase())
            .then_with(by_path),
        SortBy::Weight => match (a.source.front.weight, b.source.front.weight) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
        .then_with(by_path),
        SortBy::Slug => a.url.cmp(&b.url).then_with(by_path),
        SortBy::None => by_path(),
    }
}

/// Dated pages newest first, then undated ones.
fn newest_first<T: Ord>(a: Option<T>, b: Option<T>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Sorts each section's pages, and fills `all_pages` with the pages of its whole subtree.
pub fn sort_sections(sections: &mut IdVec<SectionId, Section>, pages: &IdVec<PageId, Page>) {
    for section in sections.iter_mut() {
        let sort_by = section.sort_by;
        section
            .pages
            .sort_by(|&a, &b| compare(sort_by, &pages[a], &pages[b]));
    }
    // Children come after their parents, so walking backwards sees every child's subtree first.
    for id in sections.ids().rev() {
        let mut all: Vec<PageId> = sections[id].pages.clone();
        for &child in &sections[id].children {
            all.extend_from_slice(&sections[child].all_pages);
        }
        let sort_by = sections[id].sort_by;
        all.sort_by(|&a, &b| compare(sort_by, &pages[a], &pages[b]));
        sections[id].all_pages = all;
    }
}

/// Sets each page's older (`previous`) and newer (`next`) neighbour within its section.
///
/// In sections sorted by anything but date, `previous` is simply the one listed before.
pub fn link_neighbours(sections: &IdVec<SectionId, Section>, pages: &mut IdVec<PageId, Page>) {
    for section in sections {
        let list = &section.pages;
        let newest_first = matches!(section.sort_by, SortBy::Date | SortBy::UpdateDate);
        for (i, &id) in list.iter().enumerate() {
            let before = i.checked_sub(1).map(|j| list[j]);
            let after = list.get(i + 1).copied();
            let (previous, next) = if newest_first {
                (after, before)
            } else {
                (before, after)
            };
            pages[id].previous = previous;
            pages[id].next = next;
        }
    }
}

/// The sections whose posts the home page lists: `main_sections` from `site.toml`, or else the
/// top-level section with the most pages (the root's own pages win only if there are more).
pub fn main_sections(config: &Config, sections: &IdVec<SectionId, Section>) -> Vec<SectionId> {
    if !config.main_sections.is_empty() {
        return config
            .main_sections
            .iter()
            .filter_map(|name| {
                let name = name.trim_matches('/');
                sections
                    .iter()
                    .position(|s| s.dir == name)
                    .map(SectionId::new)
            })
            .collect();
    }
    let Some(root) = sections.get(SectionId::ROOT) else {
        return Vec::new();
    };
    let best_child = root
        .children
        .iter()
        .copied()
        .max_by(|&a, &b| {
            sections[a]
                .all_pages
                .len()
                .cmp(&sections[b].all_pages.len())
                .then_with(|| sections[b].dir.cmp(&sections[a].dir))
        })
        .filter(|&c| !sections[c].all_pages.is_empty());
    match best_child {
        Some(child) if sections[child].all_pages.len() >= root.pages.len() => vec![child],
        _ => vec![SectionId::ROOT],
    }
}

/// An error for each name of `main_sections` that is no section, which would otherwise leave
/// the home page silently without its posts.
pub fn unknown_main_sections(
    config: &Config,
    sections: &IdVec<SectionId, Section>,
) -> crate::diagnostic::Diagnostics {
    let mut problems = crate::diagnostic::Diagnostics::new();
    let known: Vec<&str> = sections
        .iter()
        .map(|s| s.dir.as_str())
        .filter(|dir| !dir.is_empty())
        .collect();
    for name in &config.main_sections {
        let dir = name.trim_matches('/');
        if !dir.is_empty() && !known.contains(&dir) {
            let listed = if known.is_empty() {
                "there are no sections, only content/ itself".to_string()
            } else {
                format!("the sections are {}", known.join(", "))
            };
            problems.push(
                crate::diagnostic::Diagnostic::error(format!(
                    "main_sections names \"{name}\", which is no folder of content/"
                ))
                .in_file(crate::config::CONFIG_FILE)
                .help(format!(
                    "{listed}; fix the name, or remove main_sections to list the largest"
                )),
            );
        }
    }
    problems
}

/// The posts of the main sections, newest first: what the home page and site feeds list.
pub fn main_posts(
    config: &Config,
    sections: &IdVec<SectionId, Section>,
    pages: &IdVec<PageId, Page>,
) -> Vec<PageId> {
    let mut posts: Vec<PageId> = Vec::new();
    for id in main_sections(config, sections) {
        posts.extend_from_slice(&sections[id].all_pages);
    }
    posts.sort_by(|&a, &b| compare(SortBy::Date, &pages[a], &pages[b]));
    posts.dedup();
    posts
}
