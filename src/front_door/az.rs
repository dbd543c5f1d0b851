//! The rule set as `az afd` commands: a POSIX shell script for those who keep their
//! infrastructure in the Azure CLI rather than in templates.

use std::fmt::Write as _;

use super::{EdgeRules, Redirect, redirect_sets, rule_set_name};

/// Every command's first arguments: the profile, from the environment.
const WHERE: &str = "--resource-group \"$RESOURCE_GROUP\" --profile-name \"$PROFILE\"";

/// The script. It reads `RESOURCE_GROUP` and `PROFILE` (and `RULE_SET`, default `pamphlet`)
/// from the environment and stops at the first command that fails.
pub fn script(rules: &EdgeRules, title: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "#!/bin/sh");
    let _ = writeln!(
        s,
        "# The Front Door Standard/Premium rule set for {}, written by `pamphlet headers --front-door`.",
        one_line(title)
    );
    s.push_str(
        "# Run it with RESOURCE_GROUP and PROFILE set, then attach the rule set to the site's route.\n\
         set -eu\n\
         : \"${RESOURCE_GROUP:?set RESOURCE_GROUP to the Front Door profile's resource group}\"\n\
         : \"${PROFILE:?set PROFILE to the Front Door Standard/Premium profile's name}\"\n\
         RULE_SET=\"${RULE_SET:-pamphlet}\"\n",
    );
    let mut number = 0;
    for (index, redirects) in redirect_sets(&rules.redirects).into_iter().enumerate() {
        let set = shell_set(index);
        let _ = writeln!(s, "\naz afd rule-set create {WHERE} --rule-set-name {set}");
        let mut order = 1;
        if index == 0 {
            headers_rule(&mut s, rules, &set);
            order += 1;
        }
        for redirect in redirects {
            number += 1;
            redirect_rule(&mut s, redirect, &set, number, order);
            order += 1;
        }
    }
    s
}

fn headers_rule(s: &mut String, rules: &EdgeRules, set: &str) {
    for (i, header) in rules.headers.iter().enumerate() {
        let command = if i == 0 {
            "rule create --order 1 --match-processing-behavior Continue"
        } else {
            "rule action add"
        };
        let _ = writeln!(
            s,
            "az afd {command} {WHERE} --rule-set-name {set} --rule-name SecurityHeaders \\\n  \
             --action-name ModifyResponseHeader --header-action Overwrite \\\n  \
             --header-name {} --header-value {}",
            quote(header.name),
            quote(&header.value)
        );
    }
}

fn redirect_rule(s: &mut String, redirect: &Redirect, set: &str, number: usize, order: usize) {
    let paths: Vec<String> = redirect.request_paths().iter().map(|p| quote(p)).collect();
    let _ = writeln!(
        s,
        "az afd rule create {WHERE} --rule-set-name {set} --rule-name Redirect{number} \\\n  \
         --order {order} --match-processing-behavior Stop \\\n  \
         --match-variable UrlPath --operator Equal --match-values {} \\\n  \
         --action-name UrlRedirect --redirect-type Moved --redirect-protocol MatchRequest \\\n  \
         --custom-path {}",
        paths.join(" "),
        quote(&redirect.to)
    );
}

/// The shell word naming the `index`-th rule set.
fn shell_set(index: usize) -> String {
    let name = rule_set_name("$RULE_SET", index);
    format!("\"{name}\"")
}

/// `text` as one single-quoted shell word.
pub(super) fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
