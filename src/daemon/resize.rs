//! Terminal size: `docker run -t` and `docker exec -t` tell the daemon the
//! size of the user's terminal, at start and at every SIGWINCH.
//!
//! Mirrors moby `daemon/resize.go` (v20.10.24): `ContainerResize` (409 when
//! the container does not run; then the runtime's `ResizeTerminal`, which
//! is `TIOCSWINSZ` on the pty master; event `resize` with `height` and
//! `width`) and `ContainerExecResize`.
//!
//! A container or exec without a TTY has no pty to resize. containerd
//! answers that with an error which dockerd passes on; the docker CLI
//! never resizes a process without a TTY, so here it is accepted and does
//! nothing.

use std::time::Instant;

use super::exec::config::lock as lock_exec;
use super::Daemon;
use crate::container::lock;
use crate::errdefs::{Error, Result};

impl Daemon {
    /// moby `ContainerResize`.
    pub fn container_resize(&self, name: &str, height: u16, width: u16) -> Result<()> {
        let started = Instant::now();
        trace_event!(
            "backend",
            "enter",
            "Daemon.ContainerResize",
            container = name,
            height = height,
            width = width
        );
        let result = (|| {
            let ctr = self.get_container(name)?;
            let (id, running, stream) = {
                let c = lock(&ctr);
                (c.id.clone(), c.state.status.is_running(), c.stream.clone())
            };
            if !running {
                return Err(Error::conflict(format!("Container {id} is not running")));
            }
            if let Some(r) = stream.with_pty_fd(|fd| self.runtime.resize(fd, height, width)) {
                r.map_err(|e| Error::system(e.message))?;
            }
            self.log_event_for_id(
                &id,
                "resize",
                &[("height", height.to_string()), ("width", width.to_string())],
            );
            Ok(())
        })();
        trace_event!(
            "backend",
            "exit",
            "Daemon.ContainerResize",
            ok = result.is_ok(),
            dur_us = crate::trace::micros_since(started)
        );
        result
    }

    /// moby `ContainerExecResize`. The CLI resizes right after the start's
    /// 101 arrives, which can be before the process (and its pty) exists;
    /// as dockerd does, wait up to a second for the exec to have started.
    pub async fn container_exec_resize(&self, id: &str, height: u16, width: u16) -> Result<()> {
        trace_event!(
            "backend",
            "event",
            "Daemon.ContainerExecResize",
            exec_id = id,
            height = height,
            width = width
        );
        let ec = self.get_exec_config(id)?;
        let (stream, mut started) = {
            let e = lock_exec(&ec);
            (e.stream.clone(), e.started_signal.subscribe())
        };
        let wait = started.wait_for(|s| *s);
        // dockerd waits 1 s for the exec's process to start, and so do we.
        match tokio::time::timeout(std::time::Duration::from_secs(1), wait).await {
            Ok(Ok(_)) => {}
            _ => return Err(Error::system("timeout waiting for exec session ready")),
        }
        let applied = stream.with_pty_fd(|fd| self.runtime.resize(fd, height, width));
        trace_event!(
            "backend",
            "event",
            "Daemon.ContainerExecResize.applied",
            exec_id = id,
            had_pty = applied.is_some()
        );
        if let Some(r) = applied {
            r.map_err(|e| Error::system(e.message))?;
        }
        Ok(())
    }
}

/// moby's `strconv.Atoi(r.Form.Get("h"))` in the resize handlers: a bad
/// number is a 400 with Go's message. The value then goes to the kernel
/// as a 16-bit field.
pub fn parse_dimension(v: &str) -> Result<u16> {
    let n = crate::server::httputils::atoi(v)?;
    Ok(n.clamp(0, u16::MAX as i64) as u16)
}
