//! `GET /info` and `GET /version`: what the daemon says about itself and
//! the host.
//!
//! Mirrors moby `daemon/info.go` (`SystemInfo`, `SystemVersion`) and
//! `daemon/info_unix.go` (v20.10.24). The facts are real: the kernel comes
//! from `uname`, the OS from /etc/os-release, CPUs and memory from the
//! kernel, file descriptors and threads from /proc/self. What dockerd
//! reports about plugins, registries and swarm is reported the way a
//! dockerd outside a swarm, with no plugins, reports it.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::Daemon;
use crate::version::{API_VERSION, ENGINE_VERSION, MIN_API_VERSION};

/// The git commit the binary was built from, when the build knows it.
const GIT_COMMIT: &str = match option_env!("MINI_DOCKERD_GIT_COMMIT") {
    Some(c) => c,
    None => "unknown",
};

impl Daemon {
    /// moby `SystemInfo`: the body of `GET /info`.
    pub fn system_info(&self) -> Value {
        let counts = self.container_counts();
        let host = HostFacts::read();
        let rt = self.runtime_info();
        let mut warnings: Vec<String> = Vec::new();
        if let Some(w) = &self.runtime_warning {
            warnings.push(format!("WARNING: {w}"));
        }
        json!({
            "ID": self.id.get().map(String::as_str).unwrap_or(""),
            "Containers": counts.total,
            "ContainersRunning": counts.running,
            "ContainersPaused": counts.paused,
            "ContainersStopped": counts.stopped,
            "Images": self.image_count(),
            "Driver": "overlay2",
            "DriverStatus": [["Backing Filesystem", "extfs"], ["Supports d_type", "true"]],
            "Plugins": {
                "Volume": ["local"],
                "Network": ["bridge", "host", "null"],
                "Authorization": Value::Null,
                "Log": ["json-file"],
            },
            "MemoryLimit": true,
            "SwapLimit": true,
            "KernelMemory": false,
            "KernelMemoryTCP": false,
            "CpuCfsPeriod": true,
            "CpuCfsQuota": true,
            "CPUShares": true,
            "CPUSet": false,
            "PidsLimit": true,
            "IPv4Forwarding": host.ip_forward,
            "BridgeNfIptables": false,
            "BridgeNfIp6tables": false,
            "Debug": self.config.debug,
            "NFd": host.nfd,
            "OomKillDisable": false,
            // Go counts goroutines; the nearest honest number for a tokio
            // daemon is its thread count.
            "NGoroutines": host.threads,
            "SystemTime": rfc3339_nano(SystemTime::now()),
            "LoggingDriver": "json-file",
            "CgroupDriver": rt.cgroup_driver,
            "CgroupVersion": rt.cgroup_version,
            "NEventsListener": self.events.subscriber_count(),
            "KernelVersion": host.kernel,
            "OperatingSystem": host.os_name,
            "OSVersion": host.os_version,
            "OSType": std::env::consts::OS,
            "Architecture": host.arch,
            "IndexServerAddress": "https://index.docker.io/v1/",
            "RegistryConfig": {
                "AllowNondistributableArtifactsCIDRs": [],
                "AllowNondistributableArtifactsHostnames": [],
                "InsecureRegistryCIDRs": ["127.0.0.0/8"],
                "IndexConfigs": {
                    "docker.io": {"Name": "docker.io", "Mirrors": [], "Secure": true, "Official": true}
                },
                "Mirrors": [],
            },
            "NCPU": host.ncpu,
            "MemTotal": host.mem_total,
            "GenericResources": Value::Null,
            "DockerRootDir": self.config.data_root.display().to_string(),
            "HttpProxy": std::env::var("HTTP_PROXY").unwrap_or_default(),
            "HttpsProxy": std::env::var("HTTPS_PROXY").unwrap_or_default(),
            "NoProxy": std::env::var("NO_PROXY").unwrap_or_default(),
            "Name": host.hostname,
            "Labels": [],
            "ExperimentalBuild": self.config.experimental,
            "ServerVersion": ENGINE_VERSION,
            "Runtimes": { rt.name: {"path": std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default()} },
            "DefaultRuntime": rt.name,
            "Swarm": {
                "NodeID": "", "NodeAddr": "", "LocalNodeState": "inactive",
                "ControlAvailable": false, "Error": "", "RemoteManagers": Value::Null
            },
            "LiveRestoreEnabled": false,
            "Isolation": "",
            "InitBinary": "",
            "ContainerdCommit": {"ID": "", "Expected": ""},
            "RuncCommit": {"ID": "", "Expected": ""},
            "InitCommit": {"ID": "", "Expected": ""},
            "SecurityOptions": [],
            "Warnings": if warnings.is_empty() { Value::Null } else { json!(warnings) },
        })
    }

    /// moby `SystemVersion`: the body of `GET /version`. dockerd lists
    /// containerd, runc and docker-init as components; our runtime is
    /// built in, so it is the one extra component.
    pub fn system_version(&self) -> Value {
        let host = HostFacts::read();
        let rt = self.runtime_info();
        let arch = go_arch(&host.arch);
        let mut v = json!({
            "Platform": {"Name": "mini-dockerd"},
            "Components": [
                {
                    "Name": "Engine",
                    "Version": ENGINE_VERSION,
                    "Details": {
                        "ApiVersion": API_VERSION,
                        "Arch": arch,
                        "BuildTime": "",
                        "Experimental": self.config.experimental.to_string(),
                        "GitCommit": GIT_COMMIT,
                        "GoVersion": "n/a (Rust)",
                        "KernelVersion": host.kernel,
                        "MinAPIVersion": MIN_API_VERSION,
                        "Os": std::env::consts::OS,
                    }
                },
                {
                    "Name": format!("mini-dockerd runtime ({})", rt.name),
                    "Version": env!("CARGO_PKG_VERSION"),
                    "Details": {"GitCommit": GIT_COMMIT}
                }
            ],
            "Version": ENGINE_VERSION,
            "ApiVersion": API_VERSION,
            "MinAPIVersion": MIN_API_VERSION,
            "GitCommit": GIT_COMMIT,
            "GoVersion": "n/a (Rust)",
            "Os": std::env::consts::OS,
            "Arch": arch,
            "KernelVersion": host.kernel,
        });
        // moby `types.Version`: `Experimental` is `omitempty`, so dockerd
        // says it only when true. (`BuildTime` is `omitempty` too; we have
        // none to give.)
        if self.config.experimental {
            v["Experimental"] = serde_json::Value::Bool(true);
        }
        v
    }
}

/// Go's name for an architecture (`GOARCH`), which is what dockerd reports
/// in `/version`; `/info` reports the kernel's (`uname -m`).
fn go_arch(machine: &str) -> &str {
    match machine {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "i686" | "i386" => "386",
        other => other,
    }
}

/// Facts about the host, read fresh for each request (they are cheap).
struct HostFacts {
    kernel: String,
    arch: String,
    hostname: String,
    os_name: String,
    os_version: String,
    ncpu: usize,
    mem_total: u64,
    nfd: usize,
    threads: u64,
    ip_forward: bool,
}

impl HostFacts {
    fn read() -> HostFacts {
        let uts = nix::sys::utsname::uname().ok();
        let field = |f: fn(&nix::sys::utsname::UtsName) -> &std::ffi::OsStr| {
            uts.as_ref()
                .map(|u| f(u).to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
        let os_field = |key: &str| {
            os_release
                .lines()
                .find_map(|l| l.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
                .map(|v| v.trim_matches('"').to_string())
                .unwrap_or_default()
        };
        let mem_total = machine_memory();
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let threads = status
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        HostFacts {
            kernel: field(|u| u.release()),
            arch: field(|u| u.machine()),
            hostname: field(|u| u.nodename()),
            os_name: os_field("PRETTY_NAME"),
            os_version: os_field("VERSION_ID"),
            ncpu: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            mem_total,
            nfd: std::fs::read_dir("/proc/self/fd")
                .map(|d| d.count())
                .unwrap_or(0),
            threads,
            ip_forward: std::fs::read_to_string("/proc/sys/net/ipv4/ip_forward")
                .map(|s| s.trim() == "1")
                .unwrap_or(false),
        }
    }
}

/// The CPUs and memory nodes containers may be given (`--cpuset-cpus`,
/// `--cpuset-mems`), as moby's `sysinfo` reads them: the root cpuset
/// cgroup's, or the kernel's online lists. Read once, as dockerd reads
/// its `sysinfo` at start-up, not at every create.
pub fn cpuset_available() -> &'static (String, String) {
    static CPUSET: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    CPUSET.get_or_init(read_cpuset_available)
}

fn read_cpuset_available() -> (String, String) {
    let read = |paths: &[&str], default: &str| {
        paths
            .iter()
            .find_map(|p| {
                std::fs::read_to_string(p)
                    .ok()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
            })
            .unwrap_or_else(|| default.to_string())
    };
    (
        read(
            &[
                "/sys/fs/cgroup/cpuset/cpuset.cpus",
                "/sys/fs/cgroup/cpuset.cpus.effective",
                "/sys/devices/system/cpu/online",
            ],
            "0",
        ),
        read(
            &[
                "/sys/fs/cgroup/cpuset/cpuset.mems",
                "/sys/fs/cgroup/cpuset.mems.effective",
                "/sys/devices/system/node/online",
            ],
            "0",
        ),
    )
}

/// The host's memory in bytes (`MemTotal` of /proc/meminfo), read once,
/// as moby's `daemon.machineMemory` is at start-up: `/info` shows it, and
/// `stats` reports it as the limit of a container that has none.
pub fn machine_memory() -> u64 {
    static MEMORY: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *MEMORY.get_or_init(|| {
        std::fs::read_to_string("/proc/meminfo")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .unwrap_or(0)
    })
}

/// Go's `time.RFC3339Nano` in UTC, as dockerd prints `SystemTime`.
pub fn rfc3339_nano(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    super::logger::format_rfc3339_nano(d.as_nanos() as i128)
}
