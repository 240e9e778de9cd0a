//! Loading the containers at daemon start, and stopping them at daemon
//! shutdown.
//!
//! Mirrors moby `daemon/daemon.go` (v20.10.24) `restore` and `Shutdown`
//! (+ `shutdownContainer`).
//!
//! # What becomes of a container that was running
//!
//! dockerd's containers outlive it: containerd and the shim keep them
//! running, and with `--live-restore` dockerd reattaches; without it,
//! dockerd stops them on restore (`shutdownContainer`, ending in SIGKILL,
//! exit code 137), and if containerd lost the task too it records the exit
//! as `SetStopped` with whatever exit code it could get (0 when none).
//!
//! mini-dockerd has no shim: the container's stdio pipes belonged to the
//! daemon process that died, so nothing can be reattached. On restore, a
//! container stored as running becomes `Exited`, with:
//! - exit code 137 and an `Error` saying we killed it, when its process is
//!   still alive (the daemon was killed, the container was not): the
//!   runtime's cleanup SIGKILLs what is left in its cgroup, as dockerd
//!   without live-restore stops it;
//! - exit code 255 and an `Error` saying the exit status was lost, when
//!   the process is gone. 255 rather than moby's accidental 0: a learner
//!   must not read "exited successfully" into a status nobody saw.
//!
//! A clean shutdown (SIGTERM/SIGINT to the daemon) stops running
//! containers first ([`Daemon::shutdown`]), so after it they restore as
//! ordinary `Exited` containers with their real exit codes.
//!
//! Containers with restart policy `always`, or `unless-stopped` and not
//! stopped by hand, are started again after the restore, as dockerd does
//! with its default `--restart` behaviour.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use super::Daemon;
use crate::container::{lock, Container, ContainerRef, Status};
use crate::runtime::ExitStatus;

/// How long shutdown waits for each container after SIGTERM before
/// SIGKILL. dockerd uses each container's stop timeout (10 s) within a
/// 15 s daemon shutdown timeout; we keep it short because a PID 1 that
/// ignores SIGTERM (most shells and `sleep`) would otherwise hold up every
/// daemon stop for 10 s.
const SHUTDOWN_STOP_TIMEOUT: i64 = 3;

impl Daemon {
    /// moby `restore` (the containers' part; [`Daemon::restore`] opens
    /// the image, volume and network stores first): load every container
    /// directory under `<data-root>/containers`, and tell the image
    /// service how to find the containers that use an image. Returns how
    /// many containers were loaded.
    pub async fn restore_containers(self: &Arc<Self>) -> usize {
        // The image service asks us which containers use an image (for
        // `docker rmi` conflicts and the `Containers` count). A weak
        // reference: the image service must not keep the daemon alive.
        if let Ok(images) = self.image_service() {
            let weak = Arc::downgrade(self);
            images.set_usage(Arc::new(move |image_id: &str| {
                weak.upgrade()
                    .map(|d| d.containers.users_of_image(image_id))
                    .unwrap_or_default()
            }));
        }
        let dir = self.containers_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!("reading {}: {e}", dir.display());
                return 0;
            }
        };
        let mut to_restart: Vec<ContainerRef> = Vec::new();
        let mut loaded = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            let mut c = match Container::from_disk(&path) {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!("skipping container dir {}: {e}", path.display());
                    continue;
                }
            };
            if let Err(e) = self.containers.reserve_name(&c.name, &c.id) {
                tracing::warn!("container {}: {}", c.id, e.message);
                continue;
            }
            if c.state.status.is_running() {
                self.restore_lost_container(&mut c).await;
            }
            self.reference_volumes(&c, true);
            let restart = c.host_config.restart_policy.is_always()
                || (c.host_config.restart_policy.is_unless_stopped() && !c.state.manually_stopped);
            let id = c.id.clone();
            trace_event!(
                "daemon",
                "event",
                "restore.container",
                container = id.as_str(),
                status = c.state.status.as_str()
            );
            let c = Arc::new(Mutex::new(c));
            self.containers.add(&id, c.clone());
            loaded += 1;
            if restart {
                to_restart.push(c);
            }
        }
        for c in to_restart {
            let op = lock(&c).op_lock.clone();
            let _guard = op.lock().await;
            if let Err(e) = self.container_start_locked(&c, true).await {
                tracing::warn!("restarting container {}: {}", lock(&c).id, e.message);
            }
        }
        loaded
    }

    /// A container stored as running whose process we can no longer
    /// watch (see the module documentation).
    async fn restore_lost_container(&self, c: &mut Container) {
        let pid = c.state.pid;
        // Signal 0 only asks whether the pid exists, to choose the reason
        // below (after a reboot an unrelated process may hold the pid, so
        // it is never used to kill). The kill is `runtime.cleanup`'s: it
        // SIGKILLs what is left in the container's own cgroup, then
        // unmounts the rootfs and removes the cgroup.
        let alive = pid != 0 && self.runtime.signal(pid, 0).is_ok();
        let (code, reason) = if alive {
            (
                137,
                "killed at daemon start: the container was still running from a previous daemon whose stdio and exit it could not reattach (mini-dockerd has no live restore)",
            )
        } else {
            (
                255,
                "the daemon stopped while the container was running; its exit status was lost",
            )
        };
        if let Ok(spec) = self.container_spec(c) {
            let runtime = self.runtime.clone();
            let _ = tokio::task::spawn_blocking(move || runtime.cleanup(&spec)).await;
        }
        c.state.status = Status::Running;
        c.state.set_stopped(ExitStatus {
            code,
            oom_killed: false,
        });
        c.state.error = reason.to_string();
        if let Err(e) = c.to_disk() {
            tracing::warn!("container {}: saving its state: {e}", c.id);
        }
    }

    /// moby `Shutdown`: stop every running container (SIGTERM, then
    /// SIGKILL after a short timeout), concurrently, without triggering
    /// restart policies.
    pub async fn shutdown(self: &Arc<Self>) {
        self.shutting_down.store(true, Ordering::SeqCst);
        let running: Vec<ContainerRef> = self
            .containers
            .list()
            .into_iter()
            .filter(|c| lock(c).state.status.is_running())
            .collect();
        if running.is_empty() {
            return;
        }
        tracing::info!("stopping {} running container(s)", running.len());
        let mut tasks = Vec::new();
        for c in running {
            let d = self.clone();
            tasks.push(tokio::spawn(async move {
                let op = lock(&c).op_lock.clone();
                let _guard = op.lock().await;
                let timeout = lock(&c)
                    .config
                    .stop_timeout
                    .unwrap_or(SHUTDOWN_STOP_TIMEOUT)
                    .min(SHUTDOWN_STOP_TIMEOUT);
                if let Err(e) = d.container_stop_locked(&c, Some(timeout)).await {
                    tracing::warn!("stopping container {}: {}", lock(&c).id, e.message);
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    }
}
