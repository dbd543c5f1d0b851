//! Tags and categories: terms gathered from front matter, each with its list of pages.

use std::collections::HashMap;

use super::order::compare;
use super::url::slugify;
use super::{Page, PageId};
use crate::load::front_matter::SortBy;

/// A taxonomy such as tags.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    /// `tags` or `categories`: the URL segment and the front matter field.
    pub name: &'static str,
    /// The readable name: "Tags".
    pub title: &'static str,
    /// One of its terms, in words: "tag".
    pub singular: &'static str,
    /// `/tags/`.
    pub url: String,
    /// Its terms, alphabetically.
    pub terms: Vec<Term>,
}

/// One tag or category.
#[derive(Debug, Clone)]
pub struct Term {
    /// As first written in front matter.
    pub name: String,
    /// The URL segment; terms that differ only in case or punctuation share it and are one term.
    pub slug: String,
    /// `/tags/<slug>/`.
    pub url: String,
    /// Its pages, newest first.
    pub pages: Vec<PageId>,
}

/// A term of a taxonomy, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TermRef {
    /// Index in [`super::Site::taxonomies`].
    pub taxonomy: usize,
    /// Index in [`Taxonomy::terms`].
    pub term: usize,
}

/// Gathers the tags (taxonomy 0) and categories (taxonomy 1) of every page and records each
/// page's terms on it.
pub fn collect(pages: &mut [Page]) -> Vec<Taxonomy> {
    let specs: [(&'static str, &'static str, &'static str); 2] = [
        ("tags", "Tags", "tag"),
        ("categories", "Categories", "category"),
    ];
    let mut taxonomies = Vec::with_capacity(specs.len());
    for (index, (name, title, singular)) in specs.into_iter().enumerate() {
        let mut terms: Vec<Term> = Vec::new();
        let mut by_slug: HashMap<String, usize> = HashMap::new();
        let mut assigned: Vec<Vec<usize>> = vec![Vec::new(); pages.len()];
        for (page_id, page) in pages.iter().enumerate() {
            let names = match index {
                0 => &page.source.front.tags,
                _ => &page.source.front.categories,
            };
            for raw in names {
                let slug = slugify(raw);
                if slug.is_empty() {
                    continue;
                }
                let term = *by_slug.entry(slug.clone()).or_insert_with(|| {
                    terms.push(Term {
                        name: raw.trim().to_string(),
                        url: format!("/{name}/{slug}/"),
                        slug,
                        pages: Vec::new(),
                    });
                    terms.len() - 1
                });
                if !assigned[page_id].contains(&term) {
                    assigned[page_id].push(term);
                    terms[term].pages.push(page_id);
                }
            }
        }
        // Sort terms alphabetically and renumber the pages' references to match.
        let mut order: Vec<usize> = (0..terms.len()).collect();
        order.sort_by(|&a, &b| {
            let key = |t: &Term| (t.name.to_lowercase(), t.slug.clone());
            key(&terms[a]).cmp(&key(&terms[b]))
        });
        let mut new_index = vec![0; terms.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        let mut sorted: Vec<Term> = order.iter().map(|&old| terms[old].clone()).collect();
        for term in &mut sorted {
            term.pages
                .sort_by(|&a, &b| compare(SortBy::Date, &pages[a], &pages[b]));
        }
        for (page_id, page) in pages.iter_mut().enumerate() {
            let refs = assigned[page_id].iter().map(|&old| TermRef {
                taxonomy: index,
                term: new_index[old],
            });
            match index {
                0 => page.tags = refs.collect(),
                _ => page.categories = refs.collect(),
            }
        }
        taxonomies.push(Taxonomy {
            name,
            title,
            singular,
            url: format!("/{name}/"),
            terms: sorted,
        });
    }
    taxonomies
}
