//! The container runtime: the one place in mini-dockerd that touches
//! namespaces, mounts, cgroups and ptys.
//!
//! In moby, `daemon/start.go` hands an OCI spec to libcontainerd
//! (`libcontainerd/remote/client.go`), which asks containerd to create a
//! task; containerd starts `containerd-shim-runc-v2`, which runs
//! `runc create` and `runc start`. mini-dockerd collapses that chain of
//! three programs into this module: the daemon calls [`Runtime::start`]
//! with a [`ContainerSpec`], and the runtime prepares the rootfs and the
//! cgroup, clones the namespaces, re-executes its own binary as the
//! container init ([`init`]), and watches the exit with a pidfd.
//!
//! Two runtimes implement the trait:
//! - [`linux::LinuxRuntime`]: the real one (root on Linux), close to
//!   runc's sequence (see the design notes, runtime-notes.md §7);
//! - [`sim::SimRuntime`]: a clearly labelled simulation for machines
//!   where containers cannot run (not root, not Linux). It runs nothing in
//!   isolation; it only lets the API be exercised end to end.
//!
//! [`detect`] picks one. The hidden init verbs are handled by
//! [`init::maybe_run_init`], which `main()` must call first, the way
//! moby's `cmd/dockerd` calls `reexec.Init()`.
//!
//! # How the daemon uses it
//!
//! - [`Runtime::start`] and [`Runtime::exec`] block for a few milliseconds
//!   (until the process has exec'd), so call them from
//!   `tokio::task::spawn_blocking`; the tokio context is still there, and
//!   the exit is watched by a task on it. [`Runtime::cleanup`] may block
//!   too (it retries while a cgroup drains).
//! - The fds in [`ProcessIo`] are blocking and close-on-exec. A pipe or
//!   the pty master reaches end of file (for a pty: `EIO`) when the
//!   process and everything it started have closed their side.
//! - `Spawned.exit` fires once, with docker's exit code (128+N for signal
//!   N) and whether the OOM killer struck; then call `cleanup`.
//! - `signal(pid, ..)` is `docker kill`/`stop`. The container's process is
//!   PID 1 of its pid namespace, so it ignores SIGTERM unless it handles
//!   it, exactly as under dockerd, and `stop` needs its SIGKILL. For an
//!   exec, `pid` is the exec helper's, which forwards signals.
//! - The runtime (re)writes `hostname`, `hosts` and `resolv.conf` in
//!   `container_dir` from the spec and bind-mounts them over the
//!   container's /etc files, as dockerd does; it owns `rootfs/`, `upper/`
//!   (the container's layer, kept across restarts), `work/` and `l/`.
//!   Removing the container means removing `container_dir` after
//!   `cleanup`.
//!
//! Lesson: `walkthroughs/06-docker-run.md`.

use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::PathBuf;
use std::sync::Arc;

pub mod archive;
pub mod cgroups;
pub mod changes;
pub mod init;
pub mod linux;
pub mod mount;
pub mod network;
pub mod proxy;
pub mod pty;
pub mod sim;
pub mod sync;
pub mod user;

/// Resource limits, in docker's `HostConfig` units. 0 means "not set",
/// as in the API.
#[derive(Debug, Clone, Default)]
pub struct Resources {
    /// Memory limit in bytes (`--memory`).
    pub memory: i64,
    /// Memory + swap in bytes (`--memory-swap`); -1 = unlimited swap,
    /// 0 = docker's default of twice `memory`.
    pub memory_swap: i64,
    /// CPUs in units of 1e-9 (`--cpus`).
    pub nano_cpus: i64,
    /// Relative CPU weight (`--cpu-shares`).
    pub cpu_shares: i64,
    /// CFS quota in µs (`--cpu-quota`).
    pub cpu_quota: i64,
    /// CFS period in µs (`--cpu-period`).
    pub cpu_period: i64,
    /// Maximum number of tasks (`--pids-limit`); `None`, 0 or -1 = unlimited.
    pub pids_limit: Option<i64>,
    /// CPUs and memory nodes the container may use (`--cpuset-cpus 0-1`,
    /// `--cpuset-mems 0`); empty = the parent's.
    pub cpuset_cpus: String,
    pub cpuset_mems: String,
    /// `--oom-kill-disable` (cgroup v1 only: v2 has no such switch).
    pub oom_kill_disable: bool,
    /// `--memory-reservation` in bytes: the soft limit.
    pub memory_reservation: i64,
    /// `--cgroup-parent`: the cgroup the container's goes under, instead
    /// of the daemon's own parent.
    pub cgroup_parent: String,
}

/// Which network namespace the container gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NetworkMode {
    /// docker's "default"/"bridge" and user networks: a new network
    /// namespace with `lo` up, joined to the container's bridge networks
    /// through `ContainerSpec::endpoints` (none with `--bridge none`).
    #[default]
    Private,
    /// `--network none`: a new network namespace with `lo` up.
    None,
    /// `--network host`: the host's network namespace.
    Host,
}

/// A `-v /host:/container[:ro]` bind mount.
#[derive(Debug, Clone)]
pub struct BindMount {
    pub source: PathBuf,
    pub destination: String,
    pub read_only: bool,
    /// A volume: when it is empty, fill it from the image's files at the
    /// destination first (moby `CopyImagePathContent`).
    pub copy_up: bool,
}

/// `--device /dev/host[:/dev/ctr[:rwm]]` (moby `DeviceMapping`).
#[derive(Debug, Clone)]
pub struct DeviceMapping {
    pub path_on_host: String,
    pub path_in_container: String,
}

/// A tmpfs in the container (`--tmpfs /t:size=1m`, `--mount type=tmpfs`).
#[derive(Debug, Clone)]
pub struct TmpfsMount {
    pub destination: String,
    /// moby's options as given (`size=1m,mode=1770`, `ro`, `exec`, ...):
    /// mount flags and tmpfs data, on top of `noexec,nosuid,nodev`.
    pub options: String,
}

/// The process to run: the container's init (`start`) or an `exec`.
#[derive(Debug, Clone, Default)]
pub struct ProcessSpec {
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    /// "", "uid", "uid:gid", "name", "name:group"; names are resolved
    /// against the container's /etc/passwd and /etc/group.
    pub user: String,
    pub tty: bool,
    pub stdin: bool,
    /// (height, width) of the terminal, applied before exec.
    pub console_size: Option<(u16, u16)>,
    /// The capability bounding set, one bit per capability number
    /// (docker's defaults tweaked by `--cap-add`/`--cap-drop`, everything
    /// for `--privileged`); `None` is docker's defaults.
    pub capabilities: Option<u64>,
    /// `--group-add`: more supplementary groups, by name or number.
    pub additional_groups: Vec<String>,
    /// `--ulimit`: (name, soft, hard), e.g. `("nofile", 100, 100)`.
    pub rlimits: Vec<(String, u64, u64)>,
}

/// Everything the runtime needs to run one container. `Default` is a
/// container with nothing set, for the callers that need only a few
/// fields (an exec, the builder's steps, tests).
#[derive(Debug, Clone, Default)]
pub struct ContainerSpec {
    /// 64-hex container id.
    pub id: String,
    /// Short id by default.
    pub hostname: String,
    /// Extracted image layer dirs, BOTTOM first (read-only lowerdirs).
    pub layers: Vec<PathBuf>,
    /// Per-container dir under the data root. The runtime owns `rootfs/`,
    /// `upper/`, `work/`, `l/`, `hostname`, `hosts`, `resolv.conf` in it.
    pub container_dir: PathBuf,
    /// `-v` binds.
    pub mounts: Vec<BindMount>,
    /// Tmpfs mounts, made after the binds.
    pub tmpfs: Vec<TmpfsMount>,
    /// `--device`: host device nodes made again in the container's /dev.
    pub devices: Vec<DeviceMapping>,
    /// `--domainname`: the UTS namespace's NIS domain name.
    pub domainname: String,
    /// `--oom-score-adj`, written for the container's process.
    pub oom_score_adj: i64,
    /// `--sysctl`: (key, value), written under /proc/sys in the container.
    pub sysctls: Vec<(String, String)>,
    /// `--shm-size` in bytes (0: docker's 64 MiB).
    pub shm_size: i64,
    /// `--pid host`, `--ipc host`, `--uts host`: share the host's
    /// namespace instead of a new one.
    pub host_pid: bool,
    pub host_ipc: bool,
    pub host_uts: bool,
    pub network: NetworkMode,
    /// The container's ends of its bridge networks (`eth0`, `eth1`, ...),
    /// joined right after the namespaces are made (`network.rs`); none:
    /// only `lo`.
    pub endpoints: Vec<network::Endpoint>,
    pub resources: Resources,
    pub process: ProcessSpec,
    /// Contents for /etc/hosts.
    pub etc_hosts: String,
    /// Contents for /etc/resolv.conf.
    pub resolv_conf: String,
    /// `--read-only`: the rootfs is mounted read-only in the container.
    pub readonly_rootfs: bool,
    /// `--privileged`: no masked or read-only /proc and /sys paths.
    pub privileged: bool,
    /// `--init`: PID 1 is a small init that runs the process as its child,
    /// forwards signals to it and reaps orphans (`init.rs`).
    pub init: bool,
}

/// The process's stdio as the daemon sees it. Without a TTY: pipes (stdin
/// only when `ProcessSpec.stdin`). With a TTY: only `pty` (the master;
/// read = output, write = input).
pub struct ProcessIo {
    pub stdin: Option<OwnedFd>,
    pub stdout: Option<OwnedFd>,
    pub stderr: Option<OwnedFd>,
    pub pty: Option<OwnedFd>,
}

/// How a process ended. Killed by signal N => code 128+N, as docker
/// reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitStatus {
    pub code: i32,
    pub oom_killed: bool,
}

/// A started process: its host pid, its stdio and its exit.
pub struct Spawned {
    pub pid: u32,
    pub io: ProcessIo,
    pub exit: tokio::sync::oneshot::Receiver<ExitStatus>,
}

/// Why a start failed, with the exit code docker records: 127 executable
/// not found, 126 not executable/permission denied, 128 anything else
/// (moby `daemon/errors.go::translateContainerdStartErr`).
#[derive(Debug, Clone)]
pub struct RuntimeError {
    pub message: String,
    pub exit_code: i32,
}

impl RuntimeError {
    /// An error with docker's catch-all start exit code, 128.
    pub fn other(message: impl Into<String>) -> Self {
        RuntimeError {
            message: message.into(),
            exit_code: 128,
        }
    }
}

impl std::fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuntimeError {}

/// One block-I/O counter: `major:minor op value` (moby `BlkioStatEntry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlkioEntry {
    pub major: u64,
    pub minor: u64,
    pub op: String,
    pub value: u64,
}

/// Raw resource usage of a running container, read from its cgroup: what
/// containerd's `Metrics` carry to moby `daemon/daemon_unix.go::statsV1`/
/// `statsV2`, which turn them into the `GET /containers/{id}/stats` JSON.
/// The daemon does that conversion (and moby's clamp of an unlimited
/// memory limit to the machine's memory).
#[derive(Debug, Clone, Default)]
pub struct CgroupStats {
    /// "1" or "2": which key set `memory_stat` uses.
    pub cgroup_version: &'static str,
    /// Total CPU time, ns (`cpuacct.usage`; v2 `usage_usec` * 1000).
    pub cpu_total_ns: u64,
    /// Per-CPU time, ns (v1 only, `cpuacct.usage_percpu`).
    pub cpu_percpu_ns: Vec<u64>,
    /// Kernel and user mode CPU time, ns.
    pub cpu_kernel_ns: u64,
    pub cpu_user_ns: u64,
    /// CFS throttling: periods, throttled periods, throttled time (ns).
    pub throttling_periods: u64,
    pub throttled_periods: u64,
    pub throttled_time_ns: u64,
    /// Memory in bytes: usage, peak (v1 only), limit (a huge number when
    /// unlimited), failcnt (v2: the `oom` count of memory.events).
    pub memory_usage: u64,
    pub memory_max_usage: u64,
    pub memory_limit: u64,
    pub memory_failcnt: u64,
    /// `memory.stat` as the kernel names it.
    pub memory_stat: std::collections::BTreeMap<String, u64>,
    /// Tasks now and the limit (0 = unlimited).
    pub pids_current: u64,
    pub pids_limit: u64,
    /// Bytes read/written per device (v1 throttle counters; v2 `io.stat`
    /// as "read"/"write").
    pub blkio_service_bytes: Vec<BlkioEntry>,
    /// I/O operations per device (v1 only).
    pub blkio_serviced: Vec<BlkioEntry>,
    /// The host's CPU time in ns and its CPU count, from /proc/stat (moby
    /// `daemon/stats/collector_unix.go::getSystemCPUUsage`), read together
    /// with the cgroup so the CLI's percentages line up.
    pub system_cpu_ns: u64,
    pub online_cpus: u32,
}

/// What `docker info` shows about the runtime.
#[derive(Debug, Clone)]
pub struct RuntimeInfo {
    pub name: &'static str,
    pub cgroup_driver: &'static str,
    pub cgroup_version: &'static str,
    pub warnings: Vec<String>,
}

/// The runtime interface the daemon uses: libcontainerd's client, as one
/// trait.
pub trait Runtime: Send + Sync {
    fn info(&self) -> RuntimeInfo;
    /// Prepare the rootfs, cgroup and namespaces and start process.args as
    /// PID 1. Must be called inside a tokio runtime (exit is watched by a
    /// task). Returns only once the process has exec'd (or failed to).
    fn start(&self, spec: &ContainerSpec) -> Result<Spawned, RuntimeError>;
    /// docker exec: run `process` inside the namespaces and cgroup of the
    /// running container whose init is `pid`.
    fn exec(
        &self,
        spec: &ContainerSpec,
        pid: u32,
        process: &ProcessSpec,
    ) -> Result<Spawned, RuntimeError>;
    fn signal(&self, pid: u32, signal: i32) -> Result<(), RuntimeError>;
    fn resize(&self, pty: BorrowedFd<'_>, height: u16, width: u16) -> Result<(), RuntimeError>;
    /// `docker top`: (titles, rows) of the container's processes as `ps`
    /// shows them with ps_args (default "-ef").
    fn top(
        &self,
        spec: &ContainerSpec,
        pid: u32,
        ps_args: &str,
    ) -> Result<(Vec<String>, Vec<Vec<String>>), RuntimeError>;
    /// After exit (and on daemon start for leftovers): unmount the rootfs,
    /// remove the cgroup. Idempotent.
    fn cleanup(&self, spec: &ContainerSpec);
    /// `docker stats`: the container's resource usage, from its cgroup.
    fn stats(&self, spec: &ContainerSpec) -> Result<CgroupStats, RuntimeError> {
        let _ = spec;
        Err(RuntimeError {
            message: "stats are not supported by this runtime".into(),
            exit_code: 0,
        })
    }
    fn pause(&self, spec: &ContainerSpec) -> Result<(), RuntimeError> {
        let _ = spec;
        Err(RuntimeError {
            message: "pause is not supported by this runtime".into(),
            exit_code: 0,
        })
    }
    fn resume(&self, spec: &ContainerSpec) -> Result<(), RuntimeError> {
        let _ = spec;
        Err(RuntimeError {
            message: "unpause is not supported by this runtime".into(),
            exit_code: 0,
        })
    }
    /// `docker cp` and `docker export`: start the archive helper
    /// (`archive.rs`) over the container's filesystem and return it with
    /// its first reply. `running`: the rootfs is mounted already;
    /// otherwise it is mounted only until the helper holds its own copy
    /// (moby `daemon.Mount`/`Unmount` around the operation). Blocks until
    /// that first reply.
    fn archive(
        &self,
        spec: &ContainerSpec,
        running: bool,
        op: archive::ArchiveOp,
    ) -> Result<(std::process::Child, archive::Reply), RuntimeError> {
        let _ = (spec, running, op);
        Err(RuntimeError {
            message: "copying files is not supported by this runtime".into(),
            exit_code: 0,
        })
    }
    /// `docker diff`: what the container changed in its layer.
    fn changes(&self, spec: &ContainerSpec) -> Result<Vec<changes::Change>, RuntimeError> {
        let _ = spec;
        Err(RuntimeError {
            message: "changes are not supported by this runtime".into(),
            exit_code: 0,
        })
    }
    /// `docker update` of a running container: write the new limits
    /// into its cgroup (containerd's `UpdateTask`).
    fn update(&self, spec: &ContainerSpec) -> Result<(), RuntimeError> {
        let _ = spec;
        Err(RuntimeError {
            message: "updating a running container is not supported by this runtime".into(),
            exit_code: 0,
        })
    }
    /// `docker commit`: the container's layer as an image layer tar,
    /// written to `out`.
    fn diff(&self, spec: &ContainerSpec, out: &mut dyn std::io::Write) -> Result<(), RuntimeError> {
        let _ = (spec, out);
        Err(RuntimeError {
            message: "commit is not supported by this runtime".into(),
            exit_code: 0,
        })
    }
}

/// The cgroup parent every container of the daemon lives under. dockerd
/// uses `/docker`; we must not collide with a real dockerd on the host.
pub const DEFAULT_CGROUP_PARENT: &str = "mini-docker";

/// Pick a runtime: `choice` is `--runtime` ("linux" | "sim" | None =
/// linux when possible). Returns the runtime and, when we fell back to
/// sim, the loud reason (not root, not Linux, no namespaces).
pub fn detect(choice: Option<&str>) -> (Arc<dyn Runtime>, Option<String>) {
    if choice == Some("sim") {
        // Chosen on purpose, but still said out loud: a learner must never
        // mistake the simulation for isolation.
        let note = "containers run in the SIMULATED runtime \"sim\" (--runtime sim): \
                    commands are interpreted, nothing is isolated";
        return (Arc::new(sim::SimRuntime::new()), Some(note.to_string()));
    }
    match linux::LinuxRuntime::probe() {
        Ok(()) => {
            let exe = PathBuf::from("/proc/self/exe");
            (
                Arc::new(linux::LinuxRuntime::new(exe, DEFAULT_CGROUP_PARENT)),
                None,
            )
        }
        Err(why) => {
            let reason = format!(
                "containers cannot run here ({why}); using the SIMULATED runtime \"sim\": \
                 commands are interpreted, nothing is isolated"
            );
            (Arc::new(sim::SimRuntime::new()), Some(reason))
        }
    }
}

/// The exit code dockerd records for a failed start, from the error text
/// (moby `daemon/errors.go::translateContainerdStartErr`): 127 when the
/// executable is missing, 126 when it cannot be run, 128 otherwise.
pub fn exit_code_for_start_error(message: &str) -> i32 {
    let m = message.to_lowercase();
    if m.contains("permission denied") {
        126
    } else if m.contains("executable file not found")
        || m.contains("no such file or directory")
        || m.contains("not a directory")
    {
        127
    } else {
        128
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--runtime sim` forces the simulation, saying so; otherwise root
    /// gets the real runtime and anybody else a loud reason.
    #[test]
    fn detect_picks_a_runtime() {
        let (rt, why) = detect(Some("sim"));
        assert_eq!(rt.info().name, "sim");
        assert!(why.unwrap().contains("SIMULATED"));
        let (rt, why) = detect(None);
        if nix::unistd::geteuid().is_root() {
            assert_eq!(rt.info().name, "linux");
            assert!(why.is_none());
        } else {
            assert_eq!(rt.info().name, "sim");
            assert!(why.unwrap().contains("not running as root"));
        }
    }
}
