//! Reading a container's logs: `docker logs`.
//!
//! Mirrors moby `daemon/logs.go` (v20.10.24) `ContainerLogs`. The handler
//! has already checked the query; this finds the container, turns
//! `since`/`until`/`tail` into a read configuration, and returns a channel
//! of messages plus the container's TTY flag (which decides the framing).
//!
//! As in dockerd, `follow` only follows a container that is logging right
//! now (moby: `follow := config.Follow && !cLogCreated`): for a stopped
//! container the stream ends after the stored lines. A follower ends when
//! the container's output ends (its logger closes) or when the client
//! leaves (the channel's receiver is dropped).

use std::time::Instant;

use tokio::sync::mpsc;

use super::logger::{jsonfile, Message, ReadConfig, Source};
use super::Daemon;
use crate::container::{lock, Status};
use crate::errdefs::{Error, Result};

/// moby `types.ContainerLogsOptions`, parsed.
#[derive(Debug, Clone, Default)]
pub struct LogsOptions {
    pub stdout: bool,
    pub stderr: bool,
    /// ns since the epoch.
    pub since: Option<i128>,
    pub until: Option<i128>,
    /// The `tail` value: a number, or anything else for "all" (moby:
    /// `strconv.Atoi` failing means -1).
    pub tail: i64,
    pub follow: bool,
    pub timestamps: bool,
    pub details: bool,
}

impl LogsOptions {
    /// moby's parsing of `tail`: a number is the line count, anything
    /// else ("all", "", "x") means every line.
    pub fn parse_tail(v: &str) -> i64 {
        v.parse::<i64>().unwrap_or(-1)
    }
}

impl Daemon {
    /// moby `ContainerLogs`: returns the messages and whether the container
    /// has a TTY.
    pub fn container_logs(
        &self,
        name: &str,
        opts: &LogsOptions,
    ) -> Result<(mpsc::Receiver<Message>, bool)> {
        let started = Instant::now();
        trace_event!(
            "backend",
            "enter",
            "Daemon.ContainerLogs",
            container = name,
            follow = opts.follow,
            tail = opts.tail
        );
        let result = self.container_logs_inner(name, opts);
        match &result {
            Ok((_, tty)) => trace_event!(
                "backend",
                "exit",
                "Daemon.ContainerLogs",
                tty = *tty,
                dur_us = crate::trace::micros_since(started)
            ),
            Err(e) => trace_event!(
                "backend",
                "exit",
                "Daemon.ContainerLogs",
                error = e.message.as_str(),
                dur_us = crate::trace::micros_since(started)
            ),
        }
        result
    }

    fn container_logs_inner(
        &self,
        name: &str,
        opts: &LogsOptions,
    ) -> Result<(mpsc::Receiver<Message>, bool)> {
        if !(opts.stdout || opts.stderr) {
            return Err(Error::invalid_parameter(
                "You must choose at least one stream",
            ));
        }
        let ctr = self.get_container(name)?;
        let (log_path, tty) = {
            let c = lock(&ctr);
            if c.state.status == Status::Removing || c.state.status == Status::Dead {
                return Err(Error::conflict(
                    "can not get logs from container which is dead or marked for removal",
                ));
            }
            // moby: a driver without a reader (`none`) is a 501.
            if c.host_config.log_config.typ == "none" {
                return Err(Error::not_implemented(
                    "configured logging driver does not support reading",
                ));
            }
            (c.log_path.clone(), c.config.tty)
        };
        let live = if opts.follow {
            jsonfile::live(&log_path)
        } else {
            None
        };
        let cfg = ReadConfig {
            since: opts.since,
            until: opts.until,
            tail: opts.tail,
            follow: live.is_some(),
        };
        let raw = match live {
            Some(l) => l.read_logs(cfg),
            None => jsonfile::read_logs(log_path, cfg, None),
        };
        // moby's shim goroutine between the logger and the handler: drop
        // the streams the client did not ask for.
        let (tx, rx) = mpsc::channel(64);
        let (want_out, want_err) = (opts.stdout, opts.stderr);
        tokio::spawn(async move {
            let mut raw = raw;
            while let Some(m) = raw.recv().await {
                let wanted = match m.source {
                    Source::Stdout => want_out,
                    Source::Stderr => want_err,
                };
                if wanted && tx.send(m).await.is_err() {
                    return;
                }
            }
        });
        Ok((rx, tty))
    }
}
