//! `pamphlet check --live URL`: the real binary against `pamphlet serve`, and against a server
//! on 127.0.0.1 that serves `public/` as Azure's static website would (gzip-encoded text, the
//! deploy's Cache-Control, Front Door's security headers), then misbehaves in each way the
//! check must catch, one address per way.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::serving::Serving;
use crate::token_endpoint::read_request;
use pamphlet::compress::{CompressPolicy, DEFAULT_COMPRESS};

/// A small site with an alias, a text file and a few pages, built for `base_url`.
fn site(base_url: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(
        "site.toml",
        &format!("title = \"Live\"\nbase_url = \"{base_url}\"\n"),
    );
    write(
        "content/blog/a/index.md",
        "---\ntitle: Post A\ndate: 2024-01-02\naliases: [/old/]\n---\n\nThe body of post A.\n",
    );
    write(
        "content/blog/b/index.md",
        "---\ntitle: Post B\ndate: 2024-02-03\n---\n\nThe body of post B.\n",
    );
    write("content/about.md", "---\ntitle: About\n---\n\nAbout.\n");
    write("static/files/notes.txt", "plain notes\n");
    dir
}

fn pamphlet(root: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .expect("the pamphlet binary runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn build(root: &Path, base_url: &str) {
    let (code, _, stderr) = pamphlet(root, &["build", "--base-url", base_url]);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn the_preview_passes_the_live_check_as_it_serves_what_azure_would() {
    let dir = site("https://live.example");
    let mut serving = Serving::start(dir.path(), &[]);
    let url = format!("http://{}", serving.address);
    build(dir.path(), &url);
    let (code, stdout, stderr) = pamphlet(dir.path(), &["check", "--live", &url]);
    serving.drain();
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.starts_with("Checked "), "{stdout}");
    assert!(
        stdout
            .contains("(pamphlet serve: its no-cache and live-reload script allowed): 0 findings."),
        "{stdout}"
    );
    let addresses: usize = stdout
        .trim_start_matches("Checked ")
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count");
    let files = crate::common::published(&dir.path().join("public")).len();
    assert_eq!(
        addresses,
        files + 1,
        "every file and the missing-page probe"
    );
}

/// What the server does wrong, each at one address.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fault {
    Missing,
    WrongType,
    NotCompressed,
    WrongCacheControl,
    ChangedContent,
    MissingPageFound,
    RedirectsElsewhere,
    NoHsts,
}

/// An Azure-like static website over `public/`, with `faults` at their addresses: a thread a
/// connection and one request each, so no request waits behind another.
struct Website {
    url: String,
}

impl Website {
    fn start(public: PathBuf, security: Vec<(String, String)>, faults: Vec<Fault>) -> Website {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let (public, security, faults) = (public.clone(), security.clone(), faults.clone());
                std::thread::spawn(move || {
                    let mut stream = stream;
                    let Some(request) = read_request(&mut stream) else {
                        return;
                    };
                    let (status, headers, body) =
                        answer(&public, &security, &faults, &request.target);
                    let mut head = format!("HTTP/1.1 {status} Whatever\r\n");
                    for (name, value) in headers {
                        head.push_str(&format!("{name}: {value}\r\n"));
                    }
                    head.push_str(&format!(
                        "Content-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    ));
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(&body);
                });
            }
        });
        Website { url }
    }
}

fn answer(
    public: &Path,
    security: &[(String, String)],
    faults: &[Fault],
    url: &str,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let has = |f: Fault| faults.contains(&f);
    let mut path = url.trim_start_matches('/').to_string();
    if path.is_empty() || path.ends_with('/') {
        path.push_str("index.html");
    }
    let mut headers: Vec<(String, String)> = security.to_vec();
    if has(Fault::NoHsts) && path == "sitemap.xml" {
        headers.retain(|(name, _)| name != "Strict-Transport-Security");
    }
    if has(Fault::RedirectsElsewhere) && path == "old/index.html" {
        headers.push(("Location".into(), "https://live.example/elsewhere/".into()));
        return (301, headers, Vec::new());
    }
    let (status, path) = match std::fs::read(public.join(&path)) {
        _ if has(Fault::Missing) && path == "blog/a/index.html" => (404, "404.html".to_string()),
        _ if has(Fault::MissingPageFound) && path.starts_with("pamphlet-check-live-missing") => {
            (200, "index.html".to_string())
        }
        Ok(_) => (200, path),
        Err(_) => (404, "404.html".to_string()),
    };
    let mut bytes = std::fs::read(public.join(&path)).expect("a published file");
    if has(Fault::ChangedContent) && path == "rss.xml" {
        bytes.extend_from_slice(b"\n<!-- edited -->");
    }
    let mut content_type = pamphlet::content_type::for_path(&path).to_string();
    if has(Fault::WrongType) && path == "files/notes.txt" {
        content_type = "application/octet-stream".into();
    }
    let mut cache_control = pamphlet::deploy::headers::default_cache_control(&path).to_string();
    if has(Fault::WrongCacheControl) && path == "about/index.html" {
        cache_control = "no-store".into();
    }
    headers.push(("Content-Type".into(), content_type));
    headers.push(("Cache-Control".into(), cache_control));
    let compressed = CompressPolicy::new(&DEFAULT_COMPRESS).is_compressed(&path)
        && !(has(Fault::NotCompressed) && path == "blog/b/index.html");
    if compressed {
        headers.push(("Content-Encoding".into(), "gzip".into()));
        bytes = pamphlet::compress::gzip(&bytes);
    }
    (status, headers, bytes)
}

/// The headers `pamphlet headers` says the edge should send.
fn security_headers(root: &Path) -> Vec<(String, String)> {
    let (code, stdout, stderr) = pamphlet(root, &["headers"]);
    assert_eq!(code, Some(0), "{stderr}");
    stdout
        .lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn each_way_a_live_site_can_differ_is_reported_at_its_address() {
    let dir = site("https://live.example");
    build(dir.path(), "https://live.example");
    let public = dir.path().join("public");
    let security = security_headers(dir.path());
    assert_eq!(security.len(), 5, "{security:?}");

    let good = Website::start(public.clone(), security.clone(), Vec::new());
    let (code, stdout, stderr) = pamphlet(dir.path(), &["check", "--live", &good.url, "--headers"]);
    assert_eq!(
        code,
        Some(0),
        "a well-behaved site has no findings:\n{stdout}{stderr}"
    );
    assert!(stdout.ends_with(": 0 findings.\n"), "{stdout}");

    let faults = vec![
        Fault::Missing,
        Fault::WrongType,
        Fault::NotCompressed,
        Fault::WrongCacheControl,
        Fault::ChangedContent,
        Fault::MissingPageFound,
        Fault::RedirectsElsewhere,
        Fault::NoHsts,
    ];
    let bad = Website::start(public.clone(), security, faults);
    let (code, stdout, stderr) = pamphlet(dir.path(), &["check", "--live", &bad.url, "--headers"]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    let lines: BTreeSet<&str> = stdout.lines().filter(|l| l.starts_with('/')).collect();
    let rss_len = std::fs::read(public.join("rss.xml"))
        .expect("rss.xml")
        .len();
    let expected: BTreeSet<String> = [
        "/blog/a/: missing (404)".to_string(),
        "/files/notes.txt: Content-Type is `application/octet-stream`, not text/plain; charset=utf-8".into(),
        "/blog/b/: Content-Encoding is absent, not `gzip`".into(),
        "/about/: Cache-Control is `no-store`, not public, max-age=300".into(),
        format!("/rss.xml: content differs from rss.xml ({} bytes, not {rss_len})", rss_len + 16),
        "/pamphlet-check-live-missing-page/: a missing page answers 200, not 404".into(),
        "/old/: redirects to https://live.example/elsewhere/, not /blog/a/".into(),
        "/sitemap.xml: Strict-Transport-Security is missing".into(),
    ]
    .into_iter()
    .collect();
    let expected: BTreeSet<&str> = expected.iter().map(String::as_str).collect();
    assert_eq!(lines, expected, "{stdout}");
    assert!(stdout.ends_with(": 8 findings.\n"), "{stdout}");

    // Nothing answers: one sentence, exit 1.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let dead = format!("http://127.0.0.1:{port}");
    let (code, _, stderr) = pamphlet(dir.path(), &["check", "--live", &dead]);
    assert_eq!(code, Some(1));
    assert!(stderr.starts_with("check failed: cannot reach"), "{stderr}");
}
