//! TeX formulas (`$…$` and `$$…$$`) to MathML Core at build time, so pages show math without
//! JavaScript. The conversion is math-core's; what it expresses by inline styles
//! (alignment in `aligned` and `cases`, rules in `array`, …) is rewritten as classes
//! ([`MATH_CSS`]), as the site's Content-Security-Policy forbids `style` attributes.

use math_core::{LatexError, LatexToMathML, MathCoreConfig, MathDisplay, PrettyPrint};
use roxmltree::Node;

use super::xml::{self, Element};
use crate::render::escape;

/// MathML's namespace, which every element of a formula is in.
const MATHML: &str = "http://www.w3.org/1998/Math/MathML";

/// Why a formula could not become MathML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MathError {
    /// One sentence, naming what in the TeX could not be read.
    pub(crate) message: String,
    /// The byte offset in the TeX where the problem is, when math-core says.
    pub(crate) offset: Option<usize>,
}

impl MathError {
    /// The help line for the warning: what to check, and what pamphlet cannot read at all.
    pub(crate) fn help(&self) -> &'static str {
        "check the braces, the \\begin{…} and \\end{…} pairs and the command names; pamphlet \
         reads the LaTeX math KaTeX reads, less \\newcommand, \\boxed, \\phantom, \\substack, \
         \\textcolor and smallmatrix"
    }
}

impl std::fmt::Display for MathError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The classes the theme needs for formulas: each stands for one inline style math-core
/// writes, with the same declarations. Colours are not among them: `\color` is dropped
/// rather than kept as a fixed colour that would fail the contrast of one scheme or the other.
pub(crate) const MATH_CSS: &str = "\
/* TeX formulas: math-core's inline styles, as classes (the CSP forbids inline styles). */
.math-left { text-align: left; justify-items: start; }
.math-right { text-align: right; justify-items: end; }
.math-flush-left { padding-left: 0; }
.math-flush-right { padding-right: 0; }
.math-flush-y { padding-top: 0; padding-bottom: 0; }
.math-cases-gap { padding-left: 1em; }
.math-rule-gap { padding-left: 0.1em; padding-right: 0.1em; }
.math-rule-left { border-left: 0.05em solid currentcolor; }
.math-rule-left-dashed { border-left: 0.05em dashed currentcolor; }
.math-rule-right { border-right: 0.05em solid currentcolor; }
.math-rule-right-dashed { border-right: 0.05em dashed currentcolor; }
.math-cfrac { padding-top: 0.1667em; }
.math-full-width { width: 100%; }
.math-tag-narrow { width: 7.5%; }
.math-tag-wide { width: 50%; }
.math-hidden { visibility: hidden; }
.math-small-caps { font-variant-caps: small-caps; }
";

/// Each declaration math-core writes in a `style` attribute (property, value with single
/// spaces), and the class in [`MATH_CSS`] that says the same. Declarations not here are
/// dropped: `color` (see [`MATH_CSS`]) and the `width` of an `<mspace>` in `rem`, which
/// math-core repeats in a style only for an old Firefox and which its `width` attribute keeps.
const STYLE_CLASSES: &[(&str, &str, &str)] = &[
    ("text-align", "left", "math-left"),
    ("justify-items", "start", "math-left"),
    ("text-align", "right", "math-right"),
    ("justify-items", "end", "math-right"),
    ("padding-left", "0", "math-flush-left"),
    ("padding-right", "0", "math-flush-right"),
    ("padding-top", "0", "math-flush-y"),
    ("padding-bottom", "0", "math-flush-y"),
    ("padding-left", "1em", "math-cases-gap"),
    ("padding-left", "0.1em", "math-rule-gap"),
    ("padding-right", "0.1em", "math-rule-gap"),
    ("border-left", "0.05em solid currentcolor", "math-rule-left"),
    (
        "border-left",
        "0.05em dashed currentcolor",
        "math-rule-left-dashed",
    ),
    (
        "border-right",
        "0.05em solid currentcolor",
        "math-rule-right",
    ),
    (
        "border-right",
        "0.05em dashed currentcolor",
        "math-rule-right-dashed",
    ),
    ("padding-top", "0.1667em", "math-cfrac"),
    ("width", "100%", "math-full-width"),
    ("width", "7.5%", "math-tag-narrow"),
    ("width", "50%", "math-tag-wide"),
    ("visibility", "hidden", "math-hidden"),
    ("font-variant-caps", "small-caps", "math-small-caps"),
];

/// The longest TeX one formula may be, in bytes: far more than any formula of an essay, and
/// small enough that math-core's recursion stays within [`STACK`] whatever the TeX.
const MAX_BYTES: usize = 8 * 1024;

/// The deepest that groups (`{…}`, `\left…\right`, `\begin…\end`) may nest in a formula.
const MAX_DEPTH: usize = 64;

/// The stack math-core runs on. Its parser recurses once a level of nesting, a few KiB a
/// level, so a formula nested hundreds deep would overflow a thread's usual 2 MiB and abort
/// the whole build (or `serve`): it gets a thread of its own with room for the worst formula
/// [`MAX_BYTES`] and [`MAX_DEPTH`] let through (which needs under 32 MiB in a debug build,
/// far less in a release one). Only the pages of it that are touched are ever committed.
const STACK: usize = 64 << 20;

/// Formulas at most this long and this deep (nearly every formula) convert on the caller's
/// stack, as starting a thread costs tens of times the conversion: the worst of them needs
/// well under the 2 MiB Rust gives a thread by default (under 1 MiB in a debug build).
const SMALL_BYTES: usize = 128;
const SMALL_DEPTH: usize = 16;

/// The MathML of one formula: `<math display="block|inline">`, its content and the TeX it came
/// from in `<semantics>` (an `<annotation encoding="application/x-tex">`), with no `style`
/// attribute anywhere. TeX that math-core cannot read is an error naming the problem.
pub(crate) fn to_mathml(tex: &str, display: bool) -> Result<String, MathError> {
    let depth = check_size(tex)?;
    let mathml = if tex.len() <= SMALL_BYTES && depth <= SMALL_DEPTH {
        std::panic::catch_unwind(|| convert(tex, display)).map_err(|_| failed())??
    } else {
        convert_on_own_stack(tex, display)?
    };
    let document = roxmltree::Document::parse(&mathml).map_err(|e| MathError {
        message: format!("math-core wrote MathML that is not well-formed ({e}), a bug to report"),
        offset: None,
    })?;
    let root = document.root_element();
    if root.tag_name().name() != "math" {
        return Err(MathError {
            message: format!(
                "math-core wrote a `<{}>` where a `<math>` belongs, a bug to report",
                root.tag_name().name()
            ),
            offset: None,
        });
    }
    Ok(semantics(root, tex, display))
}

/// Refuses TeX too long or too deeply nested to convert safely (see [`STACK`]); for the rest,
/// how deep its groups nest.
fn check_size(tex: &str) -> Result<usize, MathError> {
    if tex.len() > MAX_BYTES {
        return Err(MathError {
            message: format!(
                "the formula is {} bytes long, and pamphlet reads formulas of up to {MAX_BYTES}",
                tex.len()
            ),
            offset: None,
        });
    }
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut rest = tex.char_indices();
    while let Some((offset, c)) = rest.next() {
        let opens = match c {
            '{' => true,
            '}' => false,
            '\\' => {
                let name: String = rest
                    .clone()
                    .take_while(|(_, c)| c.is_ascii_alphabetic())
                    .map(|(_, c)| c)
                    .collect();
                // A command's name, or the one character it escapes (`\{` is no group).
                rest.nth(name.len().max(1) - 1);
                match name.as_str() {
                    "left" | "begin" => true,
                    "right" | "end" => false,
                    _ => continue,
                }
            }
            _ => continue,
        };
        depth = if opens {
            depth + 1
        } else {
            depth.saturating_sub(1)
        };
        if depth > MAX_DEPTH {
            return Err(MathError {
                message: format!("the formula nests groups more than {MAX_DEPTH} deep"),
                offset: Some(offset),
            });
        }
        deepest = deepest.max(depth);
    }
    Ok(deepest)
}

/// [`convert`] on a thread with a [`STACK`] of its own; a panic in math-core is an error too.
fn convert_on_own_stack(tex: &str, display: bool) -> Result<String, MathError> {
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("math-core".into())
            .stack_size(STACK)
            .spawn_scoped(scope, || convert(tex, display))
            .map_err(|e| MathError {
                message: format!("no thread could be started for the formula: {e}"),
                offset: None,
            })?;
        thread.join().map_err(|_| failed())?
    })
}

/// What a panic in math-core is reported as.
fn failed() -> MathError {
    MathError {
        message: "math-core failed on the formula, a bug to report".into(),
        offset: None,
    }
}

/// math-core's MathML for `tex`: `<math>` and the content, without the TeX (math-core would
/// indent every level of the content when asked for the annotation, and a deep formula's
/// indentation grows with the square of its depth).
fn convert(tex: &str, display: bool) -> Result<String, MathError> {
    let config = MathCoreConfig {
        pretty_print: PrettyPrint::Never,
        xml_namespace: true,
        ..MathCoreConfig::default()
    };
    // Without macros, math-core has nothing to refuse in its configuration.
    let converter = LatexToMathML::new(config).map_err(|(e, _, _)| error(tex, &e))?;
    let display = if display {
        MathDisplay::Block
    } else {
        MathDisplay::Inline
    };
    converter
        .convert_with_local_counter(tex, display)
        .map_err(|e| error(tex, &e))
}

/// The page's `<math>`: math-core's content (in one `<mrow>` if it is several elements, as
/// `<semantics>` holds one) and the TeX as its annotation.
fn semantics(math: Node, tex: &str, display: bool) -> String {
    let display = if display { "block" } else { "inline" };
    let mut out = format!("<math xmlns=\"{MATHML}\" display=\"{display}\"><semantics>");
    let children: Vec<Node> = math.children().filter(|c| c.is_element()).collect();
    let row = children.len() != 1;
    if row {
        out.push_str("<mrow>");
    }
    for child in children {
        out.push_str(&xml::write(child, Some(MATHML), &mut rewrite));
    }
    if row {
        out.push_str("</mrow>");
    }
    out.push_str("<annotation encoding=\"application/x-tex\">");
    out.push_str(&escape::xml(tex));
    out.push_str("</annotation></semantics></math>");
    out
}

/// math-core's error as a sentence of pamphlet's: lower-case, without a full stop.
fn error(tex: &str, e: &LatexError) -> MathError {
    let text = e.error_message();
    let text = text.trim_end_matches('.');
    let mut chars = text.chars();
    let text = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::from("no reason given"),
    };
    MathError {
        message: format!("the formula cannot be read: {text}"),
        offset: Some(e.0.start.min(tex.len())),
    }
}

/// One element as written to the page: its attributes, with what `style` said as classes.
fn rewrite<'a>(element: Node<'_, 'a>) -> Element<'a> {
    let mut attributes = Vec::new();
    let mut classes: Vec<&str> = Vec::new();
    for attribute in element.attributes() {
        match attribute.name() {
            "style" => classes.extend(style_classes(attribute.value())),
            "class" => classes.extend(attribute.value().split_whitespace()),
            name => attributes.push((name, attribute.value().to_string())),
        }
    }
    classes.dedup();
    if !classes.is_empty() {
        attributes.push(("class", classes.join(" ")));
    }
    Element::Keep(attributes)
}

/// The classes that say what a `style` attribute of math-core's says, each once.
fn style_classes(style: &str) -> Vec<&'static str> {
    let mut classes = Vec::new();
    for (property, value) in declarations(style) {
        let class = STYLE_CLASSES
            .iter()
            .find(|(p, v, _)| *p == property && *v == value)
            .map(|(_, _, class)| *class);
        if let Some(class) = class.filter(|c| !classes.contains(c)) {
            classes.push(class);
        }
    }
    classes
}

/// The declarations of a `style` attribute: property, and value with single spaces.
fn declarations(style: &str) -> impl Iterator<Item = (&str, String)> {
    style.split(';').filter_map(|declaration| {
        let (property, value) = declaration.split_once(':')?;
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        Some((property.trim(), value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks what every formula must be, then lays the MathML out a tag a line for its
    /// snapshot.
    fn checked(tex: &str, display: bool) -> String {
        let mathml = to_mathml(tex, display).unwrap_or_else(|e| panic!("{tex}: {e}"));
        assert_well_formed_without_style(&mathml, tex, display);
        format!("{tex}\n\n{}", mathml.replace("><", ">\n<"))
    }

    /// Parses the MathML with a real XML parser: one `<math>` in MathML's namespace with its
    /// display, no `style` attribute or element, and the TeX kept in its annotation.
    fn assert_well_formed_without_style(mathml: &str, tex: &str, display: bool) {
        let document = roxmltree::Document::parse(mathml)
            .unwrap_or_else(|e| panic!("{tex}: not well-formed: {e}\n{mathml}"));
        let math = document.root_element();
        assert_eq!(math.tag_name().namespace(), Some(MATHML));
        assert_eq!(math.tag_name().name(), "math");
        let expected = if display { "block" } else { "inline" };
        assert_eq!(math.attribute("display"), Some(expected));
        for node in math.descendants().filter(|n| n.is_element()) {
            assert_ne!(node.tag_name().name(), "style", "{tex}");
            assert!(node.attribute("style").is_none(), "{tex}: {mathml}");
        }
        let semantics = math.first_element_child().unwrap();
        assert_eq!(semantics.tag_name().name(), "semantics");
        let annotation = semantics.last_element_child().unwrap();
        assert_eq!(annotation.attribute("encoding"), Some("application/x-tex"));
        assert_eq!(annotation.text(), Some(tex).filter(|t| !t.is_empty()));
        assert_eq!(semantics.children().filter(|n| n.is_element()).count(), 2);
    }

    macro_rules! formula {
        ($name:ident, $tex:expr) => {
            formula!($name, $tex, true);
        };
        ($name:ident, $tex:expr, $display:expr) => {
            #[test]
            fn $name() {
                insta::assert_snapshot!(checked($tex, $display));
            }
        };
    }

    formula!(euler_identity, r"e^{i\pi} + 1 = 0");
    formula!(integral_of_a_square, r"\int_0^1 x^2\,dx = \frac{1}{3}");
    formula!(fraction, r"\frac{a+b}{c-d}");
    formula!(continued_fraction, r"\cfrac{1}{1+\cfrac{1}{x}}");
    formula!(quadratic_formula, r"x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}");
    formula!(sum_with_limits, r"\sum_{k=1}^{n} k = \frac{n(n+1)}{2}");
    formula!(
        integral_with_limits,
        r"\int_{-\infty}^{\infty} e^{-x^2}\,dx = \sqrt{\pi}"
    );
    formula!(
        limit,
        r"\lim_{n \to \infty} \left(1 + \frac{1}{n}\right)^n = e"
    );
    formula!(pmatrix, r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}");
    formula!(bmatrix, r"\begin{bmatrix} 1 & 0 \\ 0 & 1 \end{bmatrix}");
    formula!(
        aligned,
        r"\begin{aligned} (a+b)^2 &= a^2 + 2ab + b^2 \\ &\geq 4ab \end{aligned}"
    );
    formula!(
        cases,
        r"|x| = \begin{cases} x & \text{if } x \geq 0 \\ -x & \text{otherwise} \end{cases}"
    );
    formula!(
        greek,
        r"\alpha, \beta, \gamma, \delta, \varepsilon, \lambda, \varphi, \omega, \Gamma, \Delta, \Omega"
    );
    formula!(
        accents,
        r"\hat{x} + \vec{v} + \bar{z} + \tilde{a} + \dot{y}"
    );
    formula!(spacing, r"a\,b\;c\quad d\qquad e");
    formula!(text, r"f(x) = 0 \text{ for all } x < 0");
    // math-core writes the spaces of `\text` as no-break spaces, which browsers keep at a
    // token's edges: "if x", not "ifx".
    formula!(
        text_with_outer_spaces,
        r"\text{if }x \text{  and  } y\text{ }"
    );
    formula!(blackboard_bold, r"x \in \mathbb{R}^n, \; n \in \mathbb{N}");
    formula!(
        operatorname,
        r"\operatorname{rank}(A) + \operatorname{tr}(B)"
    );
    formula!(sub_and_superscripts, r"x_i^2 + a_{n+1}^{k-1} + e^{x^2}");
    formula!(
        left_and_right,
        r"\left( \frac{a}{b} \right) \left[ x \right] \left\{ y \mid y > 0 \right\}"
    );
    formula!(roots, r"\sqrt{2} \sqrt[3]{x}");
    formula!(binomial, r"\binom{n}{k} = \frac{n!}{k!\,(n-k)!}");
    formula!(
        relations,
        r"\forall x \exists y : a \leq b \neq c \approx d \Rightarrow \partial f \to \infty"
    );
    formula!(
        array_with_rules,
        r"\left[\begin{array}{cc|c} 1 & 2 & 3 \\ 4 & 5 & 6 \end{array}\right]"
    );
    formula!(
        numbered_align,
        r"\begin{align} a &= b \\ c &= d \end{align}"
    );
    formula!(colour_is_dropped, r"\color{red} x + y");
    formula!(small_caps_text, r"\textsc{Fourier}");
    formula!(inline, r"a^2 + b^2 = c^2", false);
    formula!(escaped_in_the_annotation, r"a < b \;\&\; c > d");
    formula!(empty, "", false);

    #[test]
    fn malformed_tex_is_an_error_naming_the_problem_where_it_is() {
        let cases = [
            (
                r"\frac{1}",
                "the formula cannot be read: expected argument but reached end of input",
                Some(8),
            ),
            (
                r"\begin{aligned} x &= 1",
                "the formula cannot be read: expected token \"\\end{...}\", but not found",
                Some(22),
            ),
            (
                r"x + \foo",
                "the formula cannot be read: unknown command \"\\foo\"",
                Some(4),
            ),
            (
                r"a & b",
                "the formula cannot be read: got \"&\", which may only appear in a table-like \
                 environment",
                Some(2),
            ),
            (
                r"\left( x",
                "the formula cannot be read: expected token \"\\right\", but not found",
                Some(8),
            ),
            (
                r"x_1_2",
                "the formula cannot be read: duplicate subscript or superscript",
                Some(3),
            ),
            (
                r"}",
                "the formula cannot be read: unmatched closing token: \"}\"",
                Some(0),
            ),
        ];
        for (tex, message, offset) in cases {
            let error = to_mathml(tex, true).unwrap_err();
            assert_eq!(
                error,
                MathError {
                    message: message.to_string(),
                    offset
                },
                "{tex}"
            );
            assert!(!error.help().is_empty());
        }
    }

    #[test]
    fn a_formula_too_long_or_nested_too_deep_is_an_error_not_a_crash() {
        let long = "x+".repeat(MAX_BYTES / 2 + 1);
        let error = to_mathml(&long, true).unwrap_err();
        assert_eq!(
            error.message,
            "the formula is 8194 bytes long, and pamphlet reads formulas of up to 8192"
        );
        let deep = format!("{}x{}", "{".repeat(200), "}".repeat(200));
        let error = to_mathml(&deep, true).unwrap_err();
        assert_eq!(error.message, "the formula nests groups more than 64 deep");
        assert_eq!(error.offset, Some(64));
        let escaped = format!(r"{}x", r"\{".repeat(100));
        assert!(
            to_mathml(&escaped, true).is_ok(),
            r"\{{ opens no group, so it does not count"
        );
    }

    /// The worst TeX the limits let through: as deep as allowed, the rest of the bytes a chain
    /// of commands each the argument of the one before. It must come back, Ok or Err.
    #[test]
    fn the_worst_formula_within_the_limits_does_not_overflow_the_stack() {
        let opening = [r"\frac{1}{", r"\left(", "{", r"\sqrt{", r"\begin{pmatrix}"];
        let closing = ["}", r"\right)", "}", "}", r"\end{pmatrix}"];
        for (open, close) in opening.iter().zip(closing) {
            for chain in [r"\hat", r"\sqrt", r"\frac1"] {
                let mut tex = open.repeat(MAX_DEPTH);
                let room = MAX_BYTES - tex.len() - close.len() * MAX_DEPTH - 1;
                tex.push_str(&chain.repeat(room / chain.len()));
                tex.push('x');
                tex.push_str(&close.repeat(MAX_DEPTH));
                assert!(tex.len() <= MAX_BYTES);
                let _ = to_mathml(&tex, true);
            }
        }
    }

    /// The worst TeX that converts on the caller's stack does so on a thread's usual 2 MiB.
    #[test]
    fn the_worst_small_formula_fits_a_usual_stack() {
        let opening = [r"\frac{1}{", "{", r"\left(", r"\sqrt{"];
        let closing = ["}", "}", r"\right)", "}"];
        let mut worst = Vec::new();
        for (open, close) in opening.iter().zip(closing) {
            for depth in [0, 4, SMALL_DEPTH] {
                let mut tex = open.repeat(depth);
                let room = SMALL_BYTES.saturating_sub(tex.len() + close.len() * depth + 1);
                tex.push_str(&r"\hat".repeat(room / 4));
                tex.push('x');
                tex.push_str(&close.repeat(depth));
                if tex.len() <= SMALL_BYTES {
                    worst.push(tex);
                }
            }
        }
        assert!(worst.len() >= 8, "{worst:?}");
        let thread = std::thread::Builder::new().stack_size(2 << 20);
        let converted = thread.spawn(move || {
            for tex in &worst {
                assert!(check_size(tex).unwrap() <= SMALL_DEPTH, "{tex}");
                let _ = to_mathml(tex, true);
            }
        });
        converted.unwrap().join().unwrap();
    }

    /// What math-core writes in `style` attributes across the TeX that makes it write them:
    /// each declaration has its class, or is one dropped on purpose.
    #[test]
    fn every_style_math_core_writes_is_a_class_or_dropped_on_purpose() {
        let styled = [
            r"\begin{aligned} a &= b \\ &= c \end{aligned}",
            r"\begin{cases} a & b \\ c & d \end{cases}",
            r"\begin{array}{|l|c:r|} a & b & c \end{array}",
            r"\begin{align} a &= b \end{align}",
            r"\begin{gather} a \\ b \end{gather}",
            r"\begin{multline} a \\ b \\ c \end{multline}",
            r"\begin{subarray}{l} a \\ b \end{subarray}",
            r"\cfrac{1}{x} \mathstrut \textsc{a} \hspace{1cm} \color{blue} y",
        ];
        let dropped = |property: &str, value: &str| {
            property == "color" || (property == "width" && value.ends_with("rem"))
        };
        for tex in styled {
            let raw = convert(tex, true).unwrap_or_else(|e| panic!("{tex}: {e}"));
            let document = roxmltree::Document::parse(&raw).unwrap();
            for style in document.descendants().filter_map(|n| n.attribute("style")) {
                for (property, value) in declarations(style) {
                    let known = STYLE_CLASSES
                        .iter()
                        .any(|(p, v, _)| *p == property && *v == value);
                    assert!(
                        known || dropped(property, &value),
                        "{tex}: {property}: {value}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_class_has_its_rule_in_the_theme_css() {
        for (property, value, class) in STYLE_CLASSES {
            let rule = MATH_CSS
                .lines()
                .find(|line| line.starts_with(&format!(".{class} ")))
                .unwrap_or_else(|| panic!("no rule for .{class}"));
            assert!(rule.contains(&format!("{property}: {value};")), "{rule}");
        }
    }

    #[test]
    fn style_declarations_become_each_class_once() {
        assert_eq!(
            style_classes("text-align: left;justify-items: start;padding-left:1em; color:#f00"),
            ["math-left", "math-cases-gap"]
        );
        assert_eq!(
            style_classes("border-right: 0.05em  solid currentcolor;"),
            ["math-rule-right"]
        );
        assert!(style_classes("").is_empty());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        /// Any TeX-like text converts, or is an error whose offset lies within it.
        #[test]
        fn any_tex_is_mathml_without_style_or_an_error(
            tex in r"(\\(frac|sqrt|left|right|begin|end|text|hat|mathbb|foo)|[{}()\[\]^_&|x1 ]|\\\\){0,24}"
        ) {
            match to_mathml(&tex, true) {
                Ok(mathml) => assert_well_formed_without_style(&mathml, &tex, true),
                Err(error) => {
                    proptest::prop_assert!(!error.message.is_empty());
                    proptest::prop_assert!(error.offset.is_none_or(|o| o <= tex.len()));
                }
            }
        }
    }
}
