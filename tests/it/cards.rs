//! Social cards through the real build: each post's 1200 × 630 PNG drawn, referenced from its
//! head, cached, replaced by `image:`, and left out (with a warning) when its title cannot be
//! drawn.

use std::io::Cursor;

use image::{ImageFormat, Rgb, RgbImage};
use scraper::Html;

use crate::common::{Site, attrs, render};

/// The value of the `<meta>` with this `property` or `name`.
fn meta(page: &Html, key: &str) -> Option<String> {
    let property = attrs(page, &format!("meta[property=\"{key}\"]"), "content");
    let name = attrs(page, &format!("meta[name=\"{key}\"]"), "content");
    property.into_iter().chain(name).next()
}

/// The file under `public/` an absolute URL of the test site names.
fn published_path(url: &str) -> String {
    url.strip_prefix("https://example.com/")
        .unwrap_or_else(|| panic!("{url} is not on the site"))
        .to_string()
}

/// How many pixels of `image` inside `rows` are nearly the theme's text colour (#1d2025).
fn inked(image: &RgbImage, rows: std::ops::Range<u32>) -> usize {
    let dark = |p: &Rgb<u8>| p.0.iter().all(|&channel| channel < 0x40);
    (image.enumerate_pixels())
        .filter(|(_, y, p)| rows.contains(y) && dark(p))
        .count()
}

#[test]
fn every_post_gets_its_drawn_card_in_the_head_and_the_pixels() {
    let site = Site::new();
    site.post(
        "firewalls",
        "title: Why Firewalls Will Not Save You\ndate: 2021-03-01",
        "Text.",
    );
    site.write(
        "content/about.md",
        "---\ntitle: About\n---\n\nNot a post.\n",
    );
    let built = site.build_ok();
    assert_eq!(built.images.cards_drawn, 1, "one post, one card");

    let page = site.html("blog/firewalls/index.html");
    let url = meta(&page, "og:image").expect("og:image");
    assert!(
        url.starts_with("https://example.com/blog/firewalls/card.") && url.ends_with(".1200.png"),
        "absolute, beside the post, fingerprinted: {url}"
    );
    assert_eq!(meta(&page, "og:image:width").as_deref(), Some("1200"));
    assert_eq!(meta(&page, "og:image:height").as_deref(), Some("630"));
    let alt = Some("Why Firewalls Will Not Save You".to_string());
    assert_eq!(meta(&page, "og:image:alt"), alt);
    assert_eq!(meta(&page, "twitter:image:alt"), alt);
    assert_eq!(meta(&page, "twitter:image"), Some(url.clone()));
    assert_eq!(
        meta(&page, "twitter:card").as_deref(),
        Some("summary_large_image")
    );

    let png = std::fs::read(site.public().join(published_path(&url))).unwrap();
    assert_eq!(image::guess_format(&png).unwrap(), ImageFormat::Png);
    let card = image::load(Cursor::new(&png), ImageFormat::Png)
        .unwrap()
        .to_rgb8();
    assert_eq!(card.dimensions(), (1200, 630));
    assert!(
        inked(&card, 60..500) > 20_000,
        "the title is drawn in the text colour, not left blank"
    );
    assert!(
        png.windows(4).all(|w| w != b"eXIf" && w != b"tEXt"),
        "no metadata"
    );

    let about = site.html("about/index.html");
    assert_eq!(
        meta(&about, "og:image"),
        None,
        "pages that are not posts get none"
    );
    assert_eq!(meta(&about, "twitter:card").as_deref(), Some("summary"));
    let home = site.html("index.html");
    assert_eq!(meta(&home, "og:image"), None);
}

#[test]
fn a_second_build_reads_the_card_from_the_cache_and_a_new_title_draws_again() {
    let site = Site::new();
    site.post("a", "title: First Title\ndate: 2021-03-01", "Text.");
    site.build_ok();
    let first = site.snapshot();
    let again = site.build_ok();
    assert_eq!(
        (again.images.cards_drawn, again.images.cards_from_cache),
        (0, 1)
    );
    assert_eq!(site.snapshot(), first, "the cached card is the same bytes");

    site.post("a", "title: Second Title\ndate: 2021-03-01", "Text.");
    let retitled = site.build_ok();
    assert_eq!(retitled.images.cards_drawn, 1);
    let page = site.html("blog/a/index.html");
    let url = meta(&page, "og:image").unwrap();
    assert!(
        !first.contains_key(&published_path(&url)),
        "a new title is a new file name"
    );
}

/// A 2000 × 1000 PNG of two colours.
fn cover_png() -> Vec<u8> {
    let image = RgbImage::from_fn(2000, 1000, |x, _| {
        if x < 1000 {
            Rgb([200, 30, 30])
        } else {
            Rgb([30, 30, 200])
        }
    });
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
        .unwrap();
    bytes
}

#[test]
fn image_in_front_matter_replaces_the_card_with_a_right_sized_variant() {
    let site = Site::new();
    site.post(
        "covered",
        "title: Covered\ndate: 2021-03-01\nimage: cover.png",
        "Text.",
    );
    site.write_bytes("content/blog/covered/cover.png", &cover_png());
    let built = site.build_ok();
    assert_eq!(built.images.cards_drawn, 0, "no card is drawn for it");

    let page = site.html("blog/covered/index.html");
    let url = meta(&page, "og:image").unwrap();
    assert!(
        url.starts_with("https://example.com/blog/covered/cover.") && url.ends_with(".1200.png"),
        "the 1200-pixel variant, not the 2000-pixel original: {url}"
    );
    assert_eq!(meta(&page, "og:image:width").as_deref(), Some("1200"));
    assert_eq!(meta(&page, "og:image:height").as_deref(), Some("600"));
    let variant = image::open(site.public().join(published_path(&url))).unwrap();
    assert_eq!((variant.width(), variant.height()), (1200, 600));
    let json_ld = crate::common::one(&page, "script[type=\"application/ld+json\"]");
    assert!(json_ld.contains(&url), "the BlogPosting names it too");
}

#[test]
fn a_missing_image_is_a_warning_at_its_line_and_the_card_stands_in() {
    let site = Site::new();
    site.post(
        "broken",
        "title: Broken Cover\ndate: 2021-03-01\nimage: nowhere.png",
        "Text.",
    );
    site.post(
        "vector",
        "title: Vector Cover\ndate: 2021-03-02\nimage: cover.svg",
        "Text.",
    );
    site.write(
        "content/blog/vector/cover.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"></svg>",
    );
    let built = site.build_ok();
    let warnings = render(&built.warnings);
    assert!(
        warnings.contains("content/blog/broken/index.md:4"),
        "placed at the `image:` line: {warnings}"
    );
    assert!(warnings.contains("nowhere.png"), "{warnings}");
    assert!(
        warnings.contains("content/blog/vector/index.md:4")
            && warnings.contains("is not a PNG, JPEG, GIF or WebP"),
        "{warnings}"
    );
    for slug in ["broken", "vector"] {
        let page = site.html(&format!("blog/{slug}/index.html"));
        let url = meta(&page, "og:image").unwrap();
        assert!(url.contains(&format!("/blog/{slug}/card.")), "{url}");
    }
}

#[test]
fn a_title_the_fonts_cannot_draw_gets_no_card_and_a_warning() {
    let site = Site::new();
    site.post("tofu", "title: 静的サイト\ndate: 2021-03-01", "Text.");
    site.post(
        "fine",
        "title: Ελληνικά and English\ndate: 2021-03-02",
        "Text.",
    );
    let built = site.build_ok();
    let warnings = render(&built.warnings);
    assert!(
        warnings.contains("content/blog/tofu/index.md:2") && warnings.contains("boxes"),
        "{warnings}"
    );
    let tofu = site.html("blog/tofu/index.html");
    assert_eq!(meta(&tofu, "og:image"), None);
    assert_eq!(meta(&tofu, "twitter:card").as_deref(), Some("summary"));
    let fine = site.html("blog/fine/index.html");
    assert!(meta(&fine, "og:image").is_some(), "Greek is in the fonts");
}

#[test]
fn social_cards_false_draws_none() {
    let site = Site::new();
    site.write(
        "site.toml",
        "title = \"Test site\"\nbase_url = \"https://example.com\"\n[images]\nsocial_cards = false\n",
    );
    site.post("a", "title: A\ndate: 2021-03-01", "Text.");
    let built = site.build_ok();
    assert_eq!(built.images.cards_drawn, 0);
    let page = site.html("blog/a/index.html");
    assert_eq!(meta(&page, "og:image"), None);
    assert!(
        crate::common::files_ending(&site.public(), ".png").is_empty(),
        "no card file"
    );
}
