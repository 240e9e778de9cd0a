//! What happens when a container's process exits: state, events, restart
//! policy, `--rm`.
//!
//! Mirrors moby `daemon/monitor.go` (v20.10.24) `handleContainerExit` and
//! `restartmanager/restartmanager.go` `ShouldRestart`. In moby, containerd
//! sends an exit event to `ProcessEvent`; here the runtime hands us a
//! oneshot that resolves with the exit status, and one task per run awaits
//! it:
//!
//! 1. wait (briefly) for the output copiers to drain, so the log and
//!    attached clients have everything before waiters are released;
//! 2. `runtime.cleanup` (unmount the rootfs, remove the cgroup);
//! 3. emit `oom` if the kernel killed it for memory, then `die` with
//!    `exitCode`;
//! 4. decide on a restart (policy, count, manual stop, daemon shutdown)
//!    and record the exit (`Exited` or `Restarting`), which wakes waiters;
//! 5. restart after a delay, or, with `--rm`, remove the container.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

use super::Daemon;
use crate::container::{lock, ContainerRef, Status};
use crate::runtime::{ContainerSpec, ExitStatus};

/// How long the monitor waits for the copiers after the exit. A process
/// that leaves a child holding its stdout open must not hold up `wait`.
const IO_DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// The first restart delay. moby's restart manager starts at 100 ms and
/// doubles it after every run shorter than 10 s, up to a minute; we double
/// it too but stop at 2 s, so that a crash-looping container is visible
/// quickly in a teaching setting.
const RESTART_BASE_DELAY: Duration = Duration::from_millis(100);
const RESTART_MAX_DELAY: Duration = Duration::from_secs(2);

impl Daemon {
    /// The task that watches one run of a container (see the module
    /// documentation).
    pub(crate) async fn monitor(
        self: Arc<Self>,
        c: ContainerRef,
        spec: ContainerSpec,
        exit: oneshot::Receiver<ExitStatus>,
        io_done: oneshot::Receiver<()>,
    ) {
        let status = exit.await.unwrap_or_else(|_| {
            // The runtime dropped the sender without an exit status: we do
            // not know how the process ended. 255 is what docker reports
            // for an exit status it could not get.
            tracing::warn!("container {}: the runtime lost the exit status", spec.id);
            ExitStatus {
                code: 255,
                oom_killed: false,
            }
        });
        let _ = tokio::time::timeout(IO_DRAIN_TIMEOUT, io_done).await;
        trace_event!(
            "backend",
            "event",
            "Daemon.handleContainerExit",
            container = spec.id.as_str(),
            exit_code = status.code,
            oom = status.oom_killed
        );
        let runtime = self.runtime.clone();
        let cleanup_spec = spec.clone();
        let _ = tokio::task::spawn_blocking(move || runtime.cleanup(&cleanup_spec)).await;

        // The events first, then the state: a client that sees the stop
        // (wait, stop) and then reads the events finds `die` there, as the
        // order `kill`, `die`, `stop` of dockerd's event stream promises.
        if status.oom_killed {
            self.log_event_for(&c, "oom", &[]);
        }
        self.log_event_for(&c, "die", &[("exitCode", status.code.to_string())]);
        // moby `releaseNetwork`, in `Cleanup` before the state changes:
        // `die`, `network disconnect`, then `stop`.
        let (mine, name, named) = {
            let ct = lock(&c);
            (
                Self::addresses(&ct),
                ct.bare_name().to_string(),
                Self::has_named_peers(&ct),
            )
        };
        for (network, _) in &mine {
            self.log_network_event("disconnect", network, &spec.id);
        }
        // The other containers on its user networks forget its name.
        if named {
            let peers = self.network_peers(&c);
            self.withdraw_from_peers(&name, &mine, &peers);
        }
        let (restart, delay, auto_remove) = {
            let mut ct = lock(&c);
            self.stop_healthchecks(&mut ct);
            ct.stream.reset();
            // The published ports are released with the process (moby
            // `releaseNetwork`); a restart binds them again.
            ct.port_proxy = None;
            self.release_network(&mut ct);
            let restart = self.should_restart(&ct, status.code);
            let delay = restart_delay(ct.restart_count);
            if restart {
                ct.restart_count += 1;
                ct.state.set_restarting(status);
            } else {
                ct.state.set_stopped(status);
            }
            if let Err(e) = ct.to_disk() {
                tracing::warn!("container {}: saving its state: {e}", ct.id);
            }
            (restart, delay, ct.host_config.auto_remove)
        };

        if restart {
            tokio::time::sleep(delay).await;
            let op = lock(&c).op_lock.clone();
            let _guard = op.lock().await;
            // A stop, kill or rm while we slept cancels the restart (moby
            // `RestartManager.Cancel`).
            if lock(&c).state.status != Status::Restarting {
                return;
            }
            if self.shutting_down.load(Ordering::SeqCst) {
                let mut ct = lock(&c);
                ct.state.set_stopped(status);
                let _ = ct.to_disk();
                return;
            }
            if let Err(e) = self.container_start_locked(&c, false).await {
                tracing::warn!("restarting container {}: {}", spec.id, e.message);
            }
        } else if auto_remove {
            // moby: `daemon.ContainerRm(c.ID, {ForceRemove: true, RemoveVolume: true})`.
            let id = spec.id.clone();
            if let Err(e) = self.container_rm(&id, true, true).await {
                if !e.is(crate::errdefs::ErrorKind::NotFound) {
                    tracing::warn!("auto-removing container {id}: {}", e.message);
                }
            }
        }
    }

    /// moby `restartManager.ShouldRestart`: never after a manual stop or
    /// while the daemon shuts down; `always` and `unless-stopped` always;
    /// `on-failure` on a non-zero exit while under the retry limit.
    fn should_restart(&self, c: &crate::container::Container, exit_code: i32) -> bool {
        if self.shutting_down.load(Ordering::SeqCst) || c.state.manually_stopped {
            return false;
        }
        let policy = &c.host_config.restart_policy;
        if policy.is_always() || policy.is_unless_stopped() {
            return true;
        }
        if policy.is_on_failure() && exit_code != 0 {
            let max = policy.maximum_retry_count;
            return max == 0 || c.restart_count < max;
        }
        false
    }
}

/// The delay before restart number `count + 1`.
fn restart_delay(count: i64) -> Duration {
    let factor = 1u32 << count.clamp(0, 10) as u32;
    (RESTART_BASE_DELAY * factor).min(RESTART_MAX_DELAY)
}
