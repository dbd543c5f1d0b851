//! Purging Azure Front Door's cache of exactly what a deploy changed or deleted, through the
//! Resource Manager purge API (`afdEndpoints/{endpoint}/purge`) and its asynchronous-operation
//! polling, so a deploy is visible at once instead of when the edge's copies expire.

use std::time::{Duration, Instant};

use crate::config::FrontDoorConfig;
use crate::model::url::url_of;

use super::arm;
use super::error::{DeployError, json_string};
use super::identity::Identity;
use super::plan::{Reason, Upload};

/// The purge API version, the same the rule set's template uses.
const API_VERSION: &str = "2024-02-01";
/// The most paths Front Door takes in one purge request.
pub(super) const BATCH: usize = 100;
/// How long a purge may take before deploy stops waiting (Azure's usually take minutes).
const PATIENCE: Duration = Duration::from_secs(30 * 60);

/// What purging needs: the endpoint, who signs in, and a client trusting the same authorities.
pub(super) struct Purger {
    front_door: FrontDoorConfig,
    identity: Identity,
    http: reqwest::Client,
}

/// How a purge went.
#[derive(Debug, Clone)]
pub(super) struct Purged {
    /// Waited for and done, with how long it took; `None` with `--no-wait`.
    pub took: Option<Duration>,
}

impl Purger {
    /// Checks `[deploy.front_door]` before anything is uploaded.
    pub(super) fn new(
        front_door: &FrontDoorConfig,
        identity: Identity,
        http: reqwest::Client,
    ) -> Result<Purger, DeployError> {
        let missing: Vec<&str> = [
            ("subscription", &front_door.subscription),
            ("resource_group", &front_door.resource_group),
            ("profile", &front_door.profile),
            ("endpoint", &front_door.endpoint),
        ]
        .into_iter()
        .filter(|(_, value)| value.trim().is_empty())
        .map(|(key, _)| key)
        .collect();
        if !missing.is_empty() {
            return Err(DeployError::Config(format!(
                "[deploy.front_door] in site.toml needs {} to purge the edge's cache",
                missing.join(", ")
            )));
        }
        let management = front_door.management_endpoint.trim();
        if !management.is_empty() && !management.starts_with("https://") {
            return Err(DeployError::Config(
                "management_endpoint under [deploy.front_door] must be an https address".into(),
            ));
        }
        Ok(Purger {
            front_door: front_door.clone(),
            identity,
            http,
        })
    }

    /// Azure Resource Manager's address, without a trailing `/`.
    fn management(&self) -> String {
        match self.front_door.management_endpoint.trim() {
            "" => "https://management.azure.com".to_string(),
            given => given.trim_end_matches('/').to_string(),
        }
    }

    /// `az afd endpoint purge` for everything, for the user to run when a purge failed.
    pub(super) fn by_hand(&self) -> String {
        let fd = &self.front_door;
        format!(
            "az afd endpoint purge --resource-group {} --profile-name {} --endpoint-name {} --content-paths '/*'",
            fd.resource_group, fd.profile, fd.endpoint
        )
    }

    /// Purges `paths` in batches, then (unless `no_wait`) waits until Front Door says done.
    pub(super) async fn purge(&self, paths: &[String], no_wait: bool) -> Result<Purged, String> {
        let start = Instant::now();
        let token = arm::token(&self.http, &self.identity, &self.management())
            .await
            .map_err(|e| e.to_string())?;
        let mut operations = Vec::new();
        for batch in paths.chunks(BATCH) {
            operations.push(self.request(&token, batch).await?);
        }
        if !no_wait {
            for operation in operations.iter().flatten() {
                self.wait(&token, operation, start).await?;
            }
        }
        Ok(Purged {
            took: (!no_wait).then(|| start.elapsed()),
        })
    }

    /// One purge request; the operation to poll, when Azure gives one.
    async fn request(&self, token: &str, batch: &[String]) -> Result<Option<String>, String> {
        let fd = &self.front_door;
        let url = format!(
            "{}/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Cdn/profiles/{}/afdEndpoints/{}/purge?api-version={API_VERSION}",
            self.management(),
            fd.subscription,
            fd.resource_group,
            fd.profile,
            fd.endpoint
        );
        let mut body = serde_json::json!({ "contentPaths": batch });
        if !fd.domains.is_empty() {
            body["domains"] = serde_json::json!(fd.domains);
        }
        let reply = self
            .http
            .post(&url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .map_err(|_| "Azure Resource Manager did not answer".to_string())?;
        let status = reply.status();
        let operation = ["azure-asyncoperation", "location"]
            .iter()
            .find_map(|name| reply.headers().get(*name)?.to_str().ok().map(String::from));
        let text = reply.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(arm_refusal(status, &text, &self.identity));
        }
        Ok(operation)
    }

    /// Polls an asynchronous operation until it succeeds, fails or takes too long.
    async fn wait(&self, token: &str, operation: &str, start: Instant) -> Result<(), String> {
        loop {
            let reply = self
                .http
                .get(operation)
                .bearer_auth(token)
                .send()
                .await
                .map_err(|_| "Azure Resource Manager stopped answering".to_string())?;
            let after = reply
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
                .unwrap_or(5)
                .min(30);
            let status = reply.status();
            let text = reply.text().await.unwrap_or_default();
            if !status.is_success() {
                return Err(arm_refusal(status, &text, &self.identity));
            }
            match json_string(&text, "status").as_deref() {
                Some("Succeeded") => return Ok(()),
                Some(state @ ("Failed" | "Canceled")) => {
                    let why = json_string(&text, "message").unwrap_or_default();
                    return Err(format!("the purge ended {state} {why}").trim_end().into());
                }
                _ if start.elapsed() > PATIENCE => {
                    return Err("the purge had not finished after 30 minutes".into());
                }
                _ => tokio::time::sleep(Duration::from_secs(after)).await,
            }
        }
    }
}

/// A refusal in Azure's words: its error code, and the role when it is about permission.
fn arm_refusal(status: reqwest::StatusCode, body: &str, identity: &Identity) -> String {
    let code = json_string(body, "code").unwrap_or_else(|| status.to_string());
    match status.as_u16() {
        401 | 403 => format!(
            "Azure Resource Manager refused {} ({code}); it needs the CDN Endpoint Contributor role on the Front Door profile",
            identity.describe()
        ),
        _ => format!("Azure Resource Manager answered {code}"),
    }
}

/// Every address a reader may have requested for the files a deploy changed or deleted: a
/// folder's page as `/x/`, `/x` and `/x/index.html`. New files are left out: nothing was
/// published at their addresses, so the edge holds nothing of theirs unless a cache rule keeps
/// 404 answers.
pub(super) fn paths(uploaded: &[Upload], deleted: &[String]) -> Vec<String> {
    let changed = uploaded
        .iter()
        .filter(|u| u.reason != Reason::New)
        .map(|u| u.path.as_str());
    let mut paths: Vec<String> = changed
        .chain(deleted.iter().map(String::as_str))
        .flat_map(forms)
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

fn forms(path: &str) -> Vec<String> {
    let url = url_of(path);
    match url.strip_suffix('/') {
        Some("") => vec![url, "/index.html".into()],
        Some(folder) => vec![folder.to_string(), format!("{url}index.html"), url],
        None => vec![url],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::plan::Phase;

    fn upload(path: &str, reason: Reason) -> Upload {
        Upload {
            path: path.into(),
            phase: Phase::Page,
            reason,
            size: 1,
        }
    }

    #[test]
    fn every_form_of_each_changed_or_deleted_address_and_no_new_one() {
        let uploaded = [
            upload("index.html", Reason::Changed),
            upload("blog/a/index.html", Reason::Headers),
            upload("blog/new/index.html", Reason::New),
            upload("rss.xml", Reason::Forced),
        ];
        let got = paths(&uploaded, &["old/index.html".to_string()]);
        assert_eq!(
            got,
            [
                "/",
                "/blog/a",
                "/blog/a/",
                "/blog/a/index.html",
                "/index.html",
                "/old",
                "/old/",
                "/old/index.html",
                "/rss.xml"
            ]
        );
        assert!(paths(&[upload("x.css", Reason::New)], &[]).is_empty());
    }
}
