//! The container's configuration as clients send it and `inspect` shows it.
//!
//! Mirrors moby `api/types/container/config.go` (`Config`),
//! `host_config.go` (`HostConfig`, `RestartPolicy`, `LogConfig`,
//! `Resources`), `container_create.go` (`ContainerCreateCreatedBody`, here
//! [`CreateResponse`]), `container_wait.go` (`ContainerWaitOKBody`, here
//! [`WaitResponse`]) and `api/types/configs.go` (`ContainerCreateConfig`),
//! all at v20.10.24.
//!
//! The JSON names are dockerd's, PascalCase, field for field. Go's structs
//! have about a hundred fields between them; we type the ones the daemon
//! acts on and keep every other field the client sent in an `extra` map
//! (`#[serde(flatten)]`), so that `docker inspect` echoes back what the
//! client sent, as dockerd does, even for options mini-dockerd ignores.
//! [`HostConfig::fill_defaults`] adds the fields dockerd always shows, so a
//! bare `{}` from a raw client still inspects like dockerd's answer.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// moby `container.Config`: what is portable between hosts (the image's
/// config has the same shape, see `crate::image::ImageConfig`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Config {
    #[serde(rename = "Hostname", default)]
    pub hostname: String,
    #[serde(rename = "Domainname", default)]
    pub domainname: String,
    #[serde(rename = "User", default)]
    pub user: String,
    #[serde(rename = "AttachStdin", default)]
    pub attach_stdin: bool,
    #[serde(rename = "AttachStdout", default)]
    pub attach_stdout: bool,
    #[serde(rename = "AttachStderr", default)]
    pub attach_stderr: bool,
    /// `{"80/tcp": {}}`; kept as JSON: there is no port publishing here.
    #[serde(
        rename = "ExposedPorts",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub exposed_ports: Option<BTreeMap<String, Value>>,
    #[serde(rename = "Tty", default)]
    pub tty: bool,
    #[serde(rename = "OpenStdin", default)]
    pub open_stdin: bool,
    #[serde(rename = "StdinOnce", default)]
    pub stdin_once: bool,
    #[serde(rename = "Env", default)]
    pub env: Option<Vec<String>>,
    #[serde(
        rename = "Cmd",
        default,
        deserialize_with = "super::strslice::deserialize"
    )]
    pub cmd: Option<Vec<String>>,
    #[serde(
        rename = "Healthcheck",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub healthcheck: Option<Value>,
    #[serde(
        rename = "ArgsEscaped",
        default,
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub args_escaped: bool,
    /// The image as the client named it (`busybox`), not its id.
    #[serde(rename = "Image", default)]
    pub image: String,
    #[serde(rename = "Volumes", default)]
    pub volumes: Option<BTreeMap<String, Value>>,
    #[serde(rename = "WorkingDir", default)]
    pub working_dir: String,
    #[serde(
        rename = "Entrypoint",
        default,
        deserialize_with = "super::strslice::deserialize"
    )]
    pub entrypoint: Option<Vec<String>>,
    #[serde(
        rename = "NetworkDisabled",
        default,
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub network_disabled: bool,
    #[serde(
        rename = "MacAddress",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub mac_address: String,
    #[serde(rename = "OnBuild", default)]
    pub on_build: Option<Vec<String>>,
    #[serde(rename = "Labels", default)]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(
        rename = "StopSignal",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub stop_signal: String,
    /// Seconds `docker stop` waits before SIGKILL (default 10).
    #[serde(
        rename = "StopTimeout",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub stop_timeout: Option<i64>,
    #[serde(
        rename = "Shell",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::strslice::deserialize"
    )]
    pub shell: Option<Vec<String>>,
    /// Every other field the client sent, echoed back by inspect.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Config {
    /// The labels, or an empty map.
    pub fn labels(&self) -> BTreeMap<String, String> {
        self.labels.clone().unwrap_or_default()
    }
}

/// moby `container.RestartPolicy`: `no`, `always`, `unless-stopped`,
/// `on-failure` (with `MaximumRetryCount`). An empty name means `no`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestartPolicy {
    #[serde(rename = "Name", default)]
    pub name: String,
    #[serde(rename = "MaximumRetryCount", default)]
    pub maximum_retry_count: i64,
}

impl RestartPolicy {
    /// moby `RestartPolicy.IsNone`.
    pub fn is_none(&self) -> bool {
        self.name.is_empty() || self.name == "no"
    }
    pub fn is_always(&self) -> bool {
        self.name == "always"
    }
    pub fn is_on_failure(&self) -> bool {
        self.name == "on-failure"
    }
    pub fn is_unless_stopped(&self) -> bool {
        self.name == "unless-stopped"
    }
}

/// moby `container.LogConfig`: the log driver and its options. Only
/// `json-file` exists here.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogConfig {
    #[serde(rename = "Type", default)]
    pub typ: String,
    #[serde(rename = "Config", default)]
    pub config: BTreeMap<String, String>,
}

/// moby `container.HostConfig`: what is NOT portable (binds, limits,
/// network mode, restart policy, ...).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HostConfig {
    /// `-v /host:/ctr[:ro]`.
    #[serde(rename = "Binds", default)]
    pub binds: Option<Vec<String>>,
    #[serde(rename = "ContainerIDFile", default)]
    pub container_id_file: String,
    #[serde(rename = "LogConfig", default)]
    pub log_config: LogConfig,
    /// `default`, `bridge`, `none`, `host` (`container:<id>` is refused).
    #[serde(rename = "NetworkMode", default)]
    pub network_mode: String,
    #[serde(rename = "PortBindings", default)]
    pub port_bindings: Option<Value>,
    #[serde(rename = "RestartPolicy", default)]
    pub restart_policy: RestartPolicy,
    /// `--rm`: remove the container when it exits.
    #[serde(rename = "AutoRemove", default)]
    pub auto_remove: bool,
    #[serde(rename = "Privileged", default)]
    pub privileged: bool,
    #[serde(rename = "ReadonlyRootfs", default)]
    pub readonly_rootfs: bool,
    #[serde(rename = "Dns", default)]
    pub dns: Option<Vec<String>>,
    #[serde(rename = "DnsOptions", default)]
    pub dns_options: Option<Vec<String>>,
    #[serde(rename = "DnsSearch", default)]
    pub dns_search: Option<Vec<String>>,
    #[serde(rename = "ExtraHosts", default)]
    pub extra_hosts: Option<Vec<String>>,
    #[serde(rename = "ShmSize", default)]
    pub shm_size: i64,
    #[serde(rename = "Runtime", default)]
    pub runtime: String,
    /// `[height, width]` of the terminal for `-t`.
    #[serde(rename = "ConsoleSize", default)]
    pub console_size: [u32; 2],
    #[serde(rename = "CpuShares", default)]
    pub cpu_shares: i64,
    #[serde(rename = "Memory", default)]
    pub memory: i64,
    #[serde(rename = "NanoCpus", default)]
    pub nano_cpus: i64,
    #[serde(rename = "CgroupParent", default)]
    pub cgroup_parent: String,
    #[serde(rename = "CpuPeriod", default)]
    pub cpu_period: i64,
    #[serde(rename = "CpuQuota", default)]
    pub cpu_quota: i64,
    #[serde(rename = "MemoryReservation", default)]
    pub memory_reservation: i64,
    #[serde(rename = "MemorySwap", default)]
    pub memory_swap: i64,
    #[serde(rename = "PidsLimit", default)]
    pub pids_limit: Option<i64>,
    /// Every other field the client sent, echoed back by inspect.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl HostConfig {
    /// `--init` (moby `Init *bool`, kept in `extra` so that inspect echoes
    /// the `null` the CLI sends without it); `None` when not given, and
    /// the daemon's `--init` decides.
    pub fn init(&self) -> Option<bool> {
        self.extra.get("Init").and_then(Value::as_bool)
    }

    /// `--device` (moby `Devices`): (path on the host, path in the
    /// container, which is the host's when not given).
    pub fn devices(&self) -> Vec<(String, String)> {
        self.extra
            .get("Devices")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|d| {
                let host = d.get("PathOnHost")?.as_str()?.to_string();
                let ctr = d
                    .get("PathInContainer")
                    .and_then(Value::as_str)
                    .filter(|p| !p.is_empty())
                    .unwrap_or(&host)
                    .to_string();
                Some((host, ctr))
            })
            .collect()
    }

    /// A number kept in `extra` (`OomScoreAdj`, `KernelMemory`), or Go's
    /// zero.
    pub fn extra_i64(&self, key: &str) -> i64 {
        self.extra.get(key).and_then(Value::as_i64).unwrap_or(0)
    }

    /// A flag kept in `extra` (`OomKillDisable`), or Go's zero.
    pub fn extra_bool(&self, key: &str) -> bool {
        self.extra
            .get(key)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// A string field kept in `extra` (`CpusetCpus`, ...), or "".
    pub fn extra_str(&self, key: &str) -> String {
        self.extra
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    }

    /// A list of strings kept in `extra` (`VolumesFrom`, `GroupAdd`), or
    /// none.
    fn extra_strings(&self, key: &str) -> Vec<String> {
        self.extra
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }

    /// `--volumes-from` (moby `VolumesFrom`): `name[:ro|:rw]`.
    pub fn volumes_from(&self) -> Vec<String> {
        self.extra_strings("VolumesFrom")
    }

    /// `--group-add` (moby `GroupAdd`).
    pub fn group_add(&self) -> Vec<String> {
        self.extra_strings("GroupAdd")
    }

    /// `--ulimit` (moby `Ulimits`: `{"Name":"nofile","Soft":100,"Hard":100}`),
    /// as (name, soft, hard).
    pub fn ulimits(&self) -> Vec<(String, u64, u64)> {
        self.extra
            .get("Ulimits")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|u| {
                let n = |k: &str| u.get(k).and_then(Value::as_i64).map(|v| v.max(0) as u64);
                Some((u.get("Name")?.as_str()?.to_string(), n("Soft")?, n("Hard")?))
            })
            .collect()
    }
}

/// The fields dockerd 20.10 shows in `HostConfig` that are not typed
/// above, with the value dockerd shows when the client did not send them:
/// Go's zero value (`null` for a list) unless dockerd fills the field in
/// itself. The docker CLI sends most of them (`[]` for the lists), and
/// those are echoed as sent; a bollard or docker-py create that leaves
/// them out sees `null`, as from dockerd (checked on the reference daemon).
const HOST_CONFIG_DEFAULTS: &[(&str, &str)] = &[
    ("VolumeDriver", "\"\""),
    ("VolumesFrom", "null"),
    ("CapAdd", "null"),
    ("CapDrop", "null"),
    ("CgroupnsMode", "\"host\""),
    ("GroupAdd", "null"),
    ("IpcMode", "\"private\""),
    ("Cgroup", "\"\""),
    ("Links", "null"),
    ("OomScoreAdj", "0"),
    ("PidMode", "\"\""),
    ("PublishAllPorts", "false"),
    ("SecurityOpt", "null"),
    ("UTSMode", "\"\""),
    ("UsernsMode", "\"\""),
    ("Isolation", "\"\""),
    ("BlkioWeight", "0"),
    ("BlkioWeightDevice", "null"),
    ("BlkioDeviceReadBps", "null"),
    ("BlkioDeviceWriteBps", "null"),
    ("BlkioDeviceReadIOps", "null"),
    ("BlkioDeviceWriteIOps", "null"),
    ("CpuRealtimePeriod", "0"),
    ("CpuRealtimeRuntime", "0"),
    ("CpusetCpus", "\"\""),
    ("CpusetMems", "\"\""),
    ("Devices", "null"),
    ("DeviceCgroupRules", "null"),
    ("DeviceRequests", "null"),
    ("KernelMemory", "0"),
    ("KernelMemoryTCP", "0"),
    ("MemorySwappiness", "null"),
    ("OomKillDisable", "false"),
    ("Ulimits", "null"),
    ("CpuCount", "0"),
    ("CpuPercent", "0"),
    ("IOMaximumIOps", "0"),
    ("IOMaximumBandwidth", "0"),
    (
        "MaskedPaths",
        r#"["/proc/asound","/proc/acpi","/proc/kcore","/proc/keys","/proc/latency_stats","/proc/timer_list","/proc/timer_stats","/proc/sched_debug","/proc/scsi","/sys/firmware"]"#,
    ),
    (
        "ReadonlyPaths",
        r#"["/proc/bus","/proc/fs","/proc/irq","/proc/sys","/proc/sysrq-trigger"]"#,
    ),
];

/// The order of moby's `container.HostConfig` fields (with the embedded
/// `Resources`), as `docker inspect` prints them: the typed fields above
/// come first in serde's output and the rest in the order the client sent
/// them, so [`HostConfig::to_json`] puts them back in this order.
const HOST_CONFIG_ORDER: &[&str] = &[
    "Binds",
    "ContainerIDFile",
    "LogConfig",
    "NetworkMode",
    "PortBindings",
    "RestartPolicy",
    "AutoRemove",
    "VolumeDriver",
    "VolumesFrom",
    "CapAdd",
    "CapDrop",
    "CgroupnsMode",
    "Dns",
    "DnsOptions",
    "DnsSearch",
    "ExtraHosts",
    "GroupAdd",
    "IpcMode",
    "Cgroup",
    "Links",
    "OomScoreAdj",
    "PidMode",
    "Privileged",
    "PublishAllPorts",
    "ReadonlyRootfs",
    "SecurityOpt",
    "UTSMode",
    "UsernsMode",
    "ShmSize",
    "Runtime",
    "ConsoleSize",
    "Isolation",
    "CpuShares",
    "Memory",
    "NanoCpus",
    "CgroupParent",
    "BlkioWeight",
    "BlkioWeightDevice",
    "BlkioDeviceReadBps",
    "BlkioDeviceWriteBps",
    "BlkioDeviceReadIOps",
    "BlkioDeviceWriteIOps",
    "CpuPeriod",
    "CpuQuota",
    "CpuRealtimePeriod",
    "CpuRealtimeRuntime",
    "CpusetCpus",
    "CpusetMems",
    "Devices",
    "DeviceCgroupRules",
    "DeviceRequests",
    "KernelMemory",
    "KernelMemoryTCP",
    "MemoryReservation",
    "MemorySwap",
    "MemorySwappiness",
    "OomKillDisable",
    "PidsLimit",
    "Ulimits",
    "CpuCount",
    "CpuPercent",
    "IOMaximumIOps",
    "IOMaximumBandwidth",
    "MaskedPaths",
    "ReadonlyPaths",
];

impl HostConfig {
    /// The JSON object in moby's field order (keys this list does not
    /// know go last, in their own order).
    pub fn to_json(&self) -> Value {
        let Ok(Value::Object(mut map)) = serde_json::to_value(self) else {
            return Value::Null;
        };
        let mut ordered = Map::new();
        for k in HOST_CONFIG_ORDER {
            if let Some(v) = map.shift_remove(*k) {
                ordered.insert((*k).to_string(), v);
            }
        }
        ordered.extend(map);
        Value::Object(ordered)
    }

    /// Fill in what dockerd fills in at create time (moby
    /// `daemon/create.go` → `adaptContainerSettings` and
    /// `runconfig`): the default network mode, the log driver, the
    /// runtime, a 64 MiB /dev/shm, and the fields the client did not send
    /// at all, so that inspect shows dockerd's shape.
    pub fn fill_defaults(&mut self) {
        if self.network_mode.is_empty() {
            self.network_mode = "default".into();
        }
        if self.log_config.typ.is_empty() {
            self.log_config.typ = "json-file".into();
        }
        if self.runtime.is_empty() {
            self.runtime = "runc".into();
        }
        if self.shm_size == 0 {
            self.shm_size = 64 << 20;
        }
        // moby `api/server/router/container` (API 1.41): a `PidsLimit` of
        // 0 or below means "unlimited", stored as null.
        if self.pids_limit.is_some_and(|n| n <= 0) {
            self.pids_limit = None;
        }
        for (k, v) in HOST_CONFIG_DEFAULTS {
            let default = || serde_json::from_str(v).unwrap_or(Value::Null);
            match self.extra.get(*k) {
                None => {
                    self.extra.insert((*k).to_string(), default());
                }
                // What the docker CLI sends as "unset", and dockerd fills
                // in at create: the IPC and cgroup namespace modes
                // (`adaptContainerSettings`; "host" for the cgroup
                // namespace, because the runtime does not unshare one), the
                // masked and read-only paths the runtime applies
                // (`create_unix.go`, unless privileged), and a swappiness
                // of -1 (`fixMemorySwappiness`).
                Some(Value::String(s))
                    if s.is_empty() && matches!(*k, "IpcMode" | "CgroupnsMode") =>
                {
                    self.extra.insert((*k).to_string(), default());
                }
                Some(Value::Null)
                    if !self.privileged && matches!(*k, "MaskedPaths" | "ReadonlyPaths") =>
                {
                    self.extra.insert((*k).to_string(), default());
                }
                Some(Value::Number(n)) if *k == "MemorySwappiness" && n.as_i64() == Some(-1) => {
                    self.extra.insert((*k).to_string(), Value::Null);
                }
                Some(_) => {}
            }
        }
    }
}

/// The body of `POST /containers/create`: moby `ContainerCreateConfig`
/// as the router decodes it (`runconfig.ContainerDecoder`): the `Config`
/// fields at the top level, plus `HostConfig` and `NetworkingConfig`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ContainerCreateConfig {
    #[serde(flatten)]
    pub config: Config,
    #[serde(rename = "HostConfig", default)]
    pub host_config: Option<HostConfig>,
    /// `{"EndpointsConfig": {...}}`; kept as JSON, there are no networks
    /// to attach to yet.
    #[serde(rename = "NetworkingConfig", default)]
    pub networking_config: Option<Value>,
}

/// moby `container.ContainerCreateCreatedBody`: the 201 body of create.
/// `Warnings` is never null (dockerd sets `make([]string, 0)`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateResponse {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Warnings")]
    pub warnings: Vec<String>,
}

/// moby `container.ContainerWaitOKBodyError`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WaitExitError {
    #[serde(rename = "Message")]
    pub message: String,
}

/// moby `container.ContainerWaitOKBody`: the one line `POST .../wait`
/// writes once the condition is met. `Error` is always there, `null`
/// when there is none (20.10's field has no `omitempty`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WaitResponse {
    #[serde(rename = "Error", default)]
    pub error: Option<WaitExitError>,
    #[serde(rename = "StatusCode")]
    pub status_code: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A create body decodes into Config + HostConfig, and unknown fields
    /// survive a round trip (inspect echoes them).
    #[test]
    fn create_body_keeps_unknown_fields() {
        let body = r#"{"Image":"busybox","Cmd":["echo","hi"],"Foo":1,
            "HostConfig":{"Memory":1048576,"Bar":"x","RestartPolicy":{"Name":"on-failure","MaximumRetryCount":2}}}"#;
        let c: ContainerCreateConfig = serde_json::from_str(body).unwrap();
        assert_eq!(c.config.image, "busybox");
        assert_eq!(c.config.extra.get("Foo"), Some(&Value::from(1)));
        let hc = c.host_config.unwrap();
        assert_eq!(hc.memory, 1 << 20);
        assert!(hc.restart_policy.is_on_failure());
        let v = serde_json::to_value(&hc).unwrap();
        assert_eq!(v["Bar"], "x");
    }

    /// A successful wait answer says `"Error":null`, as dockerd 20.10's
    /// does (checked against the reference daemon).
    #[test]
    fn wait_response_shape() {
        let ok = WaitResponse {
            error: None,
            status_code: 3,
        };
        assert_eq!(
            serde_json::to_string(&ok).unwrap(),
            r#"{"Error":null,"StatusCode":3}"#
        );
    }
}
