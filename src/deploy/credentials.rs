//! Where to deploy and with which secret: the account, container and endpoint from site.toml,
//! the secret from the environment only, so it never sits in a file in the repository.

use std::fmt;

use base64::Engine as _;

use crate::config::DeployConfig;

use super::error::DeployError;

/// A full connection string, as the Azure portal shows it.
pub const CONNECTION_STRING_VAR: &str = "AZURE_STORAGE_CONNECTION_STRING";
/// An account key, for the account named in site.toml.
pub const KEY_VAR: &str = "AZURE_STORAGE_KEY";
/// A SAS token (with or without the leading `?`).
pub const SAS_VAR: &str = "AZURE_STORAGE_SAS_TOKEN";
/// The account name, when site.toml does not give one.
pub const ACCOUNT_VAR: &str = "AZURE_STORAGE_ACCOUNT";

/// Azurite's well-known development account, used by `UseDevelopmentStorage=true`.
const DEV_ACCOUNT: &str = "devstoreaccount1";
const DEV_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const DEV_ENDPOINT: &str = "http://127.0.0.1:10000/devstoreaccount1";

/// The secrets `pamphlet deploy` may use, read from the environment and never printed.
#[derive(Clone, Default)]
pub struct Credentials {
    connection_string: Option<String>,
    key: Option<String>,
    sas: Option<String>,
    account: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |s: &Option<String>| if s.is_some() { "set" } else { "unset" };
        f.debug_struct("Credentials")
            .field("connection_string", &shown(&self.connection_string))
            .field("key", &shown(&self.key))
            .field("sas", &shown(&self.sas))
            .field("account", &self.account)
            .finish()
    }
}

impl Credentials {
    /// Reads `AZURE_STORAGE_CONNECTION_STRING`, `AZURE_STORAGE_KEY`, `AZURE_STORAGE_SAS_TOKEN`
    /// and `AZURE_STORAGE_ACCOUNT`.
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
        let mut secrets: Vec<String> = [&self.connection_string, &self.key, &self.sas]
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
        let (auth, variable) = choose_auth(credentials, &cs).ok_or_else(|| {
            DeployError::Config(format!(
                "no credentials for storage account `{account}`; set {KEY_VAR}, {SAS_VAR} or {CONNECTION_STRING_VAR} in the environment"
            ))
        })?;
        Ok(Target {
            account,
            container,
            endpoint,
            auth: check_auth(auth, variable)?,
            variable,
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

/// The first secret there is, in the README's order, with the variable it came from.
fn choose_auth(credentials: &Credentials, cs: &ConnectionString) -> Option<(Auth, &'static str)> {
    if let Some(key) = cs.get("AccountKey") {
        Some((Auth::Key(key), CONNECTION_STRING_VAR))
    } else if let Some(sas) = cs.get("SharedAccessSignature") {
        Some((Auth::Sas(sas), CONNECTION_STRING_VAR))
    } else if cs.dev {
        Some((Auth::Key(DEV_KEY.to_string()), CONNECTION_STRING_VAR))
    } else if let Some(key) = &credentials.key {
        Some((Auth::Key(key.clone()), KEY_VAR))
    } else {
        credentials
            .sas
            .as_ref()
            .map(|sas| (Auth::Sas(sas.clone()), SAS_VAR))
    }
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
            Auth::Sas(_) => panic!("expected a key"),
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
            Auth::Key(_) => panic!("expected a SAS"),
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
}
