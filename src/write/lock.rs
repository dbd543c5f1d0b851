//! One build at a time per output folder: an advisory lock on a file beside it.
//!
//! The lock is `flock`-style (`File::lock`), held by the open file, so the system releases it
//! when the process ends however it ends: a `kill -9` never leaves a stale lock. The file is
//! never deleted, since deleting a lock file lets two processes lock two different files of one
//! name; it holds the process id of its last holder, to name it in messages.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// What a build does when another holds its output's lock.
#[derive(Debug, Clone, Copy)]
pub enum Wait {
    /// Waits, telling `say` once what it waits for.
    Saying(fn(&str)),
    /// Waits without a word (library callers, tests).
    Quietly,
    /// Fails at once, naming the other process.
    No,
}

/// The lock of one output folder, held until dropped.
#[derive(Debug)]
pub struct OutputLock {
    /// Held open: closing it releases the lock.
    _file: File,
}

/// Why the lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it and the caller would not wait.
    #[error("another pamphlet build ({holder}) is writing into {}", output.display())]
    Busy {
        /// "process 1234", or "a process" when the file does not say.
        holder: String,
        /// The output folder.
        output: PathBuf,
    },
    /// The lock file cannot be made or locked.
    #[error("cannot lock {}: {source}", path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
}

impl OutputLock {
    /// Locks the output folder `output` (absolute, resolved) through `.<name>.lock` beside it.
    pub fn acquire(output: &Path, wait: Wait) -> Result<OutputLock, LockError> {
        let path = lock_path(output);
        let io_error = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io_error)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_error)?;
        match try_lock_within_grace(&file) {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = holder(&mut file);
                match wait {
                    Wait::No => {
                        return Err(LockError::Busy {
                            holder,
                            output: output.to_path_buf(),
                        });
                    }
                    Wait::Saying(say) => say(&format!(
                        "waiting for another pamphlet build ({holder}) to finish writing into {}",
                        output.display()
                    )),
                    Wait::Quietly => {}
                }
                file.lock().map_err(io_error)?;
            }
            Err(TryLockError::Error(e)) => return Err(io_error(e)),
        }
        write_holder(&mut file).map_err(io_error)?;
        Ok(OutputLock { _file: file })
    }
}

/// How long a lock may stay held before a build says it waits or, with `--no-wait`, gives up: a
/// process that forks keeps every open file, a released lock's included, until the child execs
/// (a test running builds in-process while it spawns `pamphlet` was seen to trip on that), so a
/// lock held for a moment is not another build.
const GRACE: std::time::Duration = std::time::Duration::from_millis(100);

/// Takes the lock if it is free now or within [`GRACE`].
fn try_lock_within_grace(file: &File) -> Result<(), TryLockError> {
    let started = std::time::Instant::now();
    loop {
        match file.try_lock() {
            Err(TryLockError::WouldBlock) if started.elapsed() < GRACE => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            outcome => return outcome,
        }
    }
}

/// `public` → `.public.lock` in the same folder, beside the spare.
pub fn lock_path(output: &Path) -> PathBuf {
    super::staging::sibling(output, "lock")
}

/// Who holds the lock, as the file says.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let pid = file
        .rewind()
        .and_then(|()| file.read_to_string(&mut text))
        .ok()
        .and_then(|_| text.trim().parse::<u32>().ok());
    match pid {
        Some(pid) => format!("process {pid}"),
        None => "a process".to_string(),
    }
}

fn write_holder(file: &mut File) -> io::Result<()> {
    file.set_len(0)?;
    file.rewind()?;
    writeln!(file, "{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_naming_the_first_and_taken_once_it_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        let first = OutputLock::acquire(&output, Wait::No).unwrap();
        let err = OutputLock::acquire(&output, Wait::No).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&format!("process {}", std::process::id()))
                && text.contains(&output.display().to_string()),
            "{text}"
        );
        drop(first);
        assert!(OutputLock::acquire(&output, Wait::No).is_ok());
        assert!(lock_path(&output).ends_with(".public.lock"));
    }
}
