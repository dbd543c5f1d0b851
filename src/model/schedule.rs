//! Scheduled and expired pages: a page dated after the build is held back until its date (so a
//! post can be written ahead and published by a rebuild on the day), and a page past its
//! `expires` is left out for good (Hugo's `expiryDate`).

use jiff::Timestamp;

use crate::load::PageDoc;
use crate::load::date::PostDate;

/// What a build does with pages dated after it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Future {
    /// Leave them out until their date (`build`, `check`).
    #[default]
    Hold,
    /// Publish them as any other (`build --future`).
    Keep,
    /// Publish them marked as scheduled (`serve`, so the author sees them coming).
    Mark,
}

/// The build's clock and what it does with the future.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// The moment the build treats as now.
    pub now: Timestamp,
    /// What becomes of pages dated after `now`.
    pub future: Future,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            now: Timestamp::now(),
            future: Future::Hold,
        }
    }
}

/// The pages a schedule left out, for the build's summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Held {
    /// Pages dated after the build, held back.
    pub scheduled: usize,
    /// The earliest date among them: when a rebuild publishes the next one.
    pub next: Option<PostDate>,
    /// Pages past their `expires`.
    pub expired: usize,
}

impl Schedule {
    /// True when `date` is after the build.
    pub fn is_future(&self, date: Option<PostDate>) -> bool {
        date.is_some_and(|d| d.instant > self.now)
    }

    /// The pages to publish, and what was held back or has expired.
    pub fn apply(&self, docs: Vec<PageDoc>) -> (Vec<PageDoc>, Held) {
        let mut held = Held::default();
        let kept = docs
            .into_iter()
            .filter(|doc| {
                let front = &doc.front;
                if front
                    .expires
                    .as_ref()
                    .is_some_and(|e| e.0.instant <= self.now)
                {
                    held.expired += 1;
                    return false;
                }
                let date = front.date.as_ref().map(|d| d.0);
                if self.future == Future::Hold && self.is_future(date) {
                    held.scheduled += 1;
                    held.next = match (held.next, date) {
                        (Some(next), Some(date)) => Some(next.min(date)),
                        (next, date) => next.or(date),
                    };
                    return false;
                }
                true
            })
            .collect();
        (kept, held)
    }
}
