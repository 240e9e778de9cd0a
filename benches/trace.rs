//! What the trace costs: the records of one `/_ping`, as the server's
//! stages emit them, through the daemon's own subscriber
//! (src/trace/split.rs) into the trace layer's per-thread ring, and then
//! through the hub, which writes them as JSON.
//!
//! The hub runs as in the daemon, on its own thread, writing into a sink
//! that throws the lines away. The request path and the hub are measured
//! apart: records are made in batches that fit in the thread's ring, and
//! the ring is drained between batches (a loop that does nothing but trace
//! outruns any consumer, and timing records that are dropped because the
//! ring is full would measure the drop instead).
//!
//! - `off`: the trace points of a `/_ping` while nobody listens (one
//!   atomic load each);
//! - `record`: one middleware exit record (three string fields and a
//!   duration), on the request path;
//! - `ping_records`: the twelve records of a traced `GET /_ping`, with the
//!   stage clocks the server reads for their durations, on the request
//!   path;
//! - `hub_ping`: the hub's share of one traced `/_ping`: reading its
//!   twelve records out of the ring, merging, numbering and writing them
//!   as JSON lines.
//!
//! Run with `cargo bench --bench trace`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use mini_dockerd::trace::{self, Hub, HubOptions};
use mini_dockerd::trace_event;

/// The records a `GET /_ping` makes, in the order the stages make them
/// (see the README's "Trace records" example).
fn ping_records(misses: &str) {
    let start = trace::clock();
    trace_event!(
        "request",
        "event",
        "head",
        method = "GET",
        path = "/_ping",
        uri = "/_ping",
        content_length = "",
        user_agent = "oha/1.4.5"
    );
    trace_event!(
        "mux",
        "event",
        "match",
        route_index = 95u64,
        method = "GET",
        template = "/_ping",
        handler = "pingHandler",
        router = "system",
        vars = "{}",
        tried = 96u64,
        misses = misses
    );
    let mws = [
        "AuthzMiddleware",
        "VersionMiddleware",
        "ExperimentalMiddleware",
    ];
    let mut clocks = [None; 3];
    for (i, mw) in mws.iter().enumerate() {
        clocks[i] = trace::clock();
        trace_event!("middleware", "enter", *mw);
    }
    let h = trace::clock();
    trace_event!(
        "handler",
        "enter",
        "pingHandler",
        router = "system",
        file = "system/system_routes.go",
        rust = "src/server/router/system/mod.rs"
    );
    trace_event!(
        "handler",
        "exit",
        "pingHandler",
        status = 200u64,
        dur_us = trace::micros_since_opt(h)
    );
    trace_event!(
        "middleware",
        "exit",
        mws[2],
        decision = "pass",
        experimental = "false",
        dur_us = trace::micros_since_opt(clocks[2])
    );
    trace_event!(
        "middleware",
        "exit",
        mws[1],
        decision = "pass",
        api_version = "1.41",
        dur_us = trace::micros_since_opt(clocks[1])
    );
    trace_event!(
        "middleware",
        "exit",
        mws[0],
        decision = "pass",
        verdict = "allow (no policy)",
        user = "",
        dur_us = trace::micros_since_opt(clocks[0])
    );
    trace_event!(
        "response",
        "event",
        "head",
        status = 200u64,
        content_type = "text/plain; charset=utf-8"
    );
    trace_event!(
        "response",
        "event",
        "end",
        conn = 1u64,
        req = 1u64,
        status = 200u64,
        bytes = 2u64,
        dur_us = trace::micros_since_opt(start),
        complete = true
    );
}

/// Which side of the rings a benchmark times.
#[derive(Clone, Copy)]
enum Side {
    /// Making the records (the request path).
    Request,
    /// Draining them and writing them as JSON (the hub).
    Hub,
}

/// Run `f` `iters` times, in batches of `batch`, draining the rings
/// between batches; returns the time spent on `side`: in `f` alone, or in
/// the drain of the records `f` made.
fn batched(iters: u64, batch: u64, side: Side, mut f: impl FnMut()) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(batch);
        Hub::flush();
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        total += match side {
            Side::Request => start.elapsed(),
            Side::Hub => {
                let start = Instant::now();
                Hub::flush();
                start.elapsed()
            }
        };
        left -= n;
    }
    total
}

fn bench_trace(c: &mut Criterion) {
    let misses = "vp".repeat(47) + "mv";
    let mut group = c.benchmark_group("trace");
    // Nobody listens yet: the hub has not started.
    group.bench_function("off", |b| b.iter(|| ping_records(black_box(&misses))));

    let logs = tracing_subscriber::registry();
    tracing::subscriber::set_global_default(trace::split::TraceSplit::new(logs)).unwrap();
    Hub::start(HubOptions {
        capacity: 8192,
        json: Some(Box::new(std::io::sink())),
        tui: None,
    });
    assert!(trace::active());
    group.bench_function("record", |b| {
        b.iter_custom(|iters| {
            batched(iters, 12 * 256, Side::Request, || {
                trace_event!(
                    "middleware",
                    "exit",
                    black_box("VersionMiddleware"),
                    decision = "pass",
                    api_version = "1.41",
                    dur_us = 3u64
                )
            })
        })
    });
    group.bench_function("ping_records", |b| {
        b.iter_custom(|iters| {
            batched(iters, 256, Side::Request, || {
                ping_records(black_box(&misses))
            })
        })
    });
    group.bench_function("hub_ping", |b| {
        b.iter_custom(|iters| batched(iters, 256, Side::Hub, || ping_records(black_box(&misses))))
    });
    group.finish();
    let s = trace::hub::stats();
    eprintln!(
        "records offered {}, dropped before the hub {}",
        s.offered, s.dropped_at_layer
    );
}

criterion_group!(benches, bench_trace);
criterion_main!(benches);
