//! `GET /containers/{name}/changes`: `docker diff`.
//!
//! Mirrors moby `daemon/changes.go` (v20.10.24) `ContainerChanges`: find
//! the container, and ask its read-write layer what changed. The layer is
//! the runtime's (the overlay upper directory), so the runtime reads it
//! (`runtime/changes.rs`). No changes at all is `null` in the answer, as
//! moby's nil slice is.

use super::container::traced_sync;
use super::Daemon;
use crate::container::lock;
use crate::errdefs::{Error, Result};
use crate::runtime::changes::Change;

impl Daemon {
    /// moby `ContainerChanges`.
    pub fn container_changes(&self, name: &str) -> Result<Option<Vec<Change>>> {
        traced_sync("Daemon.ContainerChanges", name, || {
            let c = self.get_container(name)?;
            self.has_container_filesystems()?;
            let spec = self.container_spec(&lock(&c))?;
            let changes = self
                .runtime
                .changes(&spec)
                .map_err(|e| Error::system(e.message))?;
            Ok((!changes.is_empty()).then_some(changes))
        })
    }
}
