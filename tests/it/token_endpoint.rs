//! What keyless deploys talk to, here on 127.0.0.1: a throwaway certificate authority, an Azurite
//! in OAuth mode (which only takes bearer tokens over https), and a token endpoint that answers as
//! Entra ID does. Entra ID itself cannot be reached from a test, so this endpoint speaks its
//! documented protocols: the client-credentials grant with a client secret or a federated
//! client assertion (`POST /{tenant}/oauth2/v2.0/token`), and the managed identity endpoint
//! (`GET` with `api-version` and `resource`, App Service's `X-IDENTITY-HEADER`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;

/// A self-signed certificate for 127.0.0.1, written as PEM files pamphlet and Azurite read.
pub struct Certificate {
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
    server: Arc<rustls::ServerConfig>,
}

impl Certificate {
    pub fn new(dir: &Path) -> Certificate {
        let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
            .expect("a throwaway certificate");
        let cert_pem = dir.join("cert.pem");
        let key_pem = dir.join("key.pem");
        std::fs::write(&cert_pem, made.cert.pem()).expect("write cert.pem");
        std::fs::write(&key_pem, made.signing_key.serialize_pem()).expect("write key.pem");
        let key = rustls::pki_types::PrivateKeyDer::try_from(made.signing_key.serialize_der())
            .expect("a private key");
        let server = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![made.cert.der().clone()], key)
        .expect("a TLS server configuration");
        Certificate {
            cert_pem,
            key_pem,
            server: Arc::new(server),
        }
    }
}

/// Azurite's blob service with `--oauth basic` over https, stopped when dropped.
pub struct OAuthAzurite {
    child: Child,
    pub endpoint: String,
    _workspace: tempfile::TempDir,
}

impl OAuthAzurite {
    pub fn start(certificate: &Certificate) -> OAuthAzurite {
        let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/.bin/azurite-blob");
        assert!(
            bin.exists(),
            "{} is missing: run `npm ci` at the repository root (scripts/test and .ci/run do)",
            bin.display()
        );
        let port = free_port();
        let workspace = tempfile::tempdir().expect("a workspace for Azurite");
        let child = Command::new(bin)
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
            .args(["--oauth", "basic", "--inMemoryPersistence", "--silent"])
            .args(["--disableTelemetry", "--skipApiVersionCheck"])
            // Started in a folder of its own, so nothing it writes lands in the work tree.
            .current_dir(workspace.path())
            .arg("--cert")
            .arg(&certificate.cert_pem)
            .arg("--key")
            .arg(&certificate.key_pem)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("Azurite starts");
        let mut child = child;
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let mut why = String::new();
                if let Some(mut stderr) = child.stderr.take() {
                    let _ = stderr.read_to_string(&mut why);
                }
                panic!("Azurite in OAuth mode exited ({status}): {why}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "Azurite in OAuth mode did not listen on 127.0.0.1:{port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        OAuthAzurite {
            child,
            endpoint: format!("https://127.0.0.1:{port}/devstoreaccount1"),
            _workspace: workspace,
        }
    }
}

impl Drop for OAuthAzurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Who the endpoint signs in, and what it hands out.
#[derive(Clone, Debug)]
pub struct Registration {
    pub tenant: String,
    pub client_id: String,
    pub client_secret: String,
    /// The federated token a workload identity presents as its client assertion.
    pub federated_token: String,
    /// App Service's `IDENTITY_HEADER`, required on managed identity requests.
    pub identity_header: String,
}

/// One token request the endpoint answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// `client_secret`, `federated` or `managed_identity`.
    pub kind: &'static str,
    /// Whether a token was given.
    pub granted: bool,
}

/// One purge request Azure Resource Manager received.
#[derive(Clone, Debug)]
pub struct PurgeCall {
    /// The request's path, subscription to endpoint.
    pub target: String,
    pub content_paths: Vec<String>,
    pub domains: Vec<String>,
}

/// The token endpoint, serving until dropped. It also answers as Azure Resource Manager does
/// for a Front Door purge (`POST …/afdEndpoints/{endpoint}/purge`, 202 with an
/// `Azure-AsyncOperation` to poll until `Succeeded`), taking only its own tokens issued for the
/// management scope, its own address.
pub struct TokenEndpoint {
    pub authority: String,
    grants: Arc<Mutex<Vec<Grant>>>,
    issued: Arc<Mutex<Vec<String>>>,
    wrong_audience: Arc<AtomicBool>,
    arm: Arc<Arm>,
    stop: Arc<AtomicBool>,
}

/// What the Resource Manager side has seen, and whether it refuses.
#[derive(Default)]
struct Arm {
    purges: Mutex<Vec<PurgeCall>>,
    polls: Mutex<usize>,
    polled: Mutex<Vec<String>>,
    operations: std::sync::atomic::AtomicUsize,
    management_tokens: Mutex<Vec<String>>,
    refuse: AtomicBool,
}

impl TokenEndpoint {
    pub fn start(certificate: &Certificate, registration: Registration) -> TokenEndpoint {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the token endpoint");
        let port = listener.local_addr().expect("an address").port();
        let endpoint = TokenEndpoint {
            authority: format!("https://127.0.0.1:{port}"),
            grants: Arc::default(),
            issued: Arc::default(),
            wrong_audience: Arc::default(),
            arm: Arc::default(),
            stop: Arc::default(),
        };
        let shared = Shared {
            tls: certificate.server.clone(),
            registration,
            grants: endpoint.grants.clone(),
            issued: endpoint.issued.clone(),
            wrong_audience: endpoint.wrong_audience.clone(),
            arm: endpoint.arm.clone(),
            authority: endpoint.authority.clone(),
        };
        let stop = endpoint.stop.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if let Ok(stream) = stream {
                    let shared = shared.clone();
                    std::thread::spawn(move || shared.answer(stream));
                }
            }
        });
        endpoint
    }

    /// From now on, tokens are for Azure Resource Manager, not storage: as a token for the wrong
    /// resource, storage refuses them.
    pub fn issue_for_the_wrong_audience(&self) {
        self.wrong_audience.store(true, Ordering::Relaxed);
    }

    /// Every request answered so far, in order, then forgotten.
    pub fn take_grants(&self) -> Vec<Grant> {
        std::mem::take(&mut *self.grants.lock().expect("grants"))
    }

    /// Every access token handed out.
    pub fn issued(&self) -> Vec<String> {
        self.issued.lock().expect("issued").clone()
    }

    /// The purge requests received so far, then forgotten, and how many polls there were.
    pub fn take_purges(&self) -> (Vec<PurgeCall>, usize) {
        let purges = std::mem::take(&mut *self.arm.purges.lock().expect("purges"));
        let polls = std::mem::take(&mut *self.arm.polls.lock().expect("polls"));
        (purges, polls)
    }

    /// From now on, purges are refused as a missing role is (403 AuthorizationFailed).
    pub fn refuse_purges(&self) {
        self.arm.refuse.store(true, Ordering::Relaxed);
    }
}

impl Drop for TokenEndpoint {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.authority.trim_start_matches("https://"));
    }
}

#[derive(Clone)]
struct Shared {
    tls: Arc<rustls::ServerConfig>,
    registration: Registration,
    grants: Arc<Mutex<Vec<Grant>>>,
    issued: Arc<Mutex<Vec<String>>>,
    wrong_audience: Arc<AtomicBool>,
    arm: Arc<Arm>,
    authority: String,
}

/// One HTTP/1.1 request as read off a connection.
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Shared {
    fn answer(&self, stream: TcpStream) {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let Ok(connection) = rustls::ServerConnection::new(self.tls.clone()) else {
            return;
        };
        let mut tls = rustls::StreamOwned::new(connection, stream);
        let Some(request) = read_request(&mut tls) else {
            return;
        };
        let (status, extra, body) = match self.arm_answer(&request) {
            Some(answer) => answer,
            None => {
                let (status, body) = self.respond(&request);
                (status, String::new(), body)
            }
        };
        let reply = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json; charset=utf-8\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = tls.write_all(reply.as_bytes());
        let _ = tls.flush();
        tls.conn.send_close_notify();
        let _ = tls.flush();
    }

    fn respond(&self, request: &Request) -> (&'static str, String) {
        let reg = &self.registration;
        let token_path = format!("/{}/oauth2/v2.0/token", reg.tenant);
        if request.method == "POST" && request.target == token_path {
            let form: Vec<(String, String)> = url::form_urlencoded::parse(request.body.as_bytes())
                .into_owned()
                .collect();
            let field = |name: &str| {
                form.iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str())
            };
            let management = format!("{}/.default", self.authority);
            let scope = field("scope");
            let standard = field("grant_type") == Some("client_credentials")
                && (scope == Some("https://storage.azure.com/.default")
                    || scope == Some(management.as_str()))
                && field("client_id") == Some(reg.client_id.as_str());
            if standard && scope == Some(management.as_str()) {
                return self
                    .grant_management(field("client_secret") == Some(reg.client_secret.as_str()));
            }
            let (kind, proven) = match field("client_secret") {
                Some(secret) => ("client_secret", secret == reg.client_secret),
                None => (
                    "federated",
                    field("client_assertion_type")
                        == Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                        && field("client_assertion") == Some(reg.federated_token.as_str()),
                ),
            };
            return self.grant(kind, standard && proven, "expires_in", "3599".into());
        }
        if request.method == "GET" && request.target.starts_with("/msi/token?") {
            let query = request.target.split_once('?').map_or("", |(_, q)| q);
            let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
            let has = |k: &str, v: &str| pairs.iter().any(|(pk, pv)| pk == k && pv == v);
            let proven = has("api-version", "2019-08-01")
                && has("resource", "https://storage.azure.com")
                && request.header("x-identity-header") == Some(reg.identity_header.as_str());
            let expires_on = (now() + 3600).to_string();
            return self.grant("managed_identity", proven, "expires_on", expires_on);
        }
        ("404 Not Found", r#"{"error":"not_found"}"#.into())
    }

    /// A token for Azure Resource Manager, remembered so only it opens the purge API.
    fn grant_management(&self, proven: bool) -> (&'static str, String) {
        if !proven {
            return ("401 Unauthorized", r#"{"error":"invalid_client"}"#.into());
        }
        let token = access_token(&self.registration, &self.authority);
        self.arm
            .management_tokens
            .lock()
            .expect("tokens")
            .push(token.clone());
        self.issued.lock().expect("issued").push(token.clone());
        (
            "200 OK",
            format!(r#"{{"token_type":"Bearer","expires_in":3599,"access_token":"{token}"}}"#),
        )
    }

    /// Azure Resource Manager's side: a purge request, or a poll of its operation.
    fn arm_answer(&self, request: &Request) -> Option<(&'static str, String, String)> {
        let bearer = request
            .header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        let is_purge = request.method == "POST"
            && request.target.starts_with("/subscriptions/")
            && request.target.ends_with("/purge?api-version=2024-02-01");
        let is_poll = request.method == "GET" && request.target.starts_with("/operations/");
        if !is_purge && !is_poll {
            return None;
        }
        let known = self
            .arm
            .management_tokens
            .lock()
            .expect("tokens")
            .iter()
            .any(|t| t == bearer);
        if !known {
            return Some(("401 Unauthorized", String::new(), r#"{"error":{"code":"InvalidAuthenticationToken","message":"The access token is invalid."}}"#.into()));
        }
        if is_poll {
            *self.arm.polls.lock().expect("polls") += 1;
            // In progress the first time an operation is asked about, then done.
            let mut polled = self.arm.polled.lock().expect("polled");
            let status = match polled.contains(&request.target) {
                true => "Succeeded",
                false => {
                    polled.push(request.target.clone());
                    "InProgress"
                }
            };
            return Some((
                "200 OK",
                "Retry-After: 0\r\n".into(),
                format!(r#"{{"status":"{status}"}}"#),
            ));
        }
        if self.arm.refuse.load(Ordering::Relaxed) {
            return Some(("403 Forbidden", String::new(), r#"{"error":{"code":"AuthorizationFailed","message":"The client does not have authorization to perform action 'Microsoft.Cdn/profiles/afdEndpoints/purge/action'."}}"#.into()));
        }
        let body: serde_json::Value = serde_json::from_str(&request.body).ok()?;
        let strings = |key: &str| -> Vec<String> {
            body[key]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut purges = self.arm.purges.lock().expect("purges");
        purges.push(PurgeCall {
            target: request
                .target
                .split('?')
                .next()
                .unwrap_or_default()
                .to_string(),
            content_paths: strings("contentPaths"),
            domains: strings("domains"),
        });
        let operation = format!(
            "{}/operations/{}?api-version=2024-02-01",
            self.authority,
            self.arm.operations.fetch_add(1, Ordering::Relaxed)
        );
        Some((
            "202 Accepted",
            format!("Azure-AsyncOperation: {operation}\r\nRetry-After: 0\r\n"),
            String::new(),
        ))
    }

    fn grant(
        &self,
        kind: &'static str,
        proven: bool,
        lifetime_key: &str,
        lifetime: String,
    ) -> (&'static str, String) {
        self.grants.lock().expect("grants").push(Grant {
            kind,
            granted: proven,
        });
        if !proven && kind == "managed_identity" {
            return (
                "400 Bad Request",
                r#"{"error":"invalid_request","error_description":"Identity not found"}"#.into(),
            );
        }
        if !proven {
            return (
                "401 Unauthorized",
                r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value. Trace ID: 0 Correlation ID: 0 Timestamp: 2026-12-06 00:00:00Z","error_codes":[7000215]}"#.into(),
            );
        }
        let audience = match self.wrong_audience.load(Ordering::Relaxed) {
            true => "https://management.azure.com",
            false => "https://storage.azure.com",
        };
        let token = access_token(&self.registration, audience);
        self.issued.lock().expect("issued").push(token.clone());
        let body = format!(
            r#"{{"token_type":"Bearer","{lifetime_key}":"{lifetime}","access_token":"{token}","resource":"https://storage.azure.com"}}"#
        );
        // Entra gives expires_in as a number; the managed identity endpoint as a string.
        let body = match lifetime_key {
            "expires_in" => body.replace(r#""expires_in":"3599""#, r#""expires_in":3599"#),
            _ => body,
        };
        ("200 OK", body)
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A JWT with the claims Azurite's OAuth mode checks (issuer, audience, lifetime); the signature
/// is not checked by Azurite, so it is a placeholder.
fn access_token(reg: &Registration, audience: &str) -> String {
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let now = now();
    let header = b64(r#"{"alg":"RS256","typ":"JWT"}"#);
    let claims = b64(&format!(
        r#"{{"aud":"{audience}","iss":"https://sts.windows.net/{tenant}/","iat":{iat},"nbf":{iat},"exp":{exp},"appid":"{client}","tid":"{tenant}","oid":"{client}","jti":"{nonce}"}}"#,
        tenant = reg.tenant,
        client = reg.client_id,
        iat = now - 60,
        exp = now + 3600,
        nonce = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    ));
    format!("{header}.{claims}.c2lnbmF0dXJl")
}

/// Reads one request (line, headers, a `Content-Length` body) off `stream`.
pub fn read_request(stream: &mut impl Read) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (k, v) = header.split_once(':')?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}
