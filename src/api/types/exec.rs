//! The bodies of `POST /containers/{name}/exec` and `POST /exec/{id}/start`.
//!
//! Mirrors moby `api/types/configs.go` (`ExecConfig`) and
//! `api/types/types.go` (`ExecStartCheck`), v20.10.24; `ConsoleSize` is the
//! API 1.42 addition the v28 CLI sends (accepted, and used for the initial
//! terminal size).

use serde::{Deserialize, Deserializer};

/// Go decodes `null` into a string or bool as its zero value; serde
/// refuses it unless told, so every plain field goes through this.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// moby `types.ExecConfig`: what `docker exec` asks for.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ExecCreateConfig {
    #[serde(rename = "User", deserialize_with = "null_as_default")]
    pub user: String,
    #[serde(rename = "Privileged", deserialize_with = "null_as_default")]
    pub privileged: bool,
    #[serde(rename = "Tty", deserialize_with = "null_as_default")]
    pub tty: bool,
    #[serde(rename = "ConsoleSize")]
    pub console_size: Option<[u32; 2]>,
    #[serde(rename = "AttachStdin", deserialize_with = "null_as_default")]
    pub attach_stdin: bool,
    #[serde(rename = "AttachStderr", deserialize_with = "null_as_default")]
    pub attach_stderr: bool,
    #[serde(rename = "AttachStdout", deserialize_with = "null_as_default")]
    pub attach_stdout: bool,
    #[serde(rename = "Detach", deserialize_with = "null_as_default")]
    pub detach: bool,
    #[serde(rename = "DetachKeys", deserialize_with = "null_as_default")]
    pub detach_keys: String,
    #[serde(rename = "Env")]
    pub env: Option<Vec<String>>,
    #[serde(rename = "WorkingDir", deserialize_with = "null_as_default")]
    pub working_dir: String,
    #[serde(rename = "Cmd")]
    pub cmd: Option<Vec<String>>,
}

/// moby `types.ExecStartCheck`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ExecStartCheck {
    #[serde(rename = "Detach", deserialize_with = "null_as_default")]
    pub detach: bool,
    #[serde(rename = "Tty", deserialize_with = "null_as_default")]
    pub tty: bool,
    /// `[height, width]`.
    #[serde(rename = "ConsoleSize")]
    pub console_size: Option<[u32; 2]>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `null` where Go expects a string or a bool is its zero value.
    #[test]
    fn nulls_decode_as_zero_values() {
        let c: ExecCreateConfig =
            serde_json::from_str(r#"{"User":null,"Tty":null,"Cmd":["ps"],"Env":null}"#).unwrap();
        assert_eq!((c.user.as_str(), c.tty), ("", false));
        assert_eq!(c.cmd, Some(vec!["ps".to_string()]));
    }
}
