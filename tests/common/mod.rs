//! TestDaemon: a real mini-dockerd on a temporary socket and data root,
//! for integration tests.
//!
//! Mirrors the role of moby's `testutil/daemon` package (v20.10.24), which
//! starts a real dockerd per test with its own `--data-root`, `--exec-root`
//! and socket, waits until it answers, and kills it afterwards. Ours waits
//! for the `export DOCKER_HOST=...` line the daemon prints on stdout once
//! every listener is bound (see `cmd/daemon.rs`), so no test ever polls a
//! socket or sleeps.
//!
//! What a test gets:
//! - [`TestDaemon::start`] / [`TestDaemon::start_with`]: spawn and wait;
//!   [`TestDaemon::try_start_with`] when the start is expected to fail;
//! - [`TestDaemon::docker`]: the stock docker CLI pointed at the daemon
//!   (use [`docker_available`] first; tests print why they skip);
//! - [`TestDaemon::bollard`]: a bollard client pinned to API 1.41;
//! - [`TestDaemon::raw`]: a tiny HTTP/1.1 client over the unix socket that
//!   returns the status, headers and body byte for byte, for exact wire
//!   checks ([`http_over`] does the same over any stream, e.g. TCP);
//! - [`TestDaemon::docker_ok`]: the same, asserting success, returning
//!   the trimmed stdout; [`TestDaemon::real_runtime`]: whether containers
//!   really run (else the daemon uses the simulated runtime);
//! - [`TestDaemon::log`]: everything the daemon wrote to stderr;
//! - [`TestDaemon::restart`], [`TestDaemon::stop`]; dropping the value
//!   kills the daemon and removes its temporary directory.
//!
//! Each test file includes this with `mod common;`; not every file uses
//! every function, hence the `dead_code` allowance.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a daemon may take to bind its listeners.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a stopped daemon may take to exit.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// Read/write timeout of the raw client: no test hangs on a silent daemon.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// The daemon binary cargo built for this test run, or the one named by
/// `MINI_DOCKERD_BIN`: when several checkouts share one target
/// directory, another checkout's build can replace the binary while the
/// tests run; build, copy the binary aside and point the tests at the copy.
pub fn daemon_bin() -> PathBuf {
    std::env::var_os("MINI_DOCKERD_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_mini-dockerd")))
}

/// Whether the docker CLI is on PATH. Tests that need it call this and
/// return early, printing the reason, when it is not.
pub fn docker_available() -> bool {
    let ok = Command::new("docker")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("skipping: the docker CLI is not on PATH");
    }
    ok
}

/// A running mini-dockerd owned by one test.
pub struct TestDaemon {
    /// The unix socket the daemon listens on (when it has one).
    pub socket: PathBuf,
    /// The first `-H` value, as the daemon printed it (`unix://...`).
    pub host: String,
    /// `--data-root`.
    pub root: PathBuf,
    /// The temporary directory that holds the socket, roots and log.
    pub dir: PathBuf,
    /// The daemon's stderr (its log).
    pub log_path: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    child: Option<Child>,
    tmp: Option<tempfile::TempDir>,
}

impl TestDaemon {
    /// A daemon on `<tmp>/docker.sock` with `<tmp>/root` as data root.
    pub fn start() -> TestDaemon {
        Self::start_with(&[])
    }

    /// Like [`TestDaemon::start`], with more flags. If `extra_args` has its
    /// own `-H`/`--host`, no unix socket is added and `host` is the first
    /// one given.
    pub fn start_with(extra_args: &[&str]) -> TestDaemon {
        match Self::try_start_with(extra_args) {
            Ok(d) => d,
            Err((status, log)) => {
                panic!("mini-dockerd did not start ({status:?}); its log:\n{log}")
            }
        }
    }

    /// Start, or return the exit status and log of a daemon that exited
    /// before binding its listeners.
    pub fn try_start_with(extra_args: &[&str]) -> Result<TestDaemon, (Option<ExitStatus>, String)> {
        Self::try_start_with_env(extra_args, &[])
    }

    /// Like [`TestDaemon::start_with`], with extra environment variables
    /// for the daemon (e.g. `MINI_DOCKERD_READ_HEADER_TIMEOUT_MS`).
    pub fn start_with_env(extra_args: &[&str], env: &[(&str, &str)]) -> TestDaemon {
        match Self::try_start_with_env(extra_args, env) {
            Ok(d) => d,
            Err((status, log)) => {
                panic!("mini-dockerd did not start ({status:?}); its log:\n{log}")
            }
        }
    }

    /// [`TestDaemon::try_start_with`] with extra environment variables.
    pub fn try_start_with_env(
        extra_args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<TestDaemon, (Option<ExitStatus>, String)> {
        let tmp = tempfile::Builder::new()
            .prefix("mdtest")
            .tempdir()
            .expect("creating a temporary directory");
        let dir = tmp.path().to_path_buf();
        Self::start_in_env(dir, Some(tmp), extra_args, env)
    }

    /// Start in an existing directory (used by `restart`, and by tests that
    /// want two daemons to share a socket path).
    pub fn start_in(
        dir: PathBuf,
        tmp: Option<tempfile::TempDir>,
        extra_args: &[&str],
    ) -> Result<TestDaemon, (Option<ExitStatus>, String)> {
        Self::start_in_env(dir, tmp, extra_args, &[])
    }

    fn start_in_env(
        dir: PathBuf,
        tmp: Option<tempfile::TempDir>,
        extra_args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<TestDaemon, (Option<ExitStatus>, String)> {
        let socket = dir.join("docker.sock");
        let root = dir.join("root");
        let log_path = dir.join("daemon.log");
        let mut args: Vec<String> = Vec::new();
        let has_host = extra_args
            .iter()
            .any(|a| *a == "-H" || *a == "--host" || a.starts_with("--host="));
        if !has_host {
            args.push("-H".into());
            args.push(format!("unix://{}", socket.display()));
        }
        args.push("--data-root".into());
        args.push(root.display().to_string());
        args.push("--exec-root".into());
        args.push(dir.join("exec").display().to_string());
        // Tests run many daemons at once on one host. Each would set up
        // the same default bridge (mdocker0) and hand out the same
        // addresses on it, so they run without one, as dockerd does with
        // `--bridge none`; the network tests give each daemon its own.
        let names_bridge = extra_args
            .iter()
            .any(|a| *a == "-b" || *a == "--bridge" || a.starts_with("--bridge="));
        if !names_bridge {
            args.push("--bridge".into());
            args.push("none".into());
        }
        args.extend(extra_args.iter().map(|s| s.to_string()));
        let mut d = TestDaemon {
            socket,
            host: String::new(),
            root,
            dir,
            log_path,
            args,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            child: None,
            tmp,
        };
        d.spawn()?;
        Ok(d)
    }

    /// Spawn the child and wait for its `export DOCKER_HOST=` line.
    fn spawn(&mut self) -> Result<(), (Option<ExitStatus>, String)> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .expect("opening the daemon log");
        let mut child = Command::new(daemon_bin())
            .args(&self.args)
            // Plain log lines: tests grep them.
            .env("NO_COLOR", "1")
            .env_remove("DOCKER_HOST")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawning mini-dockerd");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel::<String>();
        // The reader thread hands over the export line, then keeps draining
        // stdout so that a daemon writing there never blocks.
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(host) = line.strip_prefix("export DOCKER_HOST=") {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(host.to_string());
                    }
                }
            }
        });
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(host) => {
                    self.host = host;
                    self.child = Some(child);
                    return Ok(());
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Ok(Some(status)) = child.try_wait() {
                        return Err((Some(status), self.log()));
                    }
                    if Instant::now() > deadline {
                        let _ = child.kill();
                        let _ = child.wait();
                        return Err((None, self.log()));
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // stdout closed without the line: the daemon is exiting.
                    let status = child.wait().ok();
                    return Err((status, self.log()));
                }
            }
        }
    }

    /// The daemon's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// Send a signal to the daemon.
    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        let pid = nix::unistd::Pid::from_raw(self.pid() as i32);
        nix::sys::signal::kill(pid, sig).expect("signalling the daemon");
    }

    /// The daemon's `--data-root` (the `root` field).
    pub fn data_root(&self) -> PathBuf {
        self.root.clone()
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

    /// Whether containers really run (root and the Linux runtime), or the
    /// daemon fell back to the simulated runtime. Tests that need real
    /// namespaces print why and return early when it is false.
    pub fn real_runtime(&self) -> bool {
        self.docker_ok(&["info", "--format", "{{.DefaultRuntime}}"]) == "linux"
    }

    /// Everything the daemon has logged so far (stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Wait (bounded) until the log contains `needle`; returns whether it did.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// The docker CLI with `DOCKER_HOST` set to this daemon and a private
    /// CLI config directory (no contexts or credentials of the machine).
    pub fn docker(&self, args: &[&str]) -> Output {
        self.cli(Command::new("docker"))
            .args(args)
            .output()
            .expect("running docker")
    }

    /// [`TestDaemon::docker`] for a command that could hang if the daemon
    /// misbehaves: coreutils' `timeout` stops the CLI after `secs`, so the
    /// test fails (exit 124) instead of never ending.
    pub fn docker_bounded(&self, secs: u64, args: &[&str]) -> Output {
        let mut cmd = Command::new("timeout");
        cmd.arg(secs.to_string()).arg("docker");
        self.cli(cmd)
            .args(args)
            .output()
            .expect("running timeout docker")
    }

    /// The environment every docker CLI run gets: this daemon, a private
    /// config directory, and none of the caller's context or API pin.
    fn cli(&self, mut cmd: Command) -> Command {
        cmd.env("DOCKER_HOST", &self.host)
            .env("DOCKER_CONFIG", self.dir.join("docker-config"))
            .env_remove("DOCKER_CONTEXT")
            .env_remove("DOCKER_API_VERSION");
        cmd
    }

    /// A bollard client on the unix socket, pinned to API 1.41 (bollard's
    /// default is newer than dockerd 20.10's maximum).
    pub fn bollard(&self) -> bollard::Docker {
        bollard::Docker::connect_with_unix(
            &self.socket.display().to_string(),
            60,
            &bollard::ClientVersion {
                major_version: 1,
                minor_version: 41,
            },
        )
        .expect("bollard client")
    }

    /// One HTTP/1.1 request over the unix socket, with
    /// `Connection: close`; returns the status, the headers in wire order
    /// and the de-chunked body.
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, Headers, Vec<u8>) {
        let stream = UnixStream::connect(&self.socket).expect("connecting to the daemon socket");
        stream.set_read_timeout(Some(IO_TIMEOUT)).ok();
        stream.set_write_timeout(Some(IO_TIMEOUT)).ok();
        http_over(stream, method, path, headers, body)
    }

    /// Open a streaming `GET path` (events, the trace) and read past its
    /// response head, which must say 200; the body is read by the caller,
    /// line by line, with a 10 s read timeout.
    pub fn open_stream(&self, path: &str) -> BufReader<UnixStream> {
        let mut s = UnixStream::connect(&self.socket).expect("connecting to the daemon socket");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut r = BufReader::new(s);
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        assert!(line.starts_with("HTTP/1.1 200"), "{line}");
        loop {
            line.clear();
            r.read_line(&mut line).unwrap();
            if line == "\r\n" {
                return r;
            }
        }
    }

    /// Stop the daemon (SIGTERM) and start it again on the same socket
    /// and data root with the same flags.
    pub fn restart(&mut self) {
        self.terminate();
        if let Err((status, log)) = self.spawn() {
            panic!("mini-dockerd did not restart ({status:?}); its log:\n{log}");
        }
    }

    /// SIGTERM, then wait (bounded) for the exit; returns the exit status.
    pub fn stop(mut self) -> ExitStatus {
        self.terminate().expect("the daemon was running")
    }

    fn terminate(&mut self) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        match wait_bounded(&mut child, STOP_TIMEOUT) {
            Ok(status) => Some(status),
            Err(killed) => killed,
        }
    }
}

/// Wait at most `timeout` for `child` to exit: `Ok` with its status, or,
/// when it did not, `Err` with its status after SIGKILL.
pub fn wait_bounded(
    child: &mut Child,
    timeout: Duration,
) -> Result<ExitStatus, Option<ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Ok(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(child.wait().ok());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

impl Drop for TestDaemon {
    /// Stop the daemon the way an operator would (SIGTERM, then SIGKILL
    /// only if it hangs), so that it stops its containers and the runtime
    /// unmounts their root filesystems and removes their cgroups: a test
    /// leaves nothing behind on the machine.
    fn drop(&mut self) {
        let _ = self.terminate();
        // `tmp` (when we own it) removes the directory as it drops.
        let _ = self.tmp.take();
    }
}

/// Response headers in wire order, with case-insensitive lookup.
#[derive(Debug, Clone, Default)]
pub struct Headers(pub Vec<(String, String)>);

impl Headers {
    /// The first value of `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether `name` is present.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The header names, as sent.
    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(|(k, _)| k.as_str()).collect()
    }
}

/// One HTTP/1.1 request over any stream. `Host: api.moby.localhost` as the
/// docker CLI sends on unix sockets; `Content-Length` when there is a body
/// or the method is POST/PUT; `Connection: close`, so the body ends at EOF
/// when it is neither sized nor chunked.
pub fn http_over<S: Read + Write>(
    mut stream: S,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Headers, Vec<u8>) {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: api.moby.localhost\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" || method == "PUT" {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("Connection: close\r\n\r\n");
    // One write for head and body. A daemon may answer from the head alone
    // (an error that needs no body) and close before reading the body, as
    // Go's server does too; a failed write is then not the test's concern:
    // the answer is already in our receive buffer.
    let mut wire = req.into_bytes();
    wire.extend_from_slice(body);
    let _ = stream.write_all(&wire);
    let mut raw = Vec::new();
    // A daemon that closes early (or a read timeout) still leaves what it sent.
    let _ = stream.read_to_end(&mut raw);
    parse_response(&raw, method == "HEAD")
}

/// Split a raw HTTP/1.1 response into status, headers and body.
pub fn parse_response(raw: &[u8], head_only: bool) -> (u16, Headers, Vec<u8>) {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..end]).to_string();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers = Headers(
        lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect(),
    );
    let rest = &raw[end + 4..];
    if head_only {
        return (status, headers, Vec::new());
    }
    let body = if headers
        .get("Transfer-Encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        dechunk(rest)
    } else if let Some(n) = headers.get("Content-Length").and_then(|v| v.parse().ok()) {
        rest[..usize::min(n, rest.len())].to_vec()
    } else {
        rest.to_vec()
    };
    (status, headers, body)
}

/// Undo `Transfer-Encoding: chunked` (tolerates a cut-off last chunk).
pub fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size_str = String::from_utf8_lossy(&data[..eol]);
        let size_str = size_str.split(';').next().unwrap_or("").trim().to_string();
        let Ok(size) = usize::from_str_radix(&size_str, 16) else {
            break;
        };
        data = &data[eol + 2..];
        if size == 0 {
            break;
        }
        let n = usize::min(size, data.len());
        out.extend_from_slice(&data[..n]);
        if data.len() < size + 2 {
            break;
        }
        data = &data[size + 2..];
    }
    out
}

/// A response body as a string (lossy).
pub fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).to_string()
}

/// A response body as JSON (panics with the body when it is not JSON).
pub fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(body)))
}

/// The trace records of a `--trace-json` file, one JSON object a line.
pub fn read_trace(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}
