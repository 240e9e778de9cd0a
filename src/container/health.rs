//! A container's health: the status its health check last gave, and the
//! switch that runs or stops the check.
//!
//! Mirrors moby `container/health.go` (v20.10.24) and the `types.Health`
//! it embeds. A container whose config has a `Healthcheck` (from `docker
//! run --health-cmd`, or the image's `HEALTHCHECK`) gets a [`Health`] when
//! it starts; `daemon/health.rs` runs the probes and writes their results
//! here. Inspect shows it as `State.Health`, `docker ps` as `(healthy)`
//! after "Up 3 minutes".
//!
//! moby starts one monitor goroutine per run and stops it by closing a
//! `stop` channel (`OpenMonitorChannel` / `CloseMonitorChannel`); pause
//! closes it and unpause opens a new one. Here the run's one monitor task
//! watches a `watch` channel instead: `true` probes, `false` idles (a
//! paused container), a dropped sender ends the task. The effect a user
//! sees is moby's, including its odd part: stopping the monitor marks the
//! container `unhealthy` "for compatibility reasons", so a paused or
//! exited container inspects as unhealthy.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

/// moby `types.Starting`, `types.Healthy`, `types.Unhealthy`.
pub const STARTING: &str = "starting";
pub const HEALTHY: &str = "healthy";
pub const UNHEALTHY: &str = "unhealthy";
/// moby `types.NoHealthcheck`: what `docker ps --filter health=none` matches.
pub const NO_HEALTHCHECK: &str = "none";

/// moby `maxLogEntries`: inspect keeps the last five probe results.
pub const MAX_LOG_ENTRIES: usize = 5;

/// moby `types.HealthcheckResult`: one probe.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HealthcheckResult {
    #[serde(rename = "Start")]
    pub start: String,
    #[serde(rename = "End")]
    pub end: String,
    /// 0 healthy, anything else unhealthy; -1 when the probe could not run
    /// or exceeded its timeout.
    #[serde(rename = "ExitCode")]
    pub exit_code: i64,
    /// The probe's stdout and stderr together, at most 4096 bytes.
    #[serde(rename = "Output")]
    pub output: String,
}

/// moby `types.Health`, as inspect shows it and config.v2.json keeps it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HealthJson {
    #[serde(rename = "Status")]
    pub status: String,
    #[serde(rename = "FailingStreak")]
    pub failing_streak: i64,
    #[serde(rename = "Log")]
    pub log: Vec<HealthcheckResult>,
}

/// moby `container.Health`.
#[derive(Debug, Default)]
pub struct Health {
    status: String,
    /// Failed probes in a row (not counted during the start period).
    pub failing_streak: i64,
    /// The last [`MAX_LOG_ENTRIES`] results, oldest first.
    pub log: VecDeque<HealthcheckResult>,
    /// The monitor's switch while one runs (moby's `stop` channel).
    monitor: Option<watch::Sender<bool>>,
}

impl Health {
    /// moby `Health.Status`: a health whose monitor never started reads as
    /// unhealthy.
    pub fn status(&self) -> &str {
        if self.status.is_empty() {
            UNHEALTHY
        } else {
            &self.status
        }
    }

    pub fn set_status(&mut self, status: &str) {
        self.status = status.to_string();
    }

    /// moby `Health.String`, the words in `docker ps`'s parentheses.
    pub fn human(&self) -> &str {
        match self.status() {
            STARTING => "health: starting",
            other => other,
        }
    }

    /// Keep a probe's result, dropping the oldest beyond five.
    pub fn push_result(&mut self, result: HealthcheckResult) {
        while self.log.len() >= MAX_LOG_ENTRIES {
            self.log.pop_front();
        }
        self.log.push_back(result);
    }

    /// moby `OpenMonitorChannel`: a receiver for a new monitor task, or
    /// `None` when one runs already.
    pub fn open_monitor_channel(&mut self) -> Option<watch::Receiver<bool>> {
        if self.monitor.is_some() {
            return None;
        }
        let (tx, rx) = watch::channel(true);
        self.monitor = Some(tx);
        Some(rx)
    }

    /// Whether a monitor task runs for this container.
    pub fn has_monitor(&self) -> bool {
        self.monitor.is_some()
    }

    /// Let the monitor probe (`true`) or idle (`false`, while paused).
    /// Idling counts as a stop for the status, as moby's pause does.
    pub fn set_monitor_running(&mut self, running: bool) {
        if let Some(tx) = &self.monitor {
            tx.send_replace(running);
            if !running {
                self.status = UNHEALTHY.into();
            }
        }
    }

    /// moby `CloseMonitorChannel`: end the monitor task; the status becomes
    /// unhealthy "for compatibility reasons", as dockerd's comment says.
    pub fn close_monitor_channel(&mut self) {
        if self.monitor.take().is_some() {
            self.status = UNHEALTHY.into();
        }
    }

    pub fn to_json(&self) -> HealthJson {
        HealthJson {
            status: self.status().to_string(),
            failing_streak: self.failing_streak,
            log: self.log.iter().cloned().collect(),
        }
    }

    /// Back from config.v2.json, with no monitor: a start opens one.
    pub fn from_json(j: &HealthJson) -> Health {
        Health {
            status: j.status.clone(),
            failing_streak: j.failing_streak,
            log: j.log.iter().cloned().collect(),
            monitor: None,
        }
    }
}

/// moby `IsValidHealthString`: the values `--filter health=` accepts.
pub fn is_valid_health_string(s: &str) -> bool {
    matches!(s, STARTING | HEALTHY | UNHEALTHY | NO_HEALTHCHECK)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// dockerd keeps the last five probe results, oldest first.
    #[test]
    fn log_keeps_the_last_five() {
        let mut h = Health::default();
        for i in 0..7 {
            h.push_result(HealthcheckResult {
                exit_code: i,
                ..Default::default()
            });
        }
        let codes: Vec<i64> = h.log.iter().map(|r| r.exit_code).collect();
        assert_eq!(codes, [2, 3, 4, 5, 6]);
    }

    /// A health whose monitor never ran reads as unhealthy; stopping the
    /// monitor marks it unhealthy (moby `CloseMonitorChannel`), and `docker
    /// ps` words `starting` as "health: starting".
    #[test]
    fn status_words_follow_moby() {
        let mut h = Health::default();
        assert_eq!(h.status(), UNHEALTHY);
        h.set_status(STARTING);
        assert_eq!(h.human(), "health: starting");
        assert!(h.open_monitor_channel().is_some());
        assert!(h.open_monitor_channel().is_none(), "one monitor at a time");
        h.set_status(HEALTHY);
        h.close_monitor_channel();
        assert_eq!(h.status(), UNHEALTHY);
        assert!(!h.has_monitor());
    }
}
