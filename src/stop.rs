//! A polite stop: SIGINT (Ctrl-C) or SIGTERM asks the running command to finish cleanly, and a
//! second one ends it at once.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether a stop was asked for; cloned into whatever must notice it. The default never stops.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

/// The exit status of a process ended by a second signal, as a shell reports one for SIGINT.
const SECOND_SIGNAL_STATUS: i32 = 130;

impl Stop {
    /// A stop that SIGINT and SIGTERM ask for; a second signal exits at once.
    pub fn on_signals() -> io::Result<Stop> {
        let stop = Stop::default();
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // Registered first, so it sees the flag as it was before this signal set it.
            signal_hook::flag::register_conditional_shutdown(
                signal,
                SECOND_SIGNAL_STATUS,
                Arc::clone(&stop.0),
            )?;
            signal_hook::flag::register(signal, Arc::clone(&stop.0))?;
        }
        Ok(stop)
    }

    /// True once a stop was asked for.
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Asks for the stop, as a signal would.
    pub fn request(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}
