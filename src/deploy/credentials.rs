//! Where to deploy and with which secret: the account, container and endpoint from site.toml,
//! the secret or identity from the environment only, so it never sits in a file in the repository.

use std::fmt;
use std::path::PathBuf;

use base64::Engine as _;

use crate::config::{DeployAuth, DeployConfig};

use super::error::DeployError;
use super::identity::{
    AUTHORITY_HOST_VAR, App, CLIENT_ID_VAR, CLIENT_SECRET_VAR, FEDERATED_TOKEN_FILE_VAR,
    IDENTITY_ENDPOINT_VAR, Identity, TENANT_ID_VAR,
};

/// A full connection string, as the Azure portal shows it.
pub const CONNECTION_STRING_VAR: &str = "AZURE_STORAGE_CONNECTION_STRING";
/// An account key, for the account named in site.toml.
pub const KEY_VAR: &str = "AZURE_STORAGE_KEY";
/// A SAS token (with or without the leading `?`).
pub const SAS_VAR: &str = "AZURE_STORAGE_SAS_TOKEN";
/// The account name, when site.toml does not give one.
pub const ACCOUNT_VAR: &str = "AZURE_STORAGE_ACCOUNT";
/// Extra certificate authorities to trust (a PEM bundle), as curl and the Azure CLI read it.
pub const CA_FILE_VAR: &str = "SSL_CERT_FILE";

/// Azurite's well-known development account, used by `UseDevelopmentStorage=true`.
const DEV_ACCOUNT: &str = "devstoreaccount1";
const DEV_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const DEV_ENDPOINT: &str = "http://127.0.0.1:10000/devstoreaccount1";

/// The secrets and identities `pamphlet deploy` may use, read from the environment and never
/// printed.
#[derive(Clone, Default)]
pub struct Credentials {
    connection_string: Option<String>,
    key: Option<String>,
    sas: Option<String>,
    account: Option<String>,
    client_id: Option<String>,
    tenant_id: Option<String>,
    client_secret: Option<String>,
    federated_token_file: Option<String>,
    authority_host: Option<String>,
    identity_endpoint: Option<String>,
    ca_file: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |s: &Option<String>| if s.is_some() { "set" } else { "unset" };
        f.debug_struct("Credentials")
            .field("connection_string", &shown(&self.connection_string))
            .field("key", &shown(&self.key))
            .field("sas", &shown(&self.sas))
            .field("account", &self.account)
            .field("client_id", &self.client_id)
            .field("tenant_id", &self.tenant_id)
            .field("client_secret", &shown(&self.client_secret))
            .field("federated_token_file", &self.federated_token_file)
            .field("authority_host", &self.authority_host)
            .field("identity_endpoint", &self.identity_endpoint)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl Credentials {
    /// Reads the storage variables (`AZURE_STORAGE_*`), the Entra ID ones (`AZURE_CLIENT_ID`,
    /// `AZURE_TENANT_ID`, `AZURE_CLIENT_SECRET`, `AZURE_FEDERATED_TOKEN_FILE`,
    /// `AZURE_AUTHORITY_HOST`, `IDENTITY_ENDPOINT`) and `SSL_CERT_FILE`.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the same variables through `lookup`, so tests need not touch the process's environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        Credentials {
            connection_string: get(CONNECTION_STRING_VAR),
            key: get(KEY_VAR),
            sas: get(SAS_VAR),
            account: get(ACCOUNT_VAR),
            client_id: get(CLIENT_ID_VAR),
            tenant_id: get(TENANT_ID_VAR),
            client_secret: get(CLIENT_SECRET_VAR),
            federated_token_file: get(FEDERATED_TOKEN_FILE_VAR),
            authority_host: get(AUTHORITY_HOST_VAR),
            identity_endpoint: get(IDENTITY_ENDPOINT_VAR),
            ca_file: get(CA_FILE_VAR),
        }
    }

    /// An account key alone, as if from `AZURE_STORAGE_KEY`.
    pub fn with_key(key: impl Into<String>) -> Self {
        Credentials {
            key: Some(key.into()),
            ..Credentials::default()
        }
    }

    /// Every secret value, so that text about to be shown can be scrubbed of them.
    pub(crate) fn secrets(&self) -> Vec<String> {
        let mut secrets: Vec<String> = [
            &self.connection_string,
            &self.key,
            &self.sas,
            &self.client_secret,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
        if let Some(cs) = &self.connection_string {
            secrets.extend(
                parse_connection_string(cs)
                    .into_iter()
                    .filter(|(k, _)| {
                        k.eq_ignore_ascii_case("AccountKey")
                            || k.eq_ignore_ascii_case("SharedAccessSignature")
                    })
                    .map(|(_, v)| v),
            );
        }
        secrets
    }
}

/// How requests are signed.
#[derive(Clone)]
pub enum Auth {
    /// Shared Key with the account key (base64).
    Key(String),
    /// A SAS token's query string, without `?`.
    Sas(String),
    /// An Entra ID identity: bearer tokens, no key.
    Entra(Identity),
}

/// A resolved deploy target: where, and with what secret.
#[derive(Clone)]
pub struct Target {
    /// The storage account.
    pub account: String,
    /// The container, usually `$web`.
    pub container: String,
    /// The account's blob endpoint, without a trailing `/`.
    pub endpoint: String,
    /// The secret.
    pub auth: Auth,
    /// The variable the secret came from, to name it when Azure refuses it.
    pub variable: &'static str,
    /// `SSL_CERT_FILE`: certificate authorities to trust besides the system's.
    pub ca_file: Option<PathBuf>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("account", &self.account)
            .field("container", &self.container)
            .field("endpoint", &self.endpoint)
            .field("variable", &self.variable)
            .finish_non_exhaustive()
    }
}

impl Target {
    /// Combines `[deploy]` with the secrets; every problem is one sentence naming what to fix.
    pub fn resolve(
        config: &DeployConfig,
        credentials: &Credentials,
    ) -> Result<Target, DeployError> {
        let cs = ConnectionString::parse(credentials.connection_string.as_deref());
        let account = resolve_account(config, credentials, &cs)?;
        let container = resolve_container(config)?;
        let endpoint = resolve_endpoint(config, &cs, &account);
        check_endpoint(&endpoint)?;
        let (auth, variable) = choose_auth(config.auth, credentials, &cs)?.ok_or_else(|| {
            DeployError::Config(format!(
                "no way to sign in to storage account `{account}`; set {KEY_VAR}, {SAS_VAR} or {CONNECTION_STRING_VAR}, or sign in with Entra ID: {CLIENT_ID_VAR} and {TENANT_ID_VAR} with {FEDERATED_TOKEN_FILE_VAR} or {CLIENT_SECRET_VAR}, or auth = \"managed-identity\" or \"azure-cli\" under [deploy] in site.toml"
            ))
        })?;
        if matches!(auth, Auth::Entra(_)) && endpoint.starts_with("http://") {
            return Err(DeployError::Config(format!(
                "Entra ID tokens are only sent over https, and the blob endpoint is {endpoint}; use its https address"
            )));
        }
        Ok(Target {
            account,
            container,
            endpoint,
            auth: check_auth(auth, variable)?,
            variable,
            ca_file: credentials.ca_file.as_ref().map(PathBuf::from),
        })
    }

    /// The container's URL, for messages: it never holds a secret.
    pub fn url(&self) -> String {
        format!("{}/{}", self.endpoint, self.container)
    }
}

/// The parts of `AZURE_STORAGE_CONNECTION_STRING`, if it is set.
struct ConnectionString {
    parts: Vec<(String, String)>,
    /// `UseDevelopmentStorage=true`: Azurite's well-known account.
    dev: bool,
}

impl ConnectionString {
    fn parse(text: Option<&str>) -> Self {
        let parts = text.map(parse_connection_string).unwrap_or_default();
        let mut cs = ConnectionString { parts, dev: false };
        cs.dev = cs
            .get("UseDevelopmentStorage")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        cs
    }

    /// A part by its case-insensitive name.
    fn get(&self, name: &str) -> Option<String> {
        self.parts
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    fn account(&self) -> Option<String> {
        self.get("AccountName")
            .or_else(|| self.dev.then(|| DEV_ACCOUNT.to_string()))
    }

    /// The secret the connection string holds, if any.
    fn auth(&self) -> Option<(Auth, &'static str)> {
        if let Some(key) = self.get("AccountKey") {
            Some((Auth::Key(key), CONNECTION_STRING_VAR))
        } else if let Some(sas) = self.get("SharedAccessSignature") {
            Some((Auth::Sas(sas), CONNECTION_STRING_VAR))
        } else {
            self.dev
                .then(|| (Auth::Key(DEV_KEY.to_string()), CONNECTION_STRING_VAR))
        }
    }
}

/// The storage account: site.toml's, the connection string's (which must agree), or
/// `AZURE_STORAGE_ACCOUNT`.
fn resolve_account(
    config: &DeployConfig,
    credentials: &Credentials,
    cs: &ConnectionString,
) -> Result<String, DeployError> {
    let account = match (config.account.trim(), cs.account()) {
        ("", Some(a)) => a,
        ("", None) => credentials.account.clone().ok_or_else(|| {
            DeployError::Config(
                "no storage account to deploy to; set `account` under [deploy] in site.toml".into(),
            )
        })?,
        (a, Some(b)) if a != b => {
            return Err(DeployError::Config(format!(
                "site.toml deploys to storage account `{a}` but {CONNECTION_STRING_VAR} is for `{b}`; make them agree"
            )));
        }
        (a, _) => a.to_string(),
    };
    if !account
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        return Err(DeployError::Config(format!(
            "storage account `{account}` is not a valid name (lowercase letters and digits only)"
        )));
    }
    Ok(account)
}

/// The container, `$web` unless site.toml names another valid one.
fn resolve_container(config: &DeployConfig) -> Result<String, DeployError> {
    let container = match config.container.trim() {
        "" => "$web".to_string(),
        c => c.to_string(),
    };
    let plain = (3..=63).contains(&container.len())
        && container
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !plain && container != "$web" && container != "$root" {
        return Err(DeployError::Config(format!(
            "container `{container}` is not a valid name; use `$web` for a static website, or 3 to 63 lowercase letters, digits and hyphens"
        )));
    }
    Ok(container)
}

/// The blob endpoint, without a trailing `/`: site.toml's, the connection string's, Azurite's,
/// or the account's in Azure's public cloud (or the connection string's cloud).
fn resolve_endpoint(config: &DeployConfig, cs: &ConnectionString, account: &str) -> String {
    let endpoint = if !config.endpoint.trim().is_empty() {
        config.endpoint.trim().to_string()
    } else if let Some(blob) = cs.get("BlobEndpoint") {
        blob
    } else if cs.dev {
        DEV_ENDPOINT.to_string()
    } else {
        let protocol = cs
            .get("DefaultEndpointsProtocol")
            .unwrap_or_else(|| "https".into());
        let suffix = cs
            .get("EndpointSuffix")
            .unwrap_or_else(|| "core.windows.net".into());
        format!("{protocol}://{account}.blob.{suffix}")
    };
    endpoint.trim_end_matches('/').to_string()
}

/// The way to sign in that `[deploy] auth` asks for, with the variable it came from; `Ok(None)`
/// when `auto` finds none.
fn choose_auth(
    mode: DeployAuth,
    env: &Credentials,
    cs: &ConnectionString,
) -> Result<Option<(Auth, &'static str)>, DeployError> {
    let needs = |variable: &str| {
        let name = auth_name(mode);
        DeployError::Config(format!(
            "auth = \"{name}\" under [deploy] in site.toml needs {variable} in the environment"
        ))
    };
    let key = || env.key.clone().map(|k| (Auth::Key(k), KEY_VAR));
    let sas = || env.sas.clone().map(|s| (Auth::Sas(s), SAS_VAR));
    let chosen = match mode {
        DeployAuth::Auto => {
            let found = cs.auth().or_else(key).or_else(sas);
            match found {
                Some(found) => Some(found),
                None if env.federated_token_file.is_some() => Some(workload(env)?),
                None if env.client_secret.is_some() => Some(client_secret(env)?),
                None => None,
            }
        }
        DeployAuth::ConnectionString => {
            Some(cs.auth().ok_or_else(|| needs(CONNECTION_STRING_VAR))?)
        }
        DeployAuth::Key => Some(key().ok_or_else(|| needs(KEY_VAR))?),
        DeployAuth::Sas => Some(sas().ok_or_else(|| needs(SAS_VAR))?),
        DeployAuth::WorkloadIdentity => match env.federated_token_file {
            Some(_) => Some(workload(env)?),
            None => return Err(needs(FEDERATED_TOKEN_FILE_VAR)),
        },
        DeployAuth::ClientSecret => match env.client_secret {
            Some(_) => Some(client_secret(env)?),
            None => return Err(needs(CLIENT_SECRET_VAR)),
        },
        DeployAuth::ManagedIdentity => Some((
            Auth::Entra(Identity::Managed {
                client_id: env.client_id.clone(),
                endpoint: env.identity_endpoint.clone(),
            }),
            "[deploy] auth",
        )),
        DeployAuth::AzureCli => Some((Auth::Entra(Identity::AzureCli), "[deploy] auth")),
    };
    Ok(chosen)
}

/// `[deploy] auth` as site.toml spells it.
fn auth_name(mode: DeployAuth) -> &'static str {
    match mode {
        DeployAuth::Auto => "auto",
        DeployAuth::ConnectionString => "connection-string",
        DeployAuth::Key => "key",
        DeployAuth::Sas => "sas",
        DeployAuth::WorkloadIdentity => "workload-identity",
        DeployAuth::ClientSecret => "client-secret",
        DeployAuth::ManagedIdentity => "managed-identity",
        DeployAuth::AzureCli => "azure-cli",
    }
}

/// The Entra ID identity the Front Door purge signs in as: deploy's own, or, when deploy uses a
/// key or SAS (which Azure Resource Manager does not take), a federated token or client secret
/// from the environment.
pub(super) fn arm_identity(auth: &Auth, env: &Credentials) -> Result<Identity, DeployError> {
    let found = match auth {
        Auth::Entra(identity) => return Ok(identity.clone()),
        Auth::Key(_) | Auth::Sas(_) if env.federated_token_file.is_some() => workload(env)?,
        Auth::Key(_) | Auth::Sas(_) if env.client_secret.is_some() => client_secret(env)?,
        Auth::Key(_) | Auth::Sas(_) => {
            return Err(DeployError::Config(format!(
                "purging Front Door needs an Entra ID sign-in, as Azure Resource Manager takes no storage key; set {CLIENT_ID_VAR} and {TENANT_ID_VAR} with {FEDERATED_TOKEN_FILE_VAR} or {CLIENT_SECRET_VAR}, or choose an Entra ID way with auth under [deploy] in site.toml"
            )));
        }
    };
    match found {
        (Auth::Entra(identity), _) => Ok(identity),
        _ => Err(DeployError::Config(
            "no Entra ID identity for Front Door".into(),
        )),
    }
}

/// Workload identity: the federated token file must be there now, not only at the first upload.
fn workload(env: &Credentials) -> Result<(Auth, &'static str), DeployError> {
    let app = App::from_parts(
        env.client_id.as_ref(),
        env.tenant_id.as_ref(),
        env.authority_host.as_ref(),
        FEDERATED_TOKEN_FILE_VAR,
    )?;
    let token_file = PathBuf::from(env.federated_token_file.clone().unwrap_or_default());
    match std::fs::read_to_string(&token_file) {
        Ok(token) if !token.trim().is_empty() => {}
        Ok(_) => {
            return Err(DeployError::Config(format!(
                "{FEDERATED_TOKEN_FILE_VAR} names {}, which is empty; write the identity provider's token to it first",
                token_file.display()
            )));
        }
        Err(e) => {
            return Err(DeployError::Config(format!(
                "cannot read {} from {FEDERATED_TOKEN_FILE_VAR} ({}); write the identity provider's token to it first",
                token_file.display(),
                e.kind()
            )));
        }
    }
    let identity = Identity::Workload { app, token_file };
    Ok((Auth::Entra(identity), FEDERATED_TOKEN_FILE_VAR))
}

/// A service principal with `AZURE_CLIENT_SECRET`.
fn client_secret(env: &Credentials) -> Result<(Auth, &'static str), DeployError> {
    let app = App::from_parts(
        env.client_id.as_ref(),
        env.tenant_id.as_ref(),
        env.authority_host.as_ref(),
        CLIENT_SECRET_VAR,
    )?;
    let secret = env.client_secret.clone().unwrap_or_default();
    Ok((
        Auth::Entra(Identity::ClientSecret { app, secret }),
        CLIENT_SECRET_VAR,
    ))
}

/// Refuses a secret that cannot work, naming only its variable; a SAS loses its `?`.
fn check_auth(auth: Auth, variable: &str) -> Result<Auth, DeployError> {
    match auth {
        Auth::Key(key) => {
            // Checked here so that object_store's own message, which may quote it, never shows.
            if base64::engine::general_purpose::STANDARD
                .decode(key.as_bytes())
                .is_err()
            {
                return Err(DeployError::Config(format!(
                    "the account key in {variable} is not valid base64; copy it again from the portal's Access keys page"
                )));
            }
            Ok(Auth::Key(key))
        }
        Auth::Sas(sas) => {
            let sas = sas.trim_start_matches('?').to_string();
            if !sas.contains("sig=") {
                return Err(DeployError::Config(format!(
                    "the SAS token in {variable} has no `sig=` signature; copy the whole token"
                )));
            }
            Ok(Auth::Sas(sas))
        }
        entra @ Auth::Entra(_) => Ok(entra),
    }
}

fn check_endpoint(endpoint: &str) -> Result<(), DeployError> {
    // Quote only the part that cannot hold a secret.
    let shown = match endpoint.split(['?', '#']).next() {
        Some(s) if !s.contains('@') => s,
        _ => "(not shown)",
    };
    let bad = |why: &str| {
        DeployError::Config(format!(
            "blob endpoint `{shown}` {why}; write it as https://<account>.blob.core.windows.net"
        ))
    };
    let rest = endpoint
        .strip_prefix("https://")
        .or_else(|| endpoint.strip_prefix("http://"))
        .ok_or_else(|| bad("is not an http(s) URL"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(bad("has no host"));
    }
    // A SAS token belongs in the environment, not in site.toml or a message quoting it.
    if rest.contains(['?', '#', '@']) {
        return Err(bad("must not carry a query, fragment or user name"));
    }
    Ok(())
}

/// `Key=Value;Key=Value` pairs; values keep their own `=` (base64 keys end in `==`).
fn parse_connection_string(text: &str) -> Vec<(String, String)> {
    text.split(';')
        .filter_map(|part| part.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(account: &str, endpoint: &str) -> DeployConfig {
        DeployConfig {
            account: account.into(),
            endpoint: endpoint.into(),
            ..DeployConfig::default()
        }
    }

    fn env(pairs: &[(&str, &str)]) -> Credentials {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Credentials::from_lookup(move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn key_from_the_environment() {
        let t = Target::resolve(&config("mysite", ""), &env(&[(KEY_VAR, DEV_KEY)])).unwrap();
        assert_eq!(t.account, "mysite");
        assert_eq!(t.container, "$web");
        assert_eq!(t.endpoint, "https://mysite.blob.core.windows.net");
        assert_eq!(t.url(), "https://mysite.blob.core.windows.net/$web");
        assert_eq!(t.variable, KEY_VAR);
        assert!(matches!(t.auth, Auth::Key(_)));
    }

    #[test]
    fn connection_string() {
        let cs = format!(
            "DefaultEndpointsProtocol=https;AccountName=mysite;AccountKey={DEV_KEY};EndpointSuffix=core.chinacloudapi.cn"
        );
        let t = Target::resolve(&config("", ""), &env(&[(CONNECTION_STRING_VAR, &cs)])).unwrap();
        assert_eq!(t.account, "mysite");
        assert_eq!(t.endpoint, "https://mysite.blob.core.chinacloudapi.cn");
        match t.auth {
            Auth::Key(k) => assert_eq!(k, DEV_KEY),
            _ => panic!("expected a key"),
        }
        let e = Target::resolve(&config("other", ""), &env(&[(CONNECTION_STRING_VAR, &cs)]))
            .unwrap_err();
        assert!(e.to_string().contains("make them agree"), "{e}");
    }

    #[test]
    fn development_storage() {
        let t = Target::resolve(
            &config("", ""),
            &env(&[(CONNECTION_STRING_VAR, "UseDevelopmentStorage=true")]),
        )
        .unwrap();
        assert_eq!(t.account, DEV_ACCOUNT);
        assert_eq!(t.endpoint, DEV_ENDPOINT);
    }

    #[test]
    fn sas_token() {
        let t = Target::resolve(
            &config("mysite", "http://127.0.0.1:10000/mysite/"),
            &env(&[(SAS_VAR, "?sv=2024&sp=rwdl&sig=abc")]),
        )
        .unwrap();
        assert_eq!(t.endpoint, "http://127.0.0.1:10000/mysite");
        match t.auth {
            Auth::Sas(s) => assert_eq!(s, "sv=2024&sp=rwdl&sig=abc"),
            _ => panic!("expected a SAS"),
        }
    }

    #[test]
    fn problems_never_quote_secrets() {
        let missing = Target::resolve(&config("mysite", ""), &env(&[])).unwrap_err();
        assert!(missing.to_string().contains(KEY_VAR), "{missing}");
        let bad =
            Target::resolve(&config("mysite", ""), &env(&[(KEY_VAR, "not base64!!")])).unwrap_err();
        assert!(!bad.to_string().contains("not base64!!"), "{bad}");
        let no_account = Target::resolve(&config("", ""), &env(&[(KEY_VAR, DEV_KEY)])).unwrap_err();
        assert!(no_account.to_string().contains("account"), "{no_account}");
        let query = Target::resolve(
            &config("mysite", "https://x.blob.core.windows.net?sig=1"),
            &env(&[(KEY_VAR, DEV_KEY)]),
        )
        .unwrap_err();
        assert!(query.to_string().contains("query"), "{query}");
        assert!(!query.to_string().contains("sig"), "{query}");
        let bad_container = Target::resolve(
            &DeployConfig {
                container: "web/../x".into(),
                ..config("mysite", "")
            },
            &env(&[(KEY_VAR, DEV_KEY)]),
        )
        .unwrap_err();
        assert!(
            bad_container.to_string().contains("not a valid name"),
            "{bad_container}"
        );
        let debug = format!("{:?}", env(&[(KEY_VAR, DEV_KEY)]));
        assert!(!debug.contains(DEV_KEY), "{debug}");
    }

    fn with_auth(mode: DeployAuth) -> DeployConfig {
        DeployConfig {
            auth: mode,
            ..config("mysite", "")
        }
    }

    fn way(config: &DeployConfig, credentials: &Credentials) -> String {
        match Target::resolve(config, credentials) {
            Ok(t) => match t.auth {
                Auth::Key(_) => format!("key from {}", t.variable),
                Auth::Sas(_) => format!("sas from {}", t.variable),
                Auth::Entra(identity) => identity.describe(),
            },
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn auto_takes_the_first_way_in_the_readmes_order() {
        let token = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(token.path(), "eyJ.federated.token").unwrap();
        let token_path = token.path().to_string_lossy().to_string();
        let cs = format!("AccountName=mysite;AccountKey={DEV_KEY}");
        let everything = [
            (CONNECTION_STRING_VAR, cs.as_str()),
            (KEY_VAR, DEV_KEY),
            (SAS_VAR, "sv=1&sig=x"),
            (FEDERATED_TOKEN_FILE_VAR, token_path.as_str()),
            (CLIENT_SECRET_VAR, "secret"),
            (CLIENT_ID_VAR, "app-id"),
            (TENANT_ID_VAR, "tenant-id"),
        ];
        let expected = [
            "key from AZURE_STORAGE_CONNECTION_STRING",
            "key from AZURE_STORAGE_KEY",
            "sas from AZURE_STORAGE_SAS_TOKEN",
            "the workload identity of application app-id",
            "service principal app-id",
        ];
        let auto = with_auth(DeployAuth::Auto);
        for (skip, expected) in expected.iter().enumerate() {
            let set: Vec<(&str, &str)> = everything
                .iter()
                .enumerate()
                .filter(|(i, _)| *i >= skip)
                .map(|(_, pair)| *pair)
                .collect();
            assert_eq!(
                way(&auto, &env(&set)),
                *expected,
                "without the first {skip}"
            );
        }
        let none = way(&auto, &env(&[(CLIENT_ID_VAR, "app-id")]));
        for named in [
            KEY_VAR,
            SAS_VAR,
            CONNECTION_STRING_VAR,
            FEDERATED_TOKEN_FILE_VAR,
            CLIENT_SECRET_VAR,
            "managed-identity",
            "azure-cli",
        ] {
            assert!(none.contains(named), "{none}");
        }
    }

    #[test]
    fn an_explicit_auth_uses_only_its_own_way_and_says_what_it_needs() {
        let key_only = env(&[(KEY_VAR, DEV_KEY), (CLIENT_ID_VAR, "app-id")]);
        assert_eq!(
            way(&with_auth(DeployAuth::ClientSecret), &key_only),
            "error: auth = \"client-secret\" under [deploy] in site.toml needs AZURE_CLIENT_SECRET in the environment"
        );
        assert_eq!(
            way(&with_auth(DeployAuth::ManagedIdentity), &key_only),
            "managed identity app-id"
        );
        assert_eq!(
            way(&with_auth(DeployAuth::ManagedIdentity), &env(&[])),
            "this machine's system-assigned managed identity"
        );
        assert_eq!(
            way(&with_auth(DeployAuth::AzureCli), &key_only),
            "the Azure CLI's signed-in account"
        );
        let sas_wanted = way(&with_auth(DeployAuth::Sas), &key_only);
        assert!(
            sas_wanted.contains("needs AZURE_STORAGE_SAS_TOKEN"),
            "{sas_wanted}"
        );
        let secret = env(&[(CLIENT_SECRET_VAR, "s3cr3t"), (CLIENT_ID_VAR, "app-id")]);
        let half = way(&with_auth(DeployAuth::ClientSecret), &secret);
        assert!(half.contains("also needs AZURE_TENANT_ID"), "{half}");
        assert!(!half.contains("s3cr3t"), "{half}");
    }

    #[test]
    fn a_federated_token_file_must_be_readable_before_anything_is_sent() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("token");
        let ids = |file: &str| {
            env(&[
                (FEDERATED_TOKEN_FILE_VAR, file),
                (CLIENT_ID_VAR, "app-id"),
                (TENANT_ID_VAR, "tenant-id"),
            ])
        };
        let auto = with_auth(DeployAuth::Auto);
        let e = way(&auto, &ids(&missing.to_string_lossy()));
        assert!(e.contains("cannot read") && e.contains("token"), "{e}");
        std::fs::write(&missing, "  \n").unwrap();
        let e = way(&auto, &ids(&missing.to_string_lossy()));
        assert!(e.contains("which is empty"), "{e}");
    }

    #[test]
    fn tokens_go_over_https_only() {
        let e = way(
            &DeployConfig {
                auth: DeployAuth::AzureCli,
                ..config("mysite", "http://127.0.0.1:10000/mysite")
            },
            &env(&[]),
        );
        assert!(e.contains("only sent over https"), "{e}");
    }
}
