//! `mini-dockerd walkthrough NAME`: replays a lesson's requests and
//! narrates the stages each went through, from the daemon's own trace
//! stream (`GET /debug/trace`).

mod common;

use std::path::PathBuf;
use std::process::Command;

use mini_dockerd::trace::TraceRecord;
use mini_dockerd::walkthrough::{lessons, narrate::narrate};

fn bin() -> PathBuf {
    common::daemon_bin()
}

/// Every lesson the command knows has its markdown file, and every lesson
/// file has an entry: the command and the lessons cannot drift apart.
#[test]
fn every_lesson_has_its_file_and_every_file_its_lesson() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("walkthroughs");
    for l in lessons::LESSONS {
        assert!(dir.join(format!("{}.md", l.name)).exists(), "{}", l.name);
    }
    for e in std::fs::read_dir(&dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        if let Some(stem) = name.strip_suffix(".md") {
            if stem.as_bytes()[0].is_ascii_digit() {
                assert!(lessons::find(stem).is_some(), "no lesson entry for {name}");
            }
        }
    }
    assert_eq!(lessons::find("3").map(|l| l.name), Some("03-the-mux"));
    assert_eq!(lessons::find("the-mux").map(|l| l.name), Some("03-the-mux"));
    assert_eq!(lessons::find("08").map(|l| l.name), Some("08-engine-jobs"));
}

fn rec(seq: u64, stage: &str, phase: &str, name: &str, fields: serde_json::Value) -> TraceRecord {
    serde_json::from_value(serde_json::json!({
        "seq": seq, "ts_ns": 0, "conn": 1, "req": 7, "stage": stage, "phase": phase,
        "name": name, "fields": fields,
        "dur_us": if phase == "exit" || name == "end" { Some(300) } else { None },
    }))
    .unwrap()
}

/// The narration of one request reads its records in order: the mux's
/// template and tries, each middleware with its decision, the handler
/// with its moby file, then status, size and time.
#[test]
fn narration_names_every_stage_in_order() {
    let records = vec![
        rec(
            1,
            "request",
            "event",
            "head",
            serde_json::json!({"method": "GET", "path": "/v1.41/version"}),
        ),
        rec(
            2,
            "mux",
            "event",
            "match",
            serde_json::json!({"template": "/v{version:[0-9.]+}/version", "tried": 40, "handler": "getVersion", "vars": "{\"version\":\"1.41\"}"}),
        ),
        rec(
            3,
            "middleware",
            "enter",
            "AuthzMiddleware",
            serde_json::json!({}),
        ),
        rec(
            4,
            "middleware",
            "enter",
            "VersionMiddleware",
            serde_json::json!({}),
        ),
        rec(
            5,
            "middleware",
            "enter",
            "ExperimentalMiddleware",
            serde_json::json!({}),
        ),
        rec(
            6,
            "handler",
            "enter",
            "getVersion",
            serde_json::json!({"file": "system/system_routes.go"}),
        ),
        rec(
            7,
            "handler",
            "exit",
            "getVersion",
            serde_json::json!({"status": 200}),
        ),
        rec(
            8,
            "middleware",
            "exit",
            "ExperimentalMiddleware",
            serde_json::json!({"decision": "pass"}),
        ),
        rec(
            9,
            "middleware",
            "exit",
            "VersionMiddleware",
            serde_json::json!({"decision": "pass", "api_version": "1.41"}),
        ),
        rec(
            10,
            "middleware",
            "exit",
            "AuthzMiddleware",
            serde_json::json!({"decision": "pass", "verdict": "allow (no policy)"}),
        ),
        rec(
            11,
            "response",
            "event",
            "end",
            serde_json::json!({"status": 200, "bytes": 812}),
        ),
    ];
    assert_eq!(
        narrate(7, "GET", "/v1.41/version", &records),
        "request 7: GET /v1.41/version → mux matched /v{version:[0-9.]+}/version after 40 tries \
         → AuthzMiddleware (allow (no policy)) → VersionMiddleware (api 1.41) → ExperimentalMiddleware \
         → getVersion (system/system_routes.go) → 200, 812 bytes, 0.3 ms"
    );
}

/// Against a running daemon (`-H`), the command narrates each request of
/// the lesson, including where a middleware stopped it.
#[test]
fn replays_a_lesson_against_a_running_daemon() {
    let daemon = common::TestDaemon::start();
    let out = Command::new(bin())
        .args(["walkthrough", "04", "-H", &daemon.host])
        .output()
        .unwrap();
    drop(daemon);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "request 1: GET /v1.41/version → mux matched /v{version:[0-9.]+}/version after"
        ),
        "{text}"
    );
    assert!(text.contains("→ VersionMiddleware (rejected: client version 9.99 is too new. Maximum supported API version is 1.41) → 400, 84 bytes"), "{text}");
    assert!(text.contains("VersionMiddleware (api 1.24) → ExperimentalMiddleware → getVersion (system/system_routes.go) → 200"), "{text}");
}

/// With nobody at the given socket, the command starts a private daemon
/// on a temporary socket, and stops it afterwards.
#[test]
fn starts_a_private_daemon_when_none_answers() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(bin())
        .args(["walkthrough", "02", "-H"])
        .arg(format!(
            "unix://{}",
            dir.path().join("nobody.sock").display()
        ))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("no daemon answers at"), "{text}");
    assert!(
        text.contains("request 2: HEAD /_ping → mux matched /_ping after"),
        "{text}"
    );
    assert!(
        text.contains("pingHandler (system/system_routes.go) → 200, 0 bytes"),
        "{text}"
    );
}

/// An unknown lesson is an error that lists the lessons.
#[test]
fn an_unknown_lesson_lists_the_lessons() {
    let out = Command::new(bin())
        .args(["walkthrough", "nope"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no lesson named \"nope\""), "{err}");
    assert!(err.contains("08-engine-jobs"), "{err}");
}

/// The recorded sessions the README offers for `tui --replay` are valid
/// trace records, each with at least one complete request, and the
/// engine-jobs recording shows jobs.
#[test]
fn recorded_traces_are_valid_trace_records() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("walkthroughs/traces");
    let mut files = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "jsonl") {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        // The TUI's own reader takes every line.
        let (_, bad) = mini_dockerd::tui::source::parse_lines(&text);
        assert_eq!(bad, 0, "{}: lines the TUI cannot replay", path.display());
        let records: Vec<TraceRecord> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}: {l}", path.display()))
            })
            .collect();
        assert!(
            records
                .iter()
                .any(|r| r.stage == mini_dockerd::trace::Stage::Response && r.name == "end"),
            "{}: no complete request",
            path.display()
        );
        if path.ends_with("08-engine-jobs.jsonl") {
            assert!(records
                .iter()
                .any(|r| r.stage == mini_dockerd::trace::Stage::Job && r.name == "version"));
        }
    }
    assert!(files >= 5, "the README lists at least five recordings");
}
