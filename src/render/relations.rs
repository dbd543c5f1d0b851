//! What a page shows of the essays around it: the series it is a part of, and the posts most
//! like it.

use serde::Serialize;

use super::context::{DateContext, ListContext};
use super::driver::Teasers;
use crate::model::{List, PageId, Site, TermRef};

/// `page.series`: the series a page is a part of.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesContext {
    /// The series' name, as first written.
    pub name: String,
    /// Root-relative URL of the series page, `/series/<slug>/`.
    pub url: String,
    /// This page's place in reading order, from 1.
    pub index: usize,
    /// How many parts are published.
    pub total: usize,
    /// Every part, in reading order.
    pub parts: Vec<SeriesPart>,
}

/// One part of a series.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesPart {
    /// The part's title.
    pub title: String,
    /// Root-relative URL.
    pub url: String,
    /// True for the page being rendered.
    pub current: bool,
}

/// `page.series` for page `id`, if it is a part of one.
pub fn series(site: &Site, id: PageId) -> Option<SeriesContext> {
    let term = site.term(site.pages[id].series?);
    let parts: Vec<SeriesPart> = term
        .pages
        .iter()
        .map(|&part| SeriesPart {
            title: site.pages[part].title.clone(),
            url: site.pages[part].url.clone(),
            current: part == id,
        })
        .collect();
    let index = term.pages.iter().position(|&part| part == id)? + 1;
    Some(SeriesContext {
        name: term.name.clone(),
        url: term.url.clone(),
        index,
        total: parts.len(),
        parts,
    })
}

/// `section` for a series page: the series' name, and how many parts it has.
pub fn series_list<'a>(
    site: &'a Site,
    series: TermRef,
    list: &'a List,
    content: &'a str,
) -> ListContext<'a> {
    let parts = list.pages.len();
    ListContext {
        kind: "term",
        title: site.term(series).name.clone(),
        description: format!(
            "A series in {parts} part{} on {}.",
            if parts == 1 { "" } else { "s" },
            site.config.title
        ),
        url: &list.url,
        content,
        extra: None,
    }
}

/// One of `page.related`, borrowed from the model and the teasers: every post shows three,
/// and copying their text (and formatting their dates) for each page of each render took
/// about 4 % of the CPU time of a save at 10,000 posts.
#[derive(Debug, Clone, Serialize)]
pub struct RelatedPost<'a> {
    /// Its title.
    pub title: &'a str,
    /// Root-relative URL.
    pub url: &'a str,
    /// Publication date.
    pub date: Option<&'a DateContext>,
    /// Its summary, as lists show it.
    pub summary: &'a str,
}

/// `page.related` for page `id`: the model's choice, with the summaries and dates read before
/// the pass.
pub fn related<'a>(site: &'a Site, id: PageId, teasers: &'a Teasers) -> Vec<RelatedPost<'a>> {
    site.pages[id]
        .related
        .iter()
        .map(|&other| {
            let page = &site.pages[other];
            let teaser = teasers.get(&other);
            RelatedPost {
                title: &page.title,
                url: &page.url,
                date: teaser.and_then(|t| t.date.as_ref()),
                summary: teaser.map_or("", |t| &t.summary),
            }
        })
        .collect()
}
