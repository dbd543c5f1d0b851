//! Social cards made once: [`crate::card::draw`] behind the image cache, so a card is drawn
//! when its title, date, site name, colours or design change, and read back otherwise.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use sha2::{Digest, Sha256};

use super::naming::{fingerprint, hex, named_variant_url};
use super::problem::ImageProblem;
use super::{Images, guarded};
use crate::card::{self, CardColours, CardText};
use crate::write::memory::Bytes;

/// A post's drawn card, ready to publish beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocialCard {
    /// Root-relative and fingerprinted: `/blog/x/card.1a2b3c4d5e.1200.png`.
    pub url: String,
    /// Its width in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
    /// The PNG.
    pub bytes: Bytes,
    /// Characters of the title no embedded font has, drawn as boxes.
    pub missing_glyphs: usize,
}

impl Images {
    /// The card of the post at root-relative `page_url` (`/blog/x/`) showing `text`, drawn in
    /// `colours`, or read from the cache. Kept in memory for the next render when this
    /// `Images` was made [`keeping_cards`](Images::keeping_cards).
    pub fn card(
        &self,
        text: &CardText<'_>,
        colours: &CardColours,
        page_url: &str,
    ) -> Result<SocialCard, ImageProblem> {
        let key = card_key(text, colours);
        let made = match &self.cards {
            Some(memo) => memo.get_or_compute(key.clone(), || self.make_card(&key, text, colours)),
            None => self.make_card(&key, text, colours),
        }?;
        Ok(SocialCard {
            url: named_variant_url(
                &format!("{page_url}card.png"),
                &made.fingerprint,
                made.width,
                "png",
            ),
            width: made.width,
            height: made.height,
            bytes: made.png.clone(),
            missing_glyphs: made.missing_glyphs,
        })
    }

    fn make_card(
        &self,
        key: &str,
        text: &CardText<'_>,
        colours: &CardColours,
    ) -> Result<Arc<MadeCard>, ImageProblem> {
        if let Some(made) = self.cache.get(key).and_then(|blobs| from_blobs(&blobs)) {
            self.cards_from_cache.fetch_add(1, Ordering::Relaxed);
            return Ok(Arc::new(made));
        }
        let _work = self.progress.start();
        let name = format!("the social card of \"{}\"", text.title);
        let drawn = guarded(&name, || {
            card::draw(text, colours)
                .map_err(|e| ImageProblem::new(format!("{name} could not be drawn ({e})")))
        })?;
        let missing = drawn.missing_glyphs.to_string();
        self.cache.put(key, &[&drawn.png, missing.as_bytes()]);
        self.cards_drawn.fetch_add(1, Ordering::Relaxed);
        Ok(Arc::new(MadeCard {
            fingerprint: fingerprint(&drawn.png),
            png: drawn.png.into(),
            width: drawn.width,
            height: drawn.height,
            missing_glyphs: drawn.missing_glyphs,
        }))
    }
}

/// A card as the cache and the memo keep it.
#[derive(Debug)]
pub(crate) struct MadeCard {
    png: Bytes,
    /// The PNG's fingerprint, taken once: a preview names the card on every rebuild.
    fingerprint: String,
    width: u32,
    height: u32,
    missing_glyphs: usize,
}

/// The cache key of a card: everything its pixels depend on, [`card::FINGERPRINT`] included.
fn card_key(text: &CardText<'_>, colours: &CardColours) -> String {
    let mut hasher = Sha256::new();
    let date = text.date.unwrap_or("");
    for part in ["card", card::FINGERPRINT, text.title, text.site_name, date] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let palette = [
        colours.background,
        colours.text,
        colours.muted,
        colours.accent,
        colours.surface,
        colours.border,
    ];
    for colour in palette {
        hasher.update([colour.r, colour.g, colour.b]);
    }
    hex(&hasher.finalize())
}

/// A cached card, if its entry says what one should: a PNG of the card's size (read from its
/// header) and the count of missing glyphs.
fn from_blobs(blobs: &[Vec<u8>]) -> Option<MadeCard> {
    let [png, missing] = blobs else {
        return None;
    };
    let missing = std::str::from_utf8(&missing[..]).ok()?.parse().ok()?;
    let size = imagesize::blob_size(png).ok()?;
    let width = u32::try_from(size.width).ok()?;
    let height = u32::try_from(size.height).ok()?;
    Some(MadeCard {
        fingerprint: fingerprint(png),
        png: png.as_slice().into(),
        width,
        height,
        missing_glyphs: missing,
    })
}
