//! `pamphlet-corpus floor DIR`: the least work any generator does with DIR's markdown, timed for
//! `scripts/bench`: reading every `.md` file, and turning each into HTML with pulldown-cmark
//! alone (pamphlet's parser, with the extensions pamphlet turns on), on every core, with no
//! templates, highlighting, links or output.

use std::path::{Path, PathBuf};
use std::time::Instant;

use pulldown_cmark::{Options, Parser, html};

/// What the floor run measured, printed as `key=value` words for the benchmark to parse.
struct Floor {
    files: usize,
    bytes_in: usize,
    bytes_out: usize,
    read_seconds: f64,
    parse_seconds: f64,
}

/// Reads and renders every markdown file under `dir`; prints the figures.
pub fn run(dir: &Path) -> Result<(), String> {
    let started = Instant::now();
    let mut paths = Vec::new();
    collect_markdown(dir, &mut paths)?;
    let texts = paths
        .iter()
        .map(|p| {
            std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
        })
        .collect::<Result<Vec<String>, String>>()?;
    let read_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let bytes_out = render_all(&texts);
    let floor = Floor {
        files: texts.len(),
        bytes_in: texts.iter().map(String::len).sum(),
        bytes_out,
        read_seconds,
        parse_seconds: started.elapsed().as_secs_f64(),
    };
    println!(
        "files={} bytes_in={} bytes_out={} read_s={:.4} parse_s={:.4}",
        floor.files, floor.bytes_in, floor.bytes_out, floor.read_seconds, floor.parse_seconds
    );
    Ok(())
}

fn collect_markdown(dir: &Path, paths: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        if path.is_dir() {
            collect_markdown(&path, paths)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            paths.push(path);
        }
    }
    Ok(())
}

/// Renders every text on every core; the HTML's total length.
fn render_all(texts: &[String]) -> usize {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = texts.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = texts
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|t| render(t)).sum::<usize>()))
            .collect();
        // A worker that panicked would leave the floor short: its panic goes on instead.
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .sum()
    })
}

/// One file's HTML length, its YAML front matter skipped.
fn render(text: &str) -> usize {
    let body = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(text, |(_, body)| body);
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
        | Options::ENABLE_SMART_PUNCTUATION;
    let mut out = String::with_capacity(body.len() * 3 / 2);
    html::push_html(&mut out, Parser::new_ext(body, options));
    out.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_skipped_and_the_body_rendered() {
        let with = "---\ntitle: \"A *title*\"\n---\n\n# Heading\n\nSome *text*.\n";
        let without = "\n# Heading\n\nSome *text*.\n";
        assert_eq!(render(with), render(without));
        assert_eq!(
            render(without),
            "<h1>Heading</h1>\n<p>Some <em>text</em>.</p>\n".len()
        );
    }

    #[test]
    fn every_markdown_file_below_the_folder_is_rendered_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("posts/a")).unwrap();
        std::fs::write(dir.path().join("posts/a/index.md"), "*a*").unwrap();
        std::fs::write(dir.path().join("about.md"), "b").unwrap();
        std::fs::write(dir.path().join("posts/a/photo.jpg"), "not markdown").unwrap();
        let mut paths = Vec::new();
        collect_markdown(dir.path(), &mut paths).unwrap();
        assert_eq!(paths.len(), 2);
        let texts = vec!["*a*".to_string(), "b".to_string()];
        assert_eq!(render_all(&texts), render("*a*") + render("b"));
    }
}
