//! Streams end to end: attach, logs, exec and resize, driven by the real
//! docker CLI (and by hand-written HTTP on a plain unix socket where the
//! exact bytes matter).
//!
//! Each test starts its own daemon on a temporary socket and data root.
//! Tests that need real namespaces (a shell, `ps`, a pseudo-terminal
//! inside the container) print why and return early when the daemon
//! runs the simulated runtime (not root, or no Linux runtime built in).

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::TestDaemon;

/// The CLI's config dir for this daemon (kept inside its temp dir).
fn cli_config(d: &TestDaemon) -> PathBuf {
    d.data_root()
        .parent()
        .map(|p| p.join("cli"))
        .unwrap_or_else(|| d.data_root().join("cli"))
}

/// The docker CLI pointed at `d`, to be given stdin/stdout by the caller.
fn docker_cmd(d: &TestDaemon, args: &[&str]) -> Command {
    let mut c = Command::new("docker");
    c.args(args)
        .env("DOCKER_HOST", &d.host)
        .env("DOCKER_CONFIG", cli_config(d))
        .env_remove("DOCKER_CONTEXT")
        .env_remove("DOCKER_API_VERSION");
    c
}

/// `docker ...`, asserting success; returns stdout exactly (untrimmed:
/// these tests are about bytes).
fn ok(d: &TestDaemon, args: &[&str]) -> String {
    let out = d.docker(args);
    assert!(
        out.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Send raw bytes on a plain unix socket, read the response head (up to
/// the blank line) and then, unless `head_only`, everything until EOF.
fn raw(d: &TestDaemon, request: &str, head_only: bool) -> std::io::Result<(String, Vec<u8>)> {
    let mut s = UnixStream::connect(&d.socket)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.write_all(request.as_bytes())?;
    let (head, mut rest) = read_head(&mut s)?;
    if !head_only {
        let _ = s.read_to_end(&mut rest);
    }
    Ok((head, rest))
}

/// Read from `s` until the end of an HTTP head; returns the head (without
/// the blank line) and the bytes already read past it.
fn read_head(s: &mut UnixStream) -> std::io::Result<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..i]).into_owned();
            return Ok((head, buf[i + 4..].to_vec()));
        }
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "no HTTP head",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

macro_rules! require_real_runtime {
    ($d:expr) => {
        if !$d.real_runtime() {
            eprintln!("skipped: the daemon runs the simulated runtime (containers need root and the Linux runtime)");
            return;
        }
    };
}

/// `docker run --rm busybox echo hi` prints exactly "hi\n" and exits 0:
/// the attach (before start) sees the first output, stdcopy frames are
/// decoded by the CLI, and the stream ends when the container exits.
#[test]
fn run_prints_output_exactly() {
    let d = TestDaemon::start();
    let out = d.docker(&["run", "--rm", "busybox", "echo", "hi"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\n");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Without a TTY, stdout and stderr reach the CLI on separate streams
/// (stdcopy stream bytes 1 and 2).
#[test]
fn run_keeps_stdout_and_stderr_apart() {
    let d = TestDaemon::start();
    require_real_runtime!(d);
    let out = d.docker(&[
        "run",
        "--rm",
        "busybox",
        "sh",
        "-c",
        "echo out; echo err >&2",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "err\n");
    assert_eq!(out.status.code(), Some(0));
}

/// `echo data | docker run -i` forwards the piped stdin, and the CLI's
/// half-close (CloseWrite) closes the container's stdin (StdinOnce), so
/// `cat` ends.
#[test]
fn run_i_forwards_stdin_and_closes_it_on_eof() {
    let d = TestDaemon::start();
    let mut child = docker_cmd(&d, &["run", "-i", "--rm", "busybox", "cat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docker run -i");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"data\n")
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "data\n");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `docker run -t` under a real terminal (`script` gives the CLI a pty,
/// which `stty` sizes to 33x111): the container's stdio is a
/// pseudo-terminal of its own devpts (/dev/pts/0), and its size is the
/// CLI's, set through `ConsoleSize` and `POST /containers/{id}/resize`.
#[test]
fn run_t_gives_the_container_a_sized_pty() {
    let d = TestDaemon::start();
    require_real_runtime!(d);
    let out = Command::new("script")
        .args([
            "-qec",
            "stty rows 33 cols 111; docker run -it --rm busybox sh -c 'tty; stty size'",
            "/dev/null",
        ])
        .env("DOCKER_HOST", &d.host)
        .env("DOCKER_CONFIG", cli_config(&d))
        .run_in_pty();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("/dev/pts/0\r\n"), "got {text:?}");
    assert!(text.contains("33 111\r\n"), "got {text:?}");
}

/// The attach handshake on the wire is dockerd's hand-written head, byte
/// for byte: `HTTP/1.1 101 UPGRADED`, then only Content-Type, Connection
/// and Upgrade (no Date, no Api-Version); then stdout arrives as stdcopy
/// frames (`01 00 00 00` + big-endian size + payload).
#[test]
fn attach_101_head_and_frames_match_dockerd() {
    let d = TestDaemon::start();
    let id = ok(&d, &["create", "busybox", "echo", "hi"])
        .trim()
        .to_string();
    let mut s = UnixStream::connect(&d.socket).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST /v1.41/containers/{id}/attach?stderr=1&stdout=1&stream=1 HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: Docker-Client/28.2.2 (linux)\r\nContent-Length: 0\r\nConnection: Upgrade\r\nContent-Type: text/plain\r\nUpgrade: tcp\r\n\r\n"
    )
    .unwrap();
    let (head, mut rest) = read_head(&mut s).expect("101 head");
    assert_eq!(
        head,
        "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp"
    );
    ok(&d, &["start", &id]);
    let _ = s.read_to_end(&mut rest);
    assert_eq!(rest, [1, 0, 0, 0, 0, 0, 0, 3, b'h', b'i', b'\n']);
}

/// Attach answers 404 with dockerd's JSON error before any hijack.
#[test]
fn attach_unknown_container_is_a_json_404() {
    let d = TestDaemon::start();
    let (head, body) = raw(
        &d,
            "POST /v1.41/containers/nope/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n",
            true,
        )
        .expect("request");
    assert!(head.starts_with("HTTP/1.1 404 Not Found\r\n"), "{head}");
    let _ = body;
}

/// `docker logs` with `--tail` and `--timestamps` (the fixed-width
/// RFC 3339 stamp, nine digits of fraction), and `--since` after the last
/// line giving nothing.
#[test]
fn logs_tail_timestamps_and_since() {
    let d = TestDaemon::start();
    require_real_runtime!(d);
    let id = ok(
        &d,
        &["run", "-d", "busybox", "sh", "-c", "echo a; echo b; echo c"],
    )
    .trim()
    .to_string();
    ok(&d, &["wait", &id]);
    assert_eq!(ok(&d, &["logs", &id]), "a\nb\nc\n");
    assert_eq!(ok(&d, &["logs", "--tail", "2", &id]), "b\nc\n");
    assert_eq!(ok(&d, &["logs", "--tail", "all", &id]), "a\nb\nc\n");
    let ts = ok(&d, &["logs", "--timestamps", "--tail", "1", &id]);
    let (stamp, line) = ts.split_once(' ').expect("stamp and line");
    assert_eq!(line, "c\n");
    assert_eq!(stamp.len(), 30, "fixed-width stamp: {stamp}");
    assert!(
        stamp.ends_with('Z') && stamp.as_bytes()[19] == b'.',
        "{stamp}"
    );
    assert_eq!(
        ok(&d, &["logs", "--since", "2099-01-01T00:00:00Z", &id]),
        ""
    );
}

/// Without a TTY, stdout and stderr lines keep their stream: the CLI
/// splits them again, and `stderr=1` alone over the API gives only stderr
/// frames (stream byte 2).
#[test]
fn logs_keep_and_select_streams() {
    let d = TestDaemon::start();
    require_real_runtime!(d);
    let id = ok(
        &d,
        &["run", "-d", "busybox", "sh", "-c", "echo out; echo err >&2"],
    )
    .trim()
    .to_string();
    ok(&d, &["wait", &id]);
    let out = d.docker(&["logs", &id]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "err\n");
    let (head, body) = raw(
        &d,
            &format!("GET /v1.41/containers/{id}/logs?stderr=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            false,
        )
        .unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    // The body is chunked on the wire; the frame sits inside one chunk.
    let frame = [2u8, 0, 0, 0, 0, 0, 0, 4, b'e', b'r', b'r', b'\n'];
    assert!(
        body.windows(frame.len()).any(|w| w == frame),
        "no stderr frame in {body:?}"
    );
    assert!(!body.windows(4).any(|w| w == b"out\n"));
}

/// The logs checks happen before the 200: neither stream → 400 with
/// dockerd's text; a bad `since` → 400.
#[test]
fn logs_rejects_bad_parameters_before_streaming() {
    let d = TestDaemon::start();
    let id = ok(&d, &["create", "busybox", "echo", "hi"])
        .trim()
        .to_string();
    let (head, body) = raw(
        &d,
        &format!(
            "GET /v1.41/containers/{id}/logs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        ),
        false,
    )
    .unwrap();
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
    assert!(String::from_utf8_lossy(&body)
        .contains("Bad parameters: you must choose at least one stream"));
    let (head, _) = raw(
        &d,
            &format!("GET /v1.41/containers/{id}/logs?stdout=1&since=abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            false,
        )
        .unwrap();
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");
}

/// `docker logs -f` streams new lines as they are written and returns
/// when the container stops.
#[test]
fn logs_follow_ends_when_the_container_stops() {
    let d = TestDaemon::start();
    require_real_runtime!(d);
    let id = ok(
        &d,
        &[
            "run",
            "-d",
            "busybox",
            "sh",
            "-c",
            "echo one; sleep 1; echo two",
        ],
    )
    .trim()
    .to_string();
    let started = Instant::now();
    let out = d.docker(&["logs", "-f", &id]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "one\ntwo\n");
    assert!(started.elapsed() < Duration::from_secs(15));
}

/// `docker exec` returns the process's exit code (read back from
/// `GET /exec/{id}/json`).
#[test]
fn exec_exit_code_is_the_process_exit_code() {
    let d = TestDaemon::start();
    ok(
        &d,
        &["run", "-d", "--name", "web", "busybox", "sleep", "100"],
    );
    let out = d.docker(&["exec", "web", "sh", "-c", "exit 5"]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = d.docker(&["exec", "web", "echo", "in-exec"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "in-exec\n");
    d.docker(&["rm", "-f", "web"]);
}

/// Exec on a stopped container is dockerd's 409, and an unknown exec
/// instance is a 404 `No such exec instance`.
#[test]
fn exec_errors_match_dockerd() {
    let d = TestDaemon::start();
    let id = ok(&d, &["create", "--name", "idle", "busybox", "sleep", "100"])
        .trim()
        .to_string();
    let out = d.docker(&["exec", "idle", "true"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("Container {id} is not running")),
        "{err}"
    );
    let (head, body) = raw(
        &d,
            "POST /v1.41/exec/nope/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
            false,
        )
        .unwrap();
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    assert!(String::from_utf8_lossy(&body).contains("No such exec instance: nope"));
}

/// An exec whose process cannot start (a missing executable, a missing
/// `-w` directory) exits 126, and the runtime's error reaches the CLI as
/// dockerd sends it: written after the hijack into the stdout stream (a
/// stdcopy frame without a TTY), so the CLI prints it on stdout.
#[test]
fn exec_start_failures_exit_126_with_the_error() {
    let d = TestDaemon::start();
    ok(
        &d,
        &["run", "-d", "--name", "web", "busybox", "sleep", "100"],
    );
    for (args, want) in [
        (
            &["exec", "web", "nosuchcmd"][..],
            "OCI runtime exec failed: exec failed: unable to start container process: exec: \"nosuchcmd\": executable file not found in $PATH: unknown",
        ),
        (
            &["exec", "-w", "/nonexist", "web", "true"][..],
            "OCI runtime exec failed: exec failed: unable to start container process: chdir to cwd (\"/nonexist\") set in config.json failed: no such file or directory: unknown",
        ),
    ] {
        let out = d.docker(args);
        assert_eq!(out.status.code(), Some(126), "{args:?}: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), want, "{args:?}");
    }
    d.docker(&["rm", "-f", "web"]);
}

/// `-e`, `-w` and `-u` reach the exec'd process; `ps` inside shows the
/// container's own PID namespace, where PID 1 is the container command.
#[test]
fn exec_env_workdir_user_and_ps() {
    let d = TestDaemon::start();
    require_real_runtime!(d);
    ok(
        &d,
        &["run", "-d", "--name", "web", "busybox", "sleep", "100"],
    );
    assert_eq!(
        ok(
            &d,
            &["exec", "-e", "FOO=bar", "web", "sh", "-c", "echo $FOO"]
        ),
        "bar\n"
    );
    assert_eq!(ok(&d, &["exec", "-w", "/tmp", "web", "pwd"]), "/tmp\n");
    assert_eq!(
        ok(&d, &["exec", "-u", "1000:1000", "web", "id", "-u"]),
        "1000\n"
    );
    let ps = ok(&d, &["exec", "web", "ps"]);
    let first = ps.lines().nth(1).unwrap_or("");
    assert!(
        first.split_whitespace().next() == Some("1") && first.contains("sleep 100"),
        "{ps}"
    );
    d.docker(&["rm", "-f", "web"]);
}

/// `GET /exec/{id}/json` has dockerd's ExecInspect shape, and a detached
/// start answers 200 at once.
#[test]
fn exec_inspect_fields() {
    let d = TestDaemon::start();
    let cid = ok(&d, &["run", "-d", "busybox", "sleep", "100"])
        .trim()
        .to_string();
    let body = r#"{"AttachStdout":true,"AttachStderr":true,"Cmd":["sh","-c","exit 3"]}"#;
    let (head, created) = raw(
        &d,
            &format!("POST /v1.41/containers/{cid}/exec HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()),
            false,
        )
        .unwrap();
    assert!(head.starts_with("HTTP/1.1 201"), "{head}");
    let created: serde_json::Value = serde_json::from_slice(&created).expect("json");
    let eid = created["Id"].as_str().expect("Id").to_string();
    assert_eq!(eid.len(), 64);
    let inspect = |d: &TestDaemon| -> serde_json::Value {
        let (_, b) = raw(
            d,
            &format!("GET /v1.41/exec/{eid}/json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
            false,
        )
        .unwrap();
        serde_json::from_slice(&b).expect("inspect json")
    };
    let before = inspect(&d);
    assert_eq!(before["Running"], false);
    assert_eq!(before["ExitCode"], serde_json::Value::Null);
    assert_eq!(before["ContainerID"], cid.as_str());
    assert_eq!(before["ProcessConfig"]["entrypoint"], "sh");
    assert_eq!(
        before["ProcessConfig"]["arguments"],
        serde_json::json!(["-c", "exit 3"])
    );
    let keys: Vec<&str> = before
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "ID",
        "Running",
        "ExitCode",
        "ProcessConfig",
        "OpenStdin",
        "OpenStderr",
        "OpenStdout",
        "CanRemove",
        "ContainerID",
        "DetachKeys",
        "Pid",
    ] {
        assert!(keys.contains(&k), "missing {k} in {before}");
    }
    let start = r#"{"Detach":true,"Tty":false}"#;
    let (head, _) = raw(
        &d,
            &format!("POST /v1.41/exec/{eid}/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{start}", start.len()),
            false,
        )
        .unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let after = inspect(&d);
        if after["ExitCode"] == 3 {
            assert_eq!(after["Running"], false);
            break;
        }
        assert!(Instant::now() < deadline, "exec never exited: {after}");
        std::thread::sleep(Duration::from_millis(50));
    }
    d.docker(&["rm", "-f", &cid]);
}

/// The exec start handshake: 101 UPGRADED with the three stream headers
/// followed by the middleware headers (dockerd's `WriteSubset`), then
/// stdcopy frames of the exec's output.
#[test]
fn exec_start_101_carries_middleware_headers() {
    let d = TestDaemon::start();
    let cid = ok(&d, &["run", "-d", "busybox", "sleep", "100"])
        .trim()
        .to_string();
    let body = r#"{"AttachStdout":true,"AttachStderr":true,"Cmd":["echo","yo"]}"#;
    let (_, created) = raw(
        &d,
            &format!("POST /v1.41/containers/{cid}/exec HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()),
            false,
        )
        .unwrap();
    let created: serde_json::Value = serde_json::from_slice(&created).expect("json");
    let eid = created["Id"].as_str().expect("Id");
    let start = r#"{"Detach":false,"Tty":false}"#;
    let (head, rest) = raw(
        &d,
            &format!("POST /v1.41/exec/{eid}/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n{start}", start.len()),
            false,
        )
        .unwrap();
    let lines: Vec<&str> = head.split("\r\n").collect();
    assert_eq!(
        &lines[..4],
        [
            "HTTP/1.1 101 UPGRADED",
            "Content-Type: application/vnd.docker.raw-stream",
            "Connection: Upgrade",
            "Upgrade: tcp"
        ]
    );
    // Then the middleware headers, sorted by name as Go's WriteSubset does.
    assert_eq!(lines[4], "Api-Version: 1.41", "{head}");
    assert_eq!(lines[5], "Docker-Experimental: false", "{head}");
    assert_eq!(lines[6], "Ostype: linux", "{head}");
    assert!(lines[7].starts_with("Server: Docker/"), "{head}");
    assert!(!lines.iter().any(|l| l.starts_with("Date:")), "{head}");
    assert_eq!(rest, [1, 0, 0, 0, 0, 0, 0, 3, b'y', b'o', b'\n']);
    d.docker(&["rm", "-f", &cid]);
}

/// bollard accepts our `101 UPGRADED` for attach and exec start, decodes
/// the stdcopy frames, and parses the ExecInspect answer into its own
/// model (a check of the JSON shape by an independent client).
#[tokio::test]
async fn bollard_attach_and_exec() {
    use bollard::container::LogOutput;
    use bollard::exec::{StartExecOptions, StartExecResults};
    use bollard::query_parameters::AttachContainerOptionsBuilder;
    use futures_util::StreamExt;
    let d = TestDaemon::start();
    let docker = d.bollard();
    let id = ok(&d, &["create", "busybox", "echo", "via-bollard"])
        .trim()
        .to_string();
    let attached = docker
        .attach_container(
            &id,
            Some(
                AttachContainerOptionsBuilder::default()
                    .stdout(true)
                    .stderr(true)
                    .stream(true)
                    .build(),
            ),
        )
        .await
        .expect("attach");
    docker.start_container(&id, None).await.expect("start");
    let mut output = attached.output;
    let mut got = Vec::new();
    while let Some(item) = output.next().await {
        match item.expect("frame") {
            LogOutput::StdOut { message } => got.extend_from_slice(&message),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(got, b"via-bollard\n");

    let cid = ok(&d, &["run", "-d", "busybox", "sleep", "100"])
        .trim()
        .to_string();
    let exec = docker
        .create_exec(
            &cid,
            bollard::models::ExecConfig {
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                cmd: Some(vec!["sh".into(), "-c".into(), "echo e1; exit 2".into()]),
                ..Default::default()
            },
        )
        .await
        .expect("create exec");
    let started = docker
        .start_exec(&exec.id, None::<StartExecOptions>)
        .await
        .expect("start exec");
    let StartExecResults::Attached { mut output, .. } = started else {
        panic!("not attached");
    };
    let mut got = Vec::new();
    while let Some(item) = output.next().await {
        if let LogOutput::StdOut { message } = item.expect("frame") {
            got.extend_from_slice(&message);
        }
    }
    let inspect = docker.inspect_exec(&exec.id).await.expect("inspect exec");
    if d.real_runtime() {
        assert_eq!(got, b"e1\n");
        assert_eq!(inspect.exit_code, Some(2));
    }
    assert_eq!(inspect.running, Some(false));
    assert_eq!(inspect.container_id.as_deref(), Some(cid.as_str()));
    d.docker(&["rm", "-f", &cid]);
}

/// Hijacked requests show in the trace as `upgrade` records: `enter` with
/// the 101, `hijacked` when hyper hands the socket over, and `exit` with
/// the bytes each way and the duration when the stream ends.
#[test]
fn trace_reports_the_upgraded_stream() {
    let dir = tempfile::tempdir().expect("tempdir");
    let trace = dir.path().join("trace.jsonl");
    let trace_arg = trace.to_string_lossy().into_owned();
    let d = TestDaemon::start_with(&["--trace-json", &trace_arg]);
    assert_eq!(ok(&d, &["run", "--rm", "busybox", "echo", "hi"]), "hi\n");
    drop(d);
    let text = std::fs::read_to_string(&trace).expect("trace file");
    let records: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|r: &serde_json::Value| r["stage"] == "upgrade")
        .collect();
    let phase = |p: &str| records.iter().find(|r| r["phase"] == p).cloned();
    let enter = phase("enter").expect("upgrade enter");
    assert_eq!(enter["name"], "postContainersAttach");
    assert_eq!(enter["fields"]["status"], 101);
    assert!(records.iter().any(|r| r["name"] == "hijacked"));
    let exit = phase("exit").expect("upgrade exit");
    // One stdcopy frame: 8 header bytes + "hi\n".
    assert_eq!(exit["fields"]["bytes_out"], 11);
    assert!(exit["dur_us"].as_u64().is_some());
}

/// With a TTY, the detach keys (ctrl-p ctrl-q by default) end the attach
/// but leave the container running, as `docker attach` users expect.
#[test]
fn attach_detach_keys_leave_the_container_running() {
    let d = TestDaemon::start();
    require_real_runtime!(d);
    let id = ok(&d, &["run", "-dit", "busybox", "sh"]).trim().to_string();
    let mut s = UnixStream::connect(&d.socket).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST /v1.41/containers/{id}/attach?stdin=1&stdout=1&stderr=1&stream=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
    )
    .unwrap();
    let (head, _) = read_head(&mut s).expect("101");
    assert!(head.starts_with("HTTP/1.1 101 UPGRADED"), "{head}");
    s.write_all(&[0x10, 0x11]).unwrap();
    // The server ends the stream: reads reach EOF (not the timeout).
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).expect("EOF after detach");
    assert_eq!(
        ok(&d, &["inspect", "--format", "{{.State.Running}}", &id]).trim(),
        "true"
    );
    d.docker(&["rm", "-f", &id]);
}

/// `logs=1` replays what the container already printed before the live
/// stream (here: all of it, since it has exited), in stdcopy frames.
#[test]
fn attach_logs_replays_stored_output() {
    let d = TestDaemon::start();
    let id = ok(&d, &["run", "-d", "busybox", "echo", "stored"])
        .trim()
        .to_string();
    ok(&d, &["wait", &id]);
    let (head, body) = raw(
        &d,
        &format!("POST /v1.41/containers/{id}/attach?logs=1&stdout=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"),
        false,
    )
    .unwrap();
    assert!(head.starts_with("HTTP/1.1 101 UPGRADED"), "{head}");
    let mut want = vec![1u8, 0, 0, 0, 0, 0, 0, 7];
    want.extend_from_slice(b"stored\n");
    assert_eq!(body, want);
}

/// Without `Upgrade: tcp`, attach answers `200 OK` with
/// `Content-Type: application/vnd.docker.raw-stream` and streams on the
/// same connection (here with chunked framing, see server/hijack.rs).
#[test]
fn attach_without_upgrade_streams_in_a_200() {
    let d = TestDaemon::start();
    let id = ok(&d, &["run", "-d", "busybox", "echo", "plain"])
        .trim()
        .to_string();
    ok(&d, &["wait", &id]);
    let (head, body) = raw(
        &d,
        &format!("POST /v1.41/containers/{id}/attach?logs=1&stdout=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
        false,
    )
    .unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.contains("Content-Type: application/vnd.docker.raw-stream"),
        "{head}"
    );
    let frame = [
        1u8, 0, 0, 0, 0, 0, 0, 6, b'p', b'l', b'a', b'i', b'n', b'\n',
    ];
    assert!(body.windows(frame.len()).any(|w| w == frame), "{body:?}");
}

/// `docker exec -t` gets a pseudo-terminal of the container's devpts,
/// the CLI's resize reaches it (`POST /exec/{id}/resize`), and the exec's
/// output comes back raw (no stdcopy framing).
#[test]
fn exec_t_gets_a_pty() {
    let d = TestDaemon::start();
    require_real_runtime!(d);
    ok(
        &d,
        &["run", "-d", "--name", "web", "busybox", "sleep", "100"],
    );
    let out = Command::new("script")
        .args([
            "-qec",
            // With API 1.41 the CLI sends the size only by the resize call
            // right after the start, which may land just after the process
            // runs (with dockerd too); the shell polls for it, bounded.
            // busybox's `stty size` prints nothing (and succeeds) while the
            // terminal is still 0x0, so the loop waits for a non-empty size.
            "stty rows 20 cols 70; docker exec -it web sh -c 'tty; i=0; until s=$(stty size 2>/dev/null) && [ -n \"$s\" ] && [ \"$s\" != \"0 0\" ]; do i=$((i+1)); [ $i -gt 200 ] && break; sleep 0.02; done; echo \"$s\"'",
            "/dev/null",
        ])
        .env("DOCKER_HOST", &d.host)
        .env("DOCKER_CONFIG", cli_config(&d))
        .run_in_pty();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("/dev/pts/"), "got {text:?}");
    assert!(text.contains("20 70\r\n"), "got {text:?}");
    d.docker(&["rm", "-f", "web"]);
}

/// Running a command under `script` (bsdutils), which gives it a pseudo-
/// terminal, as a user's terminal would.
trait RunInPty {
    fn run_in_pty(&mut self) -> std::process::Output;
}

impl RunInPty for Command {
    /// `script`'s own stdin stays open (a pipe we hold) until the command
    /// is done. With `/dev/null` there, `script` meets end-of-file at once,
    /// sends it to the terminal and may hang the terminal up before the
    /// command has written everything, which made the pty tests flaky.
    fn run_in_pty(&mut self) -> std::process::Output {
        use std::io::Read;
        let mut child = self
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("script (bsdutils)");
        let stdin = child.stdin.take();
        let mut stdout = Vec::new();
        child
            .stdout
            .take()
            .expect("piped stdout")
            .read_to_end(&mut stdout)
            .expect("read script's output");
        let mut stderr = Vec::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = e.read_to_end(&mut stderr);
        }
        let status = child.wait().expect("wait for script");
        drop(stdin);
        std::process::Output {
            status,
            stdout,
            stderr,
        }
    }
}
