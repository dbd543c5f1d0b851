//! Writing back a tree that roxmltree has read, as markup an HTML page can hold inline: the
//! MathML and SVG that converters write are parsed (which proves them well-formed), and each
//! element is written again with the attributes its caller chooses, so nothing the page's
//! Content-Security-Policy forbids (a `style` attribute, a `<style>` element) gets through.

use roxmltree::{Node, NodeType};

use crate::render::escape;

/// What to write for one element; `a` is the lifetime of the parsed text, whose attribute
/// names can be written again without copying them.
pub(super) enum Element<'a> {
    /// Leave it out, with everything in it.
    Drop,
    /// Write it, with these attributes in this order.
    Keep(Vec<(&'a str, String)>),
}

/// The markup of `root` and everything in it, each element written as `rewrite` says.
///
/// Every element is closed by an end tag, never as `<x/>`: an HTML parser honours the
/// self-closing slash only on SVG and MathML elements, and MathML may hold HTML ones
/// (math-core writes `<span>` inside `<mtext>`). Whitespace between elements is left out,
/// as it is only the converters' indentation; the text of an element without element
/// children is kept as it is. A namespace is declared where it differs from the one `outer` says is in force already.
pub(super) fn write<'a>(
    root: Node<'_, 'a>,
    outer: Option<&str>,
    rewrite: &mut dyn FnMut(Node<'_, 'a>) -> Element<'a>,
) -> String {
    let mut out = String::new();
    write_node(&mut out, root, outer, rewrite);
    out
}

fn write_node<'a>(
    out: &mut String,
    node: Node<'_, 'a>,
    parent_namespace: Option<&str>,
    rewrite: &mut dyn FnMut(Node<'_, 'a>) -> Element<'a>,
) {
    match node.node_type() {
        NodeType::Element => write_element(out, node, parent_namespace, rewrite),
        NodeType::Text => {
            let text = node.text().unwrap_or_default();
            let between_elements = node
                .parent()
                .is_some_and(|parent| parent.children().any(|c| c.is_element()));
            if !(between_elements && text.trim().is_empty()) {
                out.push_str(&escape::xml(text));
            }
        }
        // Comments and processing instructions say nothing to a reader.
        NodeType::Root | NodeType::Comment | NodeType::PI => {}
    }
}

fn write_element<'a>(
    out: &mut String,
    node: Node<'_, 'a>,
    parent_namespace: Option<&str>,
    rewrite: &mut dyn FnMut(Node<'_, 'a>) -> Element<'a>,
) {
    let Element::Keep(attributes) = rewrite(node) else {
        return;
    };
    let name = node.tag_name().name();
    out.push('<');
    out.push_str(name);
    let namespace = node.tag_name().namespace();
    if let Some(namespace) = namespace.filter(|&ns| Some(ns) != parent_namespace) {
        push_attribute(out, "xmlns", namespace);
    }
    for (key, value) in &attributes {
        push_attribute(out, key, value);
    }
    out.push('>');
    for child in node.children() {
        write_node(out, child, namespace, rewrite);
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn push_attribute(out: &mut String, key: &str, value: &str) {
    out.push(' ');
    out.push_str(key);
    out.push_str("=\"");
    out.push_str(&escape::xml(value));
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten<'a>(xml: &'a str, mut rewrite: impl FnMut(Node<'_, 'a>) -> Element<'a>) -> String {
        let document = roxmltree::Document::parse(xml).unwrap();
        write(document.root_element(), None, &mut rewrite)
    }

    /// Keeps every element with its own attributes, less `style`.
    fn without_style<'a>(node: Node<'_, 'a>) -> Element<'a> {
        Element::Keep(
            node.attributes()
                .filter(|a| a.name() != "style")
                .map(|a| (a.name(), a.value().to_string()))
                .collect(),
        )
    }

    #[test]
    fn elements_are_closed_by_end_tags_and_indentation_is_left_out() {
        let xml = "<math xmlns=\"http://www.w3.org/1998/Math/MathML\">\n  <mi>x</mi>\n  \
                   <mspace width=\"1em\"/>\n  <mtext> a &amp; b </mtext>\n</math>";
        assert_eq!(
            rewritten(xml, without_style),
            "<math xmlns=\"http://www.w3.org/1998/Math/MathML\"><mi>x</mi>\
             <mspace width=\"1em\"></mspace><mtext> a &amp; b </mtext></math>"
        );
    }

    #[test]
    fn dropped_elements_take_their_content_and_attributes_are_escaped() {
        let xml = "<svg xmlns=\"http://www.w3.org/2000/svg\"><style>g { fill: red }</style>\
                   <text x=\"1\" style=\"fill: red\">a &lt; b</text><!-- note --></svg>";
        let rewrite = |node: Node<'_, 'static>| match node.tag_name().name() {
            "style" => Element::Drop,
            "text" => Element::Keep(vec![("data-q", "\"<&>'".to_string())]),
            _ => without_style(node),
        };
        assert_eq!(
            rewritten(xml, rewrite),
            "<svg xmlns=\"http://www.w3.org/2000/svg\">\
             <text data-q=\"&quot;&lt;&amp;&gt;&apos;\">a &lt; b</text></svg>"
        );
    }

    #[test]
    fn a_namespace_is_declared_where_it_changes() {
        let xml = "<a xmlns=\"urn:a\"><b><c xmlns=\"urn:c\"><d/></c></b></a>";
        assert_eq!(
            rewritten(xml, without_style),
            "<a xmlns=\"urn:a\"><b><c xmlns=\"urn:c\"><d></d></c></b></a>"
        );
    }
}
