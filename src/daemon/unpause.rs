//! `POST /containers/{name}/unpause`: thaw a paused container.
//!
//! Mirrors moby `daemon/unpause.go` (v20.10.24) `ContainerUnpause`: 409
//! `Container <id> is not paused` unless it is; event `unpause`.

use super::container::traced_sync;
use super::pause::runtime_error;
use super::Daemon;
use crate::container::{lock, Status};
use crate::errdefs::Result;

impl Daemon {
    /// moby `ContainerUnpause`: 204.
    pub fn container_unpause(&self, name: &str) -> Result<()> {
        traced_sync("Daemon.ContainerUnpause", name, || {
            let c = self.get_container(name)?;
            let spec = {
                let ct = lock(&c);
                ct.state.status.can_unpause(&ct.id)?;
                self.container_spec(&ct)?
            };
            self.runtime.resume(&spec).map_err(runtime_error)?;
            {
                let mut ct = lock(&c);
                if ct.state.status == Status::Paused {
                    ct.state.status = Status::Running;
                }
                let _ = ct.to_disk();
            }
            self.log_event_for(&c, "unpause", &[]);
            Ok(())
        })
    }
}
