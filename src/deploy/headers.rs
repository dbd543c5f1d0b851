//! The headers every blob is stored with: `Content-Type` from the shared table, `Cache-Control`
//! from the user's `[[deploy.cache]]` rules first and pamphlet's defaults after, and
//! `Content-Encoding` from `[deploy] compress`.

use globset::{Glob, GlobBuilder, GlobMatcher};

use crate::compress::{CompressPolicy, ContentEncoding};
use crate::config::CacheRule;
use crate::content_type;
use crate::fingerprint::is_fingerprinted;

use super::error::DeployError;

/// Files whose name carries a hash of their content never change under that name.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// HTML, feeds, the sitemap and robots.txt: a new deploy reaches every visitor within five minutes.
pub const SHORT: &str = "public, max-age=300";
/// Everything else (images, downloads, unfingerprinted assets): an hour.
pub const MODERATE: &str = "public, max-age=3600";

/// The headers a blob is stored with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headers {
    /// `Content-Type`.
    pub content_type: String,
    /// `Cache-Control`.
    pub cache_control: String,
    /// How the bytes are stored, and so their `Content-Encoding`.
    pub content_encoding: ContentEncoding,
}

/// Decides the headers of every output file.
#[derive(Debug, Clone, Default)]
pub struct HeaderPolicy {
    rules: Vec<Rule>,
    compress: CompressPolicy,
}

#[derive(Debug, Clone)]
struct Rule {
    matcher: GlobMatcher,
    /// A glob without `/` matches file names anywhere, as in `.gitignore`.
    name_only: bool,
    control: String,
}

impl HeaderPolicy {
    /// Compiles the `[[deploy.cache]]` rules, rejecting bad globs and values that are not headers.
    pub fn new(rules: &[CacheRule]) -> Result<Self, DeployError> {
        let rules = rules
            .iter()
            .map(|rule| {
                let glob = rule.glob.trim_start_matches('/');
                let matcher = GlobBuilder::new(glob)
                    .literal_separator(true)
                    .build()
                    .map(|g: Glob| g.compile_matcher())
                    .map_err(|e| {
                        DeployError::Config(format!(
                            "[[deploy.cache]] glob `{}` in site.toml is not a valid glob ({})",
                            rule.glob,
                            e.kind()
                        ))
                    })?;
                let control = rule.control.trim();
                // A newline here would let a config file inject headers into every request.
                if control.is_empty() || control.chars().any(|c| c.is_control()) {
                    return Err(DeployError::Config(format!(
                        "[[deploy.cache]] control for `{}` in site.toml must be a one-line, non-empty Cache-Control value",
                        rule.glob
                    )));
                }
                Ok(Rule {
                    matcher,
                    name_only: !glob.contains('/'),
                    control: control.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(HeaderPolicy {
            rules,
            compress: CompressPolicy::default(),
        })
    }

    /// With `compress` deciding which files are stored gzip-encoded, instead of the default.
    #[must_use]
    pub fn compressing(mut self, compress: CompressPolicy) -> Self {
        self.compress = compress;
        self
    }

    /// The headers for an output file, by its `/`-separated path relative to the output folder.
    pub fn headers(&self, path: &str) -> Headers {
        Headers {
            content_type: content_type::for_path(path).to_string(),
            cache_control: self.cache_control(path),
            content_encoding: self.compress.encoding(path),
        }
    }

    /// The `Cache-Control` for an output file: the first matching rule, else the default.
    pub fn cache_control(&self, path: &str) -> String {
        let name = file_name(path);
        self.rules
            .iter()
            .find(|rule| {
                if rule.name_only {
                    rule.matcher.is_match(name)
                } else {
                    rule.matcher.is_match(path)
                }
            })
            .map(|rule| rule.control.clone())
            .unwrap_or_else(|| default_cache_control(path).to_string())
    }
}

/// pamphlet's own `Cache-Control` for a file, before any user rule.
pub fn default_cache_control(path: &str) -> &'static str {
    if is_fingerprinted(path) {
        IMMUTABLE
    } else if is_short_lived(path) {
        SHORT
    } else {
        MODERATE
    }
}

/// Files that name or list pages, which must follow a deploy quickly.
fn is_short_lived(path: &str) -> bool {
    let name = file_name(path);
    content_type::is_html(path)
        || name == "sitemap.xml"
        || crate::model::FeedFormat::of_file(name).is_some()
        || path == "robots.txt"
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(glob: &str, control: &str) -> CacheRule {
        CacheRule {
            glob: glob.into(),
            control: control.into(),
        }
    }

    #[test]
    fn defaults() {
        let policy = HeaderPolicy::default();
        assert_eq!(policy.cache_control("style.a769f81332.css"), IMMUTABLE);
        assert_eq!(policy.cache_control("index.html"), SHORT);
        assert_eq!(policy.cache_control("blog/a/index.html"), SHORT);
        assert_eq!(policy.cache_control("404.html"), SHORT);
        assert_eq!(policy.cache_control("rss.xml"), SHORT);
        assert_eq!(policy.cache_control("tags/rust/atom.xml"), SHORT);
        assert_eq!(policy.cache_control("feed.json"), SHORT);
        assert_eq!(policy.cache_control("sitemap.xml"), SHORT);
        assert_eq!(policy.cache_control("robots.txt"), SHORT);
        assert_eq!(policy.cache_control("blog/a/notes.txt"), MODERATE);
        assert_eq!(policy.cache_control("images/photo.jpg"), MODERATE);
        let headers = policy.headers("blog/index.html");
        assert_eq!(headers.content_type, "text/html; charset=utf-8");
        assert_eq!(headers.content_encoding, ContentEncoding::Gzip);
        let photo = policy.headers("images/photo.jpg");
        assert_eq!(photo.content_encoding, ContentEncoding::Identity);
        let plain = policy.compressing(CompressPolicy::new::<&str>(&[]));
        let page = plain.headers("blog/index.html");
        assert_eq!(page.content_encoding, ContentEncoding::Identity);
    }

    #[test]
    fn user_rules_win_in_order() {
        let policy = HeaderPolicy::new(&[
            rule("images/**", "public, max-age=86400"),
            rule("*.html", "no-cache"),
            rule("**/*.jpg", "private"),
        ])
        .unwrap();
        assert_eq!(
            policy.cache_control("images/a/b.jpg"),
            "public, max-age=86400"
        );
        assert_eq!(policy.cache_control("blog/a/photo.jpg"), "private");
        // A glob without a slash matches names at any depth, as in .gitignore.
        assert_eq!(policy.cache_control("blog/a/index.html"), "no-cache");
        assert_eq!(policy.cache_control("index.html"), "no-cache");
        assert_eq!(policy.cache_control("style.a769f81332.css"), IMMUTABLE);
    }

    #[test]
    fn globs_with_a_slash_match_whole_paths() {
        let policy = HeaderPolicy::new(&[rule("blog/*.xml", "no-store")]).unwrap();
        assert_eq!(policy.cache_control("blog/rss.xml"), "no-store");
        assert_eq!(policy.cache_control("blog/a/rss.xml"), SHORT);
        assert_eq!(policy.cache_control("rss.xml"), SHORT);
    }

    #[test]
    fn bad_rules_are_one_sentence() {
        let e = HeaderPolicy::new(&[rule("a/[b", "x")]).unwrap_err();
        assert!(e.to_string().contains("`a/[b`"), "{e}");
        let e = HeaderPolicy::new(&[rule("*.html", "no-cache\r\nX-Evil: 1")]).unwrap_err();
        assert!(e.to_string().contains("one-line"), "{e}");
        assert!(HeaderPolicy::new(&[rule("*.html", "  ")]).is_err());
    }
}
