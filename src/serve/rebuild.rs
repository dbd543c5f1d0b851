//! The rebuild policy of `serve`: after an edit, redo only what the edit can have changed, and
//! end with exactly the files a full build of the same inputs would make.
//!
//! Inputs are kept between builds and refreshed by what changed ([`inputs`]); the model is
//! rebuilt whole (it is cheap); then the site is rendered by the same driver as `build`,
//! [`render_site`], which takes from [`cache`] the markdown and the output files that are
//! still valid, and copies files from [`files`], which re-reads only what changed on disk.

mod cache;
mod files;
mod inputs;

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::aside::drop_aside;
use crate::build::{self, BuildOptions};
use crate::compress::CompressPolicy;
use crate::config::CONFIG_FILE;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::images::{Images, ImagesConfig};
use crate::load::counted::StoredCounts;
use crate::model::Site;
use crate::model::related::RelatedMemo;
use crate::render::highlight::Highlighter;
use crate::render::theme::{ASSET_DIR, TEMPLATE_DIR, Theme};
use crate::render::{Inputs as RenderInputs, render_site};
use crate::serve::state::{Change, OutputFiles};
use crate::store::Stamp;
use crate::write::memory::Bytes;
use cache::Cache;
use files::{Files, PreviewSink};
use inputs::Inputs;

/// The outcome of one rebuild.
#[derive(Debug)]
pub struct Rebuilt {
    /// Every output file.
    pub files: OutputFiles,
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
    /// Which files are sent gzip-encoded, from this build's `[deploy] compress`.
    pub compress: CompressPolicy,
}

/// Everything kept between rebuilds of one `serve` session.
pub struct Session {
    options: BuildOptions,
    highlighter: Highlighter,
    /// What was read of the site, from the first rebuild on.
    inputs: Option<Inputs>,
    /// The compiled theme, until a template or `site.toml` changes.
    theme: Option<Result<Theme, Diagnostics>>,
    cache: Cache,
    /// The last finding of related posts, so a save scores again only the posts it can change.
    related: RelatedMemo,
    files: Files,
    last_good: OutputFiles,
    /// Image work, kept across rebuilds while `[images]` and the cache folder stay the same.
    images: Option<HeldImages>,
}

/// Image work and what it was made for.
struct HeldImages {
    config: ImagesConfig,
    cache_dir: PathBuf,
    images: Images,
}

impl Session {
    /// A session that reads the whole site on its first rebuild, whatever that rebuild is told
    /// changed. Its models keep each post's word counts, so a rebuild counts only the posts it
    /// read again.
    pub fn new(mut options: BuildOptions) -> Session {
        options.keep_word_counts = true;
        Session {
            inputs: None,
            options,
            highlighter: Highlighter::new(),
            theme: None,
            cache: Cache::default(),
            related: RelatedMemo::default(),
            files: Files::default(),
            images: None,
            last_good: OutputFiles::default(),
        }
    }

    /// The site folder.
    pub fn root(&self) -> &Path {
        &self.options.root
    }

    /// Records what the session rendered in the build cache, for the next session or build to
    /// start from; the warning that gave, if any. A session dropped without ending records it
    /// all the same, quietly.
    pub fn end(&mut self) -> Option<Diagnostic> {
        let warning = self.cache.end_stored()?;
        Some(Diagnostic::warning(warning).help(build::CACHE_HELP))
    }

    /// The files of the last build that succeeded (empty before the first).
    pub fn last_good(&self) -> &OutputFiles {
        &self.last_good
    }

    /// Takes note of edited paths (relative to the site root; an empty path means "anything")
    /// and renders the site again.
    pub fn rebuild(&mut self, changed: &[PathBuf]) -> Result<Rebuilt, Diagnostics> {
        let Some(inputs) = &mut self.inputs else {
            // Nothing was read yet, so everything will be.
            return self.render(false);
        };
        let everything = changed.iter().any(|p| p.as_os_str().is_empty());
        let touches = |dir: &str| everything || changed.iter().any(|p| p.starts_with(dir));
        if everything || changed.iter().any(|p| p == Path::new(CONFIG_FILE)) {
            inputs.reload_config();
            self.theme = None;
        }
        if touches(TEMPLATE_DIR) {
            self.theme = None;
        }
        if touches("content") {
            let content: Vec<PathBuf> = if everything {
                vec![PathBuf::new()]
            } else {
                changed
                    .iter()
                    .filter_map(|p| p.strip_prefix("content").ok().map(Path::to_path_buf))
                    .collect()
            };
            inputs.reload_content(&content);
        }
        if touches("static") {
            inputs.reload_statics();
        }
        let stylesheet_only = !everything
            && !changed.is_empty()
            && changed.iter().all(|p| {
                p.starts_with(Path::new(TEMPLATE_DIR).join(ASSET_DIR))
                    && p.extension().is_some_and(|e| e == "css")
            });
        self.render(stylesheet_only)
    }

    /// The model of the current inputs, with every problem found reading and modelling them;
    /// on a session's `first` model, its posts start from the word counts an earlier build or
    /// session kept (counting them all was an eighth of the CPU of a start), and keep them for
    /// the next start.
    fn model(
        inputs: &Inputs,
        options: &BuildOptions,
        related: &RelatedMemo,
        first: bool,
    ) -> (Site, Diagnostics) {
        let mut problems = inputs.problems();
        let (config, config_problems) = build::settings(inputs.config.clone(), options);
        problems.extend(config_problems);
        // A site.toml with errors fails the build anyway: its counts wait for the next start.
        let mut counts = (first && options.cache && inputs.config.is_ok()).then(|| {
            let cache_dir = build::cache_dir(&config, &options.root);
            StoredCounts::open(&cache_dir, Stamp::of_this_build())
        });
        if let Some(counts) = &mut counts {
            counts.fill(&inputs.sources);
        }
        let (site, model_problems) = build::model_site(
            config,
            inputs.sources.par_clone(),
            &inputs.statics,
            options,
            Some(related),
        );
        problems.extend(model_problems);
        if let Some(counts) = &mut counts {
            problems.extend(build::keep_counts(counts, &site));
        }
        (site, problems)
    }

    /// Renders the site from the current inputs (reading the whole site the first time),
    /// reusing whatever is still valid.
    fn render(&mut self, stylesheet_only: bool) -> Result<Rebuilt, Diagnostics> {
        let root = self.options.root.clone();
        let first = self.inputs.is_none();
        let inputs = self.inputs.get_or_insert_with(|| Inputs::read(&root));
        let changed_files = self.files.refresh(inputs.copied(&root));
        let (site, mut problems) = Session::model(inputs, &self.options, &self.related, first);
        let theme = self
            .theme
            .get_or_insert_with(|| Theme::load(&root, &site.config));
        let theme = match theme {
            Ok(theme) => theme,
            Err(theme_problems) => {
                problems.extend(theme_problems.clone());
                return Err(problems);
            }
        };
        let cache_dir = build::cache_dir(&site.config, &root);
        let stored = (self.options.cache).then(|| cache_dir.clone());
        if let Some(warning) = self.cache.prepare(changed_files, stored) {
            problems.push(Diagnostic::warning(warning).help(build::CACHE_HELP));
        }
        let images = held_images(&mut self.images, &site, &root, cache_dir);
        let sink = PreviewSink::new(&self.files);
        let inputs = RenderInputs {
            site: &site,
            theme,
            highlighter: &self.highlighter,
            root: &root,
            images,
            csp_blocks_fail: false,
        };
        let report = render_site(inputs, &sink, &self.cache);
        // Only `check` and `build` read the pages' links: they are freed off the save's path
        // (freeing them here took 3 ms of every save when each held its page's path).
        drop_aside(report.markdown_links);
        problems.extend(report.diagnostics);
        if let Some(warning) = self.cache.finish_stored() {
            problems.push(Diagnostic::warning(warning).help(build::CACHE_HELP));
        }
        let files = OutputFiles::new(sink.into_files());
        self.cache.remember(report.kept, &files);
        let compress = CompressPolicy::new(&site.config.deploy.compress);
        drop_aside(site);
        if problems.has_errors() {
            return Err(problems);
        }
        let change = change_of(theme, stylesheet_only);
        let changed = changed_files_between(&self.last_good, &files);
        self.last_good = Arc::clone(&files);
        Ok(Rebuilt {
            files,
            warnings: problems,
            change,
            changed,
            markdown_rendered: report.markdown_rendered,
            templates_rendered: report.templates_rendered,
            compress,
        })
    }
}

/// The image work of a rebuild: the one held, while `[images]` and the cache folder stay the
/// same.
fn held_images<'h>(
    held: &'h mut Option<HeldImages>,
    site: &Site,
    root: &Path,
    cache_dir: PathBuf,
) -> &'h Images {
    let kept = match held.take() {
        Some(kept) if kept.config == site.config.images && kept.cache_dir == cache_dir => kept,
        _ => HeldImages {
            images: build::images_for(&site.config, root).keeping_cards(),
            config: site.config.images.clone(),
            cache_dir,
        },
    };
    &held.insert(kept).images
}

/// What the browser is told: to swap the stylesheet when only it was edited, else to reload.
fn change_of(theme: &Theme, stylesheet_only: bool) -> Change {
    match theme.asset("style.css") {
        Some(style) if stylesheet_only => Change::Stylesheet {
            href: style.url.clone(),
            integrity: style.integrity.clone(),
        },
        _ => Change::Reload,
    }
}

/// Output files that differ between two builds, or that only one of them has, in path order.
fn changed_files_between(
    before: &BTreeMap<String, Bytes>,
    after: &BTreeMap<String, Bytes>,
) -> Vec<String> {
    // An output kept from the build before is the same allocation: comparing pointers first
    // spares comparing every page's bytes (170 MB at 10,000 posts) after every save. Both
    // maps are walked side by side, in path order, rather than each path looked up in the
    // other map.
    let same = |a: &Bytes, b: &Bytes| Arc::ptr_eq(a, b) || a == b;
    let mut changed = Vec::new();
    let (mut before, mut after) = (before.iter().peekable(), after.iter().peekable());
    loop {
        let order = match (before.peek(), after.peek()) {
            (Some((was, _)), Some((is, _))) => was.cmp(is),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => return changed,
        };
        match order {
            Ordering::Less => changed.extend(before.next().map(|(file, _)| file.clone())),
            Ordering::Greater => changed.extend(after.next().map(|(file, _)| file.clone())),
            Ordering::Equal => {
                if let (Some((_, was)), Some((file, is))) = (before.next(), after.next())
                    && !same(was, is)
                {
                    changed.push(file.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(named: &[(&str, &Bytes)]) -> BTreeMap<String, Bytes> {
        (named.iter())
            .map(|(file, bytes)| (file.to_string(), Bytes::clone(bytes)))
            .collect()
    }

    #[test]
    fn changed_files_are_those_added_removed_or_with_other_bytes() {
        let bytes = |text: &str| Bytes::from(text.as_bytes());
        let (kept, old, new) = (bytes("kept"), bytes("old"), bytes("new"));
        let (same, same_again, gone, added) = (
            bytes("same bytes"),
            bytes("same bytes"),
            bytes("x"),
            bytes("added"),
        );
        let before = files(&[("a", &kept), ("b", &old), ("c", &same), ("gone", &gone)]);
        let after = files(&[("a", &kept), ("b", &new), ("c", &same_again), ("d", &added)]);
        assert_eq!(changed_files_between(&before, &after), ["b", "d", "gone"]);
        assert_eq!(changed_files_between(&after, &after), Vec::<String>::new());
        assert_eq!(
            changed_files_between(&BTreeMap::new(), &after),
            ["a", "b", "c", "d"]
        );
    }
}
