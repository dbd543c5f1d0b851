//! Fuzz target `markdown`: see `pamphlet_fuzz::markdown` for what it feeds and asserts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pamphlet_fuzz::markdown(data));
