//! Colours: the card's palette and the CSS hex notation themes write it in.

/// An opaque sRGB colour, one byte a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb {
    /// Red, 0 to 255.
    pub r: u8,
    /// Green, 0 to 255.
    pub g: u8,
    /// Blue, 0 to 255.
    pub b: u8,
}

impl Rgb {
    /// The colour with these three channels.
    #[must_use]
    pub const fn new(r: u8, g: u8, b: u8) -> Self {
        Self { r, g, b }
    }

    /// The CSS hex notation, `#rrggbb` in lower case: what a cache key records.
    #[must_use]
    pub fn to_hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

/// The theme's colours a card is drawn in (its light scheme: a card is an image, and has one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CardColours {
    /// The card's ground, behind the title.
    pub background: Rgb,
    /// The title.
    pub text: Rgb,
    /// The site's name and the date.
    pub muted: Rgb,
    /// The bar along the card's top edge.
    pub accent: Rgb,
    /// The band the site's name and the date sit on.
    pub surface: Rgb,
    /// The rule between the title and that band.
    pub border: Rgb,
}

impl CardColours {
    /// The default theme's light scheme (`templates/assets/`): white, near-black text, blue links.
    pub const LIGHT: Self = Self {
        background: Rgb::new(0xff, 0xff, 0xff),
        text: Rgb::new(0x1d, 0x20, 0x25),
        muted: Rgb::new(0x5b, 0x63, 0x6e),
        accent: Rgb::new(0x1d, 0x4e, 0xd8),
        surface: Rgb::new(0xf6, 0xf8, 0xfa),
        border: Rgb::new(0xd0, 0xd7, 0xde),
    };
}

impl Default for CardColours {
    fn default() -> Self {
        Self::LIGHT
    }
}

/// Reads a CSS hex colour, `#rgb` or `#rrggbb` (either case), as a theme's stylesheet writes it.
///
/// `None` for anything else: no `#`, another length (no alpha: a card is opaque), or a character
/// that is not a hex digit. Surrounding whitespace is allowed.
#[must_use]
pub fn parse_hex(css: &str) -> Option<Rgb> {
    let digits = css.trim().strip_prefix('#')?;
    if !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    let nibble = |at: usize| u8::from_str_radix(digits.get(at..=at)?, 16).ok();
    let byte = |at: usize| u8::from_str_radix(digits.get(at..at + 2)?, 16).ok();
    match digits.len() {
        3 => Some(Rgb::new(nibble(0)? * 17, nibble(1)? * 17, nibble(2)? * 17)),
        6 => Some(Rgb::new(byte(0)?, byte(2)?, byte(4)?)),
        _ => None,
    }
}
