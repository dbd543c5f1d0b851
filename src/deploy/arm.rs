//! Azure Resource Manager tokens for the Front Door purge. object_store's token providers only
//! ask for storage, so the same four Entra ID ways are spoken here for another resource: the
//! client-credentials grant with a secret or a federated assertion, the managed identity
//! endpoint, and `az account get-access-token`.

use super::error::{DeployError, first_sentence, json_string};
use super::identity::Identity;

const PUBLIC_AUTHORITY: &str = "https://login.microsoftonline.com";
const METADATA_ENDPOINT: &str = "http://169.254.169.254/metadata/identity/oauth2/token";

/// An access token for `resource` (such as `https://management.azure.com`) as `identity`.
pub(super) async fn token(
    http: &reqwest::Client,
    identity: &Identity,
    resource: &str,
) -> Result<String, DeployError> {
    let refused = |reason: String| DeployError::SignIn {
        identity: format!("{} (for Azure Resource Manager)", identity.describe()),
        reason,
    };
    let scope = format!("{resource}/.default");
    let request = match identity {
        Identity::ClientSecret { app, secret } => http.post(token_url(app)).form(&[
            ("client_id", app.client_id.as_str()),
            ("client_secret", secret.as_str()),
            ("scope", scope.as_str()),
            ("grant_type", "client_credentials"),
        ]),
        Identity::Workload { app, token_file } => {
            let assertion = std::fs::read_to_string(token_file)
                .map_err(|_| refused("the federated token file cannot be read".into()))?;
            http.post(token_url(app)).form(&[
                ("client_id", app.client_id.as_str()),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", assertion.trim()),
                ("scope", scope.as_str()),
                ("grant_type", "client_credentials"),
            ])
        }
        Identity::Managed {
            client_id,
            endpoint,
        } => {
            let mut query = vec![("api-version", "2019-08-01"), ("resource", resource)];
            if let Some(id) = client_id {
                query.push(("client_id", id));
            }
            let mut request = http
                .get(endpoint.as_deref().unwrap_or(METADATA_ENDPOINT))
                .query(&query)
                .header("Metadata", "true");
            if let Ok(header) = std::env::var("IDENTITY_HEADER") {
                request = request.header("X-IDENTITY-HEADER", header);
            }
            request
        }
        Identity::AzureCli => return azure_cli_token(resource).map_err(refused),
    };
    let reply = request
        .send()
        .await
        .map_err(|_| refused("the token endpoint did not answer".into()))?;
    let status = reply.status();
    let body = reply.text().await.unwrap_or_default();
    if !status.is_success() {
        let reason = json_string(&body, "error_description")
            .map(|d| first_sentence(&d))
            .unwrap_or_else(|| format!("the token endpoint answered {status}"));
        return Err(refused(reason));
    }
    json_string(&body, "access_token")
        .ok_or_else(|| refused("the token endpoint's answer holds no token".into()))
}

fn token_url(app: &super::identity::App) -> String {
    let authority = app.authority_host.as_deref().unwrap_or(PUBLIC_AUTHORITY);
    format!("{authority}/{}/oauth2/v2.0/token", app.tenant_id)
}

/// Blocks while `az` runs: nothing else is in flight once the uploads are done.
fn azure_cli_token(resource: &str) -> Result<String, String> {
    let output = std::process::Command::new("az")
        .args([
            "account",
            "get-access-token",
            "--output",
            "json",
            "--resource",
            resource,
        ])
        .output()
        .map_err(|_| "the Azure CLI (`az`) is not installed".to_string())?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr
            .lines()
            .next()
            .unwrap_or("no reason given")
            .to_string();
        return Err(format!(
            "`az account get-access-token` failed ({first}); run `az login`"
        ));
    }
    json_string(&String::from_utf8_lossy(&output.stdout), "accessToken")
        .ok_or_else(|| "the Azure CLI's answer holds no token".to_string())
}
