//! How long the mux takes to route one request over the full route table.
//!
//! The table is the real one: every router of `cmd/daemon.rs`
//! `init_router`, registered by `Server::create_mux` exactly as the daemon
//! does (moby `createMux`: each route versioned then plain, the debug
//! routes, the trace route, the versioned catch-all; 237 entries). As in
//! gorilla/mux, the cost grows with the position of the matching route,
//! so the cases span the table:
//!
//! - `first`: the first registration (checkpoint list, versioned);
//! - `middle`: `GET /containers/json` (getContainersJSON), plain and versioned;
//! - `late`: `GET /v1.41/networks/abc` (near the end of the table);
//! - `ping`: `HEAD /_ping`, what the CLI sends before anything else;
//! - `unmatched`: an unknown unversioned path (every route tried, 404);
//! - `catch_all`: an unknown versioned path (the catch-all, last).
//!
//! Run with `cargo bench --bench mux`; criterion prints the time per match.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hyper::Method;
use mini_dockerd::server::mux::{MatchOutcome, MatchReport};

fn bench_mux(c: &mut Criterion) {
    let server = mini_dockerd::cmd::daemon::build_server_for_listing();
    let mux = server.create_mux();
    let cases: &[(&str, Method, &str)] = &[
        ("first", Method::GET, "/v1.41/containers/abc/checkpoints"),
        ("middle_plain", Method::GET, "/containers/json"),
        ("middle_versioned", Method::GET, "/v1.41/containers/json"),
        (
            "inspect_versioned",
            Method::GET,
            "/v1.41/containers/abc/json",
        ),
        ("ping_head", Method::HEAD, "/_ping"),
        ("late", Method::GET, "/v1.41/networks/abc"),
        ("unmatched", Method::GET, "/no/such/route"),
        ("catch_all", Method::GET, "/v1.41/no/such/route"),
    ];
    let mut group = c.benchmark_group("mux_find");
    for (name, method, path) in cases {
        // Check the case does what its name says before timing it.
        let mut report = MatchReport::recording();
        let what = match mux.find(method, path, &mut report) {
            MatchOutcome::Matched { route, .. } => route.handler.handler_name.to_string(),
            MatchOutcome::NotFound { .. } => "not found".to_string(),
            MatchOutcome::Redirect { .. } => "redirect".to_string(),
        };
        eprintln!(
            "{name}: {method} {path} -> {what} after {} routes",
            report.tried
        );
        group.bench_function(*name, |b| {
            b.iter(|| {
                let mut report = MatchReport::recording();
                let out = mux.find(black_box(method), black_box(path), &mut report);
                black_box(matches!(out, MatchOutcome::Matched { .. }));
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_mux);
criterion_main!(benches);
