//! RSS 2.0.

use std::fmt::Write;

use super::{Entry, absolute_links};
use crate::model::Site;
use crate::model::routes::List;
use crate::render::escape::xml;

pub(super) fn rss(site: &Site, list: &List, title: &str, entries: &[Entry]) -> String {
    let config = &site.config;
    let mut out = String::with_capacity(4096 + entries.len() * 8192);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n");
    let _ = writeln!(out, "<title>{}</title>", xml(title));
    let _ = writeln!(out, "<link>{}</link>", xml(&config.permalink(&list.url)));
    let description = if config.description.is_empty() {
        title
    } else {
        &config.description
    };
    let _ = writeln!(out, "<description>{}</description>", xml(description));
    let _ = writeln!(out, "<language>{}</language>", xml(&config.language));
    let _ = writeln!(
        out,
        "<atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>",
        xml(&config.permalink(&format!("{}rss.xml", list.url)))
    );
    if let Some(newest) = entries
        .iter()
        .filter_map(|e| site.pages[e.id].last_modified())
        .max()
    {
        let _ = writeln!(out, "<lastBuildDate>{}</lastBuildDate>", newest.rfc2822());
    }
    out.push_str("<generator>pamphlet</generator>\n");
    for entry in entries {
        let page = &site.pages[entry.id];
        let link = config.permalink(&page.url);
        out.push_str("<item>\n");
        let _ = writeln!(out, "<title>{}</title>", xml(&page.title));
        let _ = writeln!(out, "<link>{}</link>", xml(&link));
        let _ = writeln!(out, "<guid isPermaLink=\"true\">{}</guid>", xml(&link));
        if let Some(date) = page.date {
            let _ = writeln!(out, "<pubDate>{}</pubDate>", date.rfc2822());
        }
        for tag in &page.tags {
            let term = site.term(*tag);
            let _ = writeln!(out, "<category>{}</category>", xml(&term.name));
        }
        let _ = writeln!(
            out,
            "<description>{}</description>",
            xml(&absolute_links(entry.content, &config.base_url, &page.url))
        );
        out.push_str("</item>\n");
    }
    out.push_str("</channel>\n</rss>\n");
    out
}
