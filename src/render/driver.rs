//! The render driver: the whole site, from the model to files handed to a sink.
//!
//! Two passes over the model, each in parallel. The first renders every page (markdown, then
//! its template) and hands the file to the sink at once, keeping only a light summary, and the
//! full HTML only of posts that a feed shows. The second makes everything else: lists,
//! taxonomies, the 404 page, feeds, the sitemap, redirects and copied files.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use super::context::{self, DateContext, Summary, set_globals};
use super::highlight::Highlighter;
use super::markdown::{CspFinding, SourceLink};
use super::reuse::{Fingerprint, PageMarkdown, Reuse, fingerprint_of, hash_of};
use super::theme::Theme;
use super::{Renderer, Templated};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::images::{ImageStats, Images, VariantFile};
use crate::model::{Id, IdVec, Output, PageId, Route, SectionId, Site};
use crate::write::Sink;
use crate::write::memory::Bytes;

/// What a render is made from.
pub struct Inputs<'a> {
    /// The model.
    pub site: &'a Site,
    /// The compiled theme; its global context is set here.
    pub theme: &'a mut Theme,
    /// The code highlighter.
    pub highlighter: &'a Highlighter,
    /// The site's folder, for copied files and image sizes.
    pub root: &'a Path,
    /// Image work, kept by `serve` across rebuilds.
    pub images: &'a Images,
    /// True when raw HTML the Content-Security-Policy blocks is an error, as `check` wants.
    pub csp_blocks_fail: bool,
}

/// What a render produced besides files.
#[derive(Default)]
pub struct RenderReport {
    /// Every problem found.
    pub diagnostics: Diagnostics,
    /// Pages rendered.
    pub pages: usize,
    /// Files handed to the sink.
    pub files: usize,
    /// The internal links of each page's markdown, by content-relative source path, for
    /// `check` to place problems on lines.
    pub markdown_links: Vec<PageLinks>,
    /// Pages whose markdown was rendered rather than reused.
    pub markdown_rendered: usize,
    /// Outputs whose template was rendered rather than reused.
    pub templates_rendered: usize,
    /// What the next render may reuse, when the [`Reuse`] asked for it to be kept.
    pub kept: Option<Kept>,
    /// How many images were made, and how many came from the cache.
    pub images: ImageStats,
}

/// The internal links of one page's markdown, and what of its raw HTML the policy blocks.
pub struct PageLinks {
    /// The page, in the model rendered: its source is `site.pages[page].rel()`.
    pub page: PageId,
    of: LinksOf,
}

/// Where a page's links are held.
enum LinksOf {
    /// In its markdown, which the render keeps anyway (`serve`): copying every page's links
    /// after every save, and freeing them, took about 5 % of the CPU time of a save at
    /// 10,000 posts.
    Kept(Arc<PageMarkdown>),
    /// Copied out of it, so a one-off build need not hold every page's markdown.
    Copied {
        links: Vec<SourceLink>,
        blocked: Vec<CspFinding>,
    },
}

impl LinksOf {
    fn of(markdown: &Arc<PageMarkdown>, keeps: bool) -> LinksOf {
        if keeps {
            return LinksOf::Kept(Arc::clone(markdown));
        }
        LinksOf::Copied {
            links: markdown.rendered.links.clone(),
            blocked: markdown.rendered.blocked.clone(),
        }
    }
}

impl PageLinks {
    /// Its links, with where they were written.
    pub fn links(&self) -> &[SourceLink] {
        match &self.of {
            LinksOf::Kept(markdown) => &markdown.rendered.links,
            LinksOf::Copied { links, .. } => links,
        }
    }

    /// The blocked references of its raw HTML (already reported at their lines).
    pub fn blocked(&self) -> &[CspFinding] {
        match &self.of {
            LinksOf::Kept(markdown) => &markdown.rendered.blocked,
            LinksOf::Copied { blocked, .. } => blocked,
        }
    }
}

/// The work of one render that a later render may reuse.
#[derive(Default)]
pub struct Kept {
    /// Every page's markdown.
    pub markdown: IdVec<PageId, Arc<PageMarkdown>>,
    /// Every templated output, by output file.
    pub outputs: HashMap<String, KeptOutput>,
}

/// What a later render may reuse of one templated output.
pub struct KeptOutput {
    /// The fingerprint of the data it was made from.
    pub fingerprint: Fingerprint,
    /// Its bytes, when this render took them from the one before: the next render can then
    /// take them again without searching a rebuild's 14,000 files for them, which was a tenth
    /// of the pages pass of a save.
    pub bytes: Option<Bytes>,
}

impl KeptOutput {
    /// What is kept of an output whose data had `fingerprint`, its earlier bytes `reused`, when
    /// the render keeps its work at all.
    fn of(keeps: bool, fingerprint: Option<Fingerprint>, reused: Option<Bytes>) -> Option<Self> {
        let fingerprint = fingerprint.filter(|_| keeps)?;
        Some(KeptOutput {
            fingerprint,
            bytes: reused,
        })
    }
}

/// Renders the whole site into `sink`, reusing what `reuse` offers.
pub fn render_site(inputs: Inputs, sink: &dyn Sink, reuse: &dyn Reuse) -> RenderReport {
    let Inputs {
        site,
        theme,
        highlighter,
        root,
        images,
        csp_blocks_fail,
    } = inputs;
    let globals = set_globals(theme, site);
    let renderer = Renderer::new(site, theme, highlighter, root, images, globals)
        .with_csp_errors(csp_blocks_fail);
    let pass = Pass {
        renderer: &renderer,
        sink,
        reuse,
        keeps: reuse.keeps(),
        fingerprints: reuse.fingerprints(),
        markdown_rendered: AtomicUsize::new(0),
        templates_rendered: AtomicUsize::new(0),
    };
    let mut report = RenderReport::default();
    report.diagnostics.extend(renderer.missing_templates());
    reuse.begin(&renderer);
    let teasers = pass.teasers();
    let pages = pass.pages(&teasers, &mut report);
    pass.rest(&pages, &mut report);
    for asset in &renderer.theme.assets {
        if let Err(e) = sink.put(&asset.file, asset.bytes.clone()) {
            report.diagnostics.push(Diagnostic::error(format!(
                "cannot write {}: {e}",
                asset.file
            )));
        }
    }
    report.pages = site.pages.len();
    report.files += site.outputs.len() + renderer.theme.assets.len();
    images.finish_progress();
    report.images = images.stats();
    if let Some(warning) = reuse.warning() {
        report
            .diagnostics
            .push(Diagnostic::warning(warning).help(crate::build::CACHE_HELP));
    }
    if let Some(warning) = &report.images.cache_warning {
        report.diagnostics.push(
            Diagnostic::warning(warning)
                .help("the build went on without its image cache, so images were made again"),
        );
    }
    report.markdown_rendered = pass.markdown_rendered.into_inner();
    report.templates_rendered = pass.templates_rendered.into_inner();
    // The summaries borrow the model, so they are freed here, on every thread; the rest is the
    // render's own, and freed on a thread of its own, link index and all.
    let Pages {
        summaries,
        feed_html,
        shown_images,
    } = pages;
    summaries.into_vec().into_par_iter().for_each(drop);
    let links = renderer.into_links();
    crate::aside::drop_aside((feed_html, shown_images, teasers, links));
    report
}

/// The summaries of the posts shown as related, by page.
pub type Teasers = HashMap<PageId, Teaser>;

/// What a page shows of a post it relates to, besides its title and URL.
pub struct Teaser {
    /// Its summary, as lists show it.
    pub summary: String,
    /// Its publication date.
    pub date: Option<DateContext>,
}

/// What the first pass passes on to the second.
struct Pages<'s> {
    summaries: IdVec<PageId, Summary<'s>>,
    feed_html: HashMap<PageId, String>,
    /// Image files some page shows: their problems were reported at the lines showing them.
    shown_images: HashSet<PathBuf>,
}

/// What the first pass keeps of one page.
struct PageResult<'s> {
    summary: Summary<'s>,
    feed_html: Option<String>,
    markdown: Option<Arc<PageMarkdown>>,
    /// The page's output file.
    file: String,
    /// What a later render may reuse of it.
    output: Option<KeptOutput>,
    links: PageLinks,
    images: Vec<VariantFile>,
    shown_images: Vec<PathBuf>,
    problems: Diagnostics,
}

/// One render in progress.
struct Pass<'r> {
    renderer: &'r Renderer<'r>,
    sink: &'r dyn Sink,
    reuse: &'r dyn Reuse,
    keeps: bool,
    /// Whether templated outputs are fingerprinted.
    fingerprints: bool,
    markdown_rendered: AtomicUsize,
    templates_rendered: AtomicUsize,
}

impl<'r> Pass<'r> {
    /// Before the first pass: the summary and date of every post some page shows as related,
    /// the summary read from an earlier render's markdown when it still holds, else from the
    /// start of the text.
    fn teasers(&self) -> Teasers {
        let site = self.renderer.site;
        let mut shown: Vec<PageId> = (site.pages.iter())
            .flat_map(|p| p.related.iter().copied())
            .collect();
        shown.sort_unstable();
        shown.dedup();
        shown
            .into_par_iter()
            .map(|id| {
                let summary = (self.reuse.teaser(self.renderer, id))
                    .unwrap_or_else(|| self.renderer.summary_of(id));
                let date = site.pages[id].date.map(DateContext::from);
                (id, Teaser { summary, date })
            })
            .collect()
    }

    /// The first pass: every page.
    fn pages(&self, teasers: &Teasers, report: &mut RenderReport) -> Pages<'r> {
        let site = self.renderer.site;
        let feed_pages = self.renderer.feed_pages();
        let results: Vec<PageResult> = (0..site.pages.len())
            .into_par_iter()
            .map(|i| self.page(PageId::new(i), &feed_pages, teasers))
            .collect();
        let mut summaries = IdVec::from(Vec::with_capacity(site.pages.len()));
        let mut feed_html = HashMap::new();
        let mut kept = Kept::default();
        if self.keeps {
            kept.outputs.reserve(site.outputs.len());
        }
        // Pages showing one image name the same files: each is written once.
        let mut pictures = BTreeMap::new();
        let mut shown_images = HashSet::new();
        for result in results {
            report.diagnostics.extend(result.problems);
            shown_images.extend(result.shown_images);
            for file in result.images {
                pictures.insert(file.url, file.bytes);
            }
            let id = summaries.push(result.summary);
            if let Some(html) = result.feed_html {
                feed_html.insert(id, html);
            }
            if let Some(markdown) = result.markdown {
                kept.markdown.push(markdown);
            }
            if let Some(output) = result.output {
                kept.outputs.insert(result.file, output);
            }
            report.markdown_links.push(result.links);
        }
        if self.keeps {
            report.kept = Some(kept);
        }
        report.files += pictures.len();
        let failed: Vec<Diagnostic> = (pictures.par_iter())
            .filter_map(|(url, bytes)| {
                let file = url.trim_start_matches('/');
                let written = self.sink.put_fingerprinted(file, bytes);
                let error = |e| Diagnostic::error(format!("cannot write {file}: {e}"));
                written.err().map(error)
            })
            .collect();
        report.diagnostics.extend(failed);
        Pages {
            summaries,
            feed_html,
            shown_images,
        }
    }

    fn page(&self, id: PageId, feed_pages: &HashSet<PageId>, teasers: &Teasers) -> PageResult<'r> {
        let renderer = self.renderer;
        let markdown = self
            .reuse
            .markdown(renderer, id)
            .unwrap_or_else(|| Arc::new(self.render_markdown(id)));
        let deferred = OnceLock::new();
        let mut summary = context::summary(renderer.site, id, &markdown.rendered);
        if self.fingerprints {
            summary.fingerprint = Some(fingerprint_of(0, &summary));
        }
        let mut problems = markdown.problems.clone();
        let social = renderer.social(id);
        problems.extend(social.problems);
        let mut templated =
            renderer.page_data(id, &markdown.rendered, &summary, teasers, social.image);
        let file = crate::model::url::output_file(&renderer.site.pages[id].url);
        let fingerprint = self
            .fingerprints
            .then(|| page_fingerprint(renderer, &mut templated, markdown.fingerprint()));
        let written = self.templated(&file, &mut templated, fingerprint, |templated| {
            if let (true, Some(page)) = (markdown.html_deferred, templated.data.page.as_mut()) {
                page.content = self.html(id, &markdown, &deferred);
            }
            renderer.finish_page_data(&mut templated.data);
        });
        drop(templated);
        let reused = written.unwrap_or_else(|d| {
            let rel = renderer.site.pages[id].rel();
            problems.push(d.help(format!("while rendering content/{rel}")));
            None
        });
        let feed_html = feed_pages.contains(&id).then(|| {
            let html = self.html(id, &markdown, &deferred);
            super::markdown::without_sidenotes(html, &markdown.rendered.sidenotes)
        });
        PageResult {
            feed_html,
            links: PageLinks {
                page: id,
                of: LinksOf::of(&markdown, self.keeps),
            },
            images: [markdown.rendered.images.as_slice(), &social.files].concat(),
            shown_images: markdown.rendered.shown_images.clone(),
            summary,
            markdown: self.keeps.then_some(markdown),
            output: KeptOutput::of(self.keeps, fingerprint, reused),
            file,
            problems,
        }
    }

    /// Renders page `id`'s markdown anew, and offers it to the reuse to keep.
    fn render_markdown(&self, id: PageId) -> PageMarkdown {
        self.markdown_rendered.fetch_add(1, Ordering::Relaxed);
        let markdown = self.renderer.render_markdown(id);
        self.reuse.rendered(self.renderer, id, &markdown);
        markdown
    }

    /// The HTML of `markdown`, read from where the reuse deferred it into `deferred` when it
    /// is first needed, or rendered again when it cannot be read.
    fn html<'m>(
        &self,
        id: PageId,
        markdown: &'m PageMarkdown,
        deferred: &'m OnceLock<String>,
    ) -> &'m str {
        if !markdown.html_deferred {
            return &markdown.rendered.html;
        }
        deferred.get_or_init(|| {
            (self.reuse.html(self.renderer, id))
                .unwrap_or_else(|| self.render_markdown(id).rendered.html)
        })
    }

    /// Hands a templated output to the sink as [`Pass::fingerprinted`] does, rendered once
    /// `content` has filled in what the fingerprint stood for and the data still lacks.
    fn templated<'t>(
        &self,
        file: &str,
        templated: &mut Templated<'t>,
        fingerprint: Option<Fingerprint>,
        content: impl FnOnce(&mut Templated<'t>),
    ) -> Result<Option<Bytes>, Diagnostic> {
        self.fingerprinted(file, fingerprint, || {
            content(templated);
            self.render(templated)
        })
    }

    /// Hands an output to the sink: the bytes of an earlier render when what it is made from
    /// has the same fingerprint, nothing when the sink already holds them, else what `make`
    /// makes. Returns the earlier render's bytes when they were taken.
    fn fingerprinted(
        &self,
        file: &str,
        fingerprint: Option<Fingerprint>,
        make: impl FnOnce() -> Result<Vec<u8>, Diagnostic>,
    ) -> Result<Option<Bytes>, Diagnostic> {
        let cannot_write = |e| Diagnostic::error(format!("cannot write {file}: {e}"));
        let Some(fingerprint) = fingerprint else {
            let bytes = make()?;
            let written = self.sink.put(file, bytes);
            return written.map(|()| None).map_err(cannot_write);
        };
        if let Some(bytes) = self.reuse.output(file, fingerprint) {
            self.sink.put_shared(file, &bytes).map_err(cannot_write)?;
            return Ok(Some(bytes));
        }
        if self.sink.keep(file, fingerprint).map_err(cannot_write)? {
            return Ok(None);
        }
        let bytes = make()?;
        (self.sink)
            .put_templated(file, bytes, fingerprint)
            .map(|()| None)
            .map_err(cannot_write)
    }

    fn render(&self, templated: &Templated) -> Result<Vec<u8>, Diagnostic> {
        self.templates_rendered.fetch_add(1, Ordering::Relaxed);
        self.renderer.render_templated(templated)
    }

    /// The second pass: everything but pages.
    fn rest(&self, pages: &Pages, report: &mut RenderReport) {
        let renderer = self.renderer;
        let (section_html, section_problems) = renderer.render_sections();
        report.diagnostics.extend(section_problems);
        let made: Vec<Made> = renderer
            .site
            .outputs
            .par_iter()
            .filter(|o| !matches!(o.route, Route::Page(_)))
            .map(|output| self.output(output, pages, &section_html))
            .collect();
        for made in made {
            report.diagnostics.extend(made.problem);
            if let (Some(output), Some(kept)) = (made.kept, report.kept.as_mut()) {
                kept.outputs.insert(made.file, output);
            }
        }
    }

    /// Makes one output of the second pass.
    fn output(
        &self,
        output: &Output,
        pages: &Pages,
        section_html: &IdVec<SectionId, String>,
    ) -> Made {
        let renderer = self.renderer;
        let mut made = Made {
            file: output.file.clone(),
            kept: None,
            problem: None,
        };
        if let Some(source) = renderer.asset_source(&output.route) {
            made.problem = self.copy(&output.file, &source, &pages.shown_images);
        } else if let Some(mut templated) =
            renderer.output_data(output, &pages.summaries, section_html)
        {
            let fingerprint =
                (self.fingerprints).then(|| output_fingerprint(renderer, &mut templated));
            let written = self.templated(&output.file, &mut templated, fingerprint, |_| {});
            made.settle(self.keeps, fingerprint, written);
        } else if let Some(fingerprint) = (self.fingerprints)
            .then(|| renderer.plain_fingerprint(output))
            .flatten()
        {
            let written = self.fingerprinted(&output.file, Some(fingerprint), || {
                // Every route with a plain fingerprint is a plain output; should one not be,
                // the build fails saying so rather than publishing an empty file.
                (renderer.render_plain(output, &pages.feed_html)).ok_or_else(|| {
                    Diagnostic::error(format!("{}: no way to make this output", output.file))
                })
            });
            made.settle(self.keeps, Some(fingerprint), written);
        } else if let Some(bytes) = renderer.render_plain(output, &pages.feed_html) {
            made.problem = self
                .sink
                .put(&output.file, bytes)
                .err()
                .map(|e| Diagnostic::error(format!("cannot write {}: {e}", output.file)));
        }
        made
    }
}

impl Pass<'_> {
    /// Copies a file of `content/` or `static/`; an image is published as
    /// [`Images::original`] makes it, free of the metadata that tells where it was taken, or
    /// as it is, with a warning, when it cannot be read as an image.
    fn copy(&self, file: &str, source: &Path, shown: &HashSet<PathBuf>) -> Option<Diagnostic> {
        let warns = !shown.contains(source);
        let named = source
            .strip_prefix(self.renderer.site_root)
            .unwrap_or(source);
        let mut warning = None;
        let written = match crate::images::is_image_path(source)
            .then(|| self.renderer.images.original(source))
        {
            Some(Ok(bytes)) => self.sink.put_shared(file, &bytes),
            Some(Err(problem)) => {
                warning = warns.then(|| problem.to_warning().in_file(named));
                self.sink.copy(file, source)
            }
            None => self.sink.copy(file, source),
        };
        match written {
            Ok(()) => warning,
            Err(e) => Some(Diagnostic::error(format!("cannot copy to {file}: {e}")).in_file(named)),
        }
    }
}

/// What making one output of the second pass leaves to report.
struct Made {
    /// The output file.
    file: String,
    /// What a later render may reuse of it, when it is fingerprinted and the render keeps its
    /// work.
    kept: Option<KeptOutput>,
    /// What went wrong, if anything.
    problem: Option<Diagnostic>,
}

impl Made {
    /// Takes note of how a fingerprinted output was `written`.
    fn settle(
        &mut self,
        keeps: bool,
        fingerprint: Option<Fingerprint>,
        written: Result<Option<Bytes>, Diagnostic>,
    ) {
        match written {
            Ok(reused) => self.kept = KeptOutput::of(keeps, fingerprint, reused),
            Err(problem) => self.problem = Some(problem),
        }
    }
}

/// The fingerprint of a templated output other than a page, a list's posts fed to it by their
/// summaries' fingerprints: hashing the summaries themselves was 40 % of what a save hashed at
/// 10,000 posts.
fn output_fingerprint(renderer: &Renderer, templated: &mut Templated) -> Fingerprint {
    let listed = (templated.data.paginator.as_mut())
        .map(|paginator| std::mem::take(&mut paginator.pages))
        .unwrap_or_default();
    let prints: Vec<Fingerprint> = (listed.iter())
        .map(|summary| (summary.fingerprint).unwrap_or_else(|| fingerprint_of(0, summary)))
        .collect();
    let base = hash_of(&(renderer.globals, templated.template, prints));
    let fingerprint = fingerprint_of(base, &templated.data);
    if let Some(paginator) = templated.data.paginator.as_mut() {
        paginator.pages = listed;
    }
    fingerprint
}

/// The fingerprint of a page's data, its markdown's HTML and table of contents standing in by
/// `content`, the fingerprint of that render ([`PageMarkdown::fingerprint`]), rather than
/// hashed again on every render. Every other field is hashed as the template sees it.
fn page_fingerprint(
    renderer: &Renderer,
    templated: &mut Templated,
    content: Fingerprint,
) -> Fingerprint {
    let base = hash_of(&(renderer.globals, templated.template, content));
    let shown = (templated.data.page.as_mut()).map(|page| {
        (
            std::mem::take(&mut page.content),
            std::mem::take(&mut page.toc),
        )
    });
    let fingerprint = fingerprint_of(base, &templated.data);
    if let (Some(page), Some((html, toc))) = (templated.data.page.as_mut(), shown) {
        (page.content, page.toc) = (html, toc);
    }
    fingerprint
}
