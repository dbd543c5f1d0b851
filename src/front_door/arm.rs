//! The rule set as an ARM template, ready for
//! `az deployment group create --template-file … --parameters profileName=…` (and for
//! `az bicep decompile`, which turns it into Bicep).

use serde_json::{Value, json};

use super::{EdgeRules, Header, Redirect, redirect_sets};

/// The API version of `Microsoft.Cdn` the resources are written for.
const API_VERSION: &str = "2024-02-01";

/// The template: one rule set (more when the redirects outgrow one), a rule sending the
/// headers on every response, and a rule per redirect.
pub fn template(rules: &EdgeRules) -> Value {
    let mut resources = Vec::new();
    let mut number = 0;
    for (index, redirects) in redirect_sets(&rules.redirects).into_iter().enumerate() {
        let set = set_expression(index);
        resources.push(json!({
            "type": "Microsoft.Cdn/profiles/ruleSets",
            "apiVersion": API_VERSION,
            "name": format!("[concat(parameters('profileName'), '/', {set})]"),
        }));
        let mut order = 1;
        if index == 0 {
            let actions: Vec<Value> = rules.headers.iter().map(header_action).collect();
            resources.push(rule(
                &set,
                "SecurityHeaders",
                order,
                &[],
                &actions,
                "Continue",
            ));
            order += 1;
        }
        for redirect in redirects {
            number += 1;
            let name = format!("Redirect{number}");
            let condition = url_path_condition(redirect);
            let action = redirect_action(redirect);
            resources.push(rule(&set, &name, order, &[condition], &[action], "Stop"));
            order += 1;
        }
    }
    json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "profileName": {
                "type": "string",
                "metadata": { "description": "The Front Door Standard/Premium profile" }
            },
            "ruleSetName": {
                "type": "string",
                "defaultValue": "pamphlet",
                "metadata": { "description": "The rule set to create; attach it to the site's route" }
            }
        },
        "resources": resources,
    })
}

/// The ARM expression naming the `index`-th rule set (see [`super::rule_set_name`]).
fn set_expression(index: usize) -> String {
    if index == 0 {
        "parameters('ruleSetName')".to_string()
    } else {
        format!("concat(parameters('ruleSetName'), '{}')", index + 1)
    }
}

fn rule(
    set: &str,
    name: &str,
    order: usize,
    conditions: &[Value],
    actions: &[Value],
    then: &str,
) -> Value {
    json!({
        "type": "Microsoft.Cdn/profiles/ruleSets/rules",
        "apiVersion": API_VERSION,
        "name": format!("[concat(parameters('profileName'), '/', {set}, '/{name}')]"),
        "dependsOn": [
            format!("[resourceId('Microsoft.Cdn/profiles/ruleSets', parameters('profileName'), {set})]")
        ],
        "properties": {
            "order": order,
            "conditions": conditions,
            "actions": actions,
            "matchProcessingBehavior": then,
        }
    })
}

fn header_action(header: &Header) -> Value {
    json!({
        "name": "ModifyResponseHeader",
        "parameters": {
            "typeName": "DeliveryRuleHeaderActionParameters",
            "headerAction": "Overwrite",
            "headerName": header.name,
            "value": literal(&header.value),
        }
    })
}

fn url_path_condition(redirect: &Redirect) -> Value {
    let paths: Vec<String> = redirect
        .request_paths()
        .iter()
        .map(|p| literal(p))
        .collect();
    json!({
        "name": "UrlPath",
        "parameters": {
            "typeName": "DeliveryRuleUrlPathMatchConditionParameters",
            "operator": "Equal",
            "negateCondition": false,
            "matchValues": paths,
            "transforms": [],
        }
    })
}

fn redirect_action(redirect: &Redirect) -> Value {
    json!({
        "name": "UrlRedirect",
        "parameters": {
            "typeName": "DeliveryRuleUrlRedirectActionParameters",
            "redirectType": "Moved",
            "destinationProtocol": "MatchRequest",
            "customPath": literal(&redirect.to),
        }
    })
}

/// `text` as an ARM string that is never read as an expression: ARM evaluates a string that
/// starts with `[`, unless it starts with `[[`.
pub(super) fn literal(text: &str) -> String {
    if text.starts_with('[') {
        format!("[{text}")
    } else {
        text.to_string()
    }
}
