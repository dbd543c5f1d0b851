//! ASCII diagrams (```` ```svgbob ```` blocks) as inline SVG, drawn by svgbob and written again
//! for the site's Content-Security-Policy: svgbob styles its drawing with a `<style>` element,
//! which the CSP forbids, so each shape gets classes instead, coloured by the theme
//! ([`DIAGRAM_CSS`]) in the text colour on the page's background, in light and dark alike.

use std::collections::BTreeSet;

use roxmltree::Node;
use sha2::{Digest, Sha256};
use svgbob::Settings;

use super::xml::{self, Element};
use crate::render::escape;

/// The rules the theme needs for diagrams. Colours come from the theme's `--text` and `--bg`,
/// which it sets for light, dark and print alike; `currentColor` and `Canvas` stand in for a
/// theme without them. Sizes are attributes of the SVG itself (as are colours that follow
/// the text, for readers with no stylesheet, such as feed readers), so only colours and the
/// font are here.
pub(crate) const DIAGRAM_CSS: &str = "\
/* Diagrams (svgbob): lines and text in the text colour, open shapes on the page's background. */
svg.svgbob { max-width: 100%; height: auto; }
.svgbob-line { stroke: var(--text, currentColor); }
.svgbob-fill { fill: var(--text, currentColor); }
.svgbob-bg { fill: var(--bg, Canvas); }
.svgbob-text {
  fill: var(--text, currentColor); stroke: none; white-space: pre; font-family: var(--mono, monospace);
}
";

/// The markers svgbob defines in its `<defs>`, by the name its classes give them
/// (`end_marked_arrow`); it names others (`clear_arrow`, `square`) that it never draws.
const MARKERS: [&str; 5] = [
    "arrow",
    "diamond",
    "circle",
    "open_circle",
    "big_open_circle",
];

/// Attributes that place and shape an element, which are kept as svgbob writes them.
const GEOMETRY: [&str; 20] = [
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "d",
    "points",
    "width",
    "height",
    "viewBox",
    "refX",
    "refY",
    "markerWidth",
    "markerHeight",
];

/// The SVG of an svgbob diagram: `<svg class="svgbob" role="img" aria-label="Diagram">` with
/// its `width`, `height` and a `viewBox` (so it scales down to a narrow column), every shape
/// and text with classes of [`DIAGRAM_CSS`], and no `style` attribute or element, no fixed
/// colour and no element but those of a drawing. Should svgbob ever write markup that is not
/// well-formed, the diagram is shown as its ASCII instead, never as broken markup.
pub(crate) fn svgbob_to_svg(ascii: &str) -> String {
    let settings = Settings {
        include_backdrop: false,
        include_styles: false,
        ..Settings::default()
    };
    from_svgbob(&svgbob::to_svg_with_settings(ascii, &settings), ascii)
}

/// The page's SVG from the `svg` svgbob drew for `ascii`.
fn from_svgbob(svg: &str, ascii: &str) -> String {
    let Ok(document) = roxmltree::Document::parse(svg) else {
        return format!(
            "<pre class=\"svgbob\"><code>{}</code></pre>",
            escape::html(ascii)
        );
    };
    let root = document.root_element();
    let markers = Markers {
        prefix: marker_prefix(ascii),
        used: used_markers(root),
    };
    xml::write(root, None, &mut |node| rewrite(node, &markers))
}

/// The markers a diagram uses, and how their ids are told apart from every other id of the
/// page, another diagram's included.
struct Markers {
    prefix: String,
    used: BTreeSet<&'static str>,
}

impl Markers {
    fn id(&self, name: &str) -> String {
        format!("{}{}", self.prefix, name.replace('_', "-"))
    }
}

/// `svgbob-` and a hash of the diagram: the same on every build, so pages stay the same.
fn marker_prefix(ascii: &str) -> String {
    let digest = Sha256::digest(ascii.as_bytes());
    let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("svgbob-{hex}-")
}

/// The markers the shapes under `root` name in their classes.
fn used_markers(root: Node) -> BTreeSet<&'static str> {
    root.descendants()
        .filter_map(|node| node.attribute("class"))
        .flat_map(str::split_whitespace)
        .filter_map(|class| marker_of(class).map(|(_, name)| name))
        .collect()
}

/// For `start_marked_arrow` or `end_marked_arrow`, the attribute that draws the marker and
/// the marker's name, if svgbob defines it.
fn marker_of(class: &str) -> Option<(&'static str, &'static str)> {
    let (attribute, name) = if let Some(name) = class.strip_prefix("start_marked_") {
        ("marker-start", name)
    } else {
        ("marker-end", class.strip_prefix("end_marked_")?)
    };
    let name = MARKERS.iter().find(|&&m| m == name)?;
    Some((attribute, name))
}

/// One element as written to the page.
fn rewrite<'a>(node: Node<'_, 'a>, markers: &Markers) -> Element<'a> {
    let name = node.tag_name().name();
    match name {
        "svg" if node.parent_element().is_none() => Element::Keep(root_attributes(node)),
        "defs" if !markers.used.is_empty() => Element::Keep(Vec::new()),
        "marker" => marker(node, markers),
        "g" => Element::Keep(Vec::new()),
        "text" | "tspan" => {
            let mut attributes = geometry(node);
            attributes.push(("class", "svgbob-text".to_string()));
            attributes.push(("fill", "currentColor".to_string()));
            attributes.push(("stroke", "none".to_string()));
            Element::Keep(attributes)
        }
        "line" | "polyline" | "path" | "polygon" | "circle" | "ellipse" | "rect" => {
            Element::Keep(shape(node, markers))
        }
        _ => Element::Drop,
    }
}

/// The `<svg>`'s attributes: its size and a `viewBox` of the same, what it is for assistive
/// technology, and what every shape inherits when no stylesheet says otherwise.
fn root_attributes<'a>(svg: Node<'_, 'a>) -> Vec<(&'a str, String)> {
    let width = svg.attribute("width").unwrap_or("0");
    let height = svg.attribute("height").unwrap_or("0");
    vec![
        ("width", width.to_string()),
        ("height", height.to_string()),
        ("viewBox", format!("0 0 {width} {height}")),
        ("class", "svgbob".to_string()),
        ("role", "img".to_string()),
        ("aria-label", "Diagram".to_string()),
        ("fill", "none".to_string()),
        ("stroke", "currentColor".to_string()),
        ("stroke-width", "2".to_string()),
        ("stroke-linecap", "round".to_string()),
        ("stroke-linejoin", "miter".to_string()),
        ("font-family", "monospace".to_string()),
        ("font-size", "14".to_string()),
    ]
}

/// A `<marker>` the diagram uses, under an id of its own; one it does not use is left out.
fn marker<'a>(node: Node<'_, 'a>, markers: &Markers) -> Element<'a> {
    let used = node
        .attribute("id")
        .and_then(|id| markers.used.iter().find(|&&m| m == id));
    let Some(name) = used else {
        return Element::Drop;
    };
    let mut attributes = vec![("id", markers.id(name))];
    attributes.extend(geometry(node));
    attributes.extend(node.attribute("orient").map(|o| ("orient", o.to_string())));
    Element::Keep(attributes)
}

/// A line or shape: its geometry, its classes for what svgbob's own stylesheet gave it
/// (a stroke, a fill of the lines' colour or of the background, dashes) and its markers.
fn shape<'a>(node: Node<'_, 'a>, markers: &Markers) -> Vec<(&'a str, String)> {
    let mut attributes = geometry(node);
    let mut classes = vec!["svgbob-line"];
    let svgbob_classes: Vec<&str> = node.attribute("class").unwrap_or("").split(' ').collect();
    let is_path = node.tag_name().name() == "path";
    for class in &svgbob_classes {
        match *class {
            "broken" => attributes.push(("stroke-dasharray", "8".to_string())),
            "filled" => {
                classes.push("svgbob-fill");
                attributes.push(("fill", "currentColor".to_string()));
            }
            // An arc is open; a closed shape hides what is behind it.
            "nofill" if !is_path => classes.push("svgbob-bg"),
            "bg_filled" => {
                classes.push("svgbob-bg");
                attributes.push(("stroke-width", "1".to_string()));
            }
            class => {
                if let Some((attribute, name)) = marker_of(class) {
                    attributes.push((attribute, format!("url(#{})", markers.id(name))));
                }
            }
        }
    }
    // The arrowheads inside markers have no class: svgbob's stylesheet fills them.
    if node.tag_name().name() == "polygon" && classes.len() == 1 {
        classes.push("svgbob-fill");
        attributes.push(("fill", "currentColor".to_string()));
    }
    attributes.push(("class", classes.join(" ")));
    attributes
}

/// The attributes of `node` that place and shape it.
fn geometry<'a>(node: Node<'_, 'a>) -> Vec<(&'a str, String)> {
    node.attributes()
        .filter(|a| GEOMETRY.contains(&a.name()))
        .map(|a| (a.name(), a.value().to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOXES: &str = "\
+--------+      .--------.
| source |----->| output |
+--------+      '--------'
     |               ^
     v               |
  \"text\" ------------'
";

    // Raw strings, as a `\` line continuation would eat the first line's indentation.
    const ARROWS: &str = r"
      ^
      |
 <----+---->
      |
      v    *-->o   <--*   o--O
";

    const DASHED: &str = r"
  a ~~~~~~~ b
  :
  :    +- - - -+
  :    :       :
  v    +- - - -+
";

    const CIRCLES: &str = r"
   ,-.       ___
  (   )     /   \     (_)   *---o   o---O
   `-'      \___/
";

    const CURVES: &str = r"
  .-----------.
 /             \
|   curves &    |
|   a < b > c   |
 \             /
  `-----------'
";

    /// Elements a drawing may hold.
    const ALLOWED: [&str; 14] = [
        "svg", "g", "path", "line", "polyline", "polygon", "circle", "ellipse", "rect", "text",
        "tspan", "marker", "defs", "use",
    ];

    /// Parses the SVG with a real XML parser and checks what every diagram must be; returns
    /// its texts.
    fn checked(ascii: &str) -> Vec<String> {
        let svg = svgbob_to_svg(ascii);
        let document = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|e| panic!("not well-formed: {e}\n{svg}"));
        let root = document.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        assert_eq!(root.attribute("role"), Some("img"));
        assert_eq!(root.attribute("aria-label"), Some("Diagram"));
        assert_eq!(root.attribute("class"), Some("svgbob"));
        let (width, height) = (root.attribute("width"), root.attribute("height"));
        assert_eq!(
            root.attribute("viewBox"),
            Some(format!("0 0 {} {}", width.unwrap(), height.unwrap()).as_str())
        );
        let ids: Vec<&str> = document
            .descendants()
            .filter_map(|n| n.attribute("id"))
            .collect();
        for node in document.descendants().filter(|n| n.is_element()) {
            let name = node.tag_name().name();
            assert!(ALLOWED.contains(&name), "<{name}> in\n{svg}");
            assert!(node.attribute("style").is_none(), "{svg}");
            for colour in ["fill", "stroke"].iter().filter_map(|a| node.attribute(*a)) {
                assert!(
                    ["none", "currentColor"].contains(&colour),
                    "{colour} in\n{svg}"
                );
            }
            for marker in ["marker-start", "marker-end"] {
                if let Some(url) = node.attribute(marker) {
                    let id = url.strip_prefix("url(#").and_then(|u| u.strip_suffix(')'));
                    assert!(ids.contains(&id.unwrap()), "{url} names no marker");
                }
            }
            let classes = node.attribute("class").unwrap_or("");
            if ["line", "polyline", "path", "polygon", "circle", "rect"].contains(&name) {
                assert!(
                    classes.contains("svgbob-line"),
                    "<{name}> without its class"
                );
            }
            if name == "text" {
                assert_eq!(classes, "svgbob-text");
            }
            for class in classes.split_whitespace() {
                assert!(
                    DIAGRAM_CSS.contains(&format!(".{class} ")),
                    "no rule for .{class}"
                );
            }
        }
        let texts = document
            .descendants()
            .filter(|n| n.tag_name().name() == "text");
        texts.map(|t| t.text().unwrap_or("").to_string()).collect()
    }

    #[test]
    fn boxes_arrows_and_text_are_a_drawing_without_style() {
        let texts = checked(BOXES);
        // svgbob reads quotes as "text, not lines", and leaves them out.
        for word in ["source", "output", "text"] {
            assert!(texts.iter().any(|t| t == word), "{word} in {texts:?}");
        }
        let svg = svgbob_to_svg(BOXES);
        assert!(svg.contains("svgbob-fill"), "arrowheads are filled: {svg}");
    }

    #[test]
    fn arrows_and_markers_are_drawn_with_markers_of_the_diagram() {
        checked(ARROWS);
        let svg = svgbob_to_svg(ARROWS);
        assert!(svg.contains("marker-end=\"url(#svgbob-"), "{svg}");
        assert!(svg.contains("<marker id=\"svgbob-"), "{svg}");
    }

    #[test]
    fn dashed_lines_keep_their_dashes() {
        assert!(checked(DASHED).contains(&"a".to_string()));
        assert!(svgbob_to_svg(DASHED).contains("stroke-dasharray=\"8\""));
    }

    #[test]
    fn circles_and_curves_are_drawn_and_open_shapes_take_the_background() {
        checked(CIRCLES);
        let svg = svgbob_to_svg(CIRCLES);
        assert!(svg.contains("<circle"), "{svg}");
        assert!(svg.contains("svgbob-bg"), "{svg}");
        assert!(svg.contains("url(#svgbob-"), "{svg}");
        let texts = checked(CURVES);
        let svg = svgbob_to_svg(CURVES);
        assert!(
            svg.contains("<path d=\"M"),
            "arcs for the rounded corners: {svg}"
        );
        for word in ["curves", "&", "a", "<", "b", ">", "c"] {
            assert!(texts.iter().any(|t| t == word), "{word} in {texts:?}");
        }
    }

    #[test]
    fn box_drawing_characters_and_wide_text_are_drawn_too() {
        let texts = checked("┌────┐\n│ ab │──►x\n└────┘\n 中文 😀\n");
        // A wide character takes two columns, the space after it among them.
        for word in ["ab", "x", "中", "文😀"] {
            assert!(texts.iter().any(|t| t == word), "{word} in {texts:?}");
        }
        assert!(svgbob_to_svg("┌────┐\n│ ab │\n└────┘").contains("<rect"));
    }

    #[test]
    fn a_legend_styles_nothing_and_empty_input_is_an_empty_drawing() {
        let legend = "+-----+\n|{a}  |\n+-----+\n\n# Legend:\na = {\n    fill: red;\n}\n";
        checked(legend);
        let svg = svgbob_to_svg(legend);
        assert!(!svg.contains("red") && !svg.contains("Legend"), "{svg}");
        assert!(checked("").is_empty());
        assert!(
            !svgbob_to_svg("").contains("<defs"),
            "markers only when used"
        );
    }

    #[test]
    fn marker_ids_are_the_same_for_a_diagram_and_differ_between_diagrams() {
        assert_eq!(svgbob_to_svg(ARROWS), svgbob_to_svg(ARROWS));
        assert_ne!(marker_prefix(ARROWS), marker_prefix(BOXES));
    }

    #[test]
    fn markup_svgbob_should_never_write_is_shown_as_the_ascii() {
        assert_eq!(
            from_svgbob("<svg><g></svg>", "a <b>"),
            "<pre class=\"svgbob\"><code>a &lt;b&gt;</code></pre>"
        );
    }

    #[test]
    fn a_diagram_snapshot() {
        insta::assert_snapshot!(format!(
            "{BOXES}\n{}",
            svgbob_to_svg(BOXES).replace("><", ">\n<")
        ));
    }
}
