//! The corpus's promises: reproducible, a prefix of any larger corpus, shaped as documented.

use super::*;
use std::collections::{BTreeMap, HashMap};

fn corpus(seed: u64, count: usize) -> Vec<Post> {
    posts(seed).take(count).collect()
}

/// Every file under `dir`, by path relative to it.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().to_path_buf();
                found.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    found
}

/// The front matter's lines and the body.
fn split(post: &Post) -> (Vec<&str>, &str) {
    let rest = post.text.strip_prefix("---\n").expect("opens with ---");
    let (front, body) = rest.split_once("\n---\n\n").expect("closes with ---");
    (front.lines().collect(), body)
}

#[test]
fn the_same_seed_writes_the_same_bytes() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    generate(a.path(), 40, 7).unwrap();
    generate(b.path(), 40, 7).unwrap();
    let (a, b) = (files(a.path()), files(b.path()));
    assert_eq!(a.len(), 40);
    assert!(a == b, "two runs with seed 7 differ");

    let other = tempfile::tempdir().unwrap();
    generate(other.path(), 40, 8).unwrap();
    let other = files(other.path());
    assert!(
        a.values().zip(other.values()).all(|(x, y)| x != y),
        "seed 8 repeats a post of seed 7"
    );
}

#[test]
fn a_corpus_is_a_prefix_of_every_larger_one() {
    let small = tempfile::tempdir().unwrap();
    let large = tempfile::tempdir().unwrap();
    generate(small.path(), 25, 3).unwrap();
    generate(large.path(), 90, 3).unwrap();
    let (small, large) = (files(small.path()), files(large.path()));
    assert_eq!((small.len(), large.len()), (25, 90));
    for (path, bytes) in &small {
        assert!(large.get(path) == Some(bytes), "{} differs", path.display());
    }
    assert_eq!(corpus(3, 90)[..25], corpus(3, 25)[..]);
}

#[test]
fn no_post_holds_template_syntax() {
    for post in corpus(1, 600) {
        for bad in ["{{", "{%", "{#"] {
            assert!(!post.text.contains(bad), "post {} holds {bad}", post.number);
        }
    }
}

/// The slug each relative link of `body` points to, read from `](../<slug>/` .
fn linked_slugs(body: &str) -> Vec<&str> {
    body.split("](../")
        .skip(1)
        .map(|rest| rest.split('/').next().unwrap())
        .collect()
}

#[test]
fn relative_links_lead_to_earlier_posts_that_exist() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 150, 1).unwrap();
    let numbers: HashMap<String, usize> = corpus(1, 150)
        .into_iter()
        .map(|post| (post.slug, post.number))
        .collect();
    let (mut links, mut markdown_links) = (0, 0);
    for post in corpus(1, 150) {
        let (_, body) = split(&post);
        markdown_links += body.matches("/index.md)").count();
        for slug in linked_slugs(body) {
            links += 1;
            let target = numbers
                .get(slug)
                .unwrap_or_else(|| panic!("no post {slug}"));
            assert!(
                *target < post.number,
                "post {} links to {slug}",
                post.number
            );
            let file = dir.path().join("content/posts").join(slug).join("index.md");
            assert!(file.is_file(), "{} is missing", file.display());
        }
    }
    assert!(links > 300, "only {links} relative links");
    assert!(
        markdown_links > 30,
        "only {markdown_links} links to index.md"
    );
    assert!(linked_slugs(split(&corpus(1, 1)[0]).1).is_empty());
}

#[test]
fn front_matter_is_in_the_documented_style() {
    let mut seconds = std::collections::HashSet::new();
    let mut years = std::collections::BTreeSet::new();
    for post in corpus(1, 400) {
        let (front, _) = split(&post);
        assert_eq!(front.len(), 4, "{front:?}");
        let value = |line: &str, key: &str| {
            let value = line.strip_prefix(&format!("{key}: \"")).unwrap();
            value.strip_suffix('"').unwrap().to_string()
        };
        let title = value(front[0], "title");
        assert!(
            title.chars().all(|c| c.is_ascii_alphabetic() || c == ' '),
            "{title}"
        );
        let date = value(front[1], "date");
        assert_eq!(date.len(), 24, "{date}");
        assert!(date.ends_with('Z') && date.as_bytes()[19] == b'.', "{date}");
        assert!(("2015".."2026").contains(&&date[..4]), "{date}");
        years.insert(date[..4].to_string());
        assert!(
            seconds.insert(date[..19].to_string()),
            "two posts at {date}"
        );
        let description = value(front[2], "description");
        assert!(description.ends_with('.') && !description.contains('"'));
        let tags = front[3]
            .strip_prefix("tags: [")
            .unwrap()
            .strip_suffix(']')
            .unwrap();
        let tags: Vec<&str> = tags.split(", ").collect();
        assert!((1..=3).contains(&tags.len()), "{tags:?}");
        assert!(
            tags.iter()
                .all(|t| t.len() > 2 && t.starts_with('"') && t.ends_with('"'))
        );
        let slug_words = title
            .to_lowercase()
            .split(' ')
            .take(3)
            .collect::<Vec<_>>()
            .join("-");
        assert_eq!(post.slug, format!("post-{:05}-{slug_words}", post.number));
    }
    assert_eq!(years.len(), 11, "2015 to 2025: {years:?}");
}

#[test]
fn bodies_have_the_documented_length_and_parts() {
    let posts = corpus(1, 600);
    let (mut tables, mut notes, mut code) = (0, 0, 0);
    let mut languages = std::collections::BTreeSet::new();
    let mut total_words = 0;
    for post in &posts {
        let (_, body) = split(post);
        let words = body.split_whitespace().count();
        total_words += words;
        assert!(
            (750..=1700).contains(&words),
            "post {}: {words} words",
            post.number
        );
        assert!(body.contains("\n## ") && body.contains("\n- ") && body.contains("\n1. "));
        assert!(body.contains("\n> ") && body.contains("](https://"));
        assert!(body.contains('*') && body.contains('`'));
        tables += usize::from(body.contains("\n| "));
        notes += usize::from(body.contains("\n[^1]: "));
        let fences: Vec<&str> = body.lines().filter(|l| l.starts_with("```")).collect();
        assert_eq!(
            fences.len() % 2,
            0,
            "post {}: an unclosed fence",
            post.number
        );
        code += usize::from(!fences.is_empty());
        for fence in fences.iter().step_by(2) {
            assert!(LANGUAGES.contains(&&fence[3..]), "{fence}");
            languages.insert(&fence[3..]);
        }
    }
    let share = |n: usize| n as f64 / posts.len() as f64;
    assert!((0.27..0.40).contains(&share(tables)), "tables in {tables}");
    assert!((0.19..0.31).contains(&share(notes)), "footnotes in {notes}");
    assert!((0.43..0.57).contains(&share(code)), "code in {code}");
    assert_eq!(languages.len(), LANGUAGES.len());
    let mean = total_words / posts.len();
    assert!(
        (950..=1250).contains(&mean),
        "{mean} words a post on average"
    );
    assert!(posts.iter().any(|p| p.text.contains("\n### ")));
}

#[test]
fn footnote_references_and_definitions_match() {
    for post in corpus(2, 300) {
        let (_, body) = split(&post);
        for n in 1..=3 {
            let reference = body.matches(&format!("[^{n}]")).count();
            let definition = body.matches(&format!("\n[^{n}]: ")).count();
            assert_eq!(
                definition,
                usize::from(reference > 0),
                "post {}",
                post.number
            );
            assert!(
                reference == 0 || reference == 2,
                "post {}: [^{n}]",
                post.number
            );
        }
    }
}

#[test]
fn zero_posts_make_an_empty_posts_folder() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 0, 1).unwrap();
    let posts = dir.path().join("content/posts");
    assert!(posts.is_dir());
    assert_eq!(std::fs::read_dir(posts).unwrap().count(), 0);
}
