//! The trace: what one request looks like stage by stage, and the live
//! stream a viewer attaches to.
//!
//! The stages follow moby's request path (v20.10.24): the listener
//! accepts, net/http reads the head, gorilla/mux matches (mux.go
//! `Router.ServeHTTP`), `makeHTTPHandler` runs the middleware chain
//! (authorization → version → experimental, api/server/middleware.go) and
//! the handler, and the response goes out. Note that the mux matches
//! *before* any middleware runs: in dockerd the middlewares are inside
//! the matched route's handler.

mod common;

use std::io::BufRead;
use std::path::Path;
use std::time::{Duration, Instant};

use common::TestDaemon;
use mini_dockerd::trace::TraceRecord;

/// Every record of a `--trace-json` file, once `done` says the wanted one
/// is there (bounded wait: the hub writes in batches).
fn wait_records(path: &Path, done: impl Fn(&[TraceRecord]) -> bool) -> Vec<TraceRecord> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let recs: Vec<TraceRecord> = std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        if done(&recs) || Instant::now() > deadline {
            return recs;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `(stage, phase, name)` of a record, for comparing sequences.
fn key(r: &TraceRecord) -> (String, String, String) {
    let phase = serde_json::to_value(r.phase).unwrap();
    (
        r.stage.as_str().to_string(),
        phase.as_str().unwrap().to_string(),
        r.name.clone(),
    )
}

/// One `GET /v1.41/version` gives, in this order and all with the same
/// connection id (and, from the head on, the same request id): listener
/// accept; request head; mux match (template `/v{version:[0-9.]+}/version`,
/// handler `getVersion`, vars `version=1.41`, and how many routes were
/// tried); middleware enter Authz, Version, Experimental; handler enter
/// and exit (200); middleware exits in reverse with their decisions;
/// response head (200) and end (bytes = the body length); then the
/// connection's close.
#[test]
fn one_request_stage_by_stage() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.json");
    let d = TestDaemon::start_with(&["--trace-json", trace.to_str().unwrap()]);
    let (status, _, body) = d.raw("GET", "/v1.41/version", &[], b"");
    assert_eq!(status, 200);
    let recs = wait_records(&trace, |rs| {
        rs.iter()
            .any(|r| r.stage.as_str() == "listener" && r.name == "close")
    });
    let conn = recs
        .iter()
        .find(|r| r.stage.as_str() == "listener" && r.name == "accept")
        .expect("an accept record")
        .conn;
    let mine: Vec<&TraceRecord> = recs.iter().filter(|r| r.conn == conn).collect();
    let got: Vec<(String, String, String)> = mine.iter().map(|r| key(r)).collect();
    let want: Vec<(String, String, String)> = [
        ("listener", "event", "accept"),
        ("request", "event", "head"),
        ("mux", "event", "match"),
        ("middleware", "enter", "AuthzMiddleware"),
        ("middleware", "enter", "VersionMiddleware"),
        ("middleware", "enter", "ExperimentalMiddleware"),
        ("handler", "enter", "getVersion"),
        ("handler", "exit", "getVersion"),
        ("middleware", "exit", "ExperimentalMiddleware"),
        ("middleware", "exit", "VersionMiddleware"),
        ("middleware", "exit", "AuthzMiddleware"),
        ("response", "event", "head"),
        ("response", "event", "end"),
        ("listener", "event", "close"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(got, want);

    // Every record between head and end carries the same request id.
    let req = mine[1].req;
    assert!(req > 0);
    assert!(mine[1..mine.len() - 1].iter().all(|r| r.req == req));
    // Records are in seq order.
    assert!(mine.windows(2).all(|w| w[0].seq < w[1].seq));

    let m = mine[2];
    assert_eq!(
        m.field_str("template").as_deref(),
        Some("/v{version:[0-9.]+}/version")
    );
    assert_eq!(m.field_str("handler").as_deref(), Some("getVersion"));
    assert_eq!(m.fields["vars"]["version"], "1.41");
    assert!(m.field_u64("tried").is_some_and(|n| n > 1));
    assert_eq!(
        mine[3].fields.len(),
        0,
        "an enter record has no decision yet"
    );
    assert_eq!(mine[10].field_str("decision").as_deref(), Some("pass"));
    assert_eq!(mine[9].field_str("api_version").as_deref(), Some("1.41"));
    assert_eq!(mine[8].field_str("experimental").as_deref(), Some("false"));
    assert_eq!(mine[7].field_u64("status"), Some(200));
    assert!(mine[7].dur_us.is_some(), "exit records carry dur_us");
    assert_eq!(mine[11].field_u64("status"), Some(200));
    assert_eq!(mine[12].field_u64("bytes"), Some(body.len() as u64));
}

/// Under light load no record is dropped: the seq numbers of the whole
/// file are 1..=n without a gap, and the route table is published as a
/// `daemon routes` record.
#[test]
fn seq_numbers_have_no_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.json");
    let d = TestDaemon::start_with(&["--trace-json", trace.to_str().unwrap()]);
    for _ in 0..20 {
        assert_eq!(d.raw("GET", "/_ping", &[], b"").0, 200);
    }
    let recs = wait_records(&trace, |rs| {
        rs.iter()
            .filter(|r| r.stage.as_str() == "listener" && r.name == "close")
            .count()
            >= 20
    });
    let mut seqs: Vec<u64> = recs.iter().map(|r| r.seq).collect();
    seqs.sort_unstable();
    let n = seqs.len() as u64;
    assert!(n > 20 * 10, "{n} records");
    assert_eq!(seqs, (1..=n).collect::<Vec<u64>>(), "no gaps");
    assert!(recs
        .iter()
        .any(|r| r.stage.as_str() == "daemon" && r.name == "routes"));
}

/// `GET /debug/trace` (mini-dockerd's own route) streams JSON lines to an
/// attached viewer: first the route table, one entry per mux registration
/// (114 routes twice, versioned and plain, 7 debug routes once, the trace
/// route and the versioned catch-all: 237), then live records, such as
/// those of a `GET /_ping` made on another connection.
#[test]
fn debug_trace_streams_to_a_viewer() {
    let d = TestDaemon::start();
    let mut r = d.open_stream("/debug/trace");
    // The body is chunked: read chunk by chunk, collecting lines.
    let mut text = String::new();
    let mut next_chunk = || -> String {
        let mut size = String::new();
        r.read_line(&mut size).unwrap();
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        let mut data = vec![0u8; n + 2];
        std::io::Read::read_exact(&mut r, &mut data).unwrap();
        String::from_utf8_lossy(&data[..n]).to_string()
    };
    while !text.contains('\n') {
        text.push_str(&next_chunk());
    }
    let first: TraceRecord = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first.name, "routes");
    let routes = first.fields["routes"].as_array().unwrap();
    assert_eq!(routes.len(), (121 - 7) * 2 + 7 + 2);
    assert_eq!(
        routes[0]["template"],
        "/v{version:[0-9.]+}/containers/{name:.*}/checkpoints"
    );

    assert_eq!(d.raw("GET", "/_ping", &[], b"").0, 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !text.contains("\"path\":\"/_ping\"") {
        assert!(Instant::now() < deadline, "no /_ping record in {text}");
        text.push_str(&next_chunk());
    }
}

/// `docker run --rm busybox true`: the runtime's steps (cgroup, rootfs,
/// clone, the init's mounts and pivot_root, the exec) are records of the
/// `POST /containers/{id}/start` request that caused them, under its
/// `Daemon.ContainerStart` backend call, so a viewer can follow `docker run`
/// from the CLI's request down to the process. (dockerd's equivalent is an
/// OpenTelemetry span tree on moby master; v20.10 only logs.)
#[test]
fn runtime_steps_belong_to_the_start_request() {
    let trace = tempfile::NamedTempFile::new().expect("temp file");
    let path = trace.path().to_string_lossy().to_string();
    let d = TestDaemon::start_with(&["--trace-json", &path]);
    if !common::docker_available() || !d.real_runtime() {
        eprintln!("skipping: needs the docker CLI and the Linux runtime (root)");
        return;
    }
    d.docker_ok(&["run", "--rm", "busybox", "true"]);
    let recs = wait_records(trace.path(), |rs| {
        rs.iter()
            .any(|r| r.name == "runtime.start" && r.dur_us.is_some())
    });
    let start = recs
        .iter()
        .find(|r| r.stage.as_str() == "handler" && r.name == "postContainersStart")
        .expect("the start handler's record");
    let of_start: Vec<&str> = recs
        .iter()
        .filter(|r| r.req == start.req)
        .map(|r| r.name.as_str())
        .collect();
    for step in [
        "Daemon.ContainerStart",
        "runtime.start",
        "runtime.prepare_rootfs",
        "runtime.clone",
        "runtime.init.pivot_root",
        "runtime.init.exec",
    ] {
        assert!(
            of_start.contains(&step),
            "{step} is not among the start request's records: {of_start:?}"
        );
    }
}
