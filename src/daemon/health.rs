//! Health checks: `docker run --health-cmd`, and an image's `HEALTHCHECK`.
//!
//! Mirrors moby `daemon/health.go` (v20.10.24). While a container with a
//! health check runs, one monitor task per run waits `Interval` (30 s by
//! default), runs the probe as an exec in the container, and records the
//! result in the container's [`Health`](crate::container::health::Health):
//!
//! - exit code 0: `healthy`, and the failing streak starts again at 0;
//! - anything else, or no answer within `Timeout` (30 s by default): one
//!   more failure; `Retries` failures in a row (3 by default) make it
//!   `unhealthy`. Failures inside `StartPeriod` do not count while the
//!   status is still `starting`.
//!
//! A change of status is the event `health_status: healthy` (or
//! `unhealthy`). The probe is an ordinary exec, so `docker events` also
//! shows its `exec_create`, `exec_start` and `exec_die`, as on dockerd.
//!
//! The probe's output (stdout and stderr together) is kept up to 4096
//! bytes, with `...` when it was cut, and the last five results are in
//! `docker inspect`'s `State.Health.Log`. `CMD-SHELL` runs the command
//! with the container's `Shell` (`/bin/sh -c` by default), `CMD` runs it
//! as it is, `NONE` turns an image's check off.

use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncWrite;
use tokio::sync::watch;

use super::Daemon;
use crate::api::types::exec::ExecCreateConfig;
use crate::builder::dockerfile::instructions::format_go_duration;
use crate::container::health::{self, HealthcheckResult};
use crate::container::state::now_rfc3339;
use crate::container::{lock, Container, ContainerRef, Status};

/// moby `maxOutputLen`.
const MAX_OUTPUT_LEN: usize = 4096;
/// moby `defaultProbeInterval`.
const DEFAULT_PROBE_INTERVAL: Duration = Duration::from_secs(30);
/// moby `defaultProbeTimeout`.
const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_secs(30);
/// moby `defaultProbeRetries`.
const DEFAULT_PROBE_RETRIES: i64 = 3;
/// moby `termProcessTimeout` (`daemon/exec.go`): how long a probe that
/// overran its timeout has to end on SIGTERM before it gets SIGKILL.
const TERM_PROCESS_TIMEOUT: Duration = Duration::from_secs(10);

/// A container's `Healthcheck`, with moby's defaults for what is 0.
#[derive(Clone, Debug)]
struct Probe {
    /// The command to exec: the test's arguments, behind the shell for
    /// `CMD-SHELL`.
    cmd: Vec<String>,
    interval: Duration,
    timeout: Duration,
    start_period: Duration,
    retries: i64,
}

/// moby `getProbe` (and `timeoutWithDefault`): `None` when the container
/// has no check, `NONE`, or a test type dockerd does not know.
fn get_probe(c: &Container) -> Option<Probe> {
    let hc = c.config.healthcheck.as_ref()?;
    let test: Vec<String> = hc
        .get("Test")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let (kind, args) = test.split_first()?;
    let cmd = match kind.as_str() {
        "CMD" => args.to_vec(),
        "CMD-SHELL" => {
            let mut cmd = match c.config.shell.as_deref() {
                Some(shell) if !shell.is_empty() => shell.to_vec(),
                _ => vec!["/bin/sh".to_string(), "-c".to_string()],
            };
            cmd.extend(args.iter().cloned());
            cmd
        }
        "NONE" => return None,
        other => {
            tracing::warn!(
                "Unknown healthcheck type '{other}' (expected 'CMD') in container {}",
                c.id
            );
            return None;
        }
    };
    let duration = |key: &str, default: Duration| match hc.get(key).and_then(Value::as_i64) {
        Some(ns) if ns > 0 => Duration::from_nanos(ns as u64),
        _ => default,
    };
    let retries = hc.get("Retries").and_then(Value::as_i64).unwrap_or(0);
    Some(Probe {
        cmd,
        interval: duration("Interval", DEFAULT_PROBE_INTERVAL),
        timeout: duration("Timeout", DEFAULT_PROBE_TIMEOUT),
        start_period: duration("StartPeriod", Duration::ZERO),
        retries: if retries <= 0 {
            DEFAULT_PROBE_RETRIES
        } else {
            retries
        },
    })
}

impl Daemon {
    /// moby `initHealthMonitor`, at every start: the status goes back to
    /// `starting` and a monitor task begins.
    pub(crate) fn init_health_monitor(self: &Arc<Self>, c: &ContainerRef) {
        let mut ct = lock(c);
        let Some(probe) = get_probe(&ct) else {
            return;
        };
        let health = ct.state.health.get_or_insert_with(Default::default);
        health.close_monitor_channel();
        health.set_status(health::STARTING);
        health.failing_streak = 0;
        if let Some(rx) = health.open_monitor_channel() {
            let id = ct.id.clone();
            tokio::spawn(monitor(self.clone(), c.clone(), id, rx, probe));
        }
    }

    /// moby `updateHealthMonitor`, after pause and unpause: the monitor
    /// probes only while the container runs unpaused.
    pub(crate) fn update_health_monitor(&self, ct: &mut Container) {
        let running = ct.state.status == Status::Running;
        if let Some(h) = ct.state.health.as_mut() {
            h.set_monitor_running(running);
        }
    }

    /// moby `stopHealthchecks`, when the process exits.
    pub(crate) fn stop_healthchecks(&self, ct: &mut Container) {
        if let Some(h) = ct.state.health.as_mut() {
            h.close_monitor_channel();
        }
    }

    /// moby `cmdProbe.run`: the probe as an exec with stdout and stderr
    /// captured; its exit code is the verdict, and `pid` is set once it
    /// runs (for the timeout's signals). The exec instance is forgotten
    /// afterwards: dockerd keeps it until the container goes, which for a
    /// check every second is thousands of instances nobody can name.
    async fn run_probe(
        self: &Arc<Self>,
        id: &str,
        probe: &Probe,
        pid: &AtomicU32,
    ) -> Result<(i64, String), String> {
        let config = ExecCreateConfig {
            attach_stdout: true,
            attach_stderr: true,
            cmd: Some(probe.cmd.clone()),
            ..Default::default()
        };
        let exec_id = self
            .container_exec_create(id, &config)
            .map_err(|e| e.message)?;
        // Forget the instance, in the daemon's store and the container's
        // list (`ExecRun::run` leaves the latter when it ran).
        let forget = |exec_id: &str| {
            self.exec_commands.delete(exec_id);
            if let Ok(ctr) = self.get_container(id) {
                lock(&ctr).exec_ids.retain(|x| x != exec_id);
            }
        };
        let run = match self.container_exec_start(&exec_id, None).await {
            Ok(run) => run,
            Err(e) => {
                forget(&exec_id);
                return Err(e.message);
            }
        };
        pid.store(run.pid, Ordering::Relaxed);
        let output = LimitedBuffer::default();
        run.run(
            Some((Box::new(tokio::io::empty()), Box::new(output.clone()))),
            false,
        )
        .await;
        let exit_code = self
            .container_exec_inspect(&exec_id)
            .ok()
            .and_then(|i| i.exit_code);
        forget(&exec_id);
        match exit_code {
            Some(code) => Ok((code, output.string())),
            None => Err(format!("healthcheck for container {id} has no exit code")),
        }
    }

    /// moby `handleProbeResult`: keep the result, move the status, and say
    /// so with a `health_status` event when it changed. A result that
    /// arrives after the monitor was stopped is dropped. `probe` is the
    /// monitor's: a running container's check cannot change.
    fn handle_probe_result(
        &self,
        c: &ContainerRef,
        probe: &Probe,
        result: HealthcheckResult,
        stop: &Stop,
    ) {
        let (old, new) = {
            let mut ct = lock(c);
            if stop.is_closed() {
                return;
            }
            let started_at = crate::container::state::parse_time(&ct.state.started_at);
            let Some(h) = ct.state.health.as_mut() else {
                return;
            };
            let old = h.status().to_string();
            let probe_start = crate::container::state::parse_time(&result.start);
            let healthy = result.exit_code == 0;
            h.push_result(result);
            if healthy {
                h.failing_streak = 0;
                h.set_status(health::HEALTHY);
            } else {
                // A failure while still starting, inside the start period,
                // does not count.
                let in_start_period = old == health::STARTING
                    && match (started_at, probe_start) {
                        (Some(a), Some(b)) => (b - a) < probe.start_period,
                        _ => false,
                    };
                if !in_start_period {
                    h.failing_streak += 1;
                    if h.failing_streak >= probe.retries {
                        h.set_status(health::UNHEALTHY);
                    }
                }
            }
            let new = h.status().to_string();
            if let Err(e) = ct.to_disk() {
                tracing::error!(
                    "Error replicating health state for container {}: {e}",
                    ct.id
                );
            }
            (old, new)
        };
        trace_event!(
            "backend",
            "event",
            "Daemon.handleProbeResult",
            status = new.as_str()
        );
        if old != new {
            self.log_event_for(c, &format!("health_status: {new}"), &[]);
        }
    }
}

/// The monitor's side of its switch: `true` probe, `false` idle (paused),
/// closed (the sender dropped) stop.
type Stop = watch::Receiver<bool>;

/// moby `monitor`: one task per run of a container with a health check.
async fn monitor(d: Arc<Daemon>, c: ContainerRef, id: String, mut stop: Stop, probe: Probe) {
    loop {
        // Paused: wait to be resumed (or stopped). moby ends its monitor
        // on pause and starts a new one on unpause; either way the next
        // probe is a whole interval after the unpause.
        while !*stop.borrow_and_update() {
            if stop.changed().await.is_err() {
                return;
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(probe.interval) => {}
            changed = stop.changed() => {
                if changed.is_err() {
                    return;
                }
                continue;
            }
        }
        let start = now_rfc3339();
        let pid = AtomicU32::new(0);
        let run = d.run_probe(&id, &probe, &pid);
        tokio::pin!(run);
        let result = tokio::select! {
            r = &mut run => r,
            _ = tokio::time::sleep(probe.timeout) => {
                d.handle_probe_result(&c, &probe, HealthcheckResult {
                    start,
                    end: now_rfc3339(),
                    exit_code: -1,
                    output: format!(
                        "Health check exceeded timeout ({})",
                        format_go_duration(probe.timeout.as_nanos() as i64)
                    ),
                }, &stop);
                // moby's exec: SIGTERM, and SIGKILL if the probe is still
                // there after 10 s. The next interval starts once it ended.
                end_probe(&d, &pid, &mut run).await;
                continue;
            }
            changed = stop.changed() => {
                // Stopped or paused while probing: moby cancels the probe
                // and forgets its result.
                end_probe(&d, &pid, &mut run).await;
                if changed.is_err() {
                    return;
                }
                continue;
            }
        };
        let result = match result {
            Ok((exit_code, output)) => HealthcheckResult {
                start,
                end: now_rfc3339(),
                exit_code,
                output,
            },
            Err(e) => {
                tracing::warn!("Health check for container {id} error: {e}");
                HealthcheckResult {
                    start,
                    end: now_rfc3339(),
                    exit_code: -1,
                    output: e,
                }
            }
        };
        d.handle_probe_result(&c, &probe, result, &stop);
    }
}

/// Stop a probe that is no longer wanted: SIGTERM, then SIGKILL after
/// [`TERM_PROCESS_TIMEOUT`], and wait for its exec to finish.
async fn end_probe<F: std::future::Future>(d: &Daemon, pid: &AtomicU32, run: &mut Pin<&mut F>) {
    let signal = |sig: i32| match pid.load(Ordering::Relaxed) {
        0 => {}
        pid => {
            let _ = d.runtime.signal(pid, sig);
        }
    };
    signal(libc::SIGTERM);
    if tokio::time::timeout(TERM_PROCESS_TIMEOUT, run.as_mut())
        .await
        .is_err()
    {
        signal(libc::SIGKILL);
        run.as_mut().await;
    }
}

/// moby `limitedBuffer`: the first 4096 bytes of a probe's output, and
/// `...` after them when there was more.
#[derive(Clone, Default)]
struct LimitedBuffer(Arc<Mutex<(Vec<u8>, bool)>>);

impl LimitedBuffer {
    fn string(&self) -> String {
        let b = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::from_utf8_lossy(&b.0).into_owned();
        if b.1 {
            out.push_str("...");
        }
        out
    }
}

impl AsyncWrite for LimitedBuffer {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let mut b = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let keep = MAX_OUTPUT_LEN.saturating_sub(b.0.len()).min(data.len());
        b.0.extend_from_slice(&data[..keep]);
        if keep < data.len() {
            b.1 = true;
        }
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    /// moby `limitedBuffer`: output past 4096 bytes is cut and marked.
    #[tokio::test]
    async fn probe_output_is_cut_at_4096_bytes() {
        let mut b = LimitedBuffer::default();
        b.write_all(&[b'a'; 4000]).await.unwrap();
        b.write_all(&[b'b'; 200]).await.unwrap();
        let out = b.string();
        assert_eq!(out.len(), 4096 + 3);
        assert!(out.ends_with("bbb..."));
    }

    fn container(healthcheck: Value, shell: Option<Vec<String>>) -> Container {
        let mut c = Container::default();
        c.config.healthcheck = Some(healthcheck);
        c.config.shell = shell;
        c
    }

    /// `CMD-SHELL` runs behind the container's shell, `CMD` as given,
    /// `NONE` disables the check, and 0 durations take dockerd's defaults
    /// (30 s, 30 s, 3 retries).
    #[test]
    fn probes_follow_the_test_type() {
        let p = get_probe(&container(
            serde_json::json!({"Test": ["CMD-SHELL", "exit 0"]}),
            None,
        ))
        .unwrap();
        assert_eq!(p.cmd, ["/bin/sh", "-c", "exit 0"]);
        assert_eq!(p.interval, Duration::from_secs(30));
        assert_eq!(p.timeout, Duration::from_secs(30));
        assert_eq!(p.retries, 3);
        let p = get_probe(&container(
            serde_json::json!({"Test": ["CMD-SHELL", "x"], "Interval": 1_000_000, "Retries": 1}),
            Some(vec!["/bin/ash".into(), "-ec".into()]),
        ))
        .unwrap();
        assert_eq!(p.cmd, ["/bin/ash", "-ec", "x"]);
        assert_eq!(p.interval, Duration::from_millis(1));
        assert_eq!(p.retries, 1);
        let p = get_probe(&container(
            serde_json::json!({"Test": ["CMD", "true", "a b"]}),
            None,
        ))
        .unwrap();
        assert_eq!(p.cmd, ["true", "a b"]);
        assert!(get_probe(&container(serde_json::json!({"Test": ["NONE"]}), None)).is_none());
        assert!(get_probe(&container(serde_json::json!({"Test": ["WHAT", "x"]}), None)).is_none());
    }
}
