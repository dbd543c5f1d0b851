//! Live-reload streams: Server-Sent Events, one thread per open browser tab, none from the
//! worker pool.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use tiny_http::Request;

use super::respond::{Connection, Reply, send};
use super::{SMALL_STACK, Shared, lock, serve_connection, spawn};
use crate::serve::state::Change;

/// How often an idle stream looks at its stop flags.
const POLL: Duration = Duration::from_millis(250);

/// Hands `request`'s connection to a thread of its own that streams changes until the browser
/// goes, the client sends another request on it, or the server stops.
pub(super) fn open(shared: &Arc<Shared>, request: Request) -> Connection {
    let cap = shared.options.max_event_streams;
    let taken = shared
        .streams
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
            (n < cap).then_some(n + 1)
        })
        .is_ok();
    if !taken || shared.stopping() {
        if taken {
            shared.streams.fetch_sub(1, Ordering::SeqCst);
        }
        let text = "503 Service Unavailable: too many live-reload connections\n";
        send(
            request,
            Reply::text(503, text.into()).with("Retry-After", "5"),
        );
        return Connection::Answered;
    }
    let peer = request.remote_addr().copied();
    let stop = Arc::new(AtomicBool::new(false));
    shared.connections.set_stream(peer, Some(stop.clone()));
    // Subscribed before the hello is written, so no change can fall between the two.
    let changes = shared.state.subscribe();
    let chunked = *request.http_version() >= (1, 1);
    let writer = request.into_writer();
    let owner = shared.clone();
    let spawned = spawn("pamphlet-events", SMALL_STACK, move || {
        stream(&owner, writer, &changes, &stop, chunked);
        owner.streams.fetch_sub(1, Ordering::SeqCst);
        owner.connections.set_stream(peer, None);
        if let Some(next) = owner.connections.next(peer) {
            serve_connection(&owner, next);
        }
    });
    match spawned {
        Ok(handle) => {
            let mut threads = lock(&shared.stream_threads);
            threads.retain(|t| !t.is_finished());
            threads.push(handle);
            Connection::Streaming
        }
        // The client sees its connection close; EventSource tries again.
        Err(_) => {
            shared.streams.fetch_sub(1, Ordering::SeqCst);
            shared.connections.set_stream(peer, None);
            Connection::Answered
        }
    }
}

/// Writes the stream: a `hello` naming the build served, then an event per change, and a
/// comment after each quiet `keep_alive`, so that a write fails once the browser has gone.
fn stream(
    shared: &Shared,
    writer: Box<dyn Write + Send>,
    changes: &Receiver<Change>,
    stop: &AtomicBool,
    chunked: bool,
) {
    let mut out = Events { writer, chunked };
    // Chunked on HTTP/1.1, so that the end is marked and the connection can go on after it.
    let framing = if chunked {
        "Transfer-Encoding: chunked"
    } else {
        "Connection: close"
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\
         X-Content-Type-Options: nosniff\r\nServer: pamphlet\r\n{framing}\r\n\r\n"
    );
    let hello = format!(
        "retry: 1000\nevent: hello\ndata: {{\"generation\":{},\"server\":\"{}\"}}\n\n",
        shared.state.current().generation,
        shared.server_id
    );
    if out
        .raw(head.as_bytes())
        .and_then(|()| out.event(&hello))
        .is_err()
    {
        return;
    }
    let keep_alive = shared.options.keep_alive;
    let mut quiet_since = Instant::now();
    loop {
        if stop.load(Ordering::SeqCst) || shared.stopping() {
            out.end();
            return;
        }
        let sent = match changes.recv_timeout(POLL.min(keep_alive)) {
            Ok(change) => {
                // The id is the generation now served, which the script keeps after a CSS swap.
                let generation = shared.state.current().generation;
                out.event(&format!("id: {generation}\ndata: {}\n\n", change.to_json()))
            }
            Err(RecvTimeoutError::Timeout) if quiet_since.elapsed() >= keep_alive => {
                out.event(": keep-alive\n\n")
            }
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => {
                out.end();
                return;
            }
        };
        if sent.is_err() {
            return;
        }
        quiet_since = Instant::now();
    }
}

/// The response body of a stream, chunked or not.
struct Events {
    writer: Box<dyn Write + Send>,
    chunked: bool,
}

impl Events {
    fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes)?;
        self.writer.flush()
    }

    fn event(&mut self, text: &str) -> io::Result<()> {
        if self.chunked {
            self.raw(format!("{:x}\r\n{text}\r\n", text.len()).as_bytes())
        } else {
            self.raw(text.as_bytes())
        }
    }

    /// Ends the response properly: the browser reconnects, and a request queued behind the
    /// stream can be answered on the same connection.
    fn end(&mut self) {
        if self.chunked {
            let _ = self.raw(b"0\r\n\r\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    #[test]
    fn events_are_framed_as_chunks_on_http_1_1() {
        let (sender, receiver) = mpsc::channel::<Vec<u8>>();
        struct Sink(mpsc::Sender<Vec<u8>>);
        impl Write for Sink {
            fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
                let _ = self.0.send(bytes.to_vec());
                Ok(bytes.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut out = Events {
            writer: Box::new(Sink(sender)),
            chunked: true,
        };
        out.event("data: x\n\n").unwrap();
        out.end();
        drop(out);
        let written: Vec<u8> = receiver.iter().flatten().collect();
        assert_eq!(written, b"9\r\ndata: x\n\n\r\n0\r\n\r\n");
    }
}
