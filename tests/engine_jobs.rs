//! The docker 1.x Engine (`src/engine/`) and the `--engine-jobs` daemon
//! mode: the registry behaves as docker 1.5's `engine.Engine` did, and in
//! engine-jobs mode a routed request runs as a named job, visible in the
//! trace between the mux and the handler.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::TestDaemon;

use mini_dockerd::engine::{Engine, Handler, Job, STATUS_NOT_FOUND, STATUS_OK};

/// A job handler that echoes its arguments and one env value to stdout.
fn echo_handler() -> Handler {
    Arc::new(|mut job: Job| {
        Box::pin(async move {
            let line = format!("{} t={}", job.args.join(","), job.getenv("t"));
            job.stdout.extend_from_slice(line.as_bytes());
            (job, STATUS_OK)
        })
    })
}

/// docker 1.x `Engine.Register` refuses to overwrite a job: a name is a
/// global entry point.
#[test]
fn registering_a_name_twice_is_an_error() {
    let eng = Engine::new();
    eng.register("container_rename", echo_handler()).unwrap();
    let err = eng
        .register("container_rename", echo_handler())
        .unwrap_err();
    assert_eq!(
        err.message,
        "Can't overwrite handler for command container_rename"
    );
}

/// `eng.Job(name, args...)` + `Setenv` + `Run()`: the handler sees the
/// arguments and the environment, and its output is the job's stdout.
#[tokio::test]
async fn a_job_carries_args_and_env_to_its_handler() {
    let eng = Engine::new();
    eng.register("container_rename", echo_handler()).unwrap();
    let mut job = eng.job("container_rename", &["c1", "c2"]);
    job.setenv("t", "10");
    assert_eq!(job.call_string(), "container_rename(c1, c2)");
    let job = job.run().await;
    assert_eq!(job.status(), Some(STATUS_OK));
    assert_eq!(String::from_utf8_lossy(&job.stdout), "c1,c2 t=10");
}

/// An unknown job still runs, and fails like a shell's unknown command:
/// status 127 and "NAME: command not found" (docker 1.x `Job.Run`).
#[tokio::test]
async fn an_unknown_job_fails_with_127() {
    let eng = Engine::new();
    let job = eng.job("nosuchjob", &[]).run().await;
    assert_eq!(job.status(), Some(STATUS_NOT_FOUND));
    assert_eq!(job.error_message(), "nosuchjob: command not found");
    let err = job.into_response().unwrap_err();
    assert_eq!(err.message, "nosuchjob: command not found");
}

/// docker 1.x's `engine.New()` registers one job itself, `commands`,
/// which prints every registered name.
#[tokio::test]
async fn the_commands_job_lists_the_registry() {
    let eng = Engine::new();
    eng.register("version", echo_handler()).unwrap();
    let job = eng.job("commands", &[]).run().await;
    assert_eq!(String::from_utf8_lossy(&job.stdout), "commands\nversion\n");
}

/// The docker 1.5 names of moby's handlers, as `route_as_job` uses them;
/// routes that never were jobs (`_ping`) have none.
#[test]
fn job_names_follow_docker_1_5() {
    use mini_dockerd::engine::builtins::job_name_for;
    assert_eq!(job_name_for("getVersion"), Some("version"));
    assert_eq!(
        job_name_for("postContainerRename"),
        Some("container_rename")
    );
    assert_eq!(job_name_for("postContainerExecCreate"), Some("execCreate"));
    assert_eq!(job_name_for("postContainersCreate"), Some("create"));
    assert_eq!(job_name_for("pingHandler"), None);
}

// --- the daemon in engine-jobs mode -----------------------------------

/// A [`TestDaemon`] with a `--trace-json` file to read the stages from.
struct Daemon {
    td: TestDaemon,
    trace: PathBuf,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.trace);
    }
}

fn start_daemon(flags: &[&str]) -> Daemon {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let trace = std::env::temp_dir().join(format!("mdjobs-{}-{n}.jsonl", std::process::id()));
    let trace_s = trace.display().to_string();
    let mut args = vec!["--trace-json", trace_s.as_str()];
    args.extend_from_slice(flags);
    Daemon {
        td: TestDaemon::start_with(&args),
        trace,
    }
}

/// Send `GET path` over the socket; return the status code.
fn get(sock: &Path, path: &str) -> u16 {
    use std::io::{Read, Write};
    let mut s = std::os::unix::net::UnixStream::connect(sock).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: docker\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out[9..12].parse().unwrap()
}

/// The `stage:name` of every enter/event record of the last request that
/// reached `response end`, once it has been written (bounded poll).
fn stages_of_last_request(trace: &Path) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let text = std::fs::read_to_string(trace).unwrap_or_default();
        let records: Vec<serde_json::Value> = text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let last_end = records
            .iter()
            .rev()
            .find(|r| r["stage"] == "response" && r["name"] == "end");
        if let Some(end) = last_end {
            let req = end["req"].as_u64().unwrap();
            return records
                .iter()
                .filter(|r| r["req"].as_u64() == Some(req) && r["phase"] != "exit")
                .map(|r| {
                    format!(
                        "{}:{}",
                        r["stage"].as_str().unwrap(),
                        r["name"].as_str().unwrap()
                    )
                })
                .collect();
        }
        assert!(Instant::now() < deadline, "no response end in the trace");
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// With `--engine-jobs`, `GET /version` runs as the docker 1.x job
/// `version`: a `job` stage after the mux match and the middlewares, and
/// before the handler. The answer is the same.
#[test]
fn engine_jobs_mode_runs_version_as_a_job() {
    let d = start_daemon(&["--engine-jobs"]);
    assert_eq!(get(&d.td.socket, "/v1.41/version"), 200);
    let stages = stages_of_last_request(&d.trace);
    let pos = |s: &str| stages.iter().position(|x| x == s);
    let (mux, job, handler) = (
        pos("mux:match").expect("mux match"),
        pos("job:version").expect("a job named version"),
        pos("handler:getVersion").expect("the handler"),
    );
    assert!(mux < job && job < handler, "order: {stages:?}");
}

/// Without the flag there is no job stage: handlers are called directly,
/// as in moby 1.12 and later.
#[test]
fn without_engine_jobs_there_is_no_job_stage() {
    let d = start_daemon(&[]);
    assert_eq!(get(&d.td.socket, "/v1.41/version"), 200);
    let stages = stages_of_last_request(&d.trace);
    assert!(
        stages.iter().any(|s| s == "handler:getVersion"),
        "{stages:?}"
    );
    assert!(!stages.iter().any(|s| s.starts_with("job:")), "{stages:?}");
}

/// Routes that docker 1.x never ran as jobs stay direct even in
/// engine-jobs mode.
#[test]
fn ping_is_never_a_job() {
    let d = start_daemon(&["--engine-jobs"]);
    assert_eq!(get(&d.td.socket, "/_ping"), 200);
    let stages = stages_of_last_request(&d.trace);
    assert!(
        stages.iter().any(|s| s == "handler:pingHandler"),
        "{stages:?}"
    );
    assert!(!stages.iter().any(|s| s.starts_with("job:")), "{stages:?}");
}
