//! RSS 2.0 and Atom 1.0 feeds, written directly so every value is escaped for XML.

use std::fmt::Write;

use super::escape::xml;
use super::links::resolve_url;
use crate::model::routes::{FeedFormat, List, ListKind};
use crate::model::{PageId, Site};

/// One post as a feed shows it.
pub struct Entry<'a> {
    /// The post.
    pub id: PageId,
    /// Its rendered HTML.
    pub content: &'a str,
}

/// The feed of `list` in `format`; `content` gives the HTML of a post, if it was kept.
pub fn feed<'a>(
    site: &Site,
    list: &List,
    format: FeedFormat,
    content: impl Fn(PageId) -> Option<&'a str>,
) -> String {
    let entries: Vec<Entry> = feed_pages(site, list)
        .into_iter()
        .map(|id| Entry {
            id,
            content: content(id).unwrap_or(""),
        })
        .collect();
    let title = feed_title(site, list);
    match format {
        FeedFormat::Rss => rss(site, list, &title, &entries),
        FeedFormat::Atom => atom(site, list, &title, &entries),
    }
}

/// The posts a list's feed holds: its dated posts, newest first, up to the configured limit.
/// Undated posts are left out, because every feed entry needs a date.
pub fn feed_pages(site: &Site, list: &List) -> Vec<PageId> {
    let limit = match site.config.feeds.limit {
        0 => usize::MAX,
        n => n,
    };
    list.pages
        .iter()
        .copied()
        .filter(|&id| site.pages[id].date.is_some())
        .take(limit)
        .collect()
}

fn feed_title(site: &Site, list: &List) -> String {
    match list.kind {
        ListKind::Term(t) => {
            let term = site.term(t);
            format!("{} — {}", site.config.title, term.name)
        }
        _ => site.config.title.clone(),
    }
}

/// Makes the links and images in the HTML of the post at `page_url` absolute, as feed readers
/// need: root-relative ones against `base_url`, fragments (headings' anchors, footnotes) and
/// other relative ones against the post's own URL. Only double-quoted `href` and `src` values are
/// touched; URLs with a scheme and protocol-relative ones (`//host`) are kept as they are.
fn absolute_links(html: &str, base_url: &str, page_url: &str) -> String {
    let mut out = String::with_capacity(html.len() + 1024);
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = html[from..].find("=\"") {
        let start = from + found + 2;
        let name = &html[..from + found];
        from = start;
        let is_url_attribute = ["href", "src"].iter().any(|attr| {
            name.strip_suffix(attr)
                .and_then(|before| before.chars().next_back())
                .is_some_and(char::is_whitespace)
        });
        if !is_url_attribute {
            continue;
        }
        let end = html[start..].find('"').map_or(html.len(), |i| start + i);
        let url = &html[start..end];
        let absolute = if url.is_empty() || url.starts_with("//") || has_scheme(url) {
            continue;
        } else if url.starts_with('/') {
            format!("{base_url}{url}")
        } else if url.starts_with(['#', '?']) {
            format!("{base_url}{page_url}{url}")
        } else {
            format!("{base_url}{}", resolve_url(page_url, url))
        };
        out.push_str(&html[copied..start]);
        out.push_str(&absolute);
        copied = end;
        from = end;
    }
    out.push_str(&html[copied..]);
    out
}

/// True for `https:…`, `mailto:…` and the like: a scheme before any `/`, `?` or `#`.
fn has_scheme(url: &str) -> bool {
    url.split_once(':').is_some_and(|(scheme, _)| {
        scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

fn rss(site: &Site, list: &List, title: &str, entries: &[Entry]) -> String {
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

fn atom(site: &Site, list: &List, title: &str, entries: &[Entry]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_in_feed_content_become_absolute() {
        let html = concat!(
            "<p><a href=\"/blog/x/\">x</a> <img src=\"/blog/x/a.png\" alt=\"\">",
            " <a href=\"#part\">part</a><sup><a href=\"#fn-1\" id=\"r1\">1</a></sup>",
            " <a href=\"img.png\">rel</a> <a href=\"https://o.example/\">o</a>",
            " <a href=\"mailto:a@o.example\">m</a> <a href=\"//cdn.example/x\">c</a>",
            " <a data-href=\"/no\" href=\"../y/\">y</a> <code>href=&quot;/no&quot;</code></p>",
        );
        let out = absolute_links(html, "https://s.example", "/blog/p/");
        assert_eq!(
            out,
            concat!(
                "<p><a href=\"https://s.example/blog/x/\">x</a> <img src=\"https://s.example/blog/x/a.png\" alt=\"\">",
                " <a href=\"https://s.example/blog/p/#part\">part</a><sup><a href=\"https://s.example/blog/p/#fn-1\" id=\"r1\">1</a></sup>",
                " <a href=\"https://s.example/blog/p/img.png\">rel</a> <a href=\"https://o.example/\">o</a>",
                " <a href=\"mailto:a@o.example\">m</a> <a href=\"//cdn.example/x\">c</a>",
                " <a data-href=\"/no\" href=\"https://s.example/blog/y/\">y</a> <code>href=&quot;/no&quot;</code></p>",
            )
        );
    }
}
