//! Lines of code already parsed, kept with the grammar state they were parsed in.
//!
//! What syntect makes of a line depends only on the line's text and the parser's state before
//! it (the state names its grammar), so a line met again in the same state need not be parsed
//! again. Blocks in one language repeat many lines (`}`, imports, a call in a loop): a quarter
//! of the lines of one real blog's code blocks, and more in generated ones. Parsing is nearly
//! all of highlighting's time, and highlighting was a third of a cold build's.
//!
//! syntect's parser state cannot be sent between threads (it may hold an Oniguruma match), so
//! the memo keeps a 128-bit hash of the state's `Debug` form instead, which lists every field
//! of it, and only lines that leave the state as they found it: nearly all lines but those that
//! open or close a block or a comment. A state holding a match is never kept, since a match's
//! `Debug` form shows pointers rather than what was matched.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use syntect::parsing::{ParseState, ParsingError, ScopeStackOp, SyntaxReference, SyntaxSet};

/// Lines kept at most: at some 400 bytes a line (its text and a dozen scope changes), about
/// 13 MiB when full. A cold build of 10,000 generated posts keeps about 7,000.
const MOST_LINES: usize = 1 << 15;
/// Locked separately, so the build's threads seldom wait for each other.
const SHARDS: usize = 16;
/// States kept for one line's text: a line met in many states (in many blocks nested to many
/// depths) is not worth scanning a long list for.
const MOST_STATES: usize = 8;

/// One line's scope changes, at byte offsets into the line, as [`ParseState::parse_line`]
/// gives them.
pub(super) type Ops = Arc<[(usize, ScopeStackOp)]>;

/// The parses of lines met so far, shared by every thread of a build and kept across
/// `serve`'s rebuilds; bounded, forgetting a shard's lines when it fills.
pub(super) struct LineMemo {
    shards: [Mutex<Shard>; SHARDS],
    room_per_shard: usize,
}

#[derive(Default)]
struct Shard {
    /// For each line's text, the states it was parsed in and its parse.
    by_text: HashMap<Box<str>, Vec<(StateKey, Ops)>>,
    kept: usize,
}

impl Default for LineMemo {
    fn default() -> Self {
        LineMemo::with_room(MOST_LINES)
    }
}

impl LineMemo {
    /// A memo keeping at most about `lines` parses.
    pub(super) fn with_room(lines: usize) -> Self {
        LineMemo {
            shards: std::array::from_fn(|_| Mutex::default()),
            room_per_shard: lines.div_ceil(SHARDS).max(1),
        }
    }

    /// A parser for one code block in `syntax`, taking what it can from this memo.
    pub(super) fn parser(&self, syntax: &SyntaxReference) -> LineParser<'_> {
        let state = ParseState::new(syntax);
        let mut debug = String::new();
        let key = StateKey::of(&state, &mut debug);
        LineParser {
            memo: self,
            state,
            key,
            debug,
        }
    }

    fn find(&self, state: StateKey, line: &str) -> Option<Ops> {
        let shard = lock(&self.shards[shard_of(line)]);
        let states = shard.by_text.get(line)?;
        let (_, ops) = states.iter().find(|(kept, _)| *kept == state)?;
        Some(Arc::clone(ops))
    }

    fn keep(&self, state: StateKey, line: &str, ops: &Ops) {
        let mut shard = lock(&self.shards[shard_of(line)]);
        if shard.kept >= self.room_per_shard {
            shard.by_text.clear();
            shard.kept = 0;
        }
        let states = shard.by_text.entry(line.into()).or_default();
        // Another thread may have kept the same line in the same state meanwhile.
        if states.len() < MOST_STATES && !states.iter().any(|(kept, _)| *kept == state) {
            states.push((state, Arc::clone(ops)));
            shard.kept += 1;
        }
    }

    /// How many parses are kept now.
    #[cfg(test)]
    fn kept(&self) -> usize {
        self.shards.iter().map(|shard| lock(shard).kept).sum()
    }
}

/// Parses one code block's lines in turn, as [`ParseState::parse_line`] would.
pub(super) struct LineParser<'m> {
    memo: &'m LineMemo,
    state: ParseState,
    /// The state's key; none while it holds a match.
    key: Option<StateKey>,
    /// Room for a state's `Debug` form, kept to spare an allocation a line.
    debug: String,
}

impl LineParser<'_> {
    /// The scope changes of `line`, the block's next line.
    pub(super) fn parse(&mut self, line: &str, syntaxes: &SyntaxSet) -> Result<Ops, ParsingError> {
        if let Some(key) = self.key
            && let Some(ops) = self.memo.find(key, line)
        {
            return Ok(ops);
        }
        let ops: Ops = self.state.parse_line(line, syntaxes)?.into();
        let after = StateKey::of(&self.state, &mut self.debug);
        if let Some(key) = self.key
            && after == Some(key)
        {
            self.memo.keep(key, line, &ops);
        }
        self.key = after;
        Ok(ops)
    }
}

/// A parser state, by a 128-bit hash of its `Debug` form: a 5-deep state's form is 700 bytes,
/// and two states' hashes clash with a chance far below any hardware fault's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StateKey(u128);

impl StateKey {
    /// `state`'s key, with `debug` as room to write its form; none when it holds a match.
    fn of(state: &ParseState, debug: &mut String) -> Option<StateKey> {
        debug.clear();
        // Writing to a String cannot fail.
        let _ = write!(debug, "{state:?}");
        let holds_match = debug.contains("captures: Some");
        (!holds_match).then(|| StateKey(xxhash_rust::xxh3::xxh3_128(debug.as_bytes())))
    }
}

fn shard_of(line: &str) -> usize {
    // The remainder is below SHARDS, so it fits any usize.
    (xxhash_rust::xxh3::xxh3_64(line.as_bytes()) % SHARDS as u64) as usize
}

/// A shard stays usable if a thread panicked holding it: each change to it is whole before the
/// lock is let go, so nothing is half-kept.
fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rust(syntaxes: &SyntaxSet) -> &SyntaxReference {
        let rust = syntaxes.find_syntax_by_token("rust");
        rust.expect("the grammars include Rust")
    }

    /// The scope changes of each of `lines` in turn, parsed through `memo`.
    fn parse(memo: &LineMemo, syntaxes: &SyntaxSet, lines: &[&str]) -> Vec<Ops> {
        let mut parser = memo.parser(rust(syntaxes));
        (lines.iter())
            .map(|line| parser.parse(line, syntaxes).unwrap())
            .collect()
    }

    #[test]
    fn a_kept_line_is_taken_only_in_the_state_it_was_parsed_in() {
        let syntaxes = two_face::syntax::extra_newlines();
        let memo = LineMemo::default();
        // Rust's grammar enters a function's body on the line after its brace.
        let body = ["fn main() {\n", "    let x = 1;\n", "    let x = 1;\n"];
        let outside = parse(&memo, &syntaxes, &body);
        assert_eq!(
            memo.kept(),
            1,
            "only the line that left the state as it found it"
        );
        let inside = parse(&memo, &syntaxes, &["/* open\n", body[1], body[2]]);
        assert_ne!(
            outside[2], inside[2],
            "in a comment, the line is parsed again"
        );
        let again = parse(&memo, &syntaxes, &body);
        assert!(Arc::ptr_eq(&outside[2], &again[2]), "taken from the memo");
        assert!(
            !Arc::ptr_eq(&outside[1], &again[1]),
            "parsed again: it changed the state"
        );
    }

    /// Guards the memo's reading of syntect's `Debug` form: a state holding a match (here a
    /// raw string's `#`s, matched again at its end) must have no key.
    #[test]
    fn a_state_holding_a_match_has_no_key() {
        let syntaxes = two_face::syntax::extra_newlines();
        let mut state = ParseState::new(rust(&syntaxes));
        let mut debug = String::new();
        assert!(StateKey::of(&state, &mut debug).is_some());
        state.parse_line("let s = r#\"raw\n", &syntaxes).unwrap();
        assert!(StateKey::of(&state, &mut debug).is_none(), "{debug}");
    }

    #[test]
    fn the_memo_keeps_no_more_than_its_room() {
        let syntaxes = two_face::syntax::extra_newlines();
        let memo = LineMemo::with_room(SHARDS * 2);
        for n in 0..500 {
            let line = format!("    let x{n} = {n};\n");
            parse(&memo, &syntaxes, &["fn main() {\n", &line, &line]);
            assert!(memo.kept() <= SHARDS * 2, "{} kept", memo.kept());
        }
        assert!(memo.kept() > 0);
    }
}
