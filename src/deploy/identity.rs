//! Keyless sign-in: the Entra ID identities deploy can act as, read from the variables the Azure
//! Identity SDKs and `azure/login` use. object_store fetches and renews their tokens; this module
//! only decides which identity it is and how to name it in a message.

use std::path::PathBuf;

use object_store::azure::MicrosoftAzureBuilder;

use super::error::DeployError;

/// The application (client) id of a service principal or a user-assigned managed identity.
pub const CLIENT_ID_VAR: &str = "AZURE_CLIENT_ID";
/// The directory (tenant) id the application belongs to.
pub const TENANT_ID_VAR: &str = "AZURE_TENANT_ID";
/// A service principal's client secret.
pub const CLIENT_SECRET_VAR: &str = "AZURE_CLIENT_SECRET";
/// A file holding a federated token (GitHub Actions OIDC, AKS workload identity).
pub const FEDERATED_TOKEN_FILE_VAR: &str = "AZURE_FEDERATED_TOKEN_FILE";
/// Entra ID's address in a sovereign cloud, such as `https://login.chinacloudapi.cn`.
pub const AUTHORITY_HOST_VAR: &str = "AZURE_AUTHORITY_HOST";
/// App Service, Functions and Container Apps give their managed identity's endpoint here.
pub const IDENTITY_ENDPOINT_VAR: &str = "IDENTITY_ENDPOINT";

/// An application registered in Entra ID, and where to ask for its tokens.
#[derive(Clone, Debug)]
pub struct App {
    /// `AZURE_CLIENT_ID`.
    pub client_id: String,
    /// `AZURE_TENANT_ID`.
    pub tenant_id: String,
    /// `AZURE_AUTHORITY_HOST` without a trailing `/`, or Azure's public cloud when unset.
    pub authority_host: Option<String>,
}

/// An Entra ID identity whose tokens object_store gets and renews.
#[derive(Clone)]
pub enum Identity {
    /// A federated token from a file exchanged for an access token: workload identity.
    Workload {
        /// The application the token was issued for.
        app: App,
        /// Read again by object_store at each renewal, as AKS rotates it.
        token_file: PathBuf,
    },
    /// A service principal with a client secret.
    ClientSecret {
        /// The service principal's application.
        app: App,
        /// The secret itself: never shown.
        secret: String,
    },
    /// The managed identity of the machine: the instance metadata endpoint, or `IDENTITY_ENDPOINT`.
    Managed {
        /// A user-assigned identity's client id; `None` for the system-assigned one.
        client_id: Option<String>,
        /// `IDENTITY_ENDPOINT`, when the platform gives one.
        endpoint: Option<String>,
    },
    /// Whoever is signed in to the Azure CLI.
    AzureCli,
}

impl Identity {
    /// Who this is, in words a message can use: never a secret.
    pub fn describe(&self) -> String {
        match self {
            Identity::Workload { app, .. } => {
                format!("the workload identity of application {}", app.client_id)
            }
            Identity::ClientSecret { app, .. } => {
                format!("service principal {}", app.client_id)
            }
            Identity::Managed {
                client_id: Some(id),
                ..
            } => format!("managed identity {id}"),
            Identity::Managed {
                client_id: None, ..
            } => "this machine's system-assigned managed identity".into(),
            Identity::AzureCli => "the Azure CLI's signed-in account".into(),
        }
    }

    /// What `az role assignment create --assignee` takes for this identity, where it is known.
    pub fn assignee(&self) -> &str {
        match self {
            Identity::Workload { app, .. } | Identity::ClientSecret { app, .. } => &app.client_id,
            Identity::Managed {
                client_id: Some(id),
                ..
            } => id,
            Identity::Managed {
                client_id: None, ..
            } => "<the machine's principal id>",
            Identity::AzureCli => "<your user name>",
        }
    }

    /// Where this identity came from, for the hint in a refusal.
    pub fn variables(&self) -> &'static str {
        match self {
            Identity::Workload { .. } => {
                "AZURE_CLIENT_ID, AZURE_TENANT_ID and the token in AZURE_FEDERATED_TOKEN_FILE"
            }
            Identity::ClientSecret { .. } => {
                "AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET"
            }
            Identity::Managed {
                endpoint: Some(_), ..
            } => "IDENTITY_ENDPOINT",
            Identity::Managed { endpoint: None, .. } => "the instance metadata endpoint",
            Identity::AzureCli => "`az login`",
        }
    }

    /// Values to scrub from any text shown: the client secret, and the federated token.
    pub(crate) fn secrets(&self) -> Vec<String> {
        match self {
            Identity::ClientSecret { secret, .. } => vec![secret.clone()],
            Identity::Workload { token_file, .. } => std::fs::read_to_string(token_file)
                .map(|t| vec![t.trim().to_string()])
                .unwrap_or_default(),
            Identity::Managed { .. } | Identity::AzureCli => Vec::new(),
        }
    }

    /// Hands the identity to object_store, which fetches the tokens when the first request needs one.
    pub(crate) fn configure(&self, builder: MicrosoftAzureBuilder) -> MicrosoftAzureBuilder {
        match self {
            Identity::Workload { app, token_file } => app
                .configure(builder)
                .with_federated_token_file(token_file.to_string_lossy())
                .with_credential_type("workload_identity"),
            Identity::ClientSecret { app, secret } => app
                .configure(builder)
                .with_client_secret(secret)
                .with_credential_type("client_secret"),
            Identity::Managed {
                client_id,
                endpoint,
            } => {
                let mut builder = builder.with_credential_type("managed_identity");
                if let Some(id) = client_id {
                    builder = builder.with_client_id(id);
                }
                if let Some(endpoint) = endpoint {
                    builder = builder.with_msi_endpoint(endpoint);
                }
                builder
            }
            Identity::AzureCli => builder.with_credential_type("azure_cli"),
        }
    }
}

impl App {
    fn configure(&self, builder: MicrosoftAzureBuilder) -> MicrosoftAzureBuilder {
        let builder = builder
            .with_client_id(&self.client_id)
            .with_tenant_id(&self.tenant_id);
        match &self.authority_host {
            Some(host) => builder.with_authority_host(host),
            None => builder,
        }
    }

    /// The application named by `AZURE_CLIENT_ID` and `AZURE_TENANT_ID`, both required by `way`.
    pub(crate) fn from_parts(
        client_id: Option<&String>,
        tenant_id: Option<&String>,
        authority_host: Option<&String>,
        way: &str,
    ) -> Result<App, DeployError> {
        let missing: Vec<&str> = [(client_id, CLIENT_ID_VAR), (tenant_id, TENANT_ID_VAR)]
            .into_iter()
            .filter(|(value, _)| value.is_none())
            .map(|(_, name)| name)
            .collect();
        let (Some(client_id), Some(tenant_id)) = (client_id, tenant_id) else {
            return Err(DeployError::Config(format!(
                "signing in with {way} also needs {}; set {} to the application's ids, as the portal's App registrations page shows them",
                missing.join(" and "),
                if missing.len() == 1 { "it" } else { "them" }
            )));
        };
        let authority_host = authority_host
            .map(|host| check_authority_host(host))
            .transpose()?;
        Ok(App {
            client_id: client_id.clone(),
            tenant_id: tenant_id.clone(),
            authority_host,
        })
    }
}

/// An authority host must be an https URL: a client secret or federated token is sent to it.
fn check_authority_host(host: &str) -> Result<String, DeployError> {
    let host = host.trim_end_matches('/');
    let rest = host.strip_prefix("https://").unwrap_or_default();
    if rest.is_empty() || rest.contains(['?', '#', '@']) {
        return Err(DeployError::Config(format!(
            "{AUTHORITY_HOST_VAR} must be an https URL such as https://login.microsoftonline.com, so that no secret travels unencrypted"
        )));
    }
    Ok(host.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(client: Option<&str>, tenant: Option<&str>, host: Option<&str>) -> Result<App, String> {
        let owned = |v: Option<&str>| v.map(String::from);
        App::from_parts(
            owned(client).as_ref(),
            owned(tenant).as_ref(),
            owned(host).as_ref(),
            "a client secret",
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn an_app_needs_both_ids_and_says_which_is_missing() {
        let e = app(Some("c"), None, None).unwrap_err();
        assert!(e.contains("also needs AZURE_TENANT_ID; set it"), "{e}");
        let e = app(None, None, None).unwrap_err();
        assert!(
            e.contains("AZURE_CLIENT_ID and AZURE_TENANT_ID; set them"),
            "{e}"
        );
        let ok = app(
            Some("c"),
            Some("t"),
            Some("https://login.chinacloudapi.cn/"),
        )
        .unwrap();
        assert_eq!(
            ok.authority_host.as_deref(),
            Some("https://login.chinacloudapi.cn")
        );
    }

    #[test]
    fn an_authority_host_must_be_https() {
        for bad in [
            "http://login.example",
            "login.example",
            "https://",
            "https://u@x",
        ] {
            let e = app(Some("c"), Some("t"), Some(bad)).unwrap_err();
            assert!(e.contains("must be an https URL"), "{bad}: {e}");
        }
    }

    #[test]
    fn descriptions_never_hold_the_secret() {
        let identity = Identity::ClientSecret {
            app: App {
                client_id: "11111111-2222".into(),
                tenant_id: "t".into(),
                authority_host: None,
            },
            secret: "s3cr3t-value".into(),
        };
        let shown = format!(
            "{} {} {}",
            identity.describe(),
            identity.assignee(),
            identity.variables()
        );
        assert!(shown.contains("11111111-2222"), "{shown}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert_eq!(identity.secrets(), vec!["s3cr3t-value".to_string()]);
    }
}
