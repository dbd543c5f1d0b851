//! Fenced code blocks: a few lines of Rust, Python, JavaScript, shell, JSON or YAML, with the
//! names and numbers drawn afresh for each block.
//!
//! No snippet may put two braces side by side (`{{`) or a brace before `%` or `#`: template
//! engines that scan content for shortcodes would read them as their own syntax.

use crate::prose::{capitalize, inflect_s};
use crate::rng::Rng;
use crate::words::vocabulary;

/// The languages code blocks are written in.
pub const LANGUAGES: &[&str] = &["rust", "python", "javascript", "bash", "json", "yaml"];

/// A fenced code block in one of [`LANGUAGES`].
pub fn code_block(rng: &mut Rng) -> String {
    let language = *rng.pick(LANGUAGES);
    let variant = rng.chance(0.5);
    let code = match language {
        "rust" => rust(rng, variant),
        "python" => python(rng, variant),
        "javascript" => javascript(rng, variant),
        "bash" => bash(rng, variant),
        "json" => json(rng, variant),
        _ => yaml(rng, variant),
    };
    format!("```{language}\n{code}\n```")
}

fn ident(rng: &mut Rng) -> &'static str {
    rng.word(&vocabulary().identifiers)
}

fn noun(rng: &mut Rng) -> &'static str {
    rng.word(&vocabulary().nouns)
}

fn rust(rng: &mut Rng, variant: bool) -> String {
    if variant {
        let (name, base, cap) = (ident(rng), rng.between(10, 900), rng.between(3, 9));
        return format!(
            "/// How long to wait before attempt number `attempt`.\n\
             fn {name}(attempt: u32) -> std::time::Duration {{\n    \
             let base: u64 = {base};\n    \
             std::time::Duration::from_millis(base << attempt.min({cap}))\n}}"
        );
    }
    let kind = capitalize(noun(rng));
    let (field, count) = (ident(rng), ident(rng));
    let (adjective, limit) = (rng.word(&vocabulary().adjectives), rng.between(1, 500));
    format!(
        "#[derive(Debug, Clone, PartialEq)]\nstruct {kind} {{\n    \
         {field}: String,\n    {count}: u64,\n}}\n\n\
         impl {kind} {{\n    fn is_{adjective}(&self) -> bool {{\n        \
         self.{count} > {limit}\n    }}\n}}"
    )
}

fn python(rng: &mut Rng, variant: bool) -> String {
    if variant {
        let (name, things, size) = (ident(rng), inflect_s(noun(rng)), rng.between(64, 4096));
        return format!(
            "from pathlib import Path\n\n\
             def {name}(root: Path) -> int:\n    \
             \"\"\"Counts the {things} under root.\"\"\"\n    \
             return sum(1 for p in root.rglob(\"*.md\") if p.stat().st_size > {size})"
        );
    }
    let (kind, field) = (capitalize(noun(rng)), ident(rng));
    let (verb, limit) = (rng.word(&vocabulary().verbs), rng.between(2, 99));
    format!(
        "class {kind}:\n    def __init__(self, {field}, limit={limit}):\n        \
         self.{field} = {field}\n        self.limit = limit\n\n    \
         def {verb}(self):\n        return self.{field}[: self.limit]"
    )
}

fn javascript(rng: &mut Rng, variant: bool) -> String {
    if variant {
        let (map, verb, kind) = (ident(rng), rng.word(&vocabulary().verbs), noun(rng));
        let limit = rng.between(16, 1024);
        return format!(
            "const {map} = new Map();\n\n\
             export function {verb}{}(key, value) {{\n  \
             if ({map}.size > {limit}) {map}.clear();\n  \
             {map}.set(key, value);\n  return value;\n}}",
            capitalize(kind)
        );
    }
    let (field, count) = (noun(rng), rng.between(1, 60));
    format!(
        "document.querySelectorAll(\"a[href^='https:']\").forEach((link) => {{\n  \
         link.rel = \"noopener\";\n  link.dataset.{field} = \"{count}\";\n}});"
    )
}

fn bash(rng: &mut Rng, variant: bool) -> String {
    if variant {
        let (level, things) = (rng.between(1, 9), inflect_s(noun(rng)));
        return format!(
            "#!/bin/sh\nset -eu\nfor f in public/*.html; do\n  \
             gzip -{level} --keep \"$f\"\ndone\necho \"compressed the {things}\""
        );
    }
    let v = vocabulary();
    let (var, value, folder) = (rng.word(&v.env_vars), rng.between(1, 9000), noun(rng));
    format!(
        "export {var}={value}\n\
         rsync -a --delete \"public/\" \"backup/{folder}/\" && echo \"${var} kept\""
    )
}

fn json(rng: &mut Rng, variant: bool) -> String {
    let v = vocabulary();
    if variant {
        let (key, value, limit) = (noun(rng), ident(rng), rng.between(1, 999));
        let (first, second) = (rng.word(&v.tags), rng.word(&v.tags));
        return format!(
            "{{\n  \"{key}\": \"{value}\",\n  \"limit\": {limit},\n  \
             \"enabled\": true,\n  \"tags\": [\"{first}\", \"{second}\"]\n}}"
        );
    }
    let (name, attempts, delay) = (ident(rng), rng.between(1, 8), rng.between(50, 5000));
    format!(
        "{{\n  \"name\": \"{name}\",\n  \"retry\": {{\n    \
         \"attempts\": {attempts},\n    \"backoff_ms\": {delay}\n  }}\n}}"
    )
}

fn yaml(rng: &mut Rng, variant: bool) -> String {
    let v = vocabulary();
    if variant {
        let (section, key, value) = (noun(rng), ident(rng), rng.between(1, 64));
        let (mode, first, second) = (
            rng.word(&v.adjectives),
            rng.word(&v.hosts),
            rng.word(&v.hosts),
        );
        return format!(
            "{section}:\n  {key}: {value}\n  mode: {mode}\n  hosts:\n    - {first}\n    - {second}"
        );
    }
    let verb = rng.word(&v.verbs);
    format!(
        "on:\n  push:\n    branches: [main]\njobs:\n  {verb}:\n    runs-on: ubuntu-latest\n    \
         steps:\n      - uses: actions/checkout@v4\n      - run: make {verb}"
    )
}
