//! The daemon: the backend every router calls.
//!
//! Mirrors moby `daemon/daemon.go` (v20.10.24): one `Daemon` value holds
//! the containers, the image service, the events service and the runtime,
//! and implements the `Backend` trait of each router (`router/*/backend.rs`).
//! As in moby, each operation lives in a file of its own
//! (`daemon/create.rs`, `daemon/start.rs`, ...), each adding methods to
//! `impl Daemon`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use crate::events::Events;

/// What the daemon is configured with (a slice of moby `config.Config`).
#[derive(Debug, Clone)]
pub struct DaemonConfig {
    /// `--data-root`: containers, images, logs.
    pub data_root: PathBuf,
    /// `--exec-root`: runtime state that does not survive a reboot.
    pub exec_root: PathBuf,
    pub experimental: bool,
    pub debug: bool,
    /// `--runtime linux|sim`, or `None` to pick.
    pub runtime: Option<String>,
    /// The listeners as given with `-H` (for /info).
    pub hosts: Vec<String>,
}

/// See the module documentation.
pub struct Daemon {
    pub config: DaemonConfig,
    /// moby `daemon.EventsService`.
    pub events: Arc<Events>,
    /// The daemon's id, shown as `ID` in /info.
    pub id: String,
    pub started: SystemTime,
}

impl Daemon {
    /// Build the daemon value. No disk or OS work happens here, so that
    /// `mini-dockerd routes` can build the routers without a data root;
    /// [`Daemon::restore`] does that work at start-up.
    pub fn new(config: DaemonConfig) -> Arc<Daemon> {
        Arc::new(Daemon {
            config,
            events: Arc::new(Events::new()),
            id: String::new(),
            started: SystemTime::now(),
        })
    }

    /// Create the data root and load what it holds (moby `NewDaemon` +
    /// `restore`).
    pub fn restore(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.config.data_root)?;
        std::fs::create_dir_all(&self.config.exec_root)?;
        Ok(())
    }
}
