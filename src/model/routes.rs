//! Every file the site will hold, decided before anything is rendered, so that two things
//! claiming one URL are caught with both their names.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;

use super::ids::Id;
use super::sections::parent_dir;
use super::taxonomy::{Taxonomy, TaxonomyKind, TermRef};
use super::url::{encode_path, join, output_file};
use super::{IdVec, ListId, PageId, Section, SectionId, Site, TaxonomyId};
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Diagnostics};

/// The most URLs one sitemap file may hold (sitemaps.org).
pub const SITEMAP_LIMIT: usize = 50_000;

/// What a list of pages is a list of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// The home page: the main sections' posts.
    Home,
    /// A section's pages.
    Section(SectionId),
    /// A tag's or category's pages.
    Term(TermRef),
}

/// A list of pages, split into list pages ("pagers") of `paginate_by`.
#[derive(Debug, Clone)]
pub struct List {
    /// What it lists.
    pub kind: ListKind,
    /// The URL of its first pager.
    pub url: String,
    /// Its pages, in order.
    pub pages: Vec<PageId>,
    /// Pages per pager; 0 for one pager.
    pub paginate_by: usize,
    /// The template rendering it.
    pub template: String,
}

impl List {
    /// How many pagers the list has (at least one, even when empty).
    pub fn pager_count(&self) -> usize {
        if self.paginate_by == 0 || self.pages.is_empty() {
            1
        } else {
            self.pages.len().div_ceil(self.paginate_by)
        }
    }

    /// The URL of pager `index` (0-based): the list's URL, then `page/2/`, `page/3/`, ...
    pub fn pager_url(&self, index: usize) -> String {
        if index == 0 {
            self.url.clone()
        } else {
            format!("{}page/{}/", self.url, index + 1)
        }
    }

    /// The pages on pager `index`.
    pub fn pager_pages(&self, index: usize) -> &[PageId] {
        if self.paginate_by == 0 {
            return &self.pages;
        }
        let start = (index * self.paginate_by).min(self.pages.len());
        let end = (start + self.paginate_by).min(self.pages.len());
        &self.pages[start..end]
    }
}

/// The feed formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedFormat {
    /// RSS 2.0.
    Rss,
    /// Atom 1.0.
    Atom,
    /// JSON Feed 1.1.
    Json,
}

impl FeedFormat {
    /// Every format, in the order pages list them.
    pub const ALL: [FeedFormat; 3] = [FeedFormat::Rss, FeedFormat::Atom, FeedFormat::Json];

    /// The format of a feed file, by its name (`rss.xml`, `tags/rust/feed.json`, …).
    pub fn of_file(path: &str) -> Option<FeedFormat> {
        let name = path.rsplit('/').next().unwrap_or(path);
        Self::ALL.into_iter().find(|f| f.file_name() == name)
    }

    /// The feed's file name.
    pub fn file_name(self) -> &'static str {
        match self {
            FeedFormat::Rss => "rss.xml",
            FeedFormat::Atom => "atom.xml",
            FeedFormat::Json => "feed.json",
        }
    }

    /// The feed's media type, for `<link rel="alternate">`.
    pub fn media_type(self) -> &'static str {
        match self {
            FeedFormat::Rss => "application/rss+xml",
            FeedFormat::Atom => "application/atom+xml",
            FeedFormat::Json => "application/feed+json",
        }
    }
}

/// How one output file is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// A page.
    Page(PageId),
    /// Pager `pager` of list `list`.
    ListPage {
        /// The list.
        list: ListId,
        /// 0-based pager.
        pager: usize,
    },
    /// A small page sending visitors on to `to` (aliases, `/page/1/`).
    Redirect {
        /// Where to.
        to: String,
    },
    /// The list of every term of a taxonomy.
    TermIndex(TaxonomyId),
    /// The feed of a list (the home list for the site feeds).
    Feed {
        /// RSS or Atom.
        format: FeedFormat,
        /// The list.
        list: ListId,
    },
    /// `sitemap.xml`, or part `n` of it when the site has more URLs than one file may hold.
    Sitemap(Option<usize>),
    /// `sitemap.xml` as an index of its parts.
    SitemapIndex(usize),
    /// `robots.txt`.
    Robots,
    /// `404.html`.
    NotFound,
    /// A file copied from `content/`, by content-relative path.
    ContentAsset(String),
    /// A file copied from `static/`, by path relative to `static/`.
    Static(String),
}

/// One file of the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Its root-relative URL.
    pub url: String,
    /// Its path relative to the output folder.
    pub file: String,
    /// How it is made.
    pub route: Route,
}

/// The lists that get list pages: home, every section but the root, every term.
pub fn lists(
    config: &Config,
    sections: &IdVec<SectionId, Section>,
    taxonomies: &IdVec<TaxonomyId, Taxonomy>,
    posts: &[PageId],
) -> IdVec<ListId, List> {
    let root = &sections[SectionId::ROOT];
    let home_paginate = root
        .source
        .as_ref()
        .and_then(|s| s.front.paginate_by)
        .unwrap_or(config.paginate_by);
    let mut lists = IdVec::new();
    lists.push(List {
        kind: ListKind::Home,
        url: "/".into(),
        pages: posts.to_vec(),
        paginate_by: home_paginate,
        template: "index.html".into(),
    });
    for (id, section) in sections.enumerate().skip(1) {
        lists.push(List {
            kind: ListKind::Section(id),
            url: section.url.clone(),
            pages: section.all_pages.clone(),
            paginate_by: section.paginate_by,
            template: section.template.clone(),
        });
    }
    for (taxonomy_id, taxonomy) in taxonomies.enumerate() {
        for (term_id, term) in taxonomy.terms.enumerate() {
            lists.push(List {
                kind: ListKind::Term(TermRef {
                    taxonomy: taxonomy_id,
                    term: term_id,
                }),
                url: term.url.clone(),
                pages: term.pages.clone(),
                // A series is read in one list, part 1 first.
                paginate_by: match taxonomy.kind {
                    TaxonomyKind::Series => 0,
                    _ => config.paginate_by,
                },
                template: "taxonomy_single.html".into(),
            });
        }
    }
    lists
}

/// Every output file of the site, checked for clashes.
pub fn outputs(
    site: &Site,
    assets: &[String],
    statics: &[String],
    problems: &mut Diagnostics,
) -> Vec<Output> {
    let mut claims = Claims::new(site, problems);
    claims.pages(site);
    claims.lists(site);
    claims.taxonomies(site);
    claims.content_assets(site, assets);
    claims.statics(statics);
    claims.claim("/404.html", Route::NotFound, "the 404 page");
    if !claims.overrides.iter().any(|o| o == "/robots.txt") {
        claims.claim("/robots.txt", Route::Robots, "robots.txt");
    }
    claims.sitemap();
    claims.outputs
}

/// True for lists with feeds of their own: the home page (the site feeds), and each tag when
/// `[feeds] tags` is on.
pub fn has_feeds(site: &Site, list: &List) -> bool {
    match list.kind {
        ListKind::Home => true,
        ListKind::Term(t) => {
            site.taxonomy_of(t).kind == TaxonomyKind::Tags && site.config.feeds.tags
        }
        ListKind::Section(_) => false,
    }
}

/// True for outputs listed in the sitemap: real pages, not redirects, feeds or files.
pub fn in_sitemap(route: &Route) -> bool {
    matches!(
        route,
        Route::Page(_) | Route::ListPage { .. } | Route::TermIndex(_)
    )
}

/// The feeds `site.toml` turns on.
pub fn enabled_feeds(config: &Config) -> Vec<FeedFormat> {
    let mut formats = Vec::new();
    if config.feeds.rss {
        formats.push(FeedFormat::Rss);
    }
    if config.feeds.atom {
        formats.push(FeedFormat::Atom);
    }
    if config.feeds.json {
        formats.push(FeedFormat::Json);
    }
    formats
}

/// Where files from `content/` are published: beside their page for a bundle's files, else at
/// the URL of the section folder holding them.
pub struct AssetPlacer<'a> {
    folders: HashMap<&'a str, &'a str>,
}

impl<'a> AssetPlacer<'a> {
    /// Indexes the site's bundle and section folders by content-relative path.
    pub fn new(site: &'a Site) -> Self {
        let mut folders: HashMap<&str, &str> = HashMap::new();
        for section in &site.sections {
            folders.insert(&section.dir, &section.url);
        }
        for page in &site.pages {
            if let Some(dir) = &page.bundle {
                folders.insert(dir, &page.url);
            }
        }
        AssetPlacer { folders }
    }

    /// The URL of the file at content-relative path `rel`.
    pub fn url(&self, rel: &str) -> String {
        // The deepest bundle or section folder containing the file decides.
        let mut dir = parent_dir(rel);
        loop {
            if let Some(url) = self.folders.get(dir) {
                let rest = if dir.is_empty() {
                    rel
                } else {
                    &rel[dir.len() + 1..]
                };
                return join(url, &encode_path(rest));
            }
            if dir.is_empty() {
                return format!("/{}", encode_path(rel));
            }
            dir = parent_dir(dir);
        }
    }
}

fn list_owner(site: &Site, list: &List) -> String {
    match list.kind {
        ListKind::Home => "the home page".into(),
        ListKind::Section(id) => {
            let section = &site.sections[id];
            match &section.source {
                Some(doc) => format!("content/{}", doc.rel),
                None => format!("the section content/{}", section.dir),
            }
        }
        ListKind::Term(t) => {
            format!(
                "the {} `{}`",
                site.taxonomy_of(t).kind.name(),
                site.term(t).name
            )
        }
    }
}

/// Output files claimed so far, by file path, with who claimed them.
struct Claims<'p> {
    site: &'p Site,
    outputs: Vec<Output>,
    owners: HashMap<String, Owner>,
    overrides: Vec<String>,
    problems: &'p mut Diagnostics,
}

/// An output a route claims, its file worked out before it is claimed.
struct Claim {
    url: String,
    /// The file, percent-decoded: two URLs naming one file clash.
    file: String,
    route: Route,
}

impl Claim {
    fn new(url: &str, route: Route) -> Claim {
        let file = output_file(url);
        let file = percent_encoding::percent_decode_str(&file)
            .decode_utf8_lossy()
            .into_owned();
        Claim {
            url: url.to_string(),
            file,
            route,
        }
    }
}

/// Who claimed an output, put in words only when another claims it too: describing every page
/// made two strings a page on every save of `serve`, almost never read.
enum Owner {
    Page(PageId),
    AliasOf(PageId),
    Named(String),
}

/// A page's claims, worked out on any thread.
struct PageClaims {
    page: Claim,
    aliases: Vec<Claim>,
}

impl<'p> Claims<'p> {
    fn new(site: &'p Site, problems: &'p mut Diagnostics) -> Self {
        Claims {
            site,
            outputs: Vec::new(),
            owners: HashMap::new(),
            overrides: Vec::new(),
            problems,
        }
    }

    fn claim(&mut self, url: &str, route: Route, owner: &str) {
        self.take(Claim::new(url, route), Owner::Named(owner.to_string()));
    }

    fn take(&mut self, claim: Claim, owner: Owner) {
        if let Some(first) = self.owners.get(&claim.file) {
            let (owner, first) = (self.describe(&owner), self.describe(first));
            self.problems.push(
                Diagnostic::error(format!(
                    "{owner} and {first} both claim the URL {}",
                    claim.url
                ))
                .in_file(owner_file(&owner))
                .help("give one of them another `slug`, `path` or alias"),
            );
            return;
        }
        self.owners.insert(claim.file.clone(), owner);
        self.outputs.push(Output {
            url: claim.url,
            file: claim.file,
            route: claim.route,
        });
    }

    fn describe(&self, owner: &Owner) -> String {
        match owner {
            Owner::Page(id) => format!("content/{}", self.site.pages[*id].rel()),
            Owner::AliasOf(id) => format!("an alias in content/{}", self.site.pages[*id].rel()),
            Owner::Named(name) => name.clone(),
        }
    }

    /// Every page, and a redirect for each of its aliases; their files are worked out on
    /// every thread, and claimed in order on one.
    fn pages(&mut self, site: &Site) {
        let claims: Vec<PageClaims> = (site.pages.as_slice().par_iter().enumerate())
            .map(|(at, page)| {
                let aliases = page.aliases.iter().map(|alias| {
                    let to = page.url.clone();
                    Claim::new(alias, Route::Redirect { to })
                });
                PageClaims {
                    page: Claim::new(&page.url, Route::Page(PageId::new(at))),
                    aliases: aliases.collect(),
                }
            })
            .collect();
        for (id, claims) in site.pages.ids().zip(claims) {
            self.take(claims.page, Owner::Page(id));
            for alias in claims.aliases {
                self.take(alias, Owner::AliasOf(id));
            }
        }
    }

    /// Every pager of every list, `page/1/` redirects, and the lists' feeds.
    fn lists(&mut self, site: &Site) {
        for (index, list) in site.lists.enumerate() {
            let owner = list_owner(site, list);
            for pager in 0..list.pager_count() {
                let route = Route::ListPage { list: index, pager };
                self.claim(&list.pager_url(pager), route, &owner);
            }
            if list.paginate_by > 0 {
                let to = list.url.clone();
                self.claim(
                    &format!("{}page/1/", list.url),
                    Route::Redirect { to },
                    &owner,
                );
            }
            if has_feeds(site, list) {
                for format in enabled_feeds(&site.config) {
                    let url = join(&list.url, format.file_name());
                    let owner = format!("the {} feed of {owner}", format.file_name());
                    self.claim(
                        &url,
                        Route::Feed {
                            format,
                            list: index,
                        },
                        &owner,
                    );
                }
            }
        }
    }

    /// The list of every taxonomy that has terms.
    fn taxonomies(&mut self, site: &Site) {
        for (index, taxonomy) in site.taxonomies.enumerate() {
            if !taxonomy.terms.is_empty() {
                let owner = format!("the list of {}", taxonomy.kind.name());
                self.claim(&taxonomy.url, Route::TermIndex(index), &owner);
            }
        }
    }

    /// The files under `content/` that are not markdown, beside their pages or sections.
    fn content_assets(&mut self, site: &Site, assets: &[String]) {
        let placer = AssetPlacer::new(site);
        for rel in assets {
            let route = Route::ContentAsset(rel.clone());
            self.claim(&placer.url(rel), route, &format!("content/{rel}"));
        }
    }

    /// The files under `static/`, at the site's root.
    fn statics(&mut self, statics: &[String]) {
        for rel in statics {
            // A file in static/ replaces the generated robots.txt, as in Zola and Hugo.
            if rel == "robots.txt" {
                self.overrides.push("/robots.txt".into());
            }
            let route = Route::Static(rel.clone());
            self.claim(
                &format!("/{}", encode_path(rel)),
                route,
                &format!("static/{rel}"),
            );
        }
    }

    /// `sitemap.xml`, split into parts with an index when the site has too many pages for one.
    fn sitemap(&mut self) {
        let pages = self.outputs.iter().filter(|o| in_sitemap(&o.route)).count();
        if pages <= SITEMAP_LIMIT {
            self.claim("/sitemap.xml", Route::Sitemap(None), "the sitemap");
            return;
        }
        let parts = pages.div_ceil(SITEMAP_LIMIT);
        self.claim("/sitemap.xml", Route::SitemapIndex(parts), "the sitemap");
        for part in 0..parts {
            let url = format!("/sitemap-{}.xml", part + 1);
            self.claim(&url, Route::Sitemap(Some(part)), "the sitemap");
        }
    }
}

/// The file named in an owner description, for the diagnostic's location.
fn owner_file(owner: &str) -> &Path {
    let start = owner.find("content/").or_else(|| owner.find("static/"));
    Path::new(start.map_or(owner, |i| &owner[i..]))
}
