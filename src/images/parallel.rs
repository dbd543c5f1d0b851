//! Running one image's encodings side by side on plain threads.
//!
//! Plain scoped threads rather than rayon: the callers are rayon's own threads, and a rayon
//! thread waiting inside rayon steals other work, which here could be another image waiting
//! for the very gate or memo cell this one holds. Plain threads only ever run what they were
//! given.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// Threads per image: the cores, at most four (the gate bounds how many images run at once).
pub(crate) fn threads() -> usize {
    thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
}

/// `work(0)`, …, `work(count - 1)` on up to `threads` threads, in index order; each thread
/// takes the next index when done, so giving the longest jobs the lowest indices keeps the
/// threads evenly busy. A job that panicked is an `Err`, never a panic here.
pub(crate) fn run<T: Send>(
    count: usize,
    threads: usize,
    work: impl Fn(usize) -> T + Sync,
) -> Result<Vec<T>, String> {
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            if index >= count {
                return done;
            }
            done.push((index, work(index)));
        }
    };
    let batches: Vec<thread::Result<Vec<(usize, T)>>> = thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.clamp(1, count.max(1)))
            .filter_map(|_| thread::Builder::new().spawn_scoped(scope, worker).ok())
            .collect();
        // A thread that could not be started leaves its share to this one.
        let here = std::panic::catch_unwind(std::panic::AssertUnwindSafe(worker));
        let mut batches: Vec<_> = handles.into_iter().map(|handle| handle.join()).collect();
        batches.push(here);
        batches
    });
    let mut results: Vec<Option<T>> = (0..count).map(|_| None).collect();
    for batch in batches {
        let batch = batch.map_err(|_| "an encoder crashed".to_string())?;
        for (index, result) in batch {
            results[index] = Some(result);
        }
    }
    results
        .into_iter()
        .collect::<Option<Vec<T>>>()
        .ok_or_else(|| "a job was lost".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_and_a_panic_is_an_error() {
        assert_eq!(run(5, 3, |i| i * 10).unwrap(), [0, 10, 20, 30, 40]);
        assert_eq!(run(0, 3, |i| i).unwrap(), Vec::<usize>::new());
        assert_eq!(run(2, 1, |i| i + 1).unwrap(), [1, 2]);
        let crashed = run(3, 2, |i| if i == 1 { panic!("boom") } else { i });
        assert_eq!(crashed.unwrap_err(), "an encoder crashed");
    }
}
