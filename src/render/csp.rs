//! The site's Content-Security-Policy, and what in a page it would block: the policy every page
//! carries in its `<meta>` tag (and `pamphlet headers` sends), widened only where `[security]`
//! says so, and the check that finds each embed, script, image, stylesheet or inline style the
//! browser would refuse, so the author hears of it at build time instead of readers finding an
//! empty box.

use crate::check::scan::{Element, Scan};
use crate::config::SecurityConfig;

/// A fetch directive: what kind of thing a reference loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Directive {
    /// `<script src>`, and inline scripts.
    Script,
    /// `<link rel=stylesheet>`, `<style>` and `style` attributes.
    Style,
    /// `<img>`, `<picture>`'s `<source>`, icons.
    Img,
    /// `<video>`, `<audio>`, their `<source>` and `<track>`.
    Media,
    /// `<iframe>`, `<frame>`.
    Frame,
    /// `<object>`, `<embed>`.
    Object,
}

impl Directive {
    /// The directive's name in a policy.
    pub fn name(self) -> &'static str {
        match self {
            Directive::Script => "script-src",
            Directive::Style => "style-src",
            Directive::Img => "img-src",
            Directive::Media => "media-src",
            Directive::Frame => "frame-src",
            Directive::Object => "object-src",
        }
    }

    /// What it governs, in words, for messages.
    fn what(self) -> &'static str {
        match self {
            Directive::Script => "script",
            Directive::Style => "stylesheet",
            Directive::Img => "image",
            Directive::Media => "audio or video",
            Directive::Frame => "embedded frame",
            Directive::Object => "plugin object",
        }
    }
}

/// The policy: `'self'` for everything, widened per directive by `[security]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    frame: Vec<String>,
    img: Vec<String>,
    media: Vec<String>,
}

/// Something a page loads or applies, found in its HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// What it loads.
    pub directive: Directive,
    /// The URL, or `None` for an inline script or style.
    pub url: Option<String>,
    /// The tag it was found in, such as `iframe`.
    pub tag: String,
    /// 1-based line in the HTML scanned.
    pub line: usize,
}

/// A reference the policy blocks, with why, in a sentence naming the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// The reference.
    pub reference: Reference,
    /// "the `<iframe>` from www.youtube.com is blocked by the Content-Security-Policy (frame-src)".
    pub message: String,
    /// What to do.
    pub help: String,
}

impl Policy {
    /// The site's policy, widened as `[security]` says.
    pub fn new(security: &SecurityConfig) -> Policy {
        Policy {
            frame: security.frame_src.clone(),
            img: security.img_src.clone(),
            media: security.media_src.clone(),
        }
    }

    /// The policy as written in the `<meta>` tag (and, with `frame-ancestors`, as a header).
    pub fn to_header_value(&self) -> String {
        let with = |directive: &str, extra: &[String]| {
            let mut sources = vec!["'self'".to_string()];
            sources.extend(extra.iter().cloned());
            format!("{directive} {}", sources.join(" "))
        };
        let mut parts = vec!["default-src 'self'".to_string(), with("img-src", &self.img)];
        if !self.media.is_empty() {
            parts.push(with("media-src", &self.media));
        }
        if !self.frame.is_empty() {
            parts.push(with("frame-src", &self.frame));
        }
        parts.extend([
            "style-src 'self'".to_string(),
            "base-uri 'self'".to_string(),
            "form-action 'self'".to_string(),
            "object-src 'none'".to_string(),
        ]);
        parts.join("; ")
    }

    /// The extra sources a directive allows besides `'self'`.
    fn extra(&self, directive: Directive) -> &[String] {
        match directive {
            Directive::Frame => &self.frame,
            Directive::Img => &self.img,
            Directive::Media => &self.media,
            Directive::Script | Directive::Style | Directive::Object => &[],
        }
    }

    /// Whether the policy lets a page of the site at `origin` (`https://example.com`) load
    /// `reference`; `Some` says why not.
    pub fn blocks(&self, reference: &Reference, origin: &str) -> Option<Blocked> {
        let directive = reference.directive;
        let tag = &reference.tag;
        let Some(url) = &reference.url else {
            let (what, help) = match directive {
                Directive::Script => (
                    "an inline script".to_string(),
                    "move the script to a file under static/ and load it with <script src>; the policy never allows inline scripts",
                ),
                _ => (
                    format!("an inline style (`<{tag}>` or a style attribute)"),
                    "move the style to templates/assets/style.css and use a class; the policy never allows inline styles",
                ),
            };
            return Some(Blocked {
                reference: reference.clone(),
                message: format!(
                    "{what} is blocked by the Content-Security-Policy ({})",
                    directive.name()
                ),
                help: help.to_string(),
            });
        };
        if directive == Directive::Object {
            return Some(Blocked {
                reference: reference.clone(),
                message: format!(
                    "the `<{tag}>` of {} is blocked by the Content-Security-Policy (object-src 'none')",
                    shown(url)
                ),
                help: "plugins never run on the site; link to the file instead".into(),
            });
        }
        if is_same_origin(url, origin) || self.extra(directive).iter().any(|s| matches(s, url)) {
            return None;
        }
        let host = host_of(url);
        let help = match directive {
            Directive::Frame | Directive::Img | Directive::Media => format!(
                "copy the {} into the site, or allow it in site.toml: [security] {} = [\"{}\"]",
                directive.what(),
                directive.name().replace('-', "_"),
                origin_of(url).unwrap_or_else(|| host.clone())
            ),
            _ => format!(
                "copy the {} into the site (static/ or templates/assets/); the policy never allows another host's {}s",
                directive.what(),
                directive.what()
            ),
        };
        Some(Blocked {
            reference: reference.clone(),
            message: format!(
                "the `<{tag}>` {} from {host} is blocked by the Content-Security-Policy ({})",
                directive.what(),
                directive.name()
            ),
            help,
        })
    }
}

/// Every reference in a scanned document.
pub fn references(scan: &Scan) -> Vec<Reference> {
    let mut out = Vec::new();
    // `<source>` loads an image inside `<picture>`, media inside `<video>` or `<audio>`.
    let mut inside: Vec<&str> = Vec::new();
    for element in &scan.elements {
        let name = element.name.as_str();
        match name {
            "picture" | "video" | "audio" => inside.push(name),
            "/picture" | "/video" | "/audio" => {
                inside.pop();
            }
            _ => {}
        }
        element_references(element, inside.last().copied(), &mut out);
    }
    out
}

fn element_references(element: &Element, parent: Option<&str>, out: &mut Vec<Reference>) {
    let reference = |directive: Directive, url: Option<&str>| Reference {
        directive,
        url: url.map(str::to_string),
        tag: element.name.clone(),
        line: element.line,
    };
    // Something loaded from a URL, when the element names one.
    let mut loads: Vec<(Directive, &str)> = Vec::new();
    // Something applied from the page itself: an inline script or style.
    let mut inline: Vec<Directive> = Vec::new();
    if element.has("style") {
        inline.push(Directive::Style);
    }
    let src = element.attribute("src");
    let srcset = srcset_urls(element.attribute("srcset").unwrap_or(""));
    match element.name.as_str() {
        "iframe" | "frame" => loads.extend(src.map(|u| (Directive::Frame, u))),
        "script" if element.attribute("type") == Some("application/ld+json") => {}
        "script" => match src {
            Some(u) => loads.push((Directive::Script, u)),
            None if !element.has("src") => inline.push(Directive::Script),
            None => {}
        },
        "style" => inline.push(Directive::Style),
        "img" => {
            loads.extend(src.map(|u| (Directive::Img, u)));
            loads.extend(srcset.map(|u| (Directive::Img, u)));
        }
        "video" | "audio" => {
            loads.extend(src.map(|u| (Directive::Media, u)));
            loads.extend(element.attribute("poster").map(|u| (Directive::Img, u)));
        }
        "source" if parent == Some("picture") => {
            loads.extend(srcset.map(|u| (Directive::Img, u)));
        }
        "source" | "track" => loads.extend(src.map(|u| (Directive::Media, u))),
        "object" => loads.extend(element.attribute("data").map(|u| (Directive::Object, u))),
        "embed" => loads.extend(src.map(|u| (Directive::Object, u))),
        "link" => {
            let rel = element.attribute("rel").unwrap_or("").to_ascii_lowercase();
            let href = element.attribute("href");
            let rels: Vec<&str> = rel.split_whitespace().collect();
            if rels.contains(&"stylesheet") {
                loads.extend(href.map(|u| (Directive::Style, u)));
            } else if rels.contains(&"icon") || rels.contains(&"apple-touch-icon") {
                loads.extend(href.map(|u| (Directive::Img, u)));
            }
        }
        _ => {}
    }
    out.extend(inline.into_iter().map(|d| reference(d, None)));
    out.extend(loads.into_iter().map(|(d, u)| reference(d, Some(u))));
}

fn srcset_urls(srcset: &str) -> impl Iterator<Item = &str> {
    srcset
        .split(',')
        .filter_map(|candidate| candidate.split_whitespace().next())
}

/// True for URLs of the page's own site: relative, root-relative, or absolute with `origin`.
fn is_same_origin(url: &str, origin: &str) -> bool {
    let url = url.trim();
    if url.starts_with("//") {
        return origin_of(&format!("https:{url}")).is_some_and(|o| same_host(&o, origin));
    }
    match origin_of(url) {
        Some(other) => other.eq_ignore_ascii_case(origin),
        None => !has_scheme(url),
    }
}

/// Whether a page at `origin` and one at `other` share a host (scheme aside): `//host` URLs.
fn same_host(other: &str, origin: &str) -> bool {
    let host = |o: &str| o.split_once("://").map(|(_, h)| h.to_ascii_lowercase());
    host(other) == host(origin)
}

fn has_scheme(url: &str) -> bool {
    url.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// `https://host:port` of an absolute http(s) URL.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    ))
}

/// The host a URL points at, for messages: `www.youtube.com`, or the scheme (`data:`).
fn host_of(url: &str) -> String {
    match origin_of(url) {
        Some(origin) => origin
            .split_once("://")
            .map_or(origin.clone(), |(_, host)| host.to_string()),
        None => match url.split_once(':') {
            Some((scheme, _)) if has_scheme(url) => format!("a `{scheme}:` URL"),
            _ => shown(url),
        },
    }
}

/// A URL for a message, cut short.
fn shown(url: &str) -> String {
    let url: String = url.chars().take(80).collect();
    format!("`{url}`")
}

/// Whether a CSP source expression (`https://host`, `https://*.host`, `https:`, `data:`)
/// matches `url`.
fn matches(source: &str, url: &str) -> bool {
    let source = source.trim().to_ascii_lowercase();
    let url_lower = url.trim().to_ascii_lowercase();
    if let Some(scheme) = source.strip_suffix(':')
        && !scheme.contains('/')
    {
        return url_lower.starts_with(&format!("{scheme}:"));
    }
    let Some(origin) = origin_of(&url_lower) else {
        return false;
    };
    let (Some((s_scheme, s_host)), Some((u_scheme, u_host))) =
        (source.split_once("://"), origin.split_once("://"))
    else {
        return false;
    };
    let s_host = s_host.trim_end_matches('/');
    let scheme_ok = s_scheme == u_scheme || (s_scheme == "http" && u_scheme == "https");
    let host_ok = match s_host.strip_prefix("*.") {
        Some(parent) => u_host.ends_with(&format!(".{parent}")),
        None => u_host == s_host,
    };
    scheme_ok && host_ok
}

/// Checks a `[security]` source as a site may write it; the error says what is wrong.
pub fn check_source(source: &str) -> Result<(), String> {
    let s = source.trim();
    let quoted = s.starts_with('\'');
    if quoted || s == "*" || s.contains(char::is_whitespace) || s.contains(';') || s.is_empty() {
        return Err(format!(
            "`{source}` is not a host the policy can allow; write an origin such as \"https://www.youtube-nocookie.com\" (keywords like 'unsafe-inline' and `*` are never allowed)"
        ));
    }
    let scheme_only = s.ends_with(':') && !s.contains('/');
    if !(scheme_only || s.starts_with("https://") || s.starts_with("http://")) {
        return Err(format!(
            "`{source}` is not an origin; write it with its scheme, such as \"https://{s}\""
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::scan::scan;

    fn policy(frame: &[&str]) -> Policy {
        Policy::new(&SecurityConfig {
            frame_src: frame.iter().map(|s| s.to_string()).collect(),
            ..SecurityConfig::default()
        })
    }

    fn blocked(policy: &Policy, html: &str) -> Vec<String> {
        references(&scan(html))
            .iter()
            .filter_map(|r| policy.blocks(r, "https://example.com"))
            .map(|b| b.message)
            .collect()
    }

    #[test]
    fn other_hosts_inline_styles_scripts_and_plugins_are_found() {
        let p = policy(&[]);
        let found = blocked(
            &p,
            "<iframe src=\"https://www.youtube.com/embed/x\"></iframe>\n\
             <img src=\"/a.png\" srcset=\"/a.800.png 800w, https://cdn.example/b.png 2x\">\n\
             <p style=\"color:red\">x</p><style>p{}</style><script>alert(1)</script>\n\
             <script type=\"application/ld+json\">{}</script><script src=\"/ok.js\"></script>\n\
             <object data=\"x.swf\"></object><link rel=\"stylesheet\" href=\"https://fonts.example/css\">\n\
             <picture><source srcset=\"https://img.example/x.avif\"></picture>\n\
             <video src=\"https://media.example/v.mp4\" poster=\"/p.jpg\"><source src=\"/v.webm\"></video>",
        );
        assert_eq!(
            found,
            [
                "the `<iframe>` embedded frame from www.youtube.com is blocked by the Content-Security-Policy (frame-src)",
                "the `<img>` image from cdn.example is blocked by the Content-Security-Policy (img-src)",
                "an inline style (`<p>` or a style attribute) is blocked by the Content-Security-Policy (style-src)",
                "an inline style (`<style>` or a style attribute) is blocked by the Content-Security-Policy (style-src)",
                "an inline script is blocked by the Content-Security-Policy (script-src)",
                "the `<object>` of `x.swf` is blocked by the Content-Security-Policy (object-src 'none')",
                "the `<link>` stylesheet from fonts.example is blocked by the Content-Security-Policy (style-src)",
                "the `<source>` image from img.example is blocked by the Content-Security-Policy (img-src)",
                "the `<video>` audio or video from media.example is blocked by the Content-Security-Policy (media-src)",
            ]
        );
    }

    #[test]
    fn security_widens_exactly_what_it_names() {
        let p = policy(&["https://www.youtube-nocookie.com"]);
        assert!(
            blocked(
                &p,
                "<iframe src=\"https://www.youtube-nocookie.com/embed/x\"></iframe>"
            )
            .is_empty()
        );
        assert_eq!(
            blocked(
                &p,
                "<iframe src=\"https://www.youtube.com/embed/x\"></iframe>"
            )
            .len(),
            1
        );
        assert_eq!(
            blocked(&p, "<img src=\"https://www.youtube-nocookie.com/x.png\">").len(),
            1
        );
        assert!(
            p.to_header_value()
                .contains("frame-src 'self' https://www.youtube-nocookie.com")
        );
        let wild = policy(&["https://*.example.org"]);
        assert!(blocked(&wild, "<iframe src=\"https://a.example.org/\"></iframe>").is_empty());
        assert_eq!(
            blocked(&wild, "<iframe src=\"https://example.org/\"></iframe>").len(),
            1
        );
    }

    #[test]
    fn the_default_policy_is_the_one_pages_always_had() {
        assert_eq!(
            policy(&[]).to_header_value(),
            "default-src 'self'; img-src 'self'; style-src 'self'; base-uri 'self'; form-action 'self'; object-src 'none'"
        );
        assert!(
            blocked(
                &policy(&[]),
                "<img src=\"https://example.com/x.png\"><img src=\"x.png\">"
            )
            .is_empty()
        );
    }

    #[test]
    fn sources_a_site_may_not_write_are_refused() {
        for bad in [
            "'unsafe-inline'",
            "*",
            "youtube.com",
            "https://a.com; script-src *",
            "",
        ] {
            assert!(check_source(bad).is_err(), "{bad}");
        }
        for good in [
            "https://www.youtube-nocookie.com",
            "https://*.vimeo.com",
            "data:",
        ] {
            assert!(check_source(good).is_ok(), "{good}");
        }
    }
}
