//! pamphlet: markdown essays in, a fast and hardened static blog out.
//!
//! A build is a pipeline, and the modules follow it:
//! [`load`] reads `content/` → [`model`] makes pages, sections and taxonomies →
//! [`render`] turns them into HTML, feeds and the sitemap → [`write`] publishes the result.
//! `serve`, `check` and `deploy` reuse those stages.

mod aside;
pub mod build;
pub mod card;
pub mod check;
pub mod compress;
pub mod config;
pub mod content_type;
pub mod deploy;
pub mod diagnostic;
pub mod fingerprint;
pub mod front_door;
pub mod images;
pub mod load;
pub mod model;
pub mod plural;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod stop;
pub mod store;
mod sync;
pub mod words;
pub mod write;
