//! JSON Feed 1.1 (<https://www.jsonfeed.org/version/1.1/>).

use serde::Serialize;

use super::{Entry, absolute_links};
use crate::model::Site;
use crate::model::routes::List;
use crate::render::escape::inert_json;

/// The version URL every JSON Feed 1.1 starts with.
const VERSION: &str = "https://jsonfeed.org/version/1.1";

#[derive(Serialize)]
struct Feed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: String,
    feed_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    language: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    items: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Item<'a> {
    id: String,
    url: String,
    title: &'a str,
    content_html: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
}

/// The JSON Feed of `list`, titled `title`.
pub(super) fn json(site: &Site, list: &List, title: &str, entries: &[Entry]) -> String {
    let config = &site.config;
    let items = entries.iter().map(|entry| item(site, entry)).collect();
    let feed = Feed {
        version: VERSION,
        title,
        home_page_url: config.permalink(&list.url),
        feed_url: config.permalink(&format!("{}feed.json", list.url)),
        description: Some(config.description.as_str()).filter(|d| !d.is_empty()),
        language: &config.language,
        authors: Some(config.author.as_str())
            .filter(|a| !a.is_empty())
            .map(|name| Author { name })
            .into_iter()
            .collect(),
        items,
    };
    // Markup characters are escaped, so a title can never read as HTML wherever the feed goes.
    let mut out = inert_json(serde_json::to_string_pretty(&feed).unwrap_or_default());
    out.push('\n');
    out
}

fn item<'a>(site: &'a Site, entry: &Entry) -> Item<'a> {
    let config = &site.config;
    let page = &site.pages[entry.id];
    let link = config.permalink(&page.url);
    Item {
        id: link.clone(),
        url: link,
        title: &page.title,
        content_html: absolute_links(entry.content, &config.base_url, &page.url),
        summary: page
            .source
            .front
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty()),
        date_published: page.date.map(|d| d.rfc3339()),
        date_modified: page.last_modified().map(|d| d.rfc3339()),
        authors: page
            .source
            .front
            .authors
            .iter()
            .map(|name| Author { name })
            .collect(),
        tags: page
            .tags
            .iter()
            .map(|t| site.term(*t).name.as_str())
            .collect(),
    }
}
