//! A text's pictures made side by side before it is written. The writer meets images one at a
//! time, in order, so a post of many photos would otherwise read, check and (when new) encode
//! them one after another on a single thread while the others wait.

use std::path::PathBuf;

use pulldown_cmark::{Event, Parser, Tag};
use rayon::prelude::*;

use super::{MarkdownRenderer, Source};
use crate::render::links::Resolved;

/// An image of the text that becomes a picture.
struct Shown {
    file: PathBuf,
    href: String,
}

/// Makes the picture of every local image `source` shows, in parallel. `Images` keeps each
/// result, problems included, for the writer, which reports them where the image is written;
/// nothing is reported here.
pub(super) fn pictures(renderer: &MarkdownRenderer, source: &Source) {
    let Some(images) = renderer.images else {
        return;
    };
    if memchr::memmem::find(source.body.as_bytes(), b"![").is_none() {
        return;
    }
    let place = source.place;
    let options = super::writer::parser_options(renderer);
    let shown: Vec<Shown> = Parser::new_ext(source.body, options)
        .filter_map(|event| match event {
            Event::Start(Tag::Image { dest_url, .. }) => Some(dest_url),
            _ => None,
        })
        .filter_map(
            |dest| match renderer.links.resolve(&dest, place.rel, place.url) {
                Ok(Resolved::Internal {
                    href,
                    file: Some(file),
                }) if crate::images::is_picture_path(&file) => Some(Shown { file, href }),
                _ => None,
            },
        )
        .collect();
    if shown.len() < 2 {
        return;
    }
    shown.par_iter().for_each(|image| {
        let _made_for_the_writer = images.picture(&image.file, &image.href);
    });
}
