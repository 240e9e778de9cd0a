//! The daemon: the backend every router calls.
//!
//! Mirrors moby `daemon/daemon.go` (v20.10.24): one `Daemon` value holds
//! the containers, the image service, the events service and the runtime,
//! and implements the `Backend` trait of each router (`router/*/backend.rs`;
//! the impls are gathered in `daemon/backends.rs`). As in moby, each
//! operation lives in a file of its own (`daemon/info.rs`,
//! `daemon/create.rs`, `daemon/start.rs`, ...), each adding methods to
//! `impl Daemon`.

pub mod attach;
mod backends;
pub mod container;
pub mod create;
pub mod delete;
pub mod disk_usage;
pub mod events;
pub mod exec;
pub mod info;
pub mod inspect;
pub mod kill;
pub mod list;
pub mod logger;
pub mod logs;
pub mod monitor;
pub mod names;
pub mod pause;
pub mod prune;
pub mod rename;
pub mod resize;
pub mod restart;
pub mod restore;
pub mod start;
pub mod stats;
pub mod stop;
pub mod top;
pub mod unpause;
pub mod update;
pub mod wait;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::SystemTime;

use crate::container::ContainerStore;
use crate::events::Events;
use crate::image::ImageService;
use crate::runtime::Runtime;

/// What the daemon is configured with (a slice of moby `config.Config`).
#[derive(Debug, Clone, Default)]
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

/// How many containers are in each state (for `/info`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ContainerCounts {
    pub total: usize,
    pub running: usize,
    pub paused: usize,
    pub stopped: usize,
}

/// What `/info` and `/version` say about the runtime.
#[derive(Debug, Clone, Copy)]
pub struct RuntimeSummary {
    pub name: &'static str,
    pub cgroup_driver: &'static str,
    pub cgroup_version: &'static str,
}

/// See the module documentation.
pub struct Daemon {
    pub config: DaemonConfig,
    /// moby `daemon.EventsService`.
    pub events: Arc<Events>,
    /// The daemon's id, shown as `ID` in /info (kept in the data root so it
    /// survives restarts, as dockerd's engine id does).
    pub id: String,
    pub started: SystemTime,
    /// Why containers run in the simulated runtime, when they do. Shown at
    /// start-up, in `/info` and in the trace.
    pub runtime_warning: Option<String>,
    /// moby `daemon.containers` (+ the name registrar and the view).
    pub containers: ContainerStore,
    /// moby `daemon.imageService`.
    pub images: Arc<ImageService>,
    /// moby `daemon.containerd` (libcontainerd's client): the one door to
    /// namespaces, cgroups and processes.
    pub runtime: Arc<dyn Runtime>,
    /// Set once the daemon is shutting down: exits seen after this are
    /// not restarted by restart policies (moby `daemon.shutdown`).
    pub shutting_down: AtomicBool,
    /// moby `daemon.execCommands`: every exec instance, by id.
    pub exec_commands: exec::config::ExecStore,
}

impl Daemon {
    /// Build the daemon value (moby `NewDaemon`): create the data root,
    /// open the image store and pick the runtime. Containers are loaded
    /// by [`Daemon::restore`] (daemon/restore.rs), which needs a tokio
    /// runtime.
    pub fn new(config: DaemonConfig) -> std::io::Result<Arc<Daemon>> {
        std::fs::create_dir_all(&config.data_root)?;
        std::fs::create_dir_all(&config.exec_root)?;
        std::fs::create_dir_all(config.data_root.join("containers"))?;
        let events = Arc::new(Events::new());
        let images = Arc::new(ImageService::new(&config.data_root, events.clone())?);
        let (runtime, runtime_warning) = crate::runtime::detect(config.runtime.as_deref());
        let daemon = Arc::new(Daemon {
            config,
            events,
            id: String::new(),
            started: SystemTime::now(),
            runtime_warning,
            containers: ContainerStore::new(),
            images,
            runtime,
            shutting_down: AtomicBool::new(false),
            exec_commands: exec::config::ExecStore::new(),
        });
        // The image service asks us which containers use an image (for
        // `docker rmi` conflicts and the `Containers` count). A weak
        // reference: the image service must not keep the daemon alive.
        let weak = Arc::downgrade(&daemon);
        daemon.images.set_usage(Arc::new(move |image_id: &str| {
            weak.upgrade()
                .map(|d| d.containers.users_of_image(image_id))
                .unwrap_or_default()
        }));
        Ok(daemon)
    }

    /// `<data-root>/containers`.
    pub fn containers_dir(&self) -> PathBuf {
        self.config.data_root.join("containers")
    }

    /// Container counts by state (moby `daemon/info.go` counts them from
    /// the view).
    pub fn container_counts(&self) -> ContainerCounts {
        use crate::container::{lock, Status};
        let mut counts = ContainerCounts::default();
        for c in self.containers.list() {
            counts.total += 1;
            match lock(&c).state.status {
                Status::Running | Status::Restarting => counts.running += 1,
                Status::Paused => counts.paused += 1,
                _ => counts.stopped += 1,
            }
        }
        counts
    }

    /// How many images the image service holds.
    pub fn image_count(&self) -> usize {
        self.images.count()
    }

    /// The runtime's name and cgroup facts.
    pub fn runtime_info(&self) -> RuntimeSummary {
        let info = self.runtime.info();
        RuntimeSummary {
            name: info.name,
            cgroup_driver: info.cgroup_driver,
            cgroup_version: info.cgroup_version,
        }
    }
}
