//! An image of the text as HTML: a `<picture>` offering each modern format at every width, or
//! an `<img>` with its size, in a `<figure>` when it has a title and a paragraph of its own.

use crate::images::{Picture, SourceSet};
use crate::render::escape;

/// How one image is shown.
pub(super) struct Shown<'a> {
    /// Where the original is published, for the `<img>`'s `src`.
    pub(super) src: &'a str,
    /// The alt text.
    pub(super) alt: &'a str,
    /// The title: a caption when `figure`, else a tooltip.
    pub(super) title: &'a str,
    /// True for the page's first image, often its largest paint: fetched at once, first.
    pub(super) eager: bool,
    /// True when the image stands alone in its paragraph with a title.
    pub(super) figure: bool,
    /// The `sizes` attribute: how wide the theme shows an image.
    pub(super) sizes: &'a str,
}

/// The HTML of `shown`, as a picture when one was made, else as a plain `<img>` of `size`.
pub(super) fn html(shown: &Shown, picture: Option<&Picture>, size: Option<(u32, u32)>) -> String {
    let mut html = String::new();
    if shown.figure {
        html.push_str("<figure>");
    }
    let size = picture.map(|p| (p.width, p.height)).or(size);
    let responsive = picture.filter(|p| p.fallback.candidates.len() > 1 || !p.sources.is_empty());
    if let Some(picture) = responsive {
        html.push_str("<picture>");
        for source in &picture.sources {
            html.push_str("<source type=\"");
            html.push_str(source.mime);
            html.push('"');
            push_srcset(&mut html, source, shown.sizes);
            html.push('>');
        }
    }
    html.push_str("<img src=\"");
    escape::push_html(&mut html, shown.src);
    html.push('"');
    if let Some(picture) = responsive {
        push_srcset(&mut html, &picture.fallback, shown.sizes);
    }
    html.push_str(" alt=\"");
    escape::push_html(&mut html, shown.alt);
    html.push('"');
    if !shown.title.is_empty() && !shown.figure {
        html.push_str(" title=\"");
        escape::push_html(&mut html, shown.title);
        html.push('"');
    }
    if let Some((width, height)) = size {
        html.push_str(&format!(" width=\"{width}\" height=\"{height}\""));
    }
    if shown.eager {
        html.push_str(" fetchpriority=\"high\" decoding=\"async\">");
    } else {
        html.push_str(" loading=\"lazy\" decoding=\"async\">");
    }
    if responsive.is_some() {
        html.push_str("</picture>");
    }
    if shown.figure {
        html.push_str("<figcaption>");
        escape::push_html(&mut html, shown.title);
        html.push_str("</figcaption></figure>\n");
    }
    html
}

fn push_srcset(html: &mut String, set: &SourceSet, sizes: &str) {
    html.push_str(" srcset=\"");
    for (i, candidate) in set.candidates.iter().enumerate() {
        if i > 0 {
            html.push_str(", ");
        }
        escape::push_html(html, &candidate.url);
        html.push_str(&format!(" {}w", candidate.width));
    }
    html.push_str("\" sizes=\"");
    escape::push_html(html, sizes);
    html.push('"');
}
