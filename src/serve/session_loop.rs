//! Running `pamphlet serve`: start the server, build, then rebuild on every edit until stopped.

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::http::{self, ServeError, Server};
use super::rebuild::{Rebuilt, Session};
use super::state::{Change, PreviewState, Snapshot};
use super::watch::Watcher;
use crate::build::BuildOptions;
use crate::diagnostic::Diagnostics;
use crate::model::Future;
use crate::plural::count;
use crate::stop::Stop;

/// The port `pamphlet serve` listens on when none is given.
pub const DEFAULT_PORT: u16 = 1111;

/// What `pamphlet serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site's folder.
    pub root: PathBuf,
    /// The interface to listen on.
    pub interface: IpAddr,
    /// The port to listen on (0: any free one).
    pub port: u16,
    /// Include drafts.
    pub drafts: bool,
}

/// Why serving stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The HTTP server failed.
    #[error(transparent)]
    Http(#[from] ServeError),
    /// The file watcher could not start or stopped.
    #[error("cannot watch the site for changes: {0}")]
    Watch(String),
}

/// A running preview: server, session and watcher. Tests drive it; `run` loops it forever.
pub struct Preview {
    server: Server,
    state: Arc<PreviewState>,
    session: Session,
    watcher: Watcher,
}

/// A preview serving its first build, before it watches the site.
pub struct Unwatched {
    server: Server,
    state: Arc<PreviewState>,
    session: Session,
    root: PathBuf,
}

impl Preview {
    /// Starts the server, builds the site once and starts watching; the first build may fail
    /// (its problems are then shown as the overlay until fixed).
    pub fn start(options: &ServeOptions, out: &mut dyn Write) -> Result<Preview, RunError> {
        Preview::serve(options, out)?.watch(out)
    }

    /// Starts the server and serves a first build of the site, without watching it yet: the
    /// watcher's setup and the events of the build's own reads would delay the first answer
    /// (a fifth of a start at 10,000 posts). [`Unwatched::watch`] catches up.
    pub fn serve(options: &ServeOptions, out: &mut dyn Write) -> Result<Unwatched, RunError> {
        if !options.interface.is_loopback() {
            let _ = writeln!(
                out,
                "warning: listening on {}, so other machines can reach this preview",
                options.interface
            );
        }
        let state = Arc::new(PreviewState::new(Snapshot::default()));
        let server = http::start(
            state.clone(),
            options.interface,
            options.port,
            http::Options::default(),
        )?;
        if let Some(notice) = server.port_notice() {
            let _ = writeln!(out, "{notice}");
        }
        let mut build = BuildOptions::new(&options.root);
        build.drafts = options.drafts;
        // The author previews what is coming: scheduled posts are shown, marked as such.
        build.future = Future::Mark;
        // Links in the preview (canonical URLs, feeds, redirects) point at the preview itself.
        build.base_url = Some(server.url());
        let mut session = Session::new(build);
        let started = Instant::now();
        let result = session.rebuild(&[PathBuf::new()]);
        publish(&state, &session, result, started, out);
        let _ = writeln!(
            out,
            "Serving {} (press Ctrl-C to stop); watching content/, templates/, static/ and site.toml",
            server.url()
        );
        Ok(Unwatched {
            server,
            state,
            session,
            root: options.root.clone(),
        })
    }

    /// The server's base URL.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Waits up to `timeout` for edits and rebuilds once for all of them; `true` if it rebuilt.
    pub fn step(&mut self, timeout: Duration, out: &mut dyn Write) -> Result<bool, RunError> {
        let Some(paths) = self
            .watcher
            .next(timeout)
            .map_err(|e| RunError::Watch(e.to_string()))?
        else {
            return Ok(false);
        };
        let started = Instant::now();
        let result = self.session.rebuild(&paths);
        publish(&self.state, &self.session, result, started, out);
        Ok(true)
    }

    /// Stops the server.
    pub fn stop(self) {
        self.server.shutdown();
    }
}

impl Unwatched {
    /// The server's base URL.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Starts watching the site, then reads it all once more, so an edit made before the watch
    /// began is served too; that catching up is quiet when it changed nothing.
    pub fn watch(self, out: &mut dyn Write) -> Result<Preview, RunError> {
        let watcher = Watcher::start(&self.root).map_err(|e| RunError::Watch(e.to_string()))?;
        let mut preview = Preview {
            server: self.server,
            state: self.state,
            session: self.session,
            watcher,
        };
        let started = Instant::now();
        let result = preview.session.rebuild(&[PathBuf::new()]);
        let served = preview.state.current();
        let same = match &result {
            Ok(rebuilt) => rebuilt.changed.is_empty() && served.error.is_none(),
            Err(problems) => served.error.as_ref() == Some(&overlay_text(problems)),
        };
        if !same {
            publish(&preview.state, &preview.session, result, started, out);
        }
        Ok(preview)
    }
}

/// Serves the result of a build: its files, or the last good files with the error overlay.
fn publish(
    state: &PreviewState,
    session: &Session,
    result: Result<Rebuilt, Diagnostics>,
    started: Instant,
    out: &mut dyn Write,
) {
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    match result {
        Ok(rebuilt) => {
            for warning in rebuilt.warnings.sorted() {
                let _ = writeln!(out, "{warning}");
            }
            let was_failing = state.current().error.is_some();
            if rebuilt.changed.is_empty() && !was_failing {
                // An editor's trailing events after a save land here; the browser is not
                // reloaded, so neither is it called a rebuild.
                let _ = writeln!(out, "No output changed ({elapsed:.0} ms)");
                return;
            }
            let _ = writeln!(
                out,
                "Rebuilt in {elapsed:.0} ms: {} changed ({} markdown, {})",
                count(rebuilt.changed.len(), "file", "files"),
                rebuilt.markdown_rendered,
                count(
                    rebuilt.templates_rendered,
                    "template render",
                    "template renders"
                )
            );
            let change = if was_failing {
                Change::Reload
            } else {
                rebuilt.change
            };
            let snapshot = Snapshot::new(rebuilt.files, None).compressing(rebuilt.compress);
            state.publish(snapshot, change);
        }
        Err(problems) => {
            let text = overlay_text(&problems);
            let _ = writeln!(out, "{text}");
            let serving = if session.last_good().is_empty() {
                "there is no good build to serve yet; fix the errors and save"
            } else {
                "still serving the last good build"
            };
            let _ = writeln!(
                out,
                "Build failed in {elapsed:.0} ms with {}; {serving}",
                count(problems.error_count(), "error", "errors")
            );
            let files = session.last_good().clone();
            // A build that failed has no settings of its own: the last good one's hold.
            let compress = state.current().compress.clone();
            let snapshot = Snapshot::new(files, Some(text)).compressing(compress);
            state.publish(snapshot, Change::Reload);
        }
    }
}

/// Every problem of a failed build, as printed and shown over every page.
fn overlay_text(problems: &Diagnostics) -> String {
    let text: Vec<String> = problems.sorted().iter().map(|d| d.to_string()).collect();
    text.join("\n")
}

/// Serves the site until `stop` is asked for (SIGINT or SIGTERM).
pub fn run(options: &ServeOptions, stop: &Stop) -> Result<(), RunError> {
    let mut out = std::io::stdout();
    let mut preview = Preview::start(options, &mut out)?;
    while !stop.requested() {
        // Short steps, so a stop is noticed within a fraction of a second.
        preview.step(Duration::from_millis(100), &mut out)?;
    }
    if let Some(warning) = preview.session.end() {
        let _ = writeln!(out, "{warning}");
    }
    // The connections, live-reload streams included, close as the process ends: waiting for
    // each worker to finish its keep-alive connection could take seconds.
    let _ = writeln!(out, "Stopped");
    Ok(())
}
