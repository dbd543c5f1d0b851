//! Code highlighting with syntect: short CSS classes in the HTML, colours in one stylesheet.
//!
//! With a palette (the theme's own, or a syntect theme's), each token's look is resolved at
//! build time ([`palette`]) and the HTML carries one element per run of characters that look
//! alike ([`html`]). Without one (a site's own `style.css` without the palette markers), the
//! HTML keeps syntect's scope classes for that stylesheet to style. The syntax set (about a
//! megabyte of compiled grammars) is loaded on the first code block that names a language, so
//! a site without any never pays for it.

mod css;
pub mod html;
mod memo;
pub mod palette;

use std::sync::OnceLock;

use syntect::highlighting::ThemeSet;
use syntect::html::{ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

use super::escape;
pub use html::Lines;
use memo::LineMemo;
pub use palette::Palette;

/// Class names are prefixed so highlighting cannot clash with the theme's own classes.
const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// Lines longer than this are not highlighted: regex grammars can take super-linear time on
/// them (a minified script is one long line), and nobody reads them anyway.
const MAX_LINE: usize = 2_000;

/// Highlights code blocks; shared by every page of a build and across `serve` rebuilds.
#[derive(Default)]
pub struct Highlighter {
    syntaxes: OnceLock<Syntaxes>,
    lines: LineMemo,
}

/// The grammars, with every name and file extension they answer to, lower-cased: looking a
/// language up by scanning every grammar took longer than highlighting a short block.
struct Syntaxes {
    set: SyntaxSet,
    by_token: std::collections::HashMap<String, usize>,
}

impl Syntaxes {
    fn load() -> Syntaxes {
        let set = two_face::syntax::extra_newlines();
        let mut by_token = std::collections::HashMap::new();
        for (index, syntax) in set.syntaxes().iter().enumerate() {
            // The first grammar claiming a token wins, as in syntect's own lookup.
            for token in syntax.file_extensions.iter().chain([&syntax.name]) {
                by_token.entry(token.to_ascii_lowercase()).or_insert(index);
            }
        }
        Syntaxes { set, by_token }
    }

    fn find(&self, lang: &str) -> Option<&SyntaxReference> {
        let lower = lang.to_ascii_lowercase();
        let token = match lower.as_str() {
            "shell" | "zsh" | "console" | "shell-session" | "sh" => "bash",
            "jsonc" | "json5" => "json",
            "py3" | "python3" => "python",
            "c++" => "cpp",
            "golang" => "go",
            "ps" | "ps1" => "powershell",
            "docker" => "dockerfile",
            "md" => "markdown",
            "htm" | "xhtml" => "html",
            other => other,
        };
        self.by_token
            .get(token)
            .map(|&index| &self.set.syntaxes()[index])
    }
}

/// The HTML of one code block, and a warning when it could not be highlighted as asked.
pub struct Highlighted {
    /// A complete `<pre>` element.
    pub html: String,
    /// Why the block was left plain, if it was.
    pub warning: Option<String>,
}

impl Highlighter {
    /// A highlighter that has loaded nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// True once a code block has made it load the syntax set.
    pub fn is_loaded(&self) -> bool {
        self.syntaxes.get().is_some()
    }

    fn syntaxes(&self) -> &Syntaxes {
        self.syntaxes.get_or_init(Syntaxes::load)
    }

    /// Renders a fenced code block whose info string starts with `lang`, in the look of
    /// `palette` if there is one, with `lines` laid out as asked.
    pub fn highlight(
        &self,
        lang: Option<&str>,
        code: &str,
        palette: Option<&Palette>,
        lines: Lines,
    ) -> Highlighted {
        let Some(lang) = lang.filter(|l| !is_plain(l)) else {
            return plain(None, code, lines, None);
        };
        if code.lines().any(|line| line.len() > MAX_LINE) {
            return plain(
                Some(lang),
                code,
                lines,
                Some(format!(
                    "a line of this `{lang}` block is over {MAX_LINE} characters long; left unhighlighted"
                )),
            );
        }
        let syntaxes = self.syntaxes();
        let Some(syntax) = syntaxes.find(lang) else {
            return plain(
                Some(lang),
                code,
                lines,
                Some(format!(
                    "unknown code block language `{lang}`; shown as plain text"
                )),
            );
        };
        let (inner, lines) = match palette {
            Some(palette) => (
                html::compact(code, syntax, &syntaxes.set, &self.lines, palette, lines),
                lines,
            ),
            // syntect's spans run across lines, so there is no line to wrap or number.
            None => (scope_classes(code, syntax, &syntaxes.set), Lines::default()),
        };
        match inner {
            Ok(inner) => Highlighted {
                html: wrap(Some(lang), &inner, lines),
                warning: None,
            },
            Err(e) => plain(
                Some(lang),
                code,
                lines,
                Some(format!("could not highlight `{lang}` code: {e}")),
            ),
        }
    }
}

/// syntect's own HTML, a span per scope with every atom as a class, for stylesheets that
/// style scopes themselves.
fn scope_classes(code: &str, syntax: &SyntaxReference, set: &SyntaxSet) -> Result<String, String> {
    let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, set, CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        generator
            .parse_html_for_line_which_includes_newline(line)
            .map_err(|e| e.to_string())?;
    }
    Ok(generator.finalize())
}

/// The palette of syntect themes: `light` by default, `dark` when the reader prefers it, or
/// `light` for both when `dark` is empty. (The theme's own palette, in `style.css`, is used
/// when no syntect theme is chosen.)
pub fn theme_palette(light: &str, dark: &str) -> Result<Palette, String> {
    let themes: ThemeSet = two_face::theme::extra().into();
    let css_for = |name: &str| {
        let theme = themes.themes.get(name).ok_or_else(|| {
            let mut names: Vec<&str> = themes.themes.keys().map(String::as_str).collect();
            names.sort_unstable();
            format!(
                "unknown highlight theme `{name}`; choose one of: {}",
                names.join(", ")
            )
        })?;
        css_for_theme_with_class_style(theme, CLASS_STYLE).map_err(|e| e.to_string())
    };
    let light_css = css_for(light)?;
    if dark.is_empty() {
        return Ok(Palette::new(&light_css, None));
    }
    let dark_css = css_for(dark)?;
    Ok(Palette::new(&light_css, Some(&dark_css)))
}

fn is_plain(lang: &str) -> bool {
    matches!(
        lang.to_ascii_lowercase().as_str(),
        "" | "text" | "txt" | "plain" | "plaintext" | "none" | "output"
    )
}

fn plain(lang: Option<&str>, code: &str, lines: Lines, warning: Option<String>) -> Highlighted {
    Highlighted {
        html: wrap(lang, &html::plain(code, lines), lines),
        warning,
    }
}

/// A scrollable code block; `tabindex` lets keyboard users scroll it. Numbered lines get the
/// `linenos` class, for the theme to number them with a counter that copying leaves out.
fn wrap(lang: Option<&str>, inner: &str, lines: Lines) -> String {
    let class = if lines.numbered {
        "hl-code linenos"
    } else {
        "hl-code"
    };
    match lang {
        Some(lang) => {
            let lang = escape::html(lang);
            format!(
                "<pre class=\"{class}\" data-lang=\"{lang}\" tabindex=\"0\"><code class=\"language-{lang}\">{inner}</code></pre>\n"
            )
        }
        None => format!("<pre class=\"{class}\" tabindex=\"0\"><code>{inner}</code></pre>\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain_lines() -> Lines<'static> {
        Lines::default()
    }

    #[test]
    fn plain_blocks_do_not_load_syntaxes() {
        let h = Highlighter::new();
        let out = h.highlight(None, "<b>&</b>", None, plain_lines());
        assert!(out.html.contains("&lt;b&gt;&amp;&lt;/b&gt;"));
        assert!(!h.is_loaded());
    }

    #[test]
    fn aliases_resolve() {
        let h = Highlighter::new();
        for lang in ["js", "ts", "sh", "yml", "rs", "toml", "console"] {
            let out = h.highlight(Some(lang), "let x = 1;\n", None, plain_lines());
            assert!(out.warning.is_none(), "{lang}: {:?}", out.warning);
            assert!(out.html.contains("hl-"), "{lang}");
            assert!(!out.html.contains("style="), "{lang}");
        }
    }

    #[test]
    fn unknown_language_is_plain_with_a_warning() {
        let out = Highlighter::new().highlight(Some("klingon"), "<x>", None, plain_lines());
        assert!(out.warning.unwrap().contains("klingon"));
        assert!(out.html.contains("&lt;x&gt;"));
    }

    #[test]
    fn a_huge_line_is_not_highlighted() {
        let code = "a=1;".repeat(50_000);
        let out = Highlighter::new().highlight(Some("js"), &code, None, plain_lines());
        assert!(out.warning.is_some());
    }

    #[test]
    fn theme_palettes_have_both_schemes() {
        let css = theme_palette("InspiredGitHub", "base16-ocean.dark")
            .unwrap()
            .css();
        assert!(css.contains("prefers-color-scheme: dark"));
        assert!(css.contains(".hl-code .c0"), "{css}");
        assert!(theme_palette("nope", "base16-ocean.dark").is_err());
        assert!(theme_palette("InspiredGitHub", "nope").is_err());
        let one = theme_palette("InspiredGitHub", "").unwrap().css();
        assert!(one.contains(".hl-code .c0") && !one.contains("prefers-color-scheme"));
    }

    #[test]
    fn with_a_palette_tokens_that_look_alike_share_one_element() {
        let palette = Palette::new(
            ".hl-keyword, .hl-storage { color: var(--k); }\n.hl-comment { color: var(--c); }\n",
            None,
        );
        let h = Highlighter::new();
        let out = h.highlight(
            Some("rust"),
            "pub fn main() {} // done\n",
            Some(&palette),
            plain_lines(),
        );
        assert!(out.warning.is_none());
        assert_eq!(
            out.html,
            "<pre class=\"hl-code\" data-lang=\"rust\" tabindex=\"0\"><code class=\"language-rust\">\
             <span class=\"c0\">pub fn </span>main() {} <span class=\"c1\">// done\n</span></code></pre>\n"
        );
    }

    /// Lines that open, continue and close strings, comments and blocks, in three grammars.
    const LINES: [&str; 12] = [
        "fn main() {",
        "    let x = 1; */",
        "/* open",
        "}",
        "\"\"\"docstring",
        "def f(x):",
        "    return x  # done",
        "r#\"raw",
        "end\"#",
        "  const s = `tpl ${x}`;",
        "",
        "    let s = \"a\";",
    ];

    proptest::proptest! {
        #[test]
        fn lines_kept_from_earlier_blocks_highlight_as_parsing_them_again_does(
            blocks in proptest::collection::vec(
                (0usize..3, proptest::collection::vec(0..LINES.len(), 1..8)),
                1..12,
            ),
        ) {
            let palette = Palette::new(
                ".hl-keyword { color: var(--k); }\n.hl-comment { color: var(--c); }\n\
                 .hl-string { color: var(--s); }\n",
                None,
            );
            let shared = Highlighter::new();
            for (lang, lines) in blocks {
                let lang = ["rust", "python", "js"][lang];
                let code: String = lines.iter().map(|&l| format!("{}\n", LINES[l])).collect();
                let fresh = Highlighter::new().highlight(Some(lang), &code, Some(&palette), plain_lines());
                let kept = shared.highlight(Some(lang), &code, Some(&palette), plain_lines());
                proptest::prop_assert_eq!(kept.html, fresh.html);
            }
        }
    }

    #[test]
    fn lines_are_wrapped_for_numbers_and_highlights() {
        let palette = Palette::new(".hl-keyword { color: var(--k); }", None);
        let highlighted = [false, true];
        let lines = Lines {
            numbered: true,
            highlighted: &highlighted,
        };
        let out =
            Highlighter::new().highlight(Some("rust"), "let a;\nlet b;\n", Some(&palette), lines);
        assert!(
            out.html.contains(
                "<span class=\"ln\">let a;</span>\n<span class=\"ln hi\">let b;</span>\n"
            ),
            "{}",
            out.html
        );
    }
}
