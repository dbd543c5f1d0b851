//! The picture a link preview shows for a page (`og:image`): the file `image:` in front matter
//! names, else, for a post, its social card drawn by the build.

use std::path::Path;

use serde::Serialize;

use super::Renderer;
use super::links::Resolved;
use crate::card::{CardColours, CardText};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::images::{ImageProblem, VariantFile, is_image_path};
use crate::model::{Page, PageId};
use crate::write::memory::LazyBytes;

/// A social networks' preview is drawn about this wide: the variant picked for `image:` is the
/// narrowest at least this wide, so it is sharp without being the 3000-pixel original.
const PREVIEW_WIDTH: u32 = 1200;

/// `head.image`: what `og:image` and `twitter:image` point at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SocialImage {
    /// The absolute URL.
    pub url: String,
    /// Its width in pixels, when known (not for an image on another site).
    pub width: Option<u32>,
    /// Its height in pixels, when known.
    pub height: Option<u32>,
    /// What it shows, for `og:image:alt`: the page's title.
    pub alt: String,
}

/// A page's social image and what publishing it takes.
#[derive(Default)]
pub struct Social {
    /// The image, if the page has one.
    pub image: Option<SocialImage>,
    /// Files to write for it: the drawn card, or the variant of `image:` picked.
    pub files: Vec<VariantFile>,
    /// Why `image:` or the card could not be used (warnings; the page is published without).
    pub problems: Diagnostics,
}

impl Renderer<'_> {
    /// The social image of page `id`: its `image:`, else its drawn card when it is a post and
    /// `[images] social_cards` is on.
    pub fn social(&self, id: PageId) -> Social {
        let page = &self.site.pages[id];
        let mut social = Social::default();
        let named = page.source.front.image.as_deref().map(str::trim);
        if let Some(image) = named.filter(|i| !i.is_empty()) {
            match self.named_image(page, image, &mut social.files) {
                Ok(image) => {
                    social.image = Some(image);
                    return social;
                }
                Err(problem) => {
                    let at = page.source.line_of("image").unwrap_or(1);
                    social.problems.push(problem.at_line(at).help(
                        "name a PNG, JPEG, GIF or WebP file beside the post, \
                         such as `image: cover.jpg`; the post's drawn card is used meanwhile",
                    ));
                }
            }
        }
        if page.is_post && self.site.config.images.social_cards {
            match self.card(page) {
                Ok((image, file)) => {
                    social.image = Some(image);
                    social.files.push(file);
                }
                Err(problem) => social.problems.push(problem),
            }
        }
        social
            .problems
            .name_file(&Path::new("content").join(page.rel()));
        social
    }

    /// The file `image:` names, published (for a raster image beside the post) at the width
    /// of its variants nearest above [`PREVIEW_WIDTH`].
    fn named_image(
        &self,
        page: &Page,
        image: &str,
        files: &mut Vec<VariantFile>,
    ) -> Result<SocialImage, Diagnostic> {
        let resolved = self.links.resolve(image, page.rel(), &page.url);
        let unknown_size = |url: String| SocialImage {
            url,
            width: None,
            height: None,
            alt: page.title.clone(),
        };
        let (href, file) = match resolved {
            Ok(Resolved::External { href, web: true }) => return Ok(unknown_size(href)),
            Ok(Resolved::Internal { href, file }) => (href, file),
            Ok(Resolved::External { .. }) => {
                return Err(Diagnostic::warning(format!(
                    "`image: {image}` is not a web address or a file of the site"
                )));
            }
            Err(why) => return Err(Diagnostic::warning(format!("`image: {image}`: {why}"))),
        };
        let Some(file) = file else {
            if !image.starts_with('/') {
                return Err(Diagnostic::warning(format!(
                    "`image: {image}` names no file beside the post"
                )));
            }
            // A root-relative URL, such as a file of `static/`: published as written.
            return Ok(unknown_size(self.site.config.permalink(&href)));
        };
        if !is_image_path(&file) {
            return Err(Diagnostic::warning(format!(
                "`image: {image}` is not a PNG, JPEG, GIF or WebP file, which is all link \
                 previews show"
            )));
        }
        let picture = self
            .images
            .picture(&file, &href)
            .map_err(|problem| problem_warning(image, &problem))?;
        let candidates = &picture.fallback.candidates;
        let chosen = (candidates.iter().find(|c| c.width >= PREVIEW_WIDTH))
            .or(candidates.last())
            .filter(|c| c.width > 0);
        let (url, width) =
            chosen.map_or((href.clone(), picture.width), |c| (c.url.clone(), c.width));
        files.extend(
            (self.images.files_of(&picture).into_iter()).filter(|variant| variant.url == url),
        );
        let height = u64::from(picture.height) * u64::from(width) / u64::from(picture.width.max(1));
        Ok(SocialImage {
            url: self.site.config.permalink(&url),
            width: Some(width),
            height: u32::try_from(height).ok(),
            alt: page.title.clone(),
        })
    }

    /// The post's drawn card, or why it is not published.
    fn card(&self, page: &Page) -> Result<(SocialImage, VariantFile), Diagnostic> {
        let config = &self.site.config;
        let date = page.date.map(|date| date.human());
        let text = CardText {
            title: &page.title,
            site_name: &config.title,
            date: date.as_deref(),
        };
        let card = self
            .images
            .card(&text, &CardColours::LIGHT, &page.url)
            .map_err(|problem| problem_warning("the social card", &problem))?;
        if card.missing_glyphs > 0 {
            return Err(Diagnostic::warning(format!(
                "the post's social card is not published: its embedded fonts lack {} of its \
                 title's characters, which would show as boxes",
                card.missing_glyphs
            ))
            .at_line(page.source.line_of("title").unwrap_or(1))
            .help("set `image:` in its front matter to a picture of your own"));
        }
        let image = SocialImage {
            url: config.permalink(&card.url),
            width: Some(card.width),
            height: Some(card.height),
            alt: page.title.clone(),
        };
        let file = VariantFile {
            url: card.url,
            bytes: LazyBytes::held(card.bytes),
        };
        Ok((image, file))
    }
}

fn problem_warning(what: &str, problem: &ImageProblem) -> Diagnostic {
    Diagnostic::warning(format!("{what}: {}", problem.message))
}
