//! Shared fixtures for the TUI tests: fixed trace records with fixed
//! timestamps, so models and snapshots are the same on every run.
#![allow(dead_code)]

use mini_dockerd::trace::{Phase, Stage, TraceRecord};
use mini_dockerd::tui::app::{App, Message};
use mini_dockerd::tui::source::parse_lines;

/// 2026-11-24 09:25:45 UTC, the start of the recorded session.
pub const BASE_NS: u64 = 1_795_512_345_000_000_000;
/// The container of the recorded `docker run --rm busybox echo hi`.
pub const CID: &str = "559d479c69f838358522e2fe352668f90b821f496d951ce4b215e10caa716fb2";
pub const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/docker-run-busybox.jsonl"
);

/// The recorded session: `docker run --rm busybox echo hi` (HEAD /_ping,
/// create, attach (101, hijacked), wait, start) and a `GET /nope` 404.
pub fn fixture() -> Vec<TraceRecord> {
    let text = std::fs::read_to_string(FIXTURE).expect("fixture");
    let (records, bad) = parse_lines(&text);
    assert_eq!(bad, 0, "the fixture has malformed lines");
    records
}

/// A model fed the records up to and including `upto_seq`.
pub fn app_upto(upto_seq: u64) -> App {
    let mut app = App::new(1000);
    let recs: Vec<_> = fixture()
        .into_iter()
        .filter(|r| r.seq <= upto_seq)
        .collect();
    app.update(Message::Records(recs));
    app
}

/// A model fed the whole session.
pub fn app_full() -> App {
    app_upto(u64::MAX)
}

/// One record, `us` microseconds after [`BASE_NS`].
#[allow(clippy::too_many_arguments)]
pub fn rec(
    seq: u64,
    us: u64,
    conn: u64,
    req: u64,
    stage: Stage,
    phase: Phase,
    name: &str,
    fields: serde_json::Value,
) -> TraceRecord {
    TraceRecord {
        seq,
        ts_ns: BASE_NS + us * 1000,
        conn,
        req,
        stage,
        phase,
        name: name.into(),
        dur_us: None,
        fields: fields.as_object().cloned().unwrap_or_default(),
    }
}

/// The three records of a minimal finished request: head, match, end.
pub fn simple_request(
    seq: u64,
    us: u64,
    req: u64,
    method: &str,
    path: &str,
    status: u64,
) -> Vec<TraceRecord> {
    let mut end = rec(
        seq + 2,
        us + 100,
        1,
        req,
        Stage::Response,
        Phase::Event,
        "end",
        serde_json::json!({"status": status, "bytes": 2, "complete": true}),
    );
    end.dur_us = Some(100);
    vec![
        rec(
            seq,
            us,
            1,
            req,
            Stage::Request,
            Phase::Event,
            "head",
            serde_json::json!({"method": method, "uri": path, "path": path}),
        ),
        rec(
            seq + 1,
            us + 10,
            1,
            req,
            Stage::Mux,
            Phase::Event,
            "match",
            serde_json::json!({"route_index": 0, "template": path, "handler": "h", "tried": 1, "misses": ""}),
        ),
        end,
    ]
}
