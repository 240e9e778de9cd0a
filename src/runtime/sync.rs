//! The sync channel between the daemon side of the runtime and the
//! container init it re-executes.
//!
//! runc talks to `runc init` over an "init pipe" (a socketpair: config in,
//! `procReady`/`procError` messages out, libcontainer/sync.go) and gets a
//! terminal back over the console socket. We fold both into one
//! `SOCK_SEQPACKET` socketpair, which keeps message boundaries and can
//! carry file descriptors:
//!
//! - daemon → init: one [`InitConfig`] as JSON, with the process's stdio
//!   fds attached (SCM_RIGHTS) when there is no terminal. Sending it is
//!   also the "go": the daemon sends it only after it has put the init
//!   into its cgroup.
//! - init → daemon: [`InitMsg`]s: progress of each step (so the trace
//!   shows the init's work), the pty master (SCM_RIGHTS) with `-t`, or an
//!   error before exec.
//! - end of file: the init's end is close-on-exec, so EOF means the exec
//!   succeeded (the role runc's CLOEXEC `exec.fifo` plays).

use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use nix::sys::socket::{recvmsg, sendmsg, ControlMessage, ControlMessageOwned, MsgFlags};
use serde::{Deserialize, Serialize};

/// The largest message we expect (the config JSON).
const MAX_MSG: usize = 256 * 1024;

/// What the init needs to know, sent as JSON.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct InitConfig {
    /// For `exec-init`: the host pid of the container's init, whose
    /// namespaces to join. 0 for a container start.
    pub target_pid: u32,
    /// The rootfs mount point on the host (start only).
    pub rootfs: String,
    pub hostname: String,
    /// Whether the container has its own network namespace (sysfs may
    /// then be mounted fresh, and `lo` must be brought up).
    pub private_net: bool,
    /// (source on the host, destination in the container, read-only).
    pub binds: Vec<(String, String, bool)>,
    /// cgroup.procs files the exec helper must put its child into.
    pub cgroup_procs: Vec<String>,
    /// (host dir, name) pairs to show read-only under /sys/fs/cgroup
    /// (start only; see `Cgroup::container_view`).
    #[serde(default)]
    pub cgroup_view: Vec<(String, String)>,
    /// `--read-only` (start only).
    #[serde(default)]
    pub readonly_rootfs: bool,
    /// `--privileged`: leave /proc and /sys unmasked (start only).
    #[serde(default)]
    pub unmasked: bool,
    /// (path in the container, `c` or `b`, major, minor, mode) of each
    /// `--device` (start only).
    #[serde(default)]
    pub devices: Vec<(String, char, u64, u64, u32)>,
    /// `--sysctl` (start only).
    #[serde(default)]
    pub sysctls: Vec<(String, String)>,
    /// `/dev/shm`'s size in bytes, and whether the host's UTS and IPC
    /// namespaces are shared (start only).
    #[serde(default)]
    pub shm_size: i64,
    #[serde(default)]
    pub host_uts: bool,
    #[serde(default)]
    pub host_ipc: bool,
    /// `--domainname` and `--oom-score-adj` (start only).
    #[serde(default)]
    pub domainname: String,
    #[serde(default)]
    pub oom_score_adj: i64,
    /// Destinations of the binds that are volumes to fill from the image
    /// when empty (start only).
    #[serde(default)]
    pub copy_up: Vec<String>,
    /// (destination, options) of each tmpfs (start only).
    #[serde(default)]
    pub tmpfs: Vec<(String, String)>,
    /// `--init`: stay as PID 1 and run the process as a child (start only).
    #[serde(default)]
    pub init: bool,
    pub process: InitProcess,
}

/// The process to exec, as the init sees it.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct InitProcess {
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    pub user: String,
    pub tty: bool,
    /// Whether a stdin fd is attached (else /dev/null).
    pub stdin: bool,
    pub console_size: Option<(u16, u16)>,
    /// The capability bounding set (a bit per capability number); `None`
    /// is docker's defaults.
    #[serde(default)]
    pub capabilities: Option<u64>,
    /// `--group-add`, resolved against the container's /etc/group.
    #[serde(default)]
    pub additional_groups: Vec<String>,
    /// `--ulimit`: (name, soft, hard).
    #[serde(default)]
    pub rlimits: Vec<(String, u64, u64)>,
}

/// What the init reports back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum InitMsg {
    /// One finished step, re-emitted by the daemon as `runtime.init.<step>`.
    Step { step: String, dur_us: u64 },
    /// The pty master is attached to this message.
    Console,
    /// The start failed before exec; `exit_code` follows docker's rules.
    Error { message: String, exit_code: i32 },
}

/// Send one JSON message with optional fds.
pub fn send<T: Serialize>(sock: RawFd, msg: &T, fds: &[RawFd]) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(msg).map_err(std::io::Error::other)?;
    let iov = [IoSlice::new(&bytes)];
    let cmsg = [ControlMessage::ScmRights(fds)];
    let cmsgs: &[ControlMessage] = if fds.is_empty() { &[] } else { &cmsg };
    sendmsg::<()>(sock, &iov, cmsgs, MsgFlags::empty(), None)?;
    Ok(())
}

/// Receive one JSON message and the fds attached to it. `Ok(None)` is end
/// of file: the peer closed (for the init: it exec'd or died).
pub fn recv<T: for<'de> Deserialize<'de>>(
    sock: RawFd,
) -> std::io::Result<Option<(T, Vec<OwnedFd>)>> {
    let mut buf = vec![0u8; MAX_MSG];
    let mut cmsg_buf = nix::cmsg_space!([RawFd; 4]);
    let (n, fds) = loop {
        let mut iov = [IoSliceMut::new(&mut buf)];
        match recvmsg::<()>(
            sock,
            &mut iov,
            Some(&mut cmsg_buf),
            MsgFlags::MSG_CMSG_CLOEXEC,
        ) {
            Ok(msg) => {
                let mut fds = Vec::new();
                if let Ok(cmsgs) = msg.cmsgs() {
                    for c in cmsgs {
                        if let ControlMessageOwned::ScmRights(raw) = c {
                            // SAFETY: the kernel just installed these fds for us.
                            fds.extend(raw.into_iter().map(|f| unsafe { OwnedFd::from_raw_fd(f) }));
                        }
                    }
                }
                break (msg.bytes, fds);
            }
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e.into()),
        }
    };
    if n == 0 {
        return Ok(None);
    }
    let msg = serde_json::from_slice(&buf[..n]).map_err(std::io::Error::other)?;
    Ok(Some((msg, fds)))
}

/// Raw fds of a list of owned fds, for [`send`].
pub fn raw_fds(fds: &[&OwnedFd]) -> Vec<RawFd> {
    fds.iter().map(|f| f.as_raw_fd()).collect()
}
