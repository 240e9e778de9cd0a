//! The daemon: the backend every router calls.
//!
//! Mirrors moby `daemon/daemon.go` (v20.10.24): one `Daemon` value holds
//! the containers, the image service, the events service and the runtime,
//! and implements the `Backend` trait of each router (`router/*/backend.rs`;
//! the impls are gathered in `daemon/backends.rs`). As in moby, each
//! operation lives in a file of its own (`daemon/info.rs`,
//! `daemon/create.rs`, `daemon/start.rs`, ...), each adding methods to
//! `impl Daemon`.
//!
//! Lesson: `walkthroughs/06-docker-run.md`.

pub mod archive;
pub mod attach;
mod backends;
pub mod changes;
pub mod commit;
pub mod container;
pub mod container_operations;
pub mod create;
pub mod delete;
pub mod disk_usage;
pub mod events;
pub mod exec;
pub mod export;
pub mod health;
pub mod image_builder;
pub mod info;
pub mod inspect;
pub mod kill;
pub mod list;
pub mod logger;
pub mod logs;
pub mod monitor;
pub mod names;
pub mod network;
pub mod pause;
pub mod port_mapping;
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
pub mod verify;
pub mod volumes;
pub mod wait;
pub mod workdir;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use crate::container::ContainerStore;
use crate::errdefs::{Error, Result};
use crate::events::Events;
use crate::image::ImageService;
use crate::runtime::Runtime;
use crate::volume::VolumesService;

/// What the daemon is configured with (a slice of moby `config.Config`).
#[derive(Debug, Clone, Default)]
pub struct DaemonConfig {
    /// `--data-root`: containers, images, logs.
    pub data_root: PathBuf,
    /// `--exec-root`: runtime state that does not survive a reboot.
    pub exec_root: PathBuf,
    pub experimental: bool,
    pub debug: bool,
    /// `--init`: the default for containers that do not say (moby
    /// `config.Init`).
    pub init: bool,
    /// `--runtime linux|sim`, or `None` to pick.
    pub runtime: Option<String>,
    /// The listeners as given with `-H` (for /info).
    pub hosts: Vec<String>,
    /// `--bridge`: the default bridge's device, or "none".
    pub bridge: String,
    /// `--bip`: its address and prefix; empty to pick a free subnet.
    pub bip: String,
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
    /// moby `daemon.volumes` (`VolumesService()`): named volumes under
    /// `<data-root>/volumes`. Containers resolve `-v name:/path` with
    /// `volumes.volume_path(name)`.
    pub volumes: Arc<VolumesService>,
    /// The built-in networks (moby: `daemon.netController`).
    pub networks: network::Networks,
    /// The daemon's id, shown as `ID` in /info: made at the first start
    /// and kept in `<data-root>/engine-id`, so it survives restarts.
    pub id: OnceLock<String>,
    pub started: SystemTime,
    /// Why containers run in the simulated runtime, when they do. Shown at
    /// start-up, in `/info` and in the trace.
    pub runtime_warning: Option<String>,
    /// moby `daemon.imageService`: opened by [`Daemon::restore`].
    pub images: OnceLock<Arc<ImageService>>,
    /// moby `daemon.containers` (+ the name registrar and the view).
    pub containers: ContainerStore,
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
    /// Build the daemon value. No disk or OS work happens here, so that
    /// `mini-dockerd routes` can build the routers without a data root;
    /// [`Daemon::restore`] does that work at start-up.
    pub fn new(config: DaemonConfig) -> Arc<Daemon> {
        let events = Arc::new(Events::new());
        let volumes = Arc::new(VolumesService::new(
            config.data_root.join("volumes"),
            events.clone(),
        ));
        let networks = network::Networks::new(&config.data_root);
        // The runtime is picked here (it only probes what the host can do);
        // the containers are loaded by `restore_containers`
        // (daemon/restore.rs), which needs a tokio runtime.
        let (runtime, runtime_warning) = crate::runtime::detect(config.runtime.as_deref());
        Arc::new(Daemon {
            config,
            events,
            volumes,
            networks,
            id: OnceLock::new(),
            started: SystemTime::now(),
            runtime_warning,
            images: OnceLock::new(),
            containers: ContainerStore::new(),
            runtime,
            shutting_down: AtomicBool::new(false),
            exec_commands: exec::config::ExecStore::new(),
        })
    }

    /// `<data-root>/containers`.
    pub fn containers_dir(&self) -> PathBuf {
        self.config.data_root.join("containers")
    }

    /// Create the data root and load what it holds (moby `NewDaemon` +
    /// `restore`).
    pub fn restore(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.config.data_root)?;
        std::fs::create_dir_all(&self.config.exec_root)?;
        std::fs::create_dir_all(self.containers_dir())?;
        // What an interrupted build left (its context, its writable
        // layers) belongs to no build any more.
        let _ = std::fs::remove_dir_all(self.builder_dir());
        // The image store (moby `images.NewImageService` in `NewDaemon`).
        let images = Arc::new(ImageService::new(
            &self.config.data_root,
            self.events.clone(),
        )?);
        // dockerd gets images from a registry; we have none, so a fresh
        // data root gets `busybox:latest` built from the host's static
        // busybox (see src/image/busybox.rs). Failing that is not fatal.
        match images.ensure_busybox() {
            Ok(Some(id)) => {
                tracing::info!("built busybox:latest ({id}) from the host's busybox");
                trace_event!("daemon", "event", "ensure_busybox", built = id.as_str());
            }
            Ok(None) => trace_event!("daemon", "event", "ensure_busybox", result = "present"),
            Err(e) => {
                tracing::warn!("could not build busybox:latest: {e}");
                trace_event!(
                    "daemon",
                    "event",
                    "ensure_busybox",
                    error = e.message.as_str()
                );
            }
        }
        let _ = self.images.set(images);
        let _ = self.id.set(engine_id(&self.config.data_root));
        self.volumes.restore()?;
        self.networks.restore()?;
        Ok(())
    }

    /// The image service, once [`Daemon::restore`] has opened it.
    pub fn image_service(&self) -> Result<Arc<ImageService>> {
        self.images
            .get()
            .cloned()
            .ok_or_else(|| Error::unavailable("the image store is not open yet"))
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
        self.images.get().map(|i| i.count()).unwrap_or(0)
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

/// The daemon's id, read from `<data-root>/engine-id` or made and stored
/// there. dockerd 20.10 shows the id of its libtrust key
/// (`/etc/docker/key.json`), twelve groups of four base32 characters;
/// ours has that shape, from random bytes (later moby keeps a UUID in the
/// same `engine-id` file).
fn engine_id(data_root: &std::path::Path) -> String {
    let path = data_root.join("engine-id");
    if let Ok(id) = std::fs::read_to_string(&path) {
        let id = id.trim();
        if !id.is_empty() {
            return id.to_string();
        }
    }
    const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let groups: Vec<String> = (0..12)
        .map(|_| {
            (0..4)
                .map(|_| BASE32[rand::random::<u8>() as usize % 32] as char)
                .collect()
        })
        .collect();
    let id = groups.join(":");
    let _ = crate::image::store::atomic_write(&path, id.as_bytes());
    id
}
