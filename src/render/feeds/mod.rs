//! The feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1, each written directly so every value is
//! escaped for its format, with the same entries: a list's newest dated posts.

mod atom;
mod json;
mod rss;

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
        FeedFormat::Rss => rss::rss(site, list, &title, &entries),
        FeedFormat::Atom => atom::atom(site, list, &title, &entries),
        FeedFormat::Json => json::json(site, list, &title, &entries),
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
pub(super) fn absolute_links(html: &str, base_url: &str, page_url: &str) -> String {
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
