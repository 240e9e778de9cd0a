//! The Linux runtime, driven through its public interface the way the
//! daemon drives it: each test runs a real container (namespaces, overlay
//! rootfs, cgroups) from a tiny busybox rootfs and checks what `docker run`
//! / `docker exec` users see. They need root; without it they print why
//! and pass vacuously.

use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use mini_dockerd::runtime::linux::LinuxRuntime;
use mini_dockerd::runtime::{
    BindMount, ContainerSpec, ExitStatus, NetworkMode, ProcessSpec, Resources, Runtime, Spawned,
};

const CGROUP_PARENT: &str = "mini-docker-test";

/// A busybox rootfs layer and a container dir in a temp dir. Every
/// container made from it is cleaned up when it drops, also when a test
/// fails half-way (cleanup is idempotent and stops leftovers).
struct Fixture {
    tmp: tempfile::TempDir,
    rt: LinuxRuntime,
    made: std::sync::Mutex<Vec<ContainerSpec>>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Ok(made) = self.made.lock() {
            for spec in made.iter() {
                self.rt.cleanup(spec);
            }
        }
    }
}

fn fixture() -> Option<Fixture> {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipping: the Linux runtime needs root");
        return None;
    }
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("busybox-static is not installed (apt-get install -y busybox-static)");
    let tmp = tempfile::tempdir().unwrap();
    let layer = tmp.path().join("layer");
    for d in ["bin", "etc", "tmp", "root"] {
        std::fs::create_dir_all(layer.join(d)).unwrap();
    }
    std::fs::copy(&busybox, layer.join("bin/busybox")).unwrap();
    for applet in [
        "sh", "echo", "cat", "hostname", "id", "ls", "sleep", "ps", "readlink", "tty", "stty",
        "head", "tail", "true", "kill", "pwd", "touch",
    ] {
        std::os::unix::fs::symlink("busybox", layer.join("bin").join(applet)).unwrap();
    }
    std::fs::write(
        layer.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
    )
    .unwrap();
    std::fs::write(layer.join("etc/group"), "root:x:0:\nnogroup:x:65534:\n").unwrap();
    let rt = LinuxRuntime::new(env!("CARGO_BIN_EXE_mini-dockerd").into(), CGROUP_PARENT);
    Some(Fixture {
        tmp,
        rt,
        made: Default::default(),
    })
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Fixture {
    fn spec(&self, args: &[&str]) -> ContainerSpec {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let id = format!("{:08x}{:04x}{}", std::process::id(), n, "c".repeat(52));
        let container_dir = self.tmp.path().join(format!("c{n}"));
        std::fs::create_dir_all(&container_dir).unwrap();
        let spec = ContainerSpec {
            hostname: id[..12].to_string(),
            id,
            layers: vec![self.tmp.path().join("layer")],
            container_dir,
            mounts: vec![],
            network: NetworkMode::Private,
            resources: Resources::default(),
            process: ProcessSpec {
                args: args.iter().map(|s| s.to_string()).collect(),
                env: vec![],
                cwd: "/".into(),
                ..Default::default()
            },
            etc_hosts: "127.0.0.1\tlocalhost\n".into(),
            resolv_conf: "nameserver 192.0.2.1\n".into(),
            readonly_rootfs: false,
            privileged: false,
            ..Default::default()
        };
        self.made.lock().unwrap().push(spec.clone());
        spec
    }
}

/// Read a stream to its end on a blocking thread.
async fn read_all(fd: Option<OwnedFd>) -> String {
    let Some(fd) = fd else { return String::new() };
    tokio::task::spawn_blocking(move || {
        let mut f = std::fs::File::from(fd);
        let mut buf = Vec::new();
        // A pty master reports EIO once the last slave closes: that is EOF.
        let mut chunk = [0u8; 4096];
        loop {
            match f.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
    .await
    .unwrap()
}

/// Run to completion: (stdout, stderr, exit).
async fn run(f: &Fixture, spec: &ContainerSpec) -> (String, String, ExitStatus) {
    let Spawned { io, exit, .. } = f.rt.start(spec).expect("start");
    let (out, err) = tokio::join!(read_all(io.stdout), read_all(io.stderr));
    let status = tokio::time::timeout(Duration::from_secs(10), exit)
        .await
        .expect("container did not exit")
        .unwrap();
    f.rt.cleanup(spec);
    (out, err, status)
}

fn cgroup_dir(controller: &str, id: &str) -> PathBuf {
    Path::new("/sys/fs/cgroup")
        .join(controller)
        .join(CGROUP_PARENT)
        .join(id)
}

/// `docker run busybox echo hi`: output on stdout, exit 0; the process is
/// PID 1 of its own pid namespace, sees only its own processes, and has
/// the container's hostname (the short id by default).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_as_pid_1_in_its_own_namespaces() {
    let Some(f) = fixture() else { return };
    let spec = f.spec(&[
        "sh",
        "-c",
        "echo hello; echo $$; hostname; ls -d /proc/[0-9]* | wc -l",
    ]);
    let (out, err, status) = run(&f, &spec).await;
    assert_eq!(
        status,
        ExitStatus {
            code: 0,
            oom_killed: false
        },
        "stderr: {err}"
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "hello");
    assert_eq!(lines[1], "1", "the container's process is PID 1");
    assert_eq!(lines[2], spec.hostname);
    // sh, ls and wc at most: no host process is visible.
    let visible: u32 = lines[3].trim().parse().unwrap();
    assert!(visible <= 3, "container sees {visible} processes");
}

/// `docker run busybox sh -c 'exit 3'` records exit code 3.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_code_is_propagated() {
    let Some(f) = fixture() else { return };
    let spec = f.spec(&["sh", "-c", "exit 3"]);
    let (_, _, status) = run(&f, &spec).await;
    assert_eq!(status.code, 3);
}

/// `docker run busybox nosuchcmd` fails to start with runc's text and
/// exit code 127; a file that is not executable gives 126.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_executable_is_127_and_not_executable_is_126() {
    let Some(f) = fixture() else { return };
    let spec = f.spec(&["nosuchcmd"]);
    let err = f.rt.start(&spec).err().expect("start must fail");
    assert_eq!(err.exit_code, 127);
    assert_eq!(
        err.message,
        "failed to create shim task: OCI runtime create failed: runc create failed: unable to \
         start container process: exec: \"nosuchcmd\": executable file not found in $PATH: unknown"
    );
    f.rt.cleanup(&spec);
    let spec = f.spec(&["/etc/passwd"]);
    let err = f.rt.start(&spec).err().expect("start must fail");
    assert_eq!(err.exit_code, 126, "{}", err.message);
    assert!(err
        .message
        .contains("exec: \"/etc/passwd\": permission denied"));
    f.rt.cleanup(&spec);
}

/// `docker run -t busybox tty` prints /dev/pts/0 (a pty of the container's
/// own devpts), and `docker resize` (TIOCSWINSZ on the master) changes
/// what `stty size` reports inside.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tty_is_the_containers_own_pty_and_resizes() {
    let Some(f) = fixture() else { return };
    let mut spec = f.spec(&[
        "sh",
        "-c",
        "tty; stty size; read x; stty size; echo TERM=$TERM",
    ]);
    spec.process.tty = true;
    spec.process.console_size = Some((24, 80));
    let Spawned { io, exit, .. } = f.rt.start(&spec).expect("start");
    let master = io.pty.expect("a pty master");
    assert!(io.stdout.is_none() && io.stdin.is_none());
    // Read the master on a thread; resize only once the first size is out.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut reader = std::fs::File::from(master.try_clone().unwrap());
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = reader.read(&mut chunk) {
            if n == 0 || tx.send(chunk[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut out = String::new();
    while !out.contains("24 80") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("no output from the tty")
            .expect("tty closed early");
        out.push_str(&String::from_utf8_lossy(&chunk));
    }
    f.rt.resize(master.as_fd(), 33, 111).unwrap();
    std::fs::File::from(master.try_clone().unwrap())
        .write_all(b"go\n")
        .unwrap();
    while let Some(chunk) = rx.recv().await {
        out.push_str(&String::from_utf8_lossy(&chunk));
    }
    let status = exit.await.unwrap();
    drop(master);
    f.rt.cleanup(&spec);
    assert_eq!(status.code, 0, "{out}");
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    assert_eq!(lines[0], "/dev/pts/0", "{out}");
    assert_eq!(lines[1], "24 80", "{out}");
    assert!(lines.contains(&"33 111"), "{out}");
    assert!(lines.contains(&"TERM=xterm"), "{out}");
}

/// `docker run -m 16m`: a process that allocates past the limit is killed
/// by the kernel's OOM killer; docker reports exit 137 and OOMKilled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_limit_oom_kills() {
    let Some(f) = fixture() else { return };
    // tail keeps a newline-free input in memory until it ends.
    let mut spec = f.spec(&[
        "sh",
        "-c",
        "exec sh -c 'head -c 200000000 /dev/zero | tail'",
    ]);
    spec.resources.memory = 16 << 20;
    spec.resources.memory_swap = 16 << 20;
    let cg = cgroup_dir("memory", &spec.id);
    let Spawned { io, exit, .. } = f.rt.start(&spec).expect("start");
    let limit = std::fs::read_to_string(cg.join("memory.limit_in_bytes")).unwrap_or_default();
    let (_o, _e) = tokio::join!(read_all(io.stdout), read_all(io.stderr));
    let status = tokio::time::timeout(Duration::from_secs(10), exit)
        .await
        .unwrap()
        .unwrap();
    f.rt.cleanup(&spec);
    assert_eq!(limit.trim(), (16u64 << 20).to_string());
    assert_eq!(
        status,
        ExitStatus {
            code: 137,
            oom_killed: true
        }
    );
}

/// `docker run --pids-limit 4`: forks beyond the limit fail inside the
/// container.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pids_limit_stops_forks() {
    let Some(f) = fixture() else { return };
    let mut spec = f.spec(&[
        "sh",
        "-c",
        "for i in 1 2 3 4 5 6; do sleep 30 & done; echo all-forked",
    ]);
    spec.resources.pids_limit = Some(4);
    let (out, err, status) = run(&f, &spec).await;
    // busybox sh gives up on the script when a fork fails (exit 2); its
    // sleeps die with it, as the whole pid namespace does.
    assert_ne!(status.code, 0);
    assert!(!out.contains("all-forked"), "{out}");
    assert!(err.contains("can't fork"), "stderr: {err}");
}

/// `docker exec` joins the running container: PID 1 is the container's
/// process, the hostname is the container's, and the exit code comes
/// back. Then `docker kill` (SIGKILL) ends the container with 137, while
/// SIGTERM alone is ignored by a PID 1 without a handler.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_joins_the_container_and_signals_reach_it() {
    let Some(f) = fixture() else { return };
    let spec = f.spec(&["sleep", "30"]);
    let Spawned {
        pid,
        io: _io,
        mut exit,
    } = f.rt.start(&spec).expect("start");

    let process = ProcessSpec {
        args: ["sh", "-c", "ps -o pid,args; hostname; echo $$; exit 5"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        cwd: "/tmp".into(),
        ..Default::default()
    };
    let e = f.rt.exec(&spec, pid, &process).expect("exec");
    let (out, err) = tokio::join!(read_all(e.io.stdout), read_all(e.io.stderr));
    let code = e.exit.await.unwrap().code;
    assert_eq!(code, 5, "stderr: {err}");
    assert!(
        out.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["1", "sleep", "30"]),
        "{out}"
    );
    assert!(out.lines().any(|l| l == spec.hostname), "{out}");

    let bad = ProcessSpec {
        args: vec!["nosuchcmd".into()],
        ..Default::default()
    };
    let err = f.rt.exec(&spec, pid, &bad).err().expect("exec must fail");
    assert_eq!(err.exit_code, 127);
    assert!(
        err.message.contains("executable file not found in $PATH"),
        "{}",
        err.message
    );

    f.rt.signal(pid, libc::SIGTERM).unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(300), &mut exit)
            .await
            .is_err(),
        "PID 1 without a SIGTERM handler must survive SIGTERM"
    );
    f.rt.signal(pid, libc::SIGKILL).unwrap();
    let status = tokio::time::timeout(Duration::from_secs(5), exit)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code, 137);
    // Once it is gone, exec refuses rather than entering whatever reuses
    // the pid.
    let err =
        f.rt.exec(&spec, pid, &process)
            .err()
            .expect("exec must fail");
    assert!(
        err.message.contains("cannot exec in a stopped container"),
        "{}",
        err.message
    );
    f.rt.cleanup(&spec);
}

/// `-i`, `-v host:ctr:ro` and `-u`: stdin reaches the process, binds are
/// visible (and read-only when asked), the user is switched, and a missing
/// working dir is created, as docker does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdin_binds_user_and_workdir() {
    let Some(f) = fixture() else { return };
    let vol = f.tmp.path().join("vol");
    std::fs::create_dir_all(&vol).unwrap();
    std::fs::write(vol.join("f"), "from-host\n").unwrap();
    let mut spec = f.spec(&[
        "sh",
        "-c",
        "cat; cat /data/f; touch /data/x 2>/dev/null || echo ro; id -u; pwd; cat /etc/hostname",
    ]);
    spec.mounts.push(BindMount {
        source: vol.clone(),
        destination: "/data".into(),
        read_only: true,
        copy_up: false,
    });
    spec.process.stdin = true;
    spec.process.user = "nobody".into();
    spec.process.cwd = "/work/dir".into();
    let Spawned { io, exit, .. } = f.rt.start(&spec).expect("start");
    let mut stdin = std::fs::File::from(io.stdin.unwrap());
    stdin.write_all(b"typed\n").unwrap();
    drop(stdin);
    let (out, err) = tokio::join!(read_all(io.stdout), read_all(io.stderr));
    let status = exit.await.unwrap();
    f.rt.cleanup(&spec);
    assert_eq!(status.code, 0, "{err}");
    let want = format!(
        "typed\nfrom-host\nro\n65534\n/work/dir\n{}\n",
        spec.hostname
    );
    assert_eq!(out, want);
}

/// The resource limits land in the container's own cgroup (under our
/// parent, never dockerd's `/docker`), and after exit cleanup leaves
/// nothing behind: no mount under the container dir, no cgroup directory;
/// it may be called twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_leaves_no_mounts_or_cgroups() {
    let Some(f) = fixture() else { return };
    let mut spec = f.spec(&["true"]);
    spec.resources.memory = 64 << 20;
    spec.resources.nano_cpus = 500_000_000;
    spec.resources.cpu_shares = 512;
    spec.resources.pids_limit = Some(100);
    let Spawned { exit, .. } = f.rt.start(&spec).expect("start");
    // The limits as docker writes them (`--cpus 0.5` = 50ms per 100ms).
    let read = |c: &str, file: &str| {
        std::fs::read_to_string(cgroup_dir(c, &spec.id).join(file))
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    assert_eq!(
        read("memory", "memory.limit_in_bytes"),
        (64u64 << 20).to_string()
    );
    assert_eq!(
        read("memory", "memory.memsw.limit_in_bytes"),
        (128u64 << 20).to_string()
    );
    assert_eq!(read("cpu", "cpu.cfs_period_us"), "100000");
    assert_eq!(read("cpu", "cpu.cfs_quota_us"), "50000");
    assert_eq!(read("cpu", "cpu.shares"), "512");
    assert_eq!(read("pids", "pids.max"), "100");
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let dir = spec.container_dir.to_string_lossy().into_owned();
    assert!(
        mountinfo.contains(&dir),
        "the overlay is mounted while it runs"
    );
    assert_eq!(exit.await.unwrap().code, 0);
    f.rt.cleanup(&spec);
    f.rt.cleanup(&spec);
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mountinfo.contains(&dir), "a mount survived cleanup");
    for c in ["memory", "pids", "cpu", "cpuset", "freezer", "unified"] {
        assert!(
            !cgroup_dir(c, &spec.id).exists(),
            "{c} cgroup survived cleanup"
        );
    }
}

/// docker's default hardening: root in the container lacks CAP_SYS_ADMIN
/// (`hostname foo` is refused), /proc/timer_list is masked and /proc/sys is
/// read-only; /sys/fs/cgroup shows the container's own cgroups, read-only;
/// the private network namespace has only `lo`, up, while `--network host`
/// shares the host's interfaces.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_capabilities_masks_and_network_modes() {
    let Some(f) = fixture() else { return };
    let mut spec = f.spec(&[
        "sh",
        "-c",
        "hostname foo 2>&1; wc -c < /proc/timer_list; (echo x > /proc/sys/kernel/hostname) 2>/dev/null || echo ro-sys; \
         ls /sys/class/net; cat /sys/class/net/lo/operstate; \
         cat /sys/fs/cgroup/memory/memory.limit_in_bytes; \
         (echo 1 > /sys/fs/cgroup/pids/pids.max) 2>/dev/null || echo ro-cgroup",
    ]);
    spec.resources.memory = 32 << 20;
    let (out, err, status) = run(&f, &spec).await;
    assert_eq!(status.code, 0, "{err}");
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    assert!(lines[0].contains("Operation not permitted"), "{out} {err}");
    assert_eq!(lines[1], "0", "/proc/timer_list is masked: {out} {err}");
    assert_eq!(lines[2], "ro-sys", "/proc/sys is read-only: {out}");
    assert_eq!(lines[3], "lo", "only lo in a private netns: {out}");
    assert_ne!(lines[4], "down", "lo is up: {out}");
    assert_eq!(
        lines[5],
        (32u64 << 20).to_string(),
        "own cgroup in /sys/fs/cgroup: {out}"
    );
    assert_eq!(lines[6], "ro-cgroup", "/sys/fs/cgroup is read-only: {out}");

    let mut spec = f.spec(&["ls", "/sys/class/net"]);
    spec.network = NetworkMode::Host;
    let (out, _, status) = run(&f, &spec).await;
    assert_eq!(status.code, 0);
    let host: Vec<String> = std::fs::read_dir("/sys/class/net")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(out.split_whitespace().count(), host.len(), "{out}");
}

/// `docker pause`/`unpause` freeze and thaw the container's cgroup,
/// `docker top` lists the container's processes (only those) with ps's
/// columns, and `docker stats` reads the container's cgroup counters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_resume_and_top() {
    let Some(f) = fixture() else { return };
    let spec = f.spec(&["sleep", "30"]);
    let Spawned { pid, exit, .. } = f.rt.start(&spec).expect("start");
    let (titles, rows) = f.rt.top(&spec, pid, "-ef").unwrap();
    assert_eq!(
        titles,
        ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][1], pid.to_string());
    assert_eq!(rows[0][7], "sleep 30");

    // `docker stats`: the numbers come from the container's cgroup.
    let st = f.rt.stats(&spec).unwrap();
    assert_eq!(st.cgroup_version, "1");
    assert_eq!(st.pids_current, 1, "{st:?}");
    assert!(st.memory_usage > 0 && st.memory_limit > 0, "{st:?}");
    assert!(
        st.cpu_total_ns > 0 && st.system_cpu_ns > 0 && st.online_cpus >= 1,
        "{st:?}"
    );
    assert!(st.memory_stat.contains_key("total_inactive_file"), "{st:?}");

    f.rt.pause(&spec).unwrap();
    let state = cgroup_dir("freezer", &spec.id).join("freezer.state");
    assert_eq!(std::fs::read_to_string(&state).unwrap().trim(), "FROZEN");
    f.rt.resume(&spec).unwrap();
    assert_eq!(std::fs::read_to_string(&state).unwrap().trim(), "THAWED");

    f.rt.signal(pid, libc::SIGKILL).unwrap();
    assert_eq!(exit.await.unwrap().code, 137);
    f.rt.cleanup(&spec);
}

/// `docker exec -t` gets its own pty from the container's devpts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_with_tty() {
    let Some(f) = fixture() else { return };
    let spec = f.spec(&["sleep", "30"]);
    let Spawned { pid, exit, .. } = f.rt.start(&spec).expect("start");
    let process = ProcessSpec {
        args: vec!["sh".into(), "-c".into(), "tty; stty size".into()],
        tty: true,
        console_size: Some((40, 132)),
        ..Default::default()
    };
    let e = f.rt.exec(&spec, pid, &process).expect("exec");
    let out = read_all(e.io.pty).await;
    assert_eq!(e.exit.await.unwrap().code, 0);
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    assert_eq!(lines, ["/dev/pts/0", "40 132"], "{out}");
    f.rt.signal(pid, libc::SIGKILL).unwrap();
    exit.await.unwrap();
    f.rt.cleanup(&spec);
}

/// Images with many layers: the overlay mount options must fit in a page,
/// which dockerd's overlay2 solves with short links; so do we (and the
/// links also carry paths with `,` or `:`, which the options cannot). The
/// top layer wins, as with any union.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_layers_fit_in_the_mount_options() {
    let Some(f) = fixture() else { return };
    let mut spec = f.spec(&["cat", "/etc/which"]);
    for i in 0..40 {
        let layer = f.tmp.path().join(format!(
            "layer-with-a-rather-long-directory-name-to-fill-the-page,and:odd-{i:03}"
        ));
        std::fs::create_dir_all(layer.join("etc")).unwrap();
        std::fs::write(layer.join("etc/which"), format!("layer {i}\n")).unwrap();
        spec.layers.push(layer);
    }
    spec.process.args = vec![
        "sh".into(),
        "-c".into(),
        "cat /etc/which; read x || true".into(),
    ];
    spec.process.stdin = true;
    let Spawned { io, exit, .. } = f.rt.start(&spec).expect("start");
    // Still the overlay, not the copy fallback.
    let rootfs = spec.container_dir.join("rootfs");
    assert!(mini_dockerd::runtime::mount::is_mountpoint(&rootfs));
    drop(io.stdin);
    let (out, err) = tokio::join!(read_all(io.stdout), read_all(io.stderr));
    assert_eq!(exit.await.unwrap().code, 0, "{err}");
    assert_eq!(out, "layer 39\n");
}

/// When overlayfs cannot be used, the rootfs is a copy of the layers
/// (top layer winning, whiteouts honoured), the container runs the same,
/// and cleanup removes the copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_fallback_runs_the_same() {
    let Some(mut f) = fixture() else { return };
    f.rt = LinuxRuntime::new(env!("CARGO_BIN_EXE_mini-dockerd").into(), CGROUP_PARENT)
        .with_rootfs_copy();
    let mut spec = f.spec(&[
        "sh",
        "-c",
        "cat /etc/which; ls /etc/gone 2>&1 || true; echo $$",
    ]);
    let top = f.tmp.path().join("top");
    std::fs::create_dir_all(top.join("etc")).unwrap();
    std::fs::write(top.join("etc/which"), "top\n").unwrap();
    std::fs::write(f.tmp.path().join("layer/etc/which"), "bottom\n").unwrap();
    std::fs::write(f.tmp.path().join("layer/etc/gone"), "deleted above\n").unwrap();
    // An overlay whiteout in the top layer deletes /etc/gone.
    nix::sys::stat::mknod(
        &top.join("etc/gone"),
        nix::sys::stat::SFlag::S_IFCHR,
        nix::sys::stat::Mode::empty(),
        0,
    )
    .unwrap();
    spec.layers.push(top);
    let (out, err, status) = run(&f, &spec).await;
    assert_eq!(status.code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "top");
    assert!(lines[1].contains("No such file"), "{out}");
    assert_eq!(lines[2], "1");
    assert!(
        !spec.container_dir.join("rootfs").exists(),
        "the copy survived cleanup"
    );
}

/// Signals sent to an exec'd process's pid reach it (the exec helper
/// forwards them, as containerd's shim does), and many containers running
/// at once under a multi-threaded tokio runtime each report their own exit
/// code (every exit is reaped through its own pidfd; none is lost).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exec_signals_and_parallel_starts() {
    let Some(f) = fixture() else { return };
    let spec = f.spec(&["sleep", "30"]);
    let Spawned { pid, exit, .. } = f.rt.start(&spec).expect("start");
    let process = ProcessSpec {
        args: vec![
            "sh".into(),
            "-c".into(),
            "trap 'exit 42' TERM; echo ready; while true; do sleep 0.05; done".into(),
        ],
        ..Default::default()
    };
    let e = f.rt.exec(&spec, pid, &process).expect("exec");
    let mut out = std::fs::File::from(e.io.stdout.unwrap());
    let mut buf = [0u8; 6];
    tokio::task::block_in_place(|| out.read_exact(&mut buf)).unwrap();
    assert_eq!(&buf, b"ready\n");
    f.rt.signal(e.pid, libc::SIGTERM).unwrap();
    let code = tokio::time::timeout(Duration::from_secs(5), e.exit)
        .await
        .unwrap()
        .unwrap()
        .code;
    assert_eq!(code, 42);
    f.rt.signal(pid, libc::SIGKILL).unwrap();
    exit.await.unwrap();
    f.rt.cleanup(&spec);

    let specs: Vec<ContainerSpec> = (0..8)
        .map(|i| f.spec(&["sh", "-c", &format!("exit {i}")]))
        .collect();
    let runs = specs.iter().map(|s| {
        let s = s.clone();
        let rt = &f.rt;
        async move {
            let spawned = tokio::task::block_in_place(|| rt.start(&s)).expect("start");
            spawned.exit.await.unwrap().code
        }
    });
    let codes = futures_util::future::join_all(runs).await;
    for s in &specs {
        f.rt.cleanup(s);
    }
    assert_eq!(codes, (0..8).collect::<Vec<i32>>());
}

/// `docker start` of a stopped container finds what it wrote before: the
/// container's layer (the overlay's upper dir) outlives cleanup, while the
/// image layer stays untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeps_the_container_layer() {
    let Some(f) = fixture() else { return };
    let mut spec = f.spec(&["sh", "-c", "echo kept > /root/note; rm /etc/group"]);
    let (_, err, status) = run(&f, &spec).await;
    assert_eq!(status.code, 0, "{err}");
    spec.process.args = vec![
        "sh".into(),
        "-c".into(),
        "cat /root/note; ls /etc/group 2>/dev/null || echo gone".into(),
    ];
    let (out, err, status) = run(&f, &spec).await;
    assert_eq!(status.code, 0, "{err}");
    assert_eq!(out, "kept\ngone\n");
    assert!(
        f.tmp.path().join("layer/etc/group").exists(),
        "the image layer was modified"
    );
    assert!(!f.tmp.path().join("layer/root/note").exists());
}
