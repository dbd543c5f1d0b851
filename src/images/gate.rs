//! A bound on the pixels being worked on at once, whatever the number of threads asking.
//!
//! Every image holds its decoded pixels, their resized copies and its encoders' state while
//! it is processed: about 40 bytes per source pixel in all (`encoder_figures` measured 245 MiB
//! for the 3000 × 2000 photo's whole set on two threads).
//! The gate admits images while the pixels in flight stay within the budget, so many
//! rayon threads asking at once queue instead of exhausting memory. An image above the budget
//! on its own waits until it is alone.
//!
//! The gate is a plain mutex and condition variable, never a rayon primitive: a thread
//! waiting here blocks, it does not steal other work that might need the gate itself.

use std::sync::{Condvar, Mutex, PoisonError};

use crate::sync::lock;

/// Pixels in flight at most: a 32-megapixel photo, or several smaller ones, about 1.3 GB of
/// working memory.
pub(crate) const BUDGET_PIXELS: u64 = 32_000_000;

/// A weighted semaphore counting pixels.
pub(crate) struct Gate {
    budget: u64,
    in_use: Mutex<u64>,
    freed: Condvar,
}

/// Leave to work on `weight` pixels; dropping it lets the next image in.
pub(crate) struct Pass<'a> {
    gate: &'a Gate,
    weight: u64,
}

impl Gate {
    pub(crate) fn new(budget: u64) -> Gate {
        Gate {
            budget: budget.max(1),
            in_use: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Waits until `weight` pixels (at most the whole budget) fit, and takes them.
    pub(crate) fn enter(&self, weight: u64) -> Pass<'_> {
        let weight = weight.clamp(1, self.budget);
        let mut in_use = lock(&self.in_use);
        while *in_use + weight > self.budget {
            in_use = self
                .freed
                .wait(in_use)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *in_use += weight;
        Pass { gate: self, weight }
    }
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        *lock(&self.gate.in_use) -= self.weight;
        self.gate.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    #[test]
    fn no_more_than_the_budget_is_ever_in_flight() {
        let gate = Gate::new(10);
        let (now, peak) = (AtomicU64::new(0), AtomicU64::new(0));
        std::thread::scope(|scope| {
            for weight in [4, 4, 4, 7, 3, 25, 1, 1] {
                let (gate, now, peak) = (&gate, &now, &peak);
                scope.spawn(move || {
                    let _pass = gate.enter(weight);
                    let held = now.fetch_add(weight.min(10), Ordering::SeqCst) + weight.min(10);
                    peak.fetch_max(held, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    now.fetch_sub(weight.min(10), Ordering::SeqCst);
                });
            }
        });
        assert!(peak.load(Ordering::SeqCst) <= 10);
        assert_eq!(*lock(&gate.in_use), 0);
    }
}
