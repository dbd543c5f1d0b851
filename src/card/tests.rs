//! The card's tests: the PNG decoded back, and the layout read through the shaper's glyphs.

use cosmic_text::LayoutGlyph;
use image::RgbImage;

use super::fit::ELLIPSIS;
use super::layout::{self, ACCENT_BAR, CONTENT_WIDTH, FOOTER_TOP, MAX_LINES, Title};
use super::{Card, CardColours, CardText, Rgb, draw, fingerprint_inputs, fonts, parse_hex};

const LONG: &str = "An unusually long title about static site generators, social cards, font \
                    fallback, bidirectional text and the many small decisions that go into \
                    drawing a picture that looks good everywhere it is shared";

/// Draws a card with the default colours, a site name and a date.
fn card(title: &str) -> Card {
    let text = CardText {
        title,
        site_name: "Pamphlet Notes",
        date: Some("March 3, 2026"),
    };
    draw(&text, &CardColours::LIGHT).unwrap()
}

fn decode(card: &Card) -> RgbImage {
    image::load_from_memory(&card.png).unwrap().to_rgb8()
}

fn rgb(image: &RgbImage, x: u32, y: u32) -> Rgb {
    let [r, g, b] = image.get_pixel(x, y).0;
    Rgb::new(r, g, b)
}

/// The share of the title band's pixels that are within a few steps of the text colour.
fn ink_fraction(image: &RgbImage) -> f64 {
    let text = CardColours::LIGHT.text;
    let (top, bottom) = (ACCENT_BAR + 1, FOOTER_TOP - 10);
    let mut inked = 0_u32;
    for y in top..bottom {
        for x in 0..image.width() {
            let pixel = rgb(image, x, y);
            let near = |a: u8, b: u8| a.abs_diff(b) <= 24;
            inked +=
                u32::from(near(pixel.r, text.r) && near(pixel.g, text.g) && near(pixel.b, text.b));
        }
    }
    f64::from(inked) / f64::from(image.width() * (bottom - top))
}

fn title(text: &str) -> Title {
    let mut fonts = fonts::font_system().unwrap();
    layout::title(&mut fonts, text)
}

fn glyphs(title: &Title) -> Vec<LayoutGlyph> {
    let runs = title.block.buffer.layout_runs();
    runs.flat_map(|run| run.glyphs.iter().cloned()).collect()
}

#[test]
fn a_card_is_1200_by_630_in_the_theme_colours() {
    let card = card("Hello, world");
    let image = decode(&card);
    assert_eq!((card.width, card.height), (1200, 630));
    assert_eq!(image.dimensions(), (1200, 630));
    let colours = CardColours::LIGHT;
    assert_eq!(rgb(&image, 1150, 100), colours.background);
    assert_eq!(rgb(&image, 5, 5), colours.accent);
    assert_eq!(rgb(&image, 600, FOOTER_TOP - 1), colours.border);
    assert_eq!(rgb(&image, 600, 625), colours.surface);
    assert_eq!((card.lines, card.truncated, card.title_px), (1, false, 72));
}

#[test]
fn the_title_is_inked_in_the_text_colour() {
    let short = ink_fraction(&decode(&card("Hello, world")));
    let long = ink_fraction(&decode(&card(LONG)));
    assert!((0.005..0.05).contains(&short), "ink {short}");
    assert!((0.03..0.2).contains(&long), "ink {long}");
    assert!(long > 2.0 * short);
}

#[test]
fn covered_scripts_draw_no_notdef() {
    let text = "Straße, Ελληνικά, Русский, עברית, العربية (2026) – “quoted” …";
    let laid_out = title(text);
    assert!(glyphs(&laid_out).iter().all(|glyph| glyph.glyph_id != 0));
    assert!(!glyphs(&laid_out).is_empty());
    assert_eq!(card(text).missing_glyphs, 0);
}

#[test]
fn characters_no_font_has_are_counted_not_fatal() {
    let card = card("Shipping 🚀 with 日本語");
    assert_eq!(
        card.missing_glyphs, 4,
        "one box each for the rocket and three ideographs"
    );
    assert_eq!(card.lines, 1);
    let notdef = glyphs(&title("日本語"))
        .iter()
        .filter(|g| g.glyph_id == 0)
        .count();
    assert_eq!(notdef, 3);
}

#[test]
fn a_long_title_shrinks_then_ends_with_an_ellipsis_on_its_third_line() {
    let card = card(LONG);
    assert_eq!((card.lines, card.truncated, card.title_px), (3, true, 56));
    let laid_out = title(LONG);
    assert_eq!(laid_out.lines, MAX_LINES);
    let text = laid_out.block.buffer.lines[0].text();
    assert!(text.ends_with(ELLIPSIS), "{text}");
    assert!(
        !text.ends_with(" \u{2026}") && !text.ends_with(",\u{2026}"),
        "{text}"
    );
    let at = text.len() - ELLIPSIS.len_utf8();
    let last = laid_out.block.buffer.layout_runs().last().unwrap();
    assert!(
        last.glyphs
            .iter()
            .any(|glyph| glyph.start == at && glyph.glyph_id != 0)
    );
}

#[test]
fn a_title_one_size_down_fits_without_a_cut() {
    let medium = "A title of middling length that takes four lines at the largest size but \
                  three at the next";
    let card = card(medium);
    assert_eq!((card.title_px, card.lines, card.truncated), (64, 3, false));
}

#[test]
fn a_word_longer_than_a_line_breaks_inside_the_margins() {
    let word = "Pneumonoultramicroscopicsilicovolcanoconiosis".repeat(3);
    let laid_out = title(&word);
    assert_eq!(laid_out.lines, 3);
    assert!(laid_out.truncated);
    for glyph in glyphs(&laid_out) {
        assert!(
            glyph.x >= -0.5 && glyph.x + glyph.w <= CONTENT_WIDTH + 0.5,
            "{glyph:?}"
        );
    }
}

#[test]
fn right_to_left_titles_run_right_to_left_from_the_right_edge() {
    for text in ["שלום עולם", "مرحبا بالعالم"] {
        let laid_out = title(text);
        assert!(laid_out.rtl, "{text}");
        let glyphs = glyphs(&laid_out);
        let first = glyphs.iter().min_by_key(|glyph| glyph.start).unwrap();
        let last = glyphs.iter().max_by_key(|glyph| glyph.start).unwrap();
        assert!(first.x > last.x, "{text}: first {first:?} last {last:?}");
        let right = glyphs
            .iter()
            .map(|glyph| glyph.x + glyph.w)
            .fold(0.0, f32::max);
        assert!(
            (right - CONTENT_WIDTH).abs() < 1.0,
            "{text}: right edge {right}"
        );
    }
    assert!(!title("Hello עולם").rtl);
}

#[test]
fn a_right_to_left_date_keeps_its_leading_number() {
    let mut fonts = fonts::font_system().unwrap();
    let footer = layout::footer(&mut fonts, "הבלוג", Some("3 במרץ 2026"), true);
    let date = &footer[1].buffer;
    let starts: Vec<usize> = date
        .layout_runs()
        .flat_map(|run| run.glyphs.iter().map(|g| g.start))
        .collect();
    assert!(starts.contains(&0), "{starts:?}");
    assert_eq!(starts.len(), "3 במרץ 2026".chars().count());
}

#[test]
fn an_empty_title_shows_the_site_name_instead() {
    let card = card(" \n\t ");
    assert_eq!((card.lines, card.missing_glyphs), (1, 0));
    let nothing = CardText {
        title: "",
        site_name: "",
        date: None,
    };
    let blank = draw(&nothing, &CardColours::LIGHT).unwrap();
    assert_eq!(blank.lines, 0);
    assert_eq!(ink_fraction(&decode(&blank)), 0.0);
}

#[test]
fn the_same_card_is_the_same_bytes() {
    for text in ["Hello, world", LONG, "שלום עולם", "🚀"] {
        assert_eq!(card(text).png, card(text).png, "{text}");
    }
    assert_ne!(card("Hello, world").png, card("Hello, World").png);
}

#[test]
fn cards_are_small_palette_pngs() {
    // Measured when cards became palette PNGs: 7,652 and 19,952 bytes, from 20,288 and 54,490
    // as 8-bit RGB.
    let short = card("Hello, world").png;
    let long = card(LONG).png;
    assert!(short.len() < 10_000, "{} bytes", short.len());
    assert!(long.len() < 25_000, "{} bytes", long.len());
    // The IHDR's colour type: 3 is indexed.
    assert_eq!((short[25], long[25]), (3, 3));
}

#[test]
fn a_canvas_of_more_than_256_colours_is_written_as_rgb() {
    let mut canvas = super::canvas::Canvas::new(2, 300, Rgb::new(255, 255, 255));
    for row in 0..300u32 {
        let shade = u8::try_from(row % 256).unwrap();
        canvas.fill_rows(row, row + 1, Rgb::new(shade, u8::from(row >= 256), 0));
    }
    let png = canvas.encode_png().unwrap();
    assert_eq!(png[25], 2, "8-bit RGB");
    let decoded = image::load_from_memory(&png).unwrap().to_rgb8();
    assert_eq!(decoded.get_pixel(1, 299).0, [43, 1, 0]);
}

#[test]
fn hex_colours_parse_in_both_lengths() {
    assert_eq!(parse_hex("#fff"), Some(Rgb::new(255, 255, 255)));
    assert_eq!(parse_hex("#1d2025"), Some(Rgb::new(0x1d, 0x20, 0x25)));
    assert_eq!(parse_hex(" #1D4ED8 "), Some(Rgb::new(0x1d, 0x4e, 0xd8)));
    for bad in [
        "fff", "#ffff", "#12345", "#1234567", "#ggg", "#", "", "#+12", "#١٢٣",
    ] {
        assert_eq!(parse_hex(bad), None, "{bad}");
    }
    assert_eq!(Rgb::new(0x1d, 0x4e, 0xd8).to_hex(), "#1d4ed8");
}

#[test]
fn the_fingerprint_names_the_fonts_and_the_design_version() {
    let fingerprint = fingerprint_inputs();
    assert!(fingerprint.contains("Noto Sans") && fingerprint.contains("DejaVu Sans"));
    assert!(fingerprint.starts_with("pamphlet-card/"));
    assert!(
        fonts::embedded_bytes() < 1_200_000,
        "{}",
        fonts::embedded_bytes()
    );
}
