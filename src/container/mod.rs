//! A container: its configuration, its state, its files, its stdio.
//!
//! Mirrors moby `container/container.go` (v20.10.24). A [`Container`] is
//! plain data guarded by one mutex ([`ContainerRef`] =
//! `Arc<Mutex<Container>>`), like moby's `container.Container` with its
//! embedded `sync.Mutex`: lock it, read or change, unlock. Never hold the
//! lock across an `.await`.
//!
//! # On disk
//!
//! ```text
//! <data-root>/containers/<id>/config.v2.json      everything but HostConfig
//! <data-root>/containers/<id>/hostconfig.json     HostConfig
//! <data-root>/containers/<id>/<id>-json.log       the json-file log
//! <data-root>/containers/<id>/{hostname,hosts,resolv.conf}
//! ```
//!
//! Both JSON files are written atomically ([`Container::to_disk`]): a
//! temporary file, `fsync`, then `rename`, as moby's `ioutils.AtomicWriteFile`.
//!
//! Lesson: `walkthroughs/06-docker-run.md`.

pub mod health;
pub mod state;
pub mod store;
pub mod stream;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::api::types::container::{Config, HostConfig};

pub use state::{State, Status};
pub use store::ContainerStore;
pub use stream::{StreamChunk, StreamConfig};

/// A container shared between the store, handlers and background tasks.
pub type ContainerRef = Arc<Mutex<Container>>;

/// Lock a container, ignoring poisoning (a panicking task must not make
/// the container unreachable for ever).
pub fn lock(c: &ContainerRef) -> MutexGuard<'_, Container> {
    c.lock().unwrap_or_else(|e| e.into_inner())
}

/// The first 12 characters of an id (moby `stringid.TruncateID`).
pub fn short_id(id: &str) -> &str {
    let id = id.split_once(':').map(|(_, h)| h).unwrap_or(id);
    &id[..id.len().min(12)]
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct Container {
    /// 64 hex characters.
    pub id: String,
    /// With its leading slash: `/web`.
    pub name: String,
    /// RFC 3339 with nanoseconds.
    pub created: String,
    /// The executable: `Entrypoint[0]`, or `Cmd[0]` without an entrypoint.
    pub path: String,
    /// The rest of `Entrypoint + Cmd`.
    pub args: Vec<String>,
    /// The merged config (the client's over the image's).
    pub config: Config,
    pub host_config: HostConfig,
    /// The image id, `sha256:<64 hex>`.
    pub image: String,
    pub state: State,
    pub restart_count: i64,
    /// moby `HasBeenStartedBefore`: `restart` policies count from here.
    pub has_been_started_before: bool,
    /// `<data-root>/containers/<id>`.
    pub root: PathBuf,
    /// `<root>/<id>-json.log`.
    pub log_path: PathBuf,
    /// Exec instances that belong to this container (moby `ExecCommands`).
    pub exec_ids: Vec<String>,
    /// The stdio hub of the current (or next) run. Not stored on disk.
    pub stream: Arc<StreamConfig>,
    /// Serialises the operations that change whether the container runs
    /// (start, stop, restart, kill-and-wait, remove), which in moby hold
    /// the container's lock for their whole length. Ours is a separate
    /// async lock because those operations await the runtime and the exit,
    /// and the data mutex must never be held across an await.
    pub op_lock: Arc<tokio::sync::Mutex<()>>,
    /// The published ports of the current run (`-p`), open while it runs.
    /// Not stored on disk: a restored container is not running.
    pub port_proxy: Option<crate::runtime::proxy::PortProxy>,
    /// The bridge networks the container is connected to, by name, in the
    /// order it joined them: the first is its `eth0` and default route.
    /// moby keeps them as `NetworkSettings.Networks` in config.v2.json.
    pub networks: Vec<String>,
    /// Its endpoint on each of them while it runs, by network name (moby
    /// keeps them in `NetworkSettings` too). Not stored on disk: a
    /// restored container is not running.
    pub endpoints: std::collections::BTreeMap<String, crate::daemon::network::EndpointSettings>,
    /// The anonymous volumes made for it at create (an image's `VOLUME`,
    /// `-v /data`): destination → volume name. moby keeps every mount in
    /// config.v2.json's `MountPoints`; we keep these there, since the
    /// other mounts follow from the `HostConfig` (`daemon/volumes.rs`).
    pub anonymous_volumes: std::collections::BTreeMap<String, String>,
}

/// One entry of config.v2.json's `MountPoints`, in moby's shape.
#[derive(Serialize, Deserialize)]
struct StoredMountPoint {
    #[serde(rename = "Type")]
    typ: String,
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Destination")]
    destination: String,
    #[serde(rename = "Driver")]
    driver: String,
    #[serde(rename = "RW")]
    rw: bool,
}

/// The config.v2.json shape: moby's field names where it has them.
#[derive(Serialize, Deserialize)]
struct ConfigV2 {
    #[serde(rename = "ID")]
    id: String,
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Created")]
    created: String,
    #[serde(rename = "Path")]
    path: String,
    #[serde(rename = "Args")]
    args: Vec<String>,
    #[serde(rename = "Config")]
    config: Config,
    #[serde(rename = "Image")]
    image: String,
    #[serde(rename = "State")]
    state: state::StateJson,
    #[serde(rename = "RestartCount")]
    restart_count: i64,
    #[serde(rename = "HasBeenStartedBefore", default)]
    has_been_started_before: bool,
    #[serde(rename = "LogPath")]
    log_path: PathBuf,
    #[serde(rename = "MountPoints", default)]
    mount_points: std::collections::BTreeMap<String, StoredMountPoint>,
    /// The networks' names (moby keeps whole `EndpointSettings` here).
    #[serde(rename = "Networks", default)]
    networks: Option<Vec<String>>,
}

impl Container {
    /// A new container value; nothing is written yet.
    pub fn new(id: String, name: String, containers_dir: &Path) -> Container {
        let root = containers_dir.join(&id);
        let log_path = root.join(format!("{id}-json.log"));
        Container {
            id,
            name,
            created: state::now_rfc3339(),
            root,
            log_path,
            ..Container::default()
        }
    }

    /// The name without its slash, as events and errors show it.
    pub fn bare_name(&self) -> &str {
        self.name.trim_start_matches('/')
    }

    /// `<root>/hostname`, `<root>/hosts`, `<root>/resolv.conf`: the files
    /// inspect names (moby `HostnamePath`, `HostsPath`, `ResolvConfPath`).
    pub fn hostname_path(&self) -> PathBuf {
        self.root.join("hostname")
    }
    pub fn hosts_path(&self) -> PathBuf {
        self.root.join("hosts")
    }
    pub fn resolv_conf_path(&self) -> PathBuf {
        self.root.join("resolv.conf")
    }

    /// The command line as `docker ps` shows it (moby `container/view.go`
    /// `transform`): the path, then the args joined by spaces, each arg
    /// that holds a space in single quotes (`sh -c 'echo hi'`).
    pub fn command(&self) -> String {
        let mut parts = vec![self.path.clone()];
        parts.extend(self.args.iter().map(|a| {
            if a.contains(' ') {
                format!("'{a}'")
            } else {
                a.clone()
            }
        }));
        parts.join(" ")
    }

    /// moby `CheckpointTo` + `ToDisk`: write config.v2.json and
    /// hostconfig.json atomically.
    pub fn to_disk(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.root)?;
        let v2 = ConfigV2 {
            id: self.id.clone(),
            name: self.name.clone(),
            created: self.created.clone(),
            path: self.path.clone(),
            args: self.args.clone(),
            config: self.config.clone(),
            image: self.image.clone(),
            state: self.state.to_json(),
            restart_count: self.restart_count,
            has_been_started_before: self.has_been_started_before,
            log_path: self.log_path.clone(),
            mount_points: self
                .anonymous_volumes
                .iter()
                .map(|(dest, name)| {
                    let mp = StoredMountPoint {
                        typ: "volume".into(),
                        name: name.clone(),
                        destination: dest.clone(),
                        driver: "local".into(),
                        rw: true,
                    };
                    (dest.clone(), mp)
                })
                .collect(),
            networks: Some(self.networks.clone()),
        };
        atomic_write(
            &self.root.join("config.v2.json"),
            &serde_json::to_vec(&v2).map_err(std::io::Error::other)?,
        )?;
        atomic_write(
            &self.root.join("hostconfig.json"),
            &serde_json::to_vec(&self.host_config).map_err(std::io::Error::other)?,
        )
    }

    /// moby `container.FromDisk`: load a container from its directory.
    pub fn from_disk(root: &Path) -> std::io::Result<Container> {
        let v2: ConfigV2 = serde_json::from_slice(&std::fs::read(root.join("config.v2.json"))?)
            .map_err(std::io::Error::other)?;
        let host_config: HostConfig = match std::fs::read(root.join("hostconfig.json")) {
            Ok(b) => serde_json::from_slice(&b).map_err(std::io::Error::other)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => HostConfig::default(),
            Err(e) => return Err(e),
        };
        let v2_network_mode = host_config.network_mode.clone();
        Ok(Container {
            id: v2.id,
            name: v2.name,
            created: v2.created,
            path: v2.path,
            args: v2.args,
            config: v2.config,
            host_config,
            image: v2.image,
            state: State::from_json(&v2.state),
            restart_count: v2.restart_count,
            has_been_started_before: v2.has_been_started_before,
            root: root.to_path_buf(),
            log_path: v2.log_path,
            exec_ids: Vec::new(),
            stream: Arc::new(StreamConfig::new()),
            op_lock: Arc::default(),
            port_proxy: None,
            // Written before networks were kept: the network mode says.
            networks: v2
                .networks
                .unwrap_or_else(|| networks_for_mode(&v2_network_mode)),
            endpoints: Default::default(),
            anonymous_volumes: v2
                .mount_points
                .into_values()
                .filter(|m| m.typ == "volume")
                .map(|m| (m.destination, m.name))
                .collect(),
        })
    }
}

/// The networks a network mode connects a container to: `bridge` by
/// default, the named user network, none for host, none and another
/// container's namespace.
pub fn networks_for_mode(mode: &str) -> Vec<String> {
    match mode {
        "" | "default" | "bridge" => vec!["bridge".into()],
        "host" | "none" => Vec::new(),
        m if m.starts_with("container:") => Vec::new(),
        m => vec![m.to_string()],
    }
}

/// Write `data` to `path` so that a crash leaves the old file or the new
/// one, never half of one: temp file in the same dir, fsync, rename.
pub fn atomic_write(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.tmp{}", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A container written with to_disk comes back equal with from_disk.
    #[test]
    fn disk_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Container::new("a".repeat(64), "/web".into(), dir.path());
        c.path = "sleep".into();
        c.args = vec!["100".into()];
        c.host_config.memory = 1 << 20;
        c.state.set_running(7);
        c.to_disk().unwrap();
        let back = Container::from_disk(&c.root).unwrap();
        assert_eq!(back.name, "/web");
        assert_eq!(back.command(), "sleep 100");
        let quoted = Container {
            path: "sh".into(),
            args: vec!["-c".into(), "echo hi".into()],
            ..Default::default()
        };
        assert_eq!(quoted.command(), "sh -c 'echo hi'");
        assert_eq!(back.host_config.memory, 1 << 20);
        assert_eq!(back.state.status, Status::Running);
        assert_eq!(back.state.pid, 7);
    }

    #[test]
    fn short_ids() {
        assert_eq!(short_id("sha256:0123456789abcdef"), "0123456789ab");
        assert_eq!(short_id("abc"), "abc");
    }
}
