//! Atom 1.0.

use std::fmt::Write;

use super::{Entry, absolute_links};
use crate::model::Site;
use crate::model::routes::List;
use crate::render::escape::xml;

pub(super) fn atom(site: &Site, list: &List, title: &str, entries: &[Entry]) -> String {
    let config = &site.config;
    let mut out = String::with_capacity(4096 + entries.len() * 8192);
    let author = if config.author.is_empty() {
        &config.title
    } else {
        &config.author
    };
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">",
        xml(&config.language)
    );
    let _ = writeln!(out, "<title>{}</title>", xml(title));
    if !config.description.is_empty() {
        let _ = writeln!(out, "<subtitle>{}</subtitle>", xml(&config.description));
    }
    let _ = writeln!(
        out,
        "<link href=\"{}\" rel=\"self\" type=\"application/atom+xml\"/>",
        xml(&config.permalink(&format!("{}atom.xml", list.url)))
    );
    let home = config.permalink(&list.url);
    let _ = writeln!(
        out,
        "<link href=\"{}\" rel=\"alternate\" type=\"text/html\"/>",
        xml(&home)
    );
    let updated = entries
        .iter()
        .filter_map(|e| site.pages[e.id].last_modified())
        .max()
        .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |d| d.rfc3339());
    let _ = writeln!(out, "<updated>{updated}</updated>");
    let _ = writeln!(out, "<id>{}</id>", xml(&home));
    let _ = writeln!(out, "<author><name>{}</name></author>", xml(author));
    out.push_str("<generator>pamphlet</generator>\n");
    for entry in entries {
        atom_entry(&mut out, site, entry);
    }
    out.push_str("</feed>\n");
    out
}

fn atom_entry(out: &mut String, site: &Site, entry: &Entry) {
    let config = &site.config;
    let page = &site.pages[entry.id];
    let link = config.permalink(&page.url);
    out.push_str("<entry>\n");
    let _ = writeln!(out, "<title>{}</title>", xml(&page.title));
    let _ = writeln!(
        out,
        "<link href=\"{}\" rel=\"alternate\" type=\"text/html\"/>",
        xml(&link)
    );
    let _ = writeln!(out, "<id>{}</id>", xml(&link));
    if let Some(date) = page.date {
        let _ = writeln!(out, "<published>{}</published>", date.rfc3339());
    }
    if let Some(date) = page.last_modified() {
        let _ = writeln!(out, "<updated>{}</updated>", date.rfc3339());
    }
    for name in &page.source.front.authors {
        let _ = writeln!(out, "<author><name>{}</name></author>", xml(name));
    }
    for tag in &page.tags {
        let term = site.term(*tag);
        let _ = writeln!(out, "<category term=\"{}\"/>", xml(&term.name));
    }
    if let Some(description) = page.source.front.description.as_deref()
        && !description.trim().is_empty()
    {
        let _ = writeln!(out, "<summary>{}</summary>", xml(description.trim()));
    }
    let _ = writeln!(
        out,
        "<content type=\"html\">{}</content>",
        xml(&absolute_links(entry.content, &config.base_url, &page.url))
    );
    out.push_str("</entry>\n");
}
