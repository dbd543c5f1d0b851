//! Fuzz target `front_matter`: see `pamphlet_fuzz::front_matter` for what it feeds and asserts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pamphlet_fuzz::front_matter(data));
