//! `GET /containers/{name}/top?ps_args=`: the container's processes.
//!
//! Mirrors moby `daemon/top_unix.go` (v20.10.24) `ContainerTop`: the
//! container must run (409 `Container <id> is not running`); `ps` runs on
//! the host with `ps_args` (default `-ef`) and only the rows whose PID is
//! in the container are kept. Here the runtime does the `ps` part (it is
//! the one that knows the container's cgroup).

use serde::Serialize;

use super::container::traced_sync;
use super::Daemon;
use crate::container::lock;
use crate::errdefs::{Error, Result};

/// moby `container.ContainerTopOKBody`.
#[derive(Clone, Debug, Serialize)]
pub struct ContainerTopOkBody {
    #[serde(rename = "Processes")]
    pub processes: Vec<Vec<String>>,
    #[serde(rename = "Titles")]
    pub titles: Vec<String>,
}

impl Daemon {
    /// moby `ContainerTop`.
    pub fn container_top(&self, name: &str, ps_args: &str) -> Result<ContainerTopOkBody> {
        traced_sync("Daemon.ContainerTop", name, || {
            let ps_args = if ps_args.is_empty() { "-ef" } else { ps_args };
            let c = self.get_container(name)?;
            let (spec, pid) = {
                let ct = lock(&c);
                ct.state.status.can_top(&ct.id)?;
                (self.container_spec(&ct)?, ct.state.pid)
            };
            let (titles, processes) = self
                .runtime
                .top(&spec, pid, ps_args)
                .map_err(|e| Error::system(e.message))?;
            Ok(ContainerTopOkBody { processes, titles })
        })
    }
}
