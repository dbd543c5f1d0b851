//! A full disk through the real binary: the output folder on a small tmpfs, filled so the
//! build runs out of space at different points (its first file, and part way through staging).
//! Each time: exit 1, one error naming the folder whose disk is full and how much the build
//! writes there, `public/` byte for byte as before, nothing left in staging, and the next build,
//! with space, succeeds.
//!
//! Mounting a tmpfs needs root (or passwordless sudo), which CI has.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{self, generated_site};

const VARIANT_A: &str = "title = \"Variant A\"\nbase_url = \"https://example.com\"\n";
const VARIANT_B: &str =
    "title = \"Variant B\"\nbase_url = \"https://example.com\"\npaginate_by = 7\n";

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs {
    dir: PathBuf,
    _parent: tempfile::TempDir,
}

fn privileged(args: &[&str]) -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let mut command = if root {
        Command::new(args[0])
    } else {
        let mut sudo = Command::new("sudo");
        sudo.args(["-n", args[0]]);
        sudo
    };
    command.args(&args[1..]).status().is_ok_and(|s| s.success())
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("disk");
        std::fs::create_dir(&dir).unwrap();
        let options = format!("size={size},mode=0777");
        let mounted = privileged(&[
            "mount",
            "-t",
            "tmpfs",
            "-o",
            &options,
            "tmpfs",
            &dir.display().to_string(),
        ]);
        assert!(
            mounted,
            "cannot mount a tmpfs at {}: the full-disk tests need root or passwordless sudo",
            dir.display()
        );
        Tmpfs {
            dir,
            _parent: parent,
        }
    }

    /// Fills the disk until `free` bytes are left.
    fn fill_leaving(&self, free: u64) -> PathBuf {
        let filler = self.dir.join("filler");
        let available = free_bytes(&self.dir);
        let size = available.saturating_sub(free);
        std::fs::write(&filler, vec![0u8; usize::try_from(size).unwrap()]).unwrap();
        filler
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        privileged(&["umount", "-l", &self.dir.display().to_string()]);
    }
}

fn free_bytes(dir: &Path) -> u64 {
    let out = Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .unwrap()
}

fn build(root: &Path, output: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .arg("--root")
        .arg(root)
        .arg("build")
        .arg("--output")
        .arg(output)
        .output()
        .unwrap()
}

fn siblings(disk: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(disk)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public.") && n != ".public.lock")
        .collect();
    names.sort();
    names
}

#[test]
fn a_build_that_runs_out_of_space_says_so_once_and_loses_nothing() {
    let disk = Tmpfs::mount("24m");
    let site = generated_site(120, VARIANT_A);
    let output = disk.dir.join("public");
    let first = build(site.root(), &output);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let before = common::snapshot(&output);
    let site_bytes: u64 = before.values().map(|b| b.len() as u64).sum();
    site.write("site.toml", VARIANT_B);
    // Out of space at the first file, then a tenth, a half and most of the way through staging.
    for free in [0, site_bytes / 10, site_bytes / 2, site_bytes * 9 / 10] {
        let filler = disk.fill_leaving(free);
        let out = build(site.root(), &output);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "{free} bytes free: {err}");
        let errors: Vec<&str> = err.lines().filter(|l| l.contains("error:")).collect();
        assert_eq!(errors.len(), 1, "{free} bytes free: one error: {err}");
        let expected = format!("error: the disk holding {} is full", disk.dir.display());
        assert!(errors[0].starts_with(&expected), "{free} bytes free: {err}");
        if free > 0 {
            assert!(
                errors[0].contains(": the build writes about ") && errors[0].contains(" is free"),
                "{err}"
            );
        }
        assert!(err.contains("help: free some space there"), "{err}");
        assert_eq!(common::snapshot(&output), before, "{free} bytes free");
        assert_eq!(
            siblings(&disk.dir),
            Vec::<String>::new(),
            "nothing left staged"
        );
        std::fs::remove_file(filler).unwrap();
    }
    let out = build(site.root(), &output);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(common::snapshot(&output), before);
}
