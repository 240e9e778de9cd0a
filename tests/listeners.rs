//! Listeners and the daemon's life cycle: unix sockets, TCP, TLS with
//! client certificates, systemd socket activation, several `-H` at once,
//! SIGTERM and SIGHUP.
//!
//! Mirrors what moby's `daemon/listeners/listeners_linux.go`,
//! go-connections `sockets.NewUnixSocket`, `cmd/dockerd/daemon.go`
//! (`loadListeners`, `setupConfigReloadTrap`, v20.10.24) and
//! `github.com/coreos/go-systemd/activation` do.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{http_over, text, TestDaemon};

/// A TCP port that was free a moment ago (bind to 0, read, release).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET /_ping` over TCP.
fn tcp_ping(addr: &str) -> u16 {
    let s = TcpStream::connect(addr).expect("connecting over TCP");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    http_over(s, "GET", "/_ping", &[], b"").0
}

/// go-connections `NewUnixSocket`: the socket is mode 0660, owned by root
/// and the `docker` group when it exists (here it may not: then dockerd
/// warns and keeps root's group, and so do we).
#[test]
fn unix_socket_mode_and_group() {
    let d = TestDaemon::start();
    let meta = std::fs::metadata(&d.socket).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o660);
    if nix::unistd::geteuid().is_root() {
        assert_eq!(meta.uid(), 0);
    }
    match nix::unistd::Group::from_name("docker").unwrap() {
        Some(g) => assert_eq!(meta.gid(), g.gid.as_raw()),
        None => {
            assert_eq!(meta.gid(), nix::unistd::getgid().as_raw());
            assert!(d.log().contains("group docker not found"), "{}", d.log());
        }
    }
}

/// `-G 4321`: a numeric group is used as the socket's gid as is.
#[test]
fn numeric_group_sets_gid() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipping: chown to another group needs root");
        return;
    }
    let d = TestDaemon::start_with(&["-G", "4321"]);
    assert_eq!(std::fs::metadata(&d.socket).unwrap().gid(), 4321);
}

/// A socket file left by a daemon that died is removed and re-bound.
#[test]
fn stale_socket_is_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("docker.sock");
    drop(UnixListener::bind(&path).unwrap());
    assert!(path.exists(), "a stale socket file");
    let d = TestDaemon::start_in(tmp.path().to_path_buf(), None, &[]).unwrap();
    assert_eq!(d.raw("GET", "/_ping", &[], b"").0, 200);
    assert!(d.log().contains("removed stale socket"), "{}", d.log());
}

/// A second daemon on the socket of a live one refuses to start (exit
/// status non-zero) and says why, instead of stealing the first one's
/// socket; the first keeps serving.
#[test]
fn live_socket_blocks_second_daemon() {
    let first = TestDaemon::start();
    let host = format!("unix://{}", first.socket.display());
    let err = TestDaemon::try_start_with(&["-H", &host]).err();
    let (status, log) = err.expect("the second daemon must not start");
    assert!(status.is_some_and(|s| !s.success()), "{status:?}");
    assert!(log.contains("is in use by a running daemon"), "{log}");
    assert_eq!(first.raw("GET", "/_ping", &[], b"").0, 200);
}

/// Plain TCP on loopback is allowed (with dockerd's warning), and several
/// `-H` work at once: the unix socket and the TCP port both answer.
#[test]
fn tcp_loopback_and_several_hosts() {
    let tmp = tempfile::tempdir().unwrap();
    let sock = tmp.path().join("extra.sock");
    let port = free_port();
    let tcp = format!("tcp://127.0.0.1:{port}");
    let unix = format!("unix://{}", sock.display());
    let d = TestDaemon::start_with(&["-H", &unix, "-H", &tcp]);
    // moby `normalizeHosts` sorts the hosts; the export line names the first.
    assert_eq!(d.host, tcp);
    assert_eq!(tcp_ping(&format!("127.0.0.1:{port}")), 200);
    let s = UnixStream::connect(&sock).unwrap();
    assert_eq!(http_over(s, "GET", "/_ping", &[], b"").0, 200);
    assert!(
        d.log()
            .contains("Binding to IP address without --tlsverify is insecure"),
        "{}",
        d.log()
    );
}

/// A non-loopback address of this machine, if it has one: the source
/// address the kernel would pick to reach a public address (connecting a
/// UDP socket sends nothing).
fn non_loopback_ipv4() -> Option<Ipv4Addr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    match s.local_addr().ok()?.ip() {
        std::net::IpAddr::V4(ip) if !ip.is_loopback() && !ip.is_unspecified() => Some(ip),
        _ => None,
    }
}

/// Plain TCP on a non-loopback address is refused unless `--insecure-tcp`
/// says it is meant (dockerd 20.10 only warns; see src/listeners.rs).
#[test]
fn non_loopback_plain_tcp_needs_insecure_flag() {
    let Some(ip) = non_loopback_ipv4() else {
        eprintln!("skipping: no non-loopback IPv4 address on this machine");
        return;
    };
    let addr = format!("{ip}:{}", free_port());
    let host = format!("tcp://{addr}");
    let (status, log) = TestDaemon::try_start_with(&["-H", &host])
        .err()
        .expect("refused without --insecure-tcp");
    assert!(status.is_some_and(|s| !s.success()));
    assert!(log.contains("refusing to listen on"), "{log}");
    let d = TestDaemon::start_with(&["-H", &host, "--insecure-tcp"]);
    assert_eq!(tcp_ping(&addr), 200);
    assert!(d.log().contains("WITHOUT TLS"), "{}", d.log());
}

/// Run openssl; panic with its stderr when it fails.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("running openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        text(&out.stderr)
    );
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate
/// with CN=alice, made with the openssl CLI (P-256 keys: fast to make).
fn make_certs(dir: &Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509", "-days", "1", "-subj", "/CN=test-ca"];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.pem"]);
    openssl(dir, &ca);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
    for (name, cn) in [("server", "localhost"), ("client", "alice")] {
        let subj = format!("/CN={cn}");
        let key = format!("{name}.key");
        let csr = format!("{name}.csr");
        let mut req = vec!["req", "-subj", subj.as_str()];
        req.extend(ec);
        req.extend(["-keyout", key.as_str(), "-out", csr.as_str()]);
        openssl(dir, &req);
        let pem = format!("{name}.pem");
        let ext = format!("{name}.ext");
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-days",
                "1",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-extfile",
                &ext,
                "-out",
                &pem,
            ],
        );
    }
}

/// `curl` over TLS; returns the HTTP status, or None when the TLS
/// handshake (or anything else) failed.
fn curl_tls(dir: &Path, port: u16, path: &str, with_client_cert: bool) -> Option<u16> {
    let url = format!("https://127.0.0.1:{port}{path}");
    let mut cmd = Command::new("curl");
    cmd.current_dir(dir)
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "10",
        ])
        .args(["--cacert", "ca.pem"]);
    if with_client_cert {
        cmd.args(["--cert", "client.pem", "--key", "client.key"]);
    }
    let out = cmd.arg(&url).output().expect("running curl");
    if !out.status.success() {
        return None;
    }
    text(&out.stdout).trim().parse().ok()
}

/// `--tlsverify`: the TCP listener speaks TLS and requires a client
/// certificate signed by `--tlscacert`. A client without one is refused
/// during the handshake; a client with one is served, and its certificate's
/// common name (`alice`) is the user the authorization policy sees (moby's
/// authz middleware takes `r.TLS.PeerCertificates[0].Subject.CommonName`).
#[test]
fn tls_verify_and_client_identity_in_authz() {
    let have = |bin: &str| {
        Command::new(bin)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !have("openssl") || !have("curl") {
        eprintln!("skipping: openssl and curl are needed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    make_certs(dir);
    std::fs::write(
        dir.join("authz.json"),
        r#"{"rules":[{"action":"deny","path":"/info","users":["alice"],"message":"alice may not read info"}]}"#,
    )
    .unwrap();
    let port = free_port();
    let host = format!("tcp://127.0.0.1:{port}");
    let p = |f: &str| dir.join(f).display().to_string();
    let (ca, cert, key, policy) = (
        p("ca.pem"),
        p("server.pem"),
        p("server.key"),
        p("authz.json"),
    );
    let d = TestDaemon::start_with(&[
        "-H",
        &host,
        "--tlsverify",
        "--tlscacert",
        &ca,
        "--tlscert",
        &cert,
        "--tlskey",
        &key,
        "--authz-policy",
        &policy,
    ]);
    assert_eq!(curl_tls(dir, port, "/_ping", false), None, "no client cert");
    assert_eq!(curl_tls(dir, port, "/_ping", true), Some(200));
    assert_eq!(
        curl_tls(dir, port, "/v1.41/info", true),
        Some(403),
        "alice is denied /info"
    );
    assert_eq!(curl_tls(dir, port, "/v1.41/version", true), Some(200));
    // A plain-HTTP client gets nothing useful from a TLS port.
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut s2 = s.try_clone().unwrap();
    let _ = s2.write_all(b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut buf = Vec::new();
    let _ = (&s).read_to_end(&mut buf);
    assert!(!text(&buf).contains("200 OK"));
    drop(d);
}

/// systemd socket activation (`-H fd://`): the daemon serves on a socket
/// it did not open, passed as fd 3 with `LISTEN_FDS=1` and `LISTEN_PID`
/// set to the daemon's own pid (a `sh -c 'LISTEN_PID=$$ exec ...'`
/// wrapper gives the pid the exec'd daemon will have).
#[test]
fn systemd_socket_activation() {
    let tmp = tempfile::tempdir().unwrap();
    let sock = tmp.path().join("activated.sock");
    let listener = UnixListener::bind(&sock).unwrap();
    let fd = listener.as_raw_fd();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("LISTEN_PID=$$ exec \"$0\" \"$@\"")
        .arg(common::daemon_bin())
        .args(["-H", "fd://", "--bridge", "none", "--data-root"])
        .arg(tmp.path().join("root"))
        .arg("--exec-root")
        .arg(tmp.path().join("exec"))
        .env("LISTEN_FDS", "1")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    // SAFETY: between fork and exec only async-signal-safe calls (dup2,
    // fcntl) run.
    unsafe {
        cmd.pre_exec(move || {
            if fd == 3 {
                // dup2(3, 3) would leave close-on-exec set: clear it.
                if libc::fcntl(3, libc::F_SETFD, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            } else if libc::dup2(fd, 3) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("spawning the activated daemon");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "export DOCKER_HOST=fd://");
    let s = UnixStream::connect(&sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let status = http_over(s, "GET", "/_ping", &[], b"").0;
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 200);
}

/// SIGTERM (moby `trap.Trap` → `cli.stop`): the daemon stops serving,
/// removes its unix socket and exits with status 0.
#[test]
fn sigterm_removes_socket_and_exits_zero() {
    let d = TestDaemon::start();
    let socket = d.socket.clone();
    assert!(socket.exists());
    let status = d.stop();
    assert!(status.success(), "{status:?}");
    assert!(!socket.exists(), "the socket file is removed");
}

/// Read one response with a `Content-Length` off a keep-alive connection.
fn read_one_response(r: &mut BufReader<UnixStream>) -> (u16, String) {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status: u16 = line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut len = 0;
    loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).unwrap();
    (status, text(&body))
}

/// SIGHUP (moby `setupConfigReloadTrap` → `reloadConfig`): with a
/// daemon.json that now says `"debug": true`, the debug request
/// middleware comes on (its `Calling GET /_ping` lines appear in the log)
/// without a restart and without dropping a connection opened before the
/// reload: the mux is swapped behind the live connections.
#[test]
fn sighup_reload_turns_debug_on_live() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("daemon.json");
    std::fs::write(&cfg, r#"{"debug": false}"#).unwrap();
    let d = TestDaemon::start_with(&["--config-file", cfg.to_str().unwrap()]);
    let s = UnixStream::connect(&d.socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut w = s.try_clone().unwrap();
    let mut r = BufReader::new(s);
    let ping = b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n";
    w.write_all(ping).unwrap();
    assert_eq!(read_one_response(&mut r), (200, "OK".to_string()));
    assert!(!d.log().contains("Calling GET /_ping"));

    std::fs::write(&cfg, r#"{"debug": true}"#).unwrap();
    d.signal(nix::sys::signal::Signal::SIGHUP);
    assert!(
        d.wait_for_log(
            "Reloaded configuration: debug=true",
            Duration::from_secs(10)
        ),
        "{}",
        d.log()
    );
    // Same connection, after the reload.
    w.write_all(ping).unwrap();
    assert_eq!(read_one_response(&mut r), (200, "OK".to_string()));
    assert!(
        d.wait_for_log("Calling GET /_ping", Duration::from_secs(5)),
        "{}",
        d.log()
    );
}
