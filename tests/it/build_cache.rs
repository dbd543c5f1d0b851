//! The build cache (`.pamphlet-cache/markdown/`, `.pamphlet-cache/words`,
//! `.pamphlet-cache/outputs`, `.pamphlet-cache/sources`): a warm build publishes exactly what a cold one does, whatever
//! was edited in between, and a cache that is damaged, cut short or another version's is never
//! trusted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{self, Site, render};
use pamphlet::build::{BuildOptions, build};
use pamphlet::load::known::{KnownSources, SETTLING};
use pamphlet::store::Stamp;

/// A small site with what a render depends on besides each page's own text: links between
/// posts (by file and by slug), code to highlight, tags, series and related posts, a template
/// override and a static file.
fn site() -> Site {
    let site = Site::new();
    site.write(
        "site.toml",
        "title = \"Cache\"\nbase_url = \"https://cache.example\"\npaginate_by = 3\n\n[images]\nsocial_cards = false\n",
    );
    for n in 0..8 {
        site.post(&format!("post-{n}"), &front(n, "first"), &body(n, 0));
    }
    site.write("static/notes.txt", "static notes\n");
    site.write("templates/page.html", &page_template(0));
    site
}

fn front(n: usize, title: &str) -> String {
    let tag = ["rust", "azure", "security"][n % 3];
    format!(
        "title: Post {n} {title}\ndate: 2026-0{}-1{}\ntags: [{tag}, blog]",
        1 + n % 9,
        n % 10
    )
}

/// A post's text in its `edit`-th version: links to the next post by file and to the one
/// after by URL, a code block, and words shared with its neighbours for related posts.
fn body(n: usize, edit: usize) -> String {
    let (next, after) = ((n + 1) % 8, (n + 2) % 8);
    format!(
        "Serverless {n} removes servers; patching edit {edit}.\n\n\
         See [the next one](../post-{next}/index.md) and [another](/blog/post-{after}/#top).\n\n\
         ## Section {edit}\n\n```rust\nfn edit_{edit}() -> u32 {{ {n} }}\n```\n\n\
         Words: firewall azure storage static edit{edit} number{n}.\n"
    )
}

fn page_template(edit: usize) -> String {
    let built_in = std::fs::read_to_string(common::repo().join("templates/page.html"))
        .expect("the built-in page template");
    built_in.replace(
        "</article>",
        &format!("</article><!-- template edit {edit} -->"),
    )
}

/// A small deterministic generator: the sequence of edits is the same on every run, and a
/// failure names the step that broke.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// The posts that exist, by number, and the next number a new post takes.
struct Posts {
    live: Vec<usize>,
    next: usize,
}

/// Applies one random edit to `site`; returns what it did, for a failure's message.
fn edit(site: &Site, rng: &mut Rng, posts: &mut Posts, step: usize) -> String {
    let pick = |rng: &mut Rng, posts: &Posts| posts.live[rng.below(posts.live.len())];
    match rng.below(10) {
        0 | 1 => {
            let n = pick(rng, posts);
            site.post(&format!("post-{n}"), &front(n, "first"), &body(n, step));
            format!("edited the text of post-{n}")
        }
        2 => {
            let n = pick(rng, posts);
            site.post(
                &format!("post-{n}"),
                &front(n, &format!("retitled {step}")),
                &body(n, step % 3),
            );
            format!("retitled post-{n}")
        }
        3 => {
            let n = posts.next;
            posts.next += 1;
            posts.live.push(n);
            site.post(&format!("post-{n}"), &front(n, "new"), &body(n, step));
            format!("added post-{n}")
        }
        4 if posts.live.len() > 3 => {
            let n = posts.live.remove(rng.below(posts.live.len()));
            std::fs::remove_dir_all(site.root().join(format!("content/blog/post-{n}"))).unwrap();
            format!("deleted post-{n} (links to it now lead nowhere)")
        }
        5 => {
            // A new name for the folder: the links written to the old one now lead nowhere,
            // and links to the new one (from posts not edited since) start to lead somewhere.
            let from = pick(rng, posts);
            let to = posts.next;
            posts.next += 1;
            let (old, new) = (
                format!("content/blog/post-{from}"),
                format!("content/blog/post-{to}"),
            );
            std::fs::rename(site.root().join(&old), site.root().join(&new)).unwrap();
            posts.live.retain(|&n| n != from);
            posts.live.push(to);
            format!("renamed post-{from} to post-{to}")
        }
        6 => {
            site.write("templates/page.html", &page_template(step));
            "edited the page template".to_string()
        }
        7 => {
            let smart = if step.is_multiple_of(2) {
                "true"
            } else {
                "false"
            };
            site.write(
                "site.toml",
                &format!(
                    "title = \"Cache {step}\"\nbase_url = \"https://cache.example\"\npaginate_by = 3\n\n[markdown]\nsmart_punctuation = {smart}\n\n[images]\nsocial_cards = false\n"
                ),
            );
            format!("edited site.toml (smart_punctuation = {smart})")
        }
        8 => {
            let n = pick(rng, posts);
            let slug = format!("slug: moved-{step}");
            site.post(
                &format!("post-{n}"),
                &format!("{}\n{slug}", front(n, "first")),
                &body(n, 1),
            );
            format!("moved post-{n} to a new URL by its slug")
        }
        _ => {
            site.write("static/notes.txt", &format!("static notes {step}\n"));
            "edited a static file".to_string()
        }
    }
}

/// Builds `site` into `output`, with the cache or without; the outcome as the files published,
/// or the problems.
fn built(site: &Site, output: &Path, cache: bool) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut options = BuildOptions::new(site.root());
    options.output = output.to_path_buf();
    options.cache = cache;
    match build(&options) {
        Ok(built) => {
            let warnings = render(&built.warnings);
            assert!(
                !warnings.contains("cache"),
                "a cache warning on a sound cache:\n{warnings}"
            );
            Ok(common::snapshot(output))
        }
        Err(problems) => Err(render(&problems)),
    }
}

#[test]
fn warm_builds_publish_what_cold_builds_do_after_any_sequence_of_edits() {
    let site = site();
    let cold_output: PathBuf = site.root().join("cold");
    let mut rng = Rng(0x5eed);
    let mut posts = Posts {
        live: (0..8).collect(),
        next: 8,
    };
    let first = built(&site, &site.public(), true).expect("the first build");
    assert_eq!(first, built(&site, &cold_output, false).unwrap());
    assert!(site.root().join(".pamphlet-cache/markdown").is_dir());
    assert!(site.root().join(".pamphlet-cache/words").is_file());
    // Once every file written so far has settled, the builds below recall each post no step
    // has edited since from the record of sources, rather than read it.
    std::thread::sleep(SETTLING);
    assert_eq!(first, built(&site, &site.public(), true).unwrap());
    let mut known =
        KnownSources::open(&site.root().join(".pamphlet-cache"), Stamp::of_this_build());
    known.read();
    for n in 0..8 {
        let rel = format!("blog/post-{n}/index.md");
        let recalled = known.recall(&rel, &site.root().join("content").join(&rel));
        assert!(recalled.is_some(), "{rel} is not recorded");
    }
    for step in 1..=30 {
        let what = edit(&site, &mut rng, &mut posts, step);
        let warm = built(&site, &site.public(), true);
        let cold = built(&site, &cold_output, false);
        if warm != cold {
            let differing: Vec<&String> = match (&warm, &cold) {
                (Ok(w), Ok(c)) => w.keys().filter(|k| w.get(*k) != c.get(*k)).collect(),
                _ => Vec::new(),
            };
            panic!(
                "step {step} ({what}): the warm build differs from a cold one in {differing:?}\n\
                 warm: {:?}\ncold: {:?}",
                warm.as_ref().err(),
                cold.as_ref().err()
            );
        }
    }
}

/// The markdown cache's pack files (those of the last builds).
fn packs(site: &Site) -> Vec<PathBuf> {
    let dir = site.root().join(".pamphlet-cache/markdown");
    let mut packs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("pack-")
        })
        .collect();
    packs.sort();
    packs
}

/// Changes a byte of every rendered post in the packs: each post's HTML says "Serverless".
fn damage_every_entry(site: &Site) {
    for pack in packs(site) {
        let mut bytes = std::fs::read(&pack).unwrap();
        let mut changed = 0;
        let mut at = 0;
        while let Some(found) = bytes[at..].windows(10).position(|w| w == b"Serverless") {
            bytes[at + found] ^= 0x20;
            at += found + 10;
            changed += 1;
        }
        assert!(changed > 0, "no entry in {}", pack.display());
        std::fs::write(&pack, bytes).unwrap();
    }
}

/// The warnings of a successful build, which must publish `clean`.
fn warnings_building(site: &Site, clean: &BTreeMap<String, Vec<u8>>) -> String {
    let built = site.build_ok();
    assert_eq!(
        &common::snapshot(&site.public()),
        clean,
        "a damaged cache was trusted"
    );
    render(&built.warnings)
}

#[test]
fn a_damaged_or_cut_short_cache_is_reported_once_and_not_trusted() {
    let site = site();
    let clean = built(&site, &site.public(), true).expect("the first build");
    assert_eq!(packs(&site).len(), 1, "a cold build writes one pack");

    damage_every_entry(&site);
    let words = site.root().join(".pamphlet-cache/words");
    let mut counts = std::fs::read(&words).unwrap();
    counts.truncate(counts.len() - 3);
    std::fs::write(&words, counts).unwrap();
    let warnings = warnings_building(&site, &clean);
    let damaged = "8 entries of the markdown cache were damaged";
    assert_eq!(warnings.matches(damaged).count(), 1, "{warnings}");
    assert_eq!(warnings.matches("word counts").count(), 1, "{warnings}");

    // Made again and rewritten: the next build is warm and quiet.
    let warnings = warnings_building(&site, &clean);
    assert!(!warnings.contains("cache"), "{warnings}");

    // A pack cut short: the entries past the cut are damaged, those before it whole.
    for pack in packs(&site) {
        let bytes = std::fs::read(&pack).unwrap();
        std::fs::write(&pack, &bytes[..bytes.len() / 2]).unwrap();
    }
    let warnings = warnings_building(&site, &clean);
    assert!(warnings.contains("of the markdown cache w"), "{warnings}");
    assert!(
        !warnings.contains(damaged),
        "the first half was whole:\n{warnings}"
    );

    // An index cut short: nothing in the cache is found, and that is said once.
    let index = site.root().join(".pamphlet-cache/markdown/index");
    let bytes = std::fs::read(&index).unwrap();
    std::fs::write(&index, &bytes[..bytes.len() - 1]).unwrap();
    let warnings = warnings_building(&site, &clean);
    assert_eq!(
        warnings.matches("was damaged and not used").count(),
        1,
        "{warnings}"
    );
    let warnings = warnings_building(&site, &clean);
    assert!(!warnings.contains("cache"), "{warnings}");
}

#[test]
fn unchanged_outputs_are_kept_unrendered_unless_their_file_was_touched() {
    let site = site();
    let clean = built(&site, &site.public(), true).expect("the first build");
    let second = site.build_ok();
    assert!(second.templates_rendered > 0, "the spare was empty");
    // The third build writes over the first's folder, whose record it trusts.
    let third = site.build_ok();
    assert_eq!(third.templates_rendered, 0, "nothing changed");
    assert_eq!(common::snapshot(&site.public()), clean);

    // A hand edit that keeps the length, in the folder the next build writes over.
    let spare = site.root().join(".public.spare/blog/post-1/index.html");
    let html = std::fs::read_to_string(&spare).unwrap();
    std::fs::write(&spare, html.replacen("Serverless", "serverless", 1)).unwrap();
    let fourth = site.build_ok();
    assert_eq!(
        fourth.templates_rendered, 1,
        "only the touched file is rendered"
    );
    assert_eq!(common::snapshot(&site.public()), clean);

    // One edit renders its page and the lists and feeds showing it, not the other pages.
    site.post("post-3", &front(3, "first"), &body(3, 9));
    let edited = site.build_ok();
    assert!(
        edited.templates_rendered < third.pages,
        "{}",
        edited.templates_rendered
    );
    assert_eq!(
        common::snapshot(&site.public()),
        built(&site, &site.root().join("cold"), false).unwrap()
    );
}

#[test]
fn a_damaged_record_of_outputs_is_reported_once_and_not_trusted() {
    let site = site();
    let first = site.build_ok();
    let clean = common::snapshot(&site.public());
    site.build_ok();
    let record = site.root().join(".pamphlet-cache/outputs");
    let mut bytes = std::fs::read(&record).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&record, bytes).unwrap();
    let built = site.build_ok();
    let warnings = render(&built.warnings);
    assert_eq!(
        warnings.matches("record of earlier outputs").count(),
        1,
        "{warnings}"
    );
    assert_eq!(
        built.templates_rendered, first.templates_rendered,
        "every output rendered"
    );
    assert_eq!(common::snapshot(&site.public()), clean);
    let warnings = warnings_building(&site, &clean);
    assert!(!warnings.contains("cache"), "rewritten whole: {warnings}");
}

#[test]
fn one_edit_leaves_the_word_counts_file_alone_and_is_counted_afresh() {
    let site = site();
    built(&site, &site.public(), true).expect("the first build");
    let words = site.root().join(".pamphlet-cache/words");
    let kept = std::fs::read(&words).unwrap();
    site.write(
        "content/blog/post-3/index.md",
        "---\ntitle: Post 3\ndate: 2024-01-04\n---\n\nAn edit about serverless caching and patching.\n",
    );
    let cold_output = site.root().join("cold");
    let warm = built(&site, &site.public(), true).expect("the warm build");
    assert_eq!(
        std::fs::read(&words).unwrap(),
        kept,
        "one edit rewrote the counts"
    );
    assert_eq!(warm, built(&site, &cold_output, false).unwrap());
}

#[test]
fn another_versions_cache_is_ignored_quietly_and_deleting_it_is_safe() {
    let site = site();
    let clean = built(&site, &site.public(), true).expect("the first build");
    // Another build of pamphlet: same names, another stamp inside. Its entries are under other
    // names, so only the word counts' file, which has one name, can be met.
    let words = site.root().join(".pamphlet-cache/words");
    let mut counts = std::fs::read(&words).unwrap();
    counts[16] ^= 0xff;
    let crc_at = counts.len() - 4;
    let crc = crc32fast::hash(&counts[..crc_at]);
    counts[crc_at..].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(&words, &counts).unwrap();
    let built = site.build_ok();
    assert!(
        !render(&built.warnings).contains("cache"),
        "{}",
        render(&built.warnings)
    );
    assert_eq!(common::snapshot(&site.public()), clean);
    assert_ne!(
        std::fs::read(&words).unwrap(),
        counts,
        "the foreign file was replaced"
    );

    std::fs::remove_dir_all(site.root().join(".pamphlet-cache")).unwrap();
    site.build_ok();
    assert_eq!(common::snapshot(&site.public()), clean);
}

#[test]
fn no_cache_reads_and_keeps_nothing() {
    let site = site();
    let output = site.run(&["build", "--no-cache"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!site.root().join(".pamphlet-cache").exists());
    let clean = common::snapshot(&site.public());
    site.build_ok();
    // A damaged cache would be reported if it were read.
    damage_every_entry(&site);
    let output = site.run(&["build", "--no-cache"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        !stderr.contains("cache"),
        "--no-cache read the cache:\n{stderr}"
    );
    assert_eq!(common::snapshot(&site.public()), clean);
}
