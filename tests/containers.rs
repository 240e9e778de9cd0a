//! The container lifecycle end to end: the docker CLI (and bollard, and
//! raw HTTP where the exact status matters) against a mini-dockerd of the
//! test's own.
//!
//! Each test starts its own daemon (tests/common, about 0.1 s) so tests
//! can run in
//! parallel and never see each other's containers. Tests that need real
//! namespaces and cgroups print why and return early when the daemon runs
//! the simulated runtime (not root).

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use common::TestDaemon;

/// One HTTP/1.1 request on the daemon's socket; returns (status code,
/// body). `Connection: close` makes the body end with the connection.
fn raw(d: &TestDaemon, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = UnixStream::connect(&d.socket).expect("connect");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).expect("write");
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).expect("read");
    let text = String::from_utf8_lossy(&resp).to_string();
    let code = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (code, body.to_string())
}

/// `docker inspect -f <format> <name>`.
fn inspect(d: &TestDaemon, name: &str, format: &str) -> String {
    d.docker_ok(&["inspect", "-f", format, name])
}

/// Poll `cond` every 20 ms for at most `secs` seconds.
fn eventually(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// `docker run --rm busybox echo hi` prints `hi`, exits 0, and leaves no
/// container behind (the daemon removes it: `AutoRemove`). `exit 3` in the
/// container is the CLI's exit status (the wait answer's `StatusCode`).
#[test]
fn run_rm_prints_output_and_exit_codes_pass_through() {
    let d = TestDaemon::start();
    let out = d.docker(&["run", "--rm", "busybox", "echo", "hi"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\n");
    let out = d.docker(&["run", "--rm", "busybox", "sh", "-c", "exit 3"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        eventually(5, || d.docker_ok(&["ps", "-aq"]).is_empty()),
        "--rm containers are removed"
    );
}

/// create + start + wait, then inspect: the fields dockerd shows
/// (`_containers_ref1_json.txt`): Name with its slash, Path/Args split from
/// Cmd, the image's id, Config.Hostname = short id, HostConfig.Memory from
/// `-m`, State of an exited container, LogPath under the container dir.
#[test]
fn create_start_wait_and_inspect_fields() {
    let d = TestDaemon::start();
    let id = d.docker_ok(&[
        "create",
        "--name",
        "c1",
        "-m",
        "64m",
        "--label",
        "team=x",
        "-e",
        "A=1",
        "busybox",
        "sh",
        "-c",
        "echo out; exit 7",
    ]);
    assert_eq!(id.len(), 64);
    assert_eq!(inspect(&d, "c1", "{{.State.Status}}"), "created");
    assert_eq!(
        inspect(&d, "c1", "{{.State.StartedAt}}"),
        "0001-01-01T00:00:00Z"
    );
    d.docker_ok(&["start", "c1"]);
    assert_eq!(d.docker_ok(&["wait", "c1"]), "7");
    let v: serde_json::Value =
        serde_json::from_str(&d.docker_ok(&["inspect", "c1"])).expect("inspect JSON");
    let c = &v[0];
    assert_eq!(c["Id"], id.as_str());
    assert_eq!(c["Name"], "/c1");
    assert_eq!(c["Path"], "sh");
    assert_eq!(c["Args"], serde_json::json!(["-c", "echo out; exit 7"]));
    assert_eq!(
        c["Config"]["Cmd"],
        serde_json::json!(["sh", "-c", "echo out; exit 7"])
    );
    assert_eq!(c["Config"]["Hostname"], &id[..12]);
    assert_eq!(c["Config"]["Labels"]["team"], "x");
    assert!(c["Config"]["Env"]
        .as_array()
        .is_some_and(|e| e.iter().any(|x| x == "A=1")));
    assert_eq!(c["HostConfig"]["Memory"], 64 * 1024 * 1024);
    assert_eq!(c["HostConfig"]["NetworkMode"], "default");
    assert_eq!(c["HostConfig"]["RestartPolicy"]["Name"], "no");
    // What the CLI sends as "unset" and dockerd fills in at create
    // (`adaptContainerSettings`, `create_unix.go`, `fixMemorySwappiness`,
    // the API 1.41 `PidsLimit` rule); a plain `docker run` on a real
    // dockerd 20.10.24 shows these values.
    assert_eq!(c["HostConfig"]["IpcMode"], "private");
    assert_eq!(c["HostConfig"]["CgroupnsMode"], "host");
    assert_eq!(c["HostConfig"]["MemorySwappiness"], serde_json::Value::Null);
    assert_eq!(c["HostConfig"]["PidsLimit"], serde_json::Value::Null);
    assert_eq!(c["HostConfig"]["MaskedPaths"][2], "/proc/kcore");
    assert_eq!(c["HostConfig"]["ReadonlyPaths"][3], "/proc/sys");
    // moby `merge`: the CLI's empty `Volumes` takes the image's (none).
    assert_eq!(c["Config"]["Volumes"], serde_json::Value::Null);
    // Keys in moby's struct order, as `docker inspect` on dockerd prints
    // them (typed fields and the client's extra ones interleaved).
    let keys: Vec<&str> = c["HostConfig"]
        .as_object()
        .expect("HostConfig")
        .keys()
        .map(String::as_str)
        .take(9)
        .collect();
    assert_eq!(
        keys,
        [
            "Binds",
            "ContainerIDFile",
            "LogConfig",
            "NetworkMode",
            "PortBindings",
            "RestartPolicy",
            "AutoRemove",
            "VolumeDriver",
            "VolumesFrom"
        ]
    );
    let top: Vec<&str> = c
        .as_object()
        .expect("inspect")
        .keys()
        .map(String::as_str)
        .take(5)
        .collect();
    assert_eq!(top, ["Id", "Created", "Path", "Args", "State"]);
    assert_eq!(c["State"]["Status"], "exited");
    assert_eq!(c["State"]["Running"], false);
    assert_eq!(c["State"]["ExitCode"], 7);
    assert_eq!(c["State"]["Pid"], 0);
    assert!(c["Image"]
        .as_str()
        .is_some_and(|i| i.starts_with("sha256:")));
    assert_eq!(c["Driver"], "overlay2");
    let log_path = c["LogPath"].as_str().expect("LogPath");
    assert!(log_path.ends_with(&format!("{id}/{id}-json.log")));
    let log = std::fs::read_to_string(log_path).expect("json-file log");
    assert!(log.contains(r#""log":"out\n","stream":"stdout""#), "{log}");
}

/// The create errors, with dockerd's statuses and texts: unknown image
/// 404 `No such image: nope:latest`; invalid name 400; name in use 409
/// with the exact "Conflict. The container name ..." text; a malformed
/// body 400.
#[test]
fn create_errors_match_dockerd() {
    let d = TestDaemon::start();
    let (code, body) = raw(
        &d,
        "POST",
        "/v1.41/containers/create",
        r#"{"Image":"nope","Cmd":["true"]}"#,
    );
    assert_eq!(code, 404);
    assert_eq!(body.trim(), r#"{"message":"No such image: nope:latest"}"#);

    let (code, body) = raw(
        &d,
        "POST",
        "/v1.41/containers/create?name=a",
        r#"{"Image":"busybox","Cmd":["true"]}"#,
    );
    assert_eq!(code, 400);
    assert!(
        body.contains("Invalid container name (a), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"),
        "{body}"
    );

    let id = d.docker_ok(&["create", "--name", "web", "busybox", "true"]);
    let out = d.docker(&["create", "--name", "web", "busybox", "true"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains(&format!(
        "Conflict. The container name \"/web\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name."
    )), "{}", stderr(&out));

    // ("No command specified" needs an image without a Cmd; our busybox
    // has `sh`, as Docker Hub's does. The unit tests of daemon/create.rs
    // cover it.)
    let (code, _) = raw(&d, "POST", "/v1.41/containers/create", r#"{"Image": bad"#);
    assert_eq!(code, 400);
    // moby's verifyContainerSettings runs before anything is made: a
    // relative working directory is its 400 (daemon/verify.rs has the rest).
    let (code, body) = raw(
        &d,
        "POST",
        "/v1.41/containers/create",
        r#"{"Image":"busybox","WorkingDir":"rel"}"#,
    );
    assert_eq!(code, 400);
    assert_eq!(
        body.trim(),
        r#"{"message":"the working directory 'rel' is invalid, it needs to be an absolute path"}"#
    );
    let (code, body) = raw(&d, "POST", "/v1.41/containers/create", "");
    assert_eq!(code, 400);
    assert_eq!(
        body.trim(),
        r#"{"message":"got EOF while reading request body"}"#
    );
    // Nothing was left half made by the failures: only "web" exists.
    assert_eq!(d.docker_ok(&["ps", "-aq"]).lines().count(), 1);
}

/// `Cmd` and `Entrypoint` are moby `strslice.StrSlice`s: a client may send
/// one string instead of a list, and dockerd takes it as a list of one
/// (the whole string is the program; it is not split on spaces).
#[test]
fn cmd_and_entrypoint_may_be_one_string() {
    let d = TestDaemon::start();
    let (code, body) = raw(
        &d,
        "POST",
        "/v1.41/containers/create?name=one",
        r#"{"Image":"busybox","Entrypoint":"echo","Cmd":"hi there"}"#,
    );
    assert_eq!(code, 201, "{body}");
    assert_eq!(
        inspect(&d, "one", "{{json .Config.Entrypoint}}"),
        r#"["echo"]"#
    );
    assert_eq!(
        inspect(&d, "one", "{{json .Config.Cmd}}"),
        r#"["hi there"]"#
    );
    assert_eq!(
        inspect(&d, "one", "{{json .Path}} {{json .Args}}"),
        r#""echo" ["hi there"]"#
    );
    let (code, body) = raw(
        &d,
        "POST",
        "/v1.41/containers/create",
        r#"{"Image":"busybox","Cmd":5}"#,
    );
    assert_eq!(code, 400, "{body}");
}

/// `docker run` of a missing executable: the start fails with 400 and the
/// runtime's "executable file not found" text, the CLI exits 127, and the
/// container stays `created` with ExitCode 127 and the error in
/// State.Error (as on the reference dockerd).
#[test]
fn nosuchcmd_exits_127_with_the_error() {
    let d = TestDaemon::start();
    let out = d.docker(&["run", "--name", "nsc", "busybox", "nosuchcmd"]);
    assert_eq!(out.status.code(), Some(127), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("executable file not found"),
        "{}",
        stderr(&out)
    );
    assert_eq!(inspect(&d, "nsc", "{{.State.Status}}"), "created");
    assert_eq!(inspect(&d, "nsc", "{{.State.ExitCode}}"), "127");
    assert!(inspect(&d, "nsc", "{{.State.Error}}").contains("executable file not found"));
    // The CLI's `-d` run also asked to wait for the next exit: the start
    // failure must not answer that wait (dockerd's does not), or the CLI
    // prints "Error waiting for container" beside the start error.
    let out = d.docker(&["run", "-d", "--name", "nsd", "busybox", "nosuchcmd"]);
    assert_eq!(out.status.code(), Some(127), "{}", stderr(&out));
    assert!(!stderr(&out).contains("Error waiting"), "{}", stderr(&out));
}

/// `docker run --rm` of a missing executable: moby's start clean-up
/// removes a `--rm` container whose start failed, which is what the CLI
/// waits for; it exits 127 with the error and nothing is left behind.
/// The removal clears the error (moby `SetRemovalError(nil)`), so the
/// CLI's wait gets none and prints no "Error waiting for container".
///
/// An unknown `--network` fails the same way, at start and not at create
/// (a 404 at create would send the CLI off to pull the image): create
/// succeeds, start answers 404 `network nosuch not found` and leaves the
/// container `created` with exit code 128 and that error.
#[test]
fn rm_run_whose_start_fails_is_removed() {
    let d = TestDaemon::start();
    let out = d.docker_bounded(
        60,
        &["run", "--rm", "--name", "gone", "busybox", "nosuchcmd"],
    );
    assert_eq!(out.status.code(), Some(127), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("executable file not found"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("Error waiting"), "{}", stderr(&out));
    assert_eq!(d.docker_ok(&["ps", "-aq"]), "");

    let out = d.docker_bounded(
        60,
        &["run", "--rm", "--network", "nosuch", "busybox", "true"],
    );
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Error response from daemon: network nosuch not found"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("Unable to find image"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("Error waiting"), "{}", stderr(&out));
    assert_eq!(d.docker_ok(&["ps", "-aq"]), "");
    d.docker_ok(&[
        "create",
        "--name",
        "nn",
        "--network",
        "nosuch",
        "busybox",
        "true",
    ]);
    let (code, body) = raw(&d, "POST", "/v1.41/containers/nn/start", "");
    assert_eq!(code, 404, "{body}");
    assert_eq!(
        inspect(
            &d,
            "nn",
            "{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}"
        ),
        "created 128 network nosuch not found"
    );
}

/// Start of a running container is 304 with no body; a start body longer
/// than 7 bytes is refused (400) on API >= 1.24; `rm` of a running
/// container is 409 with dockerd's text (delete_running.txt), `rm -f`
/// works; wait with a bad condition is 400 `invalid condition: "x"`.
#[test]
fn state_errors_match_dockerd() {
    let d = TestDaemon::start();
    let id = d.docker_ok(&["run", "-d", "--name", "web", "busybox", "sleep", "100"]);
    let (code, body) = raw(&d, "POST", "/v1.41/containers/web/start", "");
    assert_eq!((code, body.as_str()), (304, ""));
    let (code, body) = raw(&d, "POST", "/v1.41/containers/web/start", r#"{"Binds":[]}"#);
    assert_eq!(code, 400);
    assert!(body.contains("starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24"));
    let (code, body) = raw(&d, "POST", "/v1.41/containers/web/wait?condition=x", "");
    assert_eq!(
        (code, body.trim()),
        (400, r#"{"message":"invalid condition: \"x\""}"#)
    );
    let (code, body) = raw(&d, "GET", "/v1.41/containers/nope/json", "");
    assert_eq!(
        (code, body.trim()),
        (404, r#"{"message":"No such container: nope"}"#)
    );

    let out = d.docker(&["rm", "web"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(&format!(
        "You cannot remove a running container {id}. Stop the container before attempting removal or force remove"
    )), "{}", stderr(&out));
    d.docker_ok(&["rm", "-f", "web"]);
    assert!(d.docker_ok(&["ps", "-aq"]).is_empty());
}

/// `run -d --name web sleep 100`, `ps`, `top`, `stop`, `rm`: ps shows it
/// Up with its command; top lists `sleep 100`; stop ends it (sleep as PID
/// 1 ignores SIGTERM, so SIGKILL after `-t 1`: exit 137); stopping again
/// is a no-op; top of a stopped container is 409; events tell the story.
#[test]
fn detached_run_ps_top_stop_rm() {
    let d = TestDaemon::start();
    let id = d.docker_ok(&["run", "-d", "--name", "web", "busybox", "sleep", "100"]);
    let ps = d.docker_ok(&["ps", "--format", "{{.Names}}|{{.Command}}|{{.Status}}"]);
    assert!(ps.starts_with("web|\"sleep 100\"|Up "), "{ps}");
    let top = d.docker_ok(&["top", "web"]);
    assert!(
        top.lines().next().is_some_and(|t| t.contains("PID")),
        "{top}"
    );
    assert!(top.contains("sleep 100"), "{top}");

    d.docker_ok(&["stop", "-t", "1", "web"]);
    assert_eq!(inspect(&d, "web", "{{.State.Status}}"), "exited");
    if d.real_runtime() {
        assert_eq!(inspect(&d, "web", "{{.State.ExitCode}}"), "137");
    }
    let ps = d.docker_ok(&["ps", "-a", "--format", "{{.Status}}"]);
    assert!(ps.starts_with("Exited ("), "{ps}");
    d.docker_ok(&["stop", "web"]);
    let out = d.docker(&["top", "web"]);
    assert!(stderr(&out).contains(&format!("Container {id} is not running")));
    d.docker_ok(&["rm", "web"]);
    // `--until` a second ahead: the CLI sends whole seconds, and an
    // `until` of "now" would cut the events of the current second.
    let until = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|t| t.as_secs() + 1)
        .unwrap_or(0)
        .to_string();
    let events = d.docker_ok(&[
        "events",
        "--since",
        "0",
        "--until",
        &until,
        "--filter",
        &format!("container={id}"),
        "--format",
        "{{.Action}}",
    ]);
    let actions: Vec<&str> = events.lines().collect();
    for a in ["create", "start", "kill", "die", "stop", "destroy"] {
        assert!(actions.contains(&a), "event {a} in {actions:?}");
    }
}

/// `kill -s INT` reaches a process that traps it (exit 5); `kill` of a
/// stopped container is 409 `Cannot kill container: kk: Container <id> is
/// not running` (moby's router wraps every kill error); a bad signal name
/// is a bare 400 `Invalid signal: NOPE` (parsed before the kill), a
/// number Linux lacks is "The linux daemon does not support signal 999",
/// and an unknown container is wrapped too; `restart` gives a new process.
#[test]
fn kill_signal_and_restart() {
    let d = TestDaemon::start();
    let id = d.docker_ok(&[
        "run",
        "-d",
        "--name",
        "kk",
        "busybox",
        "sh",
        "-c",
        "trap 'exit 5' INT; while true; do sleep 0.1; done",
    ]);
    let out = d.docker(&["kill", "-s", "NOPE", "kk"]);
    assert!(
        stderr(&out).contains("Error response from daemon: Invalid signal: NOPE"),
        "{}",
        stderr(&out)
    );
    let out = d.docker(&["kill", "-s", "999", "kk"]);
    assert!(
        stderr(&out)
            .contains("Cannot kill container: kk: The linux daemon does not support signal 999"),
        "{}",
        stderr(&out)
    );
    let out = d.docker(&["kill", "nope"]);
    assert!(
        stderr(&out).contains("Cannot kill container: nope: No such container: nope"),
        "{}",
        stderr(&out)
    );
    // Give the shell a moment to install its trap before we signal it.
    assert!(eventually(5, || inspect(&d, "kk", "{{.State.Running}}") == "true"));
    std::thread::sleep(Duration::from_millis(300));
    d.docker_ok(&["kill", "-s", "INT", "kk"]);
    assert!(eventually(5, || inspect(&d, "kk", "{{.State.Status}}") == "exited"));
    assert_eq!(inspect(&d, "kk", "{{.State.ExitCode}}"), "5");
    let out = d.docker(&["kill", "kk"]);
    assert!(
        stderr(&out).contains(&format!(
            "Cannot kill container: kk: Container {id} is not running"
        )),
        "{}",
        stderr(&out)
    );

    d.docker_ok(&["run", "-d", "--name", "rr", "busybox", "sleep", "100"]);
    let pid1 = inspect(&d, "rr", "{{.State.Pid}}");
    d.docker_ok(&["restart", "-t", "0", "rr"]);
    assert_eq!(inspect(&d, "rr", "{{.State.Status}}"), "running");
    assert_ne!(inspect(&d, "rr", "{{.State.Pid}}"), pid1);
    d.docker_ok(&["rm", "-f", "rr"]);
}

/// rename: the new name resolves, the old one is 404, a taken name is 409,
/// an invalid one 400; both with dockerd's "Error when allocating new
/// name: " in front, and the invalid name with the `/` moby adds first.
#[test]
fn rename_rules() {
    let d = TestDaemon::start();
    d.docker_ok(&["create", "--name", "web", "busybox", "true"]);
    d.docker_ok(&["create", "--name", "other", "busybox", "true"]);
    d.docker_ok(&["rename", "web", "web2"]);
    assert_eq!(inspect(&d, "web2", "{{.Name}}"), "/web2");
    let (code, _) = raw(&d, "GET", "/v1.41/containers/web/json", "");
    assert_eq!(code, 404);
    let out = d.docker(&["rename", "web2", "other"]);
    assert!(
        stderr(&out).contains(
            "Error when allocating new name: Conflict. The container name \"/other\" is already in use"
        ),
        "{}",
        stderr(&out)
    );
    let out = d.docker(&["rename", "web2", "b@d"]);
    assert!(
        stderr(&out).contains(
            "Error response from daemon: Error when allocating new name: Invalid container name (/b@d), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
        ),
        "{}",
        stderr(&out)
    );
}

/// `ps` filters (status, label, name, id, exited, ancestor), `-n`, and
/// prune (which removes only stopped containers and reports their ids).
#[test]
fn list_filters_and_prune() {
    let d = TestDaemon::start();
    d.docker_ok(&["run", "--name", "ok0", "--label", "k=v", "busybox", "true"]);
    d.docker_ok(&["create", "--name", "fresh", "busybox", "true"]);
    let out = d.docker(&["run", "--name", "bad1", "busybox", "sh", "-c", "exit 1"]);
    assert_eq!(out.status.code(), Some(1));
    d.docker_ok(&[
        "run", "-d", "--name", "up", "--label", "k=w", "busybox", "sleep", "100",
    ]);

    let names = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["ps", "--format", "{{.Names}}"];
        a.extend_from_slice(args);
        let mut v: Vec<String> = d.docker_ok(&a).lines().map(String::from).collect();
        v.sort();
        v
    };
    assert_eq!(names(&[]), ["up"]);
    assert_eq!(names(&["-a"]).len(), 4);
    assert_eq!(names(&["--filter", "status=exited"]), ["bad1", "ok0"]);
    assert_eq!(names(&["--filter", "status=created"]), ["fresh"]);
    assert_eq!(names(&["-a", "--filter", "label=k=v"]), ["ok0"]);
    assert_eq!(names(&["-a", "--filter", "label=k"]), ["ok0", "up"]);
    assert_eq!(names(&["-a", "--filter", "name=fre"]), ["fresh"]);
    assert_eq!(names(&["-a", "--filter", "exited=1"]), ["bad1"]);
    assert_eq!(names(&["-a", "--filter", "ancestor=busybox"]).len(), 4);
    assert_eq!(names(&["-n", "1"]), ["up"]);
    let (code, _) = raw(
        &d,
        "GET",
        "/v1.41/containers/json?filters=%7B%22status%22%3A%5B%22nope%22%5D%7D",
        "",
    );
    assert_eq!(code, 400);

    let out = d.docker_ok(&["container", "prune", "-f"]);
    assert!(out.starts_with("Deleted Containers:"), "{out}");
    assert_eq!(out.lines().filter(|l| l.len() == 64).count(), 3, "{out}");
    assert_eq!(names(&["-a"]), ["up"]);
    d.docker_ok(&["rm", "-f", "up"]);
}

/// `--restart on-failure:2`: a container that always fails is started
/// again twice, then left exited with RestartCount 2 (moby's restart
/// manager); `docker ps -a` counts it in /info.
#[test]
fn restart_policy_on_failure_counts_retries() {
    let d = TestDaemon::start();
    d.docker_ok(&[
        "run",
        "-d",
        "--name",
        "flaky",
        "--restart",
        "on-failure:2",
        "busybox",
        "sh",
        "-c",
        "exit 1",
    ]);
    assert!(
        eventually(15, || inspect(
            &d,
            "flaky",
            "{{.State.Status}} {{.RestartCount}}"
        ) == "exited 2"),
        "state: {}",
        inspect(&d, "flaky", "{{.State.Status}} {{.RestartCount}}")
    );
    assert_eq!(inspect(&d, "flaky", "{{.State.ExitCode}}"), "1");
    assert_eq!(
        d.docker_ok(&["info", "--format", "{{.Containers}} {{.ContainersStopped}}"]),
        "1 1"
    );
}

/// Containers survive a daemon restart. A clean restart (SIGTERM) stops
/// the running container first, so it comes back Exited with its real
/// code; after a crash (SIGKILL) the running container comes back Exited
/// with a reason in State.Error (see daemon/restore.rs). Names stay
/// reserved.
#[test]
fn daemon_restart_keeps_containers() {
    let mut d = TestDaemon::start();
    d.docker_ok(&["run", "--name", "done", "busybox", "true"]);
    d.docker_ok(&["run", "-d", "--name", "up", "busybox", "sleep", "100"]);
    d.restart();
    assert_eq!(
        inspect(&d, "done", "{{.State.Status}} {{.State.ExitCode}}"),
        "exited 0"
    );
    assert_eq!(inspect(&d, "up", "{{.State.Status}}"), "exited");
    assert_eq!(inspect(&d, "up", "{{.State.Error}}"), "");
    let out = d.docker(&["create", "--name", "up", "busybox", "true"]);
    assert!(
        stderr(&out).contains("is already in use"),
        "{}",
        stderr(&out)
    );

    d.docker_ok(&["start", "up"]);
    d.signal(nix::sys::signal::Signal::SIGKILL);
    d.restart();
    assert_eq!(inspect(&d, "up", "{{.State.Status}}"), "exited");
    let code = inspect(&d, "up", "{{.State.ExitCode}}");
    assert!(code == "137" || code == "255", "{code}");
    assert!(!inspect(&d, "up", "{{.State.Error}}").is_empty());
    assert_eq!(d.docker_ok(&["ps", "-aq"]).lines().count(), 2);
}

/// Isolation, on the real runtime: the command is PID 1, the hostname is
/// the short id, `--network none` has only `lo`, and `-m 64m` is the
/// memory cgroup's limit on the host (`/sys/fs/cgroup/memory/mini-docker/<id>`).
#[test]
fn isolation_pid_hostname_network_memory() {
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipped: the daemon runs the simulated runtime (not root?)");
        return;
    }
    let out = d.docker_ok(&[
        "run",
        "--name",
        "iso",
        "busybox",
        "sh",
        "-c",
        "echo $$; hostname",
    ]);
    let id = inspect(&d, "iso", "{{.Id}}");
    assert_eq!(out, format!("1\n{}", &id[..12]));

    let net = d.docker_ok(&[
        "run",
        "--rm",
        "--network",
        "none",
        "busybox",
        "cat",
        "/proc/net/dev",
    ]);
    let ifaces: Vec<&str> = net
        .lines()
        .skip(2)
        .map(|l| l.split(':').next().unwrap_or("").trim())
        .collect();
    assert_eq!(ifaces, ["lo"]);

    let id = d.docker_ok(&["run", "-d", "-m", "64m", "busybox", "sleep", "100"]);
    let limit = std::fs::read_to_string(format!(
        "/sys/fs/cgroup/memory/mini-docker/{id}/memory.limit_in_bytes"
    ));
    match limit {
        Ok(l) => assert_eq!(l.trim(), "67108864"),
        Err(e) => eprintln!("no v1 memory cgroup to check ({e})"),
    }
    d.docker_ok(&["rm", "-f", &id]);
}

/// bollard drives the same API: create with a HostConfig, start, wait for
/// the exit code, inspect, remove.
#[tokio::test]
async fn bollard_create_start_wait_remove() {
    use bollard::query_parameters::{
        CreateContainerOptionsBuilder, RemoveContainerOptionsBuilder, WaitContainerOptionsBuilder,
    };
    use futures_util::StreamExt;
    let d = TestDaemon::start();
    let docker = d.bollard();
    let body = bollard::models::ContainerCreateBody {
        image: Some("busybox".into()),
        cmd: Some(vec!["sh".into(), "-c".into(), "exit 4".into()]),
        host_config: Some(bollard::models::HostConfig {
            memory: Some(32 * 1024 * 1024),
            ..Default::default()
        }),
        ..Default::default()
    };
    let created = docker
        .create_container(
            Some(CreateContainerOptionsBuilder::new().name("b1").build()),
            body,
        )
        .await
        .expect("create");
    assert!(created.warnings.is_empty());
    docker.start_container("b1", None).await.expect("start");
    let mut wait = docker.wait_container(
        "b1",
        Some(
            WaitContainerOptionsBuilder::new()
                .condition("not-running")
                .build(),
        ),
    );
    // bollard reports a non-zero exit as an error carrying the code.
    let code = match wait.next().await {
        Some(Ok(r)) => r.status_code,
        Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => code,
        other => panic!("wait: {other:?}"),
    };
    assert_eq!(code, 4);
    let info = docker.inspect_container("b1", None).await.expect("inspect");
    assert_eq!(
        info.host_config.and_then(|h| h.memory),
        Some(32 * 1024 * 1024)
    );
    docker
        .remove_container(
            "b1",
            Some(RemoveContainerOptionsBuilder::new().force(true).build()),
        )
        .await
        .expect("remove");
}

/// pause/unpause (the Status column says "(Paused)"; pausing twice is 409),
/// update (the new limit is in inspect; a running container gets a warning
/// that it applies at the next start), `stats --no-stream` (the memory
/// limit is the cgroup's), and `kill` or `rm -f` of a paused container.
#[test]
fn pause_update_and_stats() {
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipped: the daemon runs the simulated runtime (not root?)");
        return;
    }
    let id = d.docker_ok(&[
        "run", "-d", "--name", "web", "-m", "64m", "busybox", "sleep", "100",
    ]);
    d.docker_ok(&["pause", "web"]);
    assert!(d
        .docker_ok(&["ps", "--format", "{{.Status}}"])
        .ends_with("(Paused)"));
    let out = d.docker(&["pause", "web"]);
    assert!(
        stderr(&out).contains(&format!("Container {id} is already paused")),
        "{}",
        stderr(&out)
    );
    d.docker_ok(&["unpause", "web"]);
    assert_eq!(inspect(&d, "web", "{{.State.Status}}"), "running");

    let stats = d.docker_ok(&[
        "stats",
        "--no-stream",
        "--format",
        "{{.Name}} {{.MemUsage}}",
        "web",
    ]);
    assert!(
        stats.starts_with("web ") && stats.ends_with("/ 64MiB"),
        "{stats}"
    );
    // Without a limit the cgroup's is a huge number; dockerd reports the
    // host's memory instead (moby `statsV1`/`statsV2`), as `/info` does.
    d.docker_ok(&["run", "-d", "--name", "nolimit", "busybox", "sleep", "100"]);
    let (_, _, body) = d.raw(
        "GET",
        "/v1.41/containers/nolimit/stats?stream=0&one-shot=1",
        &[],
        b"",
    );
    let limit = common::json(&body)["memory_stats"]["limit"].clone();
    let (_, _, info) = d.raw("GET", "/v1.41/info", &[], b"");
    assert_eq!(limit, common::json(&info)["MemTotal"]);
    d.docker_ok(&["rm", "-f", "nolimit"]);

    // `docker update` of a running container changes its cgroup at once
    // (moby `update` → containerd `UpdateResources`): the CLI prints only
    // the name (no warnings), and stats show the new limit.
    let out = d.docker(&[
        "update",
        "--memory",
        "128m",
        "--memory-swap",
        "256m",
        "--pids-limit",
        "50",
        "web",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "web");
    assert_eq!(
        inspect(&d, "web", "{{.HostConfig.Memory}}"),
        (128 * 1024 * 1024).to_string()
    );
    let stats = d.docker_ok(&["stats", "--no-stream", "--format", "{{.MemUsage}}", "web"]);
    assert!(stats.ends_with("/ 128MiB"), "{stats}");
    let (_, _, body) = d.raw(
        "GET",
        "/v1.41/containers/web/stats?stream=0&one-shot=1",
        &[],
        b"",
    );
    assert_eq!(common::json(&body)["pids_stats"]["limit"], 50);
    // A paused container can be killed (and so removed by force) at once:
    // the kill thaws its frozen process, as moby's killWithSignal does.
    d.docker_ok(&["pause", "web"]);
    let started = std::time::Instant::now();
    d.docker_ok(&["kill", "web"]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(inspect(&d, "web", "{{.State.Status}}"), "exited");
    assert_eq!(inspect(&d, "web", "{{.State.ExitCode}}"), "137");
    d.docker_ok(&["start", "web"]);
    d.docker_ok(&["pause", "web"]);
    d.docker_ok(&["rm", "-f", "web"]);
    assert_eq!(d.docker_ok(&["ps", "-aq"]), "");
}

/// Restart policies across a daemon restart (moby `restore`): an `always`
/// container is started again; an `unless-stopped` one that was stopped by
/// hand stays stopped. `rm -f` of a container between two restarts of a
/// crash loop cancels the loop.
#[test]
fn restart_policies_across_daemon_restart() {
    let mut d = TestDaemon::start();
    d.docker_ok(&[
        "run",
        "-d",
        "--name",
        "always",
        "--restart",
        "always",
        "busybox",
        "sleep",
        "100",
    ]);
    d.docker_ok(&[
        "run",
        "-d",
        "--name",
        "manual",
        "--restart",
        "unless-stopped",
        "busybox",
        "sleep",
        "100",
    ]);
    d.docker_ok(&["stop", "-t", "0", "manual"]);
    d.restart();
    assert!(eventually(10, || inspect(
        &d,
        "always",
        "{{.State.Status}}"
    ) == "running"));
    assert_eq!(inspect(&d, "manual", "{{.State.Status}}"), "exited");

    d.docker_ok(&[
        "run",
        "-d",
        "--name",
        "loop",
        "--restart",
        "always",
        "busybox",
        "sh",
        "-c",
        "exit 1",
    ]);
    assert!(eventually(10, || inspect(&d, "loop", "{{.RestartCount}}") != "0"));
    d.docker_ok(&["rm", "-f", "loop", "always", "manual"]);
    assert!(d.docker_ok(&["ps", "-aq"]).is_empty());
}

/// `-v name:/path` uses (and creates) a named volume whose files outlive
/// the container, and a container that uses it makes `volume rm` a 409;
/// `-v /host:/path:ro` binds a host directory read-only; inspect lists
/// both under `Mounts`.
#[test]
fn volumes_and_binds() {
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipped: the daemon runs the simulated runtime (not root?)");
        return;
    }
    d.docker_ok(&[
        "run",
        "--rm",
        "-v",
        "v1:/data",
        "busybox",
        "sh",
        "-c",
        "echo x > /data/f",
    ]);
    assert_eq!(
        d.docker_ok(&["run", "--rm", "-v", "v1:/data", "busybox", "cat", "/data/f"]),
        "x"
    );

    let host = d.dir.join("hostdir");
    std::fs::create_dir_all(&host).expect("host dir");
    std::fs::write(host.join("h"), "from host").expect("host file");
    let bind = format!("{}:/h:ro", host.display());
    d.docker_ok(&[
        "create", "--name", "user", "-v", "v1:/data", "-v", &bind, "busybox", "true",
    ]);
    let out = d.docker(&["volume", "rm", "v1"]);
    assert!(!out.status.success(), "a volume in use is not removed");
    let mounts = inspect(
        &d,
        "user",
        "{{range .Mounts}}{{.Type}}:{{.Destination}}:{{.RW}} {{end}}",
    );
    assert_eq!(mounts.trim(), "volume:/data:true bind:/h:false");
    let out = d.docker_ok(&[
        "run",
        "--rm",
        "-v",
        &bind,
        "busybox",
        "sh",
        "-c",
        "cat /h/h; touch /h/x 2>/dev/null || echo ro",
    ]);
    assert_eq!(out, "from hostro");
    d.docker_ok(&["rm", "user"]);
    d.docker_ok(&["volume", "rm", "v1"]);
}

/// The entry names of a tar.
fn tar_names(data: &[u8]) -> Vec<String> {
    tar::Archive::new(data)
        .entries()
        .expect("a tar")
        .map(|e| {
            e.expect("an entry")
                .path()
                .expect("a path")
                .display()
                .to_string()
        })
        .collect()
}

/// A tar of one file `name` holding `content`. The name is written as
/// given, `..` and all (the tar crate's own setter refuses those, as a
/// careful client would; a hostile one does not).
fn tar_of(name: &str, content: &[u8]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_old();
    h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
    h.set_size(content.len() as u64);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    b.append(&h, content).expect("append");
    b.into_inner().expect("tar")
}

/// How many mounts under the test's directory the host has.
fn mounts_under(d: &TestDaemon) -> usize {
    let dir = d.dir.display().to_string();
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .filter(|l| l.split(' ').nth(4).is_some_and(|m| m.starts_with(&dir)))
        .count()
}

/// `docker cp` both ways, as dockerd does it (moby `daemon/archive.go`):
/// into and out of a running container, its volumes and the `/etc` files
/// the daemon binds in included; out of and into a stopped one, whose
/// rootfs is mounted only for the copy; a symlink copied as a symlink, or
/// followed with `-L`; and dockerd's errors for a missing path and for a
/// file where a directory must be.
#[test]
fn docker_cp_both_ways() {
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipped: the daemon runs the simulated runtime (not root?)");
        return;
    }
    let work = d.dir.join("cp");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("up.txt"), "uploaded\n").unwrap();
    let w = |p: &str| work.join(p).display().to_string();
    d.docker_ok(&[
        "run",
        "-d",
        "--name",
        "c1",
        "--hostname",
        "cphost",
        "-v",
        "cpvol:/data",
        "busybox",
        "sleep",
        "1000",
    ]);

    d.docker_ok(&["cp", &w("up.txt"), "c1:/tmp/"]);
    assert_eq!(
        d.docker_ok(&["exec", "c1", "cat", "/tmp/up.txt"]),
        "uploaded"
    );
    d.docker_ok(&["cp", &w("up.txt"), "c1:/data/in-volume.txt"]);
    assert_eq!(
        d.docker_ok(&["exec", "c1", "cat", "/data/in-volume.txt"]),
        "uploaded"
    );
    d.docker_ok(&["cp", "c1:/etc/hostname", &w("hostname")]);
    assert_eq!(
        std::fs::read_to_string(work.join("hostname")).unwrap(),
        "cphost\n"
    );
    d.docker_ok(&["cp", "c1:/etc", &w("etc")]);
    assert!(work.join("etc/passwd").is_file());
    d.docker_ok(&["cp", "c1:/bin/sh", &w("sh-link")]);
    assert!(std::fs::symlink_metadata(work.join("sh-link"))
        .unwrap()
        .file_type()
        .is_symlink());
    d.docker_ok(&["cp", "-L", "c1:/bin/sh", &w("sh-real")]);
    assert!(std::fs::symlink_metadata(work.join("sh-real"))
        .unwrap()
        .is_file());

    let out = d.docker(&["cp", "c1:/nonexist", &w("z")]);
    assert!(
        stderr(&out).contains("Could not find the file /nonexist in container c1"),
        "{}",
        stderr(&out)
    );
    let out = d.docker(&["cp", &w("up.txt"), "c1:/etc/hostname/x"]);
    assert!(
        stderr(&out).contains("extraction point is not a directory"),
        "{}",
        stderr(&out)
    );
    // The answer, not a broken pipe: the body was read before the error.
    assert!(!stderr(&out).contains("closed pipe"), "{}", stderr(&out));

    d.docker_ok(&["stop", "-t", "0", "c1"]);
    assert_eq!(mounts_under(&d), 0, "a stopped container has no mounts");
    d.docker_ok(&["cp", "c1:/data/in-volume.txt", &w("from-stopped")]);
    assert_eq!(
        std::fs::read_to_string(work.join("from-stopped")).unwrap(),
        "uploaded\n"
    );
    d.docker_ok(&["cp", &w("up.txt"), "c1:/root/while-stopped.txt"]);
    assert_eq!(mounts_under(&d), 0, "the rootfs is unmounted after a copy");
    d.docker_ok(&["start", "c1"]);
    assert_eq!(
        d.docker_ok(&["exec", "c1", "cat", "/root/while-stopped.txt"]),
        "uploaded"
    );
    d.docker_ok(&["rm", "-f", "c1"]);
}

/// The archive API under the CLI: `HEAD` carries moby's
/// `X-Docker-Container-Path-Stat` (base64 JSON with Go's `os.FileMode`:
/// a symlink is 1<<27 | 0777, with its target resolved in the
/// container), `GET` compresses when Accept-Encoding asks, a missing
/// `path` is moby's 400 (with its missing space), and the events
/// `archive-path` and `extract-to-dir` are logged. Paths never leave the
/// container: `..` in a tar entry and a symlink to an absolute host path
/// both stay inside its rootfs.
#[test]
fn archive_api_stays_inside_the_container() {
    use base64::Engine;
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipped: the daemon runs the simulated runtime (not root?)");
        return;
    }
    let host_dir = d.dir.join("host-target");
    std::fs::create_dir_all(&host_dir).unwrap();
    let link = format!("ln -s {} /escape && sleep 1000", host_dir.display());
    d.docker_ok(&["run", "-d", "--name", "a1", "busybox", "sh", "-c", &link]);
    assert!(eventually(10, || d
        .docker(&["exec", "a1", "test", "-L", "/escape"])
        .status
        .success()));

    let (status, h, _) = d.raw(
        "HEAD",
        "/v1.41/containers/a1/archive?path=/bin/sh",
        &[],
        b"",
    );
    assert_eq!(status, 200);
    let stat = base64::engine::general_purpose::STANDARD
        .decode(
            h.get("X-Docker-Container-Path-Stat")
                .expect("the stat header"),
        )
        .unwrap();
    let stat: serde_json::Value = serde_json::from_slice(&stat).unwrap();
    assert_eq!(stat["name"], "sh");
    assert_eq!(stat["mode"], (1u64 << 27) | 0o777);
    assert_eq!(stat["linkTarget"], "/bin/busybox");
    let (status, _, body) = d.raw("GET", "/v1.41/containers/a1/archive", &[], b"");
    assert_eq!(status, 400);
    assert_eq!(json_message(&body), "bad parameter: pathcannot be empty");

    let (status, h, body) = d.raw(
        "GET",
        "/v1.41/containers/a1/archive?path=/etc/passwd",
        &[("Accept-Encoding", "gzip")],
        b"",
    );
    assert_eq!(status, 200);
    assert_eq!(h.get("Content-Encoding"), Some("gzip"));
    assert_eq!(h.get("Content-Type"), Some("application/x-tar"));
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(&body[..])
        .read_to_end(&mut tar)
        .unwrap();
    assert_eq!(tar_names(&tar), ["passwd"]);

    // A tar entry climbing out, and a symlink to a host path: both end up
    // inside the container, or nowhere.
    let climb = tar_of("../../../../../../../climbed.txt", b"x");
    let (status, _, body) = d.raw("PUT", "/v1.41/containers/a1/archive?path=/tmp", &[], &climb);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(!d.dir.join("climbed.txt").exists());
    let (status, _, body) = d.raw(
        "PUT",
        "/v1.41/containers/a1/archive?path=/escape",
        &[],
        &tar_of("planted.txt", b"x"),
    );
    assert_eq!(status, 404, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        json_message(&body),
        "Could not find the file /escape in container a1"
    );
    assert!(!host_dir.join("planted.txt").exists());

    // Up to the next second: the events of this one are all in.
    let until = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 1;
    let (_, events) = raw(
        &d,
        "GET",
        &format!("/v1.41/events?since=0&until={until}"),
        "",
    );
    assert!(events.contains("archive-path"), "{events}");
    assert!(events.contains("extract-to-dir"), "{events}");
    d.docker_ok(&["rm", "-f", "a1"]);
}

/// `docker diff` reads the container's layer (moby `ContainerChanges`):
/// `A` added, `C` changed (with the directories above), `D` deleted, and
/// nothing for a container that changed nothing (`null` on the wire) —
/// not even the `/etc` files the daemon binds in, nor `/.dockerenv`.
/// `docker export` is the whole rootfs as a tar, entries relative to `/`.
#[test]
fn docker_diff_and_export() {
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipped: the daemon runs the simulated runtime (not root?)");
        return;
    }
    d.docker_ok(&["run", "-d", "--name", "x1", "busybox", "sleep", "1000"]);
    let (status, body) = raw(&d, "GET", "/v1.41/containers/x1/changes", "");
    assert_eq!((status, body.trim()), (200, "null"));
    d.docker_ok(&[
        "exec",
        "x1",
        "sh",
        "-c",
        "mkdir /new && echo a > /new/f && rm /bin/true && echo >> /etc/passwd",
    ]);
    assert_eq!(
        d.docker_ok(&["diff", "x1"]),
        "C /bin\nD /bin/true\nC /etc\nC /etc/passwd\nA /new\nA /new/f"
    );
    let out = d.docker(&["export", "x1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let names = tar_names(&out.stdout);
    assert!(names.iter().any(|n| n == "bin/sh"), "{names:?}");
    // dockerd's init layer gives every container a `/.dockerenv`, which
    // an export shows and a diff does not.
    assert!(names.iter().any(|n| n == ".dockerenv"), "{names:?}");
    assert!(names.iter().any(|n| n == "new/f"), "{names:?}");
    assert!(
        !names.iter().any(|n| n == "bin/true"),
        "deleted files are not exported"
    );
    let (status, _, body) = d.raw("GET", "/v1.41/containers/nosuch/export", &[], b"");
    assert_eq!(status, 404);
    assert_eq!(json_message(&body), "No such container: nosuch");
    d.docker_ok(&["rm", "-f", "x1"]);
}

fn json_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body).expect("a JSON error")["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// `docker commit` (moby `CreateImageFromContainer`): the container's
/// changes become a layer on its image (a deleted file stays deleted),
/// `--change` lines set the new config over the container's, the image
/// records its parent, author and comment, `docker history` shows the
/// container's command as `CREATED BY`, and a running container is
/// paused around the commit: the events are dockerd's `pause`, `tag`,
/// `commit` (with the comment, the image id and the reference), then
/// `unpause`. A container that changed nothing commits an empty layer,
/// which the image does not get.
#[test]
fn docker_commit_makes_an_image() {
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipped: the daemon runs the simulated runtime (not root?)");
        return;
    }
    d.docker_ok(&["run", "-d", "--name", "m1", "busybox", "sleep", "1000"]);
    d.docker_ok(&[
        "exec",
        "m1",
        "sh",
        "-c",
        "echo committed > /hello && rm /bin/true",
    ]);
    let id = d.docker_ok(&[
        "commit",
        "-a",
        "me",
        "-m",
        "my msg",
        "-c",
        r#"CMD ["cat", "/hello"]"#,
        "-c",
        "ENV A=b",
        "m1",
        "m1img:1",
    ]);
    assert!(id.starts_with("sha256:"), "{id}");
    assert_eq!(d.docker_ok(&["run", "--rm", "m1img:1"]), "committed");
    let out = d.docker(&["run", "--rm", "m1img:1", "ls", "/bin/true"]);
    assert!(!out.status.success(), "the deletion is in the layer");
    let busybox = d.docker_ok(&["image", "inspect", "-f", "{{.Id}}", "busybox"]);
    assert_eq!(
        inspect(&d, "m1img:1", "{{.Parent}}|{{.Author}}|{{.Comment}}|{{.Config.Env}}"),
        // `ENV` applies to the container's config, after its variables.
        format!("{busybox}|me|my msg|[PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin A=b]")
    );
    let history = d.docker_ok(&[
        "history",
        "--format",
        "{{.CreatedBy}}|{{.Comment}}",
        "m1img:1",
    ]);
    assert_eq!(history.lines().next(), Some("sleep 1000|my msg"));
    let out = d.docker(&["rmi", &busybox]);
    assert!(
        !out.status.success(),
        "the parent of an image is not removed"
    );

    let until = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 1;
    let (_, _, events) = d.raw(
        "GET",
        &format!("/v1.41/events?since=0&until={until}"),
        &[],
        b"",
    );
    let events = String::from_utf8_lossy(&events).to_string();
    let actions: Vec<String> = events
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["Action"] != "exec_create: sh -c echo committed > /hello && rm /bin/true")
        .map(|e| e["Action"].as_str().unwrap_or("").to_string())
        .skip_while(|a| a != "pause")
        .take(4)
        .collect();
    assert_eq!(actions, ["pause", "tag", "commit", "unpause"]);
    assert!(events.contains(r#""comment":"my msg""#), "{events}");
    assert!(events.contains(r#""imageRef":"m1img:1""#), "{events}");
    assert_eq!(inspect(&d, "m1", "{{.State.Status}}"), "running");

    d.docker_ok(&["create", "--name", "m2", "busybox", "true"]);
    d.docker_ok(&["commit", "m2", "m2img"]);
    assert_eq!(
        inspect(&d, "m2img", "{{len .RootFS.Layers}}"),
        inspect(&d, "busybox", "{{len .RootFS.Layers}}"),
    );
    let out = d.docker(&["commit", "nosuch", "x"]);
    assert!(
        stderr(&out).contains("No such container: nosuch"),
        "{}",
        stderr(&out)
    );
    d.docker_ok(&["rm", "-f", "m1", "m2"]);
}

/// A free TCP port on the host (bound and released; a race with other
/// processes is possible but unlikely).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// GET `/` from `127.0.0.1:port`, the whole answer.
fn http_get(port: u16) -> std::io::Result<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.write_all(b"GET /index.html HTTP/1.0\r\n\r\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

/// `-p` and `-P` publish a container's TCP ports on the host, as dockerd
/// does with docker-proxy (here a proxy into the container's network
/// namespace, `runtime/proxy.rs`): a connection to the host port reaches
/// the server in the container; `docker port`, inspect's
/// `NetworkSettings.Ports` and `docker ps` show the bindings (`0.0.0.0`
/// and `::` for `-p PORT:PORT`); a second container asking for the same
/// host port fails to start with dockerd's "port is already allocated";
/// a stop releases the ports (`{}`) and a start binds them again.
#[test]
fn published_ports_reach_the_container() {
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipped: the daemon runs the simulated runtime (not root?)");
        return;
    }
    let port = free_port();
    let publish = format!("{port}:80");
    d.docker_ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "-p",
        &publish,
        "-w",
        "/www",
        "busybox",
        "sh",
        "-c",
        "echo hello-from-web > index.html && exec httpd -f -p 80",
    ]);
    assert!(
        eventually(10, || http_get(port)
            .is_ok_and(|r| r.contains("hello-from-web"))),
        "{:?}",
        http_get(port)
    );
    assert_eq!(
        d.docker_ok(&["port", "web", "80"]),
        format!("0.0.0.0:{port}\n[::]:{port}")
    );
    assert_eq!(
        inspect(&d, "web", "{{json .NetworkSettings.Ports}}"),
        format!(
            r#"{{"80/tcp":[{{"HostIp":"0.0.0.0","HostPort":"{port}"}},{{"HostIp":"::","HostPort":"{port}"}}]}}"#
        )
    );
    assert_eq!(
        d.docker_ok(&["ps", "--format", "{{.Ports}}"]),
        format!("0.0.0.0:{port}->80/tcp, [::]:{port}->80/tcp")
    );

    let out = d.docker(&[
        "run", "-d", "--name", "web2", "-p", &publish, "busybox", "true",
    ]);
    assert!(
        stderr(&out).contains("driver failed programming external connectivity on endpoint web2")
            && stderr(&out).contains(&format!(
                "Bind for 0.0.0.0:{port} failed: port is already allocated"
            )),
        "{}",
        stderr(&out)
    );

    d.docker_ok(&["stop", "-t", "0", "web"]);
    assert_eq!(inspect(&d, "web", "{{json .NetworkSettings.Ports}}"), "{}");
    assert!(http_get(port).is_err(), "the port is released");
    d.docker_ok(&["start", "web"]);
    assert!(eventually(10, || http_get(port)
        .is_ok_and(|r| r.contains("hello-from-web"))));

    // `-P`: every exposed port, on a port the kernel picks.
    d.docker_ok(&[
        "run",
        "-d",
        "--name",
        "any",
        "-P",
        "--expose",
        "80",
        "-w",
        "/www",
        "busybox",
        "sh",
        "-c",
        "echo hello-from-any > index.html && exec httpd -f -p 80",
    ]);
    let shown = d.docker_ok(&["port", "any", "80"]);
    let any_port: u16 = shown
        .lines()
        .next()
        .and_then(|l| l.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{shown}"));
    assert!(eventually(10, || http_get(any_port)
        .is_ok_and(|r| r.contains("hello-from-any"))));
    d.docker_ok(&["rm", "-f", "web", "web2", "any"]);
}

/// The security options dockerd applies, read from inside the container:
/// docker's default capability set (`CapBnd` a80425fb; `hostname`
/// refused), changed by `--cap-add`/`--cap-drop` as moby's
/// `TweakCapabilities` does, everything for `--privileged` (and for
/// `exec --privileged`); `--read-only` makes the root filesystem
/// read-only while /dev stays writable, and `docker cp` into it is
/// dockerd's "container rootfs is marked read-only".
#[test]
fn capabilities_privileged_and_read_only() {
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipped: the daemon runs the simulated runtime (not root?)");
        return;
    }
    let cap_bnd = |args: &[&str]| {
        let mut all = vec!["run", "--rm"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["busybox", "grep", "CapBnd", "/proc/self/status"]);
        d.docker_ok(&all)
    };
    assert_eq!(cap_bnd(&[]), "CapBnd:\t00000000a80425fb");
    // + SYS_ADMIN (bit 21), - CHOWN (bit 0).
    assert_eq!(
        cap_bnd(&["--cap-add", "SYS_ADMIN", "--cap-drop", "chown"]),
        "CapBnd:\t00000000a82425fa"
    );
    assert_eq!(
        cap_bnd(&["--cap-drop", "ALL", "--cap-add", "NET_ADMIN"]),
        "CapBnd:\t0000000000001000"
    );
    let privileged = cap_bnd(&["--privileged"]);
    assert!(
        u64::from_str_radix(privileged.trim_start_matches("CapBnd:\t"), 16).unwrap() & (1 << 21)
            != 0,
        "{privileged}"
    );
    let out = d.docker(&["run", "--rm", "busybox", "hostname", "x"]);
    assert!(!out.status.success(), "sethostname needs CAP_SYS_ADMIN");

    d.docker_ok(&[
        "run",
        "-d",
        "--name",
        "ro",
        "--read-only",
        "busybox",
        "sleep",
        "100",
    ]);
    let out = d.docker_ok(&[
        "exec",
        "ro",
        "sh",
        "-c",
        "touch /x 2>&1; echo ok > /dev/null && echo dev-ok",
    ]);
    assert_eq!(out, "touch: /x: Read-only file system\ndev-ok");
    let caps = d.docker_ok(&[
        "exec",
        "--privileged",
        "ro",
        "grep",
        "CapBnd",
        "/proc/self/status",
    ]);
    assert_ne!(caps, "CapBnd:\t00000000a80425fb");
    let hostfile = d.dir.join("up.txt");
    std::fs::write(&hostfile, "x").unwrap();
    let out = d.docker(&["cp", &hostfile.display().to_string(), "ro:/"]);
    assert!(
        stderr(&out).contains("container rootfs is marked read-only"),
        "{}",
        stderr(&out)
    );
    d.docker_ok(&["rm", "-f", "ro"]);
}

/// `docker run --init` (moby `HostConfig.Init`): the command is no longer
/// PID 1; an init above it forwards `docker stop`'s SIGTERM to it (so a
/// `sleep`, which as PID 1 would ignore it and be killed after the
/// timeout with 137, ends at once with 143, as under dockerd's tini) and
/// reaps the orphans the kernel hands to PID 1. Without `--init`, a PID 1
/// that never waits leaves them as zombies: the lesson `--init` exists for.
#[test]
fn init_forwards_signals_and_reaps_orphans() {
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipping: --init needs the linux runtime (root)");
        return;
    }
    let ps = d.docker_ok(&["run", "--rm", "--init", "busybox", "ps", "-o", "pid,comm"]);
    let pid_of_ps = ps
        .lines()
        .find_map(|l| l.trim().strip_suffix(" ps").map(str::trim))
        .unwrap_or_default()
        .to_string();
    assert!(!pid_of_ps.is_empty() && pid_of_ps != "1", "{ps}");
    let plain = d.docker_ok(&["run", "--rm", "busybox", "ps", "-o", "pid,comm"]);
    assert!(plain.lines().any(|l| l.trim() == "1 ps"), "{plain}");

    let out = d.docker(&["run", "--rm", "--init", "busybox", "sh", "-c", "exit 3"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "the init exits with the process's status"
    );

    // A child that outlives its parent is reparented to PID 1. `sleep`
    // as PID 1 never waits for it, so it stays a zombie; the init reaps it.
    let orphan = "sh -c 'sleep 0.1 &'; exec sleep 300";
    d.docker_ok(&["run", "-d", "--name", "bare", "busybox", "sh", "-c", orphan]);
    d.docker_ok(&[
        "run", "-d", "--name", "inited", "--init", "busybox", "sh", "-c", orphan,
    ]);
    let states = |name: &str| d.docker_ok(&["exec", name, "ps", "-o", "stat,comm"]);
    assert!(
        eventually(10, || states("bare")
            .lines()
            .any(|l| l.trim().starts_with('Z'))),
        "no zombie under a PID 1 that never waits: {}",
        states("bare")
    );
    assert!(
        eventually(10, || states("inited").matches("sleep").count() == 1),
        "the orphan is reaped: {}",
        states("inited")
    );
    assert!(!states("inited").lines().any(|l| l.trim().starts_with('Z')));

    d.docker_ok(&["stop", "-t", "20", "inited"]);
    assert_eq!(inspect(&d, "inited", "{{.State.ExitCode}}"), "143");
    assert_eq!(inspect(&d, "inited", "{{.HostConfig.Init}}"), "true");
    d.docker_ok(&["rm", "-f", "bare", "inited"]);
}

/// dockerd's `--init` (daemon.json `"init": true`) is the default for
/// containers that do not say: `docker run` gets the init, `docker run
/// --init=false` does not, and inspect keeps the `Init` each one sent.
#[test]
fn daemon_init_is_the_default() {
    let d = TestDaemon::start_with(&["--init"]);
    if !d.real_runtime() {
        eprintln!("skipping: --init needs the linux runtime (root)");
        return;
    }
    let pid1 = |extra: &[&str]| {
        let mut args = vec!["run", "--rm"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["busybox", "ps", "-o", "pid,comm"]);
        let ps = d.docker_ok(&args);
        ps.lines()
            .find(|l| l.trim().starts_with("1 "))
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    assert_ne!(pid1(&[]), "1 ps", "the daemon's --init applies");
    assert_eq!(
        pid1(&["--init=false"]),
        "1 ps",
        "the container's own choice wins"
    );
    d.docker_ok(&["create", "--name", "plain", "busybox"]);
    assert_eq!(inspect(&d, "plain", "{{json .HostConfig.Init}}"), "null");
}

/// `--ulimit` and `--group-add` reach the process, as runc applies them:
/// the limits are set before the process runs, the extra groups join the
/// supplementary ones (by number or by name from the image's group file),
/// an exec gets the container's `--group-add` too, and a process without
/// supplementary groups still lists its primary group (`groups=0`).
/// Before, both options were accepted and ignored.
#[test]
fn ulimits_and_group_add_apply() {
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipping: needs the linux runtime (root)");
        return;
    }
    let out = d.docker_ok(&[
        "run",
        "--rm",
        "--ulimit",
        "nofile=100:200",
        "busybox",
        "sh",
        "-c",
        "ulimit -n; ulimit -Hn",
    ]);
    assert_eq!(out.split_whitespace().collect::<Vec<_>>(), ["100", "200"]);
    let id = d.docker_ok(&["run", "--rm", "--user", "1000", "busybox", "id", "-G"]);
    assert_eq!(id.trim(), "0");
    let id = d.docker_ok(&[
        "run",
        "--rm",
        "--group-add",
        "10",
        "--group-add",
        "nogroup",
        "busybox",
        "id",
        "-G",
    ]);
    assert_eq!(id.trim(), "0 10 65534");
    d.docker_ok(&[
        "run",
        "-d",
        "--name",
        "grp",
        "--group-add",
        "10",
        "busybox",
        "sleep",
        "300",
    ]);
    assert_eq!(d.docker_ok(&["exec", "grp", "id", "-G"]).trim(), "0 10");
    let bad = d.docker(&["run", "--rm", "--group-add", "nosuch", "busybox", "true"]);
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .contains("Unable to find group nosuch: no matching entries in group file"),
        "{bad:?}"
    );
    d.docker_ok(&["rm", "-f", "grp"]);
}

/// `--device HOST[:CONTAINER]` makes the host's device node again in the
/// container's /dev, with its type, numbers and mode (moby
/// `devicesFromPath`, runc `createDeviceNode`); a path that is not a
/// device is dockerd's error at start; `--privileged` brings every host
/// device. Before, both were ignored.
#[test]
fn devices_are_made_in_the_container() {
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipping: needs the linux runtime (root)");
        return;
    }
    let out = d.docker_ok(&[
        "run",
        "--rm",
        "--device",
        "/dev/null:/dev/xnull",
        "busybox",
        "sh",
        "-c",
        "stat -c '%F %t,%T %a' /dev/xnull; echo gone > /dev/xnull && echo written",
    ]);
    assert_eq!(out.trim(), "character special file 1,3 666\nwritten");
    // `--privileged` gets the host's devices (runc `HostDevices`): one
    // the default /dev does not have is there with it and not without.
    use std::os::unix::fs::FileTypeExt;
    let default_dev = [
        "null", "zero", "full", "random", "urandom", "tty", "console", "ptmx",
    ];
    let host_only = std::fs::read_dir("/dev")
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_char_device()))
        .map(|e| e.file_name().to_string_lossy().to_string())
        .find(|n| !default_dev.contains(&n.as_str()));
    if let Some(name) = host_only {
        let path = format!("/dev/{name}");
        let check = format!("[ -c {path} ] && echo present || echo absent");
        let with = d.docker_ok(&["run", "--rm", "--privileged", "busybox", "sh", "-c", &check]);
        assert_eq!(with.trim(), "present", "{path}");
        let without = d.docker_ok(&["run", "--rm", "busybox", "sh", "-c", &check]);
        assert_eq!(without.trim(), "absent", "{path}");
    }
    let bad = d.docker(&["run", "--rm", "--device", "/etc/passwd", "busybox", "true"]);
    assert_eq!(bad.status.code(), Some(125));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains(
            r#"error gathering device information while adding custom device "/etc/passwd": not a device node"#
        ),
        "{bad:?}"
    );
}

/// `--cpuset-cpus` is written into the container's cpuset cgroup, and a
/// CPU or memory node the host does not have is dockerd's 400 at create
/// ("Requested CPUs are not available - requested 7, available: 0-1");
/// `--domainname` sets the UTS namespace's domain name and the FQDN in
/// /etc/hosts. Before, all three were accepted and ignored.
#[test]
fn cpuset_and_domainname_apply() {
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipping: needs the linux runtime (root)");
        return;
    }
    let out = d.docker_ok(&[
        "run",
        "--rm",
        "--cpuset-cpus",
        "0",
        "--domainname",
        "example.com",
        "busybox",
        "sh",
        "-c",
        "grep -h Cpus_allowed_list /proc/self/status; cat /proc/sys/kernel/domainname; tail -1 /etc/hosts",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0].split_whitespace().last(), Some("0"), "{out}");
    assert_eq!(lines[1], "example.com");
    assert!(
        lines[2].starts_with("127.0.1.1\t") && lines[2].contains(".example.com "),
        "{out}"
    );
    let bad = d.docker(&["create", "--cpuset-cpus", "999", "busybox"]);
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("Requested CPUs are not available - requested 999, available: "),
        "{stderr}"
    );
    let bad = d.docker(&["create", "--cpuset-cpus", "abc", "busybox"]);
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .contains("Invalid value abc for cpuset cpus: invalid format: abc"),
        "{bad:?}"
    );
}

/// `--oom-kill-disable` switches the memory cgroup's OOM killer off (v1's
/// `memory.oom_control`), and create says what dockerd 20.10 warns about:
/// no OOM killer without a memory limit, and the deprecated
/// `--kernel-memory`.
#[test]
fn oom_kill_disable_and_create_warnings() {
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipping: needs the linux runtime (root)");
        return;
    }
    let out = d.docker(&[
        "run",
        "--rm",
        "--oom-kill-disable",
        "--kernel-memory",
        "10m",
        "busybox",
        "true",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "WARNING: OOM killer is disabled for the container, but no memory limit is set"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("WARNING: Specifying a kernel memory limit is deprecated"),
        "{stderr}"
    );
    let control = "/sys/fs/cgroup/memory/memory.oom_control";
    let out = d.docker_ok(&[
        "run",
        "--rm",
        "--oom-kill-disable",
        "-m",
        "32m",
        "busybox",
        "sh",
        "-c",
        &format!("[ -e {control} ] && head -1 {control} || echo v2"),
    ]);
    assert!(matches!(out.trim(), "oom_kill_disable 1" | "v2"), "{out}");
}

/// A client that leaves `HostConfig` fields out (bollard, docker-py) sees
/// them as dockerd shows them: Go's zero values, so `null` lists and an
/// empty restart policy name, while what dockerd fills itself (IPC mode,
/// masked paths, the runtime) is filled. The docker CLI sends the lists
/// as `[]`, and those are echoed as sent.
#[test]
fn api_create_leaves_unsent_fields_null() {
    let d = TestDaemon::start();
    let (code, body) = raw(
        &d,
        "POST",
        "/v1.41/containers/create?name=apionly",
        r#"{"Image":"busybox","Cmd":["true"],"HostConfig":{}}"#,
    );
    assert_eq!(code, 201, "{body}");
    let (_, body) = raw(&d, "GET", "/v1.41/containers/apionly/json", "");
    let hc = serde_json::from_str::<serde_json::Value>(&body).unwrap()["HostConfig"].clone();
    for key in [
        "PortBindings",
        "Dns",
        "DnsOptions",
        "DnsSearch",
        "Devices",
        "Ulimits",
        "BlkioWeightDevice",
    ] {
        assert!(hc[key].is_null(), "{key}: {}", hc[key]);
    }
    assert_eq!(hc["RestartPolicy"]["Name"], "");
    assert_eq!(hc["IpcMode"], "private");
    assert_eq!(hc["Runtime"], "runc");
    d.docker_ok(&["create", "--name", "clionly", "busybox", "true"]);
    assert_eq!(
        inspect(
            &d,
            "clionly",
            "{{json .HostConfig.Dns}} {{.HostConfig.RestartPolicy.Name}}"
        ),
        "[] no"
    );
}

/// More options that used to be accepted and ignored, now applied as runc
/// applies them: `--sysctl` (a namespaced key; a `net.*` key with the
/// host's network is refused), `--shm-size` (the size of /dev/shm),
/// `--memory-reservation` (the memory cgroup's soft limit), and
/// `--pid host` / `--uts host` (the host's process table and host name).
#[test]
fn sysctl_shm_reservation_and_host_namespaces() {
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipping: needs the linux runtime (root)");
        return;
    }
    let out = d.docker_ok(&[
        "run",
        "--rm",
        "--sysctl",
        "kernel.shmmax=12345",
        "--shm-size",
        "8m",
        "busybox",
        "sh",
        "-c",
        "cat /proc/sys/kernel/shmmax; df -k /dev/shm | tail -1 | awk '{print $2}'",
    ]);
    assert_eq!(
        out.split_whitespace().collect::<Vec<_>>(),
        ["12345", "8192"]
    );
    let bad = d.docker(&[
        "run",
        "--rm",
        "--network",
        "host",
        "--sysctl",
        "net.ipv4.ip_forward=1",
        "busybox",
        "true",
    ]);
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .contains(r#"sysctl "net.ipv4.ip_forward" not allowed in host network namespace"#),
        "{bad:?}"
    );
    let soft = "/sys/fs/cgroup/memory/memory.soft_limit_in_bytes";
    let out = d.docker_ok(&[
        "run",
        "--rm",
        "--memory-reservation",
        "64m",
        "busybox",
        "sh",
        "-c",
        &format!("[ -e {soft} ] && cat {soft} || echo v2"),
    ]);
    assert!(matches!(out.trim(), "67108864" | "v2"), "{out}");
    // The host's pid 1 is visible with `--pid host`, and not without.
    let comm = |args: &[&str]| {
        let mut cmd = vec!["run", "--rm"];
        cmd.extend_from_slice(args);
        cmd.extend_from_slice(&["busybox", "cat", "/proc/1/cmdline"]);
        d.docker_ok(&cmd)
    };
    let host_init = std::fs::read_to_string("/proc/1/cmdline").unwrap();
    assert_eq!(comm(&["--pid", "host"]), host_init);
    assert_ne!(comm(&[]), host_init);
    let host_name = nix::unistd::gethostname().unwrap().into_string().unwrap();
    let name = d.docker_ok(&["run", "--rm", "--uts", "host", "busybox", "hostname"]);
    assert_eq!(name.trim(), host_name);
}

/// Logging and cgroup options dockerd honours: `--log-driver none` keeps
/// no log (`docker logs` is dockerd's 501 "configured logging driver does
/// not support reading"), an unknown driver or json-file option is
/// dockerd's 400, a built-in driver we lack is a 501, and
/// `--cgroup-parent` puts the container's cgroup under that parent.
#[test]
fn log_driver_and_cgroup_parent() {
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipping: needs the linux runtime (root)");
        return;
    }
    d.docker_ok(&[
        "run",
        "--name",
        "nolog",
        "--log-driver",
        "none",
        "busybox",
        "echo",
        "hi",
    ]);
    let logs = d.docker(&["logs", "nolog"]);
    assert!(
        String::from_utf8_lossy(&logs.stderr)
            .contains("configured logging driver does not support reading"),
        "{logs:?}"
    );
    for (args, message) in [
        (
            vec!["--log-driver", "bogus"],
            r#"error looking up logging plugin bogus: plugin "bogus" not found"#,
        ),
        (
            vec!["--log-opt", "bogus=1"],
            "unknown log opt 'bogus' for json-file log driver",
        ),
        (
            vec!["--log-driver", "local"],
            "the local log driver is not supported by mini-dockerd",
        ),
    ] {
        let mut cmd = vec!["create"];
        cmd.extend(args);
        cmd.push("busybox");
        let out = d.docker(&cmd);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{stderr}");
    }

    let parent = format!("mdtest-parent-{}", std::process::id());
    let out = d.docker_ok(&[
        "run",
        "--rm",
        "--cgroup-parent",
        &format!("/{parent}"),
        "busybox",
        "cat",
        "/proc/self/cgroup",
    ]);
    let pids_line = out
        .lines()
        .find(|l| l.contains(":pids:") || l.starts_with("0::"))
        .unwrap_or("");
    assert!(pids_line.contains(&format!("/{parent}/")), "{out}");
    // The parent stays, as dockerd leaves it; the test removes its own.
    for root in ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"] {
        let _ = std::fs::remove_dir(format!("{root}/{parent}"));
    }
    if let Ok(entries) = std::fs::read_dir("/sys/fs/cgroup") {
        for e in entries.flatten() {
            let _ = std::fs::remove_dir(e.path().join(&parent));
        }
    }
}
