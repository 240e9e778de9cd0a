//! The container init and the exec helper: our own binary, re-executed.
//!
//! A tokio daemon is multi-threaded, and a multi-threaded process can
//! neither `setns` into a mount namespace nor safely run Rust code between
//! `fork` and `exec`. So, like runc (`runc init`, libcontainer
//! `standard_init_linux.go` + `nsenter/nsexec.c`) and moby's `pkg/reexec`,
//! the runtime re-executes its own binary with a hidden verb:
//!
//! - `mini-dockerd init <fd>`: started by `clone3` already inside the new
//!   namespaces, as PID 1 of the new pid namespace. It receives the config
//!   over the sync socket `<fd>`, makes the mounts, sets the hostname,
//!   pivots into the rootfs, sets up stdio (pipes or a pty it creates in
//!   the container's devpts), switches user and execs the container's
//!   process, which then *is* PID 1.
//! - `mini-dockerd exec-init <fd>`: the `docker exec` helper, like
//!   `runc exec`'s nsexec: it joins the namespaces of a running container,
//!   forks once (a pid namespace applies to children only), puts the child
//!   in the container's cgroups, and relays the child's exit status.
//!
//! Each step is timed and reported back over the socket, so the daemon can
//! show the init's work in the trace. Errors before exec are reported
//! the same way, with docker's exit codes.

use std::convert::Infallible;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::time::Instant;

use nix::sys::signal::{SigSet, Signal};

use super::sync::{self, InitConfig, InitMsg, InitProcess};

/// The hidden verb for a container start.
pub const INIT_VERB: &str = "init";
/// The hidden verb for `docker exec`.
pub const EXEC_VERB: &str = "exec-init";

/// docker's default PATH (moby `oci/defaults.go` / `system.DefaultPathEnv`).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Called as the very first line of `main()`, before tokio or clap, like
/// moby's `reexec.Init()`. If `argv[1]` is one of the hidden init verbs
/// (followed by the sync socket's fd number), run the init and never
/// return; the archive helper's verb (followed by its request) runs that
/// helper (`archive.rs`). Otherwise return at once.
pub fn maybe_run_init() {
    let mut args = std::env::args_os().skip(1);
    let (Some(verb), Some(fd)) = (args.next(), args.next()) else {
        return;
    };
    if verb.to_str() == Some(super::archive::ARCHIVE_VERB) {
        super::archive::main(&fd.to_string_lossy());
    }
    let Some(fd) = fd.to_str().and_then(|s| s.parse::<RawFd>().ok()) else {
        return;
    };
    let code = match verb.to_str() {
        Some(INIT_VERB) => run(fd, false),
        Some(EXEC_VERB) => run(fd, true),
        _ => return,
    };
    std::process::exit(code);
}

/// A failure before exec, with docker's exit code.
struct Fail {
    message: String,
    exit_code: i32,
}

impl From<String> for Fail {
    fn from(message: String) -> Self {
        let exit_code = super::exit_code_for_start_error(&message);
        Fail { message, exit_code }
    }
}

/// Time one step and report it.
fn step<T>(sock: RawFd, name: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    let t = Instant::now();
    let r = f();
    let _ = sync::send(
        sock,
        &InitMsg::Step {
            step: name.to_string(),
            dur_us: t.elapsed().as_micros() as u64,
        },
        &[],
    );
    r
}

fn run(sock: RawFd, exec: bool) -> i32 {
    // Nothing container-controlled may open /proc/<our pid>/exe, the host
    // binary, while we run inside the container (CVE-2019-5736).
    // SAFETY: plain prctl.
    unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
    // clone3 copied the signal mask of whichever daemon thread called it.
    let _ = nix::sys::signal::sigprocmask(
        nix::sys::signal::SigmaskHow::SIG_SETMASK,
        Some(&nix::sys::signal::SigSet::empty()),
        None,
    );
    let (cfg, fds) = match sync::recv::<InitConfig>(sock) {
        Ok(Some(m)) => m,
        _ => return 1,
    };
    let result = if exec {
        run_exec(sock, &cfg, fds)
    } else {
        run_start(sock, &cfg, fds)
    };
    match result {
        Ok(code) => code,
        Err(f) => report_failure(sock, f, exec),
    }
}

/// Send a failure to the daemon, worded as dockerd 20.10 words it, and
/// return the exit code to leave with.
fn report_failure(sock: RawFd, f: Fail, exec: bool) -> i32 {
    let message = if f.message.starts_with("unable to find") {
        // User lookup errors read like dockerd's own, which makes them
        // before asking the runtime.
        f.message
    } else if exec {
        format!(
            "OCI runtime exec failed: exec failed: unable to start container process: {}: unknown",
            f.message
        )
    } else {
        // dockerd 20.10 (containerd 1.6, runc 1.1) prints exactly this
        // wrapping; keep it so scripts and tests matching it work.
        format!(
            "failed to create shim task: OCI runtime create failed: runc create failed: \
             unable to start container process: {}: unknown",
            f.message
        )
    };
    let _ = sync::send(
        sock,
        &InitMsg::Error {
            message,
            exit_code: f.exit_code,
        },
        &[],
    );
    f.exit_code
}

/// `init`: we are PID 1 of fresh namespaces, still in the host's rootfs.
fn run_start(sock: RawFd, cfg: &InitConfig, fds: Vec<OwnedFd>) -> Result<i32, Fail> {
    let rootfs = Path::new(&cfg.rootfs);
    step(sock, "mount_rootfs", || {
        super::mount::make_private_and_bind_root(rootfs)
    })?;
    step(sock, "mount_proc", || super::mount::mount_proc(rootfs))?;
    step(sock, "mount_dev", || {
        super::mount::mount_dev(rootfs, cfg.shm_size)
    })?;
    if !cfg.devices.is_empty() {
        step(sock, "devices", || {
            for (path, kind, major, minor, mode) in &cfg.devices {
                super::mount::device(rootfs, path, *kind, *major, *minor, *mode)?;
            }
            Ok(())
        })?;
    }
    step(sock, "mount_sys", || {
        super::mount::mount_sys(rootfs, cfg.private_net, &cfg.cgroup_view)
    })?;
    step(sock, "mount_binds", || {
        for (src, dst, ro) in &cfg.binds {
            if cfg.copy_up.contains(dst) {
                super::mount::copy_up(rootfs, src, dst)?;
            }
            super::mount::bind(rootfs, src, dst, *ro)?;
        }
        for (dst, options) in &cfg.tmpfs {
            super::mount::tmpfs(rootfs, dst, options)?;
        }
        Ok(())
    })?;
    // With `--uts host` the names are the host's: never set them.
    if !cfg.host_uts {
        step(sock, "sethostname", || {
            nix::unistd::sethostname(&cfg.hostname).map_err(|e| format!("sethostname: {e}"))
        })?;
    }
    if !cfg.domainname.is_empty() && !cfg.host_uts {
        step(sock, "setdomainname", || {
            // SAFETY: a plain syscall with a valid buffer and its length.
            let r = unsafe {
                libc::setdomainname(cfg.domainname.as_ptr().cast(), cfg.domainname.len())
            };
            if r != 0 {
                return Err(format!(
                    "setdomainname: {}",
                    std::io::Error::last_os_error()
                ));
            }
            Ok(())
        })?;
    }
    if cfg.oom_score_adj != 0 {
        // Inherited by the process we exec (runc writes it for the init).
        step(sock, "oom_score_adj", || {
            std::fs::write("/proc/self/oom_score_adj", cfg.oom_score_adj.to_string())
                .map_err(|e| format!("write oom_score_adj: {e}"))
        })?;
    }
    if cfg.private_net {
        step(sock, "lo_up", lo_up)?;
    }
    step(sock, "pivot_root", || super::mount::pivot_root(rootfs))?;
    if !cfg.sysctls.is_empty() {
        // Before /proc/sys is made read-only (runc's order).
        step(sock, "sysctls", || {
            set_sysctls(&cfg.sysctls, cfg.private_net, cfg.host_ipc)
        })?;
    }
    if !cfg.unmasked {
        step(sock, "masked_paths", super::mount::mask_and_readonly_paths)?;
    }
    if cfg.readonly_rootfs {
        step(sock, "readonly_rootfs", super::mount::readonly_root)?;
    }
    match finish_and_exec(
        sock,
        &cfg.process,
        fds,
        &cfg.hostname,
        Role::Init { reaper: cfg.init },
    )? {}
}

/// `exec-init`: join a running container and run one more process in it.
fn run_exec(sock: RawFd, cfg: &InitConfig, fds: Vec<OwnedFd>) -> Result<i32, Fail> {
    // Open everything that lives at host paths before entering the mount
    // namespace, after which those paths mean the container's files.
    let procs: Vec<std::fs::File> = step(sock, "open_cgroups", || {
        cfg.cgroup_procs
            .iter()
            .map(|p| {
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(p)
                    .map_err(|e| format!("open {p}: {e}"))
            })
            .collect()
    })?;
    step(sock, "setns", || {
        let mut nsfds = Vec::new();
        for ns in ["ipc", "uts", "net", "pid", "mnt"] {
            let path = format!("/proc/{}/ns/{ns}", cfg.target_pid);
            let f = std::fs::File::open(&path).map_err(|e| format!("open {path}: {e}"))?;
            nsfds.push((ns, f));
        }
        // mnt last: after it, /proc/<pid> would be the container's /proc.
        for (ns, f) in &nsfds {
            nix::sched::setns(f, nix::sched::CloneFlags::empty())
                .map_err(|e| format!("setns {ns}: {e}"))?;
        }
        Ok(())
    })?;
    let hostname = nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_default();
    // The child waits on this pipe until we have put it in the cgroups.
    let (go_r, go_w) = nix::unistd::pipe().map_err(|e| format!("pipe: {e}"))?;
    // The helper's pid is what the daemon holds, so the helper forwards
    // the signals it gets to the child (as containerd's shim does for
    // exec processes). They are blocked from before the fork so none is
    // lost; the child unblocks them.
    let mut forwarded = SigSet::empty();
    for sig in [
        Signal::SIGTERM,
        Signal::SIGINT,
        Signal::SIGHUP,
        Signal::SIGQUIT,
        Signal::SIGUSR1,
        Signal::SIGUSR2,
        Signal::SIGWINCH,
        Signal::SIGCHLD,
    ] {
        forwarded.add(sig);
    }
    forwarded
        .thread_block()
        .map_err(|e| format!("sigprocmask: {e}"))?;
    // SAFETY: this process is single-threaded (a fresh re-exec), so the
    // child may run arbitrary code after fork.
    match unsafe { nix::unistd::fork() }.map_err(|e| format!("fork: {e}"))? {
        nix::unistd::ForkResult::Child => {
            drop(go_w);
            // Die with the helper rather than linger unobserved.
            // SAFETY: plain prctl.
            unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) };
            let _ = SigSet::empty().thread_set_mask();
            let mut b = [0u8; 1];
            let _ = nix::unistd::read(&go_r, &mut b);
            drop(go_r);
            drop(procs);
            // Only returns on failure: report it and leave.
            let Err(f) = finish_and_exec(sock, &cfg.process, fds, &hostname, Role::Exec);
            let code = report_failure(sock, f, true);
            // SAFETY: leave without running the parent's atexit handlers.
            unsafe { libc::_exit(code) }
        }
        nix::unistd::ForkResult::Parent { child } => {
            drop(go_r);
            let joined = step(sock, "join_cgroup", || {
                use std::io::Write;
                for mut f in &procs {
                    f.write_all(child.as_raw().to_string().as_bytes())
                        .map_err(|e| format!("join cgroup: {e}"))?;
                }
                Ok(())
            });
            if let Err(e) = joined {
                let _ = nix::sys::signal::kill(child, nix::sys::signal::SIGKILL);
                let _ = nix::sys::wait::waitpid(child, None);
                return Err(e.into());
            }
            // From here on the child owns the socket and the stdio: drop
            // ours, so the daemon sees EOF when the child execs and the
            // pipes close when it exits.
            drop(fds);
            // SAFETY: sock is ours and not used again in this process.
            unsafe { libc::close(sock) };
            let _ = nix::unistd::write(&go_w, b"g");
            drop(go_w);
            Ok(forward_until_exit(child, &forwarded, false))
        }
    }
}

/// Whose process [`finish_and_exec`] starts.
#[derive(Clone, Copy)]
enum Role {
    /// The container's own process. It gets `/dev/console`, and a missing
    /// working directory is created, as dockerd does for `docker run -w`.
    /// With `reaper` (`--init`) the init stays as PID 1 and the process
    /// runs as its child.
    Init { reaper: bool },
    /// A `docker exec` process: a missing working directory is an error
    /// (runc fails the exec's chdir, and `docker exec -w /nonexist` exits
    /// 126).
    Exec,
}

/// The steps shared by init and exec once inside the container's root:
/// stdio, user, cwd, environment, and the exec itself.
fn finish_and_exec(
    sock: RawFd,
    p: &InitProcess,
    fds: Vec<OwnedFd>,
    hostname: &str,
    role: Role,
) -> Result<Infallible, Fail> {
    let init = matches!(role, Role::Init { .. });
    let user = step(sock, "user", || {
        let mut user = super::user::resolve(&p.user, "/etc/passwd", "/etc/group")?;
        for gid in super::user::additional_groups(&p.additional_groups, "/etc/group")? {
            if !user.groups.contains(&gid) {
                user.groups.push(gid);
            }
        }
        Ok::<_, String>(user)
    })?;
    let env = build_env(&p.env, hostname, &user.home, p.tty);
    let path_env = env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or(DEFAULT_PATH)
        .to_string();

    step(sock, "cwd", || {
        let cwd = if p.cwd.is_empty() {
            "/"
        } else {
            p.cwd.as_str()
        };
        if init {
            std::fs::create_dir_all(cwd).map_err(|e| format!("mkdir {cwd}: {e}"))?;
        }
        // runc's text, with Go's lower-case errno description.
        nix::unistd::chdir(cwd).map_err(|e| {
            format!(
                "chdir to cwd (\"{cwd}\") set in config.json failed: {}",
                e.desc().to_lowercase()
            )
        })
    })?;

    // A new session: the container must not share the daemon's controlling
    // terminal or process group.
    let _ = nix::unistd::setsid();
    step(sock, "stdio", || setup_stdio(sock, p, fds, user.uid, init))?;

    if !p.rlimits.is_empty() {
        step(sock, "rlimits", || set_rlimits(&p.rlimits))?;
    }
    step(sock, "capabilities", || {
        drop_capabilities(p.capabilities.unwrap_or(DEFAULT_CAPS))
    })?;
    step(sock, "setuid", || {
        let groups: Vec<nix::unistd::Gid> = user
            .groups
            .iter()
            .map(|g| nix::unistd::Gid::from_raw(*g))
            .collect();
        nix::unistd::setgroups(&groups).map_err(|e| format!("setgroups: {e}"))?;
        nix::unistd::setgid(nix::unistd::Gid::from_raw(user.gid))
            .map_err(|e| format!("setgid: {e}"))?;
        nix::unistd::setuid(nix::unistd::Uid::from_raw(user.uid))
            .map_err(|e| format!("setuid: {e}"))
    })?;

    let argv0 = p
        .args
        .first()
        .cloned()
        .ok_or_else(|| "no command specified".to_string())?;
    let exe = step(sock, "lookup", || look_path(&argv0, &path_env))?;

    let c = |s: &str| CString::new(s).map_err(|_| format!("argument contains NUL: {s:?}"));
    let exe_c = c(&exe)?;
    let argv: Vec<CString> = p.args.iter().map(|a| c(a)).collect::<Result<_, _>>()?;
    let envp: Vec<CString> = env.iter().map(|e| c(e)).collect::<Result<_, _>>()?;

    if let Role::Init { reaper: true } = role {
        // Returns in the child only; the parent stays as PID 1.
        step(sock, "init_fork", || fork_under_init(p.tty))?;
    }

    let _ = sync::send(
        sock,
        &InitMsg::Step {
            step: "exec".into(),
            dur_us: 0,
        },
        &[],
    );
    // Rust's runtime ignores SIGPIPE; ignored signals survive exec, and a
    // container process must get the default (`yes | head` must end).
    // SAFETY: resetting a disposition to the default.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    // Every fd but 0-2 goes away at exec; the sync socket's close is
    // what tells the daemon the exec happened.
    // SAFETY: plain syscall.
    unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    let err = nix::unistd::execve(&exe_c, &argv, &envp).unwrap_err();
    let inner = match err {
        nix::errno::Errno::ENOENT => {
            format!("exec: \"{argv0}\": stat {exe}: no such file or directory")
        }
        nix::errno::Errno::EACCES => format!("exec: \"{argv0}\": permission denied"),
        e => format!("exec {exe}: {}", e.desc().to_lowercase()),
    };
    Err(inner.into())
}

/// `--sysctl`: write each under /proc/sys. As runc does, a `net.*` key
/// needs the container's own network namespace and an IPC one (`kernel.shm*`,
/// `kernel.msg*`, `kernel.sem`, `fs.mqueue.*`) its own IPC namespace: in
/// the host's they would change the host.
fn set_sysctls(
    sysctls: &[(String, String)],
    private_net: bool,
    host_ipc: bool,
) -> Result<(), String> {
    for (key, value) in sysctls {
        let ipc = key.starts_with("kernel.shm")
            || key.starts_with("kernel.msg")
            || key == "kernel.sem"
            || key.starts_with("fs.mqueue.");
        if key.starts_with("net.") && !private_net {
            return Err(format!(
                "sysctl {key:?} not allowed in host network namespace"
            ));
        }
        if ipc && host_ipc {
            return Err(format!("sysctl {key:?} not allowed in host IPC namespace"));
        }
        let path = format!("/proc/sys/{}", key.replace('.', "/"));
        std::fs::write(&path, value).map_err(|e| format!("write sysctl key {key}: {e}"))?;
    }
    Ok(())
}

/// `--ulimit`: set each limit before the user and capabilities change
/// (raising a hard limit needs CAP_SYS_RESOURCE), as runc's
/// `setupRlimits` does. The names are docker's (go-units `ulimitNameMapping`).
fn set_rlimits(limits: &[(String, u64, u64)]) -> Result<(), String> {
    for (name, soft, hard) in limits {
        let resource = match name.as_str() {
            "as" => libc::RLIMIT_AS,
            "core" => libc::RLIMIT_CORE,
            "cpu" => libc::RLIMIT_CPU,
            "data" => libc::RLIMIT_DATA,
            "fsize" => libc::RLIMIT_FSIZE,
            "locks" => libc::RLIMIT_LOCKS,
            "memlock" => libc::RLIMIT_MEMLOCK,
            "msgqueue" => libc::RLIMIT_MSGQUEUE,
            "nice" => libc::RLIMIT_NICE,
            "nofile" => libc::RLIMIT_NOFILE,
            "nproc" => libc::RLIMIT_NPROC,
            "rss" => libc::RLIMIT_RSS,
            "rtprio" => libc::RLIMIT_RTPRIO,
            "rttime" => libc::RLIMIT_RTTIME,
            "sigpending" => libc::RLIMIT_SIGPENDING,
            "stack" => libc::RLIMIT_STACK,
            other => return Err(format!("invalid ulimit type: {other}")),
        };
        let limit = libc::rlimit {
            rlim_cur: *soft,
            rlim_max: *hard,
        };
        // SAFETY: a plain syscall with a valid struct.
        if unsafe { libc::setrlimit(resource, &limit) } != 0 {
            return Err(format!(
                "error setting rlimit type {name}: {}",
                std::io::Error::last_os_error()
            ));
        }
    }
    Ok(())
}

/// `docker run --init`: fork, and stay as the container's PID 1 while the
/// process runs as our child.
///
/// dockerd bind-mounts its `docker-init` (tini) at `/sbin/docker-init` and
/// makes it the container's entrypoint (`-- cmd args`). We have no static
/// init to put in an image whose libraries we do not know, but we already
/// *are* a process in the container: so the init simply does not exec,
/// and does what tini does instead. It forwards the signals it gets (a
/// `docker stop`'s SIGTERM) to the process, reaps every orphan that the
/// kernel hands to PID 1 (which a plain process as PID 1 usually never
/// does, leaving zombies), and exits with the process's exit status once
/// it has gone. `ps` in the container shows our binary as PID 1 where
/// dockerd's shows `/sbin/docker-init -- ...`.
///
/// Returns `Ok` in the child, with the signal mask cleared; never returns
/// in the parent.
fn fork_under_init(tty: bool) -> Result<(), String> {
    // Block what is forwarded from before the fork, so nothing is lost in
    // between. The synchronous faults stay unblocked, and the terminal's
    // stop signals are not ours to pass on (tini leaves them out too).
    let mut forwarded = SigSet::all();
    for sig in [
        Signal::SIGFPE,
        Signal::SIGILL,
        Signal::SIGSEGV,
        Signal::SIGBUS,
        Signal::SIGABRT,
        Signal::SIGTRAP,
        Signal::SIGSYS,
        Signal::SIGTTIN,
        Signal::SIGTTOU,
    ] {
        forwarded.remove(sig);
    }
    forwarded
        .thread_block()
        .map_err(|e| format!("sigprocmask: {e}"))?;
    // SAFETY: this process is single-threaded (a fresh re-exec), so the
    // child may run arbitrary code after fork.
    match unsafe { nix::unistd::fork() }.map_err(|e| format!("fork: {e}"))? {
        nix::unistd::ForkResult::Child => {
            let _ = SigSet::empty().thread_set_mask();
            if tty {
                // The process gets its own process group in the terminal's
                // foreground, as tini gives it: ^C then reaches it once,
                // not also through us. SIGTTOU is ignored for the switch,
                // which a background group may otherwise not make.
                // SAFETY: changing and restoring one signal disposition.
                unsafe { libc::signal(libc::SIGTTOU, libc::SIG_IGN) };
                let _ = nix::unistd::setpgid(
                    nix::unistd::Pid::from_raw(0),
                    nix::unistd::Pid::from_raw(0),
                );
                let _ = nix::unistd::tcsetpgrp(std::io::stdin(), nix::unistd::getpgrp());
                // SAFETY: as above.
                unsafe { libc::signal(libc::SIGTTOU, libc::SIG_DFL) };
            }
            Ok(())
        }
        nix::unistd::ForkResult::Parent { child } => {
            // The child owns the sync socket and the stdio from here on:
            // the daemon sees the socket close when the child execs, and
            // the output pipes close when the child (and whoever it gave
            // them to) is done, not when we are.
            // SAFETY: plain syscalls on our own fds.
            unsafe {
                libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32);
                let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
                if null >= 0 {
                    for fd in 0..3 {
                        libc::dup2(null, fd);
                    }
                    if null > 2 {
                        libc::close(null);
                    }
                }
            }
            let code = forward_until_exit(child, &forwarded, true);
            // SAFETY: leave without running atexit handlers.
            unsafe { libc::_exit(code) }
        }
    }
}

/// Forward every signal in `forwarded` (which the caller has blocked) to
/// `child` until it exits, and return its exit status as docker reports
/// it (128 + N when killed by signal N). With `reap_all` (the `--init`
/// PID 1), every other child that ends is reaped on the way.
fn forward_until_exit(child: nix::unistd::Pid, forwarded: &SigSet, reap_all: bool) -> i32 {
    use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
    let target = if reap_all {
        nix::unistd::Pid::from_raw(-1)
    } else {
        child
    };
    loop {
        match forwarded.wait() {
            Ok(Signal::SIGCHLD) | Err(_) => {}
            Ok(sig) => {
                let _ = nix::sys::signal::kill(child, sig);
                continue;
            }
        }
        loop {
            match waitpid(target, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(pid, code)) if pid == child => return code,
                Ok(WaitStatus::Signaled(pid, sig, _)) if pid == child => return 128 + sig as i32,
                // An orphan the init adopted, gone: look for more.
                Ok(WaitStatus::Exited(..) | WaitStatus::Signaled(..)) => continue,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => return 128,
                Ok(_) => break,
            }
        }
    }
}

/// docker's default capabilities (moby `oci/caps/defaults.go`): CHOWN,
/// DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW, SETGID, SETUID, SETFCAP,
/// SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE.
const DEFAULT_CAPS: u64 = 0xa80425fb;

/// Limit the bounding set to the container's capabilities (docker's
/// defaults unless `--cap-add`, `--cap-drop` or `--privileged` changed
/// them; the daemon computes the set as moby's `TweakCapabilities`). For
/// root, execve then grants exactly the bounding set (the kernel treats
/// every file as fully capable for uid 0), so `hostname foo` fails inside
/// as it does under docker; other users get no capabilities at all. This
/// must happen before setuid, which drops the CAP_SETPCAP it needs. A
/// shortcut: runc also sets the inheritable and ambient sets explicitly.
fn drop_capabilities(keep: u64) -> Result<(), String> {
    let last: u32 = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(40);
    for cap in 0..=last {
        if cap < 64 && keep & (1u64 << cap) != 0 {
            continue;
        }
        // SAFETY: plain prctl.
        if unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) } < 0 {
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::EINVAL) {
                return Err(format!("drop capability {cap}: {e}"));
            }
        }
    }
    Ok(())
}

/// Environment as runc and dockerd build it: the given variables, plus
/// PATH, HOSTNAME, HOME (and TERM with a tty) when absent.
fn build_env(given: &[String], hostname: &str, home: &str, tty: bool) -> Vec<String> {
    let mut env: Vec<String> = given.to_vec();
    let has = |env: &[String], k: &str| env.iter().any(|e| e.split('=').next() == Some(k));
    if !has(&env, "PATH") {
        env.push(format!("PATH={DEFAULT_PATH}"));
    }
    if !has(&env, "HOSTNAME") && !hostname.is_empty() {
        env.insert(0, format!("HOSTNAME={hostname}"));
    }
    if tty && !has(&env, "TERM") {
        env.push("TERM=xterm".into());
    }
    if !has(&env, "HOME") {
        env.push(format!("HOME={home}"));
    }
    env
}

/// Go's `exec.LookPath`, which runc uses, with the same error texts.
fn look_path(name: &str, path: &str) -> Result<String, String> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| -> Result<(), &'static str> {
        match std::fs::metadata(p) {
            Err(_) => Err("no such file or directory"),
            Ok(m) if m.is_dir() => Err("permission denied"),
            Ok(m) if m.permissions().mode() & 0o111 == 0 => Err("permission denied"),
            Ok(_) => Ok(()),
        }
    };
    if name.contains('/') {
        return match executable(Path::new(name)) {
            Ok(()) => Ok(name.to_string()),
            Err("permission denied") => Err(format!("exec: \"{name}\": permission denied")),
            Err(e) => Err(format!("exec: \"{name}\": stat {name}: {e}")),
        };
    }
    let mut denied = false;
    for dir in path.split(':') {
        let dir = if dir.is_empty() { "." } else { dir };
        let cand = Path::new(dir).join(name);
        match executable(&cand) {
            Ok(()) => return Ok(cand.to_string_lossy().into_owned()),
            Err("permission denied") => denied = true,
            Err(_) => {}
        }
    }
    if denied {
        Err(format!("exec: \"{name}\": permission denied"))
    } else {
        Err(format!(
            "exec: \"{name}\": executable file not found in $PATH"
        ))
    }
}

/// stdio of the container process: a pty made in the container's own
/// devpts (runc's console socket protocol), or the pipes the daemon sent.
fn setup_stdio(
    sock: RawFd,
    p: &InitProcess,
    fds: Vec<OwnedFd>,
    uid: u32,
    console: bool,
) -> Result<(), String> {
    use nix::fcntl::OFlag;
    if p.tty {
        let master = nix::pty::posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY)
            .map_err(|e| format!("open /dev/ptmx: {e}"))?;
        nix::pty::grantpt(&master).map_err(|e| format!("grantpt: {e}"))?;
        nix::pty::unlockpt(&master).map_err(|e| format!("unlockpt: {e}"))?;
        let name = nix::pty::ptsname_r(&master).map_err(|e| format!("ptsname: {e}"))?;
        let slave = nix::fcntl::open(
            Path::new(&name),
            OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )
        .map_err(|e| format!("open {name}: {e}"))?;
        // The process owns its terminal, whatever user it runs as.
        let _ = nix::unistd::fchown(&slave, Some(nix::unistd::Uid::from_raw(uid)), None);
        if console {
            super::mount::bind_console(&name)?;
        }
        if let Some((h, w)) = p.console_size {
            let _ = super::pty::set_winsize(slave.as_raw_fd(), h, w);
        }
        sync::send(sock, &InitMsg::Console, &[master.as_raw_fd()])
            .map_err(|e| format!("send console: {e}"))?;
        drop(master);
        // SAFETY: make the slave our controlling terminal (we are a session
        // leader after setsid).
        if unsafe { libc::ioctl(slave.as_raw_fd(), libc::TIOCSCTTY, 0) } < 0 {
            return Err(format!("TIOCSCTTY: {}", std::io::Error::last_os_error()));
        }
        for fd in 0..3 {
            dup2(slave.as_raw_fd(), fd)?;
        }
        return Ok(());
    }
    // Pipes: [stdin,] stdout, stderr, in that order.
    let mut it = fds.into_iter();
    let stdin = if p.stdin {
        it.next().ok_or("stdin pipe missing")?
    } else {
        let f = std::fs::File::open("/dev/null").map_err(|e| format!("open /dev/null: {e}"))?;
        OwnedFd::from(f)
    };
    let stdout = it.next().ok_or("stdout pipe missing")?;
    let stderr = it.next().ok_or("stderr pipe missing")?;
    dup2(stdin.as_raw_fd(), 0)?;
    dup2(stdout.as_raw_fd(), 1)?;
    dup2(stderr.as_raw_fd(), 2)?;
    Ok(())
}

fn dup2(from: RawFd, to: RawFd) -> Result<(), String> {
    // SAFETY: plain dup2 on fds we own; the result is fd `to`, without
    // CLOEXEC, which is what stdio needs.
    if unsafe { libc::dup2(from, to) } < 0 {
        return Err(format!("dup2: {}", std::io::Error::last_os_error()));
    }
    Ok(())
}

/// Bring `lo` up in the new network namespace (what libnetwork does for
/// every sandbox). The bridge networks' interfaces are made from outside,
/// by the daemon's side of the runtime (`network.rs`).
fn lo_up() -> Result<(), String> {
    // SAFETY: a plain socket; it is wrapped in an OwnedFd at once.
    let s = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if s < 0 {
        return Err(format!("socket: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: s is a fresh fd we own.
    let s = unsafe { OwnedFd::from_raw_fd(s) };
    // SAFETY: ifreq is plain data; all-zero is a valid value.
    let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
    for (i, b) in b"lo".iter().enumerate() {
        ifr.ifr_name[i] = *b as libc::c_char;
    }
    // SAFETY: SIOCGIFFLAGS/SIOCSIFFLAGS read and write one ifreq.
    unsafe {
        if libc::ioctl(s.as_raw_fd(), libc::SIOCGIFFLAGS, &mut ifr) < 0 {
            return Err(format!(
                "SIOCGIFFLAGS lo: {}",
                std::io::Error::last_os_error()
            ));
        }
        ifr.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        if libc::ioctl(s.as_raw_fd(), libc::SIOCSIFFLAGS, &ifr) < 0 {
            return Err(format!(
                "SIOCSIFFLAGS lo: {}",
                std::io::Error::last_os_error()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// runc's LookPath errors are what docker prints, and decide 127/126.
    #[test]
    fn look_path_errors_match_runc() {
        assert_eq!(
            look_path("nosuchcmd", "/nonexistent").unwrap_err(),
            "exec: \"nosuchcmd\": executable file not found in $PATH"
        );
        assert_eq!(
            look_path("/nonexistent/x", DEFAULT_PATH).unwrap_err(),
            "exec: \"/nonexistent/x\": stat /nonexistent/x: no such file or directory"
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("data");
        std::fs::write(&file, "not a program").unwrap();
        let file = file.to_str().unwrap();
        assert_eq!(
            look_path(file, DEFAULT_PATH).unwrap_err(),
            format!("exec: \"{file}\": permission denied")
        );
        assert_eq!(
            look_path("/", DEFAULT_PATH).unwrap_err(),
            "exec: \"/\": permission denied"
        );
        assert_eq!(
            super::super::exit_code_for_start_error(
                "exec: \"x\": executable file not found in $PATH"
            ),
            127
        );
        assert_eq!(
            super::super::exit_code_for_start_error("exec: \"/tmp\": permission denied"),
            126
        );
        assert_eq!(
            super::super::exit_code_for_start_error("mount /proc: EPERM"),
            128
        );
    }

    /// dockerd and runc add PATH, HOSTNAME, HOME, and TERM with a tty.
    #[test]
    fn env_defaults() {
        let env = build_env(&["A=1".into()], "abc", "/root", true);
        assert!(env.contains(&format!("PATH={DEFAULT_PATH}")));
        assert!(env.contains(&"HOSTNAME=abc".to_string()));
        assert!(env.contains(&"TERM=xterm".to_string()));
        assert!(env.contains(&"HOME=/root".to_string()));
        let env = build_env(&["PATH=/x".into(), "HOME=/h".into()], "abc", "/root", false);
        assert!(env.contains(&"PATH=/x".to_string()) && env.contains(&"HOME=/h".to_string()));
        assert!(!env.iter().any(|e| e.starts_with("TERM=")));
    }
}
