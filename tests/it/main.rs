#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr,
    unreachable_pub,
    missing_docs
)]
//! pamphlet's integration tests, in one binary (the ripgrep and mdBook layout): each module
//! builds real fixture sites in temporary folders, runs the real binary or library, and reads
//! the results back with real parsers.

mod azurite;
mod browser;
mod build;
mod build_cache;
mod busy_preview;
mod cards;
mod cli;
mod common;
mod concurrent;
mod corpora;
mod deploy;
mod deploy_faults;
mod disk_full;
mod entra;
mod essays;
mod faults;
mod fuzz_corpus;
mod history;
mod hostile;
mod images;
mod live;
mod outputs;
mod properties;
mod readme;
mod schedule;
mod serve_http;
mod serve_live;
mod serve_rebuild;
mod shared_corpora;
mod token_endpoint;
mod validate;
