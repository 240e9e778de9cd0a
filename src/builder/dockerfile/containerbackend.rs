//! The builder's intermediate containers: create, run, remove.
//!
//! Mirrors moby `builder/dockerfile/containerbackend.go` (v20.10.24)
//! `containerManager`. Every container a step creates is remembered until
//! it is removed: after each successful step (`rm`, the default), or
//! after every step (`forcerm`). A failed step's container is left behind
//! without `forcerm`, as dockerd leaves it, so that it can be inspected.
//!
//! `Run` attaches to the container before starting it, copies its output
//! into the build's output as it comes (stdout as is, stderr in red),
//! and waits for the exit. A client that goes away stops the build: its
//! container is killed and removed, as moby does when the request's
//! context is cancelled.

use std::sync::Arc;

use tokio::sync::broadcast::error::RecvError;

use crate::api::types::build::ProgressWriter;
use crate::api::types::container::{Config, ContainerCreateConfig, CreateResponse, HostConfig};
use crate::builder::Backend;
use crate::container::{short_id, StreamChunk};
use crate::errdefs::{Error, Result};

/// How often a running step looks whether the client has gone.
const CLIENT_CHECK: std::time::Duration = std::time::Duration::from_millis(250);

/// moby `errCancelled`.
const ERR_CANCELLED: &str = "build cancelled";

/// moby `statusCodeError`: the command ran and exited non-zero.
#[derive(Debug)]
pub struct StatusCodeError {
    pub code: i64,
    /// The wait's error, if the daemon reported one.
    pub err: String,
}

/// What [`ContainerManager::run`] can end with.
#[derive(Debug)]
pub enum RunError {
    StatusCode(StatusCodeError),
    Other(Error),
}

impl From<Error> for RunError {
    fn from(e: Error) -> RunError {
        RunError::Other(e)
    }
}

/// moby `containerManager`.
pub struct ContainerManager {
    /// moby keeps a map; a list removes in creation order.
    tmp_containers: Vec<String>,
    backend: Arc<dyn Backend>,
}

impl ContainerManager {
    /// moby `newContainerManager`.
    pub fn new(backend: Arc<dyn Backend>) -> ContainerManager {
        ContainerManager {
            tmp_containers: Vec::new(),
            backend,
        }
    }

    /// moby `Create`.
    pub fn create(
        &mut self,
        run_config: Config,
        host_config: HostConfig,
    ) -> Result<CreateResponse> {
        let created = self.backend.container_create(ContainerCreateConfig {
            config: run_config,
            host_config: Some(host_config),
            networking_config: None,
        })?;
        self.tmp_containers.push(created.id.clone());
        Ok(created)
    }

    /// moby `Run`.
    pub fn run(&mut self, id: &str, out: &ProgressWriter) -> std::result::Result<(), RunError> {
        // Subscribed before the start, so that the first line is not
        // missed (moby waits for `attached` before it starts).
        let mut output = self.backend.clone().container_attach_raw(id)?;
        self.backend.clone().container_start(id)?;
        let handle = tokio::runtime::Handle::current();
        loop {
            // Wait for output, looking every so often whether the client
            // is still there.
            let next = handle.block_on(tokio::time::timeout(CLIENT_CHECK, output.recv()));
            let written = match next {
                Ok(Ok(StreamChunk::Stdout(data))) => out.stdout(&data),
                Ok(Ok(StreamChunk::Stderr(data))) => out.stderr(&data),
                Ok(Ok(StreamChunk::Eof)) | Ok(Err(RecvError::Closed)) => break,
                // The client read too slowly and the container's output
                // overtook it; what was lost is lost (dockerd would have
                // made the container wait instead).
                Ok(Err(RecvError::Lagged(_))) => continue,
                Err(_timeout) => Ok(()),
            };
            if written.is_err() || out.closed() {
                // The client is gone: moby's cancellation kills and
                // removes the container.
                let _ = self.backend.clone().container_kill(id, 0);
                let _ = self.remove_container(id, out);
                self.tmp_containers.retain(|c| c != id);
                return Err(Error::system(ERR_CANCELLED).into());
            }
        }
        let status = self.backend.container_wait(id)?;
        if status.status_code != 0 {
            return Err(RunError::StatusCode(StatusCodeError {
                code: status.status_code,
                err: status.error.map(|e| e.message).unwrap_or_default(),
            }));
        }
        Ok(())
    }

    /// moby `removeContainer`: force, with its anonymous volumes.
    fn remove_container(&self, id: &str, out: &ProgressWriter) -> Result<()> {
        if let Err(e) = self.backend.clone().container_rm(id, true, true) {
            let _ = out.stdout(format!(
                "Error removing intermediate container {}: {}\n",
                short_id(id),
                e.message
            ));
            return Err(e);
        }
        Ok(())
    }

    /// moby `RemoveAll`: remove every container made so far, saying so;
    /// stop at the first that cannot be removed.
    pub fn remove_all(&mut self, out: &ProgressWriter) {
        while let Some(id) = self.tmp_containers.first().cloned() {
            if self.remove_container(&id, out).is_err() {
                return;
            }
            self.tmp_containers.remove(0);
            let _ = out.stdout(format!(
                "Removing intermediate container {}\n",
                short_id(&id)
            ));
        }
    }
}
