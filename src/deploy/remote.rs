//! The container, through object_store's Azure client: list, upload with headers, delete, and the
//! manifest. Every failure leaves here as one [`DeployError`] sentence with secrets scrubbed.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt, stream};
use object_store::azure::{AzureAuthorizer, MicrosoftAzure, MicrosoftAzureBuilder, split_sas};
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, PutOptions,
    PutPayload, RetryConfig,
};

use super::credentials::{Auth, CA_FILE_VAR, Target};
use super::error::{self, Cause, DeployError, classify, redact};
use super::headers::Headers;
use super::manifest::{MANIFEST_CACHE_CONTROL, MANIFEST_CONTENT_TYPE, MANIFEST_NAME, Manifest};
use super::plan::RemoteBlob;
use super::website::{self, Website};

/// Transient failures (5xx, throttling, dropped connections) are retried with exponential
/// back-off and jitter: 0.2 s, then up to 0.4, 0.8, 1.6 and 3.2 s. Five tries ride out a blip
/// without making a dead endpoint take minutes to report.
pub(super) fn retry_config() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            base: 2.0,
        },
        max_retries: 4,
        retry_timeout: Duration::from_secs(60),
    }
}

/// The deploy target's container.
pub(super) struct Remote {
    store: MicrosoftAzure,
    /// For the account's service properties, which object_store does not offer; signed with
    /// object_store's own credentials, and trusting the same certificate authorities.
    http: reqwest::Client,
    target: Target,
    secrets: Vec<String>,
}

/// What the container holds, the manifest set apart.
#[derive(Debug, Default)]
pub(super) struct Listing {
    /// Every blob but the manifest.
    pub blobs: BTreeMap<String, RemoteBlob>,
    /// The manifest blob, when there is one.
    pub manifest: Option<RemoteBlob>,
}

impl Remote {
    /// A client for `target`; nothing is sent yet.
    pub(super) fn new(target: Target, mut secrets: Vec<String>) -> Result<Remote, DeployError> {
        let mut options = ClientOptions::new()
            .with_allow_http(target.endpoint.starts_with("http://"))
            // Whole-request time: a large image on a slow uplink needs minutes, not 30 s.
            .with_timeout(Duration::from_secs(300))
            .with_connect_timeout(Duration::from_secs(10));
        let mut http = reqwest::Client::builder()
            .https_only(!target.endpoint.starts_with("http://"))
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(10));
        if let Some(file) = &target.ca_file {
            let (for_store, for_http) = extra_authorities(file)?;
            for certificate in for_store {
                options = options.with_root_certificate(certificate);
            }
            http = http.tls_certs_merge(for_http);
        }
        let http = http.build().map_err(|_| {
            DeployError::Config("cannot set up an https client; check SSL_CERT_FILE".into())
        })?;
        let builder = MicrosoftAzureBuilder::new()
            .with_account(&target.account)
            .with_container_name(&target.container)
            .with_endpoint(target.endpoint.clone())
            .with_client_options(options)
            .with_retry(retry_config());
        let builder = match &target.auth {
            Auth::Key(key) => builder.with_access_key(key),
            Auth::Sas(sas) => {
                let pairs = split_sas(sas).map_err(|_| {
                    DeployError::Config(format!(
                        "the SAS token in {} cannot be read; copy the whole token again",
                        target.variable
                    ))
                })?;
                builder.with_sas_authorization(pairs)
            }
            Auth::Entra(identity) => {
                secrets.extend(identity.secrets());
                identity.configure(builder)
            }
        };
        // The builder's messages may quote the key, so only the fact of failure is kept.
        let store = builder.build().map_err(|_| {
            DeployError::Config(format!(
                "cannot set up a client for {}; check `endpoint` and `account` under [deploy] in site.toml and {}",
                target.url(),
                target.variable
            ))
        })?;
        Ok(Remote {
            store,
            http,
            target,
            secrets,
        })
    }

    /// An https client trusting the same certificate authorities, for other Azure services.
    pub(super) fn http(&self) -> reqwest::Client {
        self.http.clone()
    }

    /// The target this client talks to.
    pub(super) fn target(&self) -> &Target {
        &self.target
    }

    /// Every blob in the container, with size and ETag.
    pub(super) async fn list(&self) -> Result<Listing, DeployError> {
        let metas: Vec<object_store::ObjectMeta> =
            self.store.list(None).try_collect().await.map_err(|e| {
                self.error(format!("listing container `{}`", self.target.container), &e)
            })?;
        let mut listing = Listing::default();
        for meta in metas {
            let blob = RemoteBlob {
                size: meta.size,
                etag: meta.e_tag.unwrap_or_default(),
            };
            let name = meta.location.to_string();
            if name == MANIFEST_NAME {
                listing.manifest = Some(blob);
            } else {
                listing.blobs.insert(name, blob);
            }
        }
        Ok(listing)
    }

    /// The stored manifest; `Ok(None)` when there is none or it cannot be read.
    pub(super) async fn read_manifest(&self) -> Result<Option<Manifest>, DeployError> {
        let path = Path::from(MANIFEST_NAME);
        let action = || format!("reading {MANIFEST_NAME}");
        let result = match self.store.get(&path).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.error(action(), &e)),
        };
        let bytes = result.bytes().await.map_err(|e| self.error(action(), &e))?;
        Ok(Manifest::from_json(&bytes))
    }

    /// Stores one file with its headers, returning the new ETag.
    pub(super) async fn upload(
        &self,
        name: &str,
        bytes: Vec<u8>,
        headers: &Headers,
    ) -> Result<String, DeployError> {
        let action = || format!("uploading `{name}`");
        let path = Path::parse(name).map_err(|_| DeployError::Remote {
            action: action(),
            reason: "not a valid blob name".into(),
        })?;
        let mut attributes = Attributes::from_iter([
            (Attribute::ContentType, headers.content_type.clone()),
            (Attribute::CacheControl, headers.cache_control.clone()),
        ]);
        if let Some(encoding) = headers.content_encoding.header() {
            attributes.insert(Attribute::ContentEncoding, encoding.into());
        }
        let options = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        let result = self
            .store
            .put_opts(&path, PutPayload::from(bytes), options)
            .await
            .map_err(|e| self.error(action(), &e))?;
        Ok(result.e_tag.unwrap_or_default())
    }

    /// Deletes blobs, returning those now gone and the first failure, if any.
    pub(super) async fn delete(&self, names: &[String]) -> (Vec<String>, Option<DeployError>) {
        let paths: Vec<object_store::Result<Path>> = names
            .iter()
            .map(|n| Path::parse(n).map_err(object_store::Error::from))
            .collect();
        let results: Vec<object_store::Result<Path>> = self
            .store
            .delete_stream(stream::iter(paths).boxed())
            .collect()
            .await;
        let mut deleted = Vec::new();
        let mut failure = None;
        for (name, result) in names.iter().zip(results) {
            match result {
                // Already gone is what was wanted.
                Ok(_) | Err(object_store::Error::NotFound { .. }) => deleted.push(name.clone()),
                Err(e) => {
                    failure.get_or_insert_with(|| self.error(format!("deleting `{name}`"), &e));
                }
            }
        }
        (deleted, failure)
    }

    /// Stores the manifest.
    pub(super) async fn write_manifest(&self, manifest: &Manifest) -> Result<(), DeployError> {
        let headers = Headers {
            content_type: MANIFEST_CONTENT_TYPE.into(),
            cache_control: MANIFEST_CACHE_CONTROL.into(),
            // Read back by deploy alone, which wants the bytes as they are.
            content_encoding: crate::compress::ContentEncoding::Identity,
        };
        self.upload(MANIFEST_NAME, manifest.to_json(), &headers)
            .await
            .map(|_| ())
    }

    /// The static website's settings; `Ok(None)` when these credentials may not read them.
    pub(super) async fn website(&self) -> Result<Option<Website>, DeployError> {
        let reply = self.service_properties(reqwest::Method::GET, None).await?;
        match reply.status {
            s if s.is_success() => Ok(Some(Website::from_properties(&reply.body))),
            reqwest::StatusCode::FORBIDDEN => Ok(None),
            _ => Err(self.service_refusal(&reply)),
        }
    }

    /// Turns the static website on with pamphlet's index and error documents.
    pub(super) async fn configure_website(&self) -> Result<(), DeployError> {
        let body = website::configured_properties();
        let reply = self
            .service_properties(reqwest::Method::PUT, Some(body))
            .await?;
        match reply.status.is_success() {
            true => Ok(()),
            false => Err(self.service_refusal(&reply)),
        }
    }

    /// One Get or Set Blob Service Properties request, signed as object_store signs its own.
    async fn service_properties(
        &self,
        method: reqwest::Method,
        body: Option<String>,
    ) -> Result<ServiceReply, DeployError> {
        let action = || "reading the static website's settings".to_string();
        let credential = self
            .store
            .credentials()
            .get_credential()
            .await
            .map_err(|e| self.error(action(), &e))?;
        let url = format!("{}/?restype=service&comp=properties", self.target.endpoint);
        let body = body.unwrap_or_default();
        let mut builder = http::Request::builder().method(method.as_str()).uri(&url);
        if !body.is_empty() {
            builder = builder
                .header("content-length", body.len())
                .header("content-type", "application/xml");
        }
        let unsigned = |_| DeployError::Config(format!("cannot sign a request to {url}"));
        let mut request = builder
            .body(object_store::client::HttpRequestBody::from(body.clone()))
            .map_err(unsigned)?;
        AzureAuthorizer::new(&credential, &self.target.account)
            .try_authorize(&mut request)
            .map_err(|_| DeployError::Config(format!("cannot sign a request to {url}")))?;
        let sent = self
            .http
            .request(method, request.uri().to_string())
            .headers(request.headers().clone())
            .body(body)
            .send()
            .await
            .map_err(|e| self.service_failure(&e))?;
        let status = sent.status();
        let body = sent.text().await.unwrap_or_default();
        Ok(ServiceReply { status, body })
    }

    /// A refused or failed service properties request, in the same words as any other.
    fn service_refusal(&self, reply: &ServiceReply) -> DeployError {
        let code = error::azure_code(&reply.body).unwrap_or_else(|| reply.status.to_string());
        match reply.status.as_u16() {
            401 | 403 => match &self.target.auth {
                Auth::Entra(identity) => DeployError::Config(format!(
                    "storage account `{}` refused to let {} change its static website settings ({code}); that needs a role such as Storage Account Contributor, or turn the website on in the portal",
                    self.target.account,
                    identity.describe()
                )),
                Auth::Key(_) | Auth::Sas(_) => self.denied(code),
            },
            _ => DeployError::Remote {
                action: "changing the static website's settings".into(),
                reason: code,
            },
        }
    }

    fn service_failure(&self, error: &reqwest::Error) -> DeployError {
        if error.is_timeout() {
            return DeployError::Remote {
                action: "reading the static website's settings".into(),
                reason: "timed out".into(),
            };
        }
        DeployError::Unreachable {
            endpoint: self.target.endpoint.clone(),
            // reqwest's own message quotes the URL, which holds a SAS token's signature.
            reason: io_kind(error).unwrap_or_else(|| "the request failed".into()),
        }
    }

    /// The identity signing in, for a refused sign-in.
    fn identity_description(&self) -> String {
        match &self.target.auth {
            Auth::Entra(identity) => {
                format!("{} (from {})", identity.describe(), identity.variables())
            }
            Auth::Key(_) | Auth::Sas(_) => self.target.variable.to_string(),
        }
    }

    /// The storage account refused what deploy signed in with: a key or SAS to check, or an
    /// identity lacking its role.
    fn denied(&self, code: String) -> DeployError {
        let target = &self.target;
        let hint = match &target.auth {
            Auth::Key(_) => format!("the account key in {}", target.variable),
            Auth::Sas(_) => format!(
                "the SAS token in {}: it must allow read, write, delete and list on the container, and not have expired",
                target.variable
            ),
            Auth::Entra(identity) => {
                return DeployError::RoleMissing {
                    account: target.account.clone(),
                    container: target.container.clone(),
                    identity: identity.describe(),
                    assignee: identity.assignee().to_string(),
                    code,
                };
            }
        };
        DeployError::Denied {
            account: target.account.clone(),
            code,
            hint,
        }
    }

    /// One sentence for a failed request, naming what to fix where that is known.
    fn error(&self, action: String, error: &object_store::Error) -> DeployError {
        let target = &self.target;
        match classify(error) {
            Cause::SignIn(reason) => DeployError::SignIn {
                identity: self.identity_description(),
                reason: redact(&reason, &self.secrets),
            },
            Cause::Denied(code) => self.denied(code),
            Cause::NotFound(code) | Cause::Status(code) if code == "ContainerNotFound" => {
                DeployError::NoContainer {
                    account: target.account.clone(),
                    container: target.container.clone(),
                }
            }
            Cause::Connect(reason) => DeployError::Unreachable {
                endpoint: target.endpoint.clone(),
                reason: redact(&reason, &self.secrets),
            },
            Cause::Timeout => DeployError::Remote {
                action,
                reason: "timed out, retries included".into(),
            },
            Cause::NotFound(code) | Cause::Status(code) => DeployError::Remote {
                action,
                reason: code,
            },
            Cause::Other(text) => DeployError::Remote {
                action,
                reason: redact(&text, &self.secrets),
            },
        }
    }
}

/// The operating system's reason under a failed request, such as `connection refused`.
fn io_kind(error: &reqwest::Error) -> Option<String> {
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io.kind().to_string());
        }
        source = e.source();
    }
    None
}

/// A service properties reply: its status and body.
struct ServiceReply {
    status: reqwest::StatusCode,
    body: String,
}

/// The certificate authorities in `SSL_CERT_FILE` (PEM), trusted besides the system's: a
/// corporate TLS proxy's, or a test's throwaway one; once for object_store, once for the client
/// of the services it does not cover.
fn extra_authorities(
    file: &std::path::Path,
) -> Result<(Vec<object_store::Certificate>, Vec<reqwest::Certificate>), DeployError> {
    let bad = |why: &str| {
        DeployError::Config(format!(
            "{} from {CA_FILE_VAR} {why}; point it at a PEM file of certificates, or unset it",
            file.display()
        ))
    };
    let pem = std::fs::read(file).map_err(|e| bad(&format!("cannot be read ({})", e.kind())))?;
    let for_store = object_store::Certificate::from_pem_bundle(&pem)
        .map_err(|_| bad("holds no readable certificate"))?;
    let for_http = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|_| bad("holds no readable certificate"))?;
    match for_store.is_empty() {
        true => Err(bad("holds no certificate")),
        false => Ok((for_store, for_http)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_ssl_cert_file_is_one_sentence_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let e = extra_authorities(&missing).unwrap_err().to_string();
        assert!(
            e.contains("missing.pem from SSL_CERT_FILE cannot be read"),
            "{e}"
        );
        let text = dir.path().join("notes.pem");
        std::fs::write(&text, "not a certificate\n").unwrap();
        let e = extra_authorities(&text).unwrap_err().to_string();
        assert!(e.contains("holds no"), "{e}");
        assert!(e.ends_with("or unset it"), "{e}");
    }
}
