//! When each content file was last committed, from one `git log` for the whole site, for
//! `[build] updated_from_git`: a page without `updated` in front matter takes its file's.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use super::date::PostDate;

/// Marks a commit's line in the log, before its committer date; file names follow it.
const COMMIT: &str = "\u{1}commit ";

/// The last commit date of every file under `root/content/` that git knows, by its path
/// relative to `content/`; a sentence when `root` is not in a git repository or git fails.
pub fn last_commits(root: &Path) -> Result<HashMap<String, PostDate>, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        // Else git prints a name outside ASCII quoted and escaped ("content/caf\303\251.md"),
        // and that page would keep its front matter date.
        .args(["-c", "core.quotePath=false"])
        .args(["log", "--relative", "--name-only", "--no-renames"])
        .arg(format!("--format={COMMIT}%cI"))
        .args(["--", "content"])
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        let said = said.lines().next().unwrap_or("git log failed").trim();
        return Err(format!("git log failed in {}: {said}", root.display()));
    }
    Ok(parse_log(&String::from_utf8_lossy(&output.stdout)))
}

/// Reads `git log --name-only` output, newest commit first: a file's first appearance is its
/// last commit. Paths outside `content/` and unreadable dates are skipped.
pub fn parse_log(log: &str) -> HashMap<String, PostDate> {
    let mut last = HashMap::new();
    let mut date = None;
    for line in log.lines() {
        if let Some(committed) = line.strip_prefix(COMMIT) {
            date = PostDate::parse(committed.trim()).ok();
        } else if let (Some(date), Some(rel)) = (date, line.strip_prefix("content/")) {
            last.entry(rel.to_string()).or_insert(date);
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_takes_its_newest_commit() {
        let log = "\u{1}commit 2024-03-01T10:00:00+01:00\n\ncontent/blog/a/index.md\n\
                   \u{1}commit 2024-01-01T00:00:00Z\n\ncontent/blog/a/index.md\n\
                   content/blog/b.md\nREADME.md\n";
        let last = parse_log(log);
        assert_eq!(last.len(), 2, "{last:?}");
        assert_eq!(last["blog/a/index.md"].rfc3339(), "2024-03-01T09:00:00Z");
        assert_eq!(last["blog/b.md"].rfc3339(), "2024-01-01T00:00:00Z");
    }

    #[test]
    fn lines_before_any_commit_or_with_a_bad_date_are_skipped() {
        let log = "content/x.md\n\u{1}commit yesterday\ncontent/y.md\n";
        assert!(parse_log(log).is_empty());
    }
}
