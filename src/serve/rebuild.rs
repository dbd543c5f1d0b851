//! The rebuild policy of `serve`: after an edit, redo only what the edit can have changed, and
//! end with exactly the files a full build of the same inputs would make.
//!
//! Inputs are kept between builds and refreshed by what changed: one markdown file is re-read
//! and re-parsed; a template edit reloads the theme; a static edit re-reads that file. The
//! model is then rebuilt whole (it is cheap), and rendering reuses earlier work:
//! - a page's markdown HTML is reused while its text, URL and options are the same and every
//!   link in it still resolves to the same place ([`markdown_cache`]);
//! - an output file is made again only when what it is made from changed: pages, lists, feeds
//!   and the sitemap are fingerprinted, with a page's HTML standing in by its render's id
//!   ([`outputs`]); redirects and `robots.txt` are tiny and always made again.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{DefaultHasher, Hash};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use rayon::prelude::*;

use crate::build::BuildOptions;
use crate::config::{CONFIG_FILE, Config};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::walk::{SourceKind, kind_of};
use crate::load::{self, Loaded, Sources};
use crate::model::{self, ModelOptions};
use crate::render::Renderer;
use crate::render::context::{self, Summary, set_globals};
use crate::render::highlight::Highlighter;
use crate::render::theme::{TEMPLATE_DIR, Theme};
use crate::serve::state::Change;
use crate::write::memory::Bytes;

mod markdown_cache;
mod outputs;

use markdown_cache::{CachedMarkdown, render_markdown};
use outputs::{Disk, Made, Maker, page_fingerprint};

/// A file on disk as last read, so an unchanged one is not read again.
struct CachedFile {
    modified: Option<SystemTime>,
    len: u64,
    bytes: Bytes,
}

/// The outcome of one rebuild.
#[derive(Debug)]
pub struct Rebuilt {
    /// Every output file.
    pub files: BTreeMap<String, Bytes>,
    /// Warnings.
    pub warnings: Diagnostics,
    /// What the browser should do.
    pub change: Change,
    /// Output files that differ from the previous build.
    pub changed: Vec<String>,
    /// Pages whose markdown had to be rendered again.
    pub markdown_rendered: usize,
    /// Files whose template had to be rendered again.
    pub templates_rendered: usize,
}

/// Everything kept between rebuilds of one `serve` session.
pub struct Session {
    options: BuildOptions,
    highlighter: Highlighter,
    config: Result<Config, Diagnostics>,
    sources: Sources,
    load_problems: BTreeMap<String, Diagnostics>,
    walk_problems: Diagnostics,
    statics: Vec<String>,
    static_problems: Diagnostics,
    theme: Option<Result<Theme, Diagnostics>>,
    theme_generation: u64,
    markdown: HashMap<String, Arc<CachedMarkdown>>,
    /// The link index's fingerprint at the last render.
    links: Option<u64>,
    next_render_id: AtomicU64,
    outputs: HashMap<String, (u64, Bytes)>,
    files: HashMap<PathBuf, CachedFile>,
    last_good: BTreeMap<String, Bytes>,
}

impl Session {
    /// Reads the whole site; nothing is rendered yet.
    pub fn new(options: BuildOptions) -> Session {
        let mut session = Session {
            config: Config::load(&options.root),
            options,
            highlighter: Highlighter::new(),
            sources: Sources::default(),
            load_problems: BTreeMap::new(),
            walk_problems: Diagnostics::new(),
            statics: Vec::new(),
            static_problems: Diagnostics::new(),
            theme: None,
            theme_generation: 0,
            markdown: HashMap::new(),
            links: None,
            next_render_id: AtomicU64::new(1),
            outputs: HashMap::new(),
            files: HashMap::new(),
            last_good: BTreeMap::new(),
        };
        session.reload_content(&[PathBuf::new()]);
        session.reload_statics();
        session
    }

    /// The site folder.
    pub fn root(&self) -> &Path {
        &self.options.root
    }

    /// The files of the last build that succeeded (empty before the first).
    pub fn last_good(&self) -> &BTreeMap<String, Bytes> {
        &self.last_good
    }

    /// Takes note of edited paths (relative to the site root; an empty path means "anything")
    /// and renders the site again.
    pub fn rebuild(&mut self, changed: &[PathBuf]) -> Result<Rebuilt, Diagnostics> {
        let everything = changed.iter().any(|p| p.as_os_str().is_empty());
        let touches = |dir: &str| everything || changed.iter().any(|p| p.starts_with(dir));
        if everything || changed.iter().any(|p| p == Path::new(CONFIG_FILE)) {
            self.config = Config::load(&self.options.root);
            // Markdown options and highlight themes may have changed.
            self.markdown.clear();
            self.theme = None;
        }
        if touches(TEMPLATE_DIR) {
            self.theme = None;
        }
        if touches("content") {
            let content: Vec<PathBuf> = changed
                .iter()
                .filter_map(|p| p.strip_prefix("content").ok().map(Path::to_path_buf))
                .collect();
            let content = if everything {
                vec![PathBuf::new()]
            } else {
                content
            };
            self.reload_content(&content);
        }
        if touches("static") {
            self.reload_statics();
        }
        let stylesheet_only = !everything
            && !changed.is_empty()
            && changed.iter().all(|p| {
                p.starts_with(Path::new(TEMPLATE_DIR).join("assets"))
                    && p.extension().is_some_and(|e| e == "css")
            });
        self.render(stylesheet_only)
    }

    /// Re-walks `content/` and re-reads the markdown files under the given content-relative
    /// paths (an empty path: all of them), plus any new ones; drops deleted ones.
    fn reload_content(&mut self, changed: &[PathBuf]) {
        if self.reread_known(changed) {
            return;
        }
        let content_dir = self.options.root.join("content");
        let (files, problems) = load::walk::walk(&content_dir, &self.options.root);
        self.walk_problems = problems;
        let mut known: HashMap<String, Loaded> = HashMap::new();
        for doc in std::mem::take(&mut self.sources.pages) {
            known.insert(doc.rel.clone(), Loaded::Page(doc));
        }
        for doc in std::mem::take(&mut self.sources.sections) {
            known.insert(doc.rel.clone(), Loaded::Section(doc));
        }
        let stale = |rel: &str| {
            changed
                .iter()
                .any(|p| p.as_os_str().is_empty() || Path::new(rel).starts_with(p))
        };
        let markdown: Vec<&str> = files
            .iter()
            .filter(|f| f.kind != SourceKind::Asset)
            .map(|f| f.rel.as_str())
            .collect();
        let to_read: Vec<&str> = markdown
            .iter()
            .copied()
            .filter(|rel| {
                stale(rel) || !(known.contains_key(*rel) || self.load_problems.contains_key(*rel))
            })
            .collect();
        let read: Vec<(&str, Option<Loaded>, Diagnostics)> = to_read
            .par_iter()
            .map(|rel| {
                let (loaded, problems) = load::read_source(&self.options.root, rel);
                (*rel, loaded, problems)
            })
            .collect();
        for (rel, loaded, problems) in read {
            known.remove(rel);
            self.load_problems.insert(rel.to_string(), problems);
            if let Some(loaded) = loaded {
                known.insert(rel.to_string(), loaded);
            }
        }
        // Forget files that are gone.
        let present: HashSet<&str> = markdown.iter().copied().collect();
        self.load_problems
            .retain(|rel, _| present.contains(rel.as_str()));
        let mut sources = Sources::default();
        for rel in &markdown {
            match known.remove(*rel) {
                Some(Loaded::Page(doc)) => sources.pages.push(doc),
                Some(Loaded::Section(doc)) => sources.sections.push(doc),
                None => sources.failed.push(rel.to_string()),
            }
        }
        sources.assets = files
            .into_iter()
            .filter(|f| kind_of(&f.rel) == SourceKind::Asset)
            .map(|f| f.rel)
            .collect();
        self.sources = sources;
    }

    /// The common case of an edit: every changed path is a markdown file already known and
    /// still a regular file. Those are re-read in place, without walking `content/` again;
    /// returns false (doing nothing) for anything else, such as new, deleted or renamed files.
    fn reread_known(&mut self, changed: &[PathBuf]) -> bool {
        let content_dir = self.options.root.join("content");
        let mut rels = Vec::with_capacity(changed.len());
        for path in changed {
            let Some(rel) = path
                .to_str()
                .filter(|r| !r.is_empty() && kind_of(r) != SourceKind::Asset)
            else {
                return false;
            };
            let known = self.sources.pages.iter().any(|d| d.rel == rel)
                || self.sources.sections.iter().any(|d| d.rel == rel)
                || self.load_problems.contains_key(rel);
            let is_file =
                std::fs::symlink_metadata(content_dir.join(rel)).is_ok_and(|m| m.is_file());
            if !known || !is_file {
                return false;
            }
            rels.push(rel.to_string());
        }
        for rel in rels {
            let (loaded, problems) = load::read_source(&self.options.root, &rel);
            self.load_problems.insert(rel.clone(), problems);
            self.sources.pages.retain(|d| d.rel != rel);
            self.sources.sections.retain(|d| d.rel != rel);
            self.sources.failed.retain(|r| *r != rel);
            match loaded {
                Some(Loaded::Page(doc)) => insert_sorted(&mut self.sources.pages, doc),
                Some(Loaded::Section(doc)) => insert_sorted(&mut self.sources.sections, doc),
                None => {
                    self.sources.failed.push(rel);
                    self.sources.failed.sort();
                }
            }
        }
        true
    }

    fn reload_statics(&mut self) {
        let (statics, problems) = load::statics(&self.options.root);
        self.statics = statics;
        self.static_problems = problems;
    }

    /// Renders the site from the current inputs, reusing whatever is still valid.
    fn render(&mut self, stylesheet_only: bool) -> Result<Rebuilt, Diagnostics> {
        let mut problems = Diagnostics::new();
        let changed_files = self.refresh_files();
        let config = match &self.config {
            Ok(config) => config.clone(),
            Err(e) => {
                problems.extend(e.clone());
                Config::default()
            }
        };
        let mut config = config;
        if let Some(base_url) = &self.options.base_url {
            config.base_url = base_url.trim_end_matches('/').to_string();
        }
        problems.extend(self.walk_problems.clone());
        problems.extend(self.static_problems.clone());
        for p in self.load_problems.values() {
            problems.extend(p.clone());
        }
        let (site, model_problems) = model::build(
            config,
            self.sources.clone(),
            &self.statics,
            ModelOptions {
                drafts: self.options.drafts,
            },
        );
        problems.extend(model_problems);

        if self.theme.is_none() {
            self.theme = Some(Theme::load(&self.options.root, &site.config));
            self.theme_generation += 1;
        }
        let theme = match self.theme.as_mut() {
            Some(Ok(theme)) => theme,
            Some(Err(theme_problems)) => {
                problems.extend(theme_problems.clone());
                return Err(problems);
            }
            None => unreachable!("the theme was loaded above"),
        };
        let globals = set_globals(theme, &site);
        let generation = self.theme_generation;
        let renderer = Renderer::new(&site, theme, &self.highlighter, &self.options.root);

        let first_new_id = self.next_render_id.load(Ordering::Relaxed);
        // When every link target is where it was, no cached render can hold a stale link.
        let links = renderer.links_fingerprint();
        let links_unchanged = self.links == Some(links);
        self.links = Some(links);
        let rendered = render_markdown(
            &renderer,
            &mut self.markdown,
            &self.next_render_id,
            &changed_files,
            links_unchanged,
        );
        let markdown_rendered = rendered.iter().filter(|e| e.id >= first_new_id).count();
        for entry in &rendered {
            problems.extend(entry.problems.clone());
        }
        problems.extend(renderer.missing_templates());
        let summaries: Vec<Summary> = rendered
            .iter()
            .enumerate()
            .map(|(id, entry)| context::summary(&site, id, &entry.rendered))
            .collect();
        let (section_html, section_problems) = renderer.render_sections();
        problems.extend(section_problems);
        let feed_html: HashMap<usize, String> = renderer
            .feed_pages()
            .into_iter()
            .map(|id| (id, rendered[id].rendered.html.clone()))
            .collect();

        let fingerprint_base = {
            let mut h = DefaultHasher::new();
            (generation, globals).hash(&mut h);
            h
        };
        let previous = std::mem::take(&mut self.outputs);
        let page_prints: Vec<u64> = (0..site.pages.len())
            .into_par_iter()
            .map(|id| page_fingerprint(&site, id, &fingerprint_base, rendered[id].id))
            .collect();
        let maker = Maker {
            disk: Disk {
                root: &self.options.root,
                files: &self.files,
            },
            renderer: &renderer,
            rendered: &rendered,
            summaries: &summaries,
            section_html: &section_html,
            feed_html: &feed_html,
            base: &fingerprint_base,
            page_prints: &page_prints,
            previous: &previous,
            templates_rendered: AtomicU64::new(0),
        };
        let made: Vec<Result<Option<Made>, Diagnostic>> =
            site.outputs.par_iter().map(|o| maker.make(o)).collect();
        let templates_rendered = maker.templates_rendered.into_inner();
        let mut files = BTreeMap::new();
        let mut outputs = HashMap::with_capacity(made.len());
        for result in made {
            match result {
                Ok(Some((file, fingerprint, bytes))) => {
                    outputs.insert(file.clone(), (fingerprint, bytes.clone()));
                    files.insert(file, bytes);
                }
                Ok(None) => {}
                Err(d) => problems.push(d),
            }
        }
        for asset in &renderer.theme.assets {
            files.insert(asset.file.clone(), Bytes::from(asset.bytes.as_slice()));
        }
        let stylesheet = renderer
            .theme
            .asset("style.css")
            .map(|a| Change::Stylesheet {
                href: a.url.clone(),
                integrity: a.integrity.clone(),
            });
        drop(renderer);
        // Keep what was made even when the build failed: it is still valid work for next time.
        self.outputs = outputs;
        if problems.has_errors() {
            return Err(problems);
        }
        let changed: Vec<String> = files
            .iter()
            .filter(|(file, bytes)| self.last_good.get(*file) != Some(*bytes))
            .map(|(file, _)| file.clone())
            .chain(
                self.last_good
                    .keys()
                    .filter(|f| !files.contains_key(*f))
                    .cloned(),
            )
            .collect();
        let change = match stylesheet {
            Some(change) if stylesheet_only => change,
            _ => Change::Reload,
        };
        self.last_good = files.clone();
        Ok(Rebuilt {
            files,
            warnings: problems,
            change,
            changed,
            markdown_rendered,
            templates_rendered: templates_rendered as usize,
        })
    }

    /// Re-reads the content assets and static files whose size or time changed; returns them.
    fn refresh_files(&mut self) -> HashSet<PathBuf> {
        let mut changed = HashSet::new();
        let mut paths: Vec<PathBuf> = Vec::new();
        for rel in &self.sources.assets {
            paths.push(self.options.root.join("content").join(rel));
        }
        for rel in &self.statics {
            paths.push(self.options.root.join("static").join(rel));
        }
        let mut files = HashMap::with_capacity(paths.len());
        for path in paths {
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let cached = match self.files.remove(&path) {
                Some(c) if c.modified == meta.modified().ok() && c.len == meta.len() => c,
                _ => match std::fs::read(&path) {
                    Ok(bytes) => {
                        changed.insert(path.clone());
                        CachedFile {
                            modified: meta.modified().ok(),
                            len: meta.len(),
                            bytes: Bytes::from(bytes),
                        }
                    }
                    Err(_) => continue,
                },
            };
            files.insert(path, cached);
        }
        self.files = files;
        changed
    }
}

/// Keeps sources in path order, as a full load lists them.
fn insert_sorted<F>(docs: &mut Vec<load::Document<F>>, doc: load::Document<F>) {
    let at = docs.partition_point(|d| d.rel < doc.rel);
    docs.insert(at, doc);
}
