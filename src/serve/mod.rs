//! `pamphlet serve`: a preview of exactly what Azure will serve, rebuilt and reloaded on save.
//!
//! Three parts, one concern each: [`http`] answers requests from the current [`state`]
//! snapshot the way Azure's static website does; the watcher notices edits; the rebuild policy
//! decides what to render again. The build itself is the same pipeline `build` runs, writing
//! into memory instead of `public/`, which `serve` never touches.

pub mod http;
pub mod inject;
pub mod rebuild;
pub mod resolve;
pub mod session_loop;
pub mod state;
pub mod watch;
