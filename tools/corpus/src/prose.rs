//! Sentences and titles from a small grammar: noun phrases, verbs that agree with their
//! subjects, prepositional phrases and joined clauses. The result reads like English with the
//! meaning taken out, which is all a static site generator can tell apart.

use crate::rng::Rng;
use crate::words::vocabulary;

/// A noun's plural, or a verb's third person singular: the same regular rule.
pub fn inflect_s(word: &str) -> String {
    if let Some(stem) = consonant_y(word) {
        format!("{stem}ies")
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|end| word.ends_with(end))
    {
        format!("{word}es")
    } else {
        format!("{word}s")
    }
}

/// A verb's past tense.
pub fn past(verb: &str) -> String {
    if let Some(stem) = consonant_y(verb) {
        format!("{stem}ied")
    } else if verb.ends_with('e') {
        format!("{verb}d")
    } else {
        format!("{verb}ed")
    }
}

/// A verb's `-ing` form.
pub fn gerund(verb: &str) -> String {
    match verb.strip_suffix('e') {
        Some(stem) if !stem.ends_with('e') => format!("{stem}ing"),
        _ => format!("{verb}ing"),
    }
}

/// The word without its final `y`, when a consonant comes before it (`policy` → `polic`).
fn consonant_y(word: &str) -> Option<&str> {
    let stem = word.strip_suffix('y')?;
    let before = stem.chars().last()?;
    (!"aeiou".contains(before)).then_some(stem)
}

/// The word with its first letter in upper case.
pub fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `a` or `an`, as the next word needs.
fn article(next: &str) -> &'static str {
    if next.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// A noun phrase (`the stale caches`, `an honest editor`) and whether it is plural.
fn noun_phrase(rng: &mut Rng, words: &mut Vec<String>) -> bool {
    let v = vocabulary();
    let plural = rng.chance(0.4);
    let adjective = rng.chance(0.45).then(|| rng.word(&v.adjectives));
    let noun = rng.word(&v.nouns);
    let first = adjective.unwrap_or(noun);
    let determiner = if plural {
        rng.word(&v.plural_determiners)
    } else {
        match rng.word(&v.singular_determiners) {
            "a" => article(first),
            other => other,
        }
    };
    words.push(determiner.to_string());
    words.extend(adjective.map(str::to_string));
    words.push(if plural {
        inflect_s(noun)
    } else {
        noun.to_string()
    });
    plural
}

/// A clause: a subject, maybe an adverb, a verb agreeing with the subject, an object, and
/// sometimes a prepositional phrase. Its words carry no punctuation.
pub fn clause(rng: &mut Rng) -> Vec<String> {
    let v = vocabulary();
    let mut words = Vec::with_capacity(12);
    let plural = noun_phrase(rng, &mut words);
    if rng.chance(0.2) {
        words.push(rng.word(&v.adverbs).to_string());
    }
    let verb = rng.word(&v.verbs);
    words.push(if plural {
        verb.to_string()
    } else {
        inflect_s(verb)
    });
    noun_phrase(rng, &mut words);
    if rng.chance(0.45) {
        words.push(rng.word(&v.prepositions).to_string());
        noun_phrase(rng, &mut words);
    }
    words
}

/// A sentence without markup: one or two clauses, capitalised, ending with a period.
pub fn plain_sentence(rng: &mut Rng) -> String {
    let mut text = clause(rng).join(" ");
    if rng.chance(0.4) {
        let conjunction = rng.word(&vocabulary().conjunctions);
        text = format!("{text}, {conjunction} {}", clause(rng).join(" "));
    }
    format!("{}.", capitalize(&text))
}

/// A title or heading, in title case, from one of a few patterns.
pub fn title(rng: &mut Rng) -> String {
    let v = vocabulary();
    let adjective = |rng: &mut Rng| capitalize(rng.word(&v.adjectives));
    let noun = |rng: &mut Rng| capitalize(rng.word(&v.nouns));
    let nouns = |rng: &mut Rng| capitalize(&inflect_s(rng.word(&v.nouns)));
    let verb = |rng: &mut Rng| rng.word(&v.verbs);
    match rng.below(8) {
        0 => format!(
            "{} {} and {} {}",
            adjective(rng),
            nouns(rng),
            adjective(rng),
            nouns(rng)
        ),
        1 => format!(
            "Why {} {} {}",
            nouns(rng),
            capitalize(verb(rng)),
            nouns(rng)
        ),
        2 => format!(
            "{} the {} {}",
            capitalize(&gerund(verb(rng))),
            adjective(rng),
            noun(rng)
        ),
        3 => format!("On {} {}", adjective(rng), nouns(rng)),
        4 => format!("How We {} Our {}", capitalize(&past(verb(rng))), noun(rng)),
        5 => format!("The {} {} {}", adjective(rng), noun(rng), noun(rng)),
        6 => format!(
            "{} {} the {}",
            nouns(rng),
            capitalize(rng.word(&v.prepositions)),
            noun(rng)
        ),
        _ => format!("When {} {}", nouns(rng), capitalize(verb(rng))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflections_follow_the_regular_rules() {
        let cases = [
            ("policy", "policies"),
            ("key", "keys"),
            ("patch", "patches"),
        ];
        for (word, plural) in cases {
            assert_eq!(inflect_s(word), plural);
        }
        assert_eq!(inflect_s("fix"), "fixes");
        assert_eq!(past("verify"), "verified");
        assert_eq!(past("deploy"), "deployed");
        assert_eq!(past("serve"), "served");
        assert_eq!(past("harden"), "hardened");
        assert_eq!(gerund("rotate"), "rotating");
        assert_eq!(gerund("simplify"), "simplifying");
        assert_eq!(capitalize("essay"), "Essay");
    }

    #[test]
    fn articles_agree_with_the_next_word() {
        let mut rng = Rng::for_post(9, 9);
        for _ in 0..2_000 {
            let words = clause(&mut rng);
            for pair in words.windows(2) {
                if pair[0] == "a" {
                    assert!(!pair[1].starts_with(['a', 'e', 'i', 'o', 'u']), "{words:?}");
                }
                if pair[0] == "an" {
                    assert!(pair[1].starts_with(['a', 'e', 'i', 'o', 'u']), "{words:?}");
                }
            }
        }
    }
}
