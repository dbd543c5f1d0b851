//! Tools for long essays through the real pipeline: series (the "Part 2 of 3" block, the
//! series page in reading order) and related posts.

use crate::common::{Site, attrs, texts};

/// A three-part series written out of order (weights decide two parts, a date the third), one
/// part scheduled for later, another series of one, and a post in none.
pub fn series_site() -> Site {
    let site = Site::new();
    site.post(
        "basics",
        "title: The Basics\ndate: 2021-03-01\nseries: Serverless in Practice\nweight: 1",
        "Where it starts.",
    );
    site.post(
        "deeper",
        "title: Going Deeper\ndate: 2020-01-01\nseries: [Serverless in Practice]\nweight: 2",
        "The middle part, though written first.",
    );
    site.post(
        "wrap-up",
        "title: Wrapping Up\ndate: 2021-06-01\nseries: serverless in practice",
        "The end: no weight, so after the weighted parts.",
    );
    site.post(
        "sequel",
        "title: Sequel\ndate: 2999-01-01\nseries: Serverless in Practice",
        "Not out yet.",
    );
    site.post(
        "alone",
        "title: Alone\ndate: 2021-01-01\nseries: Another Series",
        "A series of one.",
    );
    site.post("plain", "title: Plain\ndate: 2021-02-01", "In no series.");
    site
}

#[test]
fn each_part_of_a_series_names_its_place_and_links_every_published_part() {
    let site = series_site();
    site.build_ok();
    let page = site.html("blog/deeper/index.html");
    assert_eq!(
        texts(&page, ".series > p"),
        ["Part 2 of 3 in Serverless in Practice"]
    );
    assert_eq!(
        attrs(&page, ".series > p a", "href"),
        ["/series/serverless-in-practice/"]
    );
    assert_eq!(
        texts(&page, ".series li"),
        ["The Basics", "Going Deeper", "Wrapping Up"],
        "weights first, then by date; the scheduled part is not listed"
    );
    assert_eq!(
        attrs(&page, ".series li a", "href"),
        ["/blog/basics/", "/blog/deeper/", "/blog/wrap-up/"]
    );
    assert_eq!(
        texts(&page, ".series [aria-current=page]"),
        ["Going Deeper"]
    );
    let last = site.html("blog/wrap-up/index.html");
    assert_eq!(
        texts(&last, ".series > p"),
        ["Part 3 of 3 in Serverless in Practice"]
    );
    let alone = site.html("blog/alone/index.html");
    assert_eq!(
        texts(&alone, ".series > p"),
        ["Part 1 of 1 in Another Series"]
    );
    let plain = site.html("blog/plain/index.html");
    assert!(texts(&plain, ".series").is_empty(), "no series, no block");
}

#[test]
fn the_series_page_lists_its_parts_in_reading_order_and_the_nav_links_every_series() {
    let site = series_site();
    site.build_ok();
    let series = site.html("series/serverless-in-practice/index.html");
    assert_eq!(texts(&series, "h1"), ["Serverless in Practice"]);
    assert_eq!(
        texts(&series, ".post-list h2"),
        ["The Basics", "Going Deeper", "Wrapping Up"]
    );
    assert!(
        texts(&series, ".post-list .meta")[0].starts_with("Part 1 · "),
        "{:?}",
        texts(&series, ".post-list .meta")
    );
    let index = site.html("series/index.html");
    assert_eq!(
        texts(&index, ".terms a"),
        ["Another Series", "Serverless in Practice"]
    );
    let home = site.html("index.html");
    assert!(
        attrs(&home, ".site-header nav a", "href").contains(&"/series/".to_string()),
        "{:?}",
        attrs(&home, ".site-header nav a", "href")
    );
    assert!(
        site.read("sitemap.xml")
            .contains("/series/serverless-in-practice/")
    );
}

#[test]
fn a_site_without_series_has_no_series_pages() {
    let site = Site::new();
    site.post("one", "title: One\ndate: 2021-01-01", "Text.");
    site.build_ok();
    assert!(!site.exists("series/index.html"));
    let home = site.html("index.html");
    assert!(!attrs(&home, ".site-header nav a", "href").contains(&"/series/".to_string()));
}

/// Two posts on clusters, two on bread, one on both, and a page outside the posts.
fn related_site() -> Site {
    let site = Site::new();
    let clusters = "Kubernetes clusters scale their nodes with the autoscaler; pods wait \
                    while the autoscaler adds nodes to the cluster.";
    site.post(
        "autoscaling",
        "title: Autoscaling Kubernetes clusters\ndate: 2021-01-01\ntags: [ops]",
        &format!("{clusters}\n\nMore on pods, nodes and the autoscaler."),
    );
    site.post(
        "node-pools",
        "title: Node pools in Kubernetes\ndate: 2021-02-01\ntags: [ops]",
        &format!("Node pools group the nodes of a cluster.\n\n{clusters}"),
    );
    site.post(
        "sourdough",
        "title: Sourdough starter\ndate: 2021-03-01\ntags: [baking]",
        "A sourdough starter ferments flour and water; the bread rises with it.\n\n\
         <!-- more -->\n\nFeed the starter daily.",
    );
    site.post(
        "rye",
        "title: Rye bread\ndate: 2021-04-01\ntags: [baking]\n\
         description: Dense and sour, from a rye starter.",
        "Rye bread needs a sourdough starter; the flour ferments and the bread rises slowly.",
    );
    site.post(
        "unrelated",
        "title: A walk\ndate: 2021-05-01",
        "Mountains, lakes, weather.",
    );
    site.write(
        "content/about.md",
        "---\ntitle: About\n---\n\nKubernetes clusters and sourdough bread.\n",
    );
    site
}

#[test]
fn related_posts_are_the_most_alike_by_words_and_tags_never_the_post_itself() {
    let site = related_site();
    site.build_ok();
    let page = site.html("blog/autoscaling/index.html");
    let related = attrs(&page, ".related a", "href");
    assert_eq!(
        related.first().map(String::as_str),
        Some("/blog/node-pools/"),
        "{related:?}"
    );
    assert!(!related.contains(&"/blog/autoscaling/".to_string()));
    assert!(
        !related.contains(&"/blog/unrelated/".to_string()),
        "a post sharing no telling word or tag is not related: {related:?}"
    );
    assert!(related.len() <= 3);
    let rye = site.html("blog/rye/index.html");
    assert_eq!(
        attrs(&rye, ".related a", "href")
            .first()
            .map(String::as_str),
        Some("/blog/sourdough/")
    );
    let sourdough = site.html("blog/sourdough/index.html");
    assert_eq!(
        texts(&sourdough, ".related p").first().map(String::as_str),
        Some("Dense and sour, from a rye starter."),
        "the summary is the one lists show: here the description"
    );
    assert_eq!(
        texts(&rye, ".related p").first().map(String::as_str),
        Some("A sourdough starter ferments flour and water; the bread rises with it."),
        "and here the text before the more marker"
    );
    assert_eq!(
        texts(&rye, ".related time").first().map(String::as_str),
        Some("March 1, 2021")
    );
    let about = site.html("about/index.html");
    assert!(
        texts(&about, ".related").is_empty(),
        "only posts have related posts"
    );
}

#[test]
fn related_posts_need_nothing_configured_and_turn_off_with_one_key() {
    let site = related_site();
    site.build_ok();
    let page = site.html("blog/autoscaling/index.html");
    assert!(!texts(&page, ".related a").is_empty(), "on by default");
    site.write(
        "site.toml",
        "title = \"T\"\nbase_url = \"https://example.com\"\n[build]\nrelated_posts = false\n",
    );
    site.build_ok();
    let page = site.html("blog/autoscaling/index.html");
    assert!(texts(&page, ".related").is_empty());
}

#[test]
fn related_posts_put_series_siblings_first_and_are_the_same_on_every_build() {
    let site = series_site();
    site.post(
        "deeper-copy",
        "title: Going Deeper, Again\ndate: 2020-01-02",
        "The middle part, though written first.",
    );
    site.build_ok();
    let first = site.snapshot();
    let page = site.html("blog/deeper/index.html");
    let related = attrs(&page, ".related a", "href");
    let mut siblings = related[..2].to_vec();
    siblings.sort();
    assert_eq!(
        siblings,
        ["/blog/basics/", "/blog/wrap-up/"],
        "the other parts come before a post with the very same words: {related:?}"
    );
    assert_eq!(related[2], "/blog/deeper-copy/", "{related:?}");
    site.build_ok();
    assert_eq!(first, site.snapshot(), "a second build chooses the same");
}

/// A one-paragraph note is repeated beside its reference on the page, but a feed, which a
/// reader shows without the theme's stylesheet, has it once, in the list.
#[test]
fn sidenotes_are_on_the_page_and_left_out_of_feeds() {
    let site = Site::new();
    site.post(
        "noted",
        "title: Noted\ndate: 2024-01-01",
        "A claim.[^n]\n\n[^n]: Its source, in one paragraph.\n",
    );
    site.build_ok();
    let page = site.html("blog/noted/index.html");
    assert_eq!(
        texts(&page, ".content p .sidenote"),
        ["1 Its source, in one paragraph."]
    );
    assert_eq!(attrs(&page, ".footnotes li", "class"), ["beside"]);
    for feed in ["rss.xml", "atom.xml", "feed.json"] {
        let text = site.read(feed);
        assert!(!text.contains("sidenote"), "{feed}: {text}");
        assert_eq!(
            text.matches("Its source, in one paragraph.").count(),
            1,
            "{feed}"
        );
    }
}

/// Posts that share only tags tie on score, and ties go to the newer post, then by URL: the
/// cut that spares ranking every tied post must keep every one that ties at it.
#[test]
fn related_posts_that_tie_on_tags_go_to_the_newest_then_by_url() {
    let site = Site::new();
    let letters = |n: usize| -> String {
        let a = |d: usize| char::from(b'a' + (d % 26) as u8);
        format!("{}{}{}", a(n / 676), a(n / 26), a(n))
    };
    // (slug, day, tags): every post tagged `common`; two also share `extra`; two share a day.
    let posts: Vec<(String, u32, Vec<&str>)> = (0..12)
        .map(|i| {
            let day = if i == 4 { 3 } else { i as u32 + 1 };
            let tags = if i == 2 || i == 9 {
                vec!["common", "extra"]
            } else {
                vec!["common"]
            };
            (format!("p{}", letters(i)), day, tags)
        })
        .collect();
    for (i, (slug, day, tags)) in posts.iter().enumerate() {
        let front = format!(
            "title: Post {i}\ndate: 2021-01-{day:02}\ntags: [{}]",
            tags.join(", ")
        );
        // Words no other post has: nothing but the tags makes two posts alike.
        site.post(slug, &front, &format!("Body uniquely{}.", letters(i + 100)));
    }
    site.build_ok();
    for (slug, _, tags) in &posts {
        let mut others: Vec<(usize, u32, String)> = posts
            .iter()
            .filter(|(other, _, _)| other != slug)
            .map(|(other, day, theirs)| {
                let shared = tags.iter().filter(|t| theirs.contains(t)).count();
                (shared, *day, format!("/blog/{other}/"))
            })
            .collect();
        others.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        let expected: Vec<String> = others.into_iter().take(3).map(|(_, _, url)| url).collect();
        let page = site.html(&format!("blog/{slug}/index.html"));
        assert_eq!(attrs(&page, ".related a", "href"), expected, "{slug}");
    }
}
