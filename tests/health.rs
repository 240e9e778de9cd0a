//! Health checks (moby `daemon/health.go`): `docker run --health-cmd`
//! probes the container on an interval, and its health shows in `docker
//! inspect` (`State.Health`), `docker ps` ("Up 3 seconds (healthy)"),
//! `docker ps --filter health=...` and the `health_status` events.
//!
//! Every expectation was checked against a real dockerd 20.10.24 with the
//! same commands. The tests wait for the `health_status` events rather
//! than sleep: a status change is exactly when dockerd emits one.

mod common;

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bollard::query_parameters::EventsOptions;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use common::TestDaemon;

/// The daemon's events of the kinds in `wanted` from now on, as
/// `(container name, action)`; an `exec_die` action gets its exit code
/// appended (`exec_die 143`). `since` replays from a second ago, so an
/// event that happens before the stream's request reaches the daemon is
/// not lost.
fn events(d: &TestDaemon, wanted: &[&str]) -> mpsc::UnboundedReceiver<(String, String)> {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 1;
    let wanted = wanted.iter().map(|s| s.to_string()).collect();
    let filters = HashMap::from([("event".to_string(), wanted)]);
    let mut stream = d.bollard().events(Some(EventsOptions {
        since: Some(since.to_string()),
        until: None,
        filters: Some(filters),
    }));
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(Ok(ev)) = stream.next().await {
            let attrs = ev.actor.and_then(|a| a.attributes).unwrap_or_default();
            let name = attrs.get("name").cloned().unwrap_or_default();
            let mut action = ev.action.unwrap_or_default();
            if let Some(code) = attrs.get("exitCode") {
                action = format!("{action} {code}");
            }
            if tx.send((name, action)).is_err() {
                break;
            }
        }
    });
    rx
}

/// The next event, within 20 s.
async fn next(rx: &mut mpsc::UnboundedReceiver<(String, String)>) -> (String, String) {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("no health_status event within 20 s")
        .expect("the event stream ended")
}

fn inspect_health(d: &TestDaemon, name: &str) -> serde_json::Value {
    let out = d.docker_ok(&["inspect", "-f", "{{json .State}}", name]);
    let state: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    state["Health"].clone()
}

/// A failing check turns a container `unhealthy` after `--health-retries`
/// failures in a row, a passing one `healthy` at once; each change is one
/// `health_status` event. Inspect keeps the results (exit code, output),
/// `docker ps` shows the status after "Up ...", `--filter health=` selects
/// by it (`none`: no check), and an unknown value is dockerd's 400.
/// Pausing stops the checks and reads as unhealthy, as on dockerd; after
/// the unpause the next probe makes it healthy again. A stopped container
/// keeps its log and reads as unhealthy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_follows_the_probe() {
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipping: health checks exec into a running container (needs root)");
        return;
    }
    let mut events = events(&d, &["health_status"]);
    d.docker_ok(&[
        "run",
        "-d",
        "--name",
        "hc",
        "--health-cmd",
        "echo probing; test -e /tmp/ok",
        "--health-interval",
        "50ms",
        "--health-retries",
        "2",
        "busybox",
        "sleep",
        "300",
    ]);
    d.docker_ok(&["run", "-d", "--name", "plain", "busybox", "sleep", "300"]);
    assert_eq!(
        next(&mut events).await,
        ("hc".into(), "health_status: unhealthy".into())
    );
    let h = inspect_health(&d, "hc");
    assert_eq!(h["Status"], "unhealthy");
    assert!(h["FailingStreak"].as_i64().unwrap() >= 2, "{h}");
    let log = h["Log"].as_array().unwrap();
    assert!(!log.is_empty() && log.len() <= 5, "{h}");
    assert_eq!(log[0]["ExitCode"], 1);
    assert_eq!(log[0]["Output"], "probing\n");

    d.docker_ok(&["exec", "hc", "touch", "/tmp/ok"]);
    assert_eq!(
        next(&mut events).await,
        ("hc".into(), "health_status: healthy".into())
    );
    let h = inspect_health(&d, "hc");
    assert_eq!(h["FailingStreak"], 0);
    assert_eq!(h["Log"].as_array().unwrap().last().unwrap()["ExitCode"], 0);
    let status = d.docker_ok(&["ps", "--filter", "name=hc", "--format", "{{.Status}}"]);
    assert!(status.trim().ends_with("(healthy)"), "{status}");
    let healthy = d.docker_ok(&["ps", "--filter", "health=healthy", "--format", "{{.Names}}"]);
    assert_eq!(healthy.trim(), "hc");
    let none = d.docker_ok(&["ps", "--filter", "health=none", "--format", "{{.Names}}"]);
    assert_eq!(none.trim(), "plain");
    assert!(inspect_health(&d, "plain").is_null(), "no check, no Health");
    let bad = d.docker(&["ps", "--filter", "health=bogus"]);
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .contains("Unrecognised filter value for health: bogus"),
        "{bad:?}"
    );

    d.docker_ok(&["pause", "hc"]);
    assert_eq!(inspect_health(&d, "hc")["Status"], "unhealthy");
    d.docker_ok(&["unpause", "hc"]);
    assert_eq!(
        next(&mut events).await,
        ("hc".into(), "health_status: healthy".into())
    );

    d.docker_ok(&["stop", "-t", "0", "hc"]);
    let h = inspect_health(&d, "hc");
    assert_eq!(h["Status"], "unhealthy");
    assert!(!h["Log"].as_array().unwrap().is_empty());
    d.docker_ok(&["rm", "-f", "hc", "plain"]);
}

/// A probe that overruns `--health-timeout` counts as a failure with exit
/// code -1 and dockerd's "Health check exceeded timeout (100ms)", and is
/// ended with SIGTERM (its exec dies with 143) rather than left running in
/// the container, as dockerd's exec does when the probe's context ends. A
/// probe's stdout and stderr are both kept. `--no-healthcheck` turns the
/// check off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_probe_times_out() {
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipping: health checks exec into a running container (needs root)");
        return;
    }
    let mut events = events(&d, &["health_status", "exec_die"]);
    d.docker_ok(&[
        "run",
        "-d",
        "--name",
        "slow",
        "--health-cmd",
        "sleep 60",
        "--health-interval",
        "50ms",
        "--health-timeout",
        "100ms",
        "--health-retries",
        "1",
        "busybox",
        "sleep",
        "300",
    ]);
    assert_eq!(
        next(&mut events).await,
        ("slow".into(), "health_status: unhealthy".into())
    );
    assert_eq!(
        next(&mut events).await,
        ("slow".into(), "exec_die 143".into())
    );
    let h = inspect_health(&d, "slow");
    let first = &h["Log"][0];
    assert_eq!(first["ExitCode"], -1);
    assert_eq!(first["Output"], "Health check exceeded timeout (100ms)");
    d.docker_ok(&["stop", "-t", "0", "slow"]);

    d.docker_ok(&[
        "run",
        "-d",
        "--name",
        "talk",
        "--health-cmd",
        "echo out; echo err >&2",
        "--health-interval",
        "50ms",
        "busybox",
        "sleep",
        "300",
    ]);
    let healthy = loop {
        // Skip the probes' exec_die events.
        let ev = next(&mut events).await;
        if ev.1.starts_with("health_status") {
            break ev;
        }
    };
    assert_eq!(healthy, ("talk".into(), "health_status: healthy".into()));
    // Both streams, each line whole; their order is the order the two
    // pipes were read in, which neither daemon promises.
    let output = inspect_health(&d, "talk")["Log"][0]["Output"].clone();
    let mut lines: Vec<&str> = output.as_str().unwrap().lines().collect();
    lines.sort();
    assert_eq!(lines, ["err", "out"], "{output}");
    d.docker_ok(&["rm", "-f", "talk", "slow"]);

    d.docker_ok(&[
        "create",
        "--name",
        "off",
        "--no-healthcheck",
        "busybox",
        "sleep",
        "1",
    ]);
    let test = d.docker_ok(&["inspect", "-f", "{{json .Config.Healthcheck}}", "off"]);
    assert_eq!(test.trim(), r#"{"Test":["NONE"]}"#);
}
