//! Tags and categories: terms gathered from front matter, each with its list of pages.

use std::cmp::Ordering;
use std::collections::HashMap;

use rayon::prelude::*;

use super::Page;
use super::ids::{Id, IdVec, PageId, TaxonomyId, TermId};
use super::order::compare;
use super::url::slugify;
use crate::load::front_matter::SortBy;

/// Which taxonomy: each has its own front matter field and URL segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaxonomyKind {
    /// `tags`: the one with feeds of its own (`[feeds] tags`).
    Tags,
    /// `categories`.
    Categories,
    /// `series`: parts in reading order, one series a page.
    Series,
}

impl TaxonomyKind {
    /// Every kind, in the order the model keeps them.
    pub const ALL: [TaxonomyKind; 3] = [
        TaxonomyKind::Tags,
        TaxonomyKind::Categories,
        TaxonomyKind::Series,
    ];

    /// `tags` or `categories`: the URL segment and the front matter field.
    pub fn name(self) -> &'static str {
        match self {
            TaxonomyKind::Tags => "tags",
            TaxonomyKind::Categories => "categories",
            TaxonomyKind::Series => "series",
        }
    }

    /// The readable name: "Tags".
    pub fn title(self) -> &'static str {
        match self {
            TaxonomyKind::Tags => "Tags",
            TaxonomyKind::Categories => "Categories",
            TaxonomyKind::Series => "Series",
        }
    }

    /// One of its terms, in words: "tag".
    pub fn singular(self) -> &'static str {
        match self {
            TaxonomyKind::Tags => "tag",
            TaxonomyKind::Categories => "category",
            TaxonomyKind::Series => "series",
        }
    }

    /// The terms a page's front matter gives for this taxonomy.
    fn terms_of(self, page: &Page) -> &[String] {
        match self {
            TaxonomyKind::Tags => &page.source.front.tags,
            TaxonomyKind::Categories => &page.source.front.categories,
            TaxonomyKind::Series => {
                let series = &page.source.front.series;
                &series[..series.len().min(1)]
            }
        }
    }
}

/// A taxonomy such as tags.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    /// Which one it is.
    pub kind: TaxonomyKind,
    /// `/tags/`.
    pub url: String,
    /// Its terms, alphabetically.
    pub terms: IdVec<TermId, Term>,
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
    /// Its pages: newest first, or for a series in reading order.
    pub pages: Vec<PageId>,
}

/// A term of a taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TermRef {
    /// The taxonomy.
    pub taxonomy: TaxonomyId,
    /// The term in it.
    pub term: TermId,
}

/// Gathers the tags and categories of every page and records each page's terms on it.
pub fn collect(pages: &mut IdVec<PageId, Page>) -> IdVec<TaxonomyId, Taxonomy> {
    // Each taxonomy is gathered on a thread of its own, and pages are handed their terms on
    // every thread: all of it on one was 4 ms of every save of `serve` at 10,000 posts.
    let gathered: Vec<Gathered> = (TaxonomyKind::ALL.par_iter())
        .map(|&kind| {
            let (terms, assigned) = gather(kind, pages);
            let (sorted, renumbered) = sort_terms(kind, terms, pages);
            Gathered {
                sorted,
                renumbered,
                assigned,
            }
        })
        .collect();
    let mut taxonomies = IdVec::new();
    for (kind, gathered) in TaxonomyKind::ALL.into_iter().zip(gathered) {
        let taxonomy = TaxonomyId::new(taxonomies.len());
        let Gathered {
            sorted,
            renumbered,
            assigned,
        } = gathered;
        let each_page = pages.as_mut_slice().par_iter_mut().zip(assigned);
        each_page.for_each(|(page, old_terms)| {
            let refs = old_terms.into_iter().map(|old| TermRef {
                taxonomy,
                term: renumbered[old],
            });
            match kind {
                TaxonomyKind::Tags => page.tags = refs.collect(),
                TaxonomyKind::Categories => page.categories = refs.collect(),
                TaxonomyKind::Series => page.series = refs.into_iter().next(),
            }
        });
        taxonomies.push(Taxonomy {
            kind,
            url: format!("/{}/", kind.name()),
            terms: sorted,
        });
    }
    taxonomies
}

/// One taxonomy's terms, before its pages are given theirs.
struct Gathered {
    /// Its terms in order.
    sorted: IdVec<TermId, Term>,
    /// Each term's id by its place in the order of first use.
    renumbered: Vec<TermId>,
    /// Each page's terms, by their place in the order of first use.
    assigned: Vec<Vec<usize>>,
}

/// The terms of one taxonomy in order of first use, and each page's terms by that order.
fn gather(kind: TaxonomyKind, pages: &IdVec<PageId, Page>) -> (Vec<Term>, Vec<Vec<usize>>) {
    let mut terms: Vec<Term> = Vec::new();
    let mut by_slug: HashMap<String, usize> = HashMap::new();
    // A site uses a few terms many times: each spelling is slugified once, not on every page.
    let mut by_raw: HashMap<&str, Option<usize>> = HashMap::new();
    let mut assigned: Vec<Vec<usize>> = vec![Vec::new(); pages.len()];
    for (page_id, page) in pages.enumerate() {
        for raw in kind.terms_of(page) {
            let found = *by_raw.entry(raw).or_insert_with(|| {
                let slug = slugify(raw);
                if slug.is_empty() {
                    return None;
                }
                let term = *by_slug.entry(slug.clone()).or_insert_with(|| {
                    terms.push(Term {
                        name: raw.trim().to_string(),
                        url: format!("/{}/{slug}/", kind.name()),
                        slug,
                        pages: Vec::new(),
                    });
                    terms.len() - 1
                });
                Some(term)
            });
            let Some(term) = found else {
                continue;
            };
            let mine = &mut assigned[page_id.index()];
            if !mine.contains(&term) {
                mine.push(term);
                terms[term].pages.push(page_id);
            }
        }
    }
    (terms, assigned)
}

/// Sorts terms alphabetically, and their pages newest first (a series' in reading order);
/// returns the new id of each term by its old position.
fn sort_terms(
    kind: TaxonomyKind,
    terms: Vec<Term>,
    pages: &IdVec<PageId, Page>,
) -> (IdVec<TermId, Term>, Vec<TermId>) {
    let mut order: Vec<usize> = (0..terms.len()).collect();
    // Each key made once, not twice for every comparison.
    order.sort_by_cached_key(|&at| (terms[at].name.to_lowercase(), terms[at].slug.clone()));
    let mut renumbered = vec![TermId::new(0); terms.len()];
    for (new, &old) in order.iter().enumerate() {
        renumbered[old] = TermId::new(new);
    }
    let mut slots: Vec<Option<Term>> = terms.into_iter().map(Some).collect();
    let mut sorted: Vec<Term> = (order.iter())
        .filter_map(|&old| slots[old].take())
        .collect();
    sorted.par_iter_mut().for_each(|term| match kind {
        TaxonomyKind::Series => (term.pages).sort_by(|&a, &b| reading_order(&pages[a], &pages[b])),
        _ => (term.pages).sort_by(|&a, &b| compare(SortBy::Date, &pages[a], &pages[b])),
    });
    (IdVec::from(sorted), renumbered)
}

/// The order of a series' parts: those with a `weight` first, lightest first, then the rest
/// oldest first (undated last); ties by URL.
fn reading_order(a: &Page, b: &Page) -> Ordering {
    let weight = |p: &Page| p.source.front.weight.map_or((1, 0), |w| (0, w));
    let date = |p: &Page| p.date.map_or((1, None), |d| (0, Some(d)));
    weight(a)
        .cmp(&weight(b))
        .then_with(|| date(a).cmp(&date(b)))
        .then_with(|| a.url.cmp(&b.url))
}
