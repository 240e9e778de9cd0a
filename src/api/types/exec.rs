//! The bodies of `POST /containers/{name}/exec` and `POST /exec/{id}/start`.
//!
//! Mirrors moby `api/types/configs.go` (`ExecConfig`) and
//! `api/types/types.go` (`ExecStartCheck`), v20.10.24; `ConsoleSize` is the
//! API 1.42 addition the v28 CLI sends (accepted, and used for the initial
//! terminal size).

use serde::Deserialize;

/// moby `types.ExecConfig`: what `docker exec` asks for.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ExecCreateConfig {
    #[serde(rename = "User")]
    pub user: String,
    #[serde(rename = "Privileged")]
    pub privileged: bool,
    #[serde(rename = "Tty")]
    pub tty: bool,
    #[serde(rename = "ConsoleSize")]
    pub console_size: Option<[u32; 2]>,
    #[serde(rename = "AttachStdin")]
    pub attach_stdin: bool,
    #[serde(rename = "AttachStderr")]
    pub attach_stderr: bool,
    #[serde(rename = "AttachStdout")]
    pub attach_stdout: bool,
    #[serde(rename = "Detach")]
    pub detach: bool,
    #[serde(rename = "DetachKeys")]
    pub detach_keys: String,
    #[serde(rename = "Env")]
    pub env: Option<Vec<String>>,
    #[serde(rename = "WorkingDir")]
    pub working_dir: String,
    #[serde(rename = "Cmd")]
    pub cmd: Option<Vec<String>>,
}

/// moby `types.ExecStartCheck`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ExecStartCheck {
    #[serde(rename = "Detach")]
    pub detach: bool,
    #[serde(rename = "Tty")]
    pub tty: bool,
    /// `[height, width]`.
    #[serde(rename = "ConsoleSize")]
    pub console_size: Option<[u32; 2]>,
}
