//! Related posts: for each post, the few others most like it, by the tags they share and by
//! the words they use (TF-IDF), worked out once for the whole site.
//!
//! Each post is reduced to its most telling words, weighted by how often it uses them and how
//! rare they are across the site; two posts are as alike as those weights agree (a cosine),
//! plus a fixed amount for each tag they share. Only posts sharing a telling word or a tag are
//! ever compared, through an index from words and tags to posts that holds at most
//! [`MOST_POSTINGS`] posts a word and [`MOST_TAGGED`] a tag, so the cost grows with the site,
//! not with its square.

mod memo;

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;

use rayon::prelude::*;

use super::ids::TaxonomyId;
use super::ids::{IdVec, PageId};
use super::{Page, Taxonomy, TermRef};
use crate::load::Memo;
use crate::store::Fingerprint;
use crate::words::{ByWord, Tally, Word, WordCount, WordCounts};
pub use memo::RelatedMemo;
use memo::{Found, Postings};

/// How many related posts a post gets at most.
pub const RELATED: usize = 3;
/// How many of a post's words stand for it.
const TELLING_WORDS: usize = 20;
/// What one shared tag adds to a score whose word part runs from 0 to 1.
const TAG_SCORE: f32 = 0.2;
/// How many times a title's words count, against once for the body's.
const TITLE_WEIGHT: u32 = 3;
/// How many posts a word leads to at most: those it weighs most in. This bounds the work for a
/// post whatever the site's size.
const MOST_POSTINGS: usize = 48;
/// How many posts share one tally of scores.
const SCORED_TOGETHER: usize = 256;
/// A tag on more posts than this is too common to tell posts apart, as a word in every post.
const MOST_TAGGED: usize = 512;
/// One post as the scoring sees it.
struct Post {
    id: PageId,
    series: Option<TermRef>,
    /// Its telling words and their weights, which square-sum to 1.
    words: Vec<(Word, f32)>,
}

/// For every post, its related posts, best first; other pages get none.
/// With `keep_word_counts`, each post's body counts stay with its document for the next
/// model of it; with a `memo`, only the posts an edit since its last finding can have
/// changed are scored again. Returns how many posts were scored.
pub fn link(
    pages: &mut IdVec<PageId, Page>,
    taxonomies: &IdVec<TaxonomyId, Taxonomy>,
    keep_word_counts: bool,
    memo: Option<&RelatedMemo>,
) -> usize {
    find_all(pages, taxonomies, keep_word_counts, memo).link(pages)
}

/// What [`link`] finds, before the pages are given it: finding reads the pages only, so the
/// model finds the routes of its outputs meanwhile.
pub fn find_all<'m>(
    pages: &IdVec<PageId, Page>,
    taxonomies: &IdVec<TaxonomyId, Taxonomy>,
    keep_word_counts: bool,
    memo: Option<&'m RelatedMemo>,
) -> Finding<'m> {
    let last = memo.and_then(RelatedMemo::take);
    Finding {
        linked: find(pages, taxonomies, keep_word_counts, last, memo.is_some()),
        memo,
    }
}

/// The related posts of every post, found by [`find_all`], and the memo to keep them in.
pub struct Finding<'m> {
    linked: Option<Linked>,
    memo: Option<&'m RelatedMemo>,
}

impl Finding<'_> {
    /// Gives every post its related posts, and the memo the finding; how many posts were
    /// scored.
    pub fn link(self, pages: &mut IdVec<PageId, Page>) -> usize {
        let Some(Linked { ids, found, scored }) = self.linked else {
            return 0;
        };
        // A memo keeps the lists, so the pages get copies; otherwise they get the lists.
        match self.memo {
            Some(memo) => {
                for (&id, related) in ids.iter().zip(&found.related) {
                    pages[id].related = related.clone();
                }
                memo.keep(found);
            }
            None => {
                for (id, related) in ids.into_iter().zip(found.related) {
                    pages[id].related = related;
                }
            }
        }
        scored
    }
}

/// A finding of related posts, with the posts it was for, by their place.
struct Linked {
    ids: Vec<PageId>,
    found: Found,
    /// How many posts were scored; the others' related posts were the last finding's.
    scored: usize,
}

/// The related posts of every post, working out again only what an edit since `last` can
/// have changed. Only a finding to `remember` keeps what it was made from.
fn find(
    pages: &IdVec<PageId, Page>,
    taxonomies: &IdVec<TaxonomyId, Taxonomy>,
    keep_word_counts: bool,
    last: Option<Found>,
    remember: bool,
) -> Option<Linked> {
    let ids: Vec<PageId> = pages.ids().filter(|&id| pages[id].is_post).collect();
    if ids.len() < 2 {
        return None;
    }
    let shapes: Vec<Fingerprint> = (ids.iter())
        .filter(|_| remember)
        .map(|&id| memo::shape_of(pages, taxonomies, id))
        .collect();
    // A finding for other posts, or posts of other shapes, tells nothing about these.
    let mut last = last.filter(|last| last.shapes == shapes);
    let told = (last.as_mut())
        .filter(|_| keep_word_counts)
        .and_then(|last| last.recount(pages, &ids))
        .unwrap_or_else(|| tell(pages, &ids, keep_word_counts, remember));
    let posts: Vec<Post> = (ids.iter().zip(told.words))
        .map(|(&id, words)| Post {
            id,
            series: pages[id].series,
            words,
        })
        .collect();
    let index = Index::new(pages, taxonomies, &posts);
    let stale = (last.as_ref()).map(|last| last.stale(&posts, &index.by_word));
    let earlier = |at: usize| match (&stale, &last) {
        (Some(stale), Some(last)) if !stale[at] => Some(last.related[at].clone()),
        _ => None,
    };
    let scored = match &stale {
        Some(stale) => stale.iter().filter(|&&stale| stale).count(),
        None => posts.len(),
    };
    let places: Vec<usize> = (0..posts.len()).collect();
    // One tally a chunk of posts, not one a post: it is as long as the list of posts.
    let related: Vec<Vec<PageId>> = places
        .par_chunks(SCORED_TOGETHER)
        .flat_map_iter(|chunk| {
            let mut scores = Scores::new(posts.len());
            (chunk.iter())
                .map(|&at| earlier(at).unwrap_or_else(|| index.best(pages, at, &mut scores)))
                .collect::<Vec<_>>()
        })
        .collect();
    let found = Found {
        shapes,
        counting: told.counting,
        postings: index.into_postings(),
        words: posts.into_iter().map(|post| post.words).collect(),
        related,
    };
    Some(Linked { ids, found, scored })
}

/// Every post's telling words, by place, with what they were worked out from.
struct Told {
    words: Vec<Vec<(Word, f32)>>,
    counting: Counting,
}

/// What the rarity of words was worked out from, for a later finding to work out again only
/// what changed.
#[derive(Default)]
struct Counting {
    /// Each post's counts, by place; empty when the model does not keep them or the finding
    /// is not remembered.
    counted: Vec<Counted>,
    /// In how many posts each word occurs; empty when the finding is not remembered.
    frequency: ByWord<u32>,
    /// What [`rarity`] made of `frequency`.
    rarity: ByWord<f32>,
}

/// What a post's words were counted from: its body, by the document's memo of its counts,
/// which its clones share while its text is unchanged, and its title.
struct Counted {
    body: Memo<WordCounts>,
    title: String,
}

/// Every post's telling words, worked out from scratch; with what they were worked out from
/// only when it is to be remembered (a one-off build frees the frequency of words at once).
fn tell(
    pages: &IdVec<PageId, Page>,
    ids: &[PageId],
    keep_word_counts: bool,
    remember: bool,
) -> Told {
    // Each post's words are counted twice, once for the rarity of words and once for its
    // telling words, rather than held between the two: for 50,000 posts that would be 135 MiB.
    let count = |tally: &mut Tally, &id: &PageId| counts(&pages[id], keep_word_counts, tally);
    let mut frequency = document_frequency(ids.par_iter().map_init(Tally::default, count));
    let rarity = rarity(&frequency, ids.len());
    if !remember {
        frequency = ByWord::default();
    }
    let uses = UseWeights::new();
    let words = (ids.par_iter())
        .map_init(Tally::default, |tally, id| {
            telling_words(count(tally, id).iter(), &rarity, &uses)
        })
        .collect();
    let counted = (ids.iter())
        .filter(|_| keep_word_counts && remember)
        .map(|&id| Counted {
            body: pages[id].source.words.clone(),
            title: pages[id].title.clone(),
        })
        .collect();
    Told {
        words,
        counting: Counting {
            counted,
            frequency,
            rarity,
        },
    }
}

/// How often a post uses each word, title included, counted in `tally`. The body's words are
/// read from the document's memo when it is kept, or into it. A body that cannot be read
/// again counts for nothing here: rendering the page reports it.
fn counts<'p>(page: &'p Page, keep: bool, tally: &mut Tally) -> PostWords<'p> {
    let body = || page.source.body.text().unwrap_or_default();
    let body = if keep {
        Cow::Borrowed(page.source.words.get_or_init(|| {
            tally.add(&body(), 1);
            tally.take()
        }))
    } else {
        tally.add(&body(), 1);
        Cow::Owned(tally.take())
    };
    tally.add(&page.title, TITLE_WEIGHT);
    PostWords {
        body,
        title: tally.take(),
    }
}

/// A post's words: its body's and its title's counts, added up as they are read.
struct PostWords<'p> {
    body: Cow<'p, WordCounts>,
    title: WordCounts,
}

impl PostWords<'_> {
    fn iter(&self) -> impl Iterator<Item = WordCount> + '_ {
        self.body.merged(&self.title)
    }
}

/// In how many posts each word occurs.
fn document_frequency<'p>(counts: impl ParallelIterator<Item = PostWords<'p>>) -> ByWord<u32> {
    counts
        .fold(ByWord::default, |mut frequency: ByWord<u32>, post| {
            for counted in post.iter() {
                *frequency.entry(counted.word).or_default() += 1;
            }
            frequency
        })
        .reduce(ByWord::default, |a, b| {
            let (mut larger, smaller) = if a.len() >= b.len() { (a, b) } else { (b, a) };
            for (word, n) in smaller {
                *larger.entry(word).or_default() += n;
            }
            larger
        })
}

/// The inverse document frequency of every word that can tell posts apart: one in every post
/// tells nothing, and one in no other post links to nothing.
fn rarity(frequency: &ByWord<u32>, posts: usize) -> ByWord<f32> {
    (frequency.iter())
        .filter_map(|(&word, &df)| Some((word, rarity_of(df, posts)?)))
        .collect()
}

/// The inverse document frequency of a word in `df` of `posts` posts, if it can tell posts
/// apart.
fn rarity_of(df: u32, posts: usize) -> Option<f32> {
    (df >= 2 && (df as usize) < posts).then(|| (posts as f32 / df as f32).ln())
}

/// A post's most telling words, weighted by TF-IDF and normalized.
fn telling_words(
    counts: impl Iterator<Item = WordCount>,
    rarity: &ByWord<f32>,
    uses: &UseWeights,
) -> Vec<(Word, f32)> {
    let mut weighed: Vec<(Word, f32)> = counts
        .filter_map(|counted| {
            let idf = rarity.get(&counted.word)?;
            Some((counted.word, uses.of(counted.count) * idf))
        })
        .collect();
    let heavier = |a: &(Word, f32), b: &(Word, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if weighed.len() > TELLING_WORDS {
        weighed.select_nth_unstable_by(TELLING_WORDS, heavier);
        weighed.truncate(TELLING_WORDS);
    }
    // Every post's list is kept until all are scored: the room its other words took would be
    // 2.7 KiB a post, 130 MiB for 50,000 posts.
    weighed.shrink_to_fit();
    let norm = weighed.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        weighed.iter_mut().for_each(|(_, w)| *w /= norm);
    }
    weighed.sort_by_key(|&(word, _)| word);
    weighed
}

/// Keeps the `most` postings a word weighs most in, ties going to the earlier post, in the
/// order of the posts. Selected rather than sorted: sorting the postings of the common words
/// took about 5 ms of every save of `serve` at 10,000 posts.
fn keep_heaviest(postings: &mut Vec<(usize, f32)>, most: usize) {
    if postings.len() <= most {
        return;
    }
    postings.select_nth_unstable_by(most, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    postings.truncate(most);
    postings.sort_unstable_by_key(|&(at, _)| at);
}

/// The weight of a word a post uses `n` times, `1 + ln(n)`, looked up for the counts most
/// words have: computing the logarithm of every word's count took nearly a third of the time
/// spent finding every post's telling words.
struct UseWeights([f32; 64]);

impl UseWeights {
    fn new() -> Self {
        UseWeights(std::array::from_fn(|n| Self::compute(n as u32)))
    }

    fn of(&self, n: u32) -> f32 {
        let looked_up = usize::try_from(n).ok().and_then(|n| self.0.get(n));
        looked_up.copied().unwrap_or_else(|| Self::compute(n))
    }

    fn compute(n: u32) -> f32 {
        1.0 + (n as f32).ln()
    }
}

/// Which posts hold each telling word and each tag, by their place in the list of posts.
struct Index<'p> {
    posts: &'p [Post],
    taxonomies: &'p IdVec<TaxonomyId, Taxonomy>,
    by_word: Postings,
    by_tag: HashMap<TermRef, Vec<usize>>,
    /// Each post's place, by page.
    place: HashMap<PageId, usize>,
}

impl<'p> Index<'p> {
    fn new(
        pages: &IdVec<PageId, Page>,
        taxonomies: &'p IdVec<TaxonomyId, Taxonomy>,
        posts: &'p [Post],
    ) -> Self {
        let mut by_word = Postings::default();
        let mut by_tag: HashMap<TermRef, Vec<usize>> = HashMap::new();
        for (at, post) in posts.iter().enumerate() {
            for &(word, weight) in &post.words {
                by_word.entry(word).or_default().push((at, weight));
            }
            for &tag in &pages[post.id].tags {
                by_tag.entry(tag).or_default().push(at);
            }
        }
        for postings in by_word.values_mut() {
            keep_heaviest(postings, MOST_POSTINGS);
        }
        by_tag.retain(|_, posts| posts.len() <= MOST_TAGGED);
        let place = posts.iter().enumerate().map(|(at, p)| (p.id, at)).collect();
        Index {
            posts,
            taxonomies,
            by_word,
            by_tag,
            place,
        }
    }

    /// The related posts of the post at `at`: its series' other parts first, then the best
    /// scoring others, each group best first.
    fn best(&self, pages: &IdVec<PageId, Page>, at: usize, scores: &mut Scores) -> Vec<PageId> {
        let post = &self.posts[at];
        for &(word, weight) in &post.words {
            for &(other, theirs) in self.by_word.get(&word).into_iter().flatten() {
                scores.add(other, weight * theirs);
            }
        }
        for tag in &pages[post.id].tags {
            for &other in self.by_tag.get(tag).into_iter().flatten() {
                scores.add(other, TAG_SCORE);
            }
        }
        let series = post.series;
        let sibling = |other: usize| series.is_some() && self.posts[other].series == series;
        let scored: Vec<(usize, f32)> = scores.drain().filter(|&(other, _)| other != at).collect();
        // Only the best few others by score can be chosen, ties included: cutting on the score
        // alone spares ranking (by date and URL) the thousands of others a common tag brings.
        let others = scored.iter().filter(|&&(other, _)| !sibling(other));
        let cut = nth_highest(others.map(|&(_, score)| score), RELATED);
        let mut found: Vec<Candidate> = scored
            .into_iter()
            .filter(|&(other, score)| score >= cut || sibling(other))
            .map(|(other, score)| self.candidate(other, score, series))
            .collect();
        if let Some(series) = series {
            let parts = &self.taxonomies[series.taxonomy].terms[series.term].pages;
            for part in parts {
                let Some(&other) = self.place.get(part) else {
                    continue;
                };
                if other != at && !found.iter().any(|c| c.id == *part) {
                    found.push(self.candidate(other, 0.0, Some(series)));
                }
            }
        }
        if found.len() > RELATED {
            found.select_nth_unstable_by(RELATED, |a, b| a.rank(b, pages));
            found.truncate(RELATED);
        }
        found.sort_by(|a, b| a.rank(b, pages));
        // From an iterator by reference: collecting in place would keep the long list's buffer.
        found.iter().map(|c| c.id).collect()
    }

    /// The postings of telling words, for the next finding to compare with its own.
    fn into_postings(self) -> Postings {
        self.by_word
    }

    fn candidate(&self, at: usize, score: f32, series: Option<TermRef>) -> Candidate {
        let post = &self.posts[at];
        Candidate {
            id: post.id,
            sibling: series.is_some() && post.series == series,
            score,
        }
    }
}

/// The `n`th highest of `scores`, the lowest a score can be and still be among the `n` best;
/// negative infinity when there are fewer than `n`.
fn nth_highest(scores: impl Iterator<Item = f32>, n: usize) -> f32 {
    // Highest first; `n` is a handful, so keeping them in order by insertion is quickest.
    let mut best: Vec<f32> = Vec::with_capacity(n + 1);
    for score in scores {
        if best.len() < n || best.last().is_some_and(|&low| score > low) {
            let at = best.partition_point(|&b| b >= score);
            best.insert(at, score);
            best.truncate(n);
        }
    }
    (n.checked_sub(1).and_then(|last| best.get(last)))
        .copied()
        .unwrap_or(f32::NEG_INFINITY)
}

/// A post that may be related.
struct Candidate {
    id: PageId,
    /// In the same series: comes before any other.
    sibling: bool,
    score: f32,
}

impl Candidate {
    /// Siblings first, then by score, then newer first, then by URL: never a tie left to chance.
    fn rank(&self, other: &Candidate, pages: &IdVec<PageId, Page>) -> Ordering {
        other
            .sibling
            .cmp(&self.sibling)
            .then_with(|| other.score.total_cmp(&self.score))
            .then_with(|| pages[other.id].date.cmp(&pages[self.id].date))
            .then_with(|| pages[self.id].url.cmp(&pages[other.id].url))
    }
}

/// Scores being added up for one post, kept between posts so nothing is allocated per post.
struct Scores {
    score: Vec<f32>,
    touched: Vec<usize>,
}

impl Scores {
    fn new(posts: usize) -> Self {
        Scores {
            score: vec![0.0; posts],
            touched: Vec::new(),
        }
    }

    fn add(&mut self, at: usize, amount: f32) {
        if self.score[at] == 0.0 {
            self.touched.push(at);
        }
        self.score[at] += amount;
    }

    /// Every post scored, with its score, leaving all scores at zero. The order is the order
    /// of scoring, which the ranking after makes no difference to.
    fn drain(&mut self) -> impl Iterator<Item = (usize, f32)> + '_ {
        self.touched
            .drain(..)
            .map(|at| (at, std::mem::take(&mut self.score[at])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_in_every_post_or_in_one_only_tells_nothing() {
        let mut frequency = ByWord::default();
        frequency.insert(Word::of("everywhere"), 10);
        frequency.insert(Word::of("once"), 1);
        frequency.insert(Word::of("half"), 5);
        let rarity = rarity(&frequency, 10);
        assert_eq!(rarity.len(), 1);
        assert!((rarity[&Word::of("half")] - 2f32.ln()).abs() < 1e-6);
    }

    #[test]
    fn the_nth_highest_score_counts_ties_and_is_lowest_when_there_are_too_few() {
        let scores = [0.2, 0.6, 0.2, 0.4, 0.2, 0.6];
        assert_eq!(nth_highest(scores.into_iter(), 1), 0.6);
        assert_eq!(nth_highest(scores.into_iter(), 2), 0.6);
        assert_eq!(nth_highest(scores.into_iter(), 3), 0.4);
        assert_eq!(nth_highest(scores.into_iter(), 4), 0.2);
        assert_eq!(nth_highest(scores.into_iter(), 6), 0.2);
        assert_eq!(nth_highest(scores.into_iter(), 7), f32::NEG_INFINITY);
        assert_eq!(nth_highest(std::iter::empty(), 3), f32::NEG_INFINITY);
    }

    #[test]
    fn looked_up_use_weights_are_the_computed_ones_bit_for_bit() {
        let uses = UseWeights::new();
        for n in [1, 2, 3, 7, 63, 64, 65, 1000, u32::MAX] {
            assert_eq!(
                uses.of(n).to_bits(),
                (1.0 + (n as f32).ln()).to_bits(),
                "{n}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn the_postings_kept_are_those_a_full_sort_keeps(
            weights in proptest::collection::vec(0u8..8, 0..120),
            most in 0usize..60,
        ) {
            // Few distinct weights, so ties are common and their order is tested too.
            let postings: Vec<(usize, f32)> = (weights.iter().enumerate())
                .map(|(at, &w)| (at, f32::from(w) / 4.0))
                .collect();
            let mut sorted = postings.clone();
            sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            sorted.truncate(most);
            sorted.sort_by_key(|&(at, _)| at);
            let mut kept = postings;
            keep_heaviest(&mut kept, most);
            proptest::prop_assert_eq!(kept, sorted);
        }
    }

    #[test]
    fn telling_words_are_the_heaviest_and_square_sum_to_one() {
        let names: Vec<String> = (0..40).map(|n| format!("word{n}")).collect();
        let rarity: ByWord<f32> = (names.iter().enumerate())
            .map(|(n, name)| (Word::of(name), 1.0 + n as f32))
            .collect();
        let told = telling_words(
            WordCounts::of(&names.join(" "), 1).iter(),
            &rarity,
            &UseWeights::new(),
        );
        assert_eq!(told.len(), TELLING_WORDS);
        let heaviest: Vec<Word> = names[20..].iter().map(|name| Word::of(name)).collect();
        assert!(told.iter().all(|(w, _)| heaviest.contains(w)), "{told:?}");
        let sum: f32 = told.iter().map(|(_, w)| w * w).sum();
        assert!((sum - 1.0).abs() < 1e-4, "{sum}");
    }
}
