//! The card's fonts: embedded in the binary, and the only ones a card is ever drawn with.
//!
//! Noto Sans (Bold for the title, Regular for the date) covers Latin, Greek and Cyrillic; DejaVu
//! Sans Bold fills in what Noto Sans lacks, above all Hebrew and Arabic. The system's fonts are
//! never looked at, so a card is the same on every machine.

use std::sync::Arc;

use cosmic_text::fontdb::{self, Database, Family, Query, Source};
use cosmic_text::{Fallback, FontSystem};
use unicode_script::Script;

use super::CardError;

/// The family the card is set in.
pub(super) const PRIMARY: &str = "Noto Sans";
/// The family that fills in the scripts the primary lacks (Hebrew, Arabic, Armenian, Georgian…).
pub(super) const FALLBACK: &str = "DejaVu Sans";

/// The embedded faces: Noto Sans Bold and Regular, DejaVu Sans Bold.
fn faces() -> [&'static [u8]; 3] {
    [
        notosans::BOLD_TTF,
        notosans::REGULAR_TTF,
        dejavu::sans::bold(),
    ]
}

/// The total size of the embedded fonts, in bytes.
#[cfg(test)]
pub(super) fn embedded_bytes() -> usize {
    faces().iter().map(|face| face.len()).sum()
}

/// A font system holding the embedded faces alone, with a fixed locale and fallback order.
///
/// Loading borrows the `'static` bytes (nothing is copied) and reads each face's tables once.
pub(super) fn font_system() -> Result<FontSystem, CardError> {
    let mut db = Database::new();
    for face in faces() {
        db.load_font_source(Source::Binary(Arc::new(face)));
    }
    for family in [PRIMARY, FALLBACK] {
        let query = Query {
            families: &[Family::Name(family)],
            ..Query::default()
        };
        if db.query(&query).is_none() {
            return Err(CardError::Font(family));
        }
    }
    Ok(FontSystem::new_with_locale_and_db_and_fallback(
        "en-US".to_owned(),
        db,
        EmbeddedFallback,
    ))
}

/// The weight of the title; the footer's date is [`fontdb::Weight::NORMAL`].
pub(super) const BOLD: fontdb::Weight = fontdb::Weight::BOLD;

/// The fallback order: the platform's own lists (cosmic-text's default) name fonts this build
/// does not have, and differ between operating systems, so a card's glyphs would too.
struct EmbeddedFallback;

impl Fallback for EmbeddedFallback {
    fn common_fallback(&self) -> &[&'static str] {
        &[FALLBACK]
    }

    fn forbidden_fallback(&self) -> &[&'static str] {
        &[]
    }

    fn script_fallback(&self, _script: Script, _locale: &str) -> &[&'static str] {
        &[]
    }
}
