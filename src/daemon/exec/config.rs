//! Exec instances: what `docker exec` creates before it starts anything.
//!
//! Mirrors moby `daemon/exec/exec.go` (v20.10.24): an exec instance
//! ([`ExecConfig`]) is created by `POST /containers/{name}/exec`, started
//! once by `POST /exec/{id}/start`, and inspected by `GET /exec/{id}/json`
//! (the CLI reads the exit code from there). The daemon keeps every
//! instance in one [`ExecStore`] by id; each container lists its own ids
//! (`Container.exec_ids`, moby `ExecCommands`).
//!
//! dockerd garbage-collects finished instances after five minutes
//! (`execCommandGC`); here they stay until the container is removed,
//! which is simpler and harmless for a daemon that runs for a lesson.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::container::StreamConfig;

/// moby `exec.Config` (with `ProcessConfig` folded in).
#[derive(Debug)]
pub struct ExecConfig {
    pub id: String,
    pub running: bool,
    /// `None` until the process has exited.
    pub exit_code: Option<i64>,
    pub tty: bool,
    /// The program (moby `Entrypoint`: `Cmd[0]`).
    pub entrypoint: String,
    pub args: Vec<String>,
    pub privileged: bool,
    pub user: String,
    pub working_dir: String,
    /// The full environment: the container's, then the exec's `-e`.
    pub env: Vec<String>,
    pub open_stdin: bool,
    pub open_stdout: bool,
    pub open_stderr: bool,
    pub container_id: String,
    /// The detach sequence as bytes (empty = the default).
    pub detach_keys: Vec<u8>,
    /// `ConsoleSize` of the create body (API 1.42+): the terminal's
    /// (height, width) before the first resize.
    pub console_size: Option<(u16, u16)>,
    /// The host pid once started.
    pub pid: u32,
    /// moby's mark for the exec GC; dockerd 20.10 shows it false even
    /// after the exit, and so do we (only a failed start sets it here).
    pub can_remove: bool,
    /// Started once; a second start is a conflict.
    pub started: bool,
    /// The process's stdio hub (moby `exec.Config.StreamConfig`).
    pub stream: Arc<StreamConfig>,
    /// Becomes true once the process runs and its pty (if any) is in
    /// `stream` (moby `exec.Config.Started`, a channel closed at start).
    pub started_signal: tokio::sync::watch::Sender<bool>,
}

impl ExecConfig {
    /// The command line as events show it: `ps -ef`, and `ps ` (with the
    /// space) when there are no arguments, exactly as moby concatenates it.
    pub fn command_line(&self) -> String {
        format!("{} {}", self.entrypoint, self.args.join(" "))
    }

    /// The `GET /exec/{id}/json` answer (moby `backend.ExecInspect`).
    pub fn inspect(&self) -> ExecInspect {
        ExecInspect {
            id: self.id.clone(),
            running: self.running,
            exit_code: self.exit_code,
            process_config: ExecProcessConfig {
                tty: self.tty,
                entrypoint: self.entrypoint.clone(),
                arguments: self.args.clone(),
                privileged: Some(self.privileged),
                user: self.user.clone(),
            },
            open_stdin: self.open_stdin,
            open_stderr: self.open_stderr,
            open_stdout: self.open_stdout,
            can_remove: self.can_remove,
            container_id: self.container_id.clone(),
            detach_keys: self.detach_keys.clone(),
            pid: self.pid,
        }
    }
}

/// moby `backend.ExecInspect`, field for field and in its order.
#[derive(Debug, Clone, Serialize)]
pub struct ExecInspect {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Running")]
    pub running: bool,
    #[serde(rename = "ExitCode")]
    pub exit_code: Option<i64>,
    #[serde(rename = "ProcessConfig")]
    pub process_config: ExecProcessConfig,
    #[serde(rename = "OpenStdin")]
    pub open_stdin: bool,
    #[serde(rename = "OpenStderr")]
    pub open_stderr: bool,
    #[serde(rename = "OpenStdout")]
    pub open_stdout: bool,
    #[serde(rename = "CanRemove")]
    pub can_remove: bool,
    #[serde(rename = "ContainerID")]
    pub container_id: String,
    /// Go marshals a `[]byte` as base64; an empty one is `""`.
    #[serde(rename = "DetachKeys", serialize_with = "base64_bytes")]
    pub detach_keys: Vec<u8>,
    #[serde(rename = "Pid")]
    pub pid: u32,
}

/// moby `backend.ExecProcessConfig` (lower-case JSON keys, as in Go).
#[derive(Debug, Clone, Serialize)]
pub struct ExecProcessConfig {
    pub tty: bool,
    pub entrypoint: String,
    pub arguments: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
}

/// Go's `encoding/json` writes a `[]byte` as standard base64.
fn base64_bytes<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
    use base64::Engine;
    s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(v))
}

/// A shared exec instance.
pub type ExecRef = Arc<Mutex<ExecConfig>>;

/// moby `exec.Store`: every exec instance of the daemon, by id.
#[derive(Default)]
pub struct ExecStore {
    by_id: Mutex<HashMap<String, ExecRef>>,
}

impl ExecStore {
    pub fn new() -> ExecStore {
        ExecStore::default()
    }

    pub fn add(&self, e: ExecConfig) -> ExecRef {
        let id = e.id.clone();
        let r = Arc::new(Mutex::new(e));
        lock_map(&self.by_id).insert(id, r.clone());
        r
    }

    /// By full id (dockerd does not resolve exec id prefixes).
    pub fn get(&self, id: &str) -> Option<ExecRef> {
        lock_map(&self.by_id).get(id).cloned()
    }

    pub fn delete(&self, id: &str) {
        lock_map(&self.by_id).remove(id);
    }

    /// Forget every instance of a removed container.
    pub fn delete_for_container(&self, container_id: &str) {
        lock_map(&self.by_id).retain(|_, e| lock(e).container_id != container_id);
    }
}

fn lock_map<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Lock an exec instance (a poisoned lock is still usable: the data is
/// plain values).
pub fn lock(e: &ExecRef) -> std::sync::MutexGuard<'_, ExecConfig> {
    e.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Go encodes `DetachKeys` ([]byte) as base64: ctrl-p ctrl-q is "EBE=".
    #[test]
    fn detach_keys_are_base64_like_go() {
        #[derive(Serialize)]
        struct W(#[serde(serialize_with = "base64_bytes")] Vec<u8>);
        assert_eq!(serde_json::to_string(&W(vec![16, 17])).unwrap(), "\"EBE=\"");
        assert_eq!(serde_json::to_string(&W(vec![])).unwrap(), "\"\"");
        assert_eq!(
            serde_json::to_string(&W(b"abc".to_vec())).unwrap(),
            "\"YWJj\""
        );
    }
}
