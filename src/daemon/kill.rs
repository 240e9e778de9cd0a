//! `POST /containers/{name}/kill`: send a signal to the container's init.
//!
//! Mirrors moby `daemon/kill.go` (v20.10.24) `ContainerKill` →
//! `killWithSignal` (+ `pkg/signal.ParseSignal`): the signal is a name
//! (`KILL`, `SIGKILL`) or a number, default KILL; the container must run
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

/// Linux signal names, as `docker kill -s` accepts them.
const SIGNALS: &[(&str, i32)] = &[
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("ILL", 4),
    ("TRAP", 5),
    ("ABRT", 6),
    ("IOT", 6),
    ("BUS", 7),
    ("FPE", 8),
    ("KILL", 9),
    ("USR1", 10),
    ("SEGV", 11),
    ("USR2", 12),
    ("PIPE", 13),
    ("ALRM", 14),
    ("TERM", 15),
    ("STKFLT", 16),
    ("CHLD", 17),
    ("CONT", 18),
    ("STOP", 19),
    ("TSTP", 20),
    ("TTIN", 21),
    ("TTOU", 22),
    ("URG", 23),
    ("XCPU", 24),
    ("XFSZ", 25),
    ("VTALRM", 26),
    ("PROF", 27),
    ("WINCH", 28),
    ("IO", 29),
    ("POLL", 29),
    ("PWR", 30),
    ("SYS", 31),
];

/// moby `signal.ParseSignal`: a number, or a name with or without `SIG`.
/// 400 `Invalid signal: x`.
pub fn parse_signal(raw: &str) -> Result<i32> {
    let invalid = || Error::invalid_parameter(format!("Invalid signal: {raw}"));
    if let Ok(n) = raw.parse::<i32>() {
        return if n > 0 && n <= 64 {
            Ok(n)
        } else {
            Err(invalid())
        };
    }
    let upper = raw.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    SIGNALS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| *s)
        .ok_or_else(invalid)
}

impl Daemon {
    /// moby `ContainerKill`: 204.
    pub async fn container_kill(self: &Arc<Self>, name: &str, signal: &str) -> Result<()> {
        traced("Daemon.ContainerKill", name, async {
            let sig = if signal.is_empty() {
                SIGKILL
            } else {
                parse_signal(signal)?
            };
            let c = self.get_container(name)?;
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

    /// moby `killWithSignal`: mark the manual stop, signal, log `kill`.
    pub(crate) fn kill_with_signal(&self, c: &ContainerRef, sig: i32) -> Result<()> {
        let pid = {
            let mut ct = lock(c);
            if !ct.state.status.is_running() {
                return Err(crate::container::state::err_not_running(&ct.id));
            }
            if !self.shutting_down.load(Ordering::SeqCst) {
                ct.state.manually_stopped = true;
                let _ = ct.to_disk();
            }
            ct.state.pid
        };
        if pid != 0 {
            if let Err(e) = self.runtime.signal(pid, sig) {
                // The process may have exited between our look and the
                // signal; moby ignores "process already finished" too.
                tracing::debug!("signal {sig} to pid {pid}: {e}");
            }
        }
        self.log_event_for(c, "kill", &[("signal", sig.to_string())]);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals() {
        assert_eq!(parse_signal("KILL").unwrap(), 9);
        assert_eq!(parse_signal("sigterm").unwrap(), 15);
        assert_eq!(parse_signal("1").unwrap(), 1);
        assert_eq!(
            parse_signal("NOPE").unwrap_err().message,
            "Invalid signal: NOPE"
        );
    }
}
