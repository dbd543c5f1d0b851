//! Images shown from markdown, through the whole build: the `<picture>` the page gets, every
//! file it names decoded back, no metadata published, the cache reused, and bad files warned
//! about and published as they are. The images are made by `pamphlet_corpus::images`.

use pamphlet_corpus::images::{camera_jpeg, jpeg, photo_pixels, screen_recording, svg};
use scraper::{Html, Selector};

use crate::common::{Site, render};

/// The photo as the camera took it: 1200 × 800 pixels, EXIF orientation 6 (turned a quarter),
/// GPS coordinates, XMP and a comment.
fn camera_photo() -> Vec<u8> {
    camera_jpeg(&jpeg(&photo_pixels(1200, 800), 1200, 800), 6, true, None)
}

/// Small widths keep the debug build's encoders quick; what is proven does not depend on them.
const SITE_TOML: &str =
    "title = \"Images\"\nbase_url = \"https://example.com\"\n\n[images]\nwidths = [320, 640]\n";

const POST: &str = "Intro.\n\n![A camera photo](photo.jpg \"Taken upright\")\n\nInline ![a drawing](drawing.svg) and ![a recording](screen.gif).\n";

fn illustrated_site() -> Site {
    let site = Site::new();
    site.write("site.toml", SITE_TOML)
        .post("shots", "title: Shots\ndate: 2024-05-01", POST)
        .write_bytes("content/blog/shots/photo.jpg", &camera_photo())
        .write_bytes(
            "content/blog/shots/drawing.svg",
            &svg("viewBox=\"0 0 300 150\""),
        )
        .write_bytes("content/blog/shots/screen.gif", &screen_recording(50));
    site
}

fn select<'a>(html: &'a Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
    html.select(&Selector::parse(selector).unwrap()).collect()
}

/// `url 320w, …` as (url, width) pairs.
fn candidates(srcset: &str) -> Vec<(String, u32)> {
    srcset
        .split(", ")
        .map(|candidate| {
            let (url, width) = candidate.rsplit_once(' ').unwrap();
            (
                url.to_string(),
                width.trim_end_matches('w').parse().unwrap(),
            )
        })
        .collect()
}

/// The width and height an AVIF declares in its `ispe` box (the image crate here decodes no
/// AVIF).
fn avif_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[4..12], b"ftypavif", "not an AVIF");
    let at = bytes.windows(4).position(|w| w == b"ispe").unwrap() + 8;
    let word = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (word(at), word(at + 4))
}

/// The metadata a camera or editor leaves, by the bytes that give it away.
fn leaks(bytes: &[u8]) -> Vec<&'static str> {
    let tells: [(&[u8], &str); 5] = [
        (b"Exif\0\0", "EXIF"),
        (b"xmpmeta", "XMP"),
        (b"GPS", "GPS"),
        (b"48,51", "a GPS latitude"),
        (b"taken at", "a comment"),
    ];
    tells
        .iter()
        .filter(|(tell, _)| bytes.windows(tell.len()).any(|w| w == *tell))
        .map(|(_, what)| *what)
        .collect()
}

#[test]
fn markdown_images_become_responsive_pictures_published_without_metadata() {
    let site = illustrated_site();
    let built = site.build_ok();
    let warnings = render(&built.warnings);
    assert!(
        warnings.contains("content/blog/shots/index.md:8:1")
            && warnings.contains("photo.jpg holds the GPS position"),
        "the GPS warning names the photo at the line showing it: {warnings}"
    );
    assert_eq!(
        (built.images.processed, built.images.from_cache),
        (2, 0),
        "the photo and the GIF are made; the SVG needs nothing"
    );

    let html = site.html("blog/shots/index.html");
    // The photo: a figure, as it has a title and a paragraph of its own.
    let figure = select(&html, "main figure");
    assert_eq!(figure.len(), 1, "one figure: {}", html.html());
    let caption = select(&html, "figure > figcaption")[0]
        .text()
        .collect::<String>();
    assert_eq!(caption, "Taken upright");
    let img = select(&html, "figure > picture > img")[0].value();
    assert_eq!(
        (img.attr("width"), img.attr("height")),
        (Some("800"), Some("1200")),
        "the size is the upright photo's"
    );
    assert_eq!(
        img.attr("fetchpriority"),
        Some("high"),
        "the first image loads first"
    );
    assert_eq!(img.attr("loading"), None);
    assert_eq!(img.attr("src"), Some("/blog/shots/photo.jpg"));
    assert!(img.attr("sizes").unwrap().contains("36rem"));

    let mut files = Vec::new();
    for (mime, set) in [
        ("image/avif", "figure source[type=\"image/avif\"]"),
        ("image/webp", "figure source[type=\"image/webp\"]"),
        ("image/jpeg", "figure img"),
    ] {
        let srcset = select(&html, set)[0].value().attr("srcset").unwrap();
        let found = candidates(srcset);
        let widths: Vec<u32> = found.iter().map(|(_, w)| *w).collect();
        assert_eq!(
            widths,
            [320, 640, 800],
            "{mime}: never above the source's 800"
        );
        for (url, width) in found {
            let bytes = std::fs::read(site.public().join(url.trim_start_matches('/'))).unwrap();
            let size = if mime == "image/avif" {
                avif_size(&bytes)
            } else {
                let decoded = image::load_from_memory(&bytes).unwrap();
                let format = image::guess_format(&bytes).unwrap();
                assert_eq!(format.to_mime_type(), mime, "{url}");
                (decoded.width(), decoded.height())
            };
            assert_eq!(
                size,
                (width, width * 3 / 2),
                "{url} is upright at its width"
            );
            files.push((url, bytes));
        }
    }

    // The drawing and the recording, inline in a paragraph.
    let inline = select(&html, "main p img[alt=\"a drawing\"]")[0].value();
    assert_eq!(
        (inline.attr("width"), inline.attr("height")),
        (Some("300"), Some("150")),
        "the SVG's size comes from its viewBox"
    );
    assert_eq!(inline.attr("loading"), Some("lazy"));
    let recording = select(&html, "main p picture source[type=\"image/webp\"]");
    assert_eq!(recording.len(), 1, "the GIF is offered as animated WebP");
    let webp_url = candidates(recording[0].value().attr("srcset").unwrap())[0]
        .0
        .clone();
    let webp = std::fs::read(site.public().join(webp_url.trim_start_matches('/'))).unwrap();
    let gif = std::fs::read(site.root().join("content/blog/shots/screen.gif")).unwrap();
    assert!(
        webp.len() < gif.len() && webp.windows(4).any(|w| w == b"ANIM"),
        "an animated WebP smaller than the GIF: {} vs {} bytes",
        webp.len(),
        gif.len()
    );

    // Nothing published tells where the photo was taken.
    let original = std::fs::read(site.public().join("blog/shots/photo.jpg")).unwrap();
    let decoded = image::load_from_memory(&original).unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        (800, 1200),
        "turned upright"
    );
    files.push(("photo.jpg".into(), original));
    files.push(("screen.webp".into(), webp));
    for (url, bytes) in &files {
        assert_eq!(leaks(bytes), Vec::<&str>::new(), "{url} leaks metadata");
    }
    assert!(
        !leaks(&camera_photo()).is_empty(),
        "the check finds the camera's metadata in the source"
    );
}

#[test]
fn a_second_build_takes_every_image_from_the_cache_byte_for_byte() {
    let site = illustrated_site();
    site.build_ok();
    let first = site.snapshot();
    assert!(site.root().join(".pamphlet-cache/images").is_dir());
    let again = site.build_ok();
    assert_eq!((again.images.processed, again.images.from_cache), (2, 2));
    assert_eq!(
        site.snapshot(),
        first,
        "the cached build publishes the same bytes"
    );
}

#[test]
fn cache_dir_moves_the_cache_and_the_summary_counts_images() {
    let site = illustrated_site();
    let first = site.run(&["build", "--cache-dir", "elsewhere"]);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{stdout}");
    assert!(stdout.contains("2 images (0 from the cache)"), "{stdout}");
    assert!(site.root().join("elsewhere/images").is_dir());
    assert!(!site.root().join(".pamphlet-cache").exists());
    let second = site.run(&["build", "--cache-dir", "elsewhere"]);
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(stdout.contains("2 images (2 from the cache)"), "{stdout}");
}

#[test]
fn keep_metadata_publishes_originals_byte_for_byte() {
    let site = illustrated_site();
    site.write(
        "site.toml",
        &format!("{SITE_TOML}keep_metadata = true\nenabled = false\n"),
    );
    let built = site.build_ok();
    let published = std::fs::read(site.public().join("blog/shots/photo.jpg")).unwrap();
    assert_eq!(published, camera_photo());
    assert!(
        !render(&built.warnings).contains("GPS"),
        "kept metadata is the author's choice"
    );
    let html = site.html("blog/shots/index.html");
    assert!(
        select(&html, "picture").is_empty(),
        "enabled = false makes no variants"
    );
}

#[test]
fn images_that_cannot_be_read_are_warnings_and_published_as_they_are() {
    let site = Site::new();
    let truncated = &jpeg(&photo_pixels(400, 300), 400, 300)[..600];
    site.post(
        "broken",
        "title: Broken\ndate: 2024-05-01",
        "![A cut photo](cut.jpg)\n\n![Not a picture](text.png)\n",
    )
    .write_bytes("content/blog/broken/cut.jpg", truncated)
    .write_bytes(
        "content/blog/broken/text.png",
        b"just some text, not a PNG\n",
    );
    let built = site.build_ok();
    let warnings = render(&built.warnings);
    for (name, line) in [("cut.jpg", 6), ("text.png", 8)] {
        assert!(
            warnings.contains(&format!("content/blog/broken/index.md:{line}:1"))
                && warnings.contains(name),
            "{name} is a warning at line {line}: {warnings}"
        );
    }
    assert_eq!(
        std::fs::read(site.public().join("blog/broken/cut.jpg")).unwrap(),
        truncated
    );
    assert_eq!(
        std::fs::read(site.public().join("blog/broken/text.png")).unwrap(),
        b"just some text, not a PNG\n"
    );
}

/// Runs `pamphlet --root ROOT build` on a pseudo-terminal (util-linux's `script`, part of every
/// Debian system), and returns what the terminal received.
fn build_on_a_terminal(root: &std::path::Path) -> String {
    let command = format!(
        "'{}' --root '{}' build",
        env!("CARGO_BIN_EXE_pamphlet"),
        root.display()
    );
    let output = std::process::Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .output()
        .expect("util-linux's `script` runs the build on a pseudo-terminal");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn slow_image_work_shows_a_progress_bar_on_a_terminal_only() {
    let site = Site::new();
    // Full-size photos at the default widths: seconds of encoding in a test build.
    site.post(
        "big",
        "title: Big\ndate: 2024-05-01",
        "![One](one.jpg)\n\n![Two](two.jpg)\n",
    );
    for name in ["one", "two"] {
        let pixels = photo_pixels(2400, 1600);
        site.write_bytes(
            &format!("content/blog/big/{name}.jpg"),
            &jpeg(&pixels, 2400, 1600),
        );
    }
    let terminal = build_on_a_terminal(site.root());
    assert!(
        terminal.contains("making images [") && terminal.contains("Built 1 page"),
        "the bar, then the summary: {terminal}"
    );
    let warm = build_on_a_terminal(site.root());
    assert!(
        !warm.contains("making images"),
        "images from the cache take no time worth a bar: {warm}"
    );
    std::fs::remove_dir_all(site.root().join(".pamphlet-cache")).unwrap();
    let piped = site.run(&["build"]);
    assert!(piped.status.success());
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert!(
        !stderr.contains("making images"),
        "no bar in a log: {stderr}"
    );
}
