//! The one table of media types, shared by `serve` and `deploy` so the preview and the live
//! site send the same `Content-Type` for every file.

/// The `Content-Type` for an output file, from its name.
pub fn for_path(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    // Feeds keep their own types so readers recognise them.
    match crate::model::routes::FeedFormat::of_file(name) {
        Some(crate::model::FeedFormat::Rss) => return "application/rss+xml; charset=utf-8",
        Some(crate::model::FeedFormat::Atom) => return "application/atom+xml; charset=utf-8",
        Some(crate::model::FeedFormat::Json) => return "application/feed+json; charset=utf-8",
        None => {}
    }
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json; charset=utf-8",
        "webmanifest" => "application/manifest+json; charset=utf-8",
        "xml" | "xsl" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "bmp" => "image/bmp",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// True for HTML files, which `serve` adds its live-reload script to.
pub fn is_html(path: &str) -> bool {
    for_path(path).starts_with("text/html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_types() {
        assert_eq!(for_path("index.html"), "text/html; charset=utf-8");
        assert_eq!(for_path("style.3f2a.css"), "text/css; charset=utf-8");
        assert_eq!(for_path("rss.xml"), "application/rss+xml; charset=utf-8");
        assert_eq!(
            for_path("tags/rust/feed.json"),
            "application/feed+json; charset=utf-8"
        );
        assert_eq!(
            for_path("tags/rust/atom.xml"),
            "application/atom+xml; charset=utf-8"
        );
        assert_eq!(for_path("sitemap.xml"), "application/xml; charset=utf-8");
        assert_eq!(for_path("a/B.JPG"), "image/jpeg");
        assert_eq!(
            for_path("site.webmanifest"),
            "application/manifest+json; charset=utf-8"
        );
        assert_eq!(for_path("font.woff2"), "font/woff2");
        assert_eq!(for_path("noext"), "application/octet-stream");
    }
}
