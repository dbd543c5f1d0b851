//! An SVG's intrinsic size, from its root `<svg>` tag alone.
//!
//! A small scan rather than an XML parser: only the root start tag matters, and what comes
//! before it (an XML declaration, comments, a doctype) is skipped. Attribute values holding
//! entities are not expanded: such a length is not read, and the `viewBox` decides.

/// True when `text` is an SVG document: its root element is `<svg>`.
pub(crate) fn is_svg(text: &str) -> bool {
    root_tag(text).is_some()
}

/// Width and height in CSS pixels: `width` and `height` when given in px or unitless,
/// otherwise from the `viewBox` (scaled to the one length given, if one is).
pub(crate) fn size(text: &str) -> Option<(u32, u32)> {
    let attributes = attributes(root_tag(text)?);
    let find = |name: &str| attributes.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    let width = find("width").and_then(length_px);
    let height = find("height").and_then(length_px);
    let view_box = find("viewBox").and_then(view_box);
    let (width, height) = match (width, height, view_box) {
        (Some(width), Some(height), _) => (width, height),
        (Some(width), None, Some((w, h))) => (width, width * h / w),
        (None, Some(height), Some((w, h))) => (height * w / h, height),
        (_, _, Some((w, h))) => (w, h),
        _ => return None,
    };
    // `as` saturates: an absurd length is still a size, and an SVG is scaled anyway.
    Some((
        (width.round() as u32).max(1),
        (height.round() as u32).max(1),
    ))
}

/// The root element's start tag, from just after `<svg` to its `>`.
fn root_tag(text: &str) -> Option<&str> {
    let mut rest = text.trim_start_matches('\u{feff}');
    loop {
        rest = rest.trim_start();
        rest = if let Some(after) = rest.strip_prefix("<?") {
            &after[after.find("?>")? + 2..]
        } else if let Some(after) = rest.strip_prefix("<!--") {
            &after[after.find("-->")? + 3..]
        } else if let Some(after) = rest.strip_prefix("<!DOCTYPE") {
            skip_doctype(after)?
        } else {
            break;
        };
    }
    let after = rest.strip_prefix("<svg")?;
    if !after.starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/') {
        return None;
    }
    Some(&after[..after.find('>')?])
}

/// What follows a doctype, whose internal subset (`[...]`) may hold `>`.
fn skip_doctype(after: &str) -> Option<&str> {
    let end = after.find(['[', '>'])?;
    if after[end..].starts_with('[') {
        let close = after[end..].find("]")? + end;
        let gt = after[close..].find('>')? + close;
        return Some(&after[gt + 1..]);
    }
    Some(&after[end + 1..])
}

/// `name="value"` pairs of a start tag, in order.
fn attributes(tag: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    let mut rest = tag;
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq].trim();
        let after = rest[eq + 1..].trim_start();
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let Some(end) = after[1..].find(quote) else {
            break;
        };
        found.push((name, &after[1..end + 1]));
        rest = &after[end + 2..];
    }
    found
}

/// A length in CSS pixels: `300`, `300px`, `12.5`; other units and percentages are `None`.
fn length_px(value: &str) -> Option<f64> {
    let value = value.trim();
    let number = value.strip_suffix("px").unwrap_or(value).trim_end();
    positive(number)
}

/// The width and height of a `viewBox="min-x min-y width height"`.
fn view_box(value: &str) -> Option<(f64, f64)> {
    let numbers: Vec<&str> = value
        .split([' ', ',', '\t', '\n', '\r'])
        .filter(|n| !n.is_empty())
        .collect();
    match numbers[..] {
        [_, _, width, height] => Some((positive(width)?, positive(height)?)),
        _ => None,
    }
}

fn positive(number: &str) -> Option<f64> {
    number
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_and_height_in_pixels_win() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="300" height="150px" viewBox="0 0 10 10"/>"#;
        assert_eq!(size(svg), Some((300, 150)));
    }

    #[test]
    fn the_view_box_decides_without_them_or_with_other_units() {
        assert_eq!(
            size(r#"<svg viewBox="0 0 640 480"></svg>"#),
            Some((640, 480))
        );
        assert_eq!(
            size(r#"<svg viewBox="0,0,64.4,48.6" width="10cm"/>"#),
            Some((64, 49))
        );
        assert_eq!(
            size(r#"<svg width='100%' height='50%' viewBox='0 0 200 100'/>"#),
            Some((200, 100))
        );
    }

    #[test]
    fn one_length_scales_the_view_box() {
        assert_eq!(
            size(r#"<svg width="400" viewBox="0 0 200 100"/>"#),
            Some((400, 200))
        );
        assert_eq!(
            size(r#"<svg height="50" viewBox="0 0 200 100"/>"#),
            Some((100, 50))
        );
    }

    #[test]
    fn the_prolog_is_skipped() {
        let svg = "\u{feff}<?xml version=\"1.0\"?>\n<!-- made by hand -->\n<!DOCTYPE svg [\n<!ENTITY w \"1\">\n]>\n<svg\n  width=\"12\"\n  height=\"34\">\n</svg>";
        assert!(is_svg(svg));
        assert_eq!(size(svg), Some((12, 34)));
    }

    #[test]
    fn no_size_or_no_svg_is_none() {
        assert_eq!(size("<svg><rect/></svg>"), None);
        assert_eq!(size(r#"<svg width="auto" viewBox="0 0 0 10"/>"#), None);
        assert!(!is_svg("<html><svg width='1' height='1'/></html>"));
        assert!(!is_svg("<svgfoo/>"));
        assert!(!is_svg("hello"));
    }
}
