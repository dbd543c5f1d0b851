//! The README against the binary: every console example is run (on a site made to match it) and
//! its lines compared with what the real binary prints, and the Content-Security-Policy and the
//! live-reload tag the README quotes are compared with what a build writes and `serve` sends, so
//! the README cannot drift from the behaviour again.
//!
//! Lines are compared with their numbers (counts, times, lines and columns, ports) made `N`, and
//! the site's folder written as the README writes it, `/home/me/site`. Each example's lines
//! must appear, in order, among the lines its commands print; an example this file has no
//! scenario for fails the test, so a new one cannot go unchecked.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::azurite::{ACCOUNT, KEY, create_container, endpoint, require_azurite, unique_container};
use pamphlet::write::lock::{OutputLock, Wait};

use crate::common::serving::Serving;
use crate::common::{Site, repo};

/// One `$ command` of a console block and the lines the README shows it printing.
#[derive(Debug)]
struct Example {
    command: String,
    output: Vec<String>,
}

/// A console block: its examples, run in one folder one after the other.
#[derive(Debug)]
struct Block {
    /// 1-based line of the opening fence.
    line: usize,
    examples: Vec<Example>,
}

impl Block {
    fn key(&self) -> String {
        let commands: Vec<&str> = self.examples.iter().map(|e| e.command.as_str()).collect();
        commands.join(" ; ")
    }
}

fn readme() -> String {
    std::fs::read_to_string(repo().join("README.md")).expect("README.md")
}

fn blocks(readme: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    for (i, line) in readme.lines().enumerate() {
        if line == "```console" {
            current = Some(Block {
                line: i + 1,
                examples: Vec::new(),
            });
        } else if line.starts_with("```") {
            blocks.extend(current.take());
        } else if let Some(block) = current.as_mut() {
            if let Some(command) = line.strip_prefix("$ ") {
                let command = command.split("  #").next().unwrap_or(command).trim();
                block.examples.push(Example {
                    command: command.to_string(),
                    output: Vec::new(),
                });
            } else if !line.trim().is_empty() {
                let example = block.examples.last_mut().expect("output after a command");
                example.output.push(line.to_string());
            }
        }
    }
    blocks
}

/// A command line split as a shell would split these: on spaces, with `"…"` kept whole.
fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in command.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    words.extend((!word.is_empty()).then_some(word));
    words
}

/// What a block's commands printed, stderr before stdout for each, and how each exited.
#[derive(Default)]
struct Printed {
    lines: Vec<String>,
    codes: Vec<Option<i32>>,
}

/// Runs `pamphlet …` commands (joined by `&&` as a shell would) in `cwd`.
fn run(cwd: &Path, command: &str, env: &[(&str, &str)], printed: &mut Printed) {
    for part in command.split("&&") {
        let words = words(part);
        assert_eq!(words[0], "pamphlet", "{command}");
        let out = Command::new(env!("CARGO_BIN_EXE_pamphlet"))
            .args(&words[1..])
            .current_dir(cwd)
            .envs(env.iter().copied())
            .output()
            .expect("the binary runs");
        for stream in [&out.stderr, &out.stdout] {
            let text = String::from_utf8_lossy(stream);
            printed.lines.extend(text.lines().map(String::from));
        }
        printed.codes.push(out.status.code());
        if !out.status.success() {
            return;
        }
    }
}

/// `text` with every run of digits made `N`, every word's plural `s` dropped (so "1 file, 1
/// template render" shows "3 files, 2 template renders" too), and each `(from, to)` replaced.
fn normalize(text: &str, replacements: &[(String, String)]) -> String {
    numbers_as_n(text, replacements)
        .split(' ')
        .map(|word| {
            let end = word.trim_end_matches(|c: char| !c.is_alphabetic());
            match end.strip_suffix('s') {
                Some(stem) if stem.len() > 1 && stem.chars().all(char::is_alphabetic) => {
                    format!("{stem}{}", &word[end.len()..])
                }
                _ => word.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn numbers_as_n(text: &str, replacements: &[(String, String)]) -> String {
    let mut text = text.to_string();
    for (from, to) in replacements {
        text = text.replace(from.as_str(), to);
    }
    let mut out = String::with_capacity(text.len());
    let mut in_number = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('N');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
    }
    out
}

/// Fails unless the block's lines appear, in order, among the printed ones.
fn assert_shows(block: &Block, printed: &Printed, replacements: &[(String, String)]) {
    let got: Vec<String> = printed
        .lines
        .iter()
        .map(|l| normalize(l, replacements))
        .collect();
    let mut from = 0;
    for example in &block.examples {
        for line in &example.output {
            let want = normalize(line, &[]);
            match got[from..].iter().position(|g| *g == want) {
                Some(at) => from += at + 1,
                None => panic!(
                    "README.md:{}: `{}` shows\n  {line}\nbut the binary printed (normalized):\n{}",
                    block.line,
                    example.command,
                    got.join("\n")
                ),
            }
        }
    }
    let fails = block
        .examples
        .iter()
        .flat_map(|e| &e.output)
        .any(|l| l.contains("failed") || l.starts_with("error:"));
    let failed = printed.codes.iter().any(|c| *c != Some(0));
    assert_eq!(
        failed, fails,
        "README.md:{}: exit codes {:?}",
        block.line, printed.codes
    );
}

/// The folder's path as printed, in both spellings, as the README writes it.
fn as_readme(dir: &Path) -> Vec<(String, String)> {
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(dir.canonicalize().ok());
    paths
        .iter()
        .map(|p| (p.display().to_string(), "/home/me/site".to_string()))
        .collect()
}

fn good_site() -> Site {
    let site = Site::new();
    site.post(
        "a",
        "title: A\ndate: 2024-01-01",
        "Post A, [to b](/blog/b/).",
    );
    site.post(
        "b",
        "title: B\ndate: 2024-01-02",
        "## Part\n\nPost B, [to a](../a/).",
    );
    site
}

/// Sets up the folder for `block` and runs it, or says why the README example has no scenario.
fn run_block(block: &Block, seen: usize) -> (PathBuf, Printed, Vec<(String, String)>, Site) {
    let key = block.key();
    let site = good_site();
    let mut printed = Printed::default();
    let replacements = as_readme(site.root());
    let cwd = site.root().to_path_buf();
    match (key.as_str(), seen) {
        ("pamphlet build", 0) | ("pamphlet check", 0) => {}
        ("pamphlet build --output content ; pamphlet build --output important", 0) => {
            site.write("important/notes.txt", "mine");
            site.write("important/drafts/x.md", "mine too");
        }
        ("pamphlet build", 1) => {
            site.post("a", "title: A\ndate: 2024-01-01\ntags: 5", "Post A.");
            site.post(
                "b",
                "title: B\ndate: 2024-01-02",
                "A [broken](../missing/index.md) link.",
            );
        }
        ("pamphlet check", 1) => {
            site.post(
                "b",
                "title: B\ndate: 2024-01-02",
                "To [nowhere](/blog/a/#nowhere).",
            );
            site.write(
                "templates/special.html",
                "{% extends \"base.html\" %}{% block content %}<a href=\"/does-not-exist/\">x</a>{% endblock %}",
            );
            site.write(
                "content/special.md",
                "---\ntitle: Special\ntemplate: special.html\n---\nSpecial.",
            );
        }
        ("pamphlet new \"Why static sites\" ; pamphlet build --drafts", 0) => {}
        ("pamphlet headers ; pamphlet headers --front-door", 0) => {}
        ("pamphlet build --no-wait", 0) => {
            let public = site.root().canonicalize().expect("the site").join("public");
            let _held = OutputLock::acquire(&public, Wait::No).expect("the lock");
            run(&cwd, &block.examples[0].command, &[], &mut printed);
            return (cwd, printed, replacements, site);
        }
        ("pamphlet init my-blog ; pamphlet --root my-blog build", 0) => {
            let cwd = site.root().join("elsewhere");
            std::fs::create_dir(&cwd).expect("an empty folder");
            for example in &block.examples {
                run(&cwd, &example.command, &[], &mut printed);
            }
            return (cwd, printed, replacements, site);
        }
        ("pamphlet serve", 0) => {
            printed.lines = serve_session(&site);
            printed.codes.push(Some(0));
            return (cwd, printed, replacements, site);
        }
        ("pamphlet build && pamphlet deploy", 0) => {
            return deploy_block(block, site);
        }
        _ => panic!(
            "README.md:{}: no scenario for the console example `{key}` in tests/it/readme.rs; \
             add one, so the example is checked against the binary",
            block.line
        ),
    }
    for example in &block.examples {
        run(&cwd, &example.command, &[], &mut printed);
    }
    (cwd, printed, replacements, site)
}

#[test]
fn console_examples_show_what_the_binary_prints() {
    let readme = readme();
    let mut seen = std::collections::HashMap::new();
    let mut checked = 0;
    for block in blocks(&readme) {
        let key = block.key();
        if key.starts_with("scripts/lighthouse") || key.starts_with("scripts/test") {
            // Not the binary: `scripts_test_says_what_the_readme_shows` checks the test script;
            // Lighthouse's table comes from Lighthouse, run by scripts/lighthouse itself.
            continue;
        }
        let n = seen.entry(key).or_insert(0);
        let (_cwd, printed, replacements, _site) = run_block(&block, *n);
        *n += 1;
        assert_shows(&block, &printed, &replacements);
        checked += 1;
    }
    assert!(checked >= 9, "only {checked} console examples found");
}

#[test]
fn scripts_test_says_what_the_readme_shows() {
    let readme = readme();
    let block = blocks(&readme)
        .into_iter()
        .find(|b| b.key() == "scripts/test")
        .expect("the README shows scripts/test");
    let script = std::fs::read_to_string(repo().join("scripts/test")).expect("scripts/test");
    for line in block.examples.iter().flat_map(|e| &e.output) {
        // The script names the folder it looked in, `$shared` (../shared unless overridden).
        let said = line
            .trim_start_matches("scripts/test: ")
            .replace("../shared", "$shared");
        assert!(script.contains(&said), "scripts/test never says: {said}");
    }
}

/// Builds and deploys once into a fresh Azurite container, edits a post, and runs the
/// README's `build && deploy`, with the container's URL written as the README writes it.
fn deploy_block(block: &Block, site: Site) -> (PathBuf, Printed, Vec<(String, String)>, Site) {
    require_azurite();
    let container = unique_container("readme");
    create_container(&container);
    let endpoint = endpoint();
    site.write(
        "site.toml",
        &format!(
            "title = \"T\"\nbase_url = \"https://example.com\"\n[deploy]\naccount = \"{ACCOUNT}\"\n\
             container = \"{container}\"\nendpoint = \"{endpoint}\"\n"
        ),
    );
    let env = [("AZURE_STORAGE_KEY", KEY)];
    let cwd = site.root().to_path_buf();
    let mut first = Printed::default();
    run(&cwd, "pamphlet build && pamphlet deploy", &env, &mut first);
    assert_eq!(first.codes, [Some(0), Some(0)], "{:?}", first.lines);
    site.post("a", "title: A\ndate: 2024-01-01", "Post A, edited.");
    let mut printed = Printed::default();
    for example in &block.examples {
        run(&cwd, &example.command, &env, &mut printed);
    }
    let mut replacements = as_readme(site.root());
    replacements.push((
        format!("{endpoint}/{container}"),
        "https://mysite.blob.core.windows.net/$web".into(),
    ));
    (cwd, printed, replacements, site)
}

/// Runs `pamphlet serve` on the site: waits for it to serve, edits a post, then saves it again
/// unchanged; returns every line it printed, and checks the live-reload tag on the way.
fn serve_session(site: &Site) -> Vec<String> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pamphlet"));
    command.current_dir(site.root());
    let mut serving = Serving::spawn(command, &[]);
    assert_livereload_tag_is_the_readmes(&serving.address);
    let post = site.root().join("content/blog/a/index.md");
    let text = std::fs::read_to_string(&post).expect("the post");
    std::fs::write(&post, text.replace("Post A", "Post A, edited")).expect("edit");
    serving.wait_for("Rebuilt in ");
    // An editor's second save of the same text.
    std::thread::sleep(Duration::from_millis(300));
    let edited = std::fs::read(&post).expect("the post");
    std::fs::write(&post, edited).expect("save again");
    serving.wait_for("No output changed");
    std::mem::take(&mut serving.seen)
}

fn assert_livereload_tag_is_the_readmes(address: &str) {
    let readme = readme();
    let start = readme
        .find("`<script src=\"/__pamphlet/livereload.js\"")
        .expect("the README shows the live-reload tag");
    let shown = readme[start + 1..].split('`').next().expect("its end");
    let mut stream = TcpStream::connect(address).expect("serve listens");
    write!(
        stream,
        "GET /blog/a/ HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .expect("a request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("a response");
    let at = response
        .find("<script src=\"/__pamphlet/")
        .expect("the page has the tag");
    let sent = &response[at..];
    let sent = &sent[..sent.find("</script>").expect("closed") + "</script>".len()];
    let version = sent
        .split("data-version=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .expect("a version");
    assert_eq!(sent.replace(version, "…"), shown);
}

#[test]
fn the_policy_the_readme_quotes_is_the_one_a_build_writes() {
    let readme = readme();
    let start = readme
        .find("`default-src")
        .expect("the README quotes the policy");
    let quoted = readme[start + 1..].split('`').next().expect("its end");
    let quoted = quoted.split_whitespace().collect::<Vec<_>>().join(" ");
    let site = good_site();
    site.build_ok();
    let page = site.html("blog/a/index.html");
    let written = crate::common::attrs(
        &page,
        "meta[http-equiv='Content-Security-Policy']",
        "content",
    );
    assert_eq!(written, [quoted]);
}
