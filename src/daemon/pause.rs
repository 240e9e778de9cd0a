//! `POST /containers/{name}/pause`: freeze every process of a container.
//!
//! Mirrors moby `daemon/pause.go` (v20.10.24) `ContainerPause`: the
//! container must run and not be paused (409 otherwise); the runtime
//! freezes its cgroup; event `pause`.

use super::container::traced_sync;
use super::Daemon;
use crate::container::{lock, Status};
use crate::errdefs::{Error, Result};
use crate::runtime::RuntimeError;

/// A runtime that cannot pause says so; that is a 501, not a 500.
pub(crate) fn runtime_error(e: RuntimeError) -> Error {
    if e.message.contains("not supported") {
        Error::not_implemented(e.message)
    } else {
        Error::system(e.message)
    }
}

impl Daemon {
    /// moby `ContainerPause`: 204.
    pub fn container_pause(&self, name: &str) -> Result<()> {
        traced_sync("Daemon.ContainerPause", name, || {
            let c = self.get_container(name)?;
            let spec = {
                let ct = lock(&c);
                ct.state.status.can_pause(&ct.id)?;
                self.container_spec(&ct)?
            };
            self.runtime.pause(&spec).map_err(runtime_error)?;
            {
                let mut ct = lock(&c);
                ct.state.status = Status::Paused;
                self.update_health_monitor(&mut ct);
                let _ = ct.to_disk();
            }
            self.log_event_for(&c, "pause", &[]);
            Ok(())
        })
    }
}
