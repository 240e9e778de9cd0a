//! `DELETE /containers/{name}`: remove a container and its files.
//!
//! Mirrors moby `daemon/delete.go` (v20.10.24) `ContainerRm` →
//! `cleanupContainer`: a running container goes only with `force` (409
//! with dockerd's text otherwise), and then is killed first; one removal
//! at a time (`removal of container x is already in progress`); the
//! runtime cleans up, the directory (config, log, hosts files) goes, the
//! name is released, waiters for `removed` are woken, and a `destroy`
//! event is logged. The container's named volumes are released (they
//! stay, as in dockerd); with `v` (and for `--rm`), its anonymous volumes
//! are removed, unless another container still uses one (moby
//! `removeMountPoints`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::container::traced;
use super::Daemon;
use crate::container::lock;
use crate::errdefs::{Error, Result};

impl Daemon {
    /// moby `ContainerRm`: 204.
    pub async fn container_rm(
        self: &Arc<Self>,
        name: &str,
        force: bool,
        remove_volume: bool,
    ) -> Result<()> {
        traced("Daemon.ContainerRm", name, async {
            let c = self.get_container(name)?;
            let running = {
                let ct = lock(&c);
                ct.state.status.can_remove(&ct.id, force)?;
                ct.state.status.is_running()
            };
            if running {
                // force: moby `daemon.Kill(container)`.
                if let Err(e) = self.kill_and_wait(&c, Duration::from_secs(10)).await {
                    let id = lock(&c).id.clone();
                    return Err(Error::system(format!(
                        "Could not kill running container {id}, cannot remove - {}",
                        e.message
                    )));
                }
            }
            let op = lock(&c).op_lock.clone();
            let _guard = op.lock().await;
            let (id, name, root, spec) = {
                let mut ct = lock(&c);
                let id = ct.id.clone();
                if ct.state.status.is_running() {
                    // It was started again while we waited for the lock.
                    return Err(ct.state.status.can_remove(&id, false).unwrap_err());
                }
                ct.state.set_removal_in_progress(&id)?;
                (
                    id,
                    ct.name.clone(),
                    ct.root.clone(),
                    self.container_spec(&ct).ok(),
                )
            };
            if let Some(spec) = spec {
                let runtime = self.runtime.clone();
                let _ = crate::trace::spawn_blocking(move || runtime.cleanup(&spec)).await;
            }
            if let Err(e) = remove_container_dir(&root) {
                let mut ct = lock(&c);
                ct.state.set_dead();
                let _ = ct.to_disk();
                return Err(Error::system(format!(
                    "unable to remove filesystem for {id}: {e}"
                )));
            }
            self.reference_volumes(&lock(&c), false);
            if remove_volume {
                let anonymous: Vec<String> = lock(&c).anonymous_volumes.values().cloned().collect();
                for name in anonymous {
                    // In use by a `--volumes-from` container: it stays,
                    // as dockerd leaves it.
                    if let Err(e) = self.volumes.remove(&name, true) {
                        tracing::debug!("keeping volume {name}: {}", e.message);
                    }
                }
            }
            self.release_name(&name);
            self.containers.delete(&id);
            // moby `daemon.cleanupContainer` also forgets the container's
            // exec instances, so `docker exec` ids do not outlive it.
            self.exec_commands.delete_for_container(&id);
            {
                let mut ct = lock(&c);
                ct.stream.reset();
                ct.state.set_removed();
            }
            self.log_event_for(&c, "destroy", &[]);
            Ok(())
        })
        .await
    }
}

/// Remove the container's directory, but never through a mount: if the
/// runtime left anything mounted under it (a rootfs, a bind), deleting
/// recursively would delete the files of the mounted source. We read the
/// mount table to make sure (reading it does not change the OS).
fn remove_container_dir(root: &Path) -> std::io::Result<()> {
    if let Ok(mountinfo) = std::fs::read_to_string("/proc/self/mountinfo") {
        let prefix = root.to_string_lossy();
        for line in mountinfo.lines() {
            if let Some(mount_point) = line.split_whitespace().nth(4) {
                if mount_point == prefix || mount_point.starts_with(&format!("{prefix}/")) {
                    return Err(std::io::Error::other(format!(
                        "{mount_point} is still mounted"
                    )));
                }
            }
        }
    }
    match std::fs::remove_dir_all(root) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}
