//! `pamphlet check`: the whole build in memory, then every internal link and `#anchor` of the
//! output checked. Nothing is written.

pub mod links;
pub mod scan;

use std::collections::HashMap;

use crate::build::{BuildOptions, CacheUse, RenderMode, load_site, render_into};
use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::model::Site;
use crate::render::csp::{Policy, references};
use crate::render::highlight::Highlighter;
use links::{LinkSink, Origin};
use scan::Scan;

/// A passed check.
#[derive(Debug)]
pub struct Checked {
    /// Pages rendered.
    pub pages: usize,
    /// Files the site would hold.
    pub files: usize,
    /// Internal links followed.
    pub links: usize,
    /// Warnings.
    pub warnings: Diagnostics,
}

/// Builds the site in memory and checks its links; every problem is returned on failure.
pub fn check(options: &BuildOptions) -> Result<Checked, Diagnostics> {
    let (site, mut problems) = load_site(options);
    let sink = LinkSink::alone();
    let mode = RenderMode {
        csp_blocks_fail: true,
        progress_bar: false,
        cache: CacheUse::Images,
    };
    let report = render_into(&site, &options.root, &Highlighter::new(), &sink, mode);
    problems.extend(report.diagnostics);
    let scanned = sink.finish();
    let origins = links::origins(&site);
    let followed = links::verify_output(
        &site,
        &origins,
        &report.markdown_links,
        &scanned,
        Severity::Error,
        &mut problems,
    );
    check_policy(
        &site,
        &scanned.scans,
        &report.markdown_links,
        &origins,
        &mut problems,
    );
    if problems.has_errors() {
        return Err(problems);
    }
    Ok(Checked {
        pages: report.pages,
        files: scanned.files.len(),
        links: followed,
        warnings: problems,
    })
}

/// An error for every reference of the output the Content-Security-Policy blocks, but those of
/// markdown, which the render reported at their lines already.
fn check_policy(
    site: &Site,
    scans: &HashMap<String, Scan>,
    markdown: &[crate::render::driver::PageLinks],
    origins: &HashMap<&str, Origin<'_>>,
    problems: &mut Diagnostics,
) {
    let policy = Policy::new(&site.config.security);
    let site_origin = crate::render::csp::origin_of(&site.config.base_url).unwrap_or_default();
    let mut from_markdown: HashMap<&str, Vec<(&str, Option<&str>)>> = HashMap::new();
    for page in markdown {
        from_markdown.insert(
            site.pages[page.page].rel(),
            page.blocked()
                .iter()
                .map(|b| (b.tag.as_str(), b.url.as_deref()))
                .collect(),
        );
    }
    let mut names: Vec<&String> = scans.keys().collect();
    names.sort();
    for file in names {
        let origin = origins.get(file.as_str());
        let mut reported = origin
            .and_then(|o| o.markdown)
            .and_then(|rel| from_markdown.get(rel).cloned())
            .unwrap_or_default();
        for reference in references(&scans[file]) {
            let Some(blocked) = policy.blocks(&reference, &site_origin) else {
                continue;
            };
            let key = (reference.tag.as_str(), reference.url.as_deref());
            if let Some(at) = reported.iter().position(|r| *r == key) {
                reported.swap_remove(at);
                continue;
            }
            let template = origin.map_or("the theme", |o| o.template.as_str());
            problems.push(
                Diagnostic::error(blocked.message)
                    .in_file(format!("{file} (output)"))
                    .at_line(reference.line)
                    .help(format!("{}; it comes from {template}", blocked.help)),
            );
        }
    }
}
