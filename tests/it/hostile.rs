//! Hostile input: every file a person could get wrong, or an attacker could hand over, gives a
//! clear error or warning naming the file (and line where it has one), never a panic, a hang or
//! a half-written site.
//!
//! Each case starts from a site that builds, builds it, makes it hostile and runs the real
//! binary (`build`, then `check`) under a time limit, so a hang fails the test instead of
//! stalling it. A failing build must leave `public/` byte for byte as it was.
//!
//! Unreadable files: the tests run as root, where permission bits do not stop a read, so the
//! unreadable cases are ones root cannot read either: a dangling symbolic link, a symbolic link
//! loop, a named pipe (FIFO: opening it would wait for a writer forever), a link to a FIFO, and
//! a folder named like a markdown file. `chmod 000` is tried too: root reads the file anyway,
//! so as root the build also runs as `nobody`, whom the bits stop.

use crate::common;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Site, attrs, texts};
use scraper::Html;

/// Far beyond any case's real time: reaching it means a hang.
const PATIENCE: Duration = Duration::from_secs(120);

/// The outcome of one run of the real binary.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs `pamphlet --root <root> <args>`, killing it and failing the test past `limit`.
fn pamphlet(root: &Path, args: &[&str], limit: Duration) -> Run {
    pamphlet_as(root, args, limit, None)
}

/// [`pamphlet`], as the user and group `uid` when one is given (the tests run as root, which
/// may switch to any user).
fn pamphlet_as(root: &Path, args: &[&str], limit: Duration, uid: Option<u32>) -> Run {
    let started = Instant::now();
    let mut command = Command::new(env!("CARGO_BIN_EXE_pamphlet"));
    command
        .arg("--root")
        .arg(root)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    if let Some(uid) = uid {
        use std::os::unix::process::CommandExt;
        // std drops root's supplementary groups too. The repository (the working folder of
        // the tests) may be closed to that user: the site is.
        command.uid(uid).gid(uid).current_dir(root);
    }
    #[cfg(not(unix))]
    assert!(uid.is_none(), "switching users is Unix only");
    let mut child = command.spawn().expect("run pamphlet");
    // Read both pipes as the child writes, so a full pipe never stalls it.
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`pamphlet {}` hung: still running after {limit:?}",
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let run = Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
        elapsed: started.elapsed(),
    };
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("RUST_BACKTRACE"),
        "`pamphlet {}` panicked:\n{}",
        args.join(" "),
        run.stderr
    );
    assert!(
        matches!(run.code, Some(0 | 1)),
        "`pamphlet {}` ended with {:?} (killed by a signal, or a panic's 101):\n{}",
        args.join(" "),
        run.code,
        run.stderr
    );
    run
}

/// A site with one good post, built: a failing build must leave this `public/` alone.
fn good_site() -> Site {
    let site = Site::new();
    site.post(
        "good",
        "title: Good\ndate: 2024-01-01\ntags: [fine]",
        "A good post.",
    );
    site.build_ok();
    site
}

/// Every entry beside `public/` that a build left behind: staging folders must not survive.
fn leftovers(site: &Site) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public.") && n != ".public.spare" && n != ".public.lock")
        .collect();
    names.sort();
    names
}

/// What a case must end in.
enum Expect {
    /// Exit status 1 from `build` and `check`, every text on stderr, `public/` as it was.
    Fails(&'static [&'static str]),
    /// Exit status 0, every text on stderr (and nothing else if there are none), and these
    /// output files.
    Builds {
        stderr: &'static [&'static str],
        files: &'static [&'static str],
    },
}

struct Case {
    name: &'static str,
    /// Makes the built good site hostile.
    setup: fn(&Site),
    expect: Expect,
}

/// Fails the case (not the whole test) with a message.
macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err(format!($($arg)+));
        }
    };
}

/// Runs every case, each on a thread of its own (each waits on two runs of the binary, so
/// running them one after another mostly waited), and collects every failure, a panic
/// included, into one report, in the order of the cases.
fn run_cases(cases: &[Case]) {
    let started = Instant::now();
    let failures: Vec<String> = std::thread::scope(|scope| {
        let running: Vec<_> = cases
            .iter()
            .map(|case| {
                let thread = std::thread::Builder::new().name(case.name.to_string());
                thread
                    .spawn_scoped(scope, move || {
                        let site = good_site();
                        let before = site.snapshot();
                        (case.setup)(&site);
                        check_case(case, &site, &before)
                    })
                    .expect("a thread for the case")
            })
            .collect();
        cases
            .iter()
            .zip(running)
            .filter_map(|(case, thread)| {
                let message = match thread.join() {
                    Ok(Ok(())) => return None,
                    Ok(Err(message)) => message,
                    Err(panic) => format!("panicked: {}", panic_text(&*panic)),
                };
                Some(format!("case `{}`: {message}", case.name))
            })
            .collect()
    });
    eprintln!("{} cases in {:?}", cases.len(), started.elapsed());
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// The message of a panic caught by `join`.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(a panic without a message)".to_string())
}

fn check_case(case: &Case, site: &Site, before: &BTreeMap<String, Vec<u8>>) -> Result<(), String> {
    let build = pamphlet(site.root(), &["build"], PATIENCE);
    let check = pamphlet(site.root(), &["check"], PATIENCE);
    match &case.expect {
        Expect::Fails(texts) => {
            ensure!(
                build.code == Some(1),
                "build should fail:\n{}",
                build.stderr
            );
            ensure!(
                check.code == Some(1),
                "check should fail:\n{}",
                check.stderr
            );
            for text in *texts {
                ensure!(
                    build.stderr.contains(text),
                    "build's stderr lacks {text:?}:\n{}",
                    build.stderr
                );
                ensure!(
                    check.stderr.contains(text),
                    "check's stderr lacks {text:?}:\n{}",
                    check.stderr
                );
            }
            ensure!(
                build
                    .stderr
                    .contains("build failed; the output folder was left as it was"),
                "{}",
                build.stderr
            );
            ensure!(site.snapshot() == *before, "a failed build changed public/");
        }
        Expect::Builds { stderr, files } => {
            ensure!(
                build.code == Some(0),
                "build should succeed:\n{}",
                build.stderr
            );
            ensure!(
                check.code == Some(0),
                "check should pass:\n{}",
                check.stderr
            );
            ensure!(
                !stderr.is_empty() || build.stderr.is_empty(),
                "unexpected:\n{}",
                build.stderr
            );
            for text in *stderr {
                ensure!(
                    build.stderr.contains(text),
                    "build's stderr lacks {text:?}:\n{}",
                    build.stderr
                );
            }
            ensure!(build.stdout.starts_with("Built "), "{}", build.stdout);
            for file in *files {
                ensure!(site.exists(file), "public/{file} is missing");
            }
            // The good post is still there: nothing was lost.
            ensure!(site.exists("blog/good/index.html"), "the good post is gone");
        }
    }
    let left = leftovers(site);
    ensure!(left.is_empty(), "staging left behind: {left:?}");
    Ok(())
}

fn md(site: &Site, rel: &str, text: &str) {
    site.write(&format!("content/{rel}"), text);
}

/// A YAML "billion laughs": nine levels of nine aliases, 9⁹ strings once expanded.
fn billion_laughs(indent: &str) -> String {
    let mut text = format!(
        "{indent}a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
    );
    for (name, prev) in "bcdefghi".chars().zip("abcdefgh".chars()) {
        let aliases = vec![format!("*{prev}"); 9].join(",");
        text.push_str(&format!("{indent}{name}: &{name} [{aliases}]\n"));
    }
    text
}

#[test]
fn malformed_front_matter_is_an_error_at_its_line() {
    run_cases(&[
        Case {
            name: "unterminated YAML",
            setup: |s| {
                md(
                    s,
                    "blog/bad/index.md",
                    "---\ntitle: Never closed\n\nBody.\n",
                )
            },
            expect: Expect::Fails(&[
                "content/blog/bad/index.md:1:1: error: front matter opened with `---` on line 1 is never closed",
                "help: end the front matter with a line holding only `---`",
            ]),
        },
        Case {
            name: "unterminated TOML",
            setup: |s| md(s, "blog/bad.md", "+++\ntitle = 'x'\n"),
            expect: Expect::Fails(&[
                "content/blog/bad.md:1:1: error: front matter opened with `+++` on line 1 is never closed",
            ]),
        },
        Case {
            name: "malformed YAML",
            setup: |s| {
                md(
                    s,
                    "blog/bad/index.md",
                    "---\ntitle: ok\ntags: [a, b\n---\nBody.\n",
                )
            },
            expect: Expect::Fails(&[
                // Where the list opens, not where the parser gave up looking for its end.
                "content/blog/bad/index.md:3:7: error: invalid front matter: did not find expected ',' or ']': a `[` list that is never closed",
            ]),
        },
        Case {
            name: "a tab where YAML wants spaces",
            setup: |s| md(s, "blog/bad/index.md", "---\n\ttitle: x\n---\n"),
            expect: Expect::Fails(&[
                "content/blog/bad/index.md:2:1: error: invalid front matter: found character that cannot start any token",
            ]),
        },
        Case {
            name: "malformed TOML",
            setup: |s| md(s, "blog/bad/index.md", "+++\ntitle = 'x'\ndate = \n+++\n"),
            expect: Expect::Fails(&[
                "content/blog/bad/index.md:3:8: error: invalid front matter: ",
            ]),
        },
        Case {
            name: "date: yes",
            setup: |s| md(s, "blog/bad/index.md", "---\ntitle: x\ndate: yes\n---\n"),
            expect: Expect::Fails(&[
                "content/blog/bad/index.md:3:7: error: invalid front matter: date: `yes` is not a date",
            ]),
        },
        Case {
            name: "tags: 5",
            setup: |s| md(s, "blog/bad/index.md", "---\ntitle: x\ntags: 5\n---\n"),
            expect: Expect::Fails(&[
                "content/blog/bad/index.md:3:7: error: invalid front matter: tags: invalid type: integer `5`, expected a list of strings",
            ]),
        },
        Case {
            name: "a number among the tags, a word for a weight",
            setup: |s| {
                md(
                    s,
                    "blog/bad/index.md",
                    "---\ntitle: x\nweight: heavy\n---\n",
                )
            },
            expect: Expect::Fails(&[
                "content/blog/bad/index.md:3:9: error: invalid front matter: weight: invalid type: string \"heavy\"",
            ]),
        },
        Case {
            name: "TOML date = true",
            setup: |s| {
                md(
                    s,
                    "blog/bad/index.md",
                    "+++\ntitle = 'x'\ndate = true\n+++\n",
                )
            },
            expect: Expect::Fails(&[
                "content/blog/bad/index.md:3:8: error: invalid front matter: date: invalid type: boolean `true`, expected a date",
            ]),
        },
        Case {
            name: "a list where a map is wanted",
            setup: |s| md(s, "blog/bad/index.md", "---\n- a\n- b\n---\n"),
            expect: Expect::Fails(&[
                "content/blog/bad/index.md:2:1: error: invalid front matter: invalid type: sequence",
            ]),
        },
        Case {
            name: "a billion laughs in extra",
            setup: |s| {
                md(
                    s,
                    "blog/bad/index.md",
                    &format!("---\ntitle: x\nextra:\n{}---\n", billion_laughs("  ")),
                )
            },
            expect: Expect::Fails(&[
                // At the first alias, where the expansion starts.
                "content/blog/bad/index.md:5:10: error: invalid front matter: its YAML anchors and aliases (`&name`, `*name`) expand to too much data",
            ]),
        },
        Case {
            name: "a billion laughs aimed at a field",
            setup: |s| {
                md(
                    s,
                    "blog/bad/index.md",
                    &format!("---\n{}tags: *i\n---\n", billion_laughs("")),
                )
            },
            // The type check stops it before the expansion, at the anchor it replays.
            expect: Expect::Fails(&[
                "content/blog/bad/index.md:9:4: error: invalid front matter: tags[0]: invalid type: sequence, expected a string",
            ]),
        },
        Case {
            name: "nesting 200 levels deep",
            setup: |s| {
                md(
                    s,
                    "blog/bad/index.md",
                    &format!(
                        "---\nextra:\n  x: {}1{}\n---\n",
                        "[".repeat(200),
                        "]".repeat(200)
                    ),
                )
            },
            expect: Expect::Fails(&[
                "content/blog/bad/index.md:3:",
                "error: invalid front matter: it nests lists or maps too deeply",
            ]),
        },
        Case {
            name: "a duplicate key",
            setup: |s| md(s, "blog/bad/index.md", "---\ntitle: x\ntitle: y\n---\n"),
            // serde_yaml places it at the map holding the key twice.
            expect: Expect::Fails(&[
                "content/blog/bad/index.md:2:1: error: invalid front matter: duplicate field `title`",
            ]),
        },
        Case {
            name: "a duplicate key inside extra",
            setup: |s| {
                md(
                    s,
                    "blog/bad/index.md",
                    "---\ntitle: x\nextra:\n  a: 1\n  a: 2\n---\n",
                )
            },
            expect: Expect::Fails(&[
                "content/blog/bad/index.md:4:3: error: invalid front matter: extra: duplicate key `a`; each key may appear once in a map",
            ]),
        },
        Case {
            name: "a duplicate TOML key",
            setup: |s| {
                md(
                    s,
                    "blog/bad/index.md",
                    "+++\ntitle = 'x'\ntitle = 'y'\n+++\n",
                )
            },
            expect: Expect::Fails(&[
                "content/blog/bad/index.md:3:1: error: invalid front matter: duplicate key",
            ]),
        },
        Case {
            name: "a duplicate TOML table",
            setup: |s| {
                md(
                    s,
                    "blog/bad/index.md",
                    "+++\n[extra]\na = 1\n[extra]\nb = 2\n+++\n",
                )
            },
            expect: Expect::Fails(&[
                "content/blog/bad/index.md:4:2: error: invalid front matter: duplicate key",
            ]),
        },
        Case {
            name: "every problem is reported, not just the first",
            setup: |s| {
                md(s, "blog/one/index.md", "---\ntags: 5\n---\n");
                md(s, "blog/two.md", "+++\n");
            },
            expect: Expect::Fails(&[
                "content/blog/one/index.md:2:7: error:",
                "content/blog/two.md:1:1: error:",
                "2 errors, 0 warnings",
            ]),
        },
    ]);
}

#[test]
fn unusual_but_valid_front_matter_builds() {
    run_cases(&[
        Case {
            name: "only front matter, no body",
            setup: |s| md(s, "blog/only/index.md", "---\ntitle: Only\n---"),
            expect: Expect::Builds {
                stderr: &[],
                files: &["blog/only/index.html"],
            },
        },
        Case {
            name: "no front matter at all",
            setup: |s| md(s, "blog/bare.md", "# Bare\n\nJust text.\n"),
            expect: Expect::Builds {
                stderr: &[],
                files: &["blog/bare/index.html"],
            },
        },
        Case {
            name: "an empty file",
            setup: |s| md(s, "blog/empty.md", ""),
            expect: Expect::Builds {
                stderr: &[],
                files: &["blog/empty/index.html"],
            },
        },
        Case {
            name: "an empty front matter block",
            setup: |s| md(s, "blog/blank.md", "---\n---\n"),
            expect: Expect::Builds {
                stderr: &[],
                files: &["blog/blank/index.html"],
            },
        },
        Case {
            name: "a byte order mark and CRLF line ends",
            setup: |s| {
                s.write_bytes(
                    "content/blog/crlf.md",
                    b"\xEF\xBB\xBF---\r\ntitle: CRLF\r\n---\r\nBody.\r\n",
                );
            },
            expect: Expect::Builds {
                stderr: &[],
                files: &["blog/crlf/index.html"],
            },
        },
        Case {
            name: "a billion laughs under unknown fields is never expanded",
            setup: |s| {
                md(
                    s,
                    "blog/laughs.md",
                    &format!("---\ntitle: x\n{}---\n", billion_laughs("")),
                )
            },
            expect: Expect::Builds {
                stderr: &[
                    "content/blog/laughs.md:3: warning: unknown front matter field `a` is ignored",
                    "content/blog/laughs.md:11: warning: unknown front matter field `i` is ignored",
                ],
                files: &["blog/laughs/index.html"],
            },
        },
        Case {
            name: "100,000 unknown fields: 20 warnings and a count, in linear time",
            setup: |s| {
                let keys: String = (0..100_000).map(|i| format!("k{i}: v\n")).collect();
                md(s, "blog/many.md", &format!("---\ntitle: x\n{keys}---\n"));
            },
            expect: Expect::Builds {
                stderr: &[
                    "content/blog/many.md:3: warning: unknown front matter field `k0` is ignored",
                    "content/blog/many.md:22: warning: unknown front matter field `k19` is ignored",
                    "content/blog/many.md: warning: 99980 more unknown front matter fields are ignored",
                ],
                files: &["blog/many/index.html"],
            },
        },
    ]);
}

#[test]
fn broken_files_are_an_error_at_the_bad_byte() {
    run_cases(&[
        Case {
            name: "non-UTF-8 bytes",
            setup: |s| {
                s.write_bytes(
                    "content/blog/latin1/index.md",
                    b"---\ntitle: x\n---\nCaf\xe9 au lait\n",
                );
            },
            expect: Expect::Fails(&[
                "content/blog/latin1/index.md:4:4: error: file is not valid UTF-8",
                "help: save the file as UTF-8",
            ]),
        },
        Case {
            name: "non-UTF-8 bytes in the front matter",
            setup: |s| {
                s.write_bytes("content/blog/latin1.md", b"---\ntitle: \xff\xfe\n---\n");
            },
            expect: Expect::Fails(&["content/blog/latin1.md:2:8: error: file is not valid UTF-8"]),
        },
        Case {
            name: "a NUL byte",
            setup: |s| {
                s.write_bytes("content/blog/nul.md", b"---\ntitle: x\n---\nab\0cd\n");
            },
            expect: Expect::Fails(&[
                "content/blog/nul.md:4:3: error: file contains a NUL byte",
                "help: remove it; markdown files are text",
            ]),
        },
        Case {
            name: "a non-UTF-8 file name",
            setup: |s| {
                use std::os::unix::ffi::OsStrExt;
                let name = std::ffi::OsStr::from_bytes(b"caf\xe9.md");
                std::fs::write(s.root().join("content/blog").join(name), "# x\n").unwrap();
            },
            expect: Expect::Fails(&[
                "error: file name is not valid UTF-8",
                "help: rename the file using UTF-8 characters",
            ]),
        },
    ]);
}

#[test]
fn odd_file_names_and_long_lines_build() {
    run_cases(&[
        Case {
            name: "spaces, unicode and a trailing space (gatsby-starter-blog's `algorithm-wordchange /`)",
            setup: |s| {
                md(
                    s,
                    "blog/algorithm-wordchange /index.md",
                    "---\ntitle: Trailing\n---\n![A photo](my photo é.png)\n",
                );
                s.write(
                    "content/blog/algorithm-wordchange /my photo é.png",
                    "not really a png",
                );
                md(
                    s,
                    "blog/Café Notes/index.md",
                    "---\ntitle: Café\n---\nLink to [the other](../algorithm-wordchange%20/index.md).\n",
                );
                md(s, "blog/日本語.md", "---\ntitle: Japanese\n---\n");
                md(s, "blog/tab\there.md", "---\ntitle: Tab\n---\n");
            },
            expect: Expect::Builds {
                // A text file named .png is published as it is, with a warning.
                stderr: &["my photo é.png: warning: my photo é.png is not an image"],
                files: &[
                    "blog/algorithm-wordchange/index.html",
                    "blog/algorithm-wordchange/my photo é.png",
                    "blog/cafe-notes/index.html",
                    "blog/ri-ben-yu/index.html",
                    "blog/tab-here/index.html",
                ],
            },
        },
        Case {
            name: "a 1 MB single line",
            setup: |s| {
                md(
                    s,
                    "blog/line.md",
                    &format!(
                        "---\ntitle: Line\n---\n{}\n",
                        "word *em* [l](https://example.org) ".repeat(30_000)
                    ),
                );
            },
            expect: Expect::Builds {
                stderr: &[],
                files: &["blog/line/index.html"],
            },
        },
    ]);
}

#[cfg(unix)]
#[test]
fn links_pipes_and_unreadable_files_are_reported_never_followed_out_or_waited_on() {
    use std::os::unix::fs::symlink;
    fn fifo(path: &Path) {
        rustix::fs::mknodat(
            rustix::fs::CWD,
            path,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .expect("mkfifo");
    }
    run_cases(&[
        Case {
            name: "a symbolic link loop",
            setup: |s| {
                symlink("loop2.md", s.root().join("content/blog/loop1.md")).unwrap();
                symlink("loop1.md", s.root().join("content/blog/loop2.md")).unwrap();
            },
            expect: Expect::Fails(&[
                "content/blog/loop1.md: error: broken symbolic link: Too many levels of symbolic links",
                "content/blog/loop2.md: error: broken symbolic link",
            ]),
        },
        Case {
            name: "a folder linking to its parent",
            setup: |s| symlink("..", s.root().join("content/blog/good/up")).unwrap(),
            expect: Expect::Builds {
                stderr: &[
                    "content/blog/good/up: warning: linked folder skipped; folders are not followed",
                ],
                files: &[],
            },
        },
        Case {
            name: "a link to a file outside the site",
            setup: |s| {
                symlink("/etc/passwd", s.root().join("content/blog/secret.md")).unwrap();
                symlink("/etc/passwd", s.root().join("content/blog/good/passwd.txt")).unwrap();
                std::fs::create_dir_all(s.root().join("static")).unwrap();
                symlink("/etc", s.root().join("static/etc")).unwrap();
            },
            expect: Expect::Fails(&[
                "content/blog/secret.md: error: symbolic link points outside the site; not followed",
                "content/blog/good/passwd.txt: error: symbolic link points outside the site; not followed",
                "static/etc: error: symbolic link points outside the site; not followed",
                "help: copy the file into the site instead of linking to it",
            ]),
        },
        Case {
            name: "a link climbing out through `..`",
            setup: |s| {
                symlink(
                    "../../../../../../../../etc/hostname",
                    s.root().join("content/blog/host.md"),
                )
                .unwrap()
            },
            expect: Expect::Fails(&["content/blog/host.md: error: "]),
        },
        Case {
            name: "a dangling symbolic link",
            setup: |s| symlink("nowhere.md", s.root().join("content/blog/gone.md")).unwrap(),
            expect: Expect::Fails(&[
                "content/blog/gone.md: error: broken symbolic link: No such file or directory",
            ]),
        },
        Case {
            name: "a named pipe named like a post",
            setup: |s| fifo(&s.root().join("content/blog/pipe.md")),
            expect: Expect::Builds {
                stderr: &[
                    "content/blog/pipe.md: warning: skipped: a named pipe (FIFO) is not a regular file",
                ],
                files: &[],
            },
        },
        Case {
            name: "a link to a named pipe, and pipes among assets and static files",
            setup: |s| {
                fifo(&s.root().join("content/blog/good/pipe"));
                symlink("good/pipe", s.root().join("content/blog/linked.md")).unwrap();
                symlink("pipe", s.root().join("content/blog/good/photo.jpg")).unwrap();
                std::fs::create_dir_all(s.root().join("static")).unwrap();
                fifo(&s.root().join("static/feed.txt"));
            },
            expect: Expect::Builds {
                stderr: &[
                    "content/blog/linked.md: warning: skipped: the symbolic link points to a named pipe (FIFO), not a regular file",
                    "content/blog/good/photo.jpg: warning: skipped: the symbolic link points to a named pipe (FIFO)",
                    "content/blog/good/pipe: warning: skipped: a named pipe (FIFO) is not a regular file",
                    "static/feed.txt: warning: skipped: a named pipe (FIFO) is not a regular file",
                ],
                files: &[],
            },
        },
        Case {
            name: "a folder named like a markdown file",
            setup: |s| {
                std::fs::create_dir_all(s.root().join("content/blog/folder.md")).unwrap();
                symlink("folder.md", s.root().join("content/blog/link.md")).unwrap();
            },
            expect: Expect::Builds {
                stderr: &["content/blog/link.md: warning: linked folder skipped"],
                files: &[],
            },
        },
    ]);
}

/// Permission bits stop every user but root; the build says so, or (as root) reads the file.
/// The refusal is always tested: as root, the build runs again as `nobody`, which the bits do
/// stop.
#[cfg(unix)]
#[test]
fn a_file_without_read_permission_is_an_error_unless_the_user_can_read_it_anyway() {
    /// `nobody` on Debian and most Linux systems.
    const NOBODY: u32 = 65534;
    let root = rustix::process::geteuid().is_root();
    if root {
        // Root: permission bits do not apply, so the page is simply built.
        let site = locked_site(None);
        let run = pamphlet(site.root(), &["build"], PATIENCE);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert!(site.exists("blog/locked/index.html"));
    }
    // Everyone else: the build refuses, naming the file, and leaves public/ as it was.
    let user = root.then_some(NOBODY);
    let site = locked_site(user);
    let path = site.root().join("content/blog/locked.md");
    if !root {
        assert!(
            std::fs::read(&path).is_err(),
            "mode 000 does not stop this user"
        );
    }
    let before = site.snapshot();
    let run = pamphlet_as(site.root(), &["build"], PATIENCE, user);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("content/blog/locked.md: error: cannot read: Permission denied"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr,
        "content/blog/locked.md: error: cannot read: Permission denied (os error 13)\n\
         build failed; the output folder was left as it was: 1 error, 0 warnings\n",
    );
    assert!(site.snapshot() == before);
    assert!(site.exists("blog/good/index.html"), "the old site is gone");
    assert!(!site.exists("blog/locked/index.html"));
    assert_eq!(
        leftovers(&site),
        Vec::<String>::new(),
        "staging left behind"
    );
}

/// The good site with `content/blog/locked.md` at mode 000; with `owner`, the whole site is
/// handed to that user (it must read the site and write staging folders and `public/`), the
/// locked file included, whose owner bits then stop it.
#[cfg(unix)]
fn locked_site(owner: Option<u32>) -> Site {
    use std::os::unix::fs::PermissionsExt;
    let site = good_site();
    let path = site.root().join("content/blog/locked.md");
    std::fs::write(&path, "---\ntitle: Locked\n---\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if let Some(owner) = owner {
        for entry in walkdir::WalkDir::new(site.root()) {
            let entry = entry.unwrap();
            std::os::unix::fs::lchown(entry.path(), Some(owner), Some(owner)).unwrap();
        }
    }
    site
}

/// A file deleted between the walk that lists it and the read is an error naming it (the build
/// itself racing with deletions is in tests/faults.rs).
#[test]
fn a_file_gone_before_it_is_read_is_an_error_naming_it() {
    let site = good_site();
    let (loaded, problems) = pamphlet::load::read_source(site.root(), "blog/vanished/index.md");
    assert!(loaded.is_none());
    assert_eq!(
        common::render(&problems),
        "content/blog/vanished/index.md: error: cannot read: No such file or directory (os error 2)"
    );
}

// ---------------------------------------------------------------------------------------------
// Huge and deep input, once each, under a time limit.

/// Builds with the real binary, which must succeed within `limit`.
fn builds_within(site: &Site, limit: Duration) -> Run {
    let run = pamphlet(site.root(), &["build"], limit);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    eprintln!("built in {:?}", run.elapsed);
    run
}

#[test]
fn a_10_mb_front_matter_block_builds() {
    let site = Site::new();
    let line = "    a line of a literal block scalar, 10 MB of them\n";
    let block = line.repeat(10_000_000 / line.len() + 1);
    site.write(
        "content/blog/big/index.md",
        &format!("---\ntitle: Big\nextra:\n  big: |\n{block}---\nBody.\n"),
    );
    let run = builds_within(&site, PATIENCE);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert!(site.read("blog/big/index.html").contains("<h1>Big</h1>"));
}

#[test]
fn a_50_mb_markdown_file_builds_completely() {
    // 2 MB of prose with links, emphasis and footnotes, then 48 MB in one code block: prose
    // is what makes a debug build slow, and the code block makes the size.
    let site = Site::new();
    let mut text = String::from("---\ntitle: Huge\n---\n");
    let paragraph =
        "Some *prose* with a [link](https://example.org) and `code` and a footnote[^n].\n\n";
    while text.len() < 2_000_000 {
        text.push_str(paragraph);
    }
    text.push_str("[^n]: The note.\n\n```\n");
    let code = "let x = quick(brown, fox) + jumps.over(the, lazy, dog); // and <more> & more\n";
    while text.len() < 50_000_000 {
        text.push_str(code);
    }
    text.push_str("```\n\nThe end.\n");
    site.write("content/blog/huge/index.md", &text);
    drop(text);
    builds_within(&site, PATIENCE);
    let html = site.read("blog/huge/index.html");
    assert!(html.len() > 50_000_000, "{}", html.len());
    assert!(html.contains("<p>The end.</p>"), "the output is complete");
    assert!(html.contains("&lt;more&gt; &amp; more"));
}

#[test]
fn ten_thousand_deep_nesting_builds() {
    let site = Site::new();
    site.write(
        "content/blog/quotes/index.md",
        &format!("---\ntitle: Quotes\n---\n{} deep\n", ">".repeat(10_000)),
    );
    site.write(
        "content/blog/lists/index.md",
        &format!("---\ntitle: Lists\n---\n{}deep\n", "- ".repeat(10_000)),
    );
    site.write(
        "content/blog/ordered/index.md",
        &format!("---\ntitle: Ordered\n---\n{}deep\n", "1. ".repeat(10_000)),
    );
    site.write(
        "content/blog/inline/index.md",
        &format!(
            "---\ntitle: Inline\n---\n{}x{}(y) {}a{}\n",
            "[".repeat(10_000),
            "]".repeat(10_000),
            "*".repeat(10_000),
            "*".repeat(10_000)
        ),
    );
    builds_within(&site, PATIENCE);
    let quotes = site.read("blog/quotes/index.html");
    assert_eq!(quotes.matches("<blockquote>").count(), 10_000);
    assert_eq!(quotes.matches("</blockquote>").count(), 10_000);
    let lists = site.read("blog/lists/index.html");
    assert_eq!(
        lists.matches("<ul>").count(),
        lists.matches("</ul>").count()
    );
    assert!(lists.matches("<ul>").count() >= 10_000);
    let ordered = site.read("blog/ordered/index.html");
    assert_eq!(
        ordered.matches("<ol>").count(),
        ordered.matches("</ol>").count()
    );
    // Balanced, and all there: no list at all would balance too.
    assert_eq!(ordered.matches("<ol>").count(), 10_000);
    assert!(
        ordered.contains("<li>deep</li>"),
        "the innermost item is lost"
    );
    assert!(
        site.read("blog/inline/index.html")
            .contains("<h1>Inline</h1>")
    );
}

// ---------------------------------------------------------------------------------------------
// Values that reach the output. tests/outputs.rs covers a page's title, description, tags and
// `extra` in HTML, attributes, feeds and JSON-LD; these cover what it leaves out: site.toml's
// values and `[extra]`, sections' `_index.md`, authors, markdown text in feeds, nested `extra`
// values and keys, and the sitemap.

const EVIL: &str = "</script><script>alert(1)</script> \"dq\" 'sq' ]]> & <b>b</b> \u{202E}rtl";

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn hostile_values_site() -> Site {
    let site = Site::new();
    let evil = toml_string(EVIL);
    site.write(
        "site.toml",
        &format!(
            "title = {evil}\ndescription = {evil}\nauthor = {evil}\nbio = {evil}\n\
             base_url = \"https://example.com\"\n[feeds]\ntags = true\n\
             [markdown]\nsmart_punctuation = false\n\
             [extra]\nnote = {evil}\nlist = [{evil}]\n"
        ),
    );
    let json = serde_json::to_string(EVIL).unwrap();
    site.write(
        "content/blog/_index.md",
        &format!(
            "---\ntitle: {json}\ndescription: {json}\nextra:\n  note: {json}\n---\nSection intro {EVIL_MD}\n"
        ),
    );
    site.write(
        "content/blog/post/index.md",
        &format!(
            "---\ntitle: {json}\ndate: 2020-01-01\nauthors: [{json}, \"Plain Name\"]\ntags: [{json}]\n\
             extra:\n  nested: {{ {json}: [{json}, {{ k: {json} }}] }}\n---\n{EVIL_MD}\n"
        ),
    );
    site.write(
        "templates/section.html",
        "{% extends \"base.html\" %}{% block content %}<h1>{{ section.title }}</h1>\
         <p id=\"section-note\" data-note=\"{{ section.extra.note }}\">{{ section.extra.note }}</p>\
         <p id=\"config-note\" data-note=\"{{ config.extra.note }}\">{{ config.extra.note }}</p>\
         <p id=\"config-list\">{{ config.extra.list[0] }}</p>\
         {% include \"partials/post_list.html\" %}{% endblock content %}",
    );
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block content %}<h1>{{ page.title }}</h1>\
         {% for key, value in page.extra.nested %}<p class=\"key\" title=\"{{ key }}\">{{ key }}</p>\
         <p class=\"value\" title=\"{{ value[0] }}\">{{ value[0] }}</p>\
         <p class=\"deep\">{{ value[1].k }}</p>{% endfor %}\
         {% for author in page.authors %}<p class=\"author\">{{ author }}</p>{% endfor %}\
         <div class=\"content\">{{ page.content | safe }}</div>{% endblock content %}",
    );
    site.build_ok();
    site
}

/// Markdown text that is hostile in feeds: CDATA's end, control characters, an RTL override.
const EVIL_MD: &str = "Text with ]]> and \u{1}\u{b}\u{1f} and \u{202E}rtl and \\<script\\>.";

#[test]
fn site_section_author_and_extra_values_stay_inert_everywhere() {
    let site = hostile_values_site();
    let files = site.snapshot();
    for (file, bytes) in &files {
        let content = String::from_utf8_lossy(bytes);
        assert!(!content.contains("<script>alert"), "{file}: a live script");
        assert!(!content.contains("<b>b</b>"), "{file}: live markup");
        if file.ends_with(".xml") {
            assert!(!content.contains("]]>"), "{file}: `]]>` unescaped");
            let bad: Vec<char> = content
                .chars()
                .filter(|&c| !pamphlet::render::escape::xml_allows(c))
                .collect();
            assert!(bad.is_empty(), "{file}: characters XML forbids: {bad:?}");
            well_formed_xml(file, &content);
        }
        if file.ends_with(".html") {
            let html = Html::parse_document(&content);
            let scripts = texts(&html, "script");
            assert!(scripts.len() <= 1, "{file}: {scripts:?}");
            for script in &scripts {
                assert!(!script.contains('<'), "{file}: {script}");
                serde_json::from_str::<serde_json::Value>(script)
                    .unwrap_or_else(|e| panic!("{file}: JSON-LD: {e}"));
            }
        }
    }

    // The values come back exactly, in text and in attributes.
    let section = site.html("blog/index.html");
    assert_eq!(texts(&section, "main h1"), [EVIL]);
    assert_eq!(texts(&section, "#section-note"), [EVIL]);
    assert_eq!(attrs(&section, "#section-note", "data-note"), [EVIL]);
    assert_eq!(texts(&section, "#config-note"), [EVIL]);
    assert_eq!(attrs(&section, "#config-note", "data-note"), [EVIL]);
    assert_eq!(texts(&section, "#config-list"), [EVIL]);
    let post = site.html("blog/post/index.html");
    assert_eq!(texts(&post, "p.key"), [EVIL]);
    assert_eq!(attrs(&post, "p.key", "title"), [EVIL]);
    assert_eq!(texts(&post, "p.value"), [EVIL]);
    assert_eq!(attrs(&post, "p.value", "title"), [EVIL]);
    assert_eq!(texts(&post, "p.deep"), [EVIL]);
    assert_eq!(texts(&post, "p.author"), [EVIL, "Plain Name"]);
    let ld: serde_json::Value =
        serde_json::from_str(&texts(&post, "script[type=\"application/ld+json\"]")[0]).unwrap();
    assert_eq!(ld["author"][0]["name"], EVIL);
    assert_eq!(ld["publisher"]["name"], EVIL);

    // Feeds give the author and the text back, without the control characters XML forbids.
    for feed_file in ["rss.xml", "atom.xml"] {
        let feed = feed_rs::parser::parse(&files[feed_file][..])
            .unwrap_or_else(|e| panic!("{feed_file}: {e}"));
        assert_eq!(feed.entries.len(), 1, "{feed_file}");
        let entry = &feed.entries[0];
        let content = common::entry_content(entry);
        assert!(
            content.contains("Text with ]]&gt; and  and \u{202E}rtl"),
            "{feed_file}: {content}"
        );
    }
    let atom = feed_rs::parser::parse(&files["atom.xml"][..]).unwrap();
    let names: Vec<&str> = atom.entries[0]
        .authors
        .iter()
        .map(|a| a.name.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(names, [EVIL, "Plain Name"]);
}

#[test]
fn the_sitemap_holds_only_valid_urls_on_the_site() {
    let site = hostile_values_site();
    let xml = site.read("sitemap.xml");
    well_formed_xml("sitemap.xml", &xml);
    let locs = xml_texts(&xml, "loc");
    assert!(locs.len() >= 4, "{locs:?}");
    for loc in &locs {
        let url = url::Url::parse(loc).unwrap_or_else(|e| panic!("{loc:?}: {e}"));
        assert_eq!(url.host_str(), Some("example.com"), "{loc}");
        // A valid URL is one a parser gives back unchanged: nothing in it needed escaping.
        assert_eq!(url.as_str(), loc, "{loc} needed escaping");
    }
    assert!(
        locs.contains(&"https://example.com/blog/post/".to_string()),
        "{locs:?}"
    );
}

/// A section folder whose name has no letter or digit, and so no slug, is an error naming the
/// folder, as a page file in the same case is, never a raw URL such as `/<&>"/`.
#[test]
fn a_section_folder_without_a_slug_is_an_error_not_a_raw_url() {
    let site = Site::new();
    site.write(
        "content/<&>\"/post.md",
        "---\ntitle: x\ndate: 2020-01-01\n---\n",
    );
    let run = pamphlet(site.root(), &["build"], PATIENCE);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("content/<&>\""), "{}", run.stderr);
    let error = "content/<&>\": error: cannot make a URL from the folder name `<&>\"`\n  \
                 help: rename the folder with at least one letter or digit\n";
    assert_eq!(
        run.stderr,
        format!("{error}build failed; the output folder was left as it was: 1 error, 0 warnings\n")
    );
    let check = pamphlet(site.root(), &["check"], PATIENCE);
    assert_eq!(check.code, Some(1), "{}", check.stderr);
    assert!(check.stderr.starts_with(error), "{}", check.stderr);
    assert!(!site.public().exists(), "a failed first build made public/");
    // Nor did the raw name reach any output path, not even in the staging folder the failed
    // build keeps for the next one.
    let raw: Vec<String> = walkdir::WalkDir::new(site.root())
        .into_iter()
        .map(|e| {
            e.unwrap()
                .path()
                .strip_prefix(site.root())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|p| !p.starts_with("content") && p.contains(['<', '&', '>', '"']))
        .collect();
    assert!(raw.is_empty(), "{raw:?}");
}

/// Control characters in site.toml's strings, which reach every page, are stripped as they are
/// from front matter: HTML and XML cannot carry them.
#[test]
fn control_characters_in_site_toml_never_reach_the_output() {
    let site = Site::new();
    site.write(
        "site.toml",
        "title = \"bell\\u0007 title\"\ndescription = \"esc\\u001b\"\nbase_url = \"https://example.com\"\n[extra]\nx = \"\\u0001\"\ny = \"o\\u0001k\"\n",
    );
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block content %}\
         <p id=\"x\">[{{ config.extra.x }}]</p><p id=\"y\">{{ config.extra.y }}</p>{% endblock content %}",
    );
    site.post("a", "title: A\ndate: 2020-01-01", "Body.");
    site.build_ok();
    // The post's social card is a PNG: binary, and drawn from the cleaned title.
    let texts_out = site.snapshot().into_iter();
    for (file, bytes) in texts_out.filter(|(file, _)| !file.ends_with(".png")) {
        let text = String::from_utf8_lossy(&bytes);
        let bad = common::control_characters(&text);
        assert!(bad.is_empty(), "{file} holds {bad:?}");
    }
    // Removed, not the whole value: what is left reaches the pages and the feeds.
    let home = site.html("index.html");
    assert_eq!(texts(&home, "title"), ["bell title"]);
    assert_eq!(attrs(&home, "meta[name=description]", "content"), ["esc"]);
    let post = site.html("blog/a/index.html");
    assert_eq!(texts(&post, "title"), ["A · bell title"]);
    assert_eq!(texts(&post, "#x"), ["[]"]);
    assert_eq!(texts(&post, "#y"), ["ok"]);
    for feed_file in ["rss.xml", "atom.xml"] {
        let feed = feed_rs::parser::parse(site.read(feed_file).as_bytes())
            .unwrap_or_else(|e| panic!("{feed_file}: {e}"));
        assert_eq!(
            feed.title.map(|t| t.content).as_deref(),
            Some("bell title"),
            "{feed_file}"
        );
        assert_eq!(
            feed.description.map(|t| t.content).as_deref(),
            Some("esc"),
            "{feed_file}"
        );
    }
}

/// A named pipe as `site.toml` is refused, not waited on forever.
#[cfg(unix)]
#[test]
fn a_named_pipe_as_site_toml_is_an_error_not_a_hang() {
    let site = Site::new();
    std::fs::remove_file(site.root().join("site.toml")).unwrap();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        site.root().join("site.toml"),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
    let run = pamphlet(site.root(), &["build"], Duration::from_secs(20));
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("site.toml"), "{}", run.stderr);
    // Refused for what it is, not failing for some other reason that names the file.
    assert!(
        run.stderr.starts_with(
            "site.toml: error: cannot read site.toml: a named pipe (FIFO) is not a regular file\n"
        ),
        "{}",
        run.stderr
    );
}

/// Parses `xml` strictly (roxmltree refuses anything not well-formed, and undeclared
/// entities).
fn well_formed_xml(file: &str, xml: &str) {
    if let Err(e) = roxmltree::Document::parse(xml) {
        panic!("{file} is not well-formed XML: {e}");
    }
}

/// The text of every element named `name`, entities decoded.
fn xml_texts(xml: &str, name: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    doc.descendants()
        .filter(|n| n.tag_name().name() == name)
        .map(|n| n.text().unwrap_or_default().to_string())
        .collect()
}
