//! What `serve` adds to HTML responses: the live-reload script and, after a failed build, the
//! error overlay.
//!
//! Added to each response on its way out, never to the snapshot, so none of it can reach
//! `public/` or a deploy. Everything is a same-origin file (no inline script or style) because
//! the theme's Content-Security-Policy allows nothing else.

use crate::render::escape::html as html_escape;

/// Where the live-reload script is served.
pub const SCRIPT_URL: &str = "/__pamphlet/livereload.js";
/// Where the overlay's stylesheet is served.
pub const OVERLAY_CSS_URL: &str = "/__pamphlet/overlay.css";
/// Where browsers listen for changes (Server-Sent Events).
pub const EVENTS_URL: &str = "/__pamphlet/events";
/// The folder of the server's own files, which shadows any site file of the same path.
pub const RESERVED_PREFIX: &str = "__pamphlet/";

/// The live-reload script.
pub const LIVERELOAD_JS: &str = include_str!("assets/livereload.js");
/// The overlay's stylesheet.
pub const OVERLAY_CSS: &str = include_str!("assets/overlay.css");

/// `html` with the live-reload script, and the overlay for `error`, before its last `</body>`
/// (or at the end). `version` (`<server>.<generation>`) tells the script which build it is in.
pub fn inject(html: &[u8], version: &str, error: Option<&str>) -> Vec<u8> {
    let mut markup = String::new();
    if let Some(error) = error {
        markup.push_str(&overlay(error));
    }
    markup.push_str(&format!(
        "<script src=\"{SCRIPT_URL}\" data-version=\"{}\" defer></script>\n",
        html_escape(version)
    ));
    let at = body_end(html).unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + markup.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(markup.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// `html` as it was before [`inject`] added the live-reload script (and no overlay), so
/// `check --live` can compare what the preview sends with `public/`.
pub fn without_live_reload(html: &[u8]) -> Vec<u8> {
    let opening = format!("<script src=\"{SCRIPT_URL}\" data-version=\"");
    let Some(start) = find(html, opening.as_bytes()) else {
        return html.to_vec();
    };
    let closing = b"defer></script>\n";
    let Some(length) = find(&html[start..], closing) else {
        return html.to_vec();
    };
    let end = start + length + closing.len();
    [&html[..start], &html[end..]].concat()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A minimal page for a site without `404.html`, so the overlay and live reload still work.
pub fn fallback_404() -> &'static [u8] {
    b"<!doctype html>\n<html lang=\"en\">\n<meta charset=\"utf-8\">\n<title>404 Not Found</title>\n\
      <body>\n<h1>404 Not Found</h1>\n<p>No file of this site answers this address.</p>\n</body>\n</html>\n"
}

/// The offset of the last `</body` (any case): later markup would land after the document.
fn body_end(html: &[u8]) -> Option<usize> {
    const NEEDLE: &[u8] = b"</body";
    html.windows(NEEDLE.len())
        .rposition(|w| w.eq_ignore_ascii_case(NEEDLE))
}

/// The overlay: one line per problem, the `file:line:column` part set apart.
fn overlay(error: &str) -> String {
    let mut lines = String::new();
    for line in error.lines() {
        lines.push_str(&problem_line(line));
        lines.push('\n');
    }
    format!(
        "<link rel=\"stylesheet\" href=\"{OVERLAY_CSS_URL}\" data-pamphlet>\n\
         <div id=\"pamphlet-overlay\" class=\"pamphlet-overlay\" role=\"alertdialog\" \
         aria-labelledby=\"pamphlet-overlay-title\">\n\
         <div class=\"pamphlet-overlay-box\">\n\
         <p id=\"pamphlet-overlay-title\" class=\"pamphlet-overlay-title\">The build failed</p>\n\
         <pre class=\"pamphlet-overlay-problems\">{lines}</pre>\n\
         <p class=\"pamphlet-overlay-note\">This page is from the last good build. Fix the \
         problem and save: the page reloads by itself.</p>\n\
         <button type=\"button\" id=\"pamphlet-overlay-close\" \
         class=\"pamphlet-overlay-close\">Hide</button>\n\
         </div>\n</div>\n"
    )
}

/// `content/x.md:3:7: error: message` with its location and severity in their own spans.
fn problem_line(line: &str) -> String {
    for severity in ["error", "warning"] {
        let marker = format!(": {severity}: ");
        let (place, message) = match line.split_once(&marker) {
            Some((place, message)) if !place.is_empty() => (Some(place), message),
            _ => match line.strip_prefix(&marker[2..]) {
                Some(message) => (None, message),
                None => continue,
            },
        };
        let place = place.map_or(String::new(), |p| {
            format!(
                "<span class=\"pamphlet-overlay-where\">{}</span>: ",
                html_escape(p)
            )
        });
        return format!(
            "{place}<span class=\"pamphlet-overlay-{severity}\">{severity}</span>: {}",
            html_escape(message)
        );
    }
    html_escape(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn script_goes_before_the_last_closing_body() {
        let page = b"<html><head><script type=\"application/ld+json\">\"</body>\"</script></head>\
                     <body><p>hi</p></BODY>\n</html>";
        let out = text(inject(page, "a.3", None));
        let tag = "<script src=\"/__pamphlet/livereload.js\" data-version=\"a.3\" defer></script>";
        assert!(out.contains(&format!("<p>hi</p>{tag}\n</BODY>")), "{out}");
        assert_eq!(out.matches("livereload.js").count(), 1);
        assert!(!out.contains("pamphlet-overlay"));
    }

    #[test]
    fn taking_the_script_out_gives_back_the_page_as_built() {
        let page = b"<html><body><p>x</p></body></html>\n";
        for version in ["7.3", "a\"b<c"] {
            assert_eq!(
                without_live_reload(&inject(page, version, None)),
                page.to_vec()
            );
        }
        let bare = b"no body at all";
        assert_eq!(
            without_live_reload(&inject(bare, "1.1", None)),
            bare.to_vec()
        );
        assert_eq!(without_live_reload(page), page.to_vec());
    }

    #[test]
    fn script_goes_at_the_end_without_a_body() {
        let out = text(inject(b"<p>fragment", "a.1", None));
        assert!(out.starts_with("<p>fragment<script src="), "{out}");
        assert!(out.ends_with("</script>\n"));
    }

    #[test]
    fn overlay_escapes_and_splits_the_problem() {
        let error = "content/blog/x/index.md:3:7: error: unknown shortcode <b>&\n  help: see \"docs\"\n\
                     error: site.toml is missing";
        let out = text(inject(b"<body></body>", "a.2", Some(error)));
        assert!(
            out.contains(
                "<link rel=\"stylesheet\" href=\"/__pamphlet/overlay.css\" data-pamphlet>"
            )
        );
        assert!(
            out.contains(
                "<span class=\"pamphlet-overlay-where\">content/blog/x/index.md:3:7</span>: \
             <span class=\"pamphlet-overlay-error\">error</span>: unknown shortcode &lt;b&gt;&amp;"
            ),
            "{out}"
        );
        assert!(out.contains("  help: see &quot;docs&quot;"));
        assert!(
            out.contains(
                "<span class=\"pamphlet-overlay-error\">error</span>: site.toml is missing"
            )
        );
        assert!(!out.contains("<b>"));
        assert!(
            !out.contains("style=") && !out.contains("<style"),
            "CSP forbids inline styles"
        );
        assert!(out.find("pamphlet-overlay").unwrap() < out.find("livereload.js").unwrap());
    }

    #[test]
    fn fallback_page_is_html_with_a_body() {
        assert!(body_end(fallback_404()).is_some());
    }
}
