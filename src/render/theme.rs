//! The theme: Tera templates and fingerprinted assets, built in and overridable by the site.
//!
//! The default theme is this repository's own `templates/` folder, compiled into the binary, so
//! a folder with nothing but `content/` builds. A site's `templates/` replaces any of its files
//! by name; files under `templates/assets/` are published with a content hash in their name and
//! a Subresource Integrity value, so they can be cached for a year.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tera::{Kwargs, State, Tera};
use walkdir::WalkDir;

use super::highlight::{self, Palette};
use super::markdown;
use crate::config::{CONFIG_FILE, Config};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::date::PostDate;

/// The built-in templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("page.html", include_str!("../../templates/page.html")),
    ("section.html", include_str!("../../templates/section.html")),
    (
        "taxonomy_list.html",
        include_str!("../../templates/taxonomy_list.html"),
    ),
    (
        "taxonomy_single.html",
        include_str!("../../templates/taxonomy_single.html"),
    ),
    ("404.html", include_str!("../../templates/404.html")),
    (
        "partials/post_list.html",
        include_str!("../../templates/partials/post_list.html"),
    ),
];

/// The built-in theme assets, by name.
pub const ASSETS: &[(&str, &[u8])] = &[
    (
        "style.css",
        include_bytes!("../../templates/assets/style.css"),
    ),
    (
        "favicon.svg",
        include_bytes!("../../templates/assets/favicon.svg"),
    ),
];

/// The folder of a site's own templates.
pub const TEMPLATE_DIR: &str = "templates";
/// The folder, inside the templates folder, of a site's own theme assets.
pub const ASSET_DIR: &str = "assets";

/// A theme asset as published.
#[derive(Debug, Clone, Serialize)]
pub struct Asset {
    /// Its name in the theme, such as `style.css`.
    #[serde(skip)]
    pub name: String,
    /// Its output file, with the hash: `style.3f2a9c1b0d.css`.
    #[serde(skip)]
    pub file: String,
    /// Its root-relative URL.
    pub url: String,
    /// Its Subresource Integrity value.
    pub integrity: String,
    /// Its bytes.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// Compiled templates and published assets.
pub struct Theme {
    /// The templates, compiled once per build.
    pub tera: Tera,
    /// The assets, with their hashed names.
    pub assets: Vec<Asset>,
    /// Where each template came from: a site file, or `None` for a built-in one.
    pub sources: BTreeMap<String, Option<PathBuf>>,
    /// How highlighted code looks, resolved at build time; `None` leaves syntect's scope
    /// classes in the HTML (see [`highlight`]).
    pub palette: Option<Arc<Palette>>,
    /// A hash of every template's name and text: outputs made by another theme are stale.
    pub fingerprint: u64,
}

impl Theme {
    /// Loads the built-in theme with the site's overrides. `style.css` carries its own palette
    /// for highlighted code; when `[markdown] highlight_theme` names a syntect theme, syntect's
    /// stylesheet for it replaces that palette.
    pub fn load(site_root: &Path, config: &Config) -> Result<Theme, Diagnostics> {
        let mut problems = Diagnostics::new();
        let mut templates: BTreeMap<String, (String, Option<PathBuf>)> = TEMPLATES
            .iter()
            .map(|(name, text)| (name.to_string(), (text.to_string(), None)))
            .collect();
        let mut assets: BTreeMap<String, Vec<u8>> = ASSETS
            .iter()
            .map(|(name, bytes)| (name.to_string(), bytes.to_vec()))
            .collect();
        read_site_theme(site_root, &mut templates, &mut assets, &mut problems);

        let palette = highlight_palette(config, &mut assets, &mut problems).map(Arc::new);
        // Formulas and diagrams need these rules to lay out at all, whatever stylesheet the site
        // writes: they stand for the inline styles the Content-Security-Policy forbids.
        if let Some(style) = assets.get_mut("style.css") {
            for css in [markdown::math::MATH_CSS, markdown::diagram::DIAGRAM_CSS] {
                style.extend_from_slice(b"\n");
                style.extend_from_slice(css.as_bytes());
            }
        }
        let sources: BTreeMap<String, Option<PathBuf>> = templates
            .iter()
            .map(|(name, (_, path))| (name.clone(), path.clone()))
            .collect();
        let tera = compile(&templates, &sources, &mut problems);
        if problems.has_errors() {
            return Err(problems);
        }
        let assets: Vec<Asset> = assets
            .into_iter()
            .map(|(name, bytes)| fingerprint(name, bytes))
            .collect();
        // Assets reach templates through the globals; the templates' text is all else.
        let fingerprint = super::reuse::hash_of(&templates);
        Ok(Theme {
            tera,
            assets,
            sources,
            palette,
            fingerprint,
        })
    }

    /// The published asset called `name` in the theme.
    pub fn asset(&self, name: &str) -> Option<&Asset> {
        self.assets.iter().find(|a| a.name == name)
    }
}

/// Gives `style.css` the palette for highlighted code that `[markdown]` asks for, resolved
/// into its compact classes, and returns that palette: the theme's own (the rules between the
/// palette markers), none (no highlighting, or a site `style.css` without the markers, which
/// then styles syntect's scope classes itself), or a syntect theme's.
fn highlight_palette(
    config: &Config,
    assets: &mut BTreeMap<String, Vec<u8>>,
    problems: &mut Diagnostics,
) -> Option<Palette> {
    let markdown = &config.markdown;
    let style = assets.get_mut("style.css")?;
    if !markdown.highlight_code {
        remove_palette(style);
        return None;
    }
    if markdown.highlight_theme.is_empty() {
        let (start, end) = palette_block(style)?;
        let rules = String::from_utf8_lossy(&style[start..end]).into_owned();
        let palette = Palette::new(&rules, None);
        let css = format!(
            "/* Highlighted code: the palette, resolved at build time */\n{}",
            palette.css()
        );
        style.splice(start..end, css.into_bytes());
        return Some(palette);
    }
    // A syntect theme of the site's choosing replaces the theme's own palette.
    remove_palette(style);
    match highlight::theme_palette(&markdown.highlight_theme, &markdown.highlight_theme_dark) {
        Ok(palette) => {
            style.extend_from_slice(b"\n");
            style.extend_from_slice(palette.css().as_bytes());
            Some(palette)
        }
        Err(message) => {
            problems.push(
                Diagnostic::error(message)
                    .in_file(CONFIG_FILE)
                    .help("set [markdown] highlight_theme (and highlight_theme_dark) to one of these, or remove highlight_theme to use the theme's own palette"),
            );
            None
        }
    }
}

/// Compiles the templates, reporting every broken one, not just the first.
fn compile(
    templates: &BTreeMap<String, (String, Option<PathBuf>)>,
    sources: &BTreeMap<String, Option<PathBuf>>,
    problems: &mut Diagnostics,
) -> Tera {
    let mut tera = Tera::new();
    register_filters(&mut tera);
    // Each template is checked alone first, so every syntax error is found.
    for (name, (text, _)) in templates {
        if let Err(e) = Tera::new().add_raw_template(name, text)
            && matches!(e.kind(), tera::ErrorKind::SyntaxError(_))
        {
            problems.push(template_diagnostic(&e, sources));
        }
    }
    if !problems.has_errors()
        && let Err(e) = tera.add_raw_templates(
            templates
                .iter()
                .map(|(name, (text, _))| (name.as_str(), text.as_str())),
        )
    {
        problems.push(template_diagnostic(&e, sources));
    }
    tera
}

/// Reads `templates/**/*.html|xml` and `templates/assets/**` of the site over the built-ins.
fn read_site_theme(
    site_root: &Path,
    templates: &mut BTreeMap<String, (String, Option<PathBuf>)>,
    assets: &mut BTreeMap<String, Vec<u8>>,
    problems: &mut Diagnostics,
) {
    let dir = site_root.join(TEMPLATE_DIR);
    if !dir.is_dir() {
        return;
    }
    let walker = WalkDir::new(&dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || !crate::load::walk::is_ignored_name(&e.file_name().to_string_lossy())
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                problems.push(Diagnostic::error(format!("cannot read the templates: {e}")));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let Some(name) = crate::load::walk::relative_utf8(entry.path(), &dir) else {
            continue;
        };
        let shown = Path::new(TEMPLATE_DIR).join(&name);
        if let Some(asset) = name.strip_prefix("assets/") {
            match std::fs::read(entry.path()) {
                Ok(bytes) => {
                    assets.insert(asset.to_string(), bytes);
                }
                Err(e) => {
                    problems.push(Diagnostic::error(format!("cannot read: {e}")).in_file(shown))
                }
            }
        } else if name.ends_with(".html") || name.ends_with(".xml") {
            match std::fs::read_to_string(entry.path()) {
                Ok(text) => {
                    templates.insert(name, (text, Some(shown)));
                }
                Err(e) => {
                    problems.push(Diagnostic::error(format!("cannot read: {e}")).in_file(shown))
                }
            }
        }
    }
}

/// Where `style.css` marks its palette for highlighted code.
const PALETTE_START: &[u8] = b"/* pamphlet:palette:start */";
const PALETTE_END: &[u8] = b"/* pamphlet:palette:end */";

/// Where the palette is in a stylesheet: from its start marker to just after its end marker
/// (and that line's end); `None` when the stylesheet has no palette.
fn palette_block(css: &[u8]) -> Option<(usize, usize)> {
    let find = |haystack: &[u8], needle: &[u8]| {
        haystack
            .windows(needle.len())
            .position(|window| window == needle)
    };
    let start = find(css, PALETTE_START)?;
    let end = find(&css[start..], PALETTE_END).map(|at| start + at + PALETTE_END.len())?;
    let end = if css.get(end) == Some(&b'\n') {
        end + 1
    } else {
        end
    };
    Some((start, end))
}

/// Removes the palette between the markers (and the markers), if the stylesheet has them.
fn remove_palette(css: &mut Vec<u8>) {
    if let Some((start, end)) = palette_block(css) {
        css.drain(start..end);
    }
}

/// `style.css` → `style.<10 hex digits of its SHA-256>.css`, with its SRI value.
fn fingerprint(name: String, bytes: Vec<u8>) -> Asset {
    let digest = Sha256::digest(&bytes);
    let hex: String = digest
        .iter()
        .take(crate::fingerprint::FINGERPRINT_LEN / 2)
        .map(|b| format!("{b:02x}"))
        .collect();
    let file = match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hex}.{ext}"),
        None => format!("{name}.{hex}"),
    };
    Asset {
        url: format!("/{file}"),
        integrity: format!(
            "sha256-{}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        ),
        name,
        file,
        bytes,
    }
}

/// Turns a Tera error into a diagnostic naming the template file, line and column.
pub fn template_diagnostic(
    error: &tera::Error,
    sources: &BTreeMap<String, Option<PathBuf>>,
) -> Diagnostic {
    let report = match error.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
            Some(report)
        }
        _ => None,
    };
    let Some(report) = report else {
        return Diagnostic::error(format!("template error: {}", error_chain(error)));
    };
    let name = report.filename();
    let mut d = Diagnostic::error(format!("template error: {}", report.message()));
    d = match sources.get(name) {
        Some(Some(path)) => d.in_file(path),
        _ => d.in_file(format!("{name} (built-in theme)")),
    };
    let span = report.span();
    d.at(span.start_line, span.start_col + 1)
}

/// An error with its causes, on one line.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn register_filters(tera: &mut Tera) {
    // `{{ page.date.machine | date(format="%Y") }}`: strftime over a date in its own offset.
    tera.register_filter(
        "date",
        |value: &str, kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            let format = kwargs.get::<&str>("format")?.unwrap_or("%B %-d, %Y");
            let date = PostDate::parse(value).map_err(tera::Error::message)?;
            Ok(date.strftime(format))
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_palette_is_removed_between_its_markers_only() {
        let mut css =
            b"a{}\n/* pamphlet:palette:start */\n.hl-x{}\n/* pamphlet:palette:end */\nb{}\n"
                .to_vec();
        remove_palette(&mut css);
        assert_eq!(css, b"a{}\nb{}\n");
        let mut unmarked = b"a{}\n.hl-x{}\n".to_vec();
        remove_palette(&mut unmarked);
        assert_eq!(unmarked, b"a{}\n.hl-x{}\n");
        let mut unclosed = b"a{}\n/* pamphlet:palette:start */\n.hl-x{}\n".to_vec();
        remove_palette(&mut unclosed);
        assert_eq!(unclosed, b"a{}\n/* pamphlet:palette:start */\n.hl-x{}\n");
    }

    /// The published `style.css` of a site with no theme of its own, under `config`.
    fn published_css(config: &Config) -> String {
        let empty = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/render/no-such-site");
        let theme = Theme::load(&empty, config).unwrap_or_else(|_| panic!("theme loads"));
        String::from_utf8(theme.asset("style.css").unwrap().bytes.clone()).unwrap()
    }

    #[test]
    fn the_palette_serves_by_default_and_a_syntect_theme_replaces_it() {
        let mut config = Config::default();
        let css = published_css(&config);
        assert!(
            css.contains(".hl-code .c0 { color: var(--"),
            "the palette, resolved"
        );
        assert!(!css.contains(".hl-comment") && !css.contains("pamphlet:palette"));
        assert!(!css.contains("prefers-color-scheme: dark) {\n.hl-code {"));

        config.markdown.highlight_theme = "InspiredGitHub".into();
        let css = published_css(&config);
        assert!(
            !css.contains("var(--hl-keyword)"),
            "the theme's own palette is gone"
        );
        assert!(css.contains(".hl-code .c0 { color: #"), "{css}");
        assert!(
            css.contains(".hl-code .dc0 { color: #"),
            "base16-ocean.dark"
        );

        config.markdown.highlight_theme_dark = String::new();
        let css = published_css(&config);
        assert!(css.contains(".hl-code .c0 { color: #"));
        assert!(!css.contains(".hl-code .dc0"));

        config.markdown.highlight_code = false;
        let css = published_css(&config);
        assert!(!css.contains(".hl-code .c0") && !css.contains("var(--hl-keyword)"));
    }

    #[test]
    fn the_built_in_stylesheet_has_its_palette_and_both_schemes() {
        let css = std::str::from_utf8(ASSETS[0].1).unwrap();
        let start = css.find("/* pamphlet:palette:start */").unwrap();
        let end = css.find("/* pamphlet:palette:end */").unwrap();
        assert!(start < end && css[start..end].contains(".hl-comment"));
        assert!(css.contains("prefers-color-scheme: dark") && css.contains("@media print"));
    }
}
