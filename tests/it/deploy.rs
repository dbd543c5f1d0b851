//! `pamphlet deploy` against a real Azurite: real builds, real uploads, read back blob by blob.
//!
//! Azurite must be running (`scripts/test` starts it; so does `scripts/azurite start`); the tests
//! find it through PAMPHLET_AZURITE_ENDPOINT, default http://127.0.0.1:10000/devstoreaccount1.
//! Each test deploys to a fresh container of its own, so they run in parallel.

use crate::common;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use object_store::path::Path as BlobPath;
use object_store::{ObjectStoreExt, PutPayload};

use crate::azurite::{
    ACCOUNT, Blob, KEY, create_container, download_all, endpoint, require_azurite, runtime, store,
    unique_container,
};
use pamphlet::build::{BuildOptions, build};
use pamphlet::content_type;
use pamphlet::deploy::headers::{IMMUTABLE, MODERATE, SHORT, default_cache_control};
use pamphlet::deploy::{Credentials, DeployOptions, MANIFEST_NAME, Reason, deploy};

/// Valid base64 of the right length, but not the account's key.
const WRONG_KEY: &str =
    "AAAAvdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// A small real site in a temporary folder, deploying to its own container.
struct Site {
    dir: tempfile::TempDir,
    container: String,
}

/// The outcome of running the real binary.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Paths the deploy printed as uploaded (or, with --dry-run, to upload).
    fn uploaded(&self) -> BTreeSet<String> {
        self.paths(&["uploaded ", "would upload "])
    }

    fn deleted(&self) -> BTreeSet<String> {
        self.paths(&["deleted ", "would delete "])
    }

    fn paths(&self, prefixes: &[&str]) -> BTreeSet<String> {
        self.stdout
            .lines()
            .filter_map(|l| prefixes.iter().find_map(|p| l.strip_prefix(p)))
            .map(|rest| match rest.rfind(" (") {
                Some(i) => rest[..i].to_string(),
                None => rest.to_string(),
            })
            .collect()
    }

    fn assert_success(&self) {
        assert_eq!(
            self.code,
            Some(0),
            "deploy failed:\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
    }

    /// A failure: non-zero exit, and exactly one line on stderr.
    fn assert_one_sentence_failure(&self) -> &str {
        assert_ne!(
            self.code,
            Some(0),
            "expected a failure, got:\n{}",
            self.stdout
        );
        assert!(self.code.is_some(), "killed by a signal (a panic?)");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "expected one line on stderr, got:\n{}",
            self.stderr
        );
        assert!(lines[0].starts_with("deploy failed: "), "{}", lines[0]);
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        lines[0]
    }
}

impl Site {
    fn new(tag: &str) -> Site {
        Site::in_container(unique_container(tag))
    }

    /// A site deploying to `container`, made if it is missing.
    fn in_container(container: String) -> Site {
        require_azurite();
        create_container(&container);
        let dir = tempfile::tempdir().expect("a temporary folder");
        let site = Site { dir, container };
        site.write_config("");
        site.write(
            "content/blog/a/index.md",
            "---\ntitle: Post A\ndate: 2024-01-02\ntags: [rust, azure]\n---\n\nThe body of post A.\n",
        );
        site.write(
            "content/blog/b/index.md",
            "---\ntitle: Post B\ndate: 2024-02-03\ntags: [rust]\n---\n\nThe body of post B.\n",
        );
        site.write(
            "content/about.md",
            "---\ntitle: About\n---\n\nAbout this test site.\n",
        );
        site.write("static/files/notes.txt", "plain notes\n");
        site.write(
            "static/.well-known/security.txt",
            "Contact: mailto:security@deploy.example\nExpires: 2030-01-01T00:00:00Z\n",
        );
        site.build();
        site
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn public(&self) -> PathBuf {
        self.root().join("public")
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.root().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    /// site.toml with the deploy target and `extra` appended (cache rules).
    fn write_config(&self, extra: &str) {
        self.write_config_at(&endpoint(), extra);
    }

    fn write_config_at(&self, endpoint: &str, extra: &str) {
        self.write(
            "site.toml",
            &format!(
                "title = \"Deploy test\"\nbase_url = \"https://deploy.example\"\n\n\
                 [deploy]\naccount = \"{ACCOUNT}\"\ncontainer = \"{}\"\nendpoint = \"{endpoint}\"\n{extra}",
                self.container
            ),
        );
    }

    fn build(&self) {
        if let Err(problems) = build(&BuildOptions::new(self.root())) {
            let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
            panic!("the fixture site does not build:\n{}", text.join("\n"));
        }
    }

    /// Runs `pamphlet --root <site> deploy <args>` with `key` as AZURE_STORAGE_KEY.
    fn deploy_with_key(&self, key: &str, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
            .arg("--root")
            .arg(self.root())
            .arg("deploy")
            .args(args)
            .env_remove("AZURE_STORAGE_CONNECTION_STRING")
            .env_remove("AZURE_STORAGE_SAS_TOKEN")
            .env("AZURE_STORAGE_KEY", key)
            .output()
            .expect("the pamphlet binary runs");
        let run = Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        for secret in [KEY, WRONG_KEY, &KEY[..20], &WRONG_KEY[..20]] {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "a key appeared in the output:\n{}\n{}",
                run.stdout,
                run.stderr
            );
        }
        run
    }

    fn deploy(&self, args: &[&str]) -> Run {
        self.deploy_with_key(KEY, args)
    }

    /// The container's blobs, the manifest set apart.
    fn remote(&self) -> (BTreeMap<String, Blob>, Option<Blob>) {
        let mut blobs = download_all(&self.container);
        let manifest = blobs.remove(MANIFEST_NAME);
        (blobs, manifest)
    }

    /// Asserts the container holds exactly `public/`, byte for byte, plus the manifest.
    fn assert_mirrors_public(&self) {
        let (blobs, manifest) = self.remote();
        assert!(manifest.is_some(), "no manifest in the container");
        let local = common::published(&self.public());
        let remote: BTreeMap<String, Vec<u8>> =
            blobs.into_iter().map(|(k, b)| (k, b.bytes)).collect();
        assert_eq!(
            remote.keys().collect::<Vec<_>>(),
            local.keys().collect::<Vec<_>>()
        );
        for (path, bytes) in &local {
            assert!(remote[path] == *bytes, "{path} differs from public/");
        }
    }
}

/// The theme's fingerprinted stylesheet, whatever its hash is today.
fn stylesheet<T>(blobs: &BTreeMap<String, T>) -> String {
    blobs
        .keys()
        .find(|p| p.starts_with("style.") && p.ends_with(".css"))
        .cloned()
        .expect("the theme's stylesheet")
}

/// Paths whose bytes differ between two snapshots of `public/`, or that are new.
fn changed(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
) -> BTreeSet<String> {
    after
        .iter()
        .filter(|(path, bytes)| before.get(*path) != Some(bytes))
        .map(|(path, _)| path.clone())
        .collect()
}

#[test]
fn first_deploy_uploads_every_file_with_its_headers_and_the_second_uploads_nothing() {
    let site = Site::new("first");
    let run = site.deploy(&[]);
    run.assert_success();
    let local = common::published(&site.public());
    assert_eq!(
        run.uploaded(),
        local.keys().cloned().collect::<BTreeSet<_>>()
    );
    assert!(
        run.stdout.contains("uploaded index.html (new)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("{} uploaded", local.len())),
        "{}",
        run.stdout
    );

    site.assert_mirrors_public();
    let (blobs, manifest) = site.remote();
    assert_eq!(
        blobs[".well-known/security.txt"].content_type.as_deref(),
        Some("text/plain; charset=utf-8"),
        "security.txt is deployed as text"
    );
    let mut seen = BTreeSet::new();
    for (path, blob) in &blobs {
        assert_eq!(
            blob.content_type.as_deref(),
            Some(content_type::for_path(path)),
            "Content-Type of {path}"
        );
        let expected = default_cache_control(path);
        assert_eq!(
            blob.cache_control.as_deref(),
            Some(expected),
            "Cache-Control of {path}"
        );
        seen.insert(expected);
    }
    // The fixture exercises every default.
    assert_eq!(seen, BTreeSet::from([IMMUTABLE, MODERATE, SHORT]));
    // And in plain words, not only through the tables the code uses.
    let style = stylesheet(&blobs);
    let headers = |path: &str| {
        (
            blobs[path].content_type.as_deref(),
            blobs[path].cache_control.as_deref(),
        )
    };
    assert_eq!(
        headers(&style),
        (
            Some("text/css; charset=utf-8"),
            Some("public, max-age=31536000, immutable")
        )
    );
    assert_eq!(
        headers("blog/a/index.html"),
        (
            Some("text/html; charset=utf-8"),
            Some("public, max-age=300")
        )
    );
    assert_eq!(
        headers("rss.xml"),
        (
            Some("application/rss+xml; charset=utf-8"),
            Some("public, max-age=300")
        )
    );
    assert_eq!(
        headers("files/notes.txt"),
        (
            Some("text/plain; charset=utf-8"),
            Some("public, max-age=3600")
        )
    );
    let manifest = manifest.expect("a manifest");
    assert_eq!(manifest.cache_control.as_deref(), Some("no-store"));

    let again = site.deploy(&[]);
    again.assert_success();
    assert!(again.uploaded().is_empty(), "{}", again.stdout);
    assert!(
        again
            .stdout
            .contains(&format!("0 uploaded (0 B), {} unchanged", local.len())),
        "{}",
        again.stdout
    );
    let (after, _) = site.remote();
    let etags = |b: &BTreeMap<String, Blob>| {
        b.iter()
            .map(|(k, v)| (k.clone(), v.etag.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(etags(&after), etags(&blobs), "a no-op deploy rewrote blobs");
}

#[test]
fn editing_a_post_uploads_that_page_and_what_lists_it_only() {
    let site = Site::new("edit");
    let options = DeployOptions::new(site.root());
    let config = pamphlet::config::Config::load(site.root()).expect("site.toml loads");
    let first = deploy(&options, &config.deploy, &Credentials::with_key(KEY)).expect("deploy");
    assert!(first.uploaded.iter().all(|u| u.reason == Reason::New));

    let before = common::published(&site.public());
    site.write(
        "content/blog/a/index.md",
        "---\ntitle: Post A\ndate: 2024-01-02\ntags: [rust, azure]\n---\n\nThe body of post A, now edited.\n",
    );
    site.build();
    let after = common::published(&site.public());
    let expected = changed(&before, &after);
    assert!(expected.contains("blog/a/index.html"), "{expected:?}");
    // The feeds carry posts in full, so the edit changes them too: the upload order of pages
    // and feeds checked below has both to order.
    for feed in ["rss.xml", "atom.xml"] {
        assert!(
            expected.contains(feed),
            "the edit left {feed} as it was: {expected:?}"
        );
    }
    // Post B lists A too when A is among its related posts, whose summary the edit changed.
    let b_shows_a = common::attrs(
        &scraper::Html::parse_document(
            &std::fs::read_to_string(site.public().join("blog/b/index.html")).expect("post B"),
        ),
        ".related a",
        "href",
    )
    .contains(&"/blog/a/".to_string());
    assert_eq!(
        expected.contains("blog/b/index.html"),
        b_shows_a,
        "post B changes exactly when it shows A as related: {expected:?}"
    );
    for path in &expected {
        let is_list_or_feed =
            path.ends_with(".html") || path.ends_with(".xml") || path.ends_with("feed.json");
        assert!(is_list_or_feed, "an edit changed {path}");
    }

    let report = deploy(&options, &config.deploy, &Credentials::with_key(KEY)).expect("deploy");
    let uploaded: BTreeSet<String> = report.uploaded.iter().map(|u| u.path.clone()).collect();
    assert_eq!(uploaded, expected);
    assert!(report.uploaded.iter().all(|u| u.reason == Reason::Changed));
    assert_eq!(report.unchanged, after.len() - expected.len());
    assert!(report.deleted.is_empty());
    // Pages before feeds and the sitemap, so a feed never announces a page not yet there.
    let last_page = report
        .uploaded
        .iter()
        .rposition(|u| u.path.ends_with(".html"));
    let first_feed = report
        .uploaded
        .iter()
        .position(|u| u.path.ends_with(".xml"));
    let (Some(page), Some(feed)) = (last_page, first_feed) else {
        panic!(
            "the deploy should upload a page and a feed: {:?}",
            report.uploaded
        );
    };
    assert!(page < feed, "{:?}", report.uploaded);
    site.assert_mirrors_public();
}

#[test]
fn a_cache_rule_change_reuploads_only_the_blobs_it_affects() {
    let site = Site::new("rules");
    site.deploy(&[]).assert_success();
    let (before, _) = site.remote();

    site.write_config(
        "\n[[deploy.cache]]\nglob = \"*.xml\"\ncontrol = \"public, max-age=60\"\n\n\
         [[deploy.cache]]\nglob = \"files/**\"\ncontrol = \"private, max-age=10\"\n",
    );
    let run = site.deploy(&[]);
    run.assert_success();
    let expected: BTreeSet<String> = before
        .keys()
        .filter(|p| p.ends_with(".xml") || p.starts_with("files/"))
        .cloned()
        .collect();
    assert!(expected.contains("rss.xml") && expected.contains("files/notes.txt"));
    assert_eq!(run.uploaded(), expected);
    assert!(
        run.stdout.contains("uploaded rss.xml (headers changed)"),
        "{}",
        run.stdout
    );

    let (after, _) = site.remote();
    for (path, blob) in &after {
        if path.ends_with(".xml") {
            assert_eq!(
                blob.cache_control.as_deref(),
                Some("public, max-age=60"),
                "{path}"
            );
        } else if path.starts_with("files/") {
            assert_eq!(
                blob.cache_control.as_deref(),
                Some("private, max-age=10"),
                "{path}"
            );
        } else {
            assert_eq!(blob.etag, before[path].etag, "{path} was touched");
        }
    }
    assert!(site.deploy(&[]).uploaded().is_empty());
}

#[test]
fn delete_removes_a_removed_posts_blobs_but_never_more_than_max_deletes() {
    let site = Site::new("delete");
    site.deploy(&[]).assert_success();
    let before = common::published(&site.public());

    std::fs::remove_dir_all(site.root().join("content/blog/b")).expect("remove post b");
    site.build();
    let after = common::published(&site.public());
    let gone: BTreeSet<String> = before
        .keys()
        .filter(|p| !after.contains_key(*p))
        .cloned()
        .collect();
    assert!(gone.contains("blog/b/index.html"), "{gone:?}");

    // Without --delete: uploads happen, nothing is deleted, and the user hears why.
    let kept = site.deploy(&[]);
    kept.assert_success();
    assert!(kept.deleted().is_empty());
    assert!(kept.stderr.contains("--delete"), "{}", kept.stderr);

    // Over the limit: nothing is deleted, and the user hears why.
    let limit = (gone.len() - 1).to_string();
    let refused = site.deploy(&["--delete", "--max-deletes", &limit]);
    refused.assert_success();
    assert!(refused.deleted().is_empty(), "{}", refused.stdout);
    assert!(
        refused.stderr.contains("deleted nothing"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("--max-deletes"),
        "{}",
        refused.stderr
    );
    let (blobs, _) = site.remote();
    assert!(gone.iter().all(|p| blobs.contains_key(p)));

    let run = site.deploy(&["--delete"]);
    run.assert_success();
    assert_eq!(run.deleted(), gone);
    assert!(run.uploaded().is_empty(), "{}", run.stdout);
    site.assert_mirrors_public();
}

#[test]
fn dry_run_changes_nothing() {
    let site = Site::new("dry");
    let run = site.deploy(&["--dry-run"]);
    run.assert_success();
    assert_eq!(
        run.uploaded(),
        common::published(&site.public())
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>()
    );
    assert!(run.stdout.contains("nothing was changed"), "{}", run.stdout);
    assert!(
        download_all(&site.container).is_empty(),
        "a dry run wrote blobs"
    );

    site.deploy(&[]).assert_success();
    let before = download_all(&site.container);
    std::fs::remove_dir_all(site.root().join("content/blog/b")).expect("remove post b");
    site.write_config("\n[[deploy.cache]]\nglob = \"*.html\"\ncontrol = \"no-cache\"\n");
    site.build();
    let run = site.deploy(&["--dry-run", "--delete", "--force"]);
    run.assert_success();
    assert!(
        !run.uploaded().is_empty() && !run.deleted().is_empty(),
        "{}",
        run.stdout
    );
    assert_eq!(
        download_all(&site.container),
        before,
        "a dry run changed the container"
    );
}

#[test]
fn a_wrong_key_or_a_dead_endpoint_fails_in_one_sentence_and_changes_nothing() {
    let site = Site::new("fail");
    site.deploy(&[]).assert_success();
    let before = download_all(&site.container);
    site.write(
        "content/blog/a/index.md",
        "---\ntitle: Post A\ndate: 2024-01-02\n---\n\nSomething new to upload.\n",
    );
    site.build();

    let denied = site.deploy_with_key(WRONG_KEY, &["--delete"]);
    let line = denied.assert_one_sentence_failure();
    assert!(line.contains("refused the credentials"), "{line}");
    assert!(line.contains("AZURE_STORAGE_KEY"), "{line}");

    let missing = site.deploy_with_key("", &[]);
    let line = missing.assert_one_sentence_failure();
    assert!(line.contains("no way to sign in"), "{line}");

    // A port nothing listens on: bind one, then let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    site.write_config_at(&format!("http://127.0.0.1:{port}/{ACCOUNT}"), "");
    let dead = site.deploy(&["--delete"]);
    let line = dead.assert_one_sentence_failure();
    assert!(line.contains("cannot reach"), "{line}");
    assert!(line.contains(&port.to_string()), "{line}");

    site.write_config("");
    std::fs::write(site.root().join("site.toml"), {
        let text = std::fs::read_to_string(site.root().join("site.toml")).expect("read");
        text.replace(&site.container, "no-such-container")
    })
    .expect("write");
    let nowhere = site.deploy(&[]);
    let line = nowhere.assert_one_sentence_failure();
    assert!(
        line.contains("container `no-such-container` does not exist"),
        "{line}"
    );

    assert_eq!(
        download_all(&site.container),
        before,
        "a failed deploy changed the container"
    );
}

#[test]
fn a_missing_output_folder_asks_for_a_build() {
    let site = Site::new("nobuild");
    std::fs::remove_dir_all(site.public()).expect("remove public");
    let run = site.deploy(&[]);
    let line = run.assert_one_sentence_failure();
    assert!(line.contains("run `pamphlet build` first"), "{line}");
}

#[test]
fn kept_hashes_never_hide_a_file_rewritten_in_place_and_damage_is_reported_once() {
    let site = Site::new("hashes");
    // Files changed within two seconds of a scan are not recorded (a coarse clock could give
    // a rewrite the same times): let the build's files settle so the first deploy keeps them.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    site.deploy(&[]).assert_success();
    let kept = site.root().join(".pamphlet-cache/deploy-hashes");
    assert!(kept.is_file(), "the first deploy kept no hashes");
    let again = site.deploy(&[]);
    again.assert_success();
    assert!(again.uploaded().is_empty(), "{}", again.stdout);

    // Same size, same inode, new bytes: only the file's times say it changed.
    let page = site.public().join("about/index.html");
    let text = std::fs::read_to_string(&page).expect("the about page");
    let edited = text.replacen("About this test site.", "About this test page.", 1);
    assert_eq!(edited.len(), text.len());
    assert_ne!(edited, text);
    std::fs::write(&page, &edited).expect("rewrite in place");
    let rewritten = site.deploy(&[]);
    rewritten.assert_success();
    assert_eq!(
        rewritten.uploaded(),
        BTreeSet::from(["about/index.html".to_string()])
    );
    site.assert_mirrors_public();

    let bytes = std::fs::read(&kept).expect("the kept hashes");
    std::fs::write(&kept, &bytes[..bytes.len() / 2]).expect("cut the kept hashes");
    let damaged = site.deploy(&[]);
    damaged.assert_success();
    assert!(damaged.uploaded().is_empty(), "{}", damaged.stdout);
    assert_eq!(
        damaged.stderr.matches("damaged").count(),
        1,
        "{}",
        damaged.stderr
    );
    let after = site.deploy(&[]);
    after.assert_success();
    assert!(!after.stderr.contains("damaged"), "{}", after.stderr);
}

#[test]
fn blobs_changed_or_deleted_out_of_band_are_repaired() {
    let site = Site::new("drift");
    site.deploy(&[]).assert_success();
    let style = stylesheet(&common::published(&site.public()));
    let store = store(&site.container);
    runtime().block_on(async {
        store
            .put(
                &BlobPath::from("blog/a/index.html"),
                PutPayload::from("defaced"),
            )
            .await
            .expect("overwrite");
        store
            .delete(&BlobPath::from(style.as_str()))
            .await
            .expect("delete");
    });
    let run = site.deploy(&[]);
    run.assert_success();
    assert_eq!(
        run.uploaded(),
        BTreeSet::from(["blog/a/index.html".to_string(), style.clone()])
    );
    assert!(
        run.stdout
            .contains(&format!("uploaded {style} (missing remotely)")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("uploaded blog/a/index.html (changed remotely)"),
        "{}",
        run.stdout
    );
    site.assert_mirrors_public();
    let (blobs, _) = site.remote();
    assert_eq!(
        blobs["blog/a/index.html"].cache_control.as_deref(),
        Some(SHORT)
    );
}

#[test]
fn a_lost_manifest_costs_reuploads_not_correctness() {
    let site = Site::new("lost");
    site.deploy(&[]).assert_success();
    runtime().block_on(async {
        store(&site.container)
            .put(&BlobPath::from(MANIFEST_NAME), PutPayload::from("garbage"))
            .await
            .expect("overwrite the manifest");
    });
    let run = site.deploy(&[]);
    run.assert_success();
    assert!(run.stderr.contains("unreadable"), "{}", run.stderr);
    assert_eq!(
        run.uploaded().len(),
        common::published(&site.public()).len()
    );
    assert!(site.deploy(&[]).uploaded().is_empty());
    let forced = site.deploy(&["--force"]);
    forced.assert_success();
    assert_eq!(
        forced.uploaded().len(),
        common::published(&site.public()).len()
    );
    site.assert_mirrors_public();
}

#[test]
fn a_stale_manifest_from_an_interrupted_run_still_converges() {
    let site = Site::new("stale");
    site.deploy(&[]).assert_success();
    // The manifest as it was before the next run: what an interrupted run leaves behind.
    let (_, stale) = site.remote();
    let stale = stale.expect("a manifest").bytes;

    let before = common::published(&site.public());
    site.write(
        "content/blog/b/index.md",
        "---\ntitle: Post B\ndate: 2024-02-03\ntags: [rust]\n---\n\nPost B, rewritten.\n",
    );
    site.build();
    let expected = changed(&before, &common::published(&site.public()));
    site.deploy(&[]).assert_success();
    runtime().block_on(async {
        store(&site.container)
            .put(&BlobPath::from(MANIFEST_NAME), PutPayload::from(stale))
            .await
            .expect("restore the stale manifest");
    });

    // The blobs the stale manifest no longer vouches for are exactly those the run replaced.
    let run = site.deploy(&[]);
    run.assert_success();
    assert_eq!(run.uploaded(), expected);
    assert!(run.stdout.contains("(changed remotely)"), "{}", run.stdout);
    site.assert_mirrors_public();
    assert!(site.deploy(&[]).uploaded().is_empty());
}

#[test]
fn concurrency_comes_from_site_toml_or_the_flag_and_out_of_range_is_refused_at_its_line() {
    let site = Site::new("concurrency");
    site.write_config("concurrency = 1\n");
    let one_at_a_time = site.deploy(&[]);
    one_at_a_time.assert_success();
    site.assert_mirrors_public();
    let wide = site.deploy(&["--force", "--concurrency", "32"]);
    wide.assert_success();
    assert_eq!(wide.uploaded(), one_at_a_time.uploaded());

    site.write_config("concurrency = 0\n");
    let refused = site.deploy(&[]);
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("site.toml:8:1")
            && refused
                .stderr
                .contains("[deploy] concurrency is 0; it must be from 1 to 64"),
        "{}",
        refused.stderr
    );
    site.write_config("");
    let flag = site.deploy(&["--concurrency", "65"]);
    assert_eq!(flag.code, Some(2), "a usage error: {}", flag.stderr);
    assert!(flag.stderr.contains("65"), "{}", flag.stderr);
}

#[test]
fn text_goes_up_gzip_encoded_and_turning_compression_off_reuploads_exactly_those_files() {
    let site = Site::new("gzip");
    let run = site.deploy(&[]);
    run.assert_success();
    assert!(run.stdout.contains("before gzip)"), "{}", run.stdout);
    // Decoded as a browser decodes them, the blobs are public/ byte for byte.
    site.assert_mirrors_public();
    let (blobs, manifest) = site.remote();
    let texts = ["html", "css", "xml", "json", "txt", "svg", "webmanifest"];
    let is_text = |path: &str| texts.iter().any(|e| path.ends_with(&format!(".{e}")));
    let mut packed = BTreeSet::new();
    for (path, blob) in &blobs {
        let expected = is_text(path).then_some("gzip");
        assert_eq!(blob.content_encoding.as_deref(), expected, "{path}");
        if expected.is_some() {
            packed.insert(path.clone());
        } else {
            assert_eq!(blob.stored_len, blob.bytes.len(), "{path}");
        }
    }
    assert!(packed.contains("index.html") && packed.contains("files/notes.txt"));
    let page = &blobs["blog/a/index.html"];
    assert!(
        page.stored_len * 2 < page.bytes.len(),
        "a page stores in {} bytes of its {}",
        page.stored_len,
        page.bytes.len()
    );
    assert_eq!(manifest.expect("a manifest").content_encoding, None);
    assert!(site.deploy(&[]).uploaded().is_empty(), "nothing changed");

    site.write_config("compress = []\n");
    let off = site.deploy(&[]);
    off.assert_success();
    assert_eq!(off.uploaded(), packed, "exactly the compressed files");
    assert!(
        off.stdout.contains("uploaded index.html (headers changed)"),
        "{}",
        off.stdout
    );
    site.assert_mirrors_public();
    let (after, _) = site.remote();
    for (path, blob) in &after {
        assert_eq!(blob.content_encoding, None, "{path}");
        if !packed.contains(path) {
            assert_eq!(blob.etag, blobs[path].etag, "{path} was touched");
        }
    }
    assert!(site.deploy(&[]).uploaded().is_empty());
}

#[test]
fn a_named_target_deploys_its_own_build_to_its_own_container_and_refuses_anothers() {
    let site = Site::new("prod");
    let staging = unique_container("staging");
    create_container(&staging);
    site.write_config(&format!(
        "\n[deploy.targets.staging]\nbase_url = \"https://staging.deploy.example\"\ncontainer = \"{staging}\"\ncompress = []\n"
    ));
    let build = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
            .arg("--root")
            .arg(site.root())
            .arg("build")
            .args(args)
            .output()
            .expect("the pamphlet binary runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    build(&["--target", "staging"]);
    let canonical = |html: &str| {
        common::attrs(
            &scraper::Html::parse_document(html),
            "link[rel=canonical]",
            "href",
        )
    };
    let page = std::fs::read_to_string(site.public().join("blog/a/index.html")).unwrap();
    assert_eq!(canonical(&page), ["https://staging.deploy.example/blog/a/"]);

    // Built for staging, the site may not go to production, nor the other way round.
    let wrong = site.deploy(&[]);
    let line = wrong.assert_one_sentence_failure();
    assert!(
        line.contains("was built for target staging (https://staging.deploy.example); deploy it with --target staging"),
        "{line}"
    );
    assert!(
        download_all(&site.container).is_empty(),
        "production got nothing"
    );
    site.build();
    let refused = site.deploy(&["--target", "staging"]);
    let line = refused.assert_one_sentence_failure();
    assert!(
        line.contains("was built for https://deploy.example, but target staging publishes https://staging.deploy.example; build it with --target staging"),
        "{line}"
    );

    build(&["--target", "staging"]);
    let run = site.deploy(&["--target", "staging"]);
    run.assert_success();
    assert!(
        run.stdout.contains(&format!("/{staging}: ")),
        "{}",
        run.stdout
    );
    let blobs = download_all(&staging);
    let page = &blobs["blog/a/index.html"];
    assert_eq!(
        page.content_encoding, None,
        "the target's compress = [] holds"
    );
    assert_eq!(
        canonical(&String::from_utf8_lossy(&page.bytes)),
        ["https://staging.deploy.example/blog/a/"]
    );

    let unknown = site.deploy(&["--target", "preview"]);
    assert_eq!(unknown.code, Some(1), "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains("no [deploy.targets.preview]"),
        "{}",
        unknown.stderr
    );
    assert!(
        unknown
            .stderr
            .contains("the targets in site.toml are: staging"),
        "{}",
        unknown.stderr
    );
}

/// Sets the account's static website settings as the portal would, signed with the account key.
fn set_static_website(xml_part: &str) {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><StorageServiceProperties>{xml_part}</StorageServiceProperties>"
    );
    let status = service_properties(http::Method::PUT, body).0;
    assert!(status.is_success(), "setting the static website: {status}");
}

/// Get (with an empty body) or Set Blob Service Properties: the status and the reply.
fn service_properties(method: http::Method, body: String) -> (reqwest::StatusCode, String) {
    use object_store::azure::{AzureAccessKey, AzureAuthorizer, AzureCredential};
    let credential = AzureCredential::AccessKey(AzureAccessKey::try_new(KEY).expect("the key"));
    let url = format!("{}/?restype=service&comp=properties", endpoint());
    let mut builder = http::Request::builder().method(method.clone()).uri(&url);
    if !body.is_empty() {
        builder = builder
            .header("content-length", body.len())
            .header("content-type", "application/xml");
    }
    let mut request = builder
        .body(object_store::client::HttpRequestBody::from(body.clone()))
        .expect("a request");
    AzureAuthorizer::new(&credential, ACCOUNT)
        .try_authorize(&mut request)
        .expect("signed");
    runtime().block_on(async {
        let reply = reqwest::Client::new()
            .request(method, request.uri().to_string())
            .headers(request.headers().clone())
            .body(body)
            .send()
            .await
            .expect("Azurite answers");
        (reply.status(), reply.text().await.unwrap_or_default())
    })
}

#[test]
fn the_static_website_off_or_misnamed_is_a_warning_and_configure_sets_it_right() {
    let site = Site::in_container("$web".into());
    set_static_website(
        "<Logging><Version>1.0</Version><Delete>true</Delete><Read>false</Read><Write>true</Write><RetentionPolicy><Enabled>false</Enabled></RetentionPolicy></Logging><StaticWebsite><Enabled>false</Enabled></StaticWebsite>",
    );
    // `$web` outlives a test run in a long-lived Azurite: what an earlier run left goes.
    let off = site.deploy(&["--delete"]);
    off.assert_success();
    assert!(off.stderr.contains("warning: the storage account's static website is off, so nothing in `$web` is served; run `pamphlet deploy --configure`"), "{}", off.stderr);

    set_static_website(
        "<StaticWebsite><Enabled>true</Enabled><IndexDocument>default.htm</IndexDocument></StaticWebsite>",
    );
    let misnamed = site.deploy(&[]);
    misnamed.assert_success();
    assert!(
        misnamed
            .stderr
            .contains("index document is `default.htm`, not index.html"),
        "{}",
        misnamed.stderr
    );
    assert!(
        misnamed
            .stderr
            .contains("error document is not set, not 404.html"),
        "{}",
        misnamed.stderr
    );
    assert!(
        !misnamed.stdout.contains("configured"),
        "{}",
        misnamed.stdout
    );

    let dry = site.deploy(&["--configure", "--dry-run"]);
    dry.assert_success();
    assert!(dry.stdout.starts_with("would configure the static website: on, index document index.html, error document 404.html\n"), "{}", dry.stdout);
    assert!(
        service_properties(http::Method::GET, String::new())
            .1
            .contains("<IndexDocument>default.htm</IndexDocument>")
    );

    let configured = site.deploy(&["--configure"]);
    configured.assert_success();
    assert!(configured.stdout.starts_with("configured the static website: on, index document index.html, error document 404.html\n"), "{}", configured.stdout);
    assert!(
        !configured.stderr.contains("static website"),
        "{}",
        configured.stderr
    );
    let (_, properties) = service_properties(http::Method::GET, String::new());
    assert!(properties.contains("<StaticWebsite><Enabled>true</Enabled><IndexDocument>index.html</IndexDocument><ErrorDocument404Path>404.html</ErrorDocument404Path>"), "{properties}");
    // Only the website's settings change: logging keeps what the portal set.
    assert!(properties.contains("<Read>false</Read>"), "{properties}");

    let settled = site.deploy(&["--configure"]);
    settled.assert_success();
    assert!(
        !settled.stdout.contains("configured") && !settled.stderr.contains("static website"),
        "{}{}",
        settled.stdout,
        settled.stderr
    );
    site.assert_mirrors_public();
}
