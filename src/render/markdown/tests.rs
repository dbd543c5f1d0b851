//! Snapshots of rendered markdown for every construct the README lists, each with the
//! problems it reports (`cargo insta review` after an intended change).

use super::{MarkdownRenderer, Options, Place, Source};
use crate::config::Config;
use crate::load::front_matter::PageFront;
use crate::load::{Document, PageDoc, Sources};
use crate::model::{Id, ModelOptions, Site};
use crate::render::highlight::Highlighter;
use crate::render::links::LinkIndex;

/// A 3 × 2 PNG's signature and header: all an image's size is read from.
const PNG_3X2: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0,
    3, 0, 0, 0, 2, 8, 6, 0, 0, 0,
];

fn page(rel: &str, title: &str) -> PageDoc {
    Document {
        rel: rel.to_string(),
        front: PageFront {
            title: Some(title.to_string()),
            ..PageFront::default()
        }
        .into(),
        body: "".into(),
        body_line: 1,
        key_lines: Default::default(),
        words: Default::default(),
        text_hash: Default::default(),
    }
}

/// A small site with a few pages and an image, on disk so image sizes are read.
struct Fixture {
    _dir: tempfile::TempDir,
    site: Site,
    links: LinkIndex,
    highlighter: Highlighter,
    /// The default theme's highlighting palette.
    palette: Option<std::sync::Arc<crate::render::highlight::Palette>>,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let image = dir.path().join("content/blog/a/photo.png");
        std::fs::create_dir_all(image.parent().expect("a folder")).expect("folders");
        std::fs::write(&image, PNG_3X2).expect("the image");
        let sources = Sources {
            pages: vec![
                page("about.md", "About"),
                page("blog/a/index.md", "A"),
                page("blog/b.md", "B"),
            ],
            sections: Vec::new(),
            assets: vec!["blog/a/photo.png".into()],
            failed: Vec::new(),
        };
        let (site, problems) =
            crate::model::build(Config::default(), sources, &[], ModelOptions::default());
        assert!(!problems.has_errors(), "{problems:?}");
        let links = LinkIndex::new(&site, dir.path());
        let theme = crate::render::theme::Theme::load(dir.path(), &site.config).expect("theme");
        Fixture {
            _dir: dir,
            site,
            links,
            highlighter: Highlighter::new(),
            palette: theme.palette,
        }
    }

    /// The HTML of `markdown` written in `blog/a/index.md`, then its problems, then what the
    /// render collected besides the HTML.
    fn render(&self, markdown: &str, options: Options) -> String {
        let policy = crate::render::csp::Policy::new(&Default::default());
        let renderer = MarkdownRenderer {
            links: &self.links,
            highlighter: &self.highlighter,
            images: None,
            palette: self.palette.as_deref(),
            csp: Some(super::CspCheck {
                policy: &policy,
                origin: "https://example.com",
            }),
            options,
        };
        let page = &self.site.pages[crate::model::PageId::new(1)];
        assert_eq!(page.rel(), "blog/a/index.md");
        let source = Source {
            body: markdown,
            place: Place {
                rel: page.rel(),
                body_line: 5,
                url: &page.url,
            },
        };
        let (rendered, problems) = renderer.render(&source);
        let light = MarkdownRenderer {
            csp: None,
            options: Options {
                highlight_code: false,
                ..options
            },
            ..renderer
        };
        assert_eq!(
            light.summary(&source),
            super::TextSummary {
                before_more: rendered.summary_before_more.clone(),
                first_paragraph: rendered.first_paragraph.clone(),
            },
            "the summary read alone, without highlighting, is the full render's"
        );
        let mut out = rendered.html.clone();
        for d in problems.iter() {
            let at = match (d.line, d.column) {
                (Some(line), Some(column)) => format!(" at {line}:{column}"),
                (Some(line), None) => format!(" at {line}"),
                _ => String::new(),
            };
            out.push_str(&format!("\n--- problem{at}: {d}"));
        }
        out.push_str(&format!(
            "\n--- words {}, minutes {}, summary {:?}, first paragraph {:?}",
            rendered.word_count,
            rendered.reading_time,
            rendered.summary_before_more,
            rendered.first_paragraph
        ));
        if !rendered.toc.is_empty() {
            out.push_str(&format!("\n--- toc {:?}", rendered.toc));
        }
        for blocked in &rendered.blocked {
            out.push_str(&format!(
                "\n--- blocked at {}:{}: {}",
                blocked.line, blocked.column, blocked.message
            ));
        }
        for link in &rendered.links {
            out.push_str(&format!(
                "\n--- link {} at {}:{}",
                link.href, link.line, link.column
            ));
        }
        out
    }
}

const DEFAULT: Options = Options {
    smart_punctuation: true,
    highlight_code: true,
    math: true,
    broken_links_fail: true,
    palette: 0,
    csp: 0,
    images: 0,
};

macro_rules! snapshot {
    ($name:ident, $markdown:expr) => {
        snapshot!($name, $markdown, DEFAULT);
    };
    ($name:ident, $markdown:expr, $options:expr) => {
        #[test]
        fn $name() {
            let fixture = Fixture::new();
            insta::assert_snapshot!(fixture.render($markdown, $options));
        }
    };
}

snapshot!(
    paragraphs_and_inline_styles,
    "A *light* and **strong** word, `code`, ~~struck~~ and a  \nhard break.\n\nSecond paragraph."
);
snapshot!(
    lists_nested_and_tasks,
    "- one\n  - nested\n- two\n\n1. first\n2. second\n\n- [x] done\n- [ ] to do\n"
);
snapshot!(
    blockquote,
    "> Quoted *text*,\n> over two lines.\n>\n> > And nested."
);
snapshot!(
    table_with_alignment,
    "| left | centre | right |\n| :--- | :---: | ---: |\n| a | b | c |\n| 1 | 2 | 3 |\n"
);
snapshot!(
    footnotes_in_order_of_reference_with_back_links,
    "First[^b], second[^a], first again[^b].\n\n[^a]: The a note.\n[^b]: The b note, *styled*.\n"
);
snapshot!(
    footnotes_cited_in_a_heading_or_a_table_get_no_sidenote,
    "# Title[^h]\n\n| a |\n|---|\n| cell[^t] |\n\nText[^x].\n\n[^h]: In a heading.\n[^t]: In a table.\n[^x]: In a paragraph.\n"
);
snapshot!(
    a_text_holding_the_sidenote_marks_gets_no_sidenotes,
    "Text[^x] with \u{FDD0}1\u{FDD1} in it.\n\n[^x]: A note.\n"
);
snapshot!(
    headings_get_unique_ids_anchors_and_a_toc,
    "# Title\n\n## Part one\n\n### Detail\n\n## Part one\n\n## Custom {#chosen .wide}\n\n## \n"
);
snapshot!(
    smart_punctuation_on,
    "\"Quoted\" -- and --- dashes... it's 'single'."
);
snapshot!(
    smart_punctuation_off,
    "\"Quoted\" -- and --- dashes... it's 'single'.",
    Options {
        smart_punctuation: false,
        ..DEFAULT
    }
);
snapshot!(
    summary_before_the_more_marker,
    "The summary, *styled*.\n\n<!-- more -->\n\nThe rest of the text."
);
snapshot!(
    first_paragraph_skips_headings_and_lists,
    "## Heading\n\n- a list item\n\nThe first real paragraph.\n\nAnother one."
);
snapshot!(
    links_to_content_files_become_page_urls,
    "[b](../b.md), [b with anchor](../b.md#part), [at](@/about.md), [folder](../a/), \
     [self anchor](#here), [root](/tags/), [file](photo.png)"
);
snapshot!(
    external_links_get_rel_and_schemes_are_refused,
    "[web](https://example.com/x), [mail](mailto:a@example.com), <https://auto.example/>, \
     [bad](javascript:alert(1)), [data](data:text/html,x)"
);
snapshot!(
    broken_links_are_errors_with_positions,
    "Text.\n\nA [missing](../nowhere.md) link and [climbing](../../../../up.md)."
);
snapshot!(
    broken_links_as_warnings,
    "A [missing](../nowhere.md) link.",
    Options {
        broken_links_fail: false,
        ..DEFAULT
    }
);
snapshot!(
    images_get_size_lazy_loading_and_alt_warnings,
    "![A photo](photo.png \"Its title\")\n\n![](photo.png)\n\n![Remote](https://example.com/x.png)"
);
snapshot!(
    code_blocks_highlighted_by_language,
    "```rust\nfn main() {\n    println!(\"hi\"); // greet\n}\n```\n\n```\nplain text\n```\n\n    indented\n"
);
snapshot!(
    code_with_an_unknown_language_is_plain_with_a_warning,
    "```nosuchlang\nx = 1\n```"
);
snapshot!(
    code_without_highlighting,
    "```rust\nfn main() {}\n```",
    Options {
        highlight_code: false,
        ..DEFAULT
    }
);
snapshot!(
    template_like_text_stays_text,
    "Text with {{ closure }} and {% raw %}.\n\n```rust\nlet s = \"{{closure}}\";\n```"
);
snapshot!(
    raw_html_passes_through,
    "<div class=\"note\">Some <em>HTML</em>.</div>\n\nAnd <kbd>Ctrl</kbd> inline."
);
snapshot!(
    math_without_the_math_feature_is_text,
    "Inline $e^{i\\pi} + 1 = 0$ here."
);
snapshot!(
    callouts_in_the_github_alert_syntax,
    "> [!NOTE]\n> Useful *information*.\n\n> [!TIP]\n> A tip.\n\n> [!IMPORTANT]\n> Key.\n\n\
     > [!WARNING]\n> Careful.\n\n> [!CAUTION]\n> Risky.\n\n> [!NOPE]\n> A plain quote."
);
snapshot!(
    raw_html_the_policy_blocks_is_found_at_its_line,
    "Text.\n\n<iframe width=\"560\"\n  src=\"https://www.youtube.com/embed/x\"></iframe>\n\n\
     A <span style=\"color:red\">red</span> word and <img src=\"https://cdn.example/x.png\" alt=\"x\">.\n\n\
     <img src=\"/ok.png\" alt=\"fine\"> <script src=\"https://example.com/self.js\"></script>"
);
snapshot!(
    annotated_code_blocks_number_highlight_and_title,
    "```rust,linenos,hl_lines=2,name=src/main.rs\nfn main() {\n    let x = 1;\n}\n```\n\n\
     ```js {1,9}\nconst a = 1;\nconst b = 2;\n```\n\n```text {2} bogus\none\ntwo\n```"
);
snapshot!(
    math_renders_as_mathml_and_bad_tex_is_code_with_a_warning,
    "Inline $e^{i\\pi} + 1 = 0$ and display:\n\n$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$\n\nBad: $\\frac{1}$ here."
);
snapshot!(
    math_off_leaves_dollars_as_text,
    "Costs $5 and $10, or $e^x$.",
    Options {
        math: false,
        ..DEFAULT
    }
);
snapshot!(
    svgbob_blocks_become_inline_svg,
    "```svgbob\n+---+\n| a |-->\n+---+\n```"
);
