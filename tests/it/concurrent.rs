//! Builds that race: many `pamphlet build`s into one output at once, `--no-wait`, and a build
//! beside a running `serve`, all through the real binary.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use pamphlet::write::lock::{OutputLock, Wait};

use crate::common::serving::Serving;
use crate::common::{self, Site, generated_site};

const SITE_TOML: &str = "title = \"Race\"\nbase_url = \"https://race.example\"\n";

fn build_command(root: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pamphlet"));
    command.arg("--root").arg(root).arg("build").args(args);
    command
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The host every page's canonical link names, which must be one: a page from another build
/// would name its own.
fn canonical_hosts(public: &Path) -> BTreeSet<String> {
    common::files_ending(public, ".html")
        .iter()
        .filter_map(|file| {
            let html = std::fs::read_to_string(file).ok()?;
            let at = html.find("<link rel=\"canonical\" href=\"https://")?;
            let rest = &html[at + "<link rel=\"canonical\" href=\"https://".len()..];
            Some(rest.split('/').next()?.to_string())
        })
        .collect()
}

fn file_names(public: &Path) -> BTreeSet<String> {
    common::snapshot(public).into_keys().collect()
}

/// What lies beside the output folder but the output, its spare and its lock.
fn leftovers(root: &Path) -> Vec<String> {
    std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public.") && n != ".public.spare" && n != ".public.lock")
        .collect()
}

#[test]
fn eight_builds_at_once_into_one_output_leave_exactly_one_complete_build() {
    let site = generated_site(40, SITE_TOML);
    let reference = build_command(site.root(), &[]).output().unwrap();
    assert!(reference.status.success(), "{}", stderr(&reference));
    let expected = file_names(&site.public());
    for round in 0..4 {
        let children: Vec<Child> = (0..8)
            .map(|i| {
                let base = format!("https://b{round}-{i}.example");
                build_command(site.root(), &["--base-url", &base])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "round {round}: {}", stderr(&out));
        }
        let hosts = canonical_hosts(&site.public());
        assert_eq!(
            hosts.len(),
            1,
            "round {round}: pages of several builds: {hosts:?}"
        );
        assert!(hosts.iter().all(|h| h.starts_with(&format!("b{round}-"))));
        assert_eq!(file_names(&site.public()), expected, "round {round}");
        assert_eq!(
            leftovers(site.root()),
            Vec::<String>::new(),
            "round {round}"
        );
    }
}

#[test]
fn a_build_waits_for_the_one_holding_the_output_or_with_no_wait_names_it() {
    let site = Site::new();
    site.post("a", "title: A\ndate: 2024-01-01", "Post A.");
    site.build_ok();
    let before = site.snapshot();
    let public = site.public().canonicalize().unwrap();
    let held = OutputLock::acquire(&public, Wait::No).unwrap();

    let out = build_command(site.root(), &["--no-wait"]).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "error: another pamphlet build (process {}) is writing into {}",
            std::process::id(),
            public.display()
        )),
        "{err}"
    );
    assert_eq!(site.snapshot(), before, "a refused build touches nothing");

    site.post("a", "title: A\ndate: 2024-01-01", "Post A, edited.");
    let mut waiting = build_command(site.root(), &[])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(waiting.try_wait().unwrap().is_none(), "it waits");
    assert_eq!(site.snapshot(), before, "nothing written while it waits");
    drop(held);
    let out = waiting.wait_with_output().unwrap();
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(
        err.matches("waiting for another pamphlet build").count(),
        1,
        "said once: {err}"
    );
    assert!(site.read("blog/a/index.html").contains("Post A, edited."));
}

#[test]
fn a_build_and_a_serve_of_one_site_run_together() {
    let site = generated_site(30, SITE_TOML);
    let mut serve = Serving::start(site.root(), &[]);
    let reference = Site::new();
    for round in 0..3 {
        let text = format!("---\ntitle: Round\ndate: 2024-01-01\n---\nRound {round} text.\n");
        site.write("content/posts/round/index.md", &text);
        reference.write("content/posts/round/index.md", &text);
        let out = build_command(site.root(), &[]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            site.read("posts/round/index.html")
                .contains(&format!("Round {round} text."))
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let response = serve.connect().get("/posts/round/").unwrap();
            let status = response.status;
            if status == 200 && response.text().contains(&format!("Round {round} text.")) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "serve never showed round {round}: {status}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    assert!(
        serve.child.try_wait().unwrap().is_none(),
        "serve still runs"
    );
    drop(serve);
    // What the build published is a whole build of the site, as a build alone makes it.
    common::copy_tree(
        &site.root().join("content"),
        &reference.root().join("content"),
    );
    reference.write("site.toml", SITE_TOML);
    reference.build_ok();
    assert_eq!(site.snapshot(), reference.snapshot());
}
