//! `pamphlet serve` end to end: the real watcher sees real file edits, the real server answers
//! real HTTP, and the preview never touches `public/`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::common::Site;
use pamphlet::serve::session_loop::{Preview, ServeOptions};
use pamphlet::serve::watch::QUIET;

/// A GET over a raw socket: (status, body).
fn get(base: &str, path: &str) -> (u16, String) {
    let authority = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(authority).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Serving `site` on any free port of the loopback interface.
fn options(site: &Site) -> ServeOptions {
    ServeOptions {
        root: site.root().to_path_buf(),
        interface: "127.0.0.1".parse().unwrap(),
        port: 0,
        drafts: false,
    }
}

struct Running {
    preview: Preview,
    log: Vec<u8>,
}

impl Running {
    fn start(site: &Site) -> Running {
        let mut log = Vec::new();
        let preview = Preview::start(&options(site), &mut log).expect("serve starts");
        Running { preview, log }
    }

    fn url(&self) -> String {
        self.preview.url()
    }

    /// Lets the watcher deliver edits until `done` holds or 10 s pass.
    fn until(&mut self, what: &str, mut done: impl FnMut(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let url = self.url();
        while !done(&url) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for: {what}\nlog:\n{}",
                self.log()
            );
            self.preview
                .step(Duration::from_millis(200), &mut self.log)
                .expect("watching works");
        }
    }

    fn log(&self) -> String {
        String::from_utf8_lossy(&self.log).into_owned()
    }

    fn rebuilds(&self) -> usize {
        self.log().matches("Rebuilt in").count() + self.log().matches("Build failed in").count()
    }

    /// Every rebuild, those that found nothing changed included: a burst that was not
    /// debounced into one shows as a rebuild followed by "No output changed".
    fn all_rebuilds(&self) -> usize {
        self.rebuilds() + self.log().matches("No output changed").count()
    }
}

/// Saves post `a` `saves` times from another thread, `gap` apart, while the preview steps
/// until the last save is served and then until nothing more arrives; returns how many
/// rebuilds that made, and the longest time between two saves as they really happened.
fn saves_while_stepping(
    site: &Site,
    running: &mut Running,
    saves: usize,
    gap: Duration,
) -> (usize, Duration) {
    let before = running.all_rebuilds();
    let path = site.root().join("content/blog/a/index.md");
    let saver = std::thread::spawn(move || {
        let mut longest = Duration::ZERO;
        let mut last: Option<Instant> = None;
        for i in 0..saves {
            if i > 0 {
                std::thread::sleep(gap);
            }
            std::fs::write(
                &path,
                format!("---\ntitle: First\ndate: 2020-01-01\n---\n\nSave {i}.\n"),
            )
            .unwrap();
            let now = Instant::now();
            if let Some(last) = last {
                longest = longest.max(now - last);
            }
            last = Some(now);
        }
        longest
    });
    let last = format!("Save {}.", saves - 1);
    running.until("the last save is served", |url| {
        get(url, "/blog/a/").1.contains(&last)
    });
    let longest = saver.join().unwrap();
    // Anything still queued from the saves arrives now: steps until one waits a whole
    // second for nothing, far beyond the quiet window.
    while running
        .preview
        .step(Duration::from_secs(1), &mut running.log)
        .unwrap()
    {}
    (running.all_rebuilds() - before, longest)
}

fn site() -> Site {
    let site = Site::new();
    site.post("a", "title: First\ndate: 2020-01-01", "Original text.");
    site.post("b", "title: Second\ndate: 2020-01-02", "Other text.");
    site
}

#[test]
fn an_edit_is_served_without_touching_public() {
    let site = site();
    let mut running = Running::start(&site);
    let (status, body) = get(&running.url(), "/blog/a/");
    assert_eq!(status, 200);
    assert!(body.contains("Original text."));

    site.post("a", "title: First\ndate: 2020-01-01", "Edited text.");
    running.until("the edit is served", |url| {
        get(url, "/blog/a/").1.contains("Edited text.")
    });
    assert!(!site.public().exists(), "serve must never write public/");
}

#[test]
fn save_by_rename_new_and_deleted_files_and_folders_are_seen() {
    let site = site();
    let mut running = Running::start(&site);

    // An editor's save: write a temporary file, then rename it over the original.
    let target = site.root().join("content/blog/b/index.md");
    let temporary = site.root().join("content/blog/b/.index.md.tmp");
    std::fs::write(
        &temporary,
        "---\ntitle: Second\ndate: 2020-01-02\n---\nRenamed into place.\n",
    )
    .unwrap();
    std::fs::rename(&temporary, &target).unwrap();
    running.until("save-by-rename", |url| {
        get(url, "/blog/b/").1.contains("Renamed into place.")
    });

    // A new folder with a new post.
    site.post("c", "title: Third\ndate: 2020-01-03", "Brand new.");
    running.until("a new post", |url| get(url, "/blog/c/").0 == 200);
    running.until("the home page lists it", |url| {
        get(url, "/").1.contains("Third")
    });

    // A deleted folder.
    std::fs::remove_dir_all(site.root().join("content/blog/c")).unwrap();
    running.until("the deleted post is gone", |url| {
        get(url, "/blog/c/").0 == 404
    });

    // A static file, and a template.
    site.write("static/hello.txt", "hello");
    running.until("a static file", |url| get(url, "/hello.txt").1 == "hello");
    site.write("templates/404.html", "{% extends \"base.html\" %}{% block content %}<p>Custom missing page</p>{% endblock content %}");
    running.until("a template edit", |url| {
        get(url, "/nowhere/").1.contains("Custom missing page")
    });

    // site.toml.
    site.write(
        "site.toml",
        "title = \"Retitled\"\nbase_url = \"https://example.com\"\n",
    );
    running.until("a config edit", |url| get(url, "/").1.contains("Retitled"));
}

/// notify-debouncer-full hands each event over a few milliseconds after it happened, however
/// many follow it, so saves a few milliseconds apart arrive in several batches; the watcher
/// waits until `QUIET` passes with no new batch, so they make one rebuild.
#[test]
fn a_burst_of_saves_gives_one_rebuild() {
    let site = site();
    let mut running = Running::start(&site);
    let before = running.rebuilds();
    for i in 0..5 {
        site.post(
            "a",
            "title: First\ndate: 2020-01-01",
            &format!("Burst {i}."),
        );
    }
    running.until("the last save is served", |url| {
        get(url, "/blog/a/").1.contains("Burst 4.")
    });
    // Anything still queued from the burst arrives now.
    running
        .preview
        .step(Duration::from_millis(300), &mut running.log)
        .unwrap();
    assert_eq!(running.rebuilds() - before, 1, "log:\n{}", running.log());

    // Saves landing while the preview is watching, each well inside the watcher's quiet
    // window after the one before, are one rebuild too, counting those that changed nothing.
    // A busy machine may pause the saving thread past the window: such a burst is not one,
    // and is tried again.
    let gap = QUIET / 5;
    for attempt in 0.. {
        assert!(
            attempt < 5,
            "the saves never came within {QUIET:?} of each other"
        );
        let (rebuilds, longest) = saves_while_stepping(&site, &mut running, 5, gap);
        if longest >= QUIET {
            eprintln!("saves {longest:?} apart: not a burst, tried again");
            continue;
        }
        assert_eq!(
            rebuilds,
            1,
            "saves at most {longest:?} apart gave {rebuilds} rebuilds; log:\n{}",
            running.log()
        );
        break;
    }
}

/// The control for [`a_burst_of_saves_gives_one_rebuild`]: saves further apart than the
/// quiet window, made and counted the same way, are several rebuilds.
#[test]
fn saves_further_apart_than_the_quiet_window_give_a_rebuild_each() {
    let site = site();
    let mut running = Running::start(&site);
    let (rebuilds, _) = saves_while_stepping(&site, &mut running, 5, QUIET * 20);
    assert!(
        rebuilds >= 3,
        "5 saves {:?} apart gave {rebuilds} rebuild(s); log:\n{}",
        QUIET * 20,
        running.log()
    );
}

#[test]
fn a_broken_edit_keeps_the_last_good_site_with_an_overlay_until_fixed() {
    let site = site();
    let mut running = Running::start(&site);
    site.post("a", "title: [broken", "Broken text.");
    running.until("the overlay", |url| {
        get(url, "/blog/b/")
            .1
            .contains("content/blog/a/index.md:2:")
    });
    let (status, body) = get(&running.url(), "/blog/a/");
    assert_eq!(status, 200, "the last good page is still served");
    assert!(body.contains("Original text."));
    assert!(
        running.log().contains("content/blog/a/index.md:2:"),
        "the terminal says it too"
    );

    site.post("a", "title: Fixed\ndate: 2020-01-01", "Fixed text.");
    running.until("the fix", |url| {
        let body = get(url, "/blog/a/").1;
        body.contains("Fixed text.") && !body.contains("index.md:2:")
    });
}

#[test]
fn static_well_known_is_served_and_its_edits_are_seen() {
    let site = site();
    site.write(
        "static/.well-known/security.txt",
        "Contact: mailto:a@example.com\n",
    );
    site.write("static/.hidden", "never published");
    let mut running = Running::start(&site);
    let (status, body) = get(&running.url(), "/.well-known/security.txt");
    assert_eq!(
        (status, body.as_str()),
        (200, "Contact: mailto:a@example.com\n")
    );
    assert_eq!(get(&running.url(), "/.hidden").0, 404);
    site.write(
        "static/.well-known/security.txt",
        "Contact: mailto:b@example.com\n",
    );
    running.until("the edit of security.txt is served", |url| {
        get(url, "/.well-known/security.txt")
            .1
            .contains("b@example.com")
    });
}

/// serve answers before it watches, so the watcher's setup does not delay the first answer;
/// an edit made in between is served once the watch begins, without waiting for any event.
#[test]
fn an_edit_made_before_the_watch_began_is_served_once_it_begins() {
    let site = site();
    let mut log = Vec::new();
    let unwatched = Preview::serve(&options(&site), &mut log).expect("serve starts");
    let url = unwatched.url();
    assert!(get(&url, "/blog/a/").1.contains("Original text."));

    site.post(
        "a",
        "title: First\ndate: 2020-01-01",
        "Edited before the watch.",
    );
    let mut running = Running {
        preview: unwatched.watch(&mut log).expect("watching starts"),
        log,
    };
    let (status, page) = get(&url, "/blog/a/");
    assert_eq!(status, 200);
    assert!(page.contains("Edited before the watch."), "{page}");
    assert_eq!(running.rebuilds(), 2, "{}", running.log());
    site.post(
        "a",
        "title: First\ndate: 2020-01-01",
        "Edited while watched.",
    );
    running.until("the watched edit is served", |url| {
        get(url, "/blog/a/").1.contains("Edited while watched.")
    });
}

/// Catching up when nothing was edited says nothing: one build is reported, not two.
#[test]
fn catching_up_with_no_edit_is_quiet() {
    let site = site();
    let running = Running::start(&site);
    assert_eq!(running.all_rebuilds(), 1, "{}", running.log());
    assert!(get(&running.url(), "/blog/a/").1.contains("Original text."));
}
