//! A mini-dockerd of the test's own, on a temporary socket and data root.
//!
//! Shared by the integration tests (`mod common;` at the top of a test
//! file). The API is small on purpose:
//!
//! - [`TestDaemon::start`] / [`TestDaemon::start_with`]: run the daemon
//!   binary with `-H unix://<tmp>/d.sock --data-root <tmp>/root
//!   --exec-root <tmp>/exec` (plus extra flags) and return once it has
//!   printed its `export DOCKER_HOST=` line, which it prints only after
//!   every listener is bound: no sleeps, no polling;
//! - [`TestDaemon::docker`] runs the docker CLI against it
//!   ([`TestDaemon::docker_ok`] also asserts success and returns stdout);
//! - [`TestDaemon::bollard`] gives a bollard client;
//! - [`TestDaemon::restart`] stops it with SIGTERM (a clean shutdown) and
//!   starts it again on the same data root; [`TestDaemon::crash_and_restart`]
//!   does the same with SIGKILL;
//! - dropping it stops the daemon (SIGTERM, then SIGKILL) and removes the
//!   temporary directory. The daemon's log is at [`TestDaemon::log`].
//!
//! The binary is copied to a private path once per test process before
//! the first start: the target directory may be shared with other builds,
//! and a build finishing in the middle of a test run must not swap the
//! daemon under the tests. `MINI_DOCKERD_BIN=/path/to/mini-dockerd`
//! overrides which binary is used (for a target dir shared by several
//! checkouts: build, copy the binary aside, point the tests at the copy).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long a daemon may take to print its `export DOCKER_HOST=` line.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// See the module documentation.
pub struct TestDaemon {
    /// The unix socket the daemon listens on.
    pub socket: PathBuf,
    /// `unix://<socket>`, the value for `DOCKER_HOST`.
    pub host: String,
    root: tempfile::TempDir,
    child: Child,
    args: Vec<String>,
}

/// The daemon binary, copied once per test process (see the module doc).
fn daemon_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let src = std::env::var_os("MINI_DOCKERD_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_mini-dockerd")));
        let dir = std::env::temp_dir().join(format!("mini-dockerd-tests-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let dst = dir.join("mini-dockerd");
        match std::fs::copy(&src, &dst) {
            Ok(_) => dst,
            Err(_) => src,
        }
    })
}

impl TestDaemon {
    /// Start a daemon with the default flags.
    pub fn start() -> TestDaemon {
        Self::start_with(&[])
    }

    /// Start a daemon with extra command-line flags.
    pub fn start_with(args: &[&str]) -> TestDaemon {
        let root = tempfile::Builder::new()
            .prefix("mdt")
            .tempdir()
            .expect("temp dir");
        let socket = root.path().join("d.sock");
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let child = spawn(root.path(), &socket, &args);
        TestDaemon {
            host: format!("unix://{}", socket.display()),
            socket,
            root,
            child,
            args,
        }
    }

    /// The daemon's `--data-root`.
    pub fn data_root(&self) -> PathBuf {
        self.root.path().join("root")
    }

    /// What the daemon wrote to stderr so far (its log).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.path().join("daemon.log")).unwrap_or_default()
    }

    /// Run the docker CLI against this daemon.
    pub fn docker(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", &self.host)
            .env("DOCKER_CONFIG", self.root.path().join("cli"))
            .env_remove("DOCKER_CONTEXT")
            .env_remove("DOCKER_API_VERSION")
            .stdin(Stdio::null())
            .output()
            .expect("run the docker CLI")
    }

    /// Run the docker CLI, assert it succeeded, return its trimmed stdout.
    pub fn docker_ok(&self, args: &[&str]) -> String {
        let out = self.docker(args);
        assert!(
            out.status.success(),
            "docker {args:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// A bollard client on this daemon's socket.
    pub fn bollard(&self) -> bollard::Docker {
        bollard::Docker::connect_with_unix(
            &self.socket.to_string_lossy(),
            60,
            bollard::API_DEFAULT_VERSION,
        )
        .expect("bollard client")
    }

    /// Whether containers really run (root and the Linux runtime), or the
    /// daemon fell back to the simulated runtime.
    pub fn real_runtime(&self) -> bool {
        self.docker_ok(&["info", "--format", "{{.DefaultRuntime}}"]) == "linux"
    }

    /// Stop the daemon with SIGTERM (it stops its containers first), then
    /// start it again on the same data root.
    pub fn restart(&mut self) {
        self.stop(libc::SIGTERM);
        self.child = spawn(self.root.path(), &self.socket, &self.args);
    }

    /// Kill the daemon with SIGKILL (its containers are left behind), then
    /// start it again on the same data root.
    pub fn crash_and_restart(&mut self) {
        self.stop(libc::SIGKILL);
        self.child = spawn(self.root.path(), &self.socket, &self.args);
    }

    fn stop(&mut self, sig: i32) {
        unsafe {
            libc::kill(self.child.id() as i32, sig);
        }
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return;
                }
            }
        }
    }
}

impl Drop for TestDaemon {
    fn drop(&mut self) {
        // A clean stop, so that containers do not outlive the test.
        self.stop(libc::SIGTERM);
    }
}

/// Start the binary and wait for its `export DOCKER_HOST=` line.
fn spawn(dir: &Path, socket: &Path, extra: &[String]) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("daemon.log"))
        .expect("daemon log");
    let mut child = Command::new(daemon_binary())
        .arg("-H")
        .arg(format!("unix://{}", socket.display()))
        .arg("--data-root")
        .arg(dir.join("root"))
        .arg("--exec-root")
        .arg(dir.join("exec"))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("start mini-dockerd");
    let stdout = child.stdout.take().expect("daemon stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            match line {
                Ok(l) if l.starts_with("export DOCKER_HOST=") => {
                    let _ = tx.send(());
                    break;
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        // Keep draining so the daemon never blocks on a full pipe.
        for _ in lines {}
    });
    if rx.recv_timeout(START_TIMEOUT).is_err() {
        let _ = child.kill();
        let log = std::fs::read_to_string(dir.join("daemon.log")).unwrap_or_default();
        panic!("mini-dockerd did not print its export line; its log:\n{log}");
    }
    child
}
