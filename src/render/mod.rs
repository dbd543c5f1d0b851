//! Stage 3, render: markdown to HTML, highlighting, templates, feeds and the sitemap.
//!
//! Rendering runs in two passes over the model, each in parallel. The first renders every
//! page (markdown, then its template) and hands the file to the sink at once, keeping only a
//! light summary, and the full HTML only of posts that a feed shows. The second renders
//! everything that lists pages: home and section pages, taxonomies, feeds and the sitemap.

pub mod context;
pub mod escape;
pub mod feeds;
pub mod highlight;
pub mod links;
pub mod markdown;
pub mod sitemap;
pub mod theme;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use tera::Context;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::routes::{FeedFormat, ListKind};
use crate::model::{Output, PageId, Route, Site};
use crate::write::Sink;
use context::Summary;
use highlight::Highlighter;
use links::LinkIndex;
use markdown::{Rendered, SourceLink};
use theme::{Theme, template_diagnostic};

/// What a render produced besides files.
#[derive(Default)]
pub struct Report {
    /// Every problem found.
    pub diagnostics: Diagnostics,
    /// Pages rendered.
    pub pages: usize,
    /// Files handed to the sink.
    pub files: usize,
    /// The internal links of each page's markdown, for `check` to place problems on lines.
    pub markdown_links: Vec<(String, Vec<SourceLink>)>,
}

/// The variables of one templated output. Only what that output shows is in it.
#[derive(Default, serde::Serialize)]
pub struct TemplateData<'a> {
    /// The `<head>` values.
    pub head: context::HeadContext,
    /// `page`, on pages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<context::PageContext<'a>>,
    /// `paginator`, on list pages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paginator: Option<context::PaginatorContext<'a>>,
    /// `section`, on list pages: what is listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<context::ListContext<'a>>,
    /// `taxonomy`, on taxonomy pages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taxonomy: Option<context::TaxonomyContext<'a>>,
}

/// Everything that stays the same while one site is rendered.
pub struct Renderer<'a> {
    /// The model.
    pub site: &'a Site,
    /// Compiled templates and assets, with the site's globals set.
    pub theme: &'a Theme,
    /// The code highlighter.
    pub highlighter: &'a Highlighter,
    /// The site's folder.
    pub site_root: &'a Path,
    links: LinkIndex,
}

impl<'a> Renderer<'a> {
    /// Prepares to render `site`; `theme` must have had [`context::set_globals`] applied.
    pub fn new(
        site: &'a Site,
        theme: &'a Theme,
        highlighter: &'a Highlighter,
        site_root: &'a Path,
    ) -> Self {
        Renderer {
            site,
            theme,
            highlighter,
            site_root,
            links: LinkIndex::new(site, site_root),
        }
    }

    fn markdown(&self) -> markdown::Renderer<'_> {
        markdown::Renderer {
            links: &self.links,
            highlighter: self.highlighter,
            smart_punctuation: self.site.config.markdown.smart_punctuation,
            highlight_code: self.site.config.markdown.highlight_code,
            broken_links_fail: self.site.config.markdown.broken_links
                == crate::config::Level::Error,
        }
    }

    /// A fingerprint of where every link can lead (see [`LinkIndex::fingerprint`]).
    pub fn links_fingerprint(&self) -> u64 {
        self.links.fingerprint()
    }

    /// Resolves a link written in the markdown file `rel`, published at `url`.
    pub fn resolve_link(
        &self,
        dest: &str,
        rel: &str,
        url: &str,
    ) -> Result<links::Resolved, String> {
        self.links.resolve(dest, rel, url)
    }

    /// Renders the markdown of page `id`; problems name its file.
    pub fn render_markdown(&self, id: PageId) -> (Rendered, Diagnostics) {
        let page = &self.site.pages[id];
        let (rendered, mut problems) = self.markdown().render(&markdown::Source {
            body: &page.source.body,
            rel: page.rel(),
            body_line: page.source.body_line,
            url: &page.url,
        });
        problems.name_file(&Path::new("content").join(page.rel()));
        (rendered, problems)
    }

    /// Renders the `_index.md` bodies of every section, by section index.
    pub fn render_sections(&self) -> (Vec<String>, Diagnostics) {
        let mut problems = Diagnostics::new();
        let html = self
            .site
            .sections
            .iter()
            .map(|section| match &section.source {
                Some(doc) => {
                    let (rendered, mut p) = self.markdown().render(&markdown::Source {
                        body: &doc.body,
                        rel: &doc.rel,
                        body_line: doc.body_line,
                        url: &section.url,
                    });
                    p.name_file(&Path::new("content").join(&doc.rel));
                    problems.extend(p);
                    rendered.html
                }
                None => String::new(),
            })
            .collect();
        (html, problems)
    }

    /// The template and data that render page `id`; `content` is its rendered HTML (callers
    /// that only fingerprint the data pass an empty string).
    pub fn page_data<'s>(
        &'s self,
        id: PageId,
        rendered: &'s Rendered,
        content: &'s str,
        summary: &'s Summary,
    ) -> (&'s str, TemplateData<'s>) {
        let page = &self.site.pages[id];
        let description = page
            .source
            .front
            .description
            .clone()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| summary.summary.clone());
        let head = if page.is_post {
            context::post_head(self.site, page, &description)
        } else {
            context::head(
                &self.site.config,
                Some(&page.title),
                &description,
                &page.url,
            )
        };
        let mut page_context = context::page(self.site, id, rendered, &summary.summary);
        page_context.content = content;
        let data = TemplateData {
            head,
            page: Some(page_context),
            ..TemplateData::default()
        };
        (self.template_or(&page.template, "page.html"), data)
    }

    /// Renders page `id`'s template around its rendered markdown.
    pub fn render_page(
        &self,
        id: PageId,
        rendered: &Rendered,
        summary: &Summary,
    ) -> Result<Vec<u8>, Diagnostic> {
        let (template, data) = self.page_data(id, rendered, &rendered.html, summary);
        self.render_data(template, &data).map_err(|d| {
            d.help(format!(
                "while rendering content/{}",
                self.site.pages[id].rel()
            ))
        })
    }

    /// Renders `template` with `data` as its variables.
    pub fn render_data(&self, template: &str, data: &TemplateData) -> Result<Vec<u8>, Diagnostic> {
        let context = Context::from_serialize(data)
            .map_err(|e| Diagnostic::error(format!("template data for {template}: {e}")))?;
        self.render_template(template, &context)
    }

    /// `wanted` if the theme has it, else `fallback` (the problem is reported once, by
    /// [`Renderer::missing_templates`]).
    fn template_or<'t>(&'t self, wanted: &'t str, fallback: &'t str) -> &'t str {
        if self.theme.tera.contains_template(wanted) {
            wanted
        } else {
            fallback
        }
    }

    /// A warning for every page or section naming a template the theme does not have; such
    /// pages are rendered with the default template, as Hugo does.
    pub fn missing_templates(&self) -> Diagnostics {
        let mut problems = Diagnostics::new();
        let mut warn = |name: &str, key: &str, rel: &str, line: Option<usize>, fallback: &str| {
            if self.theme.tera.contains_template(name) {
                return;
            }
            let mut d = Diagnostic::warning(format!(
                "`{key}` names `{name}`, which is not in templates/; using `{fallback}`"
            ))
            .in_file(Path::new("content").join(rel))
            .help(format!("add templates/{name}, or remove `{key}`"));
            if let Some(line) = line {
                d = d.at_line(line);
            }
            problems.push(d);
        };
        for page in &self.site.pages {
            if page.source.front.template.is_some() {
                warn(
                    &page.template,
                    "template",
                    page.rel(),
                    page.source.line_of("template"),
                    "page.html",
                );
            }
        }
        for section in &self.site.sections {
            if let Some(doc) = &section.source {
                if let Some(name) = &doc.front.template {
                    warn(
                        name,
                        "template",
                        &doc.rel,
                        doc.line_of("template"),
                        "section.html",
                    );
                }
                if let Some(name) = &doc.front.page_template {
                    warn(
                        name,
                        "page_template",
                        &doc.rel,
                        doc.line_of("page_template"),
                        "page.html",
                    );
                }
            }
        }
        problems
    }

    fn render_template(&self, name: &str, context: &Context) -> Result<Vec<u8>, Diagnostic> {
        let mut out = Vec::with_capacity(16 * 1024);
        self.theme
            .tera
            .render_to(name, context, &mut out)
            .map_err(|e| template_diagnostic(&e, &self.theme.sources))?;
        Ok(out)
    }

    /// The template and data of a templated output other than a page: list pages, the list of
    /// a taxonomy's terms, and the 404 page; `None` for every other kind of output.
    pub fn output_data<'s>(
        &'s self,
        output: &'s Output,
        summaries: &'s [Summary],
        section_html: &'s [String],
    ) -> Option<(&'s str, TemplateData<'s>)> {
        let site = self.site;
        match &output.route {
            Route::ListPage { list, pager } => {
                let list = &site.lists[*list];
                let content = match list.kind {
                    ListKind::Home => &section_html[0],
                    ListKind::Section(id) => &section_html[id],
                    ListKind::Term(_) => "",
                };
                let list_context = context::list(site, list, content);
                let title = (list.kind != ListKind::Home).then_some(list_context.title.as_str());
                let mut head =
                    context::head(&site.config, title, &list_context.description, &output.url);
                if *pager > 0 {
                    head.title = format!("{} (page {})", head.title, pager + 1);
                }
                if let ListKind::Term(t) = list.kind
                    && t.taxonomy == 0
                    && site.config.feeds.tags
                {
                    head.feeds = crate::model::routes::enabled_feeds(&site.config)
                        .into_iter()
                        .map(|f| context::feed_link(f, &list.url, &list_context.title))
                        .collect();
                }
                let fallback = match list.kind {
                    ListKind::Home => "index.html",
                    ListKind::Section(_) => "section.html",
                    ListKind::Term(_) => "taxonomy_single.html",
                };
                let taxonomy = match list.kind {
                    ListKind::Term(t) => Some(context::taxonomy(site, t.taxonomy)),
                    _ => None,
                };
                let data = TemplateData {
                    head,
                    paginator: Some(context::paginator(list, *pager, summaries)),
                    section: Some(list_context),
                    taxonomy,
                    ..TemplateData::default()
                };
                Some((self.template_or(&list.template, fallback), data))
            }
            Route::TermIndex(index) => {
                let taxonomy = context::taxonomy(site, *index);
                let description = format!(
                    "Every {} of {}, with its posts.",
                    site.taxonomies[*index].singular, site.config.title
                );
                let head = context::head(
                    &site.config,
                    Some(taxonomy.title),
                    &description,
                    &output.url,
                );
                let data = TemplateData {
                    head,
                    taxonomy: Some(taxonomy),
                    ..TemplateData::default()
                };
                Some(("taxonomy_list.html", data))
            }
            Route::NotFound => {
                let head = context::head(&site.config, Some("Page not found"), "", &output.url);
                Some((
                    "404.html",
                    TemplateData {
                        head,
                        ..TemplateData::default()
                    },
                ))
            }
            _ => None,
        }
    }

    /// Renders one output other than a page or a copied file.
    pub fn render_output(
        &self,
        output: &Output,
        summaries: &[Summary],
        section_html: &[String],
        feed_html: &HashMap<PageId, String>,
    ) -> Result<Option<Vec<u8>>, Diagnostic> {
        if let Some((template, data)) = self.output_data(output, summaries, section_html) {
            return self.render_data(template, &data).map(Some);
        }
        let site = self.site;
        let bytes = match &output.route {
            Route::Redirect { to } => sitemap::redirect(site, to).into_bytes(),
            Route::Feed { format, list } => feeds::feed(site, &site.lists[*list], *format, |id| {
                feed_html.get(&id).map(String::as_str)
            })
            .into_bytes(),
            Route::Sitemap(part) => sitemap::sitemap(site, *part).into_bytes(),
            Route::SitemapIndex(parts) => sitemap::sitemap_index(site, *parts).into_bytes(),
            Route::Robots => sitemap::robots(site).into_bytes(),
            _ => return Ok(None),
        };
        Ok(Some(bytes))
    }

    /// The pages whose full HTML some feed shows.
    pub fn feed_pages(&self) -> HashSet<PageId> {
        let site = self.site;
        site.outputs
            .iter()
            .filter_map(|o| match o.route {
                Route::Feed {
                    list,
                    format: FeedFormat::Rss | FeedFormat::Atom,
                } => Some(list),
                _ => None,
            })
            .flat_map(|list| feeds::feed_pages(site, &site.lists[list]))
            .collect()
    }

    /// The file on disk an asset output is copied from.
    pub fn asset_source(&self, route: &Route) -> Option<PathBuf> {
        match route {
            Route::ContentAsset(rel) => Some(self.site_root.join("content").join(rel)),
            Route::Static(rel) => Some(self.site_root.join("static").join(rel)),
            _ => None,
        }
    }
}

/// What the first pass keeps of a page.
struct PageResult {
    summary: Summary,
    feed_html: Option<String>,
    links: Vec<SourceLink>,
    problems: Diagnostics,
}

/// Renders the whole site into `sink`.
pub fn render_site(renderer: &Renderer, sink: &dyn Sink) -> Report {
    let site = renderer.site;
    let mut report = Report::default();
    let feed_pages = renderer.feed_pages();
    let (section_html, section_problems) = renderer.render_sections();
    report.diagnostics.extend(section_problems);
    report.diagnostics.extend(renderer.missing_templates());

    let results: Vec<PageResult> = (0..site.pages.len())
        .into_par_iter()
        .map(|id| {
            let (rendered, mut problems) = renderer.render_markdown(id);
            let summary = context::summary(site, id, &rendered);
            match renderer.render_page(id, &rendered, &summary) {
                Ok(bytes) => {
                    let file = crate::model::url::output_file(&site.pages[id].url);
                    if let Err(e) = sink.put(&file, bytes) {
                        problems.push(Diagnostic::error(format!("cannot write {file}: {e}")));
                    }
                }
                Err(d) => problems.push(d),
            }
            let feed_html = feed_pages.contains(&id).then_some(rendered.html);
            PageResult {
                summary,
                feed_html,
                links: rendered.links,
                problems,
            }
        })
        .collect();

    let mut summaries = Vec::with_capacity(results.len());
    let mut feed_html = HashMap::new();
    for (id, result) in results.into_iter().enumerate() {
        report.diagnostics.extend(result.problems);
        summaries.push(result.summary);
        if let Some(html) = result.feed_html {
            feed_html.insert(id, html);
        }
        report
            .markdown_links
            .push((site.pages[id].rel().to_string(), result.links));
    }
    report.pages = site.pages.len();

    let problems: Vec<Diagnostic> = site
        .outputs
        .par_iter()
        .filter(|o| !matches!(o.route, Route::Page(_)))
        .filter_map(|output| {
            if let Some(source) = renderer.asset_source(&output.route) {
                return sink.copy(&output.file, &source).err().map(|e| {
                    Diagnostic::error(format!("cannot copy to {}: {e}", output.file))
                        .in_file(source.strip_prefix(renderer.site_root).unwrap_or(&source))
                });
            }
            match renderer.render_output(output, &summaries, &section_html, &feed_html) {
                Ok(Some(bytes)) => sink
                    .put(&output.file, bytes)
                    .err()
                    .map(|e| Diagnostic::error(format!("cannot write {}: {e}", output.file))),
                Ok(None) => None,
                Err(d) => Some(d),
            }
        })
        .collect();
    report.diagnostics.extend(problems);
    for asset in &renderer.theme.assets {
        if let Err(e) = sink.put(&asset.file, asset.bytes.clone()) {
            report.diagnostics.push(Diagnostic::error(format!(
                "cannot write {}: {e}",
                asset.file
            )));
        }
    }
    report.files = site.outputs.len() + renderer.theme.assets.len();
    report
}
