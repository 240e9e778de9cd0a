//! What the container router needs from the daemon.
//!
//! Mirrors moby `api/server/router/container/backend.go` (v20.10.24),
//! which splits the backend into small interfaces by concern:
//! `stateBackend` (create, start, stop, kill, ...), `monitorBackend`
//! (inspect, list, top, logs, stats), `systemBackend` (prune),
//! `execBackend`, `copyBackend`, `attachBackend`, `commitBackend`, and
//! `Backend` as their sum. We keep the same split; `Backend` is every
//! sub-trait at once, implemented by the daemon in `daemon/backends.rs`.
//!
//! Operations that wait (start, stop, wait, ...) return a boxed `Send`
//! future and take `self: Arc<Self>`, because the daemon's long
//! operations spawn tasks that hold on to it.

use std::sync::Arc;

use serde_json::Value;

use tokio::sync::mpsc;

use crate::api::types::container::{ContainerCreateConfig, CreateResponse};
use crate::api::types::exec::ExecCreateConfig;
use crate::daemon::archive::{ArchiveReader, ContainerPathStat};
use crate::daemon::attach::{AttachConfig, Attachment};
use crate::daemon::commit::CreateImageConfig;
use crate::daemon::exec::config::ExecInspect;
use crate::daemon::exec::ExecRun;
use crate::daemon::list::{ContainerListOptions, ContainerSummary};
use crate::daemon::logger::Message;
use crate::daemon::logs::LogsOptions;
use crate::daemon::prune::ContainersPruneReport;
use crate::daemon::top::ContainerTopOkBody;
use crate::daemon::update::{ContainerUpdateOkBody, UpdateConfig};
use crate::daemon::wait::{WaitCondition, WaitFuture};
use crate::errdefs::Result;
use crate::runtime::changes::Change;
use crate::server::httputils::{BodyReader, BoxFuture};

/// moby `stateBackend`: what changes a container's state.
pub trait StateBackend: Send + Sync {
    fn container_create(&self, name: &str, config: ContainerCreateConfig)
        -> Result<CreateResponse>;
    fn container_kill(self: Arc<Self>, name: String, sig: i32) -> BoxFuture<Result<()>>;
    fn container_pause(&self, name: &str) -> Result<()>;
    fn container_rename(&self, old_name: &str, new_name: &str) -> Result<()>;
    fn container_restart(
        self: Arc<Self>,
        name: String,
        timeout: Option<i64>,
    ) -> BoxFuture<Result<()>>;
    fn container_rm(
        self: Arc<Self>,
        name: String,
        force: bool,
        remove_volume: bool,
    ) -> BoxFuture<Result<()>>;
    fn container_start(self: Arc<Self>, name: String) -> BoxFuture<Result<()>>;
    fn container_stop(self: Arc<Self>, name: String, timeout: Option<i64>)
        -> BoxFuture<Result<()>>;
    fn container_unpause(&self, name: &str) -> Result<()>;
    fn container_update(&self, name: &str, config: UpdateConfig) -> Result<ContainerUpdateOkBody>;
    /// Resolves the container now (so a 404 is an ordinary error) and
    /// returns what to await for the answer.
    fn container_wait(&self, name: &str, condition: WaitCondition) -> Result<WaitFuture>;
    /// `TIOCSWINSZ` on the container's pty (moby `ContainerResize`).
    fn container_resize(&self, name: &str, height: u16, width: u16) -> Result<()>;
}

/// moby `monitorBackend`: what looks at containers.
pub trait MonitorBackend: Send + Sync {
    /// `docker diff`; `None` is moby's nil slice (no changes), `null`.
    fn container_changes(&self, name: &str) -> Result<Option<Vec<Change>>>;
    /// The stats objects, one JSON line per chunk (see daemon/stats.rs).
    fn container_stats(
        self: Arc<Self>,
        name: &str,
        stream: bool,
        one_shot: bool,
    ) -> Result<tokio::sync::mpsc::Receiver<bytes::Bytes>>;
    fn container_inspect(&self, name: &str, size: bool) -> Result<Value>;
    fn container_top(&self, name: &str, ps_args: &str) -> Result<ContainerTopOkBody>;
    fn containers(&self, opts: &ContainerListOptions) -> Result<Vec<ContainerSummary>>;
    /// The stored (and, with follow, live) log messages and the TTY flag.
    fn container_logs(
        &self,
        name: &str,
        opts: &LogsOptions,
    ) -> Result<(mpsc::Receiver<Message>, bool)>;
}

/// moby `systemBackend`.
pub trait SystemBackend: Send + Sync {
    fn containers_prune(
        self: Arc<Self>,
        filters: String,
    ) -> BoxFuture<Result<ContainersPruneReport>>;
}

/// moby `execBackend`.
pub trait ExecBackend: Send + Sync {
    fn container_exec_create(&self, name: &str, config: &ExecCreateConfig) -> Result<String>;
    fn container_exec_inspect(&self, id: &str) -> Result<ExecInspect>;
    /// moby `ExecExists`: the checks made before a start hijacks.
    fn exec_exists(&self, id: &str) -> Result<()>;
    /// Claims the instance and starts its process; the returned run copies
    /// the stdio and records the exit.
    fn container_exec_start(
        self: Arc<Self>,
        id: String,
        console_size: Option<(u16, u16)>,
    ) -> BoxFuture<Result<ExecRun>>;
    fn container_exec_resize(
        self: Arc<Self>,
        id: String,
        height: u16,
        width: u16,
    ) -> BoxFuture<Result<()>>;
}

/// moby `copyBackend`: `docker cp` and `docker export`. (moby's
/// `ContainerCopy` serves `POST /containers/{name}/copy`, which answers 404
/// to every API version we accept, so it has no method here.)
pub trait CopyBackend: Send + Sync {
    fn container_stat_path(
        self: Arc<Self>,
        name: String,
        path: String,
    ) -> BoxFuture<Result<ContainerPathStat>>;
    /// The tar of `path`, compressed as `compression` says, and its stat.
    fn container_archive_path(
        self: Arc<Self>,
        name: String,
        path: String,
        compression: Option<&'static str>,
    ) -> BoxFuture<Result<(ArchiveReader, ContainerPathStat)>>;
    fn container_extract_to_dir(
        self: Arc<Self>,
        name: String,
        path: String,
        copy_uid_gid: bool,
        no_overwrite_dir_non_dir: bool,
        content: BodyReader,
    ) -> BoxFuture<Result<()>>;
    fn container_export(self: Arc<Self>, name: String) -> BoxFuture<Result<ArchiveReader>>;
}

/// moby `commitBackend`.
pub trait CommitBackend: Send + Sync {
    /// moby `CreateImageFromContainer`: the new image's id.
    fn create_image_from_container(
        self: Arc<Self>,
        name: String,
        config: CreateImageConfig,
    ) -> BoxFuture<Result<String>>;
}

/// moby `attachBackend`.
pub trait AttachBackend: Send + Sync {
    /// Checks the container and subscribes to its output, before the
    /// handler hijacks the connection.
    fn container_attach(self: Arc<Self>, name: &str, cfg: AttachConfig) -> Result<Attachment>;
}

/// moby `Backend`: all of the above.
pub trait Backend:
    CommitBackend
    + ExecBackend
    + CopyBackend
    + StateBackend
    + MonitorBackend
    + AttachBackend
    + SystemBackend
{
}

impl<
        T: CommitBackend
            + ExecBackend
            + CopyBackend
            + StateBackend
            + MonitorBackend
            + AttachBackend
            + SystemBackend,
    > Backend for T
{
}
