//! `POST /containers/{name}/stop`: ask the process to stop, then make it.
//!
//! Mirrors moby `daemon/stop.go` (v20.10.24) `ContainerStop` →
//! `containerStop`: send the stop signal (`Config.StopSignal`, default
//! SIGTERM), wait `t` seconds (the query, else `Config.StopTimeout`, else
//! 10; a negative `t` waits for ever), then SIGKILL and wait for the exit.
//! A container that is not running answers 304. Events: `kill` for each
//! signal sent, `die` (from the monitor), then `stop`.
//!
//! Note that a process running as PID 1 in its own PID namespace ignores
//! SIGTERM unless it installs a handler (`sleep` does not), so `docker
//! stop` of `busybox sleep 100` takes the full timeout and ends in
//! SIGKILL, exit code 137, on dockerd as here.

use std::sync::Arc;
use std::time::Duration;

use super::container::traced;
use super::kill::{parse_signal, SIGKILL, SIGTERM};
use super::wait::wait_stopped;
use super::Daemon;
use crate::container::{lock, ContainerRef, Status};
use crate::errdefs::{Error, Result};

/// dockerd's default stop timeout, in seconds.
pub const DEFAULT_STOP_TIMEOUT: i64 = 10;

/// How long to wait for the exit after SIGKILL before giving up.
const KILL_WAIT: Duration = Duration::from_secs(30);

impl Daemon {
    /// moby `ContainerStop`: 204, or 304 when it is not running.
    pub async fn container_stop(self: &Arc<Self>, name: &str, timeout: Option<i64>) -> Result<()> {
        traced("Daemon.ContainerStop", name, async {
            let c = self.get_container(name)?;
            let op = lock(&c).op_lock.clone();
            let _guard = op.lock().await;
            self.container_stop_locked(&c, timeout).await?;
            self.log_event_for(&c, "stop", &[]);
            Ok(())
        })
        .await
    }

    /// moby `containerStop`, with the operation lock held by the caller.
    pub(crate) async fn container_stop_locked(
        &self,
        c: &ContainerRef,
        timeout: Option<i64>,
    ) -> Result<()> {
        let (status, stop_signal, default_timeout, mut rx, gen0) = {
            let mut ct = lock(c);
            if ct.state.status == Status::Restarting {
                // Nothing runs: cancel the pending restart (the monitor
                // checks the status after its delay).
                ct.state.manually_stopped = true;
                let exit = crate::runtime::ExitStatus {
                    code: ct.state.exit_code as i32,
                    oom_killed: ct.state.oom_killed,
                };
                ct.state.set_stopped(exit);
                let _ = ct.to_disk();
                return Ok(());
            }
            ct.state
                .status
                .can_stop()
                .map_err(|_| Error::not_modified("Container is already stopped"))?;
            let rx = ct.state.subscribe();
            let gen0 = rx.borrow().stop_gen;
            (
                ct.state.status,
                ct.config.stop_signal.clone(),
                ct.config.stop_timeout.unwrap_or(DEFAULT_STOP_TIMEOUT),
                rx,
                gen0,
            )
        };
        if status == Status::Paused {
            // A frozen process cannot act on a signal; thaw it first.
            let _ = self.unpause(c);
        }
        let sig = if stop_signal.is_empty() {
            SIGTERM
        } else {
            parse_signal(&stop_signal)
                .ok()
                .filter(|s| crate::signal::valid_signal_for_platform(*s))
                .unwrap_or(SIGTERM)
        };
        let t = timeout.unwrap_or(default_timeout);
        self.kill_with_signal(c, sig)?;
        let wait = (t >= 0).then(|| Duration::from_secs(t as u64));
        if sig != SIGKILL && wait_stopped(&mut rx, gen0, wait).await {
            return Ok(());
        }
        // moby: "Container failed to exit within N seconds of signal 15 -
        // using the force".
        tracing::info!("container failed to exit within {t}s of signal {sig} - using the force");
        if let Err(e) = self.kill_with_signal(c, SIGKILL) {
            // It stopped in between: fine.
            if !e.is(crate::errdefs::ErrorKind::Conflict) {
                return Err(e);
            }
        }
        if wait_stopped(&mut rx, gen0, Some(KILL_WAIT)).await {
            Ok(())
        } else {
            Err(Error::system(format!(
                "container did not stop within {}s of SIGKILL",
                KILL_WAIT.as_secs()
            )))
        }
    }
}
