//! Azurite for the deploy tests: where it listens, a client for it, and reading a container
//! back. `scripts/test` starts it; so does `scripts/azurite start`.

// Each test file uses a part of this.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use futures_util::TryStreamExt;
use hmac::{KeyInit, Mac};
use object_store::azure::{MicrosoftAzure, MicrosoftAzureBuilder};
use object_store::{Attribute, ObjectStore, ObjectStoreExt};

pub const ACCOUNT: &str = "devstoreaccount1";
/// Azurite's published development key: not a secret, but treated as one here to prove that
/// no output ever shows the key in use.
pub const KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

pub fn endpoint() -> String {
    std::env::var("PAMPHLET_AZURITE_ENDPOINT")
        .unwrap_or_else(|_| "http://127.0.0.1:10000/devstoreaccount1".into())
        .trim_end_matches('/')
        .to_string()
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime")
}

/// Fails (never skips) when Azurite is not there, saying how to start it.
pub fn require_azurite() {
    let endpoint = endpoint();
    let authority = endpoint
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let reachable = authority
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .is_some_and(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok());
    assert!(
        reachable,
        "Azurite is not reachable at {endpoint}: run the tests with the README's test script \
         (`scripts/test`), which starts Azurite, or start it yourself with `scripts/azurite start` \
         (set PAMPHLET_AZURITE_ENDPOINT if it listens elsewhere)"
    );
}

/// A container name no other test or run uses: 3–63 lowercase letters, digits and hyphens.
pub fn unique_container(tag: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = format!(
        "{tag}-{}-{}-{n}",
        std::process::id(),
        nanos % 1_000_000_000_000
    );
    name.chars().take(63).collect()
}

/// Creates a container with a Shared Key signed `PUT ?restype=container`, which object_store
/// does not offer.
pub fn create_container(name: &str) {
    create_container_at(&endpoint(), name, &reqwest::Client::new());
}

/// Creates a container at the Azurite listening at `endpoint` (http or https), through `client`.
pub fn create_container_at(endpoint: &str, name: &str, client: &reqwest::Client) {
    let date = jiff::Timestamp::now()
        .strftime("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let version = "2021-08-06";
    let path = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest)
        .split_once('/')
        .map(|(_, p)| format!("/{p}"))
        .unwrap_or_default();
    let to_sign = format!(
        "PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:{version}\n/{ACCOUNT}{path}/{name}\nrestype:container"
    );
    let key = base64::engine::general_purpose::STANDARD
        .decode(KEY)
        .expect("the key is base64");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).expect("any key length");
    mac.update(to_sign.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let url = format!("{endpoint}/{name}?restype=container");
    let status = runtime().block_on(async {
        client
            .put(&url)
            .header("x-ms-date", &date)
            .header("x-ms-version", version)
            .header("Content-Length", "0")
            .header("Authorization", format!("SharedKey {ACCOUNT}:{signature}"))
            .send()
            .await
            .map(|r| r.status())
    });
    match status {
        // 409: it is there already, as `$web` is after an earlier test in the same Azurite.
        Ok(s) if s.is_success() || s == reqwest::StatusCode::CONFLICT => {}
        other => panic!("creating container {name} in Azurite failed: {other:?}"),
    }
}

pub fn store(container: &str) -> MicrosoftAzure {
    MicrosoftAzureBuilder::new()
        .with_account(ACCOUNT)
        .with_access_key(KEY)
        .with_container_name(container)
        .with_endpoint(endpoint())
        .with_allow_http(true)
        .build()
        .expect("an object_store client for Azurite")
}

/// A blob as read back from Azurite.
#[derive(Debug, Clone, PartialEq)]
pub struct Blob {
    /// The content as a reader gets it: a gzip-encoded blob decoded, as browsers do.
    pub bytes: Vec<u8>,
    /// Bytes stored: what goes over the wire.
    pub stored_len: usize,
    pub content_type: Option<String>,
    pub cache_control: Option<String>,
    pub content_encoding: Option<String>,
    pub etag: Option<String>,
}

/// Every blob in the container, downloaded.
pub fn download_all(container: &str) -> BTreeMap<String, Blob> {
    download_all_from(&store(container))
}

/// Every blob `store` reaches, downloaded.
pub fn download_all_from(store: &MicrosoftAzure) -> BTreeMap<String, Blob> {
    runtime().block_on(async {
        let metas: Vec<_> = store.list(None).try_collect().await.expect("listing");
        let mut blobs = BTreeMap::new();
        for meta in metas {
            let result = store.get(&meta.location).await.expect("get");
            let attr = |a: &Attribute| result.attributes.get(a).map(|v| v.as_ref().to_string());
            let content_type = attr(&Attribute::ContentType);
            let cache_control = attr(&Attribute::CacheControl);
            let content_encoding = attr(&Attribute::ContentEncoding);
            let etag = result.meta.e_tag.clone();
            let stored = result.bytes().await.expect("body").to_vec();
            let bytes = match content_encoding.as_deref() {
                Some("gzip") => crate::common::gunzip(&stored),
                None => stored.clone(),
                Some(other) => panic!("{}: Content-Encoding {other}", meta.location),
            };
            blobs.insert(
                meta.location.to_string(),
                Blob {
                    bytes,
                    stored_len: stored.len(),
                    content_type,
                    cache_control,
                    content_encoding,
                    etag,
                },
            );
        }
        blobs
    })
}
