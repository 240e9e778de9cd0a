//! The Linux runtime: real containers with namespaces, an overlay rootfs,
//! cgroups and ptys.
//!
//! It plays the parts of containerd, the shim and runc for dockerd
//! (moby `libcontainerd/remote/client.go` → containerd → runc
//! `libcontainer/process_linux.go`), in the sequence runtime-notes.md §7
//! measured on this project's machines:
//!
//! 1. create the cgroup and write the limits;
//! 2. mount the overlay rootfs in the host's mount namespace (or copy);
//! 3. `clone3(CLONE_NEW{NS,PID,UTS,IPC[,NET]} | CLONE_PIDFD)`: the child is
//!    a copy of the multi-threaded daemon, so it only clears CLOEXEC on the
//!    sync socket and `execve`s our own binary as `init` (every string it
//!    needs is built before the clone: no allocation, no locks after it);
//! 4. put the init into the cgroups from outside, then send it the config:
//!    that is its "go";
//! 5. re-emit the init's progress as trace records, receive the pty master
//!    with `-t`, and return when the sync socket reaches end of file (the
//!    exec happened) or an error arrives;
//! 6. a tokio task waits on the pidfd (`AsyncFd`), reaps with
//!    `waitid(P_PIDFD)` and reads the OOM counter. Nothing here calls
//!    `waitpid(-1)`, which would steal tokio's own children.

use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::time::Instant;

use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

use super::archive::{ArchiveBind, ArchiveOp, ArchiveRequest, Reply};
use super::cgroups::Cgroup;
use super::changes::Change;
use super::mount::{self, RootfsKind};
use super::sync::{self, InitConfig, InitMsg, InitProcess};
use super::{
    CgroupStats, ContainerSpec, ExitStatus, NetworkMode, ProcessIo, ProcessSpec, Runtime,
    RuntimeError, RuntimeInfo, Spawned,
};
use crate::trace::micros_since;

/// The real runtime.
pub struct LinuxRuntime {
    /// The binary re-executed as the container init: `/proc/self/exe` in
    /// the daemon, the built `mini-dockerd` in integration tests.
    init_binary: PathBuf,
    /// Our cgroup parent under each hierarchy (dockerd's is `/docker`).
    cgroup_parent: String,
    /// Copy the layers instead of trying overlayfs (see
    /// [`LinuxRuntime::with_rootfs_copy`]).
    force_copy: bool,
}

/// How long the daemon side waits for the init to report before giving up
/// on a start: generous, since a loaded machine may be slow, but finite, so
/// a wedged init cannot hang an API call forever.
const INIT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// `struct clone_args` of clone3(2); libc has no definition for x86_64
/// glibc, so we declare it (youki does the same).
#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

/// A freshly cloned init or exec helper, before it has exec'd.
struct Child {
    pid: u32,
    pidfd: OwnedFd,
    sock: OwnedFd,
}

impl Child {
    /// Kill the init and reap it, for a start that fails before the
    /// process runs: there will be no exit watcher to do it.
    fn abandon(&self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.pid as i32),
            nix::sys::signal::SIGKILL,
        );
        wait_pidfd_blocking(self.pidfd.as_fd());
    }
}

/// How a process spawn ended before the container process took over.
struct Started {
    pty: Option<OwnedFd>,
}

impl LinuxRuntime {
    pub fn new(init_binary: PathBuf, cgroup_parent: &str) -> Self {
        LinuxRuntime {
            init_binary,
            cgroup_parent: cgroup_parent.trim_matches('/').to_string(),
            force_copy: false,
        }
    }

    /// Build every rootfs by copying the layers, never with overlayfs: for
    /// data roots where overlay cannot work, and to test the fallback. Each
    /// start then costs a full copy of the image.
    pub fn with_rootfs_copy(mut self) -> Self {
        self.force_copy = true;
        self
    }

    /// Whether containers can run here: root, and namespaces available.
    pub fn probe() -> Result<(), String> {
        let euid = nix::unistd::geteuid();
        if !euid.is_root() {
            return Err(format!("not running as root (euid {euid})"));
        }
        if !std::path::Path::new("/proc/self/ns/pid").exists() {
            return Err("the kernel offers no namespaces (/proc/self/ns/pid is missing)".into());
        }
        Ok(())
    }

    /// The container's cgroup: under its `--cgroup-parent`, or ours.
    fn cgroup(&self, spec: &ContainerSpec) -> Cgroup {
        let parent = match spec.resources.cgroup_parent.as_str() {
            "" => self.cgroup_parent.as_str(),
            p => p,
        };
        Cgroup::new(parent, &spec.id)
    }

    /// clone3 a child that re-executes our binary with `verb`.
    fn clone_init(&self, verb: &str, ns_flags: u64) -> Result<Child, RuntimeError> {
        let (parent_sock, child_sock) = socketpair(
            AddressFamily::Unix,
            SockType::SeqPacket,
            None,
            SockFlag::SOCK_CLOEXEC,
        )
        .map_err(|e| RuntimeError::other(format!("socketpair: {e}")))?;
        // Everything the child touches is prepared here, before the clone.
        let cstr = |b: &[u8]| {
            CString::new(b).map_err(|_| RuntimeError::other("init binary path contains NUL"))
        };
        let exe = cstr(self.init_binary.as_os_str().as_bytes())?;
        let child_raw = child_sock.as_raw_fd();
        let argv = [
            cstr(b"mini-dockerd")?,
            cstr(verb.as_bytes())?,
            cstr(child_raw.to_string().as_bytes())?,
        ];
        let mut argv_p: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
        argv_p.push(std::ptr::null());
        let envp: [*const libc::c_char; 1] = [std::ptr::null()];
        let mut pidfd: libc::c_int = -1;
        let mut args = CloneArgs {
            flags: ns_flags | libc::CLONE_PIDFD as u64,
            pidfd: &mut pidfd as *mut libc::c_int as u64,
            exit_signal: libc::SIGCHLD as u64,
            ..Default::default()
        };
        // SAFETY: clone3 without CLONE_VM is a fork. The child is a copy of
        // a multi-threaded process, so it only makes async-signal-safe
        // syscalls on memory prepared above, then execs or exits.
        let ret = unsafe {
            libc::syscall(
                libc::SYS_clone3,
                &mut args as *mut CloneArgs,
                std::mem::size_of::<CloneArgs>(),
            )
        };
        if ret == 0 {
            // SAFETY: see above; nothing here allocates or locks.
            unsafe {
                libc::fcntl(child_raw, libc::F_SETFD, 0);
                libc::execve(exe.as_ptr(), argv_p.as_ptr(), envp.as_ptr());
                libc::_exit(127);
            }
        }
        if ret < 0 {
            return Err(RuntimeError::other(format!(
                "clone3: {}",
                std::io::Error::last_os_error()
            )));
        }
        drop(child_sock);
        let _ = nix::sys::socket::setsockopt(
            &parent_sock,
            nix::sys::socket::sockopt::ReceiveTimeout,
            &nix::sys::time::TimeVal::new(INIT_TIMEOUT.as_secs() as i64, 0),
        );
        Ok(Child {
            pid: ret as u32,
            // SAFETY: CLONE_PIDFD stored a new fd we now own.
            pidfd: unsafe { OwnedFd::from_raw_fd(pidfd) },
            sock: parent_sock,
        })
    }

    /// Steps 4-5 of the module doc, for both start and exec: send the
    /// config, re-emit the init's progress, and wait for exec or error.
    fn handshake(
        &self,
        child: &Child,
        cfg: &InitConfig,
        stdio: &[&OwnedFd],
    ) -> Result<Started, RuntimeError> {
        let sock = child.sock.as_raw_fd();
        let t = Instant::now();
        trace_event!("runtime", "enter", "runtime.wait_exec", pid = child.pid);
        let mut pty = None;
        let mut exec_seen = false;
        let sent = sync::send(sock, cfg, &sync::raw_fds(stdio))
            .map_err(|e| RuntimeError::other(format!("send config to init: {e}")));
        let result = loop {
            if let Err(e) = &sent {
                break Err(e.clone());
            }
            match sync::recv::<InitMsg>(sock) {
                Ok(Some((InitMsg::Step { step, dur_us }, _))) => {
                    if step == "exec" {
                        exec_seen = true;
                    }
                    trace_event!(
                        "runtime",
                        "exit",
                        format!("runtime.init.{step}").as_str(),
                        pid = child.pid,
                        dur_us = dur_us
                    );
                }
                Ok(Some((InitMsg::Console, mut fds))) => pty = fds.pop(),
                Ok(Some((InitMsg::Error { message, exit_code }, _))) => {
                    break Err(RuntimeError { message, exit_code })
                }
                Ok(None) if exec_seen => break Ok(Started { pty }),
                Ok(None) => {
                    break Err(RuntimeError::other(
                        "container init exited before starting the process",
                    ))
                }
                Err(e) => break Err(RuntimeError::other(format!("read from init: {e}"))),
            }
        };
        trace_event!(
            "runtime",
            "exit",
            "runtime.wait_exec",
            pid = child.pid,
            ok = result.is_ok(),
            dur_us = micros_since(t)
        );
        if let Err(e) = &result {
            // The init exits right after reporting; reap it here, there will
            // be no exit watcher.
            child.abandon();
            trace_event!(
                "runtime",
                "event",
                "runtime.start_failed",
                pid = child.pid,
                exit_code = e.exit_code,
                error = %e.message
            );
        }
        result
    }

    /// Pipes for the non-tty case: (daemon side, process side).
    fn pipes(p: &ProcessSpec) -> Result<(ProcessIo, Vec<OwnedFd>), RuntimeError> {
        if p.tty {
            return Ok((
                ProcessIo {
                    stdin: None,
                    stdout: None,
                    stderr: None,
                    pty: None,
                },
                Vec::new(),
            ));
        }
        let pipe = || {
            nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
                .map_err(|e| RuntimeError::other(format!("pipe: {e}")))
        };
        let mut theirs = Vec::new();
        let stdin = if p.stdin {
            let (r, w) = pipe()?;
            theirs.push(r);
            Some(w)
        } else {
            None
        };
        let (out_r, out_w) = pipe()?;
        let (err_r, err_w) = pipe()?;
        theirs.push(out_w);
        theirs.push(err_w);
        Ok((
            ProcessIo {
                stdin,
                stdout: Some(out_r),
                stderr: Some(err_r),
                pty: None,
            },
            theirs,
        ))
    }

    fn init_process(p: &ProcessSpec) -> InitProcess {
        InitProcess {
            args: p.args.clone(),
            env: p.env.clone(),
            cwd: p.cwd.clone(),
            user: p.user.clone(),
            tty: p.tty,
            stdin: p.stdin && !p.tty,
            console_size: p.console_size,
            capabilities: p.capabilities,
            additional_groups: p.additional_groups.clone(),
            rlimits: p.rlimits.clone(),
        }
    }

    fn start_inner(&self, spec: &ContainerSpec, cg: &Cgroup) -> Result<Spawned, RuntimeError> {
        let handle = tokio::runtime::Handle::try_current().map_err(|_| {
            RuntimeError::other("the runtime must be called inside a tokio runtime")
        })?;
        let dir = &spec.container_dir;

        let t = Instant::now();
        trace_event!("runtime", "enter", "runtime.cgroup_create", id = %spec.id);
        cg.create(&spec.resources)
            .map_err(|e| create_error(format!("cgroup: {e}")))?;
        trace_event!(
            "runtime",
            "exit",
            "runtime.cgroup_create",
            dur_us = micros_since(t)
        );

        let t = Instant::now();
        trace_event!("runtime", "enter", "runtime.prepare_rootfs", id = %spec.id);
        let (kind, why) = mount::prepare_rootfs(dir, &spec.layers, self.force_copy)
            .map_err(|e| create_error(format!("rootfs: {e}")))?;
        if let Some(why) = &why {
            trace_event!("runtime", "event", "runtime.rootfs_copy_fallback", reason = %why);
        }
        let kind = match kind {
            RootfsKind::Overlay => "overlay",
            RootfsKind::Copy => "copy",
        };
        trace_event!(
            "runtime",
            "exit",
            "runtime.prepare_rootfs",
            kind = kind,
            layers = spec.layers.len(),
            dur_us = micros_since(t)
        );

        // dockerd's init layer holds an empty `/.dockerenv`, which programs
        // look for to learn that they run in a container. We have no init
        // layer; the file goes into the container's layer, and `diff` and
        // `commit` leave it out (runtime/changes.rs).
        let dockerenv = mount::rootfs_dir(dir).join(".dockerenv");
        if std::fs::symlink_metadata(&dockerenv).is_err() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::write(&dockerenv, b"")
                .and_then(|()| {
                    std::fs::set_permissions(&dockerenv, std::fs::Permissions::from_mode(0o755))
                })
                .map_err(|e| create_error(format!("write /.dockerenv: {e}")))?;
        }

        // dockerd writes these under the container dir and bind-mounts them
        // (container/container_unix.go: HostnamePath, HostsPath,
        // ResolvConfPath), so they never land in the container's layer.
        let mut binds = Vec::new();
        for (name, content) in [
            ("hostname", format!("{}\n", spec.hostname)),
            ("hosts", spec.etc_hosts.clone()),
            ("resolv.conf", spec.resolv_conf.clone()),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, content)
                .map_err(|e| create_error(format!("write {}: {e}", path.display())))?;
            binds.push((path.display().to_string(), format!("/etc/{name}"), false));
        }
        for m in &spec.mounts {
            binds.push((
                m.source.display().to_string(),
                m.destination.clone(),
                m.read_only,
            ));
        }

        // `--privileged` gets every device of the host first (moby
        // `WithDevices` with `devices.HostDevices()`), then the `--device`s.
        let mut devices = if spec.privileged {
            host_devices()
        } else {
            Vec::new()
        };
        devices.extend(
            spec.devices
                .iter()
                .map(device_node)
                .collect::<Result<Vec<_>, _>>()
                // dockerd finds this while it builds the spec, before the
                // runtime: its text comes without runc's prefix.
                .map_err(RuntimeError::other)?,
        );

        let (io, theirs) = Self::pipes(&spec.process)?;
        let mut flags = libc::CLONE_NEWNS as u64;
        for (host, flag) in [
            (spec.host_pid, libc::CLONE_NEWPID),
            (spec.host_uts, libc::CLONE_NEWUTS),
            (spec.host_ipc, libc::CLONE_NEWIPC),
            (spec.network == NetworkMode::Host, libc::CLONE_NEWNET),
        ] {
            if !host {
                flags |= flag as u64;
            }
        }
        let t = Instant::now();
        let child = self.clone_init(super::init::INIT_VERB, flags)?;
        trace_event!(
            "runtime",
            "exit",
            "runtime.clone",
            pid = child.pid,
            network = ?spec.network,
            dur_us = micros_since(t)
        );

        let t = Instant::now();
        if let Err(e) = cg.join(child.pid) {
            child.abandon();
            return Err(create_error(format!("join cgroup: {e}")));
        }
        trace_event!(
            "runtime",
            "exit",
            "runtime.cgroup_join",
            pid = child.pid,
            dur_us = micros_since(t)
        );

        // libnetwork joins the sandbox before the task runs: the veth pair
        // and eth0 are in place before the init is told to go on.
        for ep in &spec.endpoints {
            let t = Instant::now();
            if let Err(e) = super::network::attach(child.pid, ep) {
                child.abandon();
                return Err(RuntimeError::other(format!(
                    "failed to create endpoint on network {}: {e}",
                    ep.bridge.name
                )));
            }
            trace_event!(
                "runtime",
                "exit",
                "runtime.network_attach",
                pid = child.pid,
                ip = %ep.ip,
                ifname = ep.ifname.as_str(),
                veth = ep.host_veth.as_str(),
                bridge = ep.bridge.name.as_str(),
                dur_us = micros_since(t)
            );
        }

        let cfg = InitConfig {
            target_pid: 0,
            rootfs: mount::rootfs_dir(dir).display().to_string(),
            hostname: spec.hostname.clone(),
            private_net: spec.network != NetworkMode::Host,
            binds,
            devices,
            copy_up: spec
                .mounts
                .iter()
                .filter(|m| m.copy_up)
                .map(|m| m.destination.clone())
                .collect(),
            domainname: spec.domainname.clone(),
            sysctls: spec.sysctls.clone(),
            shm_size: spec.shm_size,
            host_uts: spec.host_uts,
            host_ipc: spec.host_ipc,
            oom_score_adj: spec.oom_score_adj,
            tmpfs: spec
                .tmpfs
                .iter()
                .map(|t| (t.destination.clone(), t.options.clone()))
                .collect(),
            cgroup_procs: Vec::new(),
            cgroup_view: cg
                .container_view()
                .into_iter()
                .map(|(d, n)| (d.display().to_string(), n))
                .collect(),
            readonly_rootfs: spec.readonly_rootfs,
            unmasked: spec.privileged,
            init: spec.init,
            process: Self::init_process(&spec.process),
        };
        let stdio: Vec<&OwnedFd> = theirs.iter().collect();
        let started = self.handshake(&child, &cfg, &stdio)?;
        drop(theirs);
        let pid = child.pid;
        let exit = watch_exit(&handle, child.pidfd, pid, Some(cg.clone()));
        Ok(Spawned {
            pid,
            io: ProcessIo {
                pty: started.pty,
                ..io
            },
            exit,
        })
    }
}

/// Wrap a daemon-side failure the way dockerd 20.10 reports runtime
/// failures.
fn create_error(inner: String) -> RuntimeError {
    let message = format!(
        "failed to create shim task: OCI runtime create failed: runc create failed: \
         unable to start container process: error during container init: {inner}: unknown"
    );
    let exit_code = super::exit_code_for_start_error(&message);
    RuntimeError { message, exit_code }
}

/// Whether a process exists (signal 0).
fn pid_alive(pid: u32) -> bool {
    pid != 0 && nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), None).is_ok()
}

/// Reap the process behind a pidfd: `waitid(P_PIDFD)`, never
/// `waitpid(-1)`. Returns docker's exit code (128+N when killed by N).
fn waitid_pidfd(fd: RawFd, flags: libc::c_int) -> Option<i32> {
    loop {
        // SAFETY: siginfo_t is plain data, filled by waitid.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waitid on a pidfd we own.
        let r = unsafe { libc::waitid(libc::P_PIDFD, fd as libc::id_t, &mut info, flags) };
        if r < 0 {
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return None;
        }
        // SAFETY: waitid filled a SIGCHLD siginfo.
        let (code, status, pid) = unsafe { (info.si_code, info.si_status(), info.si_pid()) };
        if pid == 0 {
            return None; // WNOHANG and still running
        }
        return Some(match code {
            libc::CLD_EXITED => status,
            libc::CLD_KILLED | libc::CLD_DUMPED => 128 + status,
            _ => 128,
        });
    }
}

fn wait_pidfd_blocking(fd: BorrowedFd<'_>) -> Option<i32> {
    waitid_pidfd(fd.as_raw_fd(), libc::WEXITED)
}

/// Step 6: a task that waits for the exit and reports it once.
fn watch_exit(
    handle: &tokio::runtime::Handle,
    pidfd: OwnedFd,
    pid: u32,
    cg: Option<Cgroup>,
) -> tokio::sync::oneshot::Receiver<ExitStatus> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let started = Instant::now();
    handle.spawn(async move {
        // SAFETY: the AsyncFd owns the pidfd (an OwnedFd), which stays open
        // and unchanged until the AsyncFd is dropped.
        let code = match unsafe { AsyncFd::register_with_interest(pidfd, Interest::READABLE) } {
            Ok(afd) => loop {
                let Ok(mut guard) = afd.readable().await else {
                    break wait_pidfd_blocking(afd.get_ref().as_fd());
                };
                match waitid_pidfd(afd.get_ref().as_raw_fd(), libc::WEXITED | libc::WNOHANG) {
                    Some(code) => break Some(code),
                    None => guard.clear_ready(),
                }
            },
            Err(_) => None,
        };
        let code = code.unwrap_or(128);
        let oom_killed = cg.map(|c| c.oom_killed()).unwrap_or(false);
        trace_event!(
            "runtime",
            "event",
            "runtime.exit",
            pid = pid,
            code = code,
            oom_killed = oom_killed,
            ran_us = micros_since(started)
        );
        let _ = tx.send(ExitStatus { code, oom_killed });
    });
    rx
}

/// moby `daemon/top_unix.go::parsePSOutput`: keep the rows whose PID is
/// one of the container's; a "-" PID (threads with `-m`) follows its
/// process.
pub fn parse_ps_output(
    output: &str,
    pids: &[u32],
) -> Result<(Vec<String>, Vec<Vec<String>>), String> {
    let mut lines = output.lines();
    let titles: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect();
    let Some(pid_index) = titles.iter().position(|t| t == "PID") else {
        return Err("Couldn't find PID field in ps output".into());
    };
    let mut rows = Vec::new();
    let mut prev_contained = false;
    for line in lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() <= pid_index {
            continue;
        }
        let row = |fields: &[&str]| {
            let last = titles.len() - 1;
            let mut r: Vec<String> = fields.iter().take(last).map(|s| s.to_string()).collect();
            r.resize(last, String::new());
            r.push(fields.get(last..).map(|f| f.join(" ")).unwrap_or_default());
            r
        };
        if fields[pid_index] == "-" {
            if prev_contained {
                rows.push(row(&fields));
            }
            continue;
        }
        let p: u32 = fields[pid_index]
            .parse()
            .map_err(|e| format!("Unexpected pid '{}': {e}", fields[pid_index]))?;
        prev_contained = pids.contains(&p);
        if prev_contained {
            rows.push(row(&fields));
        }
    }
    Ok((titles, rows))
}

impl Runtime for LinuxRuntime {
    fn info(&self) -> RuntimeInfo {
        let mut warnings = Vec::new();
        let h = super::cgroups::hierarchy();
        if !h.unified {
            let memsw =
                h.v1.iter()
                    .find(|(c, _)| c == "memory")
                    .map(|(_, m)| m.join("memory.memsw.limit_in_bytes").exists())
                    .unwrap_or(false);
            if !memsw {
                warnings.push("WARNING: No swap limit support".into());
            }
        }
        RuntimeInfo {
            name: "linux",
            cgroup_driver: "cgroupfs",
            cgroup_version: super::cgroups::version(),
            warnings,
        }
    }

    fn start(&self, spec: &ContainerSpec) -> Result<Spawned, RuntimeError> {
        let t = Instant::now();
        trace_event!("runtime", "enter", "runtime.start", id = %spec.id);
        let cg = self.cgroup(spec);
        let r = self.start_inner(spec, &cg);
        if r.is_err() {
            self.cleanup(spec);
        }
        trace_event!(
            "runtime",
            "exit",
            "runtime.start",
            id = %spec.id,
            pid = r.as_ref().map(|s| s.pid).unwrap_or(0),
            error = r.as_ref().err().map(|e| e.message.as_str()).unwrap_or(""),
            dur_us = micros_since(t)
        );
        r
    }

    fn exec(
        &self,
        spec: &ContainerSpec,
        pid: u32,
        process: &ProcessSpec,
    ) -> Result<Spawned, RuntimeError> {
        let t = Instant::now();
        trace_event!("runtime", "enter", "runtime.exec", id = %spec.id, target = pid);
        let r = (|| {
            let handle = tokio::runtime::Handle::try_current().map_err(|_| {
                RuntimeError::other("the runtime must be called inside a tokio runtime")
            })?;
            let cg = self.cgroup(spec);
            // The pid must still be this container's init: a stale pid may
            // have been reused by an unrelated process, whose namespaces we
            // must never enter (runc checks the container state likewise).
            let members = cg.pids();
            if !members.is_empty() && !members.contains(&pid) || !pid_alive(pid) {
                return Err(RuntimeError::other(
                    "OCI runtime exec failed: exec failed: cannot exec in a stopped container: unknown",
                ));
            }
            let (io, theirs) = Self::pipes(process)?;
            let child = self.clone_init(super::init::EXEC_VERB, 0)?;
            let cfg = InitConfig {
                target_pid: pid,
                cgroup_procs: cg
                    .procs_files()
                    .into_iter()
                    .filter(|p| p.exists())
                    .map(|p| p.display().to_string())
                    .collect(),
                process: Self::init_process(process),
                ..Default::default()
            };
            let stdio: Vec<&OwnedFd> = theirs.iter().collect();
            let started = self.handshake(&child, &cfg, &stdio)?;
            drop(theirs);
            let exit = watch_exit(&handle, child.pidfd, child.pid, None);
            Ok(Spawned {
                pid: child.pid,
                io: ProcessIo {
                    pty: started.pty,
                    ..io
                },
                exit,
            })
        })();
        trace_event!(
            "runtime",
            "exit",
            "runtime.exec",
            id = %spec.id,
            ok = r.is_ok(),
            dur_us = micros_since(t)
        );
        r
    }

    fn signal(&self, pid: u32, signal: i32) -> Result<(), RuntimeError> {
        trace_event!(
            "runtime",
            "event",
            "runtime.signal",
            pid = pid,
            signal = signal
        );
        // SAFETY: plain kill(2).
        if unsafe { libc::kill(pid as libc::pid_t, signal) } < 0 {
            return Err(RuntimeError::other(format!(
                "kill {pid} with signal {signal}: {}",
                std::io::Error::last_os_error()
            )));
        }
        Ok(())
    }

    fn resize(&self, pty: BorrowedFd<'_>, height: u16, width: u16) -> Result<(), RuntimeError> {
        trace_event!(
            "runtime",
            "event",
            "runtime.resize",
            height = height,
            width = width
        );
        super::pty::set_winsize(pty.as_raw_fd(), height, width)
            .map_err(|e| RuntimeError::other(format!("resize tty: {e}")))
    }

    fn top(
        &self,
        spec: &ContainerSpec,
        pid: u32,
        ps_args: &str,
    ) -> Result<(Vec<String>, Vec<Vec<String>>), RuntimeError> {
        let t = Instant::now();
        let mut pids = self.cgroup(spec).pids();
        if pids.is_empty() {
            pids.push(pid);
        }
        let args = if ps_args.trim().is_empty() {
            "-ef"
        } else {
            ps_args
        };
        let out = std::process::Command::new("ps")
            .args(args.split_whitespace())
            .output()
            .map_err(|e| RuntimeError::other(format!("Error running ps: {e}")))?;
        if !out.status.success() {
            return Err(RuntimeError::other(format!(
                "ps: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let r = parse_ps_output(&String::from_utf8_lossy(&out.stdout), &pids)
            .map_err(RuntimeError::other);
        trace_event!(
            "runtime",
            "exit",
            "runtime.top",
            pids = pids.len(),
            dur_us = micros_since(t)
        );
        r
    }

    fn cleanup(&self, spec: &ContainerSpec) {
        let t = Instant::now();
        // Normally the pid namespace died with its PID 1 and the cgroup is
        // empty. Leftovers found at daemon start may still run: like dockerd
        // without live-restore, stop them (thawed first: frozen tasks cannot
        // die on v1).
        let cg = self.cgroup(spec);
        let leftovers = cg.pids();
        if !leftovers.is_empty() {
            let _ = cg.freeze(false);
            for pid in &leftovers {
                // SAFETY: plain kill(2) of a process in our own cgroup.
                unsafe { libc::kill(*pid as libc::pid_t, libc::SIGKILL) };
            }
            trace_event!("runtime", "event", "runtime.cleanup_killed", id = %spec.id, pids = leftovers.len());
        }
        let tm = Instant::now();
        mount::cleanup_rootfs(&spec.container_dir);
        let umount_us = micros_since(tm);
        let retries = cg.remove();
        trace_event!(
            "runtime",
            "exit",
            "runtime.cleanup",
            id = %spec.id,
            umount_us = umount_us,
            cgroup_retries = retries,
            dur_us = micros_since(t)
        );
    }

    fn stats(&self, spec: &ContainerSpec) -> Result<CgroupStats, RuntimeError> {
        let t = Instant::now();
        let st = self.cgroup(spec).stats();
        trace_event!("runtime", "exit", "runtime.stats", id = %spec.id, dur_us = micros_since(t));
        Ok(st)
    }

    fn pause(&self, spec: &ContainerSpec) -> Result<(), RuntimeError> {
        trace_event!("runtime", "event", "runtime.pause", id = %spec.id);
        self.cgroup(spec)
            .freeze(true)
            .map_err(|e| RuntimeError::other(format!("pause: {e}")))
    }

    fn resume(&self, spec: &ContainerSpec) -> Result<(), RuntimeError> {
        trace_event!("runtime", "event", "runtime.resume", id = %spec.id);
        self.cgroup(spec)
            .freeze(false)
            .map_err(|e| RuntimeError::other(format!("unpause: {e}")))
    }

    fn archive(
        &self,
        spec: &ContainerSpec,
        running: bool,
        op: ArchiveOp,
    ) -> Result<(std::process::Child, Reply), RuntimeError> {
        let t = Instant::now();
        trace_event!("runtime", "enter", "runtime.archive", id = %spec.id, running = running);
        let dir = &spec.container_dir;
        // moby `daemon.Mount`: a stopped container's rootfs is mounted for
        // the operation. A running one's is mounted already.
        let mounted = if running {
            None
        } else {
            let (kind, _) = mount::prepare_rootfs(dir, &spec.layers, self.force_copy)
                .map_err(|e| RuntimeError::other(format!("rootfs: {e}")))?;
            Some(kind)
        };
        // The files start writes and binds over /etc, then the volumes
        // (moby `mountVolumes`); the helper leaves out what does not exist.
        let mut binds: Vec<ArchiveBind> = ["hostname", "hosts", "resolv.conf"]
            .iter()
            .map(|name| ArchiveBind {
                source: dir.join(name),
                destination: format!("/etc/{name}"),
                read_only: false,
            })
            .collect();
        binds.extend(spec.mounts.iter().map(|m| ArchiveBind {
            source: m.source.clone(),
            destination: m.destination.clone(),
            read_only: m.read_only,
        }));
        let is_untar = matches!(op, ArchiveOp::Untar { .. });
        let request = ArchiveRequest {
            rootfs: mount::rootfs_dir(dir),
            binds,
            op,
        };
        let json = serde_json::to_string(&request).expect("requests serialize");
        let spawned = std::process::Command::new(&self.init_binary)
            .arg(super::archive::ARCHIVE_VERB)
            .arg(json)
            .stdin(if is_untar {
                std::process::Stdio::piped()
            } else {
                std::process::Stdio::null()
            })
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn();
        let first = spawned.and_then(|mut child| {
            let stdout = child.stdout.as_mut().expect("stdout is piped");
            match super::archive::read_reply(stdout) {
                Ok(reply) => Ok((child, reply)),
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    Err(e)
                }
            }
        });
        // The helper has its own copy of the mounts by now (or is gone):
        // the host's may go. A copied rootfs stays until the next start
        // or the removal, because the helper may still be reading it.
        if mounted == Some(RootfsKind::Overlay) {
            mount::cleanup_rootfs(dir);
        }
        trace_event!(
            "runtime",
            "exit",
            "runtime.archive",
            id = %spec.id,
            mounted_for_it = mounted.is_some(),
            dur_us = micros_since(t)
        );
        first.map_err(|e| RuntimeError::other(format!("archive helper: {e}")))
    }

    fn update(&self, spec: &ContainerSpec) -> Result<(), RuntimeError> {
        trace_event!("runtime", "event", "runtime.update", id = %spec.id);
        self.cgroup(spec)
            .update(&spec.resources)
            .map_err(|e| RuntimeError::other(e.to_string()))
    }

    fn diff(&self, spec: &ContainerSpec, out: &mut dyn std::io::Write) -> Result<(), RuntimeError> {
        let t = Instant::now();
        trace_event!("runtime", "enter", "runtime.diff", id = %spec.id);
        let r =
            super::changes::write_diff_tar(&spec.layers, &spec.container_dir.join("upper"), out)
                .map_err(|e| RuntimeError::other(format!("diff: {e}")));
        trace_event!("runtime", "exit", "runtime.diff", id = %spec.id, dur_us = micros_since(t));
        r
    }

    fn changes(&self, spec: &ContainerSpec) -> Result<Vec<Change>, RuntimeError> {
        let t = Instant::now();
        trace_event!("runtime", "enter", "runtime.changes", id = %spec.id);
        let r = super::changes::overlay_changes(&spec.layers, &spec.container_dir.join("upper"))
            .map_err(|e| RuntimeError::other(format!("changes: {e}")));
        trace_event!("runtime", "exit", "runtime.changes", id = %spec.id, dur_us = micros_since(t));
        r
    }
}

/// runc `devices.HostDevices`: every character and block device under
/// the host's /dev, at the same path, except the pseudo-terminals of the
/// host's devpts and what the container's /dev makes for itself (its own
/// devpts and ptmx, shm, mqueue, console).
fn host_devices() -> Vec<(String, char, u64, u64, u32)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, char, u64, u64, u32)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                let skip = ["/dev/pts", "/dev/shm", "/dev/mqueue", "/dev/fd"];
                if !skip.iter().any(|s| path == std::path::Path::new(s)) {
                    walk(&path, out);
                }
                continue;
            }
            // The container has its own console and its own devpts's
            // ptmx (/dev/ptmx is a link into it).
            if ft.is_symlink()
                || path == std::path::Path::new("/dev/console")
                || path == std::path::Path::new("/dev/ptmx")
            {
                continue;
            }
            let mapping = super::DeviceMapping {
                path_on_host: path.display().to_string(),
                path_in_container: path.display().to_string(),
            };
            if let Ok(node) = device_node(&mapping) {
                out.push(node);
            }
        }
    }
    let mut out = Vec::new();
    walk(std::path::Path::new("/dev"), &mut out);
    out
}

/// moby `devicesFromPath` for one node: the host device's type, numbers
/// and mode, to be made again at its path in the container.
fn device_node(d: &super::DeviceMapping) -> Result<(String, char, u64, u64, u32), String> {
    let not_a_device = || {
        format!(
            "error gathering device information while adding custom device {:?}: not a device node",
            d.path_on_host
        )
    };
    let st = nix::sys::stat::stat(d.path_on_host.as_str()).map_err(|e| {
        format!(
            "error gathering device information while adding custom device {:?}: {}",
            d.path_on_host,
            e.desc().to_lowercase()
        )
    })?;
    let kind = match st.st_mode & libc::S_IFMT {
        libc::S_IFCHR => 'c',
        libc::S_IFBLK => 'b',
        _ => return Err(not_a_device()),
    };
    Ok((
        d.path_in_container.clone(),
        kind,
        nix::sys::stat::major(st.st_rdev),
        nix::sys::stat::minor(st.st_rdev),
        st.st_mode & 0o7777,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `docker top` keeps only the container's rows, with CMD joined, as
    /// moby's parsePSOutput does.
    #[test]
    fn ps_output_is_filtered_by_pid() {
        let out = "UID PID PPID C STIME TTY TIME CMD\n\
                   root 1 0 0 10:00 ? 00:00:01 /sbin/init\n\
                   root 42 1 0 10:00 ? 00:00:00 sleep 1000\n";
        let (titles, rows) = parse_ps_output(out, &[42]).unwrap();
        assert_eq!(titles.len(), 8);
        assert_eq!(
            rows,
            vec![vec![
                "root",
                "42",
                "1",
                "0",
                "10:00",
                "?",
                "00:00:00",
                "sleep 1000"
            ]]
        );
    }
}
