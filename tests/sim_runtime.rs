//! The simulated runtime: where namespaces cannot be had (not root, not
//! Linux), mini-dockerd still serves every API stage and runs containers in
//! a clearly named simulation, and says so — at start-up, in `docker info`
//! and in the trace. dockerd has no such mode (it refuses to start without
//! root); this is what lets a workshop run on any laptop.

mod common;

use common::TestDaemon;

/// `--runtime sim`: `docker run` still prints the output and returns the
/// exit code through the same create / attach / wait / start requests, and
/// `docker info` names the runtime and warns that nothing is isolated.
#[test]
fn sim_runtime_runs_containers_and_says_so() {
    if !common::docker_available() {
        eprintln!("skipping: the docker CLI is not on PATH");
        return;
    }
    let d = TestDaemon::start_with(&["--runtime", "sim"]);
    assert_eq!(
        d.docker_ok(&["info", "--format", "{{.DefaultRuntime}}"]),
        "sim"
    );
    let warnings = d.docker_ok(&["info", "--format", "{{json .Warnings}}"]);
    assert!(warnings.contains("SIMULATED"), "{warnings}");
    assert_eq!(d.docker_ok(&["run", "--rm", "busybox", "echo", "hi"]), "hi");
    let out = d.docker(&["run", "--rm", "busybox", "sh", "-c", "exit 3"]);
    assert_eq!(out.status.code(), Some(3));
    let log = std::fs::read_to_string(&d.log_path).unwrap_or_default();
    assert!(log.contains("SIMULATED"), "the start-up log says so: {log}");
}
