//! SplitMix64 (Steele, Lea and Flood, 2014): a tiny generator whose output depends on nothing
//! but its seed, on every platform and Rust version, which is what makes a corpus reproducible.

/// A stream of pseudo-random numbers.
pub struct Rng(u64);

/// SplitMix64's output function: every bit of the input affects every bit of the output.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// The stream for post `number` of the corpus with `seed`. Mixing both through the output
    /// function keeps neighbouring posts (and neighbouring seeds) unrelated.
    pub fn for_post(seed: u64, number: usize) -> Rng {
        Rng(mix(mix(seed ^ 0x7061_6D70_686C_6574) ^ number as u64))
    }

    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in `0..n` (`n` > 0), by Lemire's multiply-shift; its bias is far below anything
    /// a text generator could show.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    /// One item of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// One word of a non-empty list.
    pub fn word(&mut self, words: &[&'static str]) -> &'static str {
        words[self.below(words.len())]
    }

    /// Shuffles `items` in place (Fisher and Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let draw = |seed, number| {
            let mut rng = Rng::for_post(seed, number);
            (0..8).map(|_| rng.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(1, 7), draw(1, 7));
        assert_ne!(draw(1, 7), draw(1, 8));
        assert_ne!(draw(1, 7), draw(2, 7));
    }

    #[test]
    fn ranges_hold_and_are_all_reached() {
        let mut rng = Rng::for_post(3, 3);
        let mut seen = [0usize; 5];
        for _ in 0..5_000 {
            let n = rng.between(2, 6);
            assert!((2..=6).contains(&n), "{n}");
            seen[n - 2] += 1;
        }
        assert!(seen.iter().all(|&count| count > 800), "{seen:?}");
        let heads = (0..10_000).filter(|_| rng.chance(0.25)).count();
        assert!((2_200..2_800).contains(&heads), "{heads}");
    }
}
