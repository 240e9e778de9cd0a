//! The trace layer writes records as JSON itself, straight from the
//! `tracing` event (src/trace/encode.rs), and the hub merges the records of
//! every thread back into time order (src/trace/hub.rs). These tests pin
//! down what a consumer relies on: every line is valid JSON in the
//! `TraceRecord` schema whatever the values hold, and the stream is in
//! order, `seq` and time, across threads. Own test binary: the tracing
//! subscriber and the hub are process-wide.

use std::time::Duration;

use mini_dockerd::trace::{Hub, HubOptions, Phase, Stage, TraceRecord};
use tokio::sync::broadcast;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

fn start() -> broadcast::Receiver<bytes::Bytes> {
    let _ = tracing_subscriber::registry()
        .with(mini_dockerd::trace::layer::trace_layer())
        .try_init();
    Hub::start(HubOptions {
        capacity: 4096,
        json: None,
        tui: None,
    });
    let (_routes, rx, guard) = Hub::subscribe().expect("hub started");
    // Stay attached for the whole test binary.
    std::mem::forget(guard);
    rx
}

/// Read records until `done` says the last one wanted has arrived.
async fn collect(
    rx: &mut broadcast::Receiver<bytes::Bytes>,
    mut done: impl FnMut(&[TraceRecord]) -> bool,
) -> Vec<TraceRecord> {
    let mut out = Vec::new();
    while !done(&out) {
        let batch = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("no records within 5 s")
            .expect("the viewer channel closed");
        for line in batch.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let r: TraceRecord = serde_json::from_slice(line).unwrap_or_else(|e| {
                panic!("not a TraceRecord: {e}: {}", String::from_utf8_lossy(line))
            });
            out.push(r);
        }
    }
    out
}

/// Values with quotes, backslashes, control characters and non-ASCII text
/// come back as they went in; a field that holds JSON stays JSON, and one
/// that only looks like JSON stays a string.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_survive_encoding_and_order_holds_across_threads() {
    let mut rx = start();

    let tricky = "a \"quoted\" \\ back\\slash\nnew line\ttab é 🐳";
    mini_dockerd::trace_event!(
        "backend",
        "exit",
        "Encode.Check",
        text = tricky,
        vars = "{\"id\":\"abc\"}",
        not_json = "[not json",
        count = 7u64,
        delta = -3i64,
        ok = true,
        dur_us = 12u64,
        conn = 5u64,
        req = 9u64
    );
    let got = collect(&mut rx, |rs| rs.iter().any(|r| r.name == "Encode.Check")).await;
    let r = got.iter().find(|r| r.name == "Encode.Check").unwrap();
    assert_eq!(r.stage, Stage::Backend);
    assert_eq!(r.phase, Phase::Exit);
    assert_eq!((r.conn, r.req, r.dur_us), (5, 9, Some(12)));
    assert_eq!(r.field_str("text").as_deref(), Some(tricky));
    assert_eq!(r.fields["vars"], serde_json::json!({"id": "abc"}));
    assert_eq!(r.field_str("not_json").as_deref(), Some("[not json"));
    assert_eq!(r.field_u64("count"), Some(7));
    assert_eq!(r.fields["delta"], serde_json::json!(-3));
    assert_eq!(r.fields["ok"], serde_json::json!(true));

    // Four threads, each writing its own numbered records into its own
    // buffer: the merged stream keeps each thread's order, and `seq` and
    // `ts_ns` never go back.
    const PER_THREAD: u64 = 500;
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..PER_THREAD {
                    mini_dockerd::trace_event!(
                        "runtime",
                        "event",
                        "Order.Check",
                        conn = t,
                        req = i
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let got = collect(&mut rx, |rs| {
        rs.iter().filter(|r| r.name == "Order.Check").count() as u64 == 4 * PER_THREAD
    })
    .await;
    let mut last_seq = 0;
    let mut last_ts = 0;
    let mut next = [0u64; 4];
    for r in got.iter().filter(|r| r.name == "Order.Check") {
        assert!(
            r.seq > last_seq,
            "seq went back: {} after {}",
            r.seq,
            last_seq
        );
        assert!(r.ts_ns >= last_ts, "time went back at seq {}", r.seq);
        last_seq = r.seq;
        last_ts = r.ts_ns;
        let t = r.conn as usize;
        assert_eq!(r.req, next[t], "thread {t}'s records out of order");
        next[t] += 1;
    }
    assert_eq!(next, [PER_THREAD; 4]);
}
