//! Each key computed once, however many threads ask at the same moment: the first computes,
//! the others wait for its result (and get a clone of it).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, OnceLock};

use crate::sync::lock;

pub(crate) struct Memo<K, V> {
    cells: Mutex<HashMap<K, Arc<OnceLock<V>>>>,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    pub(crate) fn new() -> Self {
        Memo {
            cells: Mutex::new(HashMap::new()),
        }
    }

    /// The value for `key`, computed by `compute` if no thread has yet. The map's lock is only
    /// held to find the key's cell: computing one key never blocks callers of another.
    pub(crate) fn get_or_compute(&self, key: K, compute: impl FnOnce() -> V) -> V {
        let cell = Arc::clone(lock(&self.cells).entry(key).or_default());
        cell.get_or_init(compute).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn concurrent_callers_share_one_computation() {
        let memo = Memo::new();
        let runs = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    let value = memo.get_or_compute("a", || {
                        runs.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(30));
                        42
                    });
                    assert_eq!(value, 42);
                });
            }
        });
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(memo.get_or_compute("b", || 7), 7);
    }
}
