//! One request, one answer: which file, which status, which headers.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::{Arc, LazyLock, Mutex};

use sha2::{Digest, Sha256};
use tiny_http::{Header, Method, Request, Response, StatusCode};

use super::{Shared, events, lock};
use crate::compress::{self, ContentEncoding};
use crate::content_type;
use crate::serve::inject::{self, LIVERELOAD_JS, OVERLAY_CSS, RESERVED_PREFIX};
use crate::serve::resolve::resolve;
use crate::serve::state::Snapshot;
use crate::write::memory::Bytes;

/// Largest declared request body that may be dropped (see [`body_too_large`]).
const MAX_DROPPED_BODY: usize = 64 << 20;

/// What became of a request's connection.
pub(super) enum Connection {
    Answered,
    /// An event stream's thread now owns the connection.
    Streaming,
}

/// Answers `request`, or hands its connection to a live-reload stream.
pub(super) fn answer(shared: &Arc<Shared>, request: Request) -> Connection {
    if body_too_large(&request) {
        refuse_body(request);
        return Connection::Answered;
    }
    match decide(shared, &request) {
        Decision::Events => events::open(shared, request),
        Decision::Reply(reply) => {
            send(request, reply);
            Connection::Answered
        }
    }
}

/// True when dropping `request` would abort the process: tiny_http 0.12 discards an unread body
/// by allocating all that is left of its declared `Content-Length` at once (tiny-http#252), so
/// `Content-Length: 100000000000000` is a one-line kill. Mirrors tiny_http's own framing rules.
fn body_too_large(request: &Request) -> bool {
    let header = |name: &'static str| {
        request
            .headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str())
    };
    if header("Transfer-Encoding").is_some()
        || header("Connection").is_some_and(|v| v.to_ascii_lowercase().contains("upgrade"))
    {
        return false;
    }
    header("Content-Length")
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|length| length > MAX_DROPPED_BODY)
}

/// Answers 413 and leaks the body reader rather than drop it (see [`body_too_large`]). The
/// connection goes with it: only a client declaring more than 64 MiB of body to a static
/// preview pays, with a connection that never closes.
fn refuse_body(request: Request) {
    let stream = request.upgrade("close", Response::empty(413));
    std::mem::forget(stream);
}

enum Decision {
    Reply(Reply),
    Events,
}

/// A response, headers and body, before tiny_http writes it.
pub(super) struct Reply {
    status: u16,
    content_type: &'static str,
    /// For 304, the body a 200 would have had: its length is still announced.
    body: Bytes,
    etag: Option<String>,
    /// How `body` is encoded, for files `[deploy] compress` names; `None` for everything else.
    encoding: Option<ContentEncoding>,
    extra: Option<(&'static str, &'static str)>,
}

impl Reply {
    /// A plain-text answer, for errors.
    pub(super) fn text(status: u16, text: String) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: text.into_bytes().into(),
            etag: None,
            encoding: None,
            extra: None,
        }
    }

    /// With one more header.
    pub(super) fn with(mut self, name: &'static str, value: &'static str) -> Reply {
        self.extra = Some((name, value));
        self
    }
}

fn decide(shared: &Shared, request: &Request) -> Decision {
    if let Err(refusal) = shared.hosts.check(request) {
        return Decision::Reply(refusal);
    }
    if !matches!(request.method(), Method::Get | Method::Head) {
        let reply = Reply::text(405, "405 Method Not Allowed\n".into());
        return Decision::Reply(reply.with("Allow", "GET, HEAD"));
    }
    let resolved = match resolve(request.url()) {
        Ok(resolved) => resolved,
        Err(e) => return Decision::Reply(Reply::text(400, format!("400 Bad Request: {e}\n"))),
    };
    let snapshot = shared.state.current();
    if let Some(name) = resolved.path.strip_prefix(RESERVED_PREFIX) {
        return own_file(shared, &snapshot, request, name);
    }
    let found = resolved
        .candidates
        .iter()
        .find_map(|path| snapshot.file(path).map(|bytes| (path, bytes)));
    Decision::Reply(match found {
        Some((path, bytes)) => {
            let sent = as_sent(shared, &snapshot, request, path, bytes);
            let mut reply = revalidate(request, content_type::for_path(path), sent.body, sent.etag);
            reply.encoding = sent.encoding;
            reply
        }
        None => not_found(shared, &snapshot, request),
    })
}

/// The server's own files, under `/__pamphlet/`.
fn own_file(shared: &Shared, snapshot: &Snapshot, request: &Request, name: &str) -> Decision {
    static SCRIPT_ETAG: LazyLock<String> = LazyLock::new(|| etag_of(LIVERELOAD_JS.as_bytes()));
    static CSS_ETAG: LazyLock<String> = LazyLock::new(|| etag_of(OVERLAY_CSS.as_bytes()));
    let (text, etag) = match name {
        "events" if *request.method() == Method::Get => return Decision::Events,
        "events" => {
            let mut reply = Reply::text(200, String::new());
            reply.content_type = "text/event-stream";
            return Decision::Reply(reply);
        }
        "livereload.js" => (LIVERELOAD_JS, &*SCRIPT_ETAG),
        "overlay.css" => (OVERLAY_CSS, &*CSS_ETAG),
        _ => return Decision::Reply(not_found(shared, snapshot, request)),
    };
    let body = text.as_bytes().into();
    Decision::Reply(revalidate(
        request,
        content_type::for_path(name),
        body,
        etag.clone(),
    ))
}

/// `404.html` from the site, else a minimal page for browsers (so live reload and the overlay
/// still reach them) and plain text for everything else.
fn not_found(shared: &Shared, snapshot: &Snapshot, request: &Request) -> Reply {
    let page: Bytes = match snapshot.files.get("404.html") {
        Some(page) => page.clone(),
        None if accepts_html(request) => inject::fallback_404().into(),
        None => return Reply::text(404, "404 Not Found\n".into()),
    };
    let sent = as_sent(shared, snapshot, request, "404.html", &page);
    Reply {
        status: 404,
        content_type: content_type::for_path("404.html"),
        body: sent.body,
        etag: Some(sent.etag),
        encoding: sent.encoding,
        extra: None,
    }
}

/// The output file `path` of `snapshot` as sent to `request`: with the live-reload script if
/// it is HTML, and gzip-encoded if the deploy stores it so and the client takes gzip (every
/// browser does, so a browser sees what Azure serves).
fn as_sent(
    shared: &Shared,
    snapshot: &Snapshot,
    request: &Request,
    path: &str,
    bytes: &Bytes,
) -> Sent {
    let body = with_injection(shared, snapshot, path, bytes);
    let compressed = snapshot.compress.is_compressed(path);
    let encoding = if compressed && accepts_gzip(request) {
        ContentEncoding::Gzip
    } else {
        ContentEncoding::Identity
    };
    let mut sent = shared.sent.get(snapshot.generation, path, encoding, &body);
    sent.encoding = compressed.then_some(encoding);
    sent
}

/// True when `Accept-Encoding` lists gzip (or `*`) without `q=0` (RFC 9110 §12.5.3).
fn accepts_gzip(request: &Request) -> bool {
    let codings = request
        .headers()
        .iter()
        .filter(|h| h.field.equiv("Accept-Encoding"))
        .flat_map(|h| h.value.as_str().split(','));
    codings.into_iter().any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
    })
}

/// The bytes as sent: HTML gets the live-reload script, and the overlay after a failed build.
fn with_injection(shared: &Shared, snapshot: &Snapshot, path: &str, bytes: &Bytes) -> Bytes {
    if !content_type::is_html(path) {
        return bytes.clone();
    }
    let version = format!("{}.{}", shared.server_id, snapshot.generation);
    inject::inject(bytes, &version, snapshot.error.as_deref()).into()
}

/// 200 with `body`, or 304 when the client already holds it.
fn revalidate(request: &Request, content_type: &'static str, body: Bytes, etag: String) -> Reply {
    // If-None-Match compares weakly (RFC 9110 §13.1.2): `W/"x"` matches `"x"`.
    let held = request
        .headers()
        .iter()
        .filter(|h| h.field.equiv("If-None-Match"))
        .flat_map(|h| h.value.as_str().split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag);
    Reply {
        status: if held { 304 } else { 200 },
        content_type,
        body,
        etag: Some(etag),
        encoding: None,
        extra: None,
    }
}

fn accepts_html(request: &Request) -> bool {
    request
        .headers()
        .iter()
        .any(|h| h.field.equiv("Accept") && h.value.as_str().contains("text/html"))
}

/// Writes `reply`; a client gone mid-response is nobody's concern.
pub(super) fn send(request: Request, reply: Reply) {
    let mut headers = vec![
        ("Content-Type", reply.content_type),
        ("Cache-Control", "no-cache"),
        ("X-Content-Type-Options", "nosniff"),
        ("Server", "pamphlet"),
    ];
    // Errors too: the README promises an ETag on every response, and a 404 page can change.
    let etag = reply.etag.unwrap_or_else(|| etag_of(&reply.body));
    headers.push(("ETag", &etag));
    if let Some(encoding) = reply.encoding {
        // The same URL answers in two encodings, by what the client accepts.
        headers.push(("Vary", "Accept-Encoding"));
        headers.extend(encoding.header().map(|value| ("Content-Encoding", value)));
    }
    headers.extend(reply.extra);
    let headers = headers
        .into_iter()
        .filter_map(|(name, value)| Header::from_bytes(name, value).ok())
        .collect();
    let length = reply.body.len();
    // tiny_http leaves out the body for HEAD and 304 but keeps this length; never chunked, so
    // HEAD announces the same Content-Length as GET.
    let body = Cursor::new(reply.body);
    let response = Response::new(StatusCode(reply.status), headers, body, Some(length), None)
        .with_chunked_threshold(usize::MAX);
    let _ = request.respond(response);
}

/// What is sent for one file of one build in one encoding: its bytes and their strong ETag.
#[derive(Clone)]
struct Sent {
    body: Bytes,
    etag: String,
    /// The encoding to announce: `body`'s, until [`as_sent`] clears it for a file the deploy
    /// never compresses, which is sent with neither `Content-Encoding` nor `Vary`.
    encoding: Option<ContentEncoding>,
}

/// The bytes sent for each file in each encoding, with their ETags, remembered for the snapshot
/// they came from: a large file is hashed, and compressed, once per build rather than once per
/// request.
#[derive(Default)]
pub(super) struct SentFiles {
    cache: Mutex<Remembered>,
}

#[derive(Default)]
struct Remembered {
    generation: u64,
    sent: HashMap<(String, ContentEncoding), Sent>,
}

impl SentFiles {
    fn get(&self, generation: u64, path: &str, encoding: ContentEncoding, body: &Bytes) -> Sent {
        let key = (path.to_string(), encoding);
        {
            let cache = lock(&self.cache);
            if cache.generation == generation
                && let Some(sent) = cache.sent.get(&key)
            {
                return sent.clone();
            }
        }
        // Compressed outside the lock: a large page must not hold up every other request.
        let body: Bytes = match encoding {
            ContentEncoding::Identity => body.clone(),
            ContentEncoding::Gzip => compress::gzip(body).into(),
        };
        let sent = Sent {
            etag: etag_of(&body),
            body,
            encoding: Some(encoding),
        };
        let mut cache = lock(&self.cache);
        if cache.generation < generation {
            *cache = Remembered {
                generation,
                sent: HashMap::new(),
            };
        }
        if cache.generation == generation {
            cache.sent.insert(key, sent.clone());
        }
        sent
    }
}

fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_quoted_hashes_of_the_bytes() {
        // The same bytes from another buffer give the same tag: it depends on the bytes alone.
        assert_eq!(etag_of(b"a"), etag_of(String::from("a").as_bytes()));
        assert_ne!(etag_of(b"a"), etag_of(b"b"));
        assert_eq!(etag_of(b"").len(), 34);
        // The first 16 bytes of the SHA-256 of the body, in lower-case hex, quoted (RFC 9110
        // strong validator): the published digests of "", "a" and "b".
        assert_eq!(etag_of(b""), "\"e3b0c44298fc1c149afbf4c8996fb924\"");
        assert_eq!(etag_of(b"a"), "\"ca978112ca1bbdcafac231b39a23dc4d\"");
        assert_eq!(etag_of(b"b"), "\"3e23e8160039594a33894f6564e1b134\"");
        // Bodies differing in one byte, or only in length, get different tags.
        let body = vec![7u8; 4096];
        let mut other = body.clone();
        other[4095] = 8;
        assert_ne!(etag_of(&body), etag_of(&other));
        assert_ne!(etag_of(&body), etag_of(&body[..4095]));
        for tag in [
            etag_of(b""),
            etag_of(&body),
            etag_of(LIVERELOAD_JS.as_bytes()),
        ] {
            let hex = tag
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .unwrap_or_else(|| panic!("{tag} is not quoted"));
            assert_eq!(hex.len(), 32, "{tag}");
            assert!(
                hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')),
                "{tag} is not lower-case hex"
            );
        }
    }

    fn bytes(b: &[u8]) -> Bytes {
        b.into()
    }

    #[test]
    fn sent_files_are_remembered_per_generation_and_encoding() {
        use std::io::Read as _;
        let sent = SentFiles::default();
        let first = sent.get(1, "a.css", ContentEncoding::Identity, &bytes(b"one"));
        assert_eq!(first.etag, etag_of(b"one"));
        let again = sent.get(1, "a.css", ContentEncoding::Identity, &bytes(b"ignored"));
        assert_eq!(again.etag, first.etag);
        let next = sent.get(2, "a.css", ContentEncoding::Identity, &bytes(b"two"));
        assert_ne!(next.etag, first.etag);
        // A late request for an older build is answered but not remembered.
        let late = sent.get(1, "a.css", ContentEncoding::Identity, &bytes(b"one"));
        assert_eq!(late.etag, first.etag);
        let now = sent.get(2, "a.css", ContentEncoding::Identity, &bytes(b"ignored"));
        assert_eq!(now.etag, etag_of(b"two"));

        // gzip is its own representation: its own bytes, its own ETag.
        let packed = sent.get(2, "a.css", ContentEncoding::Gzip, &bytes(b"two"));
        assert_ne!(packed.etag, now.etag);
        let mut unpacked = String::new();
        flate2::read::GzDecoder::new(&packed.body[..])
            .read_to_string(&mut unpacked)
            .unwrap();
        assert_eq!(unpacked, "two");
    }
}
