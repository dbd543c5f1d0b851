//! `pamphlet serve` run as a real process, and a keep-alive HTTP/1.1 client to talk to it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// A running `pamphlet serve`, killed when dropped.
pub struct Serving {
    pub child: Child,
    /// `127.0.0.1:PORT`.
    pub address: String,
    lines: Receiver<String>,
    /// Every line printed so far (stdout and stderr), as read by [`wait_for`](Self::wait_for).
    pub seen: Vec<String>,
}

impl Serving {
    /// Runs `pamphlet serve --port 0` on `root` (through `--root`) with `extra` arguments, and
    /// waits until it says where it serves.
    pub fn start(root: &Path, extra: &[&str]) -> Serving {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pamphlet"));
        command.arg("--root").arg(root);
        Serving::spawn(command, extra)
    }

    /// Runs `command serve --port 0 extra…` and waits until it says where it serves.
    pub fn spawn(mut command: Command, extra: &[&str]) -> Serving {
        let mut child = command
            .args(["serve", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let (send, lines) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let send = send.clone();
            // Keeps reading, so serve never blocks on a full pipe.
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = send.send(line);
                }
            });
        }
        let mut serving = Serving {
            child,
            address: String::new(),
            lines,
            seen: Vec::new(),
        };
        let line = serving.wait_for("Serving http://");
        serving.address = line
            .trim_start_matches("Serving http://")
            .split('/')
            .next()
            .expect("an address")
            .to_string();
        serving
    }

    /// Waits up to a minute for a line starting with `prefix`, and returns it.
    pub fn wait_for(&mut self, prefix: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.starts_with(prefix) {
                        return line;
                    }
                }
                Err(_) => panic!("serve never printed `{prefix}…`: {:?}", self.seen),
            }
        }
    }

    /// Every line printed since the last call, without waiting.
    pub fn drain(&mut self) -> Vec<String> {
        let fresh: Vec<String> = self.lines.try_iter().collect();
        self.seen.extend(fresh.iter().cloned());
        fresh
    }

    /// A new keep-alive connection to the server.
    pub fn connect(&self) -> Client {
        Client::connect(&self.address)
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One response, read whole.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A keep-alive HTTP/1.1 connection: one request at a time, `Content-Length` bodies only (the
/// preview never chunks a file).
pub struct Client {
    address: String,
    reader: BufReader<TcpStream>,
}

impl Client {
    /// Connects to `address` (`host:port`).
    pub fn connect(address: &str) -> Client {
        let stream = TcpStream::connect(address).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        stream.set_nodelay(true).expect("nodelay");
        Client {
            address: address.to_string(),
            reader: BufReader::new(stream),
        }
    }

    /// `GET path`, reconnecting once if the server closed the idle connection.
    pub fn get(&mut self, path: &str) -> std::io::Result<Response> {
        match self.try_get(path) {
            Ok(response) => Ok(response),
            Err(_) => {
                *self = Client::connect(&self.address);
                self.try_get(path)
            }
        }
    }

    fn try_get(&mut self, path: &str) -> std::io::Result<Response> {
        let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", self.address);
        self.reader.get_mut().write_all(request.as_bytes())?;
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("not a status line: {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.push((name.trim().to_string(), value.trim().to_string()));
            }
        }
        let length = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("Content-Length"))
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}
