//! `sitemap.xml` (split into parts under a sitemap index past 50,000 URLs), `robots.txt`, and
//! the redirect pages of aliases.

use std::fmt::Write;

use super::escape::{self, xml};
use crate::load::date::PostDate;
use crate::model::routes::{Route, SITEMAP_LIMIT, in_sitemap};
use crate::model::{Output, Site};
use crate::store::{Fingerprint, hash_of};

/// Every URL the sitemap lists, with its last modification, in output order.
fn entries(site: &Site) -> Vec<(&str, Option<PostDate>)> {
    site.outputs
        .iter()
        .filter(|o| in_sitemap(&o.route))
        .map(|o| (o.url.as_str(), last_modified(site, o)))
        .collect()
}

fn last_modified(site: &Site, output: &Output) -> Option<PostDate> {
    match &output.route {
        Route::Page(id) => site.pages[*id].last_modified(),
        Route::ListPage { list, pager } => site.lists[*list]
            .pager_pages(*pager)
            .iter()
            .filter_map(|&id| site.pages[id].last_modified())
            .max(),
        _ => None,
    }
}

/// A hash of everything `sitemap.xml` (or part `part` of it) is made from: its URLs, their
/// dates and the base URL. Hashing them is a fraction of writing out 14,000 URLs again, which
/// every save of `serve` did, for a sitemap that had not changed.
pub fn fingerprint(site: &Site, part: Option<usize>) -> Fingerprint {
    hash_of(&("sitemap", &site.config.base_url, part, entries(site)))
}

/// `sitemap.xml`, or part `part` of it.
pub fn sitemap(site: &Site, part: Option<usize>) -> String {
    let all = entries(site);
    let chunk = match part {
        None => &all[..],
        Some(n) => {
            let start = (n * SITEMAP_LIMIT).min(all.len());
            &all[start..(start + SITEMAP_LIMIT).min(all.len())]
        }
    };
    let mut out = String::with_capacity(128 + chunk.len() * 96);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    // Each URL's permalink, escaped, is the base's escape then its own: the base is escaped
    // once, and nothing is made per URL but the text itself.
    let base = xml(&site.config.base_url);
    for (url, modified) in chunk {
        out.push_str("<url><loc>");
        out.push_str(&base);
        escape::xml_into(&mut out, url);
        out.push_str("</loc>");
        if let Some(date) = modified {
            let _ = write!(out, "<lastmod>{}</lastmod>", date.machine());
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

/// `sitemap.xml` as an index of `parts` parts.
pub fn sitemap_index(site: &Site, parts: usize) -> String {
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for part in 1..=parts {
        let _ = writeln!(
            out,
            "<sitemap><loc>{}</loc></sitemap>",
            xml(&site.config.permalink(&format!("/sitemap-{part}.xml")))
        );
    }
    out.push_str("</sitemapindex>\n");
    out
}

/// `robots.txt`: everything may be crawled, and here is the sitemap.
pub fn robots(site: &Site) -> String {
    format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
        site.config.permalink("/sitemap.xml")
    )
}

/// A page that sends visitors on to `to`, without JavaScript.
pub fn redirect(site: &Site, to: &str) -> String {
    let target = escape::html(to);
    let canonical = escape::html(&site.config.permalink(to));
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>Redirecting to {target}</title>\n<meta name=\"robots\" content=\"noindex\">\n<link rel=\"canonical\" href=\"{canonical}\">\n<meta http-equiv=\"refresh\" content=\"0; url={target}\">\n</head>\n<body>\n<p>This page has moved to <a href=\"{target}\">{canonical}</a>.</p>\n</body>\n</html>\n",
        lang = escape::html(&site.config.language),
    )
}
