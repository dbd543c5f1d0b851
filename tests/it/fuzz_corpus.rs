//! Replays the kept fuzz corpus (`fuzz/corpus/<target>/`) through the same checks the fuzz
//! targets run (`fuzz/src/lib.rs`), so every input the fuzzer found interesting, and every one
//! that once found a bug, is a regression test in `cargo test`, without libFuzzer or nightly.
//! `scripts/fuzz` runs the fuzzers themselves.

#[path = "../../fuzz/src/lib.rs"]
mod checks;

use std::path::Path;

#[test]
fn every_kept_fuzz_input_passes_its_targets_checks() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut replayed = Vec::new();
    let mut failures = Vec::new();
    for (target, check) in checks::TARGETS {
        let dir = corpus.join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        assert!(
            !files.is_empty(),
            "no corpus for {target} in {}",
            dir.display()
        );
        for file in &files {
            let data = std::fs::read(file).unwrap();
            let result = std::panic::catch_unwind(|| check(&data));
            if let Err(e) = result {
                let message = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{target}: {}: {message}", file.display()));
            }
        }
        replayed.push(format!("{target}: {}", files.len()));
    }
    assert!(
        failures.is_empty(),
        "{} corpus input(s) fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("replayed {}", replayed.join(", "));
}

/// Inputs that found bugs while fuzzing, by name: each is also in the corpus, but stating them
/// here says what they guard against.
#[test]
fn inputs_that_found_bugs_stay_fixed() {
    // A backslash made a relative link into `/\host`, which browsers read as `//host`.
    checks::markdown(b"\x00[x](\\\\evil.example)");
    checks::markdown(b"\x00[x](/\\evil.example)");
    checks::url_paths(b"\n\\evil.example");
    // A lone CR left a CRLF in the body; an empty YAML key gave a warning naming no field.
    checks::front_matter(b"---\r\r\r\ntitle: x\r\n---\r\nBody.\r\n");
    checks::front_matter(b"---\ntitle: T\n!r : x\n---\nBody.\n");
}
