//! The few CSS rules a highlighting palette is written in: selectors of classes with the
//! descendant combinator (`.a.b`, `.a .b`, `.a *`), and plain declarations. Enough to read the
//! theme's own palette and syntect's stylesheets, and nothing more.

/// One class-based compound selector: every class must be on the element; empty matches any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Compound {
    pub(crate) classes: Vec<String>,
}

/// A chain of compounds joined by the descendant combinator; the last one is the element's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Selector {
    pub(crate) chain: Vec<Compound>,
}

impl Selector {
    /// CSS specificity, for this subset: the number of classes.
    pub(crate) fn specificity(&self) -> usize {
        self.chain.iter().map(|c| c.classes.len()).sum()
    }
}

/// A rule: its selectors and its declarations, in source order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    pub(crate) selectors: Vec<Selector>,
    pub(crate) declarations: Vec<Declaration>,
}

/// `property: value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Declaration {
    pub(crate) property: String,
    pub(crate) value: String,
}

/// The rules of `css`; comments are skipped, and rules with a selector outside the subset
/// (an at-rule, a type or id selector, a pseudo-class) are left out whole, so nothing is
/// half-understood.
pub(crate) fn parse(css: &str) -> Vec<Rule> {
    let css = strip_comments(css);
    let mut rules = Vec::new();
    let mut rest = css.as_str();
    while let Some(open) = rest.find('{') {
        let prelude = rest[..open].trim();
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let body = &rest[open + 1..open + close];
        rest = &rest[open + close + 1..];
        if prelude.starts_with('@') {
            // Skip a whole at-rule block, nested braces included.
            rest = skip_block(rest, body);
            continue;
        }
        let selectors: Option<Vec<Selector>> = prelude.split(',').map(selector).collect();
        if let Some(selectors) = selectors {
            rules.push(Rule {
                selectors,
                declarations: declarations(body),
            });
        }
    }
    rules
}

/// After reading `{ ... }` of an at-rule up to its first `}`, skips what is left of it.
fn skip_block<'c>(rest: &'c str, first_body: &str) -> &'c str {
    let mut depth = first_body.matches('{').count() as isize;
    let mut rest = rest;
    while depth > 0 {
        let Some(close) = rest.find('}') else {
            return "";
        };
        depth += rest[..close].matches('{').count() as isize - 1;
        rest = &rest[close + 1..];
    }
    rest
}

fn strip_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    out.push_str(rest);
    out
}

fn selector(text: &str) -> Option<Selector> {
    let chain: Option<Vec<Compound>> = text.split_whitespace().map(compound).collect();
    let chain = chain?;
    (!chain.is_empty()).then_some(Selector { chain })
}

/// `.a.b` or `*`; `None` for anything else.
fn compound(text: &str) -> Option<Compound> {
    if text == "*" {
        return Some(Compound {
            classes: Vec::new(),
        });
    }
    let rest = text.strip_prefix('.')?;
    let mut classes = Vec::new();
    for class in split_classes(rest) {
        if class.is_empty() {
            return None;
        }
        classes.push(class);
    }
    Some(Compound { classes })
}

/// `a.b\+\+.c` → `a`, `b++`, `c`: classes split on unescaped dots, escapes undone.
fn split_classes(text: &str) -> Vec<String> {
    let mut classes = vec![String::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(last)) = (chars.next(), classes.last_mut()) {
                    last.push(next);
                }
            }
            '.' => classes.push(String::new()),
            c if c.is_alphanumeric() || c == '-' || c == '_' => {
                if let Some(last) = classes.last_mut() {
                    last.push(c);
                }
            }
            // A pseudo-class, an attribute selector, an id: not this subset.
            _ => return vec![String::new()],
        }
    }
    classes
}

fn declarations(body: &str) -> Vec<Declaration> {
    body.split(';')
        .filter_map(|d| d.split_once(':'))
        .map(|(p, v)| Declaration {
            property: p.trim().to_ascii_lowercase(),
            value: v.trim().to_string(),
        })
        .filter(|d| !d.property.is_empty() && !d.value.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subset_is_read_and_the_rest_left_out() {
        let rules = parse(
            "/* x */ .hl-a.hl-b, .hl-c * { color: var(--k); font-style: italic }\n\
             @media (prefers-color-scheme: dark) { .hl-a { color: red } }\n\
             .hl-source.hl-c\\+\\+ .hl-keyword { color: #123456; }\n\
             pre .hl-x { color: blue } .hl-y:hover { color: blue } .hl-z { }",
        );
        assert_eq!(rules.len(), 3, "{rules:?}");
        assert_eq!(rules[0].selectors[0].chain[0].classes, ["hl-a", "hl-b"]);
        assert_eq!(rules[0].selectors[1].chain.len(), 2);
        assert!(rules[0].selectors[1].chain[1].classes.is_empty(), "`*`");
        assert_eq!(rules[0].declarations[1].value, "italic");
        assert_eq!(
            rules[1].selectors[0].chain[0].classes,
            ["hl-source", "hl-c++"]
        );
        assert_eq!(rules[1].selectors[0].specificity(), 3);
        assert!(rules[2].declarations.is_empty());
    }
}
