//! Stage 3, render: markdown to HTML, highlighting, templates, feeds and the sitemap.
//!
//! [`render_site`] is the one render driver: `build`, `check` and `serve` all call it, and
//! differ only in where files go (the [`crate::write::Sink`]) and in what earlier work they
//! let it reuse ([`reuse::Reuse`]). See [`driver`] for its two passes.

pub mod context;
pub mod csp;
pub mod driver;
pub mod escape;
pub mod feeds;
pub mod highlight;
mod json_ld;
pub mod links;
pub mod markdown;
pub mod relations;
pub mod reuse;
pub mod sitemap;
pub mod social;
pub mod theme;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use tera::Context;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::images::Images;
use crate::model::routes::{List, ListKind, has_feeds};
use crate::model::{IdVec, ListId, Output, PageId, Route, SectionId, Site, TaxonomyId};
use context::Summary;
pub use driver::{Inputs, Kept, KeptOutput, RenderReport, render_site};
use highlight::Highlighter;
use links::LinkIndex;
use markdown::Rendered;
use reuse::{Fingerprint, PageMarkdown, hash_of};
use theme::{Theme, template_diagnostic};

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

/// A templated output ready to render: which template, with which variables.
pub struct Templated<'a> {
    /// The template's name.
    pub template: &'a str,
    /// Its variables.
    pub data: TemplateData<'a>,
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
    /// Makes the responsive pictures of images and the stripped originals.
    pub images: &'a Images,
    /// A fingerprint of the templates and of what every template sees (`config`, `assets`).
    pub globals: Fingerprint,
    /// The pages' Content-Security-Policy.
    pub policy: csp::Policy,
    /// What the policy's `'self'` is: the origin of `base_url`.
    origin: String,
    /// True when raw HTML the policy blocks is an error (`check`), not a warning.
    csp_blocks_fail: bool,
    links: LinkIndex,
    markdown_options: markdown::Options,
}

impl<'a> Renderer<'a> {
    /// Prepares to render `site`; `theme` must have had [`context::set_globals`] applied, which
    /// returned `globals`.
    pub fn new(
        site: &'a Site,
        theme: &'a Theme,
        highlighter: &'a Highlighter,
        site_root: &'a Path,
        images: &'a Images,
        globals: Fingerprint,
    ) -> Self {
        let policy = csp::Policy::new(&site.config.security);
        let origin = csp::origin_of(&site.config.base_url).unwrap_or_default();
        let mut markdown_options =
            markdown::Options::new(&site.config.markdown, theme.palette.as_deref());
        markdown_options.images = hash_of(images.config());
        markdown_options.csp = markdown::CspCheck {
            policy: &policy,
            origin: &origin,
        }
        .fingerprint();
        Renderer {
            site,
            theme,
            highlighter,
            site_root,
            images,
            globals: hash_of(&(globals, theme.fingerprint)),
            policy,
            origin,
            csp_blocks_fail: false,
            links: LinkIndex::new(site, site_root),
            markdown_options,
        }
    }

    /// Makes raw HTML the policy blocks an error, as `check` wants, rather than a warning.
    pub fn with_csp_errors(mut self, fail: bool) -> Self {
        self.csp_blocks_fail = fail;
        self.markdown_options.csp = hash_of(&(self.markdown_options.csp, fail));
        self
    }

    fn markdown(&self) -> markdown::MarkdownRenderer<'_> {
        markdown::MarkdownRenderer {
            links: &self.links,
            highlighter: self.highlighter,
            images: Some(self.images),
            palette: self.theme.palette.as_deref(),
            csp: Some(markdown::CspCheck {
                policy: &self.policy,
                origin: &self.origin,
            }),
            options: self.markdown_options,
        }
    }

    fn markdown_place(&self, id: PageId) -> markdown::Place<'_> {
        let page = &self.site.pages[id];
        markdown::Place {
            rel: page.rel(),
            body_line: page.source.body_line,
            url: &page.url,
        }
    }

    /// A hash of everything page `id`'s markdown is rendered from besides its text and where
    /// its links lead: the very options and place [`Renderer::render_markdown`] renders with.
    pub fn markdown_key(&self, id: PageId) -> Fingerprint {
        hash_of(&(self.markdown_options, self.markdown_place(id)))
    }

    /// Ends the render, handing back its link index for the caller to free where it is
    /// cheapest: freeing its maps took 3 ms of every save of `serve` at 10,000 posts.
    pub fn into_links(self) -> LinkIndex {
        self.links
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
    pub fn render_markdown(&self, id: PageId) -> PageMarkdown {
        let page = &self.site.pages[id];
        let body = match page.source.body.text() {
            Ok(body) => body,
            Err(why) => return self.unreadable_markdown(id, why),
        };
        // Known now, so keeping the render needs no second read of a text left on disk.
        page.source.text_key(&body);
        let (rendered, mut problems) = self.markdown().render(&markdown::Source {
            body: &body,
            place: self.markdown_place(id),
        });
        for blocked in &rendered.blocked {
            let d = if self.csp_blocks_fail {
                Diagnostic::error(blocked.message.clone())
            } else {
                Diagnostic::warning(blocked.message.clone())
            };
            problems.push(
                d.at(blocked.line, blocked.column)
                    .help(blocked.help.clone()),
            );
        }
        problems.name_file(&Path::new("content").join(page.rel()));
        PageMarkdown {
            rel: page.rel().to_string(),
            shown_hash: std::sync::OnceLock::new(),
            html_deferred: false,
            key: self.markdown_key(id),
            body: crate::load::Body::Held(body),
            rendered,
            problems,
        }
    }

    /// Page `id`'s markdown when its text could not be read again (see [`crate::load::Body`]): no
    /// HTML, and the error, naming the file.
    fn unreadable_markdown(&self, id: PageId, why: String) -> PageMarkdown {
        let rel = self.site.pages[id].rel();
        let mut problems = Diagnostics::new();
        problems.push(unreadable(rel, why));
        PageMarkdown {
            rel: rel.to_string(),
            rendered: Rendered::default(),
            problems,
            key: self.markdown_key(id),
            body: crate::load::Body::from(""),
            shown_hash: std::sync::OnceLock::new(),
            html_deferred: false,
        }
    }

    /// Page `id`'s summary as lists show it, without rendering the page: its markdown is read
    /// only as far as the summary goes, with no highlighting, pictures or policy checks, which
    /// no summary shows.
    pub fn summary_of(&self, id: PageId) -> String {
        let page = &self.site.pages[id];
        let markdown = markdown::MarkdownRenderer {
            images: None,
            csp: None,
            options: markdown::Options {
                highlight_code: false,
                ..self.markdown_options
            },
            ..self.markdown()
        };
        // A text that cannot be read again has no summary; rendering the page reports why.
        let body = page.source.body.text().unwrap_or_default();
        let read = || {
            markdown.summary(&markdown::Source {
                body: &body,
                place: self.markdown_place(id),
            })
        };
        // Without a marker, a description is the summary and the text need not be read.
        if markdown::may_have_more_marker(&body) {
            let text = read();
            context::summary_text(page, text.before_more.as_deref(), || text.first_paragraph)
        } else {
            context::summary_text(page, None, || read().first_paragraph)
        }
    }

    /// Renders the `_index.md` bodies of every section.
    pub fn render_sections(&self) -> (IdVec<SectionId, String>, Diagnostics) {
        let mut problems = Diagnostics::new();
        let html = self
            .site
            .sections
            .iter()
            .map(|section| match &section.source {
                Some(doc) => {
                    let body = match doc.body.text() {
                        Ok(body) => body,
                        Err(why) => {
                            problems.push(unreadable(&doc.rel, why));
                            return String::new();
                        }
                    };
                    let (rendered, p) = self.markdown().render(&markdown::Source {
                        body: &body,
                        place: markdown::Place {
                            rel: &doc.rel,
                            body_line: doc.body_line,
                            url: &section.url,
                        },
                    });
                    let mut p = p;
                    p.name_file(&Path::new("content").join(&doc.rel));
                    problems.extend(p);
                    rendered.html
                }
                None => String::new(),
            })
            .collect();
        (html, problems)
    }

    /// The template and data that render page `id` around its rendered markdown.
    pub fn page_data<'s>(
        &'s self,
        id: PageId,
        rendered: &'s Rendered,
        summary: &'s Summary,
        teasers: &'s driver::Teasers,
        image: Option<social::SocialImage>,
    ) -> Templated<'s> {
        let page = &self.site.pages[id];
        let description = page
            .source
            .front
            .description
            .clone()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| summary.summary.clone());
        let mut head = if page.is_post {
            context::post_head(self.site, page, &description)
        } else {
            context::head(
                &self.site.config,
                Some(&page.title),
                &description,
                &page.url,
            )
        };
        head.image = image;
        Templated {
            template: self.template_or(&page.template, "page.html"),
            data: TemplateData {
                head,
                page: Some(context::page(
                    self.site,
                    id,
                    rendered,
                    &summary.summary,
                    teasers,
                )),
                ..TemplateData::default()
            },
        }
    }

    /// Fills in what a page's data leaves to be made only when the page is rendered, as its
    /// fingerprint covers it already: a post's JSON-LD ([`context::post_json_ld`]).
    pub fn finish_page_data(&self, data: &mut TemplateData) {
        let TemplateData { head, page, .. } = data;
        if let Some(page) = page.as_ref().filter(|page| page.is_post) {
            head.json_ld = context::post_json_ld(&self.site.config, head, page);
        }
    }

    /// Renders a templated output.
    pub fn render_templated(&self, templated: &Templated) -> Result<Vec<u8>, Diagnostic> {
        let context = Context::from_serialize(&templated.data).map_err(|e| {
            Diagnostic::error(format!("template data for {}: {e}", templated.template))
        })?;
        let mut out = Vec::with_capacity(16 * 1024);
        self.theme
            .tera
            .render_to(templated.template, &context, &mut out)
            .map_err(|e| template_diagnostic(&e, &self.theme.sources))?;
        Ok(out)
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
                let line = page.source.line_of("template");
                warn(&page.template, "template", page.rel(), line, "page.html");
            }
        }
        for doc in self.site.sections.iter().filter_map(|s| s.source.as_ref()) {
            if let Some(name) = &doc.front.template {
                let line = doc.line_of("template");
                warn(name, "template", &doc.rel, line, "section.html");
            }
            if let Some(name) = &doc.front.page_template {
                let line = doc.line_of("page_template");
                warn(name, "page_template", &doc.rel, line, "page.html");
            }
        }
        problems
    }

    /// The template and data of a templated output other than a page: list pages, the list of
    /// a taxonomy's terms, and the 404 page; `None` for every other kind of output.
    pub fn output_data<'s>(
        &'s self,
        output: &'s Output,
        summaries: &'s IdVec<PageId, Summary>,
        section_html: &'s IdVec<SectionId, String>,
    ) -> Option<Templated<'s>> {
        match &output.route {
            Route::ListPage { list, pager } => {
                Some(self.list_page_data(output, *list, *pager, summaries, section_html))
            }
            Route::TermIndex(taxonomy) => Some(self.term_index_data(output, *taxonomy)),
            Route::NotFound => {
                let head =
                    context::head(&self.site.config, Some("Page not found"), "", &output.url);
                Some(Templated {
                    template: "404.html",
                    data: TemplateData {
                        head,
                        ..TemplateData::default()
                    },
                })
            }
            _ => None,
        }
    }

    fn list_page_data<'s>(
        &'s self,
        output: &'s Output,
        list_id: ListId,
        pager: usize,
        summaries: &'s IdVec<PageId, Summary>,
        section_html: &'s IdVec<SectionId, String>,
    ) -> Templated<'s> {
        let site = self.site;
        let list = &site.lists[list_id];
        let content = match list.kind {
            ListKind::Home => &section_html[SectionId::ROOT],
            ListKind::Section(id) => &section_html[id],
            ListKind::Term(_) => "",
        };
        let list_context = context::list(site, list, content);
        let title = (list.kind != ListKind::Home).then_some(list_context.title.as_str());
        let mut head = context::head(&site.config, title, &list_context.description, &output.url);
        if pager > 0 {
            head.title = format!("{} (page {})", head.title, pager + 1);
        }
        if matches!(list.kind, ListKind::Term(_)) && has_feeds(site, list) {
            head.feeds = crate::model::routes::enabled_feeds(&site.config)
                .into_iter()
                .map(|f| context::feed_link(f, &list.url, &list_context.title))
                .collect();
        }
        let taxonomy = match list.kind {
            ListKind::Term(t) => Some(context::taxonomy(site, t.taxonomy)),
            _ => None,
        };
        Templated {
            template: self.template_or(&list.template, list_fallback(list)),
            data: TemplateData {
                head,
                paginator: Some(context::paginator(list, pager, summaries)),
                section: Some(list_context),
                taxonomy,
                ..TemplateData::default()
            },
        }
    }

    fn term_index_data<'s>(&'s self, output: &'s Output, id: TaxonomyId) -> Templated<'s> {
        let site = self.site;
        let taxonomy = context::taxonomy(site, id);
        let description = format!(
            "Every {} of {}, with its posts.",
            site.taxonomies[id].kind.singular(),
            site.config.title
        );
        let head = context::head(
            &site.config,
            Some(taxonomy.title),
            &description,
            &output.url,
        );
        Templated {
            template: "taxonomy_list.html",
            data: TemplateData {
                head,
                taxonomy: Some(taxonomy),
                ..TemplateData::default()
            },
        }
    }

    /// Makes an output that needs no template: feeds, the sitemap, `robots.txt` and redirects;
    /// `None` for every other kind of output.
    pub fn render_plain(
        &self,
        output: &Output,
        feed_html: &HashMap<PageId, String>,
    ) -> Option<Vec<u8>> {
        let site = self.site;
        let text = match &output.route {
            Route::Redirect { to } => sitemap::redirect(site, to),
            Route::Feed { format, list } => feeds::feed(site, &site.lists[*list], *format, |id| {
                feed_html.get(&id).map(String::as_str)
            }),
            Route::Sitemap(part) => sitemap::sitemap(site, *part),
            Route::SitemapIndex(parts) => sitemap::sitemap_index(site, *parts),
            Route::Robots => sitemap::robots(site),
            _ => return None,
        };
        Some(text.into_bytes())
    }

    /// A hash of everything a plain output is made from, for those it is cheap to work out for
    /// (the sitemap); `None` for the others, which are made on every render.
    pub fn plain_fingerprint(&self, output: &Output) -> Option<Fingerprint> {
        match output.route {
            Route::Sitemap(part) => Some(sitemap::fingerprint(self.site, part)),
            _ => None,
        }
    }

    /// The pages whose full HTML some feed shows.
    pub fn feed_pages(&self) -> HashSet<PageId> {
        let site = self.site;
        site.outputs
            .iter()
            .filter_map(|o| match o.route {
                Route::Feed { list, .. } => Some(list),
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

/// The built-in template a list falls back to when the one it names is missing.
fn list_fallback(list: &List) -> &'static str {
    match list.kind {
        ListKind::Home => "index.html",
        ListKind::Section(_) => "section.html",
        ListKind::Term(_) => "taxonomy_single.html",
    }
}

/// The error of a markdown file whose text could not be read again (see
/// [`crate::load::Body`]), `rel` being its path under `content/`.
fn unreadable(rel: &str, why: String) -> Diagnostic {
    Diagnostic::error(why)
        .in_file(Path::new("content").join(rel))
        .help("build again once the file is saved")
}
