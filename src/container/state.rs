//! A container's state machine, and the waiters that watch it.
//!
//! Mirrors moby `container/state.go` (v20.10.24). dockerd keeps a set of
//! booleans (`Running`, `Paused`, `Restarting`, `Dead`,
//! `RemovalInProgress`) and derives the status word from them
//! (`StateString`); we keep the status as one enum, [`Status`], so an
//! impossible mix (running AND dead) cannot be written down, and derive the
//! booleans when inspect shows them.
//!
//! Every operation asks the enum first whether it may run (`can_start`,
//! `can_kill`, `can_remove`, ...), and gets dockerd's error when it may
//! not, with the same kind (so the same HTTP status) and the same text.
//!
//! Waiters (`POST /containers/{id}/wait`) watch a `tokio::sync::watch`
//! channel of [`WaitState`]. moby closes a `waitStop` channel each time the
//! container stops and a `waitRemove` channel when it is removed; a watch
//! with a stop *generation* counter says the same thing without losing a
//! stop that happens between two looks.

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::health::{Health, HealthJson};
use crate::errdefs::{Error, Result};
use crate::runtime::ExitStatus;

/// What inspect shows for a time that never happened (Go's zero time).
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Now, as dockerd formats times in JSON: RFC 3339 with nanoseconds, UTC.
pub fn now_rfc3339() -> String {
    format_time(time::OffsetDateTime::now_utc())
}

/// `t` as RFC 3339 with nanoseconds, UTC (Go's `time.RFC3339Nano`).
pub fn format_time(t: time::OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| ZERO_TIME.to_string())
}

/// Parse an RFC 3339 time; the zero time and garbage give `None`.
pub fn parse_time(s: &str) -> Option<time::OffsetDateTime> {
    if s.is_empty() || s == ZERO_TIME {
        return None;
    }
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// The status word of `State.Status` and `docker ps`'s `State`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Created, never started (or its start failed).
    #[default]
    Created,
    Running,
    Paused,
    /// Exited, and the restart policy will start it again.
    Restarting,
    /// `docker rm` is under way.
    Removing,
    Exited,
    /// Removal failed half way; only `rm -f` helps.
    Dead,
}

impl Status {
    /// The word, as `State.Status` shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Running => "running",
            Status::Paused => "paused",
            Status::Restarting => "restarting",
            Status::Removing => "removing",
            Status::Exited => "exited",
            Status::Dead => "dead",
        }
    }

    /// moby's `State.Running`: true while paused and restarting too.
    pub fn is_running(self) -> bool {
        matches!(self, Status::Running | Status::Paused | Status::Restarting)
    }

    /// moby `daemon/start.go` `containerStart` checks: a running
    /// container answers 304, a paused one 409, one on its way out 409.
    pub fn can_start(self) -> Result<()> {
        match self {
            Status::Paused => Err(Error::conflict(
                "cannot start a paused container, try unpause instead",
            )),
            Status::Running | Status::Restarting => {
                Err(Error::not_modified("container is already running"))
            }
            Status::Removing | Status::Dead => Err(Error::conflict(
                "container is marked for removal and cannot be started",
            )),
            Status::Created | Status::Exited => Ok(()),
        }
    }

    /// moby `daemon/stop.go`: stopping a container that does not run is
    /// "not modified" (304).
    pub fn can_stop(self) -> Result<()> {
        if self.is_running() {
            Ok(())
        } else {
            Err(Error::not_modified("container is not running"))
        }
    }

    /// moby `daemon/kill.go` `killWithSignal`: 409 when not running, and
    /// while restarting ("is restarting, wait until the container is
    /// running").
    pub fn can_kill(self, id: &str) -> Result<()> {
        match self {
            Status::Running | Status::Paused => Ok(()),
            Status::Restarting => Err(err_restarting(id)),
            _ => Err(err_not_running(id)),
        }
    }

    /// moby `daemon/delete.go` `cleanupContainer`: a running container
    /// goes only with force.
    pub fn can_remove(self, id: &str, force: bool) -> Result<()> {
        if self == Status::Removing {
            return Err(Error::conflict(format!(
                "removal of container {id} is already in progress"
            )));
        }
        if force {
            return Ok(());
        }
        match self {
            Status::Paused => Err(Error::conflict(format!(
                "You cannot remove a paused container {id}. Unpause and then stop the container before attempting removal or force remove"
            ))),
            Status::Restarting => Err(Error::conflict(format!(
                "You cannot remove a restarting container {id}. Stop the container before attempting removal or force remove"
            ))),
            Status::Running => Err(Error::conflict(format!(
                "You cannot remove a running container {id}. Stop the container before attempting removal or force remove"
            ))),
            _ => Ok(()),
        }
    }

    /// moby `daemon/pause.go`.
    pub fn can_pause(self, id: &str) -> Result<()> {
        match self {
            Status::Running => Ok(()),
            Status::Paused => Err(Error::conflict(format!("Container {id} is already paused"))),
            Status::Restarting => Err(err_restarting(id)),
            _ => Err(err_not_running(id)),
        }
    }

    /// moby `daemon/unpause.go`.
    pub fn can_unpause(self, id: &str) -> Result<()> {
        match self {
            Status::Paused => Ok(()),
            _ => Err(Error::conflict(format!("Container {id} is not paused"))),
        }
    }

    /// moby `daemon/top_unix.go`, and every operation that needs a live
    /// process (exec, attach to a stopped container is fine).
    pub fn can_top(self, id: &str) -> Result<()> {
        match self {
            Status::Running | Status::Paused => Ok(()),
            Status::Restarting => Err(err_restarting(id)),
            _ => Err(err_not_running(id)),
        }
    }
}

/// moby `errNotRunning`: 409 `Container <id> is not running`.
pub fn err_not_running(id: &str) -> Error {
    Error::conflict(format!("Container {id} is not running"))
}

/// moby `errContainerIsRestarting`.
pub fn err_restarting(id: &str) -> Error {
    Error::conflict(format!(
        "Container {id} is restarting, wait until the container is running"
    ))
}

/// What waiters see: moby's `waitStop` / `waitRemove` channels, as one
/// value. `stop_gen` grows by one at every stop (or restart), so "the next
/// exit" is "the first value whose `stop_gen` is larger than now".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WaitState {
    pub running: bool,
    pub stop_gen: u64,
    pub exit_code: i64,
    /// The error the last start or exit recorded, for the wait answer.
    pub error: Option<String>,
    pub removed: bool,
}

/// moby `container.State`, in the JSON shape inspect shows (see
/// [`State::to_json`]) and config.v2.json stores.
#[derive(Debug)]
pub struct State {
    pub status: Status,
    /// Host pid of the container's init while it runs, else 0.
    pub pid: u32,
    pub exit_code: i64,
    /// Why the last start failed, or why the daemon lost the container.
    pub error: String,
    pub oom_killed: bool,
    pub started_at: String,
    pub finished_at: String,
    /// `docker stop`/`kill` by a user: `unless-stopped` and `always` must
    /// not bring the container back (moby `HasBeenManuallyStopped`).
    pub manually_stopped: bool,
    /// The status before `Removing`, to put back if removal fails.
    pub before_removal: Option<Status>,
    /// Set once a container with a health check has started (moby
    /// `State.Health`); `None` for a container without one.
    pub health: Option<Health>,
    waiters: watch::Sender<WaitState>,
}

impl Default for State {
    fn default() -> Self {
        State {
            status: Status::Created,
            pid: 0,
            exit_code: 0,
            error: String::new(),
            oom_killed: false,
            started_at: ZERO_TIME.into(),
            finished_at: ZERO_TIME.into(),
            manually_stopped: false,
            before_removal: None,
            health: None,
            waiters: watch::channel(WaitState::default()).0,
        }
    }
}

/// The wire and disk shape of [`State`] (moby's JSON tags).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StateJson {
    #[serde(rename = "Status")]
    pub status: Status,
    #[serde(rename = "Running")]
    pub running: bool,
    #[serde(rename = "Paused")]
    pub paused: bool,
    #[serde(rename = "Restarting")]
    pub restarting: bool,
    #[serde(rename = "OOMKilled")]
    pub oom_killed: bool,
    #[serde(rename = "Dead")]
    pub dead: bool,
    #[serde(rename = "Pid")]
    pub pid: u32,
    #[serde(rename = "ExitCode")]
    pub exit_code: i64,
    #[serde(rename = "Error")]
    pub error: String,
    #[serde(rename = "StartedAt")]
    pub started_at: String,
    #[serde(rename = "FinishedAt")]
    pub finished_at: String,
    /// Only for a container with a health check (moby `omitempty`).
    #[serde(rename = "Health", default, skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthJson>,
    /// Not shown by inspect in 20.10's `ContainerState`, but stored in
    /// config.v2.json (moby `HasBeenManuallyStopped` sits on the container).
    #[serde(
        rename = "ManuallyStopped",
        default,
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub manually_stopped: bool,
}

impl State {
    /// The inspect view.
    pub fn to_json(&self) -> StateJson {
        StateJson {
            status: self.status,
            running: self.status.is_running(),
            paused: self.status == Status::Paused,
            restarting: self.status == Status::Restarting,
            oom_killed: self.oom_killed,
            dead: self.status == Status::Dead,
            pid: self.pid,
            exit_code: self.exit_code,
            error: self.error.clone(),
            started_at: self.started_at.clone(),
            finished_at: self.finished_at.clone(),
            health: self.health.as_ref().map(Health::to_json),
            manually_stopped: self.manually_stopped,
        }
    }

    /// Back from config.v2.json. A container stored as `Removing` had its
    /// removal interrupted; it comes back as it was before that started
    /// (moby resets `RemovalInProgress` on restore).
    pub fn from_json(j: &StateJson) -> State {
        let mut st = State {
            status: j.status,
            pid: j.pid,
            exit_code: j.exit_code,
            error: j.error.clone(),
            oom_killed: j.oom_killed,
            started_at: j.started_at.clone(),
            finished_at: j.finished_at.clone(),
            manually_stopped: j.manually_stopped,
            health: j.health.as_ref().map(Health::from_json),
            ..State::default()
        };
        if st.status == Status::Removing {
            st.status = if parse_time(&st.started_at).is_some() {
                Status::Exited
            } else {
                Status::Created
            };
        }
        st.publish(false);
        st
    }

    /// A receiver for `wait`: subscribe BEFORE looking at the state, so a
    /// stop that happens in between is not missed.
    pub fn subscribe(&self) -> watch::Receiver<WaitState> {
        self.waiters.subscribe()
    }

    /// Tell the waiters the current state; `stopped` bumps the stop
    /// generation (moby closes `waitStop`).
    fn publish(&self, stopped: bool) {
        let running = self.status.is_running() && self.status != Status::Restarting;
        let exit_code = self.exit_code;
        let error = (!self.error.is_empty()).then(|| self.error.clone());
        self.waiters.send_modify(|w| {
            w.running = running;
            w.exit_code = exit_code;
            w.error = error;
            if stopped {
                w.stop_gen += 1;
            }
        });
    }

    /// moby `SetRunning`: the process started with `pid`.
    pub fn set_running(&mut self, pid: u32) {
        self.status = Status::Running;
        self.pid = pid;
        self.exit_code = 0;
        self.error.clear();
        self.oom_killed = false;
        self.manually_stopped = false;
        self.started_at = now_rfc3339();
        self.publish(false);
    }

    /// moby `SetStopped`: the process exited.
    pub fn set_stopped(&mut self, exit: ExitStatus) {
        self.status = Status::Exited;
        self.pid = 0;
        self.exit_code = exit.code as i64;
        self.oom_killed = exit.oom_killed;
        self.finished_at = now_rfc3339();
        self.publish(true);
    }

    /// moby `SetRestarting`: the process exited and the restart policy
    /// will start it again. Waiters for the next exit are released, as in
    /// moby (it closes `waitStop` here too).
    pub fn set_restarting(&mut self, exit: ExitStatus) {
        self.status = Status::Restarting;
        self.pid = 0;
        self.exit_code = exit.code as i64;
        self.oom_killed = exit.oom_killed;
        self.finished_at = now_rfc3339();
        self.publish(true);
    }

    /// moby `SetError` + `SetExitCode` after a failed start: the status
    /// stays what it was (created or exited), as dockerd shows it.
    pub fn set_start_error(&mut self, message: &str, exit_code: i64) {
        if self.status == Status::Restarting {
            self.status = Status::Exited;
        }
        self.pid = 0;
        self.error = message.to_string();
        self.exit_code = exit_code;
        // moby's start failure only calls `SetError`: the process never
        // ran, so nothing "exited" and a `next-exit` waiter keeps waiting
        // (checked on a real dockerd 20.10.24).
        self.publish(false);
    }

    /// moby `SetRemovalInProgress`: only one removal at a time.
    pub fn set_removal_in_progress(&mut self, id: &str) -> Result<()> {
        self.status.can_remove(id, true)?;
        self.before_removal = Some(self.status);
        self.status = Status::Removing;
        Ok(())
    }

    /// moby `ResetRemovalInProgress`: the removal failed.
    pub fn reset_removal_in_progress(&mut self) {
        if let Some(s) = self.before_removal.take() {
            self.status = s;
        }
    }

    /// moby `SetDead`: removal failed after the point of no return.
    pub fn set_dead(&mut self) {
        self.status = Status::Dead;
    }

    /// moby `SetRemoved`: wake the `condition=removed` waiters. moby's is
    /// `SetRemovalError(nil)`, which clears the error first: a removed
    /// container's waiters get its exit code and no error, even when it
    /// was removed because its start failed (`docker run --rm nosuchcmd`
    /// prints no "Error waiting for container").
    pub fn set_removed(&mut self) {
        self.error.clear();
        self.waiters.send_modify(|w| {
            w.removed = true;
            w.running = false;
            w.error = None;
        });
    }

    /// `docker ps`'s `Status` column: "Up 5 seconds", "Exited (0) 3
    /// seconds ago", "Created", ... (moby `State.String`).
    pub fn human(&self) -> String {
        let now = time::OffsetDateTime::now_utc();
        let since = |t: &str| {
            parse_time(t)
                .map(|t| (now - t).whole_seconds().max(0) as u64)
                .unwrap_or(0)
        };
        match self.status {
            Status::Running => match &self.health {
                Some(h) => format!(
                    "Up {} ({})",
                    human_duration(since(&self.started_at)),
                    h.human()
                ),
                None => format!("Up {}", human_duration(since(&self.started_at))),
            },
            Status::Paused => format!("Up {} (Paused)", human_duration(since(&self.started_at))),
            Status::Restarting => format!(
                "Restarting ({}) {} ago",
                self.exit_code,
                human_duration(since(&self.finished_at))
            ),
            Status::Removing => "Removal In Progress".into(),
            Status::Dead => "Dead".into(),
            Status::Created => "Created".into(),
            Status::Exited => {
                if parse_time(&self.finished_at).is_none() {
                    return String::new();
                }
                format!(
                    "Exited ({}) {} ago",
                    self.exit_code,
                    human_duration(since(&self.finished_at))
                )
            }
        }
    }
}

/// docker `go-units.HumanDuration`: "Less than a second", "1 second",
/// "5 seconds", "About a minute", "3 minutes", "About an hour", "2 hours",
/// "3 days", "2 weeks", "3 months", "2 years".
pub fn human_duration(secs: u64) -> String {
    let minutes = secs / 60;
    let hours = secs / 3600;
    match secs {
        0 => "Less than a second".into(),
        1 => "1 second".into(),
        s if s < 60 => format!("{s} seconds"),
        _ if minutes == 1 => "About a minute".into(),
        _ if minutes < 60 => format!("{minutes} minutes"),
        _ if hours == 1 => "About an hour".into(),
        _ if hours < 48 => format!("{hours} hours"),
        _ if hours < 24 * 7 * 2 => format!("{} days", hours / 24),
        _ if hours < 24 * 30 * 2 => format!("{} weeks", hours / 24 / 7),
        _ if hours < 24 * 365 * 2 => format!("{} months", hours / 24 / 30),
        _ => format!("{} years", hours / 24 / 365),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// go-units' wording, which `docker ps` shows.
    #[test]
    fn human_durations() {
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(5), "5 seconds");
        assert_eq!(human_duration(61), "About a minute");
        assert_eq!(human_duration(3 * 3600), "3 hours");
    }

    /// A running container without force cannot be removed; the text is
    /// dockerd's (delete_running.txt).
    #[test]
    fn remove_running_needs_force() {
        let e = Status::Running.can_remove("abc", false).unwrap_err();
        assert_eq!(e.kind, crate::errdefs::ErrorKind::Conflict);
        assert!(e
            .message
            .starts_with("You cannot remove a running container abc."));
        assert!(Status::Running.can_remove("abc", true).is_ok());
    }

    /// A stop bumps the generation waiters watch.
    #[test]
    fn stop_wakes_waiters() {
        let mut st = State::default();
        let rx = st.subscribe();
        st.set_running(42);
        assert!(rx.borrow().running);
        st.set_stopped(ExitStatus {
            code: 3,
            oom_killed: false,
        });
        let w = rx.borrow().clone();
        assert_eq!((w.running, w.stop_gen, w.exit_code), (false, 1, 3));
    }
}
