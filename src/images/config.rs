//! `[images]` in `site.toml`: the widths and formats a picture is published in, how good it
//! looks, and what is never decoded.

use serde::{Deserialize, Serialize};

/// A modern format offered in a `<picture>` before the fallback in the source's own format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// AV1 in HEIF (`image/avif`): the smallest files, supported by every current browser.
    Avif,
    /// WebP (`image/webp`): smaller than JPEG, and the only modern format an animated GIF becomes.
    Webp,
}

/// `[images]` in `site.toml`: how images referenced from markdown are published.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImagesConfig {
    /// False publishes images as they are: no variants (originals are still stripped of
    /// metadata unless `keep_metadata`).
    pub enabled: bool,
    /// The widths (in CSS pixels) variants are made at. Widths above the source's are left
    /// out, never upscaled, and the source's own width is always one.
    pub widths: Vec<u32>,
    /// The modern formats offered, in order of preference.
    pub formats: Vec<Format>,
    /// 1–100 on WebP's scale; each encoder maps it to a setting that looks alike.
    pub quality: u8,
    /// Images declaring more pixels than this are not decoded (a warning) and are published
    /// as they are, so a hostile or mistaken file cannot exhaust memory.
    pub max_pixels: u64,
    /// True publishes originals byte for byte, EXIF and all; variants are always stripped.
    pub keep_metadata: bool,
    /// The `sizes` attribute of every picture: how wide the theme shows an image at each
    /// viewport width, so the browser picks the file it needs before the layout is known.
    pub sizes: String,
    /// True gives every post a drawn 1200 × 630 social card (`og:image`) unless its front
    /// matter names an `image:`.
    pub social_cards: bool,
}

impl Default for ImagesConfig {
    fn default() -> Self {
        ImagesConfig {
            enabled: true,
            widths: vec![480, 800, 1200, 1600, 2400],
            formats: vec![Format::Avif, Format::Webp],
            quality: DEFAULT_QUALITY,
            max_pixels: 100_000_000,
            keep_metadata: false,
            sizes: DEFAULT_SIZES.to_string(),
            social_cards: true,
        }
    }
}

/// The default theme's column: the viewport less its padding on a phone, and at most 36rem
/// (the 54ch measure in the widest common serif) on a wider screen.
pub const DEFAULT_SIZES: &str = "(min-width: 40rem) 36rem, calc(100vw - 2.5rem)";

/// WebP's own default, which suits photos; the other encoders are mapped to look alike.
const DEFAULT_QUALITY: u8 = 75;

impl ImagesConfig {
    /// `quality` clamped to the 1–100 every encoder accepts (0 would panic in ravif).
    pub(crate) fn quality(&self) -> u8 {
        self.quality.clamp(1, 100)
    }

    /// The widths a source `source_width` pixels wide is published at: the configured ones
    /// below it and the source's own, ascending, each once.
    pub(crate) fn widths_for(&self, source_width: u32) -> Vec<u32> {
        let mut widths: Vec<u32> = (self.widths.iter().copied())
            .filter(|&width| width > 0 && width < source_width)
            .chain([source_width])
            .collect();
        widths.sort_unstable();
        widths.dedup();
        widths
    }

    /// The modern formats, each once, in the configured order.
    pub(crate) fn formats(&self) -> Vec<Format> {
        let mut formats = Vec::new();
        for &format in &self.formats {
            if !formats.contains(&format) {
                formats.push(format);
            }
        }
        formats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_names() {
        let config: ImagesConfig = toml::from_str("").unwrap();
        assert_eq!(config, ImagesConfig::default());
        let config: ImagesConfig =
            toml::from_str("formats = [\"webp\"]\nwidths = [300]\nquality = 60").unwrap();
        assert_eq!(config.formats, [Format::Webp]);
        assert_eq!((config.widths, config.quality), (vec![300], 60));
        assert!(toml::from_str::<ImagesConfig>("format = [\"webp\"]").is_err());
        assert!(toml::from_str::<ImagesConfig>("formats = [\"jpeg\"]").is_err());
    }

    #[test]
    fn widths_are_never_upscaled_and_include_the_source() {
        let config = ImagesConfig::default();
        assert_eq!(config.widths_for(3000), [480, 800, 1200, 1600, 2400, 3000]);
        assert_eq!(config.widths_for(1000), [480, 800, 1000]);
        assert_eq!(config.widths_for(800), [480, 800]);
        assert_eq!(config.widths_for(100), [100]);
        let odd = ImagesConfig {
            widths: vec![0, 500, 500, 200],
            ..config
        };
        assert_eq!(odd.widths_for(600), [200, 500, 600]);
    }

    #[test]
    fn quality_and_formats_are_tamed() {
        let config = ImagesConfig {
            quality: 0,
            formats: vec![Format::Webp, Format::Avif, Format::Webp],
            ..ImagesConfig::default()
        };
        assert_eq!(config.quality(), 1);
        assert_eq!(config.formats(), [Format::Webp, Format::Avif]);
    }
}
