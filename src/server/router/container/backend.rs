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

use crate::api::types::container::{ContainerCreateConfig, CreateResponse};
use crate::daemon::list::{ContainerListOptions, ContainerSummary};
use crate::daemon::prune::ContainersPruneReport;
use crate::daemon::top::ContainerTopOkBody;
use crate::daemon::update::{ContainerUpdateOkBody, UpdateConfig};
use crate::daemon::wait::{WaitCondition, WaitFuture};
use crate::errdefs::Result;
use crate::server::httputils::BoxFuture;

/// moby `stateBackend`: what changes a container's state.
pub trait StateBackend: Send + Sync {
    fn container_create(&self, name: &str, config: ContainerCreateConfig)
        -> Result<CreateResponse>;
    fn container_kill(self: Arc<Self>, name: String, signal: String) -> BoxFuture<Result<()>>;
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
}

/// moby `monitorBackend`: what looks at containers. (`ContainerLogs` is
/// called on the daemon directly for now; `ContainerChanges` does not
/// exist yet.)
pub trait MonitorBackend: Send + Sync {
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
}

/// moby `systemBackend`.
pub trait SystemBackend: Send + Sync {
    fn containers_prune(
        self: Arc<Self>,
        filters: String,
    ) -> BoxFuture<Result<ContainersPruneReport>>;
}

/// moby `Backend`: all of the above.
pub trait Backend: StateBackend + MonitorBackend + SystemBackend {}

impl<T: StateBackend + MonitorBackend + SystemBackend> Backend for T {}
