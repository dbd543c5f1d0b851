//! Fuzz target `serve_resolve`: see `pamphlet_fuzz::serve_resolve` for what it feeds and asserts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pamphlet_fuzz::serve_resolve(data));
