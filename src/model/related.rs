//! Related posts: for each post, the few others most like it, by the tags they share and by
//! the words they use (TF-IDF), worked out once for the whole site.
//!
//! Each post is reduced to its most telling words, weighted by how often it uses them and how
//! rare they are across the site; two posts are as alike as those weights agree (a cosine),
//! plus a fixed amount for each tag they share. Only posts sharing a telling word or a tag are
//! ever compared, through an index from words and tags to posts that holds at most
//! [`MOST_POSTINGS`] posts a word and [`MOST_TAGGED`] a tag, so the cost grows with the site,
//! not with its square.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;

use super::ids::TaxonomyId;
use super::ids::{IdVec, PageId};
use super::{Page, Taxonomy, TermRef};

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
/// Words shorter than this many bytes carry too little to compare by.
const SHORTEST_WORD: usize = 3;
/// Longer runs of letters are hashes, data or scripts without spaces, not words.
const LONGEST_WORD: usize = 40;

/// A word, by a hash of its lowercase form: the index never holds the words themselves.
type Word = u32;

/// One post as the scoring sees it.
struct Post {
    id: PageId,
    series: Option<TermRef>,
    /// Its telling words and their weights, which square-sum to 1.
    words: Vec<(Word, f32)>,
}

/// For every post, its related posts, best first; other pages get none.
pub fn link(pages: &mut IdVec<PageId, Page>, taxonomies: &IdVec<TaxonomyId, Taxonomy>) {
    let related = find(pages, taxonomies);
    for (id, related) in related {
        pages[id].related = related;
    }
}

/// The related posts of every post with any.
fn find(
    pages: &IdVec<PageId, Page>,
    taxonomies: &IdVec<TaxonomyId, Taxonomy>,
) -> Vec<(PageId, Vec<PageId>)> {
    let ids: Vec<PageId> = pages.ids().filter(|&id| pages[id].is_post).collect();
    if ids.len() < 2 {
        return Vec::new();
    }
    let counts: Vec<Vec<(Word, u32)>> = ids
        .par_iter()
        .map_init(ByWord::default, |scratch, &id| counts(&pages[id], scratch))
        .collect();
    let rarity = rarity(document_frequency(&counts), ids.len());
    let posts: Vec<Post> = ids
        .par_iter()
        .zip(counts.into_par_iter())
        .map(|(&id, counts)| Post {
            id,
            series: pages[id].series,
            words: telling_words(counts, &rarity),
        })
        .collect();
    let index = Index::new(pages, taxonomies, &posts);
    let places: Vec<usize> = (0..posts.len()).collect();
    // One tally a chunk of posts, not one a post: it is as long as the list of posts.
    places
        .par_chunks(SCORED_TOGETHER)
        .flat_map_iter(|chunk| {
            let mut scores = Scores::new(posts.len());
            chunk
                .iter()
                .map(|&at| (posts[at].id, index.best(pages, at, &mut scores)))
                .filter(|(_, related)| !related.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// How often a post uses each word, title included, sorted by word; `scratch` is an empty
/// map to count in, left empty.
fn counts(page: &Page, scratch: &mut ByWord<u32>) -> Vec<(Word, u32)> {
    each_word(&page.title, |w| {
        *scratch.entry(w).or_default() += TITLE_WEIGHT
    });
    each_word(&page.source.body, |w| *scratch.entry(w).or_default() += 1);
    let mut counted: Vec<(Word, u32)> = scratch.drain().collect();
    counted.sort_unstable_by_key(|&(word, _)| word);
    counted
}

/// Calls `found` with every word of `text`: runs of letters and digits, lowercased, of a
/// useful length and not a bare number. Markdown's own marks are not letters, so they fall
/// away; the words of link targets and code stay, and are weighed like any other.
fn each_word(text: &str, mut found: impl FnMut(Word)) {
    let mut word = WordHash::default();
    let bytes = text.as_bytes();
    let mut at = 0;
    // Bytes, not chars: nearly all of a post is ASCII, and only the rest is decoded.
    while let Some(&byte) = bytes.get(at) {
        if byte.is_ascii() {
            at += 1;
            match ASCII[usize::from(byte)] {
                0 => word.end(&mut found),
                lower => word.push(lower, !byte.is_ascii_digit()),
            }
            continue;
        }
        let Some(c) = text[at..].chars().next() else {
            break;
        };
        at += c.len_utf8();
        if !c.is_alphanumeric() {
            word.end(&mut found);
            continue;
        }
        for lower in c.to_lowercase() {
            let mut buf = [0; 4];
            for &byte in lower.encode_utf8(&mut buf).as_bytes() {
                word.push(byte, true);
            }
        }
    }
    word.end(&mut found);
}

/// The commonest English words, by hash: they would weigh nothing (they are in nearly every
/// post), and leaving them uncounted spares a third of the counting.
const STOP_WORDS: [Word; 24] = {
    const WORDS: [&str; 24] = [
        "the", "and", "for", "you", "are", "but", "not", "with", "that", "this", "from", "have",
        "was", "they", "their", "which", "will", "can", "its", "all", "one", "our", "your", "into",
    ];
    let mut hashes = [0; 24];
    let mut i = 0;
    while i < WORDS.len() {
        hashes[i] = fnv_str(WORDS[i]);
        // Kept sorted as it is filled, for the binary search.
        let mut j = i;
        while j > 0 && hashes[j - 1] > hashes[j] {
            (hashes[j - 1], hashes[j]) = (hashes[j], hashes[j - 1]);
            j -= 1;
        }
        i += 1;
    }
    hashes
};
/// The longest of [`STOP_WORDS`], in bytes: longer words need no look-up.
const LONGEST_STOP_WORD: usize = 5;

/// The hash [`WordHash`] makes of `word`, which must be lowercase.
const fn fnv_str(word: &str) -> Word {
    let bytes = word.as_bytes();
    let mut hash = FNV_OFFSET;
    let mut i = 0;
    while i < bytes.len() {
        hash = (hash ^ bytes[i] as u32).wrapping_mul(FNV_PRIME);
        i += 1;
    }
    hash
}

/// Each ASCII byte lowercased, or 0 for one that is not a letter or digit.
const ASCII: [u8; 128] = {
    let mut table = [0; 128];
    let mut byte = 0;
    while byte < 128 {
        let b = byte as u8;
        if b.is_ascii_alphanumeric() {
            table[byte] = b.to_ascii_lowercase();
        }
        byte += 1;
    }
    table
};

/// A word being read: its hash so far, its length, and whether it has a letter.
struct WordHash {
    hash: u32,
    len: usize,
    letters: bool,
}

impl Default for WordHash {
    fn default() -> Self {
        WordHash {
            hash: FNV_OFFSET,
            len: 0,
            letters: false,
        }
    }
}

impl WordHash {
    fn push(&mut self, byte: u8, letter: bool) {
        self.hash = (self.hash ^ u32::from(byte)).wrapping_mul(FNV_PRIME);
        self.len += 1;
        self.letters |= letter;
    }

    /// Ends the word, handing it to `found` if it is one worth comparing.
    fn end(&mut self, found: &mut impl FnMut(Word)) {
        if self.len == 0 {
            return;
        }
        if self.letters
            && (SHORTEST_WORD..=LONGEST_WORD).contains(&self.len)
            && (self.len > LONGEST_STOP_WORD || STOP_WORDS.binary_search(&self.hash).is_err())
        {
            found(self.hash);
        }
        *self = WordHash::default();
    }
}

/// FNV-1a: a hash fast enough to run over every byte of every post.
const FNV_OFFSET: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

/// Words are hashes already: maps keyed by them use the word as its own hash.
type ByWord<V> = HashMap<Word, V, BuildHasherDefault<WordHasher>>;

/// The hasher of [`ByWord`].
#[derive(Default)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 << 8) | u64::from(byte);
        }
    }

    fn write_u32(&mut self, word: u32) {
        // Spread over the high bits too, which the table's probing uses.
        self.0 = u64::from(word).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// In how many posts each word occurs.
fn document_frequency(counts: &[Vec<(Word, u32)>]) -> ByWord<u32> {
    counts
        .par_iter()
        .fold(ByWord::default, |mut frequency: ByWord<u32>, post| {
            for &(word, _) in post {
                *frequency.entry(word).or_default() += 1;
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
fn rarity(frequency: ByWord<u32>, posts: usize) -> ByWord<f32> {
    frequency
        .into_iter()
        .filter(|&(_, df)| df >= 2 && (df as usize) < posts)
        .map(|(word, df)| (word, (posts as f32 / df as f32).ln()))
        .collect()
}

/// A post's most telling words, weighted by TF-IDF and normalized.
fn telling_words(counts: Vec<(Word, u32)>, rarity: &ByWord<f32>) -> Vec<(Word, f32)> {
    let mut weighed: Vec<(Word, f32)> = counts
        .into_iter()
        .filter_map(|(word, count)| {
            let idf = rarity.get(&word)?;
            Some((word, (1.0 + (count as f32).ln()) * idf))
        })
        .collect();
    let heavier = |a: &(Word, f32), b: &(Word, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if weighed.len() > TELLING_WORDS {
        weighed.select_nth_unstable_by(TELLING_WORDS, heavier);
        weighed.truncate(TELLING_WORDS);
    }
    let norm = weighed.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        weighed.iter_mut().for_each(|(_, w)| *w /= norm);
    }
    weighed.sort_by_key(|&(word, _)| word);
    weighed
}

/// Which posts hold each telling word and each tag, by their place in the list of posts.
struct Index<'p> {
    posts: &'p [Post],
    taxonomies: &'p IdVec<TaxonomyId, Taxonomy>,
    by_word: ByWord<Vec<(usize, f32)>>,
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
        let mut by_word: ByWord<Vec<(usize, f32)>> = ByWord::default();
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
            if postings.len() > MOST_POSTINGS {
                postings.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                postings.truncate(MOST_POSTINGS);
                postings.sort_by_key(|&(at, _)| at);
            }
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
        let mut found: Vec<Candidate> = scores
            .drain()
            .filter(|&(other, _)| other != at)
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

    fn candidate(&self, at: usize, score: f32, series: Option<TermRef>) -> Candidate {
        let post = &self.posts[at];
        Candidate {
            id: post.id,
            sibling: series.is_some() && post.series == series,
            score,
        }
    }
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

    fn words(text: &str) -> Vec<Word> {
        let mut found = Vec::new();
        each_word(text, |w| found.push(w));
        found
    }

    #[test]
    fn words_are_lowercase_runs_of_letters_without_numbers_short_or_stop_words() {
        assert_eq!(
            words("The **Kubernetes** cluster, kubernetes-CLUSTER; 2024 a to é"),
            words("kubernetes cluster kubernetes cluster")
        );
        assert_eq!(words("Ünïcode ÜNÏCODE"), words("ünïcode ünïcode"));
        assert_eq!(
            words("v2 x86"),
            [fnv_str("x86")],
            "v2 is too short, x86 is a word"
        );
        assert!(words("the and your").is_empty());
    }

    #[test]
    fn a_word_in_every_post_or_in_one_only_tells_nothing() {
        let mut frequency = ByWord::default();
        frequency.insert(1, 10);
        frequency.insert(2, 1);
        frequency.insert(3, 5);
        let rarity = rarity(frequency, 10);
        assert_eq!(rarity.len(), 1);
        assert!((rarity[&3] - 2f32.ln()).abs() < 1e-6);
    }

    #[test]
    fn telling_words_are_the_heaviest_and_square_sum_to_one() {
        let rarity: ByWord<f32> = (0..40).map(|w| (w, 1.0 + w as f32)).collect();
        let counts: Vec<(Word, u32)> = (0..40).map(|w| (w, 1)).collect();
        let told = telling_words(counts, &rarity);
        assert_eq!(told.len(), TELLING_WORDS);
        assert!(told.iter().all(|&(w, _)| w >= 20), "{told:?}");
        let sum: f32 = told.iter().map(|(_, w)| w * w).sum();
        assert!((sum - 1.0).abs() < 1e-4, "{sum}");
    }
}
