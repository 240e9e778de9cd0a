//! `POST /containers/{name}/restart`: stop (if running), then start.
//!
//! Mirrors moby `daemon/restart.go` (v20.10.24) `ContainerRestart` →
//! `containerRestart`: the stop uses the same timeout rules as `docker
//! stop`, the start is an ordinary user start, and a `restart` event
//! follows the `kill`/`die`/`stop`/`start` events of the two halves.

use std::sync::Arc;

use super::container::traced;
use super::Daemon;
use crate::container::lock;
use crate::errdefs::Result;

impl Daemon {
    /// moby `ContainerRestart`: 204.
    pub async fn container_restart(
        self: &Arc<Self>,
        name: &str,
        timeout: Option<i64>,
    ) -> Result<()> {
        traced("Daemon.ContainerRestart", name, async {
            let c = self.get_container(name)?;
            let op = lock(&c).op_lock.clone();
            let _guard = op.lock().await;
            if lock(&c).state.status.is_running() {
                self.container_stop_locked(&c, timeout).await?;
                self.log_event_for(&c, "stop", &[]);
            }
            self.container_start_locked(&c, true).await?;
            self.log_event_for(&c, "restart", &[]);
            Ok(())
        })
        .await
    }
}
