//! A highlighting palette, applied at build time: the stylesheet's rules over syntect's scope
//! classes (`.hl-keyword.hl-operator`, `.hl-comment *`, …) are resolved for every token the way
//! a browser's cascade would, and each token then carries only a few short classes for the
//! values it ends up with. The HTML keeps one element per run of tokens that look alike instead
//! of one per scope, and the stylesheet one rule per value.

use std::collections::HashMap;
use std::sync::RwLock;

use syntect::parsing::Scope;

use super::css::{self, Rule};
use crate::render::reuse::{Fingerprint, hash_of};

/// The prefix of syntect's scope classes in the theme's stylesheet.
const SCOPE_PREFIX: &str = "hl-";

/// The properties a palette may set on a token.
const PROPERTIES: [&str; 5] = [
    "color",
    "background-color",
    "font-style",
    "font-weight",
    "text-decoration",
];

/// The short class prefix of each property's values, in the order of [`PROPERTIES`].
const CLASS_PREFIXES: [&str; 5] = ["c", "g", "s", "w", "u"];

/// How many distinct scope atoms a palette's selectors may name; atoms past it are not matched
/// (no stylesheet in practice names so many).
const MAX_ATOMS: usize = 512;

/// The scope atoms one element carries, as a bit set over the atoms the selectors name.
type Mask = [u64; MAX_ATOMS / 64];

/// A value of one property, by index into the scheme's table of values.
type ValueId = u16;

/// What an element ends up with, per property.
pub(crate) type Computed = [Option<ValueId>; PROPERTIES.len()];

/// A selector, compiled: each compound as the atoms it needs, the element's last.
struct Chain {
    compounds: Vec<Mask>,
    specificity: usize,
}

/// A rule, compiled: the selectors that match, and the values it sets by property index.
struct CompiledRule {
    chains: Vec<Chain>,
    declarations: Vec<(usize, ValueId)>,
}

/// One scheme's rules (light, or dark for a syntect theme with a dark variant).
struct Scheme {
    rules: Vec<CompiledRule>,
    /// Every value, with its property and the class it is written as.
    values: Vec<Value>,
    /// Rules the palette does not resolve (the `.hl-code` block's base colours), kept as written.
    kept: String,
    /// What the block itself has, per property: a token resolving to the same needs no class.
    base: [Option<String>; PROPERTIES.len()],
}

struct Value {
    property: usize,
    text: String,
    class: String,
}

/// A palette ready to resolve tokens; shared by every thread of a build.
pub struct Palette {
    atoms: HashMap<String, usize>,
    light: Scheme,
    dark: Option<Scheme>,
    masks: RwLock<HashMap<Scope, Mask>>,
    fingerprint: Fingerprint,
}

impl Palette {
    /// A palette from `light` CSS and, for a syntect theme with a dark variant, `dark` CSS.
    pub fn new(light: &str, dark: Option<&str>) -> Palette {
        let mut atoms = HashMap::new();
        let light_scheme = Scheme::compile(&css::parse(light), &mut atoms, "");
        // A dark stylesheet is a media block after the light one: in dark mode both apply,
        // the dark rules winning ties, so the dark scheme is the cascade of the two.
        let dark_scheme = dark.map(|dark| {
            let both = format!("{light}\n{dark}");
            Scheme::compile(&css::parse(&both), &mut atoms, "d")
        });
        Palette {
            atoms,
            light: light_scheme,
            dark: dark_scheme,
            masks: RwLock::new(HashMap::new()),
            fingerprint: hash_of(&(light, dark)),
        }
    }

    /// A hash of the CSS the palette was made from: markdown rendered with another is stale.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The atoms of `scope` that selectors name.
    pub(crate) fn mask(&self, scope: Scope) -> Mask {
        if let Some(mask) = crate::sync::read(&self.masks).get(&scope) {
            return *mask;
        }
        let mut mask = [0; MAX_ATOMS / 64];
        for atom in scope.build_string().split('.') {
            if let Some(&bit) = self.atoms.get(atom) {
                mask[bit / 64] |= 1 << (bit % 64);
            }
        }
        crate::sync::write(&self.masks).insert(scope, mask);
        mask
    }

    /// What the element at the top of `stack` (scope masks, outermost first) ends up with,
    /// given what its parent ended up with, in light and (if any) dark.
    pub(crate) fn compute(&self, stack: &[Mask], parent: &Resolved) -> Resolved {
        Resolved {
            light: self.light.compute(stack, &parent.light),
            dark: self
                .dark
                .as_ref()
                .map(|dark| dark.compute(stack, &parent.dark))
                .unwrap_or_default(),
        }
    }

    /// The classes for what an element resolved to, space-separated; empty when it looks like
    /// the block itself.
    pub(crate) fn classes(&self, resolved: &Resolved) -> String {
        let mut classes: Vec<&str> = self.light.classes(&resolved.light);
        if let Some(dark) = &self.dark {
            classes.extend(dark.classes(&resolved.dark));
        }
        classes.join(" ")
    }

    /// True when what an element resolved to changes only its glyphs (colour, style, weight),
    /// not what is behind or under them, so spaces look the same inside it as outside.
    pub(crate) fn shows_only_glyphs(&self, resolved: &Resolved) -> bool {
        let plain = |computed: &Computed| computed[1].is_none() && computed[4].is_none();
        plain(&resolved.light) && plain(&resolved.dark)
    }

    /// The stylesheet for the palette's classes, scoped to code blocks.
    pub fn css(&self) -> String {
        let mut out = self.light.kept.clone();
        for value in &self.light.values {
            out.push_str(&rule(&value.class, PROPERTIES[value.property], &value.text));
        }
        let Some(dark) = &self.dark else {
            return out;
        };
        out.push_str("@media (prefers-color-scheme: dark) {\n");
        out.push_str(&dark.kept);
        // Light values give way to the block's own in dark mode, then the dark values apply.
        for value in &self.light.values {
            out.push_str(&rule(&value.class, PROPERTIES[value.property], "inherit"));
        }
        for value in &dark.values {
            out.push_str(&rule(&value.class, PROPERTIES[value.property], &value.text));
        }
        out.push_str("}\n");
        out
    }
}

fn rule(class: &str, property: &str, value: &str) -> String {
    format!(".hl-code .{class} {{ {property}: {value}; }}\n")
}

/// What an element resolved to in each scheme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) struct Resolved {
    light: Computed,
    dark: Computed,
}

impl Scheme {
    fn compile(rules: &[Rule], atoms: &mut HashMap<String, usize>, class_prefix: &str) -> Scheme {
        let mut scheme = Scheme {
            rules: Vec::new(),
            values: Vec::new(),
            kept: String::new(),
            base: Default::default(),
        };
        for rule in rules {
            if rule.selectors.iter().all(is_block_rule) {
                scheme.kept.push_str(&block_rule(rule));
                for d in &rule.declarations {
                    if let Some(property) = PROPERTIES.iter().position(|p| *p == d.property) {
                        scheme.base[property] = Some(d.value.clone());
                    }
                }
                continue;
            }
            let chains: Vec<Chain> = rule
                .selectors
                .iter()
                .filter_map(|s| compile_chain(s, atoms))
                .collect();
            let declarations: Vec<(usize, ValueId)> = rule
                .declarations
                .iter()
                .filter_map(|d| {
                    let property = PROPERTIES.iter().position(|p| *p == d.property)?;
                    Some((property, scheme.value(property, &d.value, class_prefix)?))
                })
                .collect();
            if !chains.is_empty() && !declarations.is_empty() {
                scheme.rules.push(CompiledRule {
                    chains,
                    declarations,
                });
            }
        }
        scheme
    }

    /// The classes of what an element resolved to, but for values the block itself has.
    fn classes(&self, computed: &Computed) -> Vec<&str> {
        computed
            .iter()
            .flatten()
            .map(|id| &self.values[usize::from(*id)])
            .filter(|value| self.base[value.property].as_deref() != Some(value.text.as_str()))
            .map(|value| value.class.as_str())
            .collect()
    }

    /// The id of `text` as a value of `property`, added to the table if new.
    fn value(&mut self, property: usize, text: &str, class_prefix: &str) -> Option<ValueId> {
        if let Some(i) = self
            .values
            .iter()
            .position(|v| v.property == property && v.text == text)
        {
            return ValueId::try_from(i).ok();
        }
        let n = self
            .values
            .iter()
            .filter(|v| v.property == property)
            .count();
        let class = format!("{class_prefix}{}{n}", CLASS_PREFIXES[property]);
        self.values.push(Value {
            property,
            text: text.to_string(),
            class,
        });
        ValueId::try_from(self.values.len() - 1).ok()
    }

    /// The cascade for the top element of `stack`: per property, the declaration of the most
    /// specific matching rule (the later one on a tie), else the parent's value.
    fn compute(&self, stack: &[Mask], parent: &Computed) -> Computed {
        let mut best: [Option<(usize, usize, ValueId)>; PROPERTIES.len()] = Default::default();
        for (order, rule) in self.rules.iter().enumerate() {
            let Some(specificity) = rule
                .chains
                .iter()
                .filter(|c| matches(c, stack))
                .map(|c| c.specificity)
                .max()
            else {
                continue;
            };
            for &(property, value) in &rule.declarations {
                let wins = best[property].is_none_or(|(s, o, _)| (specificity, order) >= (s, o));
                if wins {
                    best[property] = Some((specificity, order, value));
                }
            }
        }
        let mut computed = *parent;
        for (property, found) in best.iter().enumerate() {
            if let Some((_, _, value)) = found {
                computed[property] = Some(*value);
            }
        }
        computed
    }
}

/// True for a rule about the block itself (`.hl-code { … }`), which the palette keeps as is.
fn is_block_rule(selector: &css::Selector) -> bool {
    selector.chain.len() == 1 && selector.chain[0].classes == ["hl-code"]
}

fn block_rule(rule: &Rule) -> String {
    let body: Vec<String> = rule
        .declarations
        .iter()
        .map(|d| format!("{}: {};", d.property, d.value))
        .collect();
    format!(".hl-code {{ {} }}\n", body.join(" "))
}

/// A selector as masks; `None` when it names a class that is not a scope class.
fn compile_chain(selector: &css::Selector, atoms: &mut HashMap<String, usize>) -> Option<Chain> {
    let mut compounds = Vec::with_capacity(selector.chain.len());
    for compound in &selector.chain {
        let mut mask = [0; MAX_ATOMS / 64];
        for class in &compound.classes {
            let atom = class.strip_prefix(SCOPE_PREFIX)?;
            let next = atoms.len();
            let bit = *atoms.entry(atom.to_string()).or_insert(next);
            if bit >= MAX_ATOMS {
                return None;
            }
            mask[bit / 64] |= 1 << (bit % 64);
        }
        compounds.push(mask);
    }
    Some(Chain {
        compounds,
        specificity: selector.specificity(),
    })
}

fn contains(element: &Mask, needed: &Mask) -> bool {
    element.iter().zip(needed).all(|(e, n)| e & n == *n)
}

/// Whether `chain` matches the top of `stack`: its last compound the element, each earlier one
/// some ancestor further out (nearest first, as the descendant combinator allows).
fn matches(chain: &Chain, stack: &[Mask]) -> bool {
    let Some((element, ancestors)) = stack.split_last() else {
        return false;
    };
    let Some((last, earlier)) = chain.compounds.split_last() else {
        return false;
    };
    if !contains(element, last) {
        return false;
    }
    let mut above = ancestors.len();
    for needed in earlier.iter().rev() {
        match ancestors[..above].iter().rposition(|a| contains(a, needed)) {
            Some(at) => above = at,
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(s: &str) -> Scope {
        Scope::new(s).unwrap()
    }

    fn classes_of(palette: &Palette, scopes: &[&str]) -> String {
        let mut stack = Vec::new();
        let mut resolved = Resolved::default();
        for s in scopes {
            stack.push(palette.mask(scope(s)));
            resolved = palette.compute(&stack, &resolved);
        }
        palette.classes(&resolved)
    }

    const PALETTE: &str = ".hl-punctuation, .hl-keyword.hl-operator { color: var(--text); }\n\
        .hl-keyword, .hl-storage { color: var(--k); }\n\
        .hl-comment, .hl-comment * { color: var(--c); font-style: italic; }\n";

    #[test]
    fn the_cascade_resolves_as_a_browser_would() {
        let p = Palette::new(PALETTE, None);
        assert_eq!(classes_of(&p, &["source.rust", "storage.type.rust"]), "c1");
        assert_eq!(
            classes_of(&p, &["keyword.operator.rust"]),
            "c0",
            "more specific wins"
        );
        assert_eq!(
            classes_of(&p, &["source.rust"]),
            "",
            "nothing matched: the block's look"
        );
        assert_eq!(
            classes_of(
                &p,
                &["comment.line.rust", "punctuation.definition.comment.rust"]
            ),
            "c2 s0",
            "`.hl-comment *` is as specific as `.hl-punctuation` and comes later"
        );
        assert_eq!(
            classes_of(&p, &["meta.function", "keyword.control"]),
            "c1",
            "an unmatched ancestor changes nothing"
        );
        assert!(p.css().contains(".hl-code .s0 { font-style: italic; }"));
    }

    #[test]
    fn descendant_chains_and_a_dark_scheme() {
        let light = ".hl-code { color: #111; }\n.hl-source.hl-rust .hl-keyword { color: #a00; }\n";
        let dark = ".hl-code { color: #eee; }\n.hl-keyword { color: #f88; font-weight: bold; }\n";
        let p = Palette::new(light, Some(dark));
        // In dark mode both stylesheets apply: the light rule is more specific, and wins.
        assert_eq!(
            classes_of(&p, &["source.rust", "keyword.control"]),
            "c0 dc0 dw0"
        );
        assert_eq!(
            classes_of(&p, &["source.python", "keyword.control"]),
            "dc1 dw0"
        );
        let css = p.css();
        assert!(css.starts_with(".hl-code { color: #111; }"), "{css}");
        assert!(css.contains(".hl-code { color: #eee; }"), "{css}");
        assert!(css.contains(".hl-code .c0 { color: inherit; }"), "{css}");
        assert!(
            css.contains(".hl-code .dw0 { font-weight: bold; }"),
            "{css}"
        );
    }
}
