//! The inputs of a `serve` session, kept between rebuilds and refreshed by what changed: one
//! edited markdown file is re-read and re-parsed, not the whole of `content/`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostic::Diagnostics;
use crate::load::walk::{SourceKind, kind_of};
use crate::load::{self, Loaded, Sources};

/// Everything read from the site's folder, as of the last rebuild.
pub(super) struct Inputs {
    root: PathBuf,
    /// `site.toml`, or its problems.
    pub(super) config: Result<Config, Diagnostics>,
    /// Every markdown file that loaded, and the content assets.
    pub(super) sources: Sources,
    /// Each markdown file's problems, by content-relative path.
    load_problems: BTreeMap<String, Diagnostics>,
    walk_problems: Diagnostics,
    /// The files under `static/`.
    pub(super) statics: Vec<String>,
    static_problems: Diagnostics,
}

impl Inputs {
    /// Reads the whole site at `root`.
    pub(super) fn read(root: &Path) -> Inputs {
        let mut inputs = Inputs {
            root: root.to_path_buf(),
            config: Config::load(root),
            sources: Sources::default(),
            load_problems: BTreeMap::new(),
            walk_problems: Diagnostics::new(),
            statics: Vec::new(),
            static_problems: Diagnostics::new(),
        };
        inputs.reload_content(&[PathBuf::new()]);
        inputs.reload_statics();
        inputs
    }

    /// The files a build copies: content assets and `static/`, by path on disk.
    pub(super) fn copied<'i>(&'i self, root: &'i Path) -> impl Iterator<Item = PathBuf> + 'i {
        let assets = self.sources.assets.iter();
        let statics = self.statics.iter();
        (assets.map(|rel| root.join("content").join(rel)))
            .chain(statics.map(|rel| root.join("static").join(rel)))
    }

    /// Every problem found reading the inputs.
    pub(super) fn problems(&self) -> Diagnostics {
        let mut problems = self.walk_problems.clone();
        problems.extend(self.static_problems.clone());
        for p in self.load_problems.values() {
            problems.extend(p.clone());
        }
        problems
    }

    /// Reads `site.toml` again.
    pub(super) fn reload_config(&mut self) {
        self.config = Config::load(&self.root);
    }

    /// Lists `static/` again.
    pub(super) fn reload_statics(&mut self) {
        let (statics, problems) = load::statics(&self.root);
        self.statics = statics;
        self.static_problems = problems;
    }

    /// Re-walks `content/` and re-reads the markdown files under the given content-relative
    /// paths (an empty path: all of them), plus any new ones; drops deleted ones.
    pub(super) fn reload_content(&mut self, changed: &[PathBuf]) {
        if self.reread_known(changed) {
            return;
        }
        let content = self.root.join("content");
        let (files, problems) = load::walk::walk(&content, &self.root, load::walk::Tree::Content);
        self.walk_problems = problems;
        let markdown: Vec<&str> = files
            .iter()
            .filter(|f| f.kind != SourceKind::Asset)
            .map(|f| f.rel.as_str())
            .collect();
        let mut known = self.take_known();
        let stale = |rel: &str| {
            changed
                .iter()
                .any(|p| p.as_os_str().is_empty() || Path::new(rel).starts_with(p))
        };
        let to_read: Vec<&str> = markdown
            .iter()
            .copied()
            .filter(|rel| {
                stale(rel) || !(known.contains_key(*rel) || self.load_problems.contains_key(*rel))
            })
            .collect();
        for (rel, loaded, problems) in self.read_all(&to_read) {
            let earlier = known.remove(rel);
            self.load_problems.insert(rel.to_string(), problems);
            if let Some(loaded) = loaded {
                known.insert(rel.to_string(), same_or_new(earlier, loaded));
            }
        }
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

    /// The documents loaded so far, by path, taken out of the sources.
    fn take_known(&mut self) -> HashMap<String, Loaded> {
        let mut known = HashMap::new();
        for doc in std::mem::take(&mut self.sources.pages) {
            known.insert(doc.rel.clone(), Loaded::Page(doc));
        }
        for doc in std::mem::take(&mut self.sources.sections) {
            known.insert(doc.rel.clone(), Loaded::Section(doc));
        }
        known
    }

    /// The document at `rel`, taken out of the sources, if there is one.
    fn take_one(&mut self, rel: &str) -> Option<Loaded> {
        let sources = &mut self.sources;
        if let Some(at) = sources.pages.iter().position(|d| d.rel == rel) {
            return Some(Loaded::Page(sources.pages.remove(at)));
        }
        let at = sources.sections.iter().position(|d| d.rel == rel)?;
        Some(Loaded::Section(sources.sections.remove(at)))
    }

    fn read_all<'r>(&self, rels: &[&'r str]) -> Vec<(&'r str, Option<Loaded>, Diagnostics)> {
        rels.par_iter()
            .map(|rel| {
                let (loaded, problems) = load::read_source(&self.root, rel);
                (*rel, loaded, problems)
            })
            .collect()
    }

    /// The common case of an edit: every changed path is a markdown file already known and
    /// still a regular file. Those are re-read in place, without walking `content/` again;
    /// returns false (doing nothing) for anything else, such as new, deleted or renamed files.
    fn reread_known(&mut self, changed: &[PathBuf]) -> bool {
        let content_dir = self.root.join("content");
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
            let (loaded, problems) = load::read_source(&self.root, &rel);
            self.load_problems.insert(rel.clone(), problems);
            let earlier = self.take_one(&rel);
            self.sources.failed.retain(|r| *r != rel);
            match loaded.map(|loaded| same_or_new(earlier, loaded)) {
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
}

/// The document read before, `earlier`, when `now` reads the same: it keeps what was worked
/// out from it (its word counts, its text's hash) and its text's allocation, by which a kept
/// render knows its text unchanged without comparing it. Reading every file again as the
/// watch began gave every page a new one, and every save after compared every text.
fn same_or_new(earlier: Option<Loaded>, now: Loaded) -> Loaded {
    match (earlier, now) {
        (Some(Loaded::Page(earlier)), Loaded::Page(now)) if earlier == now => Loaded::Page(earlier),
        (Some(Loaded::Section(earlier)), Loaded::Section(now)) if earlier == now => {
            Loaded::Section(earlier)
        }
        (_, now) => now,
    }
}

/// Keeps sources in path order, as a full load lists them.
fn insert_sorted<F>(docs: &mut Vec<load::Document<F>>, doc: load::Document<F>) {
    let at = docs.partition_point(|d| d.rel < doc.rel);
    docs.insert(at, doc);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(root: &Path, name: &str, body: &str) {
        let path = root.join("content/blog").join(name);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("folders");
        std::fs::write(path, format!("---\ntitle: {name}\n---\n{body}\n")).expect("a post");
    }

    fn page<'i>(inputs: &'i Inputs, rel: &str) -> &'i load::PageDoc {
        let found = inputs.sources.pages.iter().find(|d| d.rel == rel);
        found.expect("the page is loaded")
    }

    /// Serve reads every file again as its watch begins: a file read the same keeps its
    /// document, so its kept render is known unchanged by its text's allocation and its word
    /// counts are not counted again.
    #[test]
    fn a_file_read_again_unchanged_keeps_its_document() {
        let dir = tempfile::tempdir().expect("temp dir");
        post(dir.path(), "a.md", "Alpha words.");
        post(dir.path(), "b.md", "Beta words.");
        let mut inputs = Inputs::read(dir.path());
        let before = |inputs: &Inputs, rel| {
            let doc = page(inputs, rel);
            doc.words.set(crate::words::WordCounts::default());
            (doc.words.clone(), doc.body.held().cloned().expect("held"))
        };
        let (a_words, a_text) = before(&inputs, "blog/a.md");
        let (b_words, _) = before(&inputs, "blog/b.md");
        post(dir.path(), "b.md", "Beta words, edited.");
        inputs.reload_content(&[PathBuf::new()]);
        let a = page(&inputs, "blog/a.md");
        assert!(a.words.same_as(&a_words));
        assert!(std::sync::Arc::ptr_eq(
            a.body.held().expect("held"),
            &a_text
        ));
        assert!(!page(&inputs, "blog/b.md").words.same_as(&b_words));

        let (a_words, _) = before(&inputs, "blog/a.md");
        inputs.reload_content(&[PathBuf::from("blog/a.md")]);
        assert!(page(&inputs, "blog/a.md").words.same_as(&a_words));
        post(dir.path(), "a.md", "Alpha words, edited.");
        inputs.reload_content(&[PathBuf::from("blog/a.md")]);
        assert!(!page(&inputs, "blog/a.md").words.same_as(&a_words));
    }
}
