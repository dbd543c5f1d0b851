//! `pamphlet serve` hammered by readers while its author saves files: a load test of the real
//! binary on a 1,000-post site, on 127.0.0.1 only, bounded in time (5 s idle, 30 s editing).
//!
//! Readers fetch pages on keep-alive connections, each followed by the fingerprinted assets it
//! links (as a browser with an empty cache would), and live-reload streams stay open, while a
//! writer saves a post, a template and the stylesheet in turn every 50 ms. The latency figures
//! are printed, not asserted: they come from a debug build (the benchmark, `scripts/bench --wrk`,
//! measures the release build with wrk). It is ignored in the parallel run and run alone by
//! `scripts/test` (`scripts/test busy_preview -- --ignored` runs it by hand).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine;
use pamphlet::fingerprint::is_fingerprinted;
use sha2::{Digest, Sha256};

use crate::common::serving::{Client, Serving};
use crate::common::{copy_tree, generated_site, repo};

const POSTS: usize = 1000;
const IDLE: Duration = Duration::from_secs(5);
const EDITING: Duration = Duration::from_secs(30);
const SAVE_EVERY: Duration = Duration::from_millis(50);
const READERS: usize = 4;
const LISTENERS: usize = 2;
/// The longest an edit may take to show. An edit saved just after a rebuild began waits for it
/// and for its own, each a full re-render of 1,419 pages when a template or the stylesheet
/// changed: 150 ms each optimized, but 300 to 600 ms in the test build (this crate at
/// opt-level 1) sharing two cores with the readers, so the bound there is twice the second
/// asked for. No rebuild may take longer; an edit may, by as much as the two rebuilds it waited for did.
const VISIBLE_WITHIN: Duration = if cfg!(debug_assertions) {
    Duration::from_secs(2)
} else {
    Duration::from_secs(1)
};

/// Between a save and its rebuild's start, and that rebuild's end and the watcher seeing it: the
/// watcher's quiet time, serve's loop, the swap, the watcher's poll and its two fetches, all on
/// cores the readers keep busy.
const SHOWING_SLACK: Duration = Duration::from_millis(500);

const SITE_TOML: &str = "title = \"Busy\"\nbase_url = \"https://busy.example\"\npaginate_by = 10\n";
const TEMPLATE: &str = "templates/base.html";
const STYLESHEET: &str = "templates/assets/style.css";

const WARMING: u8 = 0;
const IDLING: u8 = 1;
const EDITING_PHASE: u8 = 2;
const DONE: u8 = 3;

#[test]
#[ignore = "needs the machine to itself: scripts/test runs it alone, after every other test"]
fn a_busy_preview_serves_whole_builds_and_shows_every_edit_within_a_second() {
    let site = generated_site(POSTS, SITE_TOML);
    copy_tree(&repo().join("templates"), &site.root().join("templates"));
    let post = first_post(site.root());
    let originals = Originals::read(site.root(), &post);
    originals.save(site.root(), Edit::Template, 0);
    originals.save(site.root(), Edit::Stylesheet, 0);
    let mut serving = Serving::start(site.root(), &[]);
    let urls = reader_urls(&post);

    let phase = Arc::new(AtomicU8::new(WARMING));
    let readers: Vec<_> = (0..READERS)
        .map(|n| {
            let (address, phase, urls) = (serving.address.clone(), phase.clone(), urls.clone());
            thread::spawn(move || read_pages(&address, &phase, &urls, n))
        })
        .collect();
    let listeners: Vec<_> = (0..LISTENERS)
        .map(|_| {
            let (address, phase) = (serving.address.clone(), phase.clone());
            thread::spawn(move || listen(&address, &phase))
        })
        .collect();
    thread::sleep(Duration::from_secs(1));
    phase.store(IDLING, Ordering::SeqCst);
    thread::sleep(IDLE);
    let rss_before = rss_kib(serving.child.id());
    phase.store(EDITING_PHASE, Ordering::SeqCst);
    let seen = Arc::new(Mutex::new(Visibility::default()));
    let stop_watching = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (address, post, seen, stop) = (
            serving.address.clone(),
            post.clone(),
            seen.clone(),
            stop_watching.clone(),
        );
        thread::spawn(move || watch_edits(&address, &post, &seen, &stop))
    };
    let saves = write_edits(site.root(), &originals, &seen);
    phase.store(DONE, Ordering::SeqCst);
    let rss_after = rss_kib(serving.child.id());
    let waiting = Instant::now();
    while !seen.lock().unwrap().all_shown() && waiting.elapsed() < Duration::from_secs(10) {
        thread::sleep(Duration::from_millis(20));
    }
    stop_watching.store(true, Ordering::SeqCst);
    watcher.join().unwrap();

    let reports: Vec<Report> = readers.into_iter().map(|r| r.join().unwrap()).collect();
    let events: Vec<usize> = listeners.into_iter().map(|l| l.join().unwrap()).collect();
    serving.drain();
    let rebuild_times = rebuild_times(&serving.seen);
    let rebuilds = rebuild_times.len();
    let slowest_rebuild = rebuild_times.iter().max().copied().unwrap_or_default();
    let report = Report::merge(reports);
    let seen = seen.lock().unwrap();
    print_figures(&report, &seen, saves, rebuilds, rss_before, rss_after);
    println!("busy preview: slowest rebuild {slowest_rebuild:?}");

    assert!(
        report.failures.is_empty(),
        "{} failed responses, the first: {:?}",
        report.failures.len(),
        &report.failures[..report.failures.len().min(5)]
    );
    assert!(report.pages[IDLING as usize] > 0 && report.pages[EDITING_PHASE as usize] > 0);
    assert!(
        report.assets_checked > 0,
        "no page linked a fingerprinted asset"
    );
    assert!(seen.all_shown(), "edits never shown: {:?}", seen.unshown());
    assert!(
        slowest_rebuild <= VISIBLE_WITHIN,
        "a rebuild took {slowest_rebuild:?} (more than {VISIBLE_WITHIN:?})"
    );
    // An edit waits for the rebuild running when it was saved and for its own, never a third:
    // on a machine slowed by others the rebuilds' own time is the bound.
    let allowed = VISIBLE_WITHIN.max(2 * slowest_rebuild + SHOWING_SLACK);
    let slowest = seen.slowest();
    assert!(
        slowest <= allowed,
        "an edit took {slowest:?} to show (more than {allowed:?}, the slowest rebuild being \
         {slowest_rebuild:?})"
    );
    assert!(rebuilds > 0, "serve never rebuilt: {:?}", serving.seen);
    for (n, count) in events.iter().enumerate() {
        assert!(*count > 0, "live-reload stream {n} heard no change");
    }
    // Flat: what a rebuild allocates is given back; a leak of one page a request, or one build
    // a rebuild, would exceed this many times over.
    assert!(
        rss_after < rss_before + rss_before / 2 + 32 * 1024,
        "serve grew from {rss_before} KiB to {rss_after} KiB while editing"
    );
}

/// What the writer saves in turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edit {
    Post,
    Template,
    Stylesheet,
}

const EDITS: [Edit; 3] = [Edit::Post, Edit::Template, Edit::Stylesheet];

/// The edited files as they were, each edit made on top of them.
struct Originals {
    post_path: String,
    post: String,
    template: String,
    stylesheet: String,
}

impl Originals {
    fn read(root: &Path, post: &str) -> Originals {
        let post_path = format!("content/posts/{post}/index.md");
        let read = |rel: &str| std::fs::read_to_string(root.join(rel)).unwrap();
        Originals {
            post: read(&post_path),
            template: read(TEMPLATE),
            stylesheet: read(STYLESHEET),
            post_path,
        }
    }

    /// Saves edit number `n` of `kind`, as an editor does (the file rewritten in place).
    fn save(&self, root: &Path, kind: Edit, n: usize) {
        let (rel, text) = match kind {
            Edit::Post => (
                self.post_path.as_str(),
                format!("{}\n\nEdit marker edit-{n}.\n", self.post),
            ),
            Edit::Template => (
                TEMPLATE,
                self.template.replacen(
                    "<head>\n",
                    &format!("<head>\n<meta name=\"edit\" content=\"{n}\">\n"),
                    1,
                ),
            ),
            Edit::Stylesheet => (
                STYLESHEET,
                format!("{}\n:root{{--edit:{n}}}\n", self.stylesheet),
            ),
        };
        std::fs::write(root.join(rel), text).unwrap();
    }
}

/// Saves one file every [`SAVE_EVERY`] for [`EDITING`]; returns how many saves it made.
fn write_edits(root: &Path, originals: &Originals, seen: &Mutex<Visibility>) -> usize {
    let started = Instant::now();
    let mut n = 0;
    while started.elapsed() < EDITING {
        n += 1;
        let kind = EDITS[n % EDITS.len()];
        originals.save(root, kind, n);
        seen.lock().unwrap().saved(kind, n);
        let next = started + SAVE_EVERY * n as u32;
        thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    n
}

/// When each save was made and when it was first seen served.
#[derive(Default)]
struct Visibility {
    saves: Vec<Save>,
}

struct Save {
    kind: Edit,
    n: usize,
    at: Instant,
    shown_after: Option<Duration>,
}

impl Visibility {
    fn saved(&mut self, kind: Edit, n: usize) {
        let at = Instant::now();
        self.saves.push(Save {
            kind,
            n,
            at,
            shown_after: None,
        });
    }

    /// The server shows edit `n` of `kind` (or a later one, which replaces it).
    fn shown(&mut self, kind: Edit, n: usize) {
        let now = Instant::now();
        for save in &mut self.saves {
            if save.kind == kind && save.n <= n && save.shown_after.is_none() {
                save.shown_after = Some(now.duration_since(save.at));
            }
        }
    }

    fn all_shown(&self) -> bool {
        self.saves.iter().all(|s| s.shown_after.is_some())
    }

    fn unshown(&self) -> Vec<(Edit, usize)> {
        let unshown = self.saves.iter().filter(|s| s.shown_after.is_none());
        unshown.map(|s| (s.kind, s.n)).collect()
    }

    fn times(&self) -> Vec<Duration> {
        let mut times: Vec<Duration> = self.saves.iter().filter_map(|s| s.shown_after).collect();
        times.sort();
        times
    }

    fn slowest(&self) -> Duration {
        self.times().last().copied().unwrap_or_default()
    }
}

/// Polls the pages until `stop`, noting the newest edit of each kind they show.
fn watch_edits(address: &str, post: &str, seen: &Mutex<Visibility>, stop: &AtomicBool) {
    let mut client = Client::connect(address);
    let post_url = format!("/posts/{post}/");
    while !stop.load(Ordering::SeqCst) {
        if let Ok(page) = client.get(&post_url) {
            let page = page.text();
            if let Some(n) = number_after(&page, "Edit marker edit-") {
                seen.lock().unwrap().shown(Edit::Post, n);
            }
            if let Some(n) = number_after(&page, "<meta name=\"edit\" content=\"") {
                seen.lock().unwrap().shown(Edit::Template, n);
            }
            let style = stylesheet(&page);
            if let Some(Ok(css)) = style.map(|href| client.get(&href))
                && let Some(n) = number_after(&css.text(), "--edit:")
            {
                seen.lock().unwrap().shown(Edit::Stylesheet, n);
            }
        }
        thread::sleep(Duration::from_millis(10));
    }
}

fn number_after(text: &str, marker: &str) -> Option<usize> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn stylesheet(page: &str) -> Option<String> {
    linked_assets(page)
        .into_iter()
        .find(|a| a.path.ends_with(".css"))
        .map(|a| a.path)
}

/// What one reader saw.
#[derive(Default)]
struct Report {
    /// Latency of every response, by phase.
    latencies: [Vec<Duration>; 4],
    pages: [usize; 4],
    assets_checked: usize,
    failures: Vec<String>,
}

impl Report {
    fn merge(reports: Vec<Report>) -> Report {
        let mut all = Report::default();
        for report in reports {
            for phase in 0..4 {
                all.latencies[phase].extend(&report.latencies[phase]);
                all.pages[phase] += report.pages[phase];
            }
            all.assets_checked += report.assets_checked;
            all.failures.extend(report.failures);
        }
        for latencies in &mut all.latencies {
            latencies.sort();
        }
        all
    }
}

/// The pages readers fetch in turn: the home page, the edited post, a list, a tag, a feed.
fn reader_urls(post: &str) -> Arc<Vec<String>> {
    Arc::new(vec![
        "/".into(),
        format!("/posts/{post}/"),
        "/page/2/".into(),
        "/tags/".into(),
        "/sitemap.xml".into(),
    ])
}

/// Fetches pages and their assets until the phase is [`DONE`], checking every response.
fn read_pages(address: &str, phase: &AtomicU8, urls: &[String], offset: usize) -> Report {
    let mut report = Report::default();
    let mut client = Client::connect(address);
    let mut n = offset;
    loop {
        let now = phase.load(Ordering::SeqCst);
        if now == DONE {
            return report;
        }
        n += 1;
        let url = &urls[n % urls.len()];
        let Some(page) = fetch(&mut client, url, now, &mut report) else {
            continue;
        };
        report.pages[now as usize] += 1;
        for asset in linked_assets(&page.text()) {
            let Some(body) = fetch(&mut client, &asset.path, now, &mut report) else {
                continue;
            };
            report.assets_checked += 1;
            if let Some(expected) = asset.integrity
                && expected != sri(&body.body)
            {
                report.failures.push(format!(
                    "{url} links {} with integrity {expected}, but it is served with {}",
                    asset.path,
                    sri(&body.body)
                ));
            }
        }
    }
}

/// `GET url`, timed; a failure is noted and gives `None`.
fn fetch(
    client: &mut Client,
    url: &str,
    phase: u8,
    report: &mut Report,
) -> Option<crate::common::serving::Response> {
    let started = Instant::now();
    let response = client.get(url);
    report.latencies[phase as usize].push(started.elapsed());
    match response {
        Ok(response) if response.status == 200 => Some(response),
        Ok(response) => {
            let mut text = response.text();
            text.truncate(200);
            let failure = format!("{url}: {} {text}", response.status);
            report.failures.push(failure);
            None
        }
        Err(e) => {
            report.failures.push(format!("{url}: {e}"));
            None
        }
    }
}

/// A fingerprinted file a page links, with the integrity it declares.
struct Asset {
    path: String,
    integrity: Option<String>,
}

/// Every root-relative `href` or `src` naming a fingerprinted file, with the `integrity`
/// attribute of the same tag, as `pamphlet check`'s scanner reads them.
fn linked_assets(page: &str) -> Vec<Asset> {
    pamphlet::check::scan::scan(page)
        .elements
        .iter()
        .filter_map(|element| {
            let path = element.attribute("href").or(element.attribute("src"))?;
            let local = path.starts_with('/') && !path.starts_with("//");
            (local && is_fingerprinted(path)).then(|| Asset {
                path: path.to_string(),
                integrity: element.attribute("integrity").map(str::to_string),
            })
        })
        .collect()
}

fn sri(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// Holds a live-reload stream open until the phase is [`DONE`]; returns the changes it heard.
fn listen(address: &str, phase: &AtomicU8) -> usize {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    write!(
        stream,
        "GET /__pamphlet/events HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let mut changes = 0;
    while phase.load(Ordering::SeqCst) != DONE {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => panic!("the live-reload stream closed while editing"),
            Ok(_) if line.starts_with("data:") => changes += 1,
            Ok(_) => {}
            // A timeout ends a read with nothing: listen again.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("the live-reload stream failed: {e}"),
        }
    }
    changes
}

fn first_post(root: &Path) -> String {
    let mut slugs: Vec<String> = std::fs::read_dir(root.join("content/posts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    slugs.sort();
    slugs.swap_remove(0)
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn print_figures(
    report: &Report,
    seen: &Visibility,
    saves: usize,
    rebuilds: usize,
    rss_before: u64,
    rss_after: u64,
) {
    for (phase, name, seconds) in [(IDLING, "idle", IDLE), (EDITING_PHASE, "editing", EDITING)] {
        let latencies = &report.latencies[phase as usize];
        println!(
            "busy preview, {name}: {} requests, {:.0}/s, p50 {:?}, p99 {:?}, max {:?}",
            latencies.len(),
            latencies.len() as f64 / seconds.as_secs_f64(),
            percentile(latencies, 0.50),
            percentile(latencies, 0.99),
            latencies.last().copied().unwrap_or_default(),
        );
    }
    let times = seen.times();
    println!(
        "busy preview: {saves} saves, {rebuilds} rebuilds; edits shown after p50 {:?}, max {:?}; \
         RSS {rss_before} KiB before editing, {rss_after} KiB after",
        percentile(&times, 0.5),
        seen.slowest()
    );
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index]
}

/// The time of every rebuild serve reported (`Rebuilt in 123 ms: ...`) after its first build.
fn rebuild_times(lines: &[String]) -> Vec<Duration> {
    lines
        .iter()
        .skip_while(|l| !l.starts_with("Rebuilt in "))
        .skip(1)
        .filter_map(|l| {
            l.strip_prefix("Rebuilt in ")?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .map(Duration::from_millis)
        .collect()
}
