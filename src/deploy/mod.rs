//! `pamphlet deploy`: publishing the output folder to an Azure Blob Storage static website.

use std::path::PathBuf;

/// What `pamphlet deploy` was asked to do.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// The site's folder (holding `site.toml`).
    pub root: PathBuf,
    /// The built site to upload.
    pub output: PathBuf,
    /// Print the plan and change nothing.
    pub dry_run: bool,
    /// Upload every file, changed or not.
    pub force: bool,
    /// Delete remote files that are gone locally.
    pub delete: bool,
    /// The most files one run may delete.
    pub max_deletes: usize,
}
