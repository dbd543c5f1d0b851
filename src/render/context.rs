//! What templates see. Each output gets only what it shows: a page its own content and its
//! neighbours' titles, a list page the light summaries of the posts on it. Site-wide values
//! are set once per build in Tera's global context.

use serde::Serialize;

use super::json_ld;
use super::markdown::{Rendered, TocEntry};
use super::theme::Theme;
use crate::config::Config;
use crate::load::date::PostDate;
use crate::model::routes::{FeedFormat, List, ListKind, enabled_feeds};
use crate::model::{IdVec, Page, PageId, SectionId, Site, TaxonomyId, TaxonomyKind, TermRef};

/// A date as templates use it.
#[derive(Debug, Clone, Serialize)]
pub struct DateContext {
    /// For `<time datetime>`: as precise as written, in UTC.
    pub machine: String,
    /// For readers: "July 2, 2019", in UTC.
    pub human: String,
    /// The year, in UTC.
    pub year: i16,
}

impl From<PostDate> for DateContext {
    fn from(date: PostDate) -> Self {
        DateContext {
            machine: date.machine(),
            human: date.human(),
            year: date.year(),
        }
    }
}

/// A link to a page, section or term, borrowed from the model: every page shows several, and
/// `serve` makes every page's data on every save, so copies were made and freed by the
/// thousand.
#[derive(Debug, Clone, Serialize)]
pub struct Link<'a> {
    /// What to show.
    pub title: &'a str,
    /// Root-relative URL.
    pub url: &'a str,
}

/// A tag or category on a page, borrowed from the model.
#[derive(Debug, Clone, Serialize)]
pub struct TermLink<'a> {
    /// As written.
    pub name: &'a str,
    /// Root-relative URL.
    pub url: &'a str,
}

/// A feed, for `<link rel="alternate">` and footer links.
#[derive(Debug, Clone, Serialize)]
pub struct FeedLink {
    /// "RSS", "Atom" or "JSON Feed".
    pub name: &'static str,
    /// A title for the link element.
    pub title: String,
    /// Root-relative URL.
    pub url: String,
    /// The feed's media type.
    pub media_type: &'static str,
}

/// Site-wide values: `config` in every template.
#[derive(Debug, Clone, Serialize)]
pub struct SiteContext<'a> {
    /// The site's title.
    pub title: &'a str,
    /// The site's description.
    pub description: &'a str,
    /// The published address, without a trailing slash.
    pub base_url: &'a str,
    /// The `lang` of every page.
    pub language: &'a str,
    /// The default author.
    pub author: &'a str,
    /// The one-line bio.
    pub bio: &'a str,
    /// The site feeds.
    pub feeds: Vec<FeedLink>,
    /// Navigation links: taxonomies with terms, and top-level pages outside the posts.
    pub nav: Vec<Link<'a>>,
    /// `[extra]` from `site.toml`.
    pub extra: &'a toml::Table,
    /// The Content-Security-Policy every page carries in its `<meta>` tag.
    pub csp: String,
}

/// Fills Tera's global context (`config` and `assets`); returns a fingerprint of what it set,
/// so `serve` knows when every output must be rendered again.
pub fn set_globals(theme: &mut Theme, site: &Site) -> u64 {
    let config = &site.config;
    let feeds = enabled_feeds(config)
        .into_iter()
        .map(|format| feed_link(format, "/", &config.title))
        .collect();
    let mut nav: Vec<Link> = site
        .pages
        .iter()
        .enumerate()
        .filter(|(_, page)| page.section == SectionId::ROOT && !page.is_post)
        .map(|(_, page)| Link {
            title: &page.title,
            url: &page.url,
        })
        .collect();
    nav.extend(
        site.taxonomies
            .iter()
            .filter(|t| !t.terms.is_empty())
            .map(|t| Link {
                title: t.kind.title(),
                url: &t.url,
            }),
    );
    let site_context = SiteContext {
        title: &config.title,
        description: &config.description,
        base_url: &config.base_url,
        language: &config.language,
        author: &config.author,
        bio: &config.bio,
        feeds,
        nav,
        extra: &config.extra,
        csp: super::csp::Policy::new(&config.security).to_header_value(),
    };
    let assets: std::collections::BTreeMap<&str, &super::theme::Asset> =
        theme.assets.iter().map(|a| (a.name.as_str(), a)).collect();
    let fingerprint = super::reuse::fingerprint_of(0, &(&site_context, &assets));
    let globals = theme.tera.global_context();
    globals.insert("config", &site_context);
    globals.insert("assets", &assets);
    fingerprint
}

/// A feed link for the list at `list_url`.
pub fn feed_link(format: FeedFormat, list_url: &str, title: &str) -> FeedLink {
    let name = match format {
        FeedFormat::Rss => "RSS",
        FeedFormat::Atom => "Atom",
        FeedFormat::Json => "JSON Feed",
    };
    FeedLink {
        name,
        title: format!("{title} ({name})"),
        url: format!("{list_url}{}", format.file_name()),
        media_type: format.media_type(),
    }
}

/// The `<head>` of a page: title, description, canonical URL, social metadata and JSON-LD.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HeadContext {
    /// The `<title>`: "Post · Site", or the site title alone on the home page.
    pub title: String,
    /// The title for Open Graph and Twitter cards.
    pub og_title: String,
    /// The meta description.
    pub description: String,
    /// The absolute canonical URL.
    pub canonical: String,
    /// `article` for posts, `website` otherwise.
    pub og_type: &'static str,
    /// `en_GB` style locale for Open Graph.
    pub locale: String,
    /// RFC 3339 publication time, for posts.
    pub published: Option<String>,
    /// RFC 3339 modification time, for posts.
    pub modified: Option<String>,
    /// The JSON-LD object, escaped for a `<script>` element; insert with `| safe`.
    pub json_ld: String,
    /// Feeds of this page's own list (a tag's feeds), besides the site feeds.
    pub feeds: Vec<FeedLink>,
    /// The picture link previews show: `image:` from front matter, or a post's drawn card.
    pub image: Option<super::social::SocialImage>,
}

/// The longest description the head carries: what search results and social cards show
/// before they cut it themselves. Feeds keep the whole summary.
pub const DESCRIPTION_CHARS: usize = 160;

/// The head of a page that is not a post.
pub fn head(config: &Config, title: Option<&str>, description: &str, url: &str) -> HeadContext {
    let mut head = head_without_json_ld(config, title, description, url);
    let home = config.permalink("/");
    head.json_ld = json_ld::for_script(&json_ld::WebPage {
        context: json_ld::CONTEXT,
        kind: "WebPage",
        is_part_of: json_ld::Named {
            kind: "WebSite",
            name: &config.title,
            url: &home,
        },
        name: title.unwrap_or(&config.title),
        url: &head.canonical,
    });
    head
}

/// A page's head with its JSON-LD left empty, for the caller to fill.
fn head_without_json_ld(
    config: &Config,
    title: Option<&str>,
    description: &str,
    url: &str,
) -> HeadContext {
    HeadContext {
        title: full_title(config, title),
        og_title: title.unwrap_or(&config.title).to_string(),
        description: crate::model::typography::shorten(description, DESCRIPTION_CHARS),
        canonical: config.permalink(url),
        og_type: "website",
        locale: locale(&config.language),
        published: None,
        modified: None,
        json_ld: String::new(),
        feeds: Vec::new(),
        image: None,
    }
}

fn full_title(config: &Config, title: Option<&str>) -> String {
    match title {
        Some(t) if t != config.title => format!("{t} · {}", config.title),
        _ => config.title.clone(),
    }
}

fn locale(language: &str) -> String {
    language.replace('-', "_")
}

/// A post's head: `article` metadata, its `BlogPosting` left for [`post_json_ld`] to make.
pub fn post_head(site: &Site, page: &Page, description: &str) -> HeadContext {
    let config = &site.config;
    let mut head = head_without_json_ld(config, Some(&page.title), description, &page.url);
    head.published = page.date.map(|date| date.rfc3339());
    head.modified = page.last_modified().map(|date| date.rfc3339());
    head.og_type = "article";
    head
}

/// A post's `BlogPosting` JSON-LD, made from nothing but its template data and the site's
/// settings (which the theme's globals hold). Everything it says is therefore in the data's
/// fingerprint already, so it is made only when the page is rendered: serializing and
/// escaping it for every post on every save of `serve` was a tenth of the pages pass.
pub fn post_json_ld(config: &Config, head: &HeadContext, page: &PageContext) -> String {
    let keywords: Vec<&str> = page.tags.iter().map(|t| t.name).collect();
    let keywords = keywords.join(", ");
    let home = config.permalink("/");
    let posting = json_ld::BlogPosting {
        context: json_ld::CONTEXT,
        kind: "BlogPosting",
        author: (page.authors.iter())
            .map(|name| json_ld::Person {
                kind: "Person",
                name,
            })
            .collect(),
        date_modified: head.modified.clone(),
        date_published: head.published.clone(),
        description: &head.description,
        headline: page.title,
        image: head.image.as_ref().map(|image| image.url.as_str()),
        in_language: &config.language,
        keywords: &keywords,
        main_entity_of_page: &head.canonical,
        publisher: json_ld::Named {
            kind: "Organization",
            name: &config.title,
            url: &home,
        },
        url: &head.canonical,
    };
    json_ld::for_script(&posting)
}

fn authors<'a>(config: &'a Config, page: &'a Page) -> Vec<&'a str> {
    if page.source.front.authors.is_empty() {
        if config.author.is_empty() {
            Vec::new()
        } else {
            vec![config.author.as_str()]
        }
    } else {
        page.source
            .front
            .authors
            .iter()
            .map(String::as_str)
            .collect()
    }
}

/// `page` in `page.html`.
#[derive(Debug, Clone, Serialize)]
pub struct PageContext<'a> {
    /// The title.
    pub title: &'a str,
    /// The description from front matter.
    pub description: &'a str,
    /// Root-relative URL.
    pub url: &'a str,
    /// The last segment of the URL, as `slug` in front matter or the file name makes it.
    pub slug: &'a str,
    /// Absolute URL.
    pub permalink: String,
    /// Publication date.
    pub date: Option<DateContext>,
    /// Last update.
    pub updated: Option<DateContext>,
    /// `weight` from front matter, for sections sorted by it.
    pub weight: Option<i64>,
    /// The rendered markdown: insert with `| safe`.
    pub content: &'a str,
    /// Plain-text summary.
    pub summary: &'a str,
    /// Table of contents.
    pub toc: &'a [TocEntry],
    /// Words in the page.
    pub word_count: usize,
    /// Minutes to read.
    pub reading_time: usize,
    /// Tags.
    pub tags: Vec<TermLink<'a>>,
    /// Categories.
    pub categories: Vec<TermLink<'a>>,
    /// The series it is a part of, with every part.
    pub series: Option<super::relations::SeriesContext>,
    /// For a post, the posts most like it, best first.
    pub related: Vec<super::relations::RelatedPost<'a>>,
    /// Authors, or the site's author.
    pub authors: Vec<&'a str>,
    /// True for posts (pages the home page lists).
    pub is_post: bool,
    /// Dated after the build and shown only by `serve`: not published until its date.
    pub scheduled: bool,
    /// The older neighbour.
    pub previous: Option<Link<'a>>,
    /// The newer neighbour.
    pub next: Option<Link<'a>>,
    /// The section it is in.
    pub section: Link<'a>,
    /// Content-relative source path.
    pub source: &'a str,
    /// `extra` from front matter.
    pub extra: &'a serde_json::Map<String, serde_json::Value>,
}

/// Builds `page` for a page.
pub fn page<'a>(
    site: &'a Site,
    id: PageId,
    rendered: &'a Rendered,
    summary: &'a str,
    teasers: &'a super::driver::Teasers,
) -> PageContext<'a> {
    let page = &site.pages[id];
    let link = |id: Option<PageId>| {
        id.map(|id| Link {
            title: &site.pages[id].title,
            url: &site.pages[id].url,
        })
    };
    let section = &site.sections[page.section];
    PageContext {
        title: &page.title,
        description: page.source.front.description.as_deref().unwrap_or(""),
        url: &page.url,
        slug: page
            .url
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default(),
        permalink: site.config.permalink(&page.url),
        date: page.date.map(Into::into),
        updated: page.updated.map(Into::into),
        weight: page.source.front.weight,
        content: &rendered.html,
        summary,
        toc: &rendered.toc,
        word_count: rendered.word_count,
        reading_time: rendered.reading_time,
        tags: term_links(site, &page.tags),
        categories: term_links(site, &page.categories),
        series: super::relations::series(site, id),
        related: super::relations::related(site, id, teasers),
        authors: authors(&site.config, page),
        is_post: page.is_post,
        scheduled: page.scheduled,
        previous: link(page.previous),
        next: link(page.next),
        section: Link {
            title: &section.title,
            url: &section.url,
        },
        source: page.rel(),
        extra: &page.source.front.extra,
    }
}

fn term_links<'a>(site: &'a Site, terms: &[TermRef]) -> Vec<TermLink<'a>> {
    terms
        .iter()
        .map(|t| {
            let term = site.term(*t);
            TermLink {
                name: &term.name,
                url: &term.url,
            }
        })
        .collect()
}

/// What lists show of a page.
#[derive(Debug, Clone, Serialize)]
pub struct Summary<'a> {
    /// The title.
    pub title: &'a str,
    /// Root-relative URL.
    pub url: &'a str,
    /// Publication date.
    pub date: Option<DateContext>,
    /// Plain text: before `<!-- more -->`, else the description, else the first paragraph.
    pub summary: String,
    /// Minutes to read.
    pub reading_time: usize,
    /// Words.
    pub word_count: usize,
    /// Tags.
    pub tags: Vec<TermLink<'a>>,
    /// Its fingerprint, when the render fingerprints outputs: a list is fingerprinted with its
    /// posts' fingerprints rather than their summaries, which every pager, term and section
    /// listing a post would otherwise hash again.
    #[serde(skip)]
    pub fingerprint: Option<crate::store::Fingerprint>,
}

/// The summary of a rendered page.
pub fn summary<'a>(site: &'a Site, id: PageId, rendered: &Rendered) -> Summary<'a> {
    let page = &site.pages[id];
    let summary = summary_text(page, rendered.summary_before_more.as_deref(), || {
        rendered.first_paragraph.clone()
    });
    Summary {
        title: &page.title,
        url: &page.url,
        date: page.date.map(Into::into),
        summary,
        reading_time: rendered.reading_time,
        word_count: rendered.word_count,
        tags: term_links(site, &page.tags),
        fingerprint: None,
    }
}

/// What lists show as a page's summary: the text before `<!-- more -->`, else the
/// description, else the first paragraph (asked for only when it is needed).
pub fn summary_text(
    page: &Page,
    before_more: Option<&str>,
    first_paragraph: impl FnOnce() -> String,
) -> String {
    if let Some(before) = before_more {
        return before.to_string();
    }
    page.source
        .front
        .description
        .as_ref()
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(first_paragraph)
}

/// `paginator` in list templates.
#[derive(Debug, Clone, Serialize)]
pub struct PaginatorContext<'a> {
    /// The posts on this pager.
    pub pages: Vec<&'a Summary<'a>>,
    /// 1-based number of this pager.
    pub current_index: usize,
    /// How many pagers the list has.
    pub number_pagers: usize,
    /// How many posts the whole list has.
    pub total_pages: usize,
    /// URL of the pager before, if any.
    pub previous: Option<String>,
    /// URL of the pager after, if any.
    pub next: Option<String>,
    /// URL of the first pager.
    pub first: String,
    /// URL of the last pager.
    pub last: String,
}

/// Builds `paginator` for pager `index` of `list`.
pub fn paginator<'a>(
    list: &List,
    index: usize,
    summaries: &'a IdVec<PageId, Summary<'a>>,
) -> PaginatorContext<'a> {
    let count = list.pager_count();
    PaginatorContext {
        pages: list
            .pager_pages(index)
            .iter()
            .map(|&id| &summaries[id])
            .collect(),
        current_index: index + 1,
        number_pagers: count,
        total_pages: list.pages.len(),
        previous: index.checked_sub(1).map(|i| list.pager_url(i)),
        next: (index + 1 < count).then(|| list.pager_url(index + 1)),
        first: list.pager_url(0),
        last: list.pager_url(count - 1),
    }
}

/// `section` in list templates: what the list is of.
#[derive(Debug, Clone, Serialize)]
pub struct ListContext<'a> {
    /// `home`, `section` or `term`.
    pub kind: &'static str,
    /// The heading.
    pub title: String,
    /// The description.
    pub description: String,
    /// Root-relative URL of the first pager.
    pub url: &'a str,
    /// The rendered `_index.md` body: insert with `| safe`.
    pub content: &'a str,
    /// `extra` from `_index.md`.
    pub extra: Option<&'a serde_json::Map<String, serde_json::Value>>,
}

/// `section` (and, for terms, `taxonomy`) for a list.
pub fn list<'a>(site: &'a Site, list: &'a List, content: &'a str) -> ListContext<'a> {
    let config = &site.config;
    match list.kind {
        ListKind::Home => {
            let root = site.root().source.as_ref().map(|s| &s.front);
            ListContext {
                kind: "home",
                title: config.title.clone(),
                description: root
                    .and_then(|f| f.description.clone())
                    .unwrap_or_else(|| config.description.clone()),
                url: &list.url,
                content,
                extra: root.map(|f| &f.extra),
            }
        }
        ListKind::Section(id) => {
            let section = &site.sections[id];
            let front = section.source.as_ref().map(|s| &s.front);
            ListContext {
                kind: "section",
                title: section.title.clone(),
                description: front
                    .and_then(|f| f.description.clone())
                    .unwrap_or_default(),
                url: &list.url,
                content,
                extra: front.map(|f| &f.extra),
            }
        }
        ListKind::Term(t) => {
            let term = site.term(t);
            let noun = match site.taxonomy_of(t).kind {
                TaxonomyKind::Tags => "tagged",
                TaxonomyKind::Categories => "in",
                TaxonomyKind::Series => {
                    return super::relations::series_list(site, t, list, content);
                }
            };
            ListContext {
                kind: "term",
                title: format!("Posts {noun} “{}”", term.name),
                description: format!(
                    "{} post{} {noun} “{}” on {}.",
                    term.pages.len(),
                    if term.pages.len() == 1 { "" } else { "s" },
                    term.name,
                    config.title
                ),
                url: &list.url,
                content,
                extra: None,
            }
        }
    }
}

/// `taxonomy` in taxonomy templates.
#[derive(Debug, Clone, Serialize)]
pub struct TaxonomyContext<'a> {
    /// `tags` or `categories`.
    pub name: &'a str,
    /// "Tags".
    pub title: &'a str,
    /// Root-relative URL of the list of terms.
    pub url: &'a str,
    /// Every term with its post count.
    pub terms: Vec<TermCount<'a>>,
}

/// A term and how many posts it has.
#[derive(Debug, Clone, Serialize)]
pub struct TermCount<'a> {
    /// As written.
    pub name: &'a str,
    /// Root-relative URL.
    pub url: &'a str,
    /// Its posts.
    pub count: usize,
}

/// Builds `taxonomy` for a taxonomy.
pub fn taxonomy(site: &Site, id: TaxonomyId) -> TaxonomyContext<'_> {
    let taxonomy = &site.taxonomies[id];
    TaxonomyContext {
        name: taxonomy.kind.name(),
        title: taxonomy.kind.title(),
        url: &taxonomy.url,
        terms: taxonomy
            .terms
            .iter()
            .map(|t| TermCount {
                name: &t.name,
                url: &t.url,
                count: t.pages.len(),
            })
            .collect(),
    }
}
