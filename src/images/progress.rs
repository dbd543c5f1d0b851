//! A progress bar for image work that takes more than a second, on stderr, only when asked for
//! and stderr is a terminal: a build that finds every image in its cache shows nothing, and
//! logs and pipes get the summary alone.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::sync::lock;

/// How long image work runs before the bar appears.
const DELAY: Duration = Duration::from_secs(1);

/// Images being made and made, and the bar once it is shown.
pub(super) struct Progress {
    state: Arc<State>,
    /// Starts the watch at the first piece of work, not at the build's start.
    watch: Once,
}

#[derive(Default)]
struct State {
    visible: bool,
    started: AtomicU64,
    done: AtomicU64,
    bar: Mutex<Option<ProgressBar>>,
}

/// One piece of image work under way: done when dropped, so a failure or a panic counts too.
pub(super) struct Work<'a>(&'a State);

impl Progress {
    /// Progress that shows a bar when `wanted` and stderr is a terminal, else counts silently.
    pub(super) fn new(wanted: bool) -> Progress {
        Progress {
            state: Arc::new(State {
                visible: wanted && std::io::stderr().is_terminal(),
                ..State::default()
            }),
            watch: Once::new(),
        }
    }

    /// Counts one more image being made; the bar appears if work is still under way a second
    /// after the first began.
    pub(super) fn start(&self) -> Work<'_> {
        self.state.started.fetch_add(1, Ordering::Relaxed);
        if self.state.visible {
            self.watch.call_once(|| {
                let state = Arc::clone(&self.state);
                // The watcher ends after one look: it never outlives the build by more than
                // the delay, and holds nothing the build needs.
                std::thread::spawn(move || {
                    std::thread::sleep(DELAY);
                    state.show_if_busy();
                });
            });
        }
        if let Some(bar) = lock(&self.state.bar).as_ref() {
            bar.set_length(self.total());
        }
        Work(&self.state)
    }

    fn total(&self) -> u64 {
        self.state.started.load(Ordering::Relaxed)
    }

    /// Images made so far, and whether the bar was ever shown (for tests).
    #[cfg(test)]
    pub(super) fn counts(&self) -> (u64, u64, bool) {
        let shown = lock(&self.state.bar).is_some();
        (self.total(), self.state.done.load(Ordering::Relaxed), shown)
    }

    /// Removes the bar, leaving the terminal to the summary.
    pub(super) fn finish(&self) {
        if let Some(bar) = lock(&self.state.bar).take() {
            bar.finish_and_clear();
        }
    }
}

impl State {
    fn show_if_busy(&self) {
        let started = self.started.load(Ordering::Relaxed);
        let done = self.done.load(Ordering::Relaxed);
        if done >= started {
            return;
        }
        let style = ProgressStyle::with_template(
            "{spinner} making images [{bar:30}] {pos}/{len} ({elapsed}, {per_sec})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(Some(started), ProgressDrawTarget::stderr())
            .with_style(style)
            .with_position(done);
        bar.enable_steady_tick(Duration::from_millis(120));
        *lock(&self.bar) = Some(bar);
    }
}

impl Drop for Work<'_> {
    fn drop(&mut self) {
        self.0.done.fetch_add(1, Ordering::Relaxed);
        if let Some(bar) = lock(&self.0.bar).as_ref() {
            bar.inc(1);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_is_counted_done_even_when_it_fails_and_no_bar_shows_off_a_terminal() {
        let progress = Progress::new(true);
        {
            let _first = progress.start();
            let _second = progress.start();
        }
        let third = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _work = progress.start();
            panic!("an encoder failed");
        }));
        assert!(third.is_err());
        // Test output is not a terminal, so even a wanted bar stays hidden.
        assert_eq!(progress.counts(), (3, 3, false));
    }
}
