//! Stage 2, model: pages, sections, taxonomies, ordering, and every file the site will hold.
//!
//! The model is built from loaded sources in one pass and is then read-only: rendering gets
//! shared references to it, never copies of it.

pub mod ids;
pub mod order;
pub mod related;
pub mod routes;
pub mod schedule;
pub mod sections;
pub mod taxonomy;
pub mod typography;
pub mod url;

use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostic::Diagnostics;
use crate::load::date::PostDate;
use crate::load::front_matter::SortBy;
use crate::load::{PageDoc, SectionDoc, Sources};
pub use ids::{Id, IdVec, ListId, PageId, SectionId, TaxonomyId, TermId};
pub use routes::{FeedFormat, List, ListKind, Output, Route};
pub use schedule::{Future, Held, Schedule};
pub use taxonomy::{Taxonomy, TaxonomyKind, Term, TermRef};

/// A page: one markdown file and where it will live.
#[derive(Debug, Clone)]
pub struct Page {
    /// The loaded source.
    pub source: PageDoc,
    /// Root-relative URL, such as `/blog/x/`.
    pub url: String,
    /// The section the page belongs to.
    pub section: SectionId,
    /// For a page bundle (`x/index.md`), its content-relative folder, such as `blog/x`.
    pub bundle: Option<String>,
    /// The title, or a readable form of the slug when front matter gives none.
    pub title: String,
    /// When it was published.
    pub date: Option<PostDate>,
    /// When it was last changed.
    pub updated: Option<PostDate>,
    /// Its tags, in front matter order, without repeats.
    pub tags: Vec<TermRef>,
    /// Its categories, in front matter order, without repeats.
    pub categories: Vec<TermRef>,
    /// The series it is a part of.
    pub series: Option<TermRef>,
    /// For a post, the posts most like it, best first ([`related`]).
    pub related: Vec<PageId>,
    /// The older neighbour in its section.
    pub previous: Option<PageId>,
    /// The newer neighbour in its section.
    pub next: Option<PageId>,
    /// URLs that redirect here.
    pub aliases: Vec<String>,
    /// The template that renders it.
    pub template: String,
    /// True for posts: pages the home page lists.
    pub is_post: bool,
    /// Dated after the build and kept only to be previewed (`serve`), marked as such.
    pub scheduled: bool,
}

impl Page {
    /// The content-relative path of the page's source file.
    pub fn rel(&self) -> &str {
        &self.source.rel
    }

    /// `updated` if set, else `date`: when the page last changed.
    pub fn last_modified(&self) -> Option<PostDate> {
        self.updated.or(self.date)
    }
}

/// A section: a folder of pages with an optional `_index.md`.
#[derive(Debug, Clone)]
pub struct Section {
    /// Content-relative folder; empty for the root.
    pub dir: String,
    /// Root-relative URL, such as `/blog/`.
    pub url: String,
    /// The `_index.md`, if there is one.
    pub source: Option<SectionDoc>,
    /// The title from `_index.md`, else the folder name.
    pub title: String,
    /// The parent section; `None` for the root.
    pub parent: Option<SectionId>,
    /// Pages directly in this section, in the section's order.
    pub pages: Vec<PageId>,
    /// Pages in this section and every section below it, in the section's order.
    pub all_pages: Vec<PageId>,
    /// Child sections.
    pub children: Vec<SectionId>,
    /// How the pages are ordered.
    pub sort_by: SortBy,
    /// Pages per list page; 0 for one page.
    pub paginate_by: usize,
    /// The template for its list.
    pub template: String,
}

/// The whole site, ready to render.
#[derive(Debug, Clone)]
pub struct Site {
    /// `site.toml`.
    pub config: Config,
    /// Every published page.
    pub pages: IdVec<PageId, Page>,
    /// Every section; the root is first.
    pub sections: IdVec<SectionId, Section>,
    /// Tags, categories, then series.
    pub taxonomies: IdVec<TaxonomyId, Taxonomy>,
    /// The posts the home page and the site feeds list, newest first.
    pub posts: Vec<PageId>,
    /// Every list of pages that gets list pages: the home page, sections, taxonomy terms.
    pub lists: IdVec<ListId, List>,
    /// Every file the build writes, in a stable order.
    pub outputs: Vec<Output>,
    /// Markdown files that failed to load: links to them are not reported again as broken.
    pub failed_sources: Vec<String>,
    /// Pages the schedule left out: dated after the build, or expired.
    pub held: Held,
}

impl Site {
    /// The root section, `content/` itself.
    pub fn root(&self) -> &Section {
        &self.sections[SectionId::ROOT]
    }

    /// A term of one of the taxonomies.
    pub fn term(&self, term: TermRef) -> &Term {
        &self.taxonomies[term.taxonomy].terms[term.term]
    }

    /// The taxonomy a term belongs to.
    pub fn taxonomy_of(&self, term: TermRef) -> &Taxonomy {
        &self.taxonomies[term.taxonomy]
    }
}

/// Options that change what goes into the model.
#[derive(Debug, Clone, Copy, Default)]
pub struct ModelOptions<'m> {
    /// Keep pages marked `draft`.
    pub drafts: bool,
    /// What becomes of pages dated after the build, and of expired ones.
    pub schedule: Schedule,
    /// Keep each post's word counts with its document, for a later model of the same
    /// documents to reuse ([`related`]); a one-off build has no use for the memory.
    pub keep_word_counts: bool,
    /// The last finding of related posts, to score again only the posts an edit can have
    /// changed since, and to keep this one in.
    pub related: Option<&'m related::RelatedMemo>,
}

/// Builds the site model from loaded sources and the names of the files under `static/`.
pub fn build(
    config: Config,
    sources: Sources,
    statics: &[String],
    options: ModelOptions<'_>,
) -> (Site, Diagnostics) {
    let mut problems = Diagnostics::new();
    let Sources {
        pages: page_docs,
        sections: section_docs,
        assets,
        failed,
    } = sources;
    // On every thread: it reads every page's front matter, on every save of `serve`.
    let page_docs: Vec<PageDoc> = page_docs
        .into_par_iter()
        .filter(|doc| options.drafts || !doc.front.draft)
        .collect();
    let (page_docs, held) = options.schedule.apply(page_docs);
    let (mut sections, mut pages) =
        sections::place(&config, page_docs, section_docs, &mut problems);
    if options.schedule.future == Future::Mark {
        for page in pages.iter_mut() {
            page.scheduled = options.schedule.is_future(page.date);
        }
    }
    order::sort_sections(&mut sections, &pages);
    problems.extend(order::unknown_main_sections(&config, &sections));
    order::link_neighbours(&sections, &mut pages);
    let taxonomies = taxonomy::collect(&mut pages);
    let posts = order::main_posts(&config, &sections, &pages);
    for &id in &posts {
        pages[id].is_post = true;
    }
    let lists = routes::lists(&config, &sections, &taxonomies, &posts);
    let mut site = Site {
        config,
        pages,
        sections,
        taxonomies,
        posts,
        lists,
        outputs: Vec::new(),
        failed_sources: failed,
        held,
    };
    // Neither needs the other, and each was a tenth of a save's rebuild at 10,000 posts.
    let (related, outputs) = rayon::join(
        || {
            (site.config.build.related_posts).then(|| {
                let keep = options.keep_word_counts;
                related::find_all(&site.pages, &site.taxonomies, keep, options.related)
            })
        },
        || routes::outputs(&site, &assets, statics, &mut problems),
    );
    site.outputs = outputs;
    if let Some(related) = related {
        related.link(&mut site.pages);
    }
    (site, problems)
}
