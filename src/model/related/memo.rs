//! What one finding of related posts was made from and what it found, so that the next
//! finding scores again only the posts an edit can have changed: `serve` models the whole
//! site after every save, and a save changes one post of thousands.
//!
//! A post's related posts are a function of its telling words, its tags and series, the
//! postings of those words and tags, and the ranking facts of the posts they lead to (date,
//! URL, series). While no post's [shape](shape_of) changed, every tag's postings and every
//! ranking fact are as they were, and a post whose telling words, and the postings of each
//! of them, are as they were has the related posts it had. Weights are compared bit for bit:
//! a score is a sum of products of them, and any change could reorder a ranking.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::sync::Mutex;

use rayon::prelude::*;

use super::{
    Counted, Counting, Post, PostWords, TITLE_WEIGHT, Told, UseWeights, counts, rarity_of,
    telling_words,
};
use crate::model::ids::{IdVec, PageId, TaxonomyId};
use crate::model::{Page, Taxonomy};
use crate::store::{Fingerprint, hash_of};
use crate::words::{ByWord, Tally, Word, WordCounts, WordHasher};

/// The postings of telling words: for each word, the places of the posts it leads to, with
/// its weight in each.
pub(super) type Postings = ByWord<Vec<(usize, f32)>>;

/// A set of words.
type WordSet = HashSet<Word, BuildHasherDefault<WordHasher>>;

/// The last finding of related posts, kept between models of one site. Emptying it is
/// always safe: the next finding then scores every post.
#[derive(Default)]
pub struct RelatedMemo {
    last: Mutex<Option<Found>>,
}

impl std::fmt::Debug for RelatedMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelatedMemo").finish_non_exhaustive()
    }
}

/// One finding: what it was made from and what it found, each by the post's place in the
/// list of posts.
pub(super) struct Found {
    /// Each post's [shape](shape_of).
    pub shapes: Vec<Fingerprint>,
    /// What the rarity of words was worked out from.
    pub counting: Counting,
    /// Each post's telling words and their weights.
    pub words: Vec<Vec<(Word, f32)>>,
    /// The postings of every telling word, as scoring read them.
    pub postings: Postings,
    /// Each post's related posts, best first.
    pub related: Vec<Vec<PageId>>,
}

impl RelatedMemo {
    /// The last finding, taken out: a finding that fails midway leaves none behind.
    pub(super) fn take(&self) -> Option<Found> {
        crate::sync::lock(&self.last).take()
    }

    /// Keeps `found` for the next finding.
    pub(super) fn keep(&self, found: Found) {
        *crate::sync::lock(&self.last) = Some(found);
    }
}

/// A fingerprint of everything about post `id` that its related posts, or those of any post
/// scoring it, depend on besides words: its place's page, URL, date, tags, and series with
/// every part of it.
pub(super) fn shape_of(
    pages: &IdVec<PageId, Page>,
    taxonomies: &IdVec<TaxonomyId, Taxonomy>,
    id: PageId,
) -> Fingerprint {
    let page = &pages[id];
    let parts: &[PageId] = match page.series {
        Some(series) => &taxonomies[series.taxonomy].terms[series.term].pages,
        None => &[],
    };
    hash_of(&(id, &page.url, page.date, &page.tags, page.series, parts))
}

impl Found {
    /// Every post's telling words, worked out again only for the posts whose counts changed
    /// since this finding and the posts using a word whose rarity changed with them; `None`
    /// when this finding cannot tell (it kept no counts). Takes this finding's counting.
    pub(super) fn recount(&mut self, pages: &IdVec<PageId, Page>, ids: &[PageId]) -> Option<Told> {
        let mut counting = std::mem::take(&mut self.counting);
        let changed: Vec<bool> = (ids.iter().zip(&counting.counted))
            .map(|(&id, was)| {
                let page = &pages[id];
                !(was.body.same_as(&page.source.words) && was.title == page.title)
            })
            .collect();
        if counting.counted.len() != ids.len()
            || (changed.iter().zip(&counting.counted))
                .any(|(&c, was)| c && was.body.get().is_none())
        {
            return None;
        }
        let moved = counting.recount(pages, ids, &changed);
        let uses = UseWeights::new();
        let rarity = &counting.rarity;
        let words = (0..ids.len())
            .into_par_iter()
            .map_init(Tally::default, |tally, at| {
                let page = &pages[ids[at]];
                if changed[at] || uses_any(page, &moved, tally) {
                    telling_words(counts(page, true, tally).iter(), rarity, &uses)
                } else {
                    self.words[at].clone()
                }
            })
            .collect();
        Some(Told { words, counting })
    }

    /// Which posts must be scored again, by place, for `posts` (of this finding's shapes)
    /// with `postings`.
    pub(super) fn stale(&self, posts: &[Post], postings: &Postings) -> Vec<bool> {
        let mut stale: Vec<bool> = (posts.iter().zip(&self.words))
            .map(|(post, words)| !same_weights(&post.words, words))
            .collect();
        let mut moved = WordSet::default();
        for (at, _) in stale.iter().enumerate().filter(|(_, stale)| **stale) {
            let words = posts[at].words.iter().chain(&self.words[at]);
            for &(word, _) in words {
                let (now, then) = (postings.get(&word), self.postings.get(&word));
                let same = match (now, then) {
                    (Some(now), Some(then)) => same_postings(now, then),
                    (None, None) => true,
                    _ => false,
                };
                if !same {
                    moved.insert(word);
                }
            }
        }
        if !moved.is_empty() {
            for (post, stale) in posts.iter().zip(stale.iter_mut()) {
                *stale = *stale || post.words.iter().any(|(word, _)| moved.contains(word));
            }
        }
        stale
    }
}

/// True when `page`, a post whose body's counts are kept, uses any of `words`. A handful of
/// words (what a save usually moves) are each looked up in its sorted counts; with more, each
/// of its words is looked up among them.
fn uses_any(page: &Page, words: &WordSet, tally: &mut Tally) -> bool {
    const LOOKED_UP: usize = 32;
    if words.is_empty() {
        return false;
    }
    tally.add(&page.title, TITLE_WEIGHT);
    let title = tally.take();
    let body = page.source.words.get();
    if words.len() <= LOOKED_UP {
        let uses = |word: &Word| title.contains(*word) || body.is_some_and(|b| b.contains(*word));
        return words.iter().any(uses);
    }
    let mut counted = title
        .iter()
        .chain(body.into_iter().flat_map(WordCounts::iter));
    counted.any(|c| words.contains(&c.word))
}

impl Counting {
    /// Takes the `changed` posts' old counts out of the frequency of words and adds their new
    /// ones; the words whose rarity changed, with the rarity brought up to date.
    fn recount(
        &mut self,
        pages: &IdVec<PageId, Page>,
        ids: &[PageId],
        changed: &[bool],
    ) -> WordSet {
        let mut tally = Tally::default();
        let mut touched = WordSet::default();
        for (at, _) in changed.iter().enumerate().filter(|(_, changed)| **changed) {
            let was = &self.counted[at];
            let Some(body) = was.body.get() else { continue };
            tally.add(&was.title, TITLE_WEIGHT);
            let before = PostWords {
                body: std::borrow::Cow::Borrowed(body),
                title: tally.take(),
            };
            for counted in before.iter() {
                if let Some(df) = self.frequency.get_mut(&counted.word) {
                    *df -= 1;
                    if *df == 0 {
                        self.frequency.remove(&counted.word);
                    }
                }
                touched.insert(counted.word);
            }
            let page = &pages[ids[at]];
            for counted in counts(page, true, &mut tally).iter() {
                *self.frequency.entry(counted.word).or_default() += 1;
                touched.insert(counted.word);
            }
            self.counted[at] = Counted {
                body: page.source.words.clone(),
                title: page.title.clone(),
            };
        }
        let mut moved = WordSet::default();
        for word in touched {
            let now = (self.frequency.get(&word)).and_then(|&df| rarity_of(df, ids.len()));
            let then = self.rarity.get(&word).copied();
            if now.map(f32::to_bits) != then.map(f32::to_bits) {
                moved.insert(word);
                match now {
                    Some(rarity) => self.rarity.insert(word, rarity),
                    None => self.rarity.remove(&word),
                };
            }
        }
        moved
    }
}

/// True when two lists of weighted words are the same, weights bit for bit.
fn same_weights(a: &[(Word, f32)], b: &[(Word, f32)]) -> bool {
    a.len() == b.len()
        && (a.iter().zip(b)).all(|(a, b)| a.0 == b.0 && a.1.to_bits() == b.1.to_bits())
}

/// True when two postings are the same, weights bit for bit.
fn same_postings(a: &[(usize, f32)], b: &[(usize, f32)]) -> bool {
    a.len() == b.len()
        && (a.iter().zip(b)).all(|(a, b)| a.0 == b.0 && a.1.to_bits() == b.1.to_bits())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::load::front_matter::PageFront;
    use crate::load::{Document, PageDoc, Sources};
    use crate::model::{ModelOptions, Site};

    /// A small generator of pseudo-random numbers, so a failure replays.
    struct Dice(u64);

    impl Dice {
        fn roll(&mut self, below: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % below as u64) as usize
        }

        /// A word of the site's vocabulary, a few common and many rare, as in prose.
        fn word(&mut self) -> String {
            const SYLLABLES: [&str; 8] = ["ka", "lo", "mi", "ru", "te", "so", "na", "vi"];
            let common = self.roll(4) == 0;
            let (first, second) = if common {
                (self.roll(2), self.roll(3))
            } else {
                (self.roll(8), self.roll(8))
            };
            format!(
                "{}{}{}",
                SYLLABLES[first],
                SYLLABLES[second],
                SYLLABLES[self.roll(8)]
            )
        }

        fn text(&mut self, words: usize) -> String {
            (0..words)
                .map(|_| self.word())
                .collect::<Vec<_>>()
                .join(" ")
        }
    }

    fn post(n: usize, title: &str, tags: Vec<String>, body: &str) -> PageDoc {
        Document {
            rel: format!("blog/p{n:03}.md"),
            front: PageFront {
                title: Some(title.to_string()),
                tags,
                ..PageFront::default()
            }
            .into(),
            body: body.into(),
            body_line: 1,
            key_lines: Default::default(),
            words: Default::default(),
            text_hash: Default::default(),
        }
    }

    /// The model of `docs` without related posts, to link them in the test.
    fn model(docs: &[PageDoc]) -> Site {
        let mut config = Config::default();
        config.build.related_posts = false;
        let sources = Sources {
            pages: docs.to_vec(),
            ..Sources::default()
        };
        let (site, problems) = crate::model::build(config, sources, &[], ModelOptions::default());
        assert!(!problems.has_errors(), "{problems:?}");
        site
    }

    fn related(site: &Site) -> Vec<Vec<String>> {
        let url = |&id: &PageId| site.pages[id].url.clone();
        (site.pages.iter())
            .map(|page| page.related.iter().map(url).collect())
            .collect()
    }

    /// Changes one post as a save would, so that it is read again: a new document.
    fn edit(docs: &mut Vec<PageDoc>, dice: &mut Dice, made: &mut usize) -> String {
        let at = dice.roll(docs.len());
        let mut doc = docs[at].clone();
        doc.words = Default::default();
        doc.text_hash = Default::default();
        let body = doc.body.text().unwrap_or_default().to_string();
        let what = match dice.roll(10) {
            0..=3 => {
                let mut words: Vec<String> = body.split(' ').map(str::to_string).collect();
                for _ in 0..1 + dice.roll(3) {
                    let place = dice.roll(words.len());
                    words[place] = dice.word();
                }
                doc.body = words.join(" ").as_str().into();
                "words replaced"
            }
            4 => {
                doc.body = format!("{body} brandnew{made}").as_str().into();
                *made += 1;
                "a word no other post has"
            }
            5 => "read again, unchanged",
            6 => {
                std::sync::Arc::make_mut(&mut doc.front).title = Some(dice.text(2));
                "retitled"
            }
            7 => {
                std::sync::Arc::make_mut(&mut doc.front).tags = vec![format!("t{}", dice.roll(4))];
                "retagged"
            }
            8 => {
                docs.remove(at);
                return format!("p{at} removed");
            }
            _ => {
                let n = 500 + *made;
                *made += 1;
                let text = dice.text(60);
                docs.push(post(n, &dice.text(2), vec!["t0".into()], &text));
                return format!("p{n} added");
            }
        };
        docs[at] = doc;
        format!("{what} in {}", docs[at].rel)
    }

    /// Related posts found through the memo after any sequence of edits are those a finding
    /// from scratch makes; after an edit that changes no telling word's weight, no post is
    /// scored again.
    #[test]
    fn a_memo_finds_what_a_fresh_finding_does_after_any_sequence_of_edits() {
        let mut dice = Dice(0x5eed_1234_abcd_0001);
        let mut docs: Vec<PageDoc> = (0..150)
            .map(|n| {
                let tags = vec![format!("t{}", dice.roll(4))];
                let (title, body) = (dice.text(2), dice.text(60));
                post(n, &title, tags, &body)
            })
            .collect();
        let memo = RelatedMemo::default();
        let (mut made, mut spared) = (0, 0);
        let mut edits: Vec<String> = Vec::new();
        for round in 0..80 {
            let mut kept = model(&docs);
            let scored = super::super::link(&mut kept.pages, &kept.taxonomies, true, Some(&memo));
            let mut fresh = model(&docs);
            super::super::link(&mut fresh.pages, &fresh.taxonomies, false, None);
            assert_eq!(related(&kept), related(&fresh), "after {edits:?}");
            assert!(related(&fresh).iter().any(|r| !r.is_empty()));
            let last = edits.last().map_or("", String::as_str);
            if round > 0 && (last.starts_with("read again") || last.starts_with("a word no")) {
                assert_eq!(scored, 0, "after {last}");
                spared += 1;
            }
            edits.push(edit(&mut docs, &mut dice, &mut made));
        }
        assert!(
            spared >= 5,
            "only {spared} edits left every post's words as they were"
        );
    }
}
