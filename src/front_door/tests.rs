use super::*;

fn redirect(from: &str, to: &str) -> Redirect {
    Redirect {
        from: from.into(),
        to: to.into(),
    }
}

fn rules(redirects: usize) -> EdgeRules {
    EdgeRules {
        headers: security_headers(&Config::default()),
        redirects: (0..redirects)
            .map(|i| redirect(&format!("/old/{i}/"), &format!("/blog/{i}/")))
            .collect(),
    }
}

#[test]
fn a_redirect_matches_every_form_a_reader_may_request_without_the_leading_slash() {
    let folder = redirect("/old/path/", "/blog/new/");
    assert_eq!(
        folder.request_paths(),
        ["old/path/", "old/path", "old/path/index.html"]
    );
    assert_eq!(
        redirect("/feed.xml", "/rss.xml").request_paths(),
        ["feed.xml"]
    );
}

#[test]
fn the_csp_header_is_the_meta_tags_policy_and_frame_ancestors() {
    let config = Config::default();
    let headers = security_headers(&config);
    let meta = crate::render::csp::Policy::new(&config.security).to_header_value();
    assert_eq!(headers[0].name, "Content-Security-Policy");
    assert_eq!(headers[0].value, format!("{meta}; frame-ancestors 'none'"));
    let names: Vec<&str> = headers.iter().map(|h| h.name).collect();
    assert_eq!(
        names,
        [
            "Content-Security-Policy",
            "Strict-Transport-Security",
            "X-Content-Type-Options",
            "Referrer-Policy",
            "Permissions-Policy"
        ]
    );
    assert_eq!(
        headers[1].value,
        "max-age=63072000; includeSubDomains; preload"
    );
}

#[test]
fn the_template_has_a_headers_rule_of_five_actions_and_a_rule_per_redirect() {
    let template = arm::template(&rules(2));
    let resources = template["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 4, "{template:#}");
    assert_eq!(resources[0]["type"], "Microsoft.Cdn/profiles/ruleSets");
    let headers = &resources[1]["properties"];
    // Front Door allows five actions a rule: the headers fit in one.
    assert_eq!(headers["actions"].as_array().unwrap().len(), 5);
    assert_eq!(headers["matchProcessingBehavior"], "Continue");
    assert_eq!(headers["order"], 1);
    let first = &resources[2]["properties"];
    assert_eq!(first["order"], 2);
    assert_eq!(
        first["conditions"][0]["parameters"]["matchValues"],
        serde_json::json!(["old/0/", "old/0", "old/0/index.html"])
    );
    let action = &first["actions"][0]["parameters"];
    assert_eq!(
        (&action["redirectType"], &action["customPath"]),
        (&serde_json::json!("Moved"), &serde_json::json!("/blog/0/"))
    );
}

#[test]
fn many_redirects_spill_into_more_rule_sets_of_at_most_a_hundred_rules() {
    let template = arm::template(&rules(250));
    let resources = template["resources"].as_array().unwrap();
    let sets: Vec<&str> = resources
        .iter()
        .filter(|r| r["type"] == "Microsoft.Cdn/profiles/ruleSets")
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(sets.len(), 3, "{sets:?}");
    assert!(sets[1].contains("'2'"), "{}", sets[1]);
    let rules_in = |set: &str| {
        resources
            .iter()
            .filter(|r| r["dependsOn"][0].as_str().is_some_and(|d| d.contains(set)))
            .count()
    };
    assert_eq!(rules_in("'ruleSetName'))]"), RULES_PER_SET);
    assert_eq!(rules_in("'2')"), RULES_PER_SET);
    assert_eq!(rules_in("'3')"), 51);
}

#[test]
fn values_that_look_like_arm_expressions_stay_literal() {
    assert_eq!(arm::literal("[odd]/"), "[[odd]/");
    assert_eq!(arm::literal("/plain/"), "/plain/");
}

#[test]
fn the_script_is_valid_shell_and_quotes_every_value() {
    let mut tricky = rules(1);
    tricky.redirects.push(redirect("/it's/", "/x/"));
    let script = az::script(&tricky, "A title; rm -rf /\nnext");
    let checked = std::process::Command::new("sh")
        .args(["-n", "-c", &script])
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    assert!(
        script.contains("--header-value 'default-src '\\''self'\\''"),
        "{script}"
    );
    assert!(script.contains("--match-values 'it'\\''s/' 'it'\\''s' 'it'\\''s/index.html'"));
    assert_eq!(script.matches("az afd rule action add").count(), 4);
    assert_eq!(script.matches("--rule-name Redirect").count(), 2);
    assert!(!script.contains("rm -rf /\nnext"));
}
