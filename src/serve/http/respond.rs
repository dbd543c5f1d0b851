//! One request, one answer: which file, which status, which headers.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::{Arc, LazyLock, Mutex};

use sha2::{Digest, Sha256};
use tiny_http::{Header, Method, Request, Response, StatusCode};

use super::{Shared, events, lock};
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
            let body = with_injection(shared, &snapshot, path, bytes);
            let etag = shared.etags.get(snapshot.generation, path, &body);
            revalidate(request, content_type::for_path(path), body, etag)
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
    Reply {
        status: 404,
        content_type: content_type::for_path("404.html"),
        body: with_injection(shared, snapshot, "404.html", &page),
        etag: None,
        extra: None,
    }
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

/// Strong ETags from a hash of the bytes sent, remembered for the snapshot they came from, so
/// a large file is hashed once per build rather than once per request.
#[derive(Default)]
pub(super) struct Etags {
    cache: Mutex<(u64, HashMap<String, String>)>,
}

impl Etags {
    fn get(&self, generation: u64, path: &str, body: &[u8]) -> String {
        {
            let cache = lock(&self.cache);
            if cache.0 == generation
                && let Some(tag) = cache.1.get(path)
            {
                return tag.clone();
            }
        }
        let tag = etag_of(body);
        let mut cache = lock(&self.cache);
        if cache.0 < generation {
            *cache = (generation, HashMap::new());
        }
        if cache.0 == generation {
            cache.1.insert(path.to_string(), tag.clone());
        }
        tag
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

    #[test]
    fn etags_are_remembered_per_generation() {
        let etags = Etags::default();
        let first = etags.get(1, "a.css", b"one");
        assert_eq!(etags.get(1, "a.css", b"ignored: remembered"), first);
        assert_ne!(etags.get(2, "a.css", b"two"), first);
        // A late request for an older build is answered but not remembered.
        assert_eq!(etags.get(1, "a.css", b"one"), first);
        assert_eq!(etags.get(2, "a.css", b"ignored"), etag_of(b"two"));
    }
}
