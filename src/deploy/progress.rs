//! A progress bar of files and bytes on stderr, only when stderr is a terminal, so logs and
//! pipes get the summary alone.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Files and bytes done of a known total.
pub(super) struct Progress {
    bar: Option<ProgressBar>,
    files_total: u64,
    files_done: AtomicU64,
}

impl Progress {
    /// A bar for `files` files of `bytes` in all, being `doing` (such as "uploading"), hidden
    /// unless stderr is a terminal.
    pub(super) fn new(files: usize, bytes: u64, doing: &str) -> Progress {
        let visible = files > 0 && std::io::stderr().is_terminal();
        let bar = visible.then(|| {
            let style = ProgressStyle::with_template(&format!(
                "{{spinner}} {doing} [{{bar:30}}] {{msg}} files, {{bytes}}/{{total_bytes}} ({{bytes_per_sec}})"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            let bar = ProgressBar::with_draw_target(Some(bytes), ProgressDrawTarget::stderr())
                .with_style(style)
                .with_message(format!("0/{files}"));
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            files_total: files as u64,
            files_done: AtomicU64::new(0),
        }
    }

    /// One more file of `bytes` is up.
    pub(super) fn file_done(&self, bytes: u64) {
        let done = self.files_done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
            bar.set_message(format!("{done}/{}", self.files_total));
        }
    }

    /// Removes the bar, leaving the terminal to the summary.
    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
