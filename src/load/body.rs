//! A document's markdown text: held in memory, or left in its file and read again when it is
//! needed, so that a build of a very large site never holds every post's text at once.
//!
//! Which bodies a load holds is a [`Holding`]: `serve` holds them all (it compares them
//! between rebuilds); a one-off build holds them all while they fit a budget, and none once
//! the site's text is larger, so a site of any size costs at most the budget in text, and a
//! site within it is never read twice.
//!
//! A body read again is checked against the length and CRC-32 of the one first read, so a file
//! saved while the site is being built is an error the build reports, never a page made from
//! a text other than the one the model was made from.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How much markdown text a load keeps in memory.
#[derive(Debug)]
pub enum Holding {
    /// Every body.
    All,
    /// Every body while their bytes fit the budget; past it, each is read again when needed
    /// (bodies held by then are let go by [`Holding::settle`]).
    UpTo(Budget),
}

/// A byte budget shared by the threads of a load.
#[derive(Debug)]
pub struct Budget {
    limit: usize,
    asked: AtomicUsize,
}

impl Budget {
    /// A budget of `bytes`.
    pub fn new(bytes: usize) -> Self {
        Budget {
            limit: bytes,
            asked: AtomicUsize::new(0),
        }
    }

    /// Counts `bytes` against the budget; true while everything counted fits.
    fn fits(&self, bytes: usize) -> bool {
        let asked = self
            .asked
            .fetch_add(bytes, Ordering::Relaxed)
            .saturating_add(bytes);
        asked <= self.limit
    }

    fn spent(&self) -> bool {
        self.asked.load(Ordering::Relaxed) > self.limit
    }
}

impl Holding {
    /// True when every body loaded under this holding is held (its budget was not spent).
    pub fn holds_all(&self) -> bool {
        match self {
            Holding::All => true,
            Holding::UpTo(budget) => !budget.spent(),
        }
    }

    /// The body `text` of the file at `path`, held or left on disk as this holding allows.
    pub fn body(&self, text: &str, path: impl FnOnce() -> PathBuf) -> Body {
        match self {
            Holding::UpTo(budget) if !budget.fits(text.len()) => {
                Body::OnDisk(OnDisk::of(text, path()))
            }
            _ => Body::Held(text.into()),
        }
    }

    /// Counts `bytes` of a body left on disk without being read (a page recalled from the
    /// record of sources) against the budget: whether a site's text fits in memory must not
    /// depend on which of its pages were recalled. Without this, a warm build of 50,000 posts
    /// took its text to fit and kept every post's word counts in memory (545 MiB at peak,
    /// against 331 before the record of sources).
    pub fn count_unread(&self, bytes: u64) {
        if let Holding::UpTo(budget) = self {
            // Whether it still fits is asked once every body is loaded.
            let _ = budget.fits(usize::try_from(bytes).unwrap_or(usize::MAX));
        }
    }

    /// Once every body is loaded: when the budget was spent, the bodies held until then are
    /// let go too, so what a large site holds does not depend on which files were read first.
    /// `path` gives each one's file.
    pub fn settle<'b>(&self, bodies: impl Iterator<Item = (&'b mut Body, PathBuf)>) {
        let Holding::UpTo(budget) = self else {
            return;
        };
        if !budget.spent() {
            return;
        }
        for (body, path) in bodies {
            if let Body::Held(text) = body {
                *body = Body::OnDisk(OnDisk::of(text, path));
            }
        }
    }
}

/// The markdown after a document's front matter, with `\n` line ends.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// The text. Shared, so keeping a site's sources between `serve` rebuilds and handing them
    /// to the model copies no text.
    Held(Arc<str>),
    /// Left in its file.
    OnDisk(OnDisk),
}

/// Where a body left on disk is, and what it was when first read.
#[derive(Debug, Clone, PartialEq)]
pub struct OnDisk {
    path: PathBuf,
    check: TextCheck,
}

/// A text's length and CRC-32: what tells a body read again, or an entry stored for a text,
/// from one made from another text, without holding either text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TextCheck {
    /// Its length in bytes.
    pub len: u64,
    /// Its CRC-32.
    pub crc: u32,
}

impl TextCheck {
    /// The check of `text`.
    pub fn of(text: &str) -> TextCheck {
        TextCheck {
            len: text.len() as u64,
            crc: crc32fast::hash(text.as_bytes()),
        }
    }
}

impl From<&str> for Body {
    fn from(text: &str) -> Self {
        Body::Held(text.into())
    }
}

impl Body {
    /// The text, read again from its file when it was left there. The error says what went
    /// wrong in a sentence, to be reported as the file's.
    pub fn text(&self) -> Result<Arc<str>, String> {
        match self {
            Body::Held(text) => Ok(Arc::clone(text)),
            Body::OnDisk(place) => place.read(),
        }
    }

    /// The text if it is held, for what only compares texts it kept.
    pub fn held(&self) -> Option<&Arc<str>> {
        match self {
            Body::Held(text) => Some(text),
            Body::OnDisk(_) => None,
        }
    }

    /// The body of the file at `path`, known from an earlier read to have `check`: left there
    /// until something needs the text, which is then read and checked against it.
    pub fn known(path: PathBuf, check: TextCheck) -> Body {
        Body::OnDisk(OnDisk { path, check })
    }

    /// The text's check: worked out for a text held, known for one left on disk.
    pub fn check(&self) -> TextCheck {
        match self {
            Body::Held(text) => TextCheck::of(text),
            Body::OnDisk(place) => place.check,
        }
    }
}

impl OnDisk {
    fn of(text: &str, path: PathBuf) -> Self {
        OnDisk {
            path,
            check: TextCheck::of(text),
        }
    }

    fn read(&self) -> Result<Arc<str>, String> {
        let changed = || "the file changed while the site was being built".to_string();
        let text = super::read_body(&self.path)?.ok_or_else(changed)?;
        if TextCheck::of(&text) != self.check {
            return Err(changed());
        }
        Ok(text.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_budget_lets_every_body_go() {
        let holding = Holding::UpTo(Budget::new(10));
        let path = || PathBuf::from("unused.md");
        let mut first = holding.body("123456", path);
        assert!(matches!(first, Body::Held(_)));
        assert!(matches!(holding.body("12345", path), Body::OnDisk(_)));
        holding.settle([(&mut first, path())].into_iter());
        assert!(first.held().is_none());
        assert!(matches!(
            Holding::All.body(&"x".repeat(99), path),
            Body::Held(_)
        ));
    }

    #[test]
    fn a_budget_that_fits_holds_every_body() {
        let holding = Holding::UpTo(Budget::new(10));
        let path = || PathBuf::from("unused.md");
        let mut bodies = [holding.body("12345", path), holding.body("12345", path)];
        holding.settle(bodies.iter_mut().map(|b| (b, path())));
        assert!(bodies.iter().all(|b| b.held().is_some()));
    }

    #[test]
    fn a_body_left_on_disk_is_read_again_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("post.md");
        std::fs::write(&path, "---\ntitle: A\n---\r\nSome *text*.\r\n").unwrap();
        let holding = Holding::UpTo(Budget::new(0));
        let body = holding.body("Some *text*.\n", || path.clone());
        assert!(body.held().is_none());
        assert_eq!(&*body.text().unwrap(), "Some *text*.\n");
    }

    #[test]
    fn a_body_changed_since_it_was_read_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("post.md");
        std::fs::write(&path, "---\ntitle: A\n---\nBefore.\n").unwrap();
        let body = Holding::UpTo(Budget::new(0)).body("Before.\n", || path.clone());
        std::fs::write(&path, "---\ntitle: A\n---\nAfter!!\n").unwrap();
        let error = body.text().unwrap_err();
        assert!(
            error.contains("changed while the site was being built"),
            "{error}"
        );
        std::fs::remove_file(&path).unwrap();
        assert!(body.text().is_err());
    }
}
