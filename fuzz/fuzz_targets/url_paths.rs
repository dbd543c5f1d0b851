//! Fuzz target `url_paths`: see `pamphlet_fuzz::url_paths` for what it feeds and asserts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pamphlet_fuzz::url_paths(data));
