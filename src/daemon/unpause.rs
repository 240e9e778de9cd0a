//! `POST /containers/{name}/unpause`: thaw a paused container.
//!
//! Mirrors moby `daemon/unpause.go` (v20.10.24) `ContainerUnpause`: 409
//! `Container <id> is not paused` unless it is; event `unpause`.

use super::container::traced_sync;
use super::pause::runtime_error;
use super::Daemon;
use crate::container::{lock, ContainerRef, Status};
use crate::errdefs::Result;

impl Daemon {
    /// moby `ContainerUnpause`: 204.
    pub fn container_unpause(&self, name: &str) -> Result<()> {
        traced_sync("Daemon.ContainerUnpause", name, || {
            let c = self.get_container(name)?;
            {
                let ct = lock(&c);
                ct.state.status.can_unpause(&ct.id)?;
            }
            self.unpause(&c)
        })
    }

    /// Thaw `c`, mark it running and log `unpause`: what unpause does once
    /// its checks pass, and what stop and kill do to a paused container,
    /// whose frozen process would never act on their signal.
    pub(crate) fn unpause(&self, c: &ContainerRef) -> Result<()> {
        let spec = self.container_spec(&lock(c))?;
        self.runtime.resume(&spec).map_err(runtime_error)?;
        {
            let mut ct = lock(c);
            if ct.state.status == Status::Paused {
                ct.state.status = Status::Running;
            }
            self.update_health_monitor(&mut ct);
            let _ = ct.to_disk();
        }
        self.log_event_for(c, "unpause", &[]);
        Ok(())
    }
}
