//! `POST /containers/{name}/kill`: send a signal to the container's init.
//!
//! Mirrors moby `daemon/kill.go` (v20.10.24) `ContainerKill` →
//! `killWithSignal`: the router has parsed the signal (`crate::signal`);
//! 0 means KILL, a number Linux has no signal for is refused; the container must run
//! (409 `Container <id> is not running`); the kill counts as a manual stop
//! (restart policies leave the container alone afterwards); a `kill` event
//! carries the signal number. For SIGKILL the call returns once the
//! container has stopped, as moby's `Kill` does.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::container::traced;
use super::Daemon;
use crate::container::{lock, ContainerRef};
use crate::errdefs::{Error, Result};

pub const SIGKILL: i32 = 9;
pub const SIGTERM: i32 = 15;

pub use crate::signal::parse_signal;

impl Daemon {
    /// moby `ContainerKill`: 204. `sig` 0 is SIGKILL.
    ///
    /// A signal Linux does not have is dockerd's "The linux daemon does
    /// not support signal N", checked after the container is found, as
    /// moby does. dockerd answers it with a 500; we answer 400 (the
    /// request's fault, see `errdefs.rs`).
    pub async fn container_kill(self: &Arc<Self>, name: &str, sig: i32) -> Result<()> {
        traced("Daemon.ContainerKill", name, async {
            let c = self.get_container(name)?;
            if sig != 0 && !crate::signal::valid_signal_for_platform(sig) {
                return Err(Error::invalid_parameter(format!(
                    "The linux daemon does not support signal {sig}"
                )));
            }
            let sig = if sig == 0 { SIGKILL } else { sig };
            {
                let ct = lock(&c);
                ct.state.status.can_kill(&ct.id)?;
            }
            if sig == SIGKILL {
                self.kill_and_wait(&c, Duration::from_secs(10)).await
            } else {
                self.kill_with_signal(&c, sig)
            }
        })
        .await
    }

    /// moby `killWithSignal`: mark the manual stop, signal, log `kill`,
    /// and thaw a paused container, whose frozen process would otherwise
    /// never act on the signal (moby resumes it after the kill too).
    pub(crate) fn kill_with_signal(&self, c: &ContainerRef, sig: i32) -> Result<()> {
        let (pid, paused) = {
            let mut ct = lock(c);
            if !ct.state.status.is_running() {
                return Err(crate::container::state::err_not_running(&ct.id));
            }
            if !self.shutting_down.load(Ordering::SeqCst) {
                ct.state.manually_stopped = true;
                let _ = ct.to_disk();
            }
            (
                ct.state.pid,
                ct.state.status == crate::container::Status::Paused,
            )
        };
        if pid != 0 {
            if let Err(e) = self.runtime.signal(pid, sig) {
                // The process may have exited between our look and the
                // signal; moby ignores "process already finished" too.
                tracing::debug!("signal {sig} to pid {pid}: {e}");
            }
        }
        self.log_event_for(c, "kill", &[("signal", sig.to_string())]);
        if paused {
            if let Err(e) = self.unpause(c) {
                tracing::warn!("Cannot unpause container {}: {}", lock(c).id, e.message);
            }
        }
        Ok(())
    }

    /// moby `Kill`: SIGKILL, then wait (bounded) until the container stopped.
    pub(crate) async fn kill_and_wait(&self, c: &ContainerRef, timeout: Duration) -> Result<()> {
        let (mut rx, gen0) = {
            let mut ct = lock(c);
            if ct.state.status == crate::container::Status::Restarting {
                // Nothing runs between two restarts: cancel the restart
                // (the monitor checks the status after its delay).
                ct.state.manually_stopped = true;
                let exit = crate::runtime::ExitStatus {
                    code: ct.state.exit_code as i32,
                    oom_killed: ct.state.oom_killed,
                };
                ct.state.set_stopped(exit);
                let _ = ct.to_disk();
                return Ok(());
            }
            let rx = ct.state.subscribe();
            let gen0 = rx.borrow().stop_gen;
            (rx, gen0)
        };
        self.kill_with_signal(c, SIGKILL)?;
        if super::wait::wait_stopped(&mut rx, gen0, Some(timeout)).await {
            Ok(())
        } else {
            Err(Error::system(format!(
                "tried to kill container, but did not receive an exit event within {}s",
                timeout.as_secs()
            )))
        }
    }
}
