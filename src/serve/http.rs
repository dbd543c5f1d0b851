//! The preview's HTTP side: answers requests from the current [`Snapshot`](super::state::Snapshot)
//! the way Azure's static website does, and streams live-reload events to browsers.
//!
//! Threads: tiny_http accepts on a thread and reads each connection's requests on a thread of
//! that connection (so slow headers hold only their own thread); a fixed pool of workers answers
//! them; each live-reload stream gets a thread of its own, up to a cap, so open tabs never hold a
//! worker. One connection is served by one thread at a time, in order: tiny_http writes a
//! connection's responses in sequence, so a request pipelined behind a slow or endless response
//! would otherwise block a second worker until that response ends.

mod events;
mod host;
mod respond;

use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use crate::sync::lock;
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use socket2::{Domain, Protocol, SockRef, Socket, Type};
use thiserror::Error;
use tiny_http::Request;

use super::state::PreviewState;
use host::Hosts;
use respond::{Connection, SentFiles};

/// How often [`pump`] connects to the server itself.
const PUMP_PERIOD: Duration = Duration::from_millis(100);
/// How often it does while new connections are coming in, which is when some are stranded.
const PUMP_BURST_PERIOD: Duration = Duration::from_millis(10);
/// How many throwaway connections [`pump`] makes in a tick after new connections came in.
const PUMP_BURST: usize = 8;
/// Peers remembered to tell a new connection from a known one; forgotten all at once past this.
const KNOWN_PEERS: usize = 4096;
const WORKER_STACK: usize = 512 << 10;
const SMALL_STACK: usize = 256 << 10;

/// How the server is sized and how patient it is.
#[derive(Debug, Clone)]
pub struct Options {
    /// Threads answering requests; each slow client holds one while its response is written.
    pub workers: usize,
    /// Live-reload connections open at once; more are refused with 503.
    pub max_event_streams: usize,
    /// Quiet time after which a live-reload stream sends a comment, so a gone browser is noticed.
    pub keep_alive: Duration,
    /// How long a connection may stall a read or a write before it is dropped.
    pub io_timeout: Duration,
    /// Ports tried after a busy one (`port + 1` to `port + port_attempts`).
    pub port_attempts: u16,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            workers: 64,
            max_event_streams: 256,
            keep_alive: Duration::from_secs(15),
            io_timeout: Duration::from_secs(30),
            port_attempts: 10,
        }
    }
}

/// Why the server could not start, or stopped.
#[derive(Debug, Error)]
pub enum ServeError {
    /// Every port tried was taken.
    #[error(
        "ports {first} to {last} on {interface} are all busy; pass another with --port, or --port 0 for any free one"
    )]
    PortsBusy {
        /// The interface asked for.
        interface: IpAddr,
        /// The port asked for.
        first: u16,
        /// The last port tried.
        last: u16,
    },
    /// Listening failed for another reason (no such interface, a privileged port…).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address tried.
        addr: SocketAddr,
        /// What the system said.
        source: io::Error,
    },
    /// The HTTP server or its threads could not be set up.
    #[error("cannot start the HTTP server: {0}")]
    Start(String),
    /// The listening socket failed; no new connection can be accepted.
    #[error("the HTTP server stopped accepting connections: {0}")]
    Accept(String),
}

/// A running preview server; dropping it shuts it down.
pub struct Server {
    shared: Arc<Shared>,
    http: Mutex<Option<Arc<tiny_http::Server>>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    pump: Mutex<Option<JoinHandle<()>>>,
    addr: SocketAddr,
    requested_port: u16,
}

/// Starts serving `state` on `interface`, at `port` or, when it is busy, the next free one of
/// the following `options.port_attempts`; port 0 takes any free port.
///
/// Also lifts the process's soft open-files limit to its hard limit (two descriptors per
/// connection; when tiny_http runs out its accept thread ends for good).
pub fn start(
    state: Arc<PreviewState>,
    interface: IpAddr,
    port: u16,
    options: Options,
) -> Result<Server, ServeError> {
    raise_fd_limit();
    let listener = listen(interface, port, &options)?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: SocketAddr::new(interface, port),
        source,
    })?;
    let http = tiny_http::Server::from_listener(listener, None)
        .map_err(|e| ServeError::Start(e.to_string()))?;
    let http = Arc::new(http);
    let shared = Arc::new(Shared {
        state,
        hosts: Hosts::new(interface, addr.port()),
        server_id: server_id(addr),
        options,
        stopping: AtomicBool::new(false),
        status: Mutex::new(Status::Running),
        status_changed: Condvar::new(),
        connections: Connections::default(),
        sent: SentFiles::default(),
        streams: AtomicUsize::new(0),
        stream_threads: Mutex::new(Vec::new()),
        fresh: AtomicUsize::new(0),
    });
    // Built first, so that a failure below shuts down whatever had started.
    let server = Server {
        shared: shared.clone(),
        http: Mutex::new(Some(http.clone())),
        workers: Mutex::new(Vec::new()),
        pump: Mutex::new(None),
        addr,
        requested_port: port,
    };
    for _ in 0..shared.options.workers.max(1) {
        let (shared, http) = (shared.clone(), http.clone());
        let worker = spawn("pamphlet-http", WORKER_STACK, move || work(&shared, &http))?;
        lock(&server.workers).push(worker);
    }
    let pumping = spawn("pamphlet-http-pump", SMALL_STACK, move || {
        pump(&shared, addr)
    })?;
    *lock(&server.pump) = Some(pumping);
    Ok(server)
}

fn spawn(
    name: &str,
    stack: usize,
    body: impl FnOnce() + Send + 'static,
) -> Result<JoinHandle<()>, ServeError> {
    thread::Builder::new()
        .name(name.into())
        .stack_size(stack)
        .spawn(body)
        .map_err(|e| ServeError::Start(format!("cannot start a thread: {e}")))
}

impl Server {
    /// The address actually listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The preview's address for people: `http://127.0.0.1:1111/`, `http://[::1]:1111/`, and
    /// `http://localhost:1111/` when listening on every interface.
    pub fn url(&self) -> String {
        if self.addr.ip().is_unspecified() {
            format!("http://localhost:{}/", self.addr.port())
        } else {
            format!("http://{}/", self.addr)
        }
    }

    /// `port 1111 is busy; serving on 1112 instead` when the port asked for was taken.
    pub fn port_notice(&self) -> Option<String> {
        let (asked, got) = (self.requested_port, self.addr.port());
        (asked != 0 && asked != got)
            .then(|| format!("port {asked} is busy; serving on {got} instead"))
    }

    /// Blocks until [`shutdown`](Self::shutdown) (`Ok`) or until the listening socket fails.
    pub fn wait(&self) -> Result<(), ServeError> {
        let status = lock(&self.shared.status);
        let status = self
            .shared
            .status_changed
            .wait_while(status, |s| matches!(s, Status::Running))
            .unwrap_or_else(PoisonError::into_inner);
        match &*status {
            Status::Failed(e) => Err(ServeError::Accept(e.clone())),
            _ => Ok(()),
        }
    }

    /// Stops accepting, ends the live-reload streams, lets the workers finish the responses
    /// they are writing, and closes the listening socket. Idempotent.
    pub fn shutdown(&self) {
        if self.shared.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        // Taking the lock orders this after the pump's check or into its wait.
        drop(lock(&self.shared.status));
        self.shared.status_changed.notify_all();
        if let Some(pump) = lock(&self.pump).take() {
            let _ = pump.join();
        }
        let workers = std::mem::take(&mut *lock(&self.workers));
        let http = lock(&self.http).take();
        if let Some(http) = &http {
            // Each unblock releases one worker from `recv`, after the requests already queued.
            for _ in &workers {
                http.unblock();
            }
        }
        for worker in workers {
            let _ = worker.join();
        }
        // Stream threads may serve requests queued behind them, but open no new stream now.
        loop {
            let streams = std::mem::take(&mut *lock(&self.shared.stream_threads));
            if streams.is_empty() {
                break;
            }
            for stream in streams {
                let _ = stream.join();
            }
        }
        // The last reference: dropping it closes the listening socket.
        drop(http);
        self.shared.set_status(Status::Stopped);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

enum Status {
    Running,
    Stopped,
    Failed(String),
}

/// What every thread of one server shares.
struct Shared {
    state: Arc<PreviewState>,
    hosts: Hosts,
    /// Tells this server run from an earlier one, so a tab open across a restart reloads.
    server_id: String,
    options: Options,
    stopping: AtomicBool,
    status: Mutex<Status>,
    status_changed: Condvar,
    connections: Connections,
    sent: SentFiles,
    streams: AtomicUsize,
    stream_threads: Mutex<Vec<JoinHandle<()>>>,
    /// First requests of new connections since [`pump`] last looked.
    fresh: AtomicUsize,
}

impl Shared {
    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    fn set_status(&self, new: Status) {
        let mut status = lock(&self.status);
        if matches!(*status, Status::Running) {
            *status = new;
        }
        self.status_changed.notify_all();
    }
}

fn work(shared: &Arc<Shared>, http: &tiny_http::Server) {
    loop {
        match http.recv() {
            Ok(request) => {
                let claim = shared.connections.claim(request);
                if claim.fresh {
                    shared.fresh.fetch_add(1, Ordering::Relaxed);
                }
                if let Some(request) = claim.now {
                    serve_connection(shared, request);
                }
            }
            // An OS error means tiny_http's accept thread has ended: nothing new will come.
            Err(e) if e.raw_os_error().is_some() => {
                shared.set_status(Status::Failed(e.to_string()));
                return;
            }
            Err(_) if shared.stopping() => return,
            Err(_) => {}
        }
    }
}

/// Answers `request`, then whatever its connection queued behind it in the meantime.
fn serve_connection(shared: &Arc<Shared>, first: Request) {
    let peer = first.remote_addr().copied();
    let mut request = first;
    loop {
        // A bug must cost one response (tiny_http sends a 500 as the request unwinds), not the
        // worker or the connection's queue.
        let outcome = catch_unwind(AssertUnwindSafe(|| respond::answer(shared, request)));
        if let Ok(Connection::Streaming) = outcome {
            return;
        }
        match shared.connections.next(peer) {
            Some(next) => request = next,
            None => return,
        }
    }
}

/// Requests waiting for their connection's earlier response, by client address.
#[derive(Default)]
struct Connections {
    peers: Mutex<Peers>,
}

#[derive(Default)]
struct Peers {
    busy: HashMap<SocketAddr, Slot>,
    /// Peers that have sent a request, so the first request of a connection can be told.
    known: HashSet<SocketAddr>,
}

/// What [`Connections::claim`] decided about a request.
struct Claim {
    /// The request, when it is to be answered now.
    now: Option<Request>,
    /// It is the first of its connection.
    fresh: bool,
}

#[derive(Default)]
struct Slot {
    queued: VecDeque<Request>,
    /// Set while the connection holds an event stream; raised to end it.
    stream: Option<Arc<AtomicBool>>,
}

impl Connections {
    /// `request` to answer now, or nothing when it waits behind its connection's current one.
    fn claim(&self, request: Request) -> Claim {
        let Some(peer) = request.remote_addr().copied() else {
            return Claim {
                now: Some(request),
                fresh: false,
            };
        };
        let mut peers = lock(&self.peers);
        if peers.known.len() >= KNOWN_PEERS {
            peers.known.clear();
        }
        let fresh = peers.known.insert(peer);
        let now = match peers.busy.get_mut(&peer) {
            Some(slot) => {
                // EventSource never sends more on its connection; a client that does wants
                // answers, which can only come once the stream ends.
                if let Some(stop) = &slot.stream {
                    stop.store(true, Ordering::SeqCst);
                }
                slot.queued.push_back(request);
                None
            }
            None => {
                peers.busy.insert(peer, Slot::default());
                Some(request)
            }
        };
        Claim { now, fresh }
    }

    /// The next request queued on `peer`'s connection; `None` marks the connection idle.
    fn next(&self, peer: Option<SocketAddr>) -> Option<Request> {
        let peer = peer?;
        let mut peers = lock(&self.peers);
        let slot = peers.busy.get_mut(&peer)?;
        let next = slot.queued.pop_front();
        if next.is_none() {
            peers.busy.remove(&peer);
        }
        next
    }

    fn set_stream(&self, peer: Option<SocketAddr>, stop: Option<Arc<AtomicBool>>) {
        let Some(peer) = peer else { return };
        if let Some(slot) = lock(&self.peers).busy.get_mut(&peer) {
            slot.stream = stop;
        }
    }
}

/// Works around two defects of tiny_http 0.12's accept loop, and notices when it has died.
///
/// Linux applies the listener's receive timeout (set so that connections inherit it) to
/// `accept` as well, and tiny_http ends its accept thread at the first error, timeouts
/// included. And its pool of connection threads loses wake-ups when connections come in a burst
/// (a browser opens six at once): a stranded connection then waits until some other one ends,
/// for up to the read timeout. A new connection gets a fresh thread when none is idle, and that
/// thread takes the stranded one when its own has ended; so a throwaway connection, reset at
/// once, every [`PUMP_PERIOD`] keeps `accept` from timing out and frees stranded connections
/// within a tick. While new connections are coming in, which is when some are stranded, it
/// makes [`PUMP_BURST`] of them every [`PUMP_BURST_PERIOD`] instead: a load tester's fifty new
/// connections were otherwise freed four a tick, the last after a second. A refused one means
/// the listening socket is gone, which `wait` reports.
fn pump(shared: &Shared, addr: SocketAddr) {
    let target = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, addr.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, addr.port()).into(),
        _ => addr,
    };
    let idle_period = PUMP_PERIOD.min(shared.options.io_timeout / 4);
    let mut period = idle_period;
    loop {
        {
            let status = lock(&shared.status);
            let (status, _) = shared
                .status_changed
                .wait_timeout_while(status, period, |s| {
                    matches!(s, Status::Running) && !shared.stopping()
                })
                .unwrap_or_else(PoisonError::into_inner);
            if !matches!(*status, Status::Running) || shared.stopping() {
                return;
            }
        }
        // Each connection freed sends its first request, so a burst keeps this going until
        // the last stranded one is free.
        let arriving = shared.fresh.swap(0, Ordering::SeqCst) > 0;
        let throwaways = if arriving { PUMP_BURST } else { 1 };
        period = if arriving {
            PUMP_BURST_PERIOD.min(idle_period)
        } else {
            idle_period
        };
        for _ in 0..throwaways {
            match TcpStream::connect_timeout(&target, Duration::from_secs(1)) {
                // A reset leaves no TIME_WAIT behind; tiny_http reads the reset and lets go.
                Ok(stream) => {
                    let _ = SockRef::from(&stream).set_linger(Some(Duration::ZERO));
                }
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused && !shared.stopping() => {
                    let reason = format!("{addr} no longer accepts connections");
                    shared.set_status(Status::Failed(reason));
                    return;
                }
                Err(_) => {}
            }
        }
    }
}

/// Listens on `interface`, at `port` or the next free one of `options.port_attempts`.
fn listen(interface: IpAddr, port: u16, options: &Options) -> Result<TcpListener, ServeError> {
    let last = if port == 0 {
        0
    } else {
        port.saturating_add(options.port_attempts)
    };
    for candidate in port..=last {
        let addr = SocketAddr::new(interface, candidate);
        match bind(addr, options.io_timeout) {
            Ok(listener) => return Ok(listener),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse && port != 0 => continue,
            Err(source) => return Err(ServeError::Bind { addr, source }),
        }
    }
    Err(ServeError::PortsBusy {
        interface,
        first: port,
        last,
    })
}

fn bind(addr: SocketAddr, io_timeout: Duration) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // As std does on Unix: a restarted preview may take back a port still in TIME_WAIT.
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    // std's 128 drops part of a burst of connections into SYN retries seconds long.
    socket.listen(1024)?;
    // tiny_http accepts the connections itself, but on Linux and the BSDs they inherit these
    // from the listener: a client that stalls a read (slow headers, an idle keep-alive, a body
    // that never comes) or a write (not reading its response) is dropped instead of holding a
    // thread for ever.
    socket.set_read_timeout(Some(io_timeout))?;
    socket.set_write_timeout(Some(io_timeout))?;
    // Inherited too. tiny_http writes the head and the body apart; with Nagle the body waits
    // for the ACK of the head, which the client delays: 40 ms a response on Linux.
    socket.set_tcp_nodelay(true)?;
    Ok(socket.into())
}

fn server_id(addr: SocketAddr) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let digest = Sha256::digest(format!("{nanos} {} {addr}", std::process::id()));
    digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// Lifts the soft open-files limit to the hard one. tiny_http holds two descriptors per
/// connection, and when `accept` fails its accept thread ends: the server would go deaf at
/// about 500 connections under the common default of 1,024.
#[cfg(target_os = "linux")]
fn raise_fd_limit() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if let (Some(current), Some(maximum)) = (limit.current, limit.maximum)
        && current < maximum
    {
        let raised = Rlimit {
            current: Some(maximum),
            maximum: Some(maximum),
        };
        let _ = setrlimit(Resource::Nofile, raised);
    }
}

#[cfg(not(target_os = "linux"))]
fn raise_fd_limit() {}
