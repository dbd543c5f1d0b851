//! `pamphlet deploy` killed (SIGKILL) at random moments, against a real Azurite, then run again:
//! the container converges to exactly `public/`, blob by blob and header by header, and a
//! further run finds nothing to do.
//!
//! Azurite must be running (`scripts/test` starts it; so does `scripts/azurite start`); the test
//! finds it through PAMPHLET_AZURITE_ENDPOINT, default http://127.0.0.1:10000/devstoreaccount1.
//! The random delays come from a printed seed; set `PAMPHLET_FAULT_SEED` to replay one.

use crate::common;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::azurite::{ACCOUNT, KEY, create_container, download_all, endpoint, require_azurite};
use pamphlet::build::{BuildOptions, build};
use pamphlet::content_type;
use pamphlet::deploy::MANIFEST_NAME;
use pamphlet::deploy::headers::default_cache_control;

fn deploy_command(root: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pamphlet"));
    command
        .arg("--root")
        .arg(root)
        .args(["deploy", "--delete", "--max-deletes", "100000"])
        .env_remove("AZURE_STORAGE_CONNECTION_STRING")
        .env_remove("AZURE_STORAGE_SAS_TOKEN")
        .env("AZURE_STORAGE_KEY", KEY)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Waits for a deploy, failing the test if it hangs.
fn finish(mut child: Child) -> (Option<i32>, String, String) {
    let started = Instant::now();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let (mut o, mut e) = (String::new(), String::new());
        let _ = out.read_to_string(&mut o);
        let _ = err.read_to_string(&mut e);
        (o, e)
    });
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let (o, e) = reader.join().unwrap();
            assert!(!e.contains("panicked"), "{e}");
            return (status.code(), o, e);
        }
        if started.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            panic!("pamphlet deploy hung");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn full_deploy(root: &Path) -> (String, Duration) {
    let started = Instant::now();
    let (code, stdout, stderr) = finish(deploy_command(root).spawn().unwrap());
    assert_eq!(code, Some(0), "deploy failed:\n{stdout}\n{stderr}");
    (stdout, started.elapsed())
}

/// The container holds exactly `public/`: the same paths, the same bytes, the right headers,
/// and the manifest.
fn assert_mirrors(container: &str, public: &Path, when: &str) {
    let mut blobs = download_all(container);
    let manifest = blobs.remove(MANIFEST_NAME);
    assert!(manifest.is_some(), "{when}: no manifest");
    let local = common::published(public);
    let remote_paths: Vec<&String> = blobs.keys().collect();
    let local_paths: Vec<&String> = local.keys().collect();
    assert_eq!(remote_paths, local_paths, "{when}: different files");
    for (path, bytes) in &local {
        let blob = &blobs[path];
        assert!(blob.bytes == *bytes, "{when}: {path} differs from public/");
        assert_eq!(
            blob.content_type.as_deref(),
            Some(content_type::for_path(path)),
            "{when}: Content-Type of {path}"
        );
        assert_eq!(
            blob.cache_control.as_deref(),
            Some(default_cache_control(path)),
            "{when}: Cache-Control of {path}"
        );
    }
}

fn site_toml(title: &str, container: &str, extra: &str) -> String {
    format!(
        "title = \"{title}\"\nbase_url = \"https://deploy.example\"\n{extra}\n\
         [deploy]\naccount = \"{ACCOUNT}\"\ncontainer = \"{container}\"\nendpoint = \"{}\"\n",
        endpoint()
    )
}

/// A new container, named for this run and `prefix`.
fn fresh_container(prefix: &str) -> String {
    let container = format!(
        "{prefix}-{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis()
            % 1_000_000_000
    );
    create_container(&container);
    container
}

/// Two site.toml variants deploying to `container` that differ in every page and in which files
/// exist (tag feeds, pagination).
fn variants(container: &str) -> [String; 2] {
    [
        site_toml("Variant A", container, ""),
        site_toml(
            "Variant B",
            container,
            "paginate_by = 7\n[feeds]\ntags = true\n",
        ),
    ]
}

#[test]
fn a_deploy_killed_at_any_moment_converges_when_run_again() {
    require_azurite();
    let seed = std::env::var("PAMPHLET_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("PAMPHLET_FAULT_SEED={seed}");
    let mut rng = seed;
    let mut unit = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 11) as f64 / (1u64 << 53) as f64
    };

    let container = fresh_container("faults");
    let variants = variants(&container);
    let site = common::generated_site(60, &variants[0]);
    let root = site.root();
    let rebuild = |variant: &str| {
        std::fs::write(root.join("site.toml"), variant).unwrap();
        if let Err(problems) = build(&BuildOptions::new(root)) {
            panic!("build failed:\n{}", common::render(&problems));
        }
    };
    rebuild(&variants[0]);
    let (_, took) = full_deploy(root);
    assert_mirrors(&container, &site.public(), "the first deploy");

    let mut kills = 0;
    let mut finished_anyway = 0;
    // Killed runs that had already changed the container: the ones a rerun must finish.
    let mut killed_midway = 0;
    let rounds = 4;
    for round in 0..rounds {
        rebuild(&variants[(round + 1) % 2]);
        // Two interrupted runs in a row, then one to the end.
        for run in 0..2 {
            // Anywhere from the start to past the end of a deploy: one random moment in each
            // eighth of that span, so that every part of a deploy is hit.
            let span = ((round * 2 + run) as f64 + unit()) / (rounds * 2) as f64;
            let delay = took.mul_f64(1.2 * span);
            let before = contents(&container);
            let mut child = deploy_command(root).spawn().unwrap();
            std::thread::sleep(delay);
            let _ = child.kill();
            let (code, _, _) = finish(child);
            if code == Some(0) {
                finished_anyway += 1;
            } else {
                kills += 1;
                killed_midway += usize::from(contents(&container) != before);
            }
        }
        let (stdout, _) = full_deploy(root);
        assert_mirrors(&container, &site.public(), &format!("round {round}"));
        let summary = stdout.lines().last().unwrap_or_default().to_string();
        // And the manifest is right: a further run has nothing to do.
        let (again, _) = full_deploy(root);
        assert!(
            again.contains(" 0 uploaded (0 B), ") && again.contains(", 0 deleted"),
            "round {round}: a run after convergence still had work:\n{again}"
        );
        eprintln!("round {round}: after the kills, {summary}");
    }
    eprintln!(
        "{kills} deploys killed, {killed_midway} of them after changing the container; \
         {finished_anyway} finished before the kill"
    );
    // Kills that all came before a deploy touched anything, or after it had finished, would
    // leave nothing to converge from.
    assert!(
        killed_midway > 0,
        "no kill landed while a deploy was changing the container ({kills} killed)"
    );
}

/// Every blob's bytes (the manifest included): what a killed run may have changed.
fn contents(container: &str) -> std::collections::BTreeMap<String, Vec<u8>> {
    download_all(container)
        .into_iter()
        .map(|(path, blob)| (path, blob.bytes))
        .collect()
}

/// SIGINT or SIGTERM at random moments of a deploy that would upload and delete: the uploads in
/// flight finish, no blob is deleted, it exits 1 saying rerunning finishes the job (or 0 when
/// it had finished), and the rerun converges.
#[test]
fn a_deploy_asked_to_stop_deletes_nothing_and_converges_when_run_again() {
    require_azurite();
    let container = fresh_container("polite");
    let variants = variants(&container);
    let site = common::generated_site(60, &variants[0]);
    let root = site.root();
    let rebuild = |variant: &str| {
        std::fs::write(root.join("site.toml"), variant).unwrap();
        if let Err(problems) = build(&BuildOptions::new(root)) {
            panic!("build failed:\n{}", common::render(&problems));
        }
    };
    rebuild(&variants[0]);
    let (_, took) = full_deploy(root);
    let mut stopped_midway = 0;
    for round in 0..6 {
        rebuild(&variants[(round + 1) % 2]);
        let before: Vec<String> = download_all(&container).into_keys().collect();
        let child = deploy_command(root).spawn().unwrap();
        // Spread over the first half of a full deploy's time, where the uploads are.
        std::thread::sleep(took.mul_f64(0.05 + 0.1 * round as f64));
        let signal = if round % 2 == 0 { "-INT" } else { "-TERM" };
        let _ = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status();
        let (code, stdout, stderr) = finish(child);
        let after: Vec<String> = download_all(&container).into_keys().collect();
        match code {
            Some(0) => {}
            Some(1) => {
                stopped_midway += 1;
                assert!(
                    stderr.contains("a signal (Ctrl-C or SIGTERM) asked it to stop")
                        || stderr.contains("stopped by a signal (Ctrl-C or SIGTERM)"),
                    "round {round}: {stderr}"
                );
                let kept = before.iter().all(|path| after.contains(path));
                assert!(kept, "round {round}: a stopped deploy deleted blobs");
            }
            other => panic!("round {round}: exit {other:?}\n{stdout}\n{stderr}"),
        }
        full_deploy(root);
        assert_mirrors(&container, &site.public(), &format!("round {round}"));
    }
    assert!(stopped_midway > 0, "no signal landed during a deploy");
}
