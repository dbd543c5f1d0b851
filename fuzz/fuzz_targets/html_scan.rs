//! Fuzz target `html_scan`: see `pamphlet_fuzz::html_scan` for what it feeds and asserts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pamphlet_fuzz::html_scan(data));
