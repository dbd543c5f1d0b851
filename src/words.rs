//! The words of a text, for telling texts apart: each word reduced to a hash of its lowercase
//! form, and counted. A pure core, run over every post's body once (the count is kept with the
//! loaded document, so a `serve` rebuild counts only the files it read again).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::sync::Arc;

/// Words shorter than this many bytes carry too little to compare by.
const SHORTEST_WORD: usize = 3;
/// Longer runs of letters are hashes, data or scripts without spaces, not words.
const LONGEST_WORD: usize = 40;

/// A word, by a hash of its lowercase form: nothing keeps the words themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Word(u32);

impl Word {
    /// The word `text` is, lowercased, whether or not it is one worth counting.
    #[cfg(test)]
    pub(crate) fn of(text: &str) -> Word {
        Word(fnv_str(&text.to_lowercase()))
    }
}

/// How often a text uses one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WordCount {
    /// The word.
    pub word: Word,
    /// How many times, weights included.
    pub count: u32,
}

/// How often a text uses each word worth comparing, sorted by word.
#[derive(Debug, Clone)]
pub struct WordCounts(Counts);

/// Where a text's counts are: its own, or a run of a list shared by many texts (every post's
/// counts as read back from the cache folder: one list, not one for each post).
#[derive(Debug, Clone)]
enum Counts {
    Own(Vec<WordCount>),
    Shared(Arc<Vec<WordCount>>, Range<usize>),
}

impl Default for WordCounts {
    fn default() -> Self {
        WordCounts(Counts::Own(Vec::new()))
    }
}

impl PartialEq for WordCounts {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for WordCounts {}

impl WordCounts {
    /// The words of `text`, each counted `weight` times over.
    #[cfg(test)]
    pub(crate) fn of(text: &str, weight: u32) -> WordCounts {
        let mut tally = Tally::default();
        tally.add(text, weight);
        tally.take()
    }

    /// The counts at `range` of `all`, if they are in word order.
    pub fn shared(all: &Arc<Vec<WordCount>>, range: Range<usize>) -> Option<WordCounts> {
        let counts = all.get(range.clone())?;
        let sorted = counts.windows(2).all(|w| w[0].word < w[1].word);
        sorted.then(|| WordCounts(Counts::Shared(Arc::clone(all), range)))
    }

    /// True when `word` is counted.
    pub fn contains(&self, word: Word) -> bool {
        (self.as_slice())
            .binary_search_by_key(&word, |counted| counted.word)
            .is_ok()
    }

    fn as_slice(&self) -> &[WordCount] {
        match &self.0 {
            Counts::Own(counts) => counts,
            Counts::Shared(all, range) => all.get(range.clone()).unwrap_or_default(),
        }
    }

    /// These counts and `other`'s added up, in word order, as they are read: a post's body
    /// and title are added up for each post in each pass over the posts, and a new list each
    /// time cost related posts an allocation and a copy per post.
    pub fn merged<'a>(&'a self, other: &'a WordCounts) -> impl Iterator<Item = WordCount> + 'a {
        let (mut a, mut b) = (self.iter().peekable(), other.iter().peekable());
        std::iter::from_fn(move || match (a.peek().copied(), b.peek().copied()) {
            (Some(x), Some(y)) => Some(match x.word.cmp(&y.word) {
                Ordering::Less => a.next().unwrap_or(x),
                Ordering::Greater => b.next().unwrap_or(y),
                Ordering::Equal => {
                    a.next();
                    b.next();
                    WordCount {
                        word: x.word,
                        count: x.count + y.count,
                    }
                }
            }),
            (Some(_), None) => a.next(),
            (None, _) => b.next(),
        })
    }

    /// Every word with its count, in word order.
    pub fn iter(&self) -> impl Iterator<Item = WordCount> + '_ {
        self.as_slice().iter().copied()
    }

    /// How many words are counted.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// True when no word is counted.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// Appends the counts to `bytes`: each word and its count, 4 bytes each, little-endian.
    pub fn write_to(&self, bytes: &mut Vec<u8>) {
        for counted in self.as_slice() {
            bytes.extend_from_slice(&counted.to_bytes());
        }
    }
}

impl WordCount {
    /// The count as [`WordCounts::write_to`] writes it.
    pub fn to_bytes(self) -> [u8; 8] {
        let mut bytes = [0; 8];
        bytes[..4].copy_from_slice(&self.word.0.to_le_bytes());
        bytes[4..].copy_from_slice(&self.count.to_le_bytes());
        bytes
    }

    /// A count as [`WordCounts::write_to`] wrote it.
    pub fn from_bytes(bytes: [u8; 8]) -> WordCount {
        let [w0, w1, w2, w3, c0, c1, c2, c3] = bytes;
        WordCount {
            word: Word(u32::from_le_bytes([w0, w1, w2, w3])),
            count: u32::from_le_bytes([c0, c1, c2, c3]),
        }
    }
}

/// Calls `found` with every word of `text`: runs of letters and digits, lowercased, of a
/// useful length and not a bare number. Markdown's own marks are not letters, so they fall
/// away; the words of link targets and code stay, and are weighed like any other.
fn each_word(text: &str, found: impl FnMut(Word)) {
    let mut words = Pending::new(found);
    let mut word = WordHash::default();
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        // Nearly all of a post is ASCII, read here without a branch on where words end: that
        // is as unpredictable as the text, and mispredicting it took most of counting's time.
        if byte.is_ascii() {
            at += 1;
            let lower = LOWER[usize::from(byte)];
            words.offer(&word, lower == 0);
            word.step(lower);
            continue;
        }
        let Some(c) = text[at..].chars().next() else {
            break;
        };
        at += c.len_utf8();
        if !c.is_alphanumeric() {
            words.offer(&word, true);
            word = WordHash::default();
            continue;
        }
        for lower in c.to_lowercase() {
            let mut buf = [0; 4];
            for &byte in lower.encode_utf8(&mut buf).as_bytes() {
                word.push(byte, true);
            }
        }
    }
    words.offer(&word, true);
    words.flush();
}

/// Words found but not yet handed on: kept in a small buffer that grows by one only when a
/// word worth counting ends, so the byte loop need not branch there.
struct Pending<F> {
    found: F,
    hashes: [u32; PENDING],
    len: usize,
}

/// Words kept before they are handed on.
const PENDING: usize = 64;

impl<F: FnMut(Word)> Pending<F> {
    fn new(found: F) -> Self {
        Pending {
            found,
            hashes: [0; PENDING],
            len: 0,
        }
    }

    /// Keeps `word` if it `ends` here and is worth counting.
    #[inline(always)]
    fn offer(&mut self, word: &WordHash, ends: bool) {
        // Written past the end when not kept: the next word overwrites it.
        self.hashes[self.len] = word.hash;
        self.len += usize::from(ends & word.worth_counting());
        if self.len == PENDING {
            self.flush();
        }
    }

    fn flush(&mut self) {
        for &hash in &self.hashes[..self.len] {
            (self.found)(Word(hash));
        }
        self.len = 0;
    }
}

/// The commonest English words, by hash: they would weigh nothing (they are in nearly every
/// post), and leaving them uncounted spares a third of the counting.
const STOP_WORDS: [u32; 24] = {
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
const fn fnv_str(word: &str) -> u32 {
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
const LOWER: [u8; 128] = {
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

    /// Reads an ASCII byte, `lower` as [`LOWER`] gives it: a letter or digit is pushed, and
    /// anything else starts a new word. Selects rather than branches, for [`each_word`].
    #[inline(always)]
    fn step(&mut self, lower: u8) {
        let goes_on = lower != 0;
        let pushed = (self.hash ^ u32::from(lower)).wrapping_mul(FNV_PRIME);
        self.hash = if goes_on { pushed } else { FNV_OFFSET };
        self.len = usize::from(goes_on) * (self.len + 1);
        self.letters = goes_on & (self.letters | (lower > b'9'));
    }

    /// True when the word so far is one worth comparing: of a useful length, not a number,
    /// not a stop word. Computed without branches, for [`Pending::offer`].
    #[inline(always)]
    fn worth_counting(&self) -> bool {
        let useful = (SHORTEST_WORD <= self.len) & (self.len <= LONGEST_WORD);
        let may_stop = self.len <= LONGEST_STOP_WORD;
        self.letters & useful & !(may_stop & is_stop_word(self.hash))
    }
}

/// True when `hash` is one of [`STOP_WORDS`]: one look-up in a table where each stop word has
/// a slot of its own.
#[inline(always)]
fn is_stop_word(hash: u32) -> bool {
    STOP_SLOTS[stop_slot(hash, STOP_SHIFT)] == hash
}

/// The slot among 256 of `hash`, by its byte `shift` bits up.
#[inline(always)]
const fn stop_slot(hash: u32, shift: u32) -> usize {
    ((hash >> shift) & 0xff) as usize
}

/// The shift that gives each of [`STOP_WORDS`] a slot of its own among 256.
const STOP_SHIFT: u32 = {
    let mut shift = 0;
    'shifts: while shift < 24 {
        let mut taken = [false; 256];
        let mut i = 0;
        while i < STOP_WORDS.len() {
            let slot = stop_slot(STOP_WORDS[i], shift);
            if taken[slot] {
                shift += 1;
                continue 'shifts;
            }
            taken[slot] = true;
            i += 1;
        }
        break;
    }
    assert!(
        shift < 24,
        "no shift gives every stop word a slot of its own"
    );
    shift
};

/// Each stop word's hash in its slot. An empty slot holds the first stop word's hash, which
/// never lands there (its own slot is another), so no other hash matches it.
const STOP_SLOTS: [u32; 256] = {
    let mut slots = [STOP_WORDS[0]; 256];
    let mut i = 0;
    while i < STOP_WORDS.len() {
        slots[stop_slot(STOP_WORDS[i], STOP_SHIFT)] = STOP_WORDS[i];
        i += 1;
    }
    slots
};

/// FNV-1a: a hash fast enough to run over every byte of every post.
const FNV_OFFSET: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

/// Words being counted, kept between texts so that counting one allocates only its result.
#[derive(Default)]
pub struct Tally(ByWord<u32>);

impl Tally {
    /// Counts `text`'s words, each `weight` times over.
    pub fn add(&mut self, text: &str, weight: u32) {
        each_word(text, |word| *self.0.entry(word).or_default() += weight);
    }

    /// Everything counted since the last take, leaving the tally empty.
    pub fn take(&mut self) -> WordCounts {
        let mut counts: Vec<WordCount> = (self.0.drain())
            .map(|(word, count)| WordCount { word, count })
            .collect();
        counts.sort_unstable_by_key(|c| c.word);
        WordCounts(Counts::Own(counts))
    }
}

/// Words are hashes already: maps keyed by them use the word as its own hash.
pub type ByWord<V> = HashMap<Word, V, BuildHasherDefault<WordHasher>>;

/// The hasher of [`ByWord`].
#[derive(Default)]
pub struct WordHasher(u64);

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
            [Word::of("x86")],
            "v2 is too short, x86 is a word"
        );
        assert!(words("the and your").is_empty());
    }

    /// The words of `text` by the rules [`each_word`] states, found the plain way.
    fn words_by_the_rules(text: &str) -> Vec<Word> {
        (text.split(|c: char| !c.is_alphanumeric()))
            .map(|run| run.chars().flat_map(char::to_lowercase).collect::<String>())
            .filter(|word| (SHORTEST_WORD..=LONGEST_WORD).contains(&word.len()))
            .filter(|word| !word.bytes().all(|b| b.is_ascii_digit()))
            .map(|word| Word(fnv_str(&word)))
            .filter(|word| !STOP_WORDS.contains(&word.0))
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn words_found_without_branching_are_those_the_rules_give(
            pieces in proptest::collection::vec(
                ("[a-zA-Z0-9éÜİß中]{0,45}", "[ ,.'\\-“”\n]{1,3}"),
                0..150,
            ),
        ) {
            let text: String = pieces.iter().map(|(run, gap)| format!("{run}{gap}")).collect();
            proptest::prop_assert_eq!(words(&text), words_by_the_rules(&text));
            // And with no gap after the last word.
            let trimmed = text.trim_end_matches(|c: char| !c.is_alphanumeric());
            proptest::prop_assert_eq!(words(trimmed), words_by_the_rules(trimmed));
        }
    }

    #[test]
    fn every_stop_word_is_stopped_and_no_other_hash_in_their_slots() {
        for &stop in &STOP_WORDS {
            assert!(is_stop_word(stop));
            assert!(!is_stop_word(stop ^ 1), "{stop}");
        }
        assert!(words("the and your with their").is_empty());
    }

    #[test]
    fn counts_are_sorted_by_word_and_weighted() {
        let counts = WordCounts::of("delta alpha delta", 3);
        let mut expected = vec![
            WordCount {
                word: Word::of("alpha"),
                count: 3,
            },
            WordCount {
                word: Word::of("delta"),
                count: 6,
            },
        ];
        expected.sort_by_key(|c| c.word);
        assert_eq!(counts.iter().collect::<Vec<_>>(), expected);
    }

    #[test]
    fn adding_counts_adds_shared_words_and_keeps_the_rest_in_order() {
        let body = WordCounts::of("alpha gamma gamma omega", 1);
        let title = WordCounts::of("gamma kappa", 3);
        let sum: Vec<WordCount> = body.merged(&title).collect();
        let expected = WordCounts::of(
            "alpha gamma gamma omega gamma gamma gamma kappa kappa kappa",
            1,
        );
        assert_eq!(sum, expected.iter().collect::<Vec<_>>());
        assert_eq!(sum, title.merged(&body).collect::<Vec<_>>());
        let none = WordCounts::default();
        assert!(body.merged(&none).eq(body.iter()));
        assert!(none.merged(&body).eq(body.iter()));
    }
}
