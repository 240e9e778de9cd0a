//! Handlers of the debug router, and mini-dockerd's trace stream.
//!
//! Mirrors moby `api/server/router/debug/debug.go` and `debug_routes.go`
//! (v20.10.24). See the router's module documentation for what differs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::{Response, StatusCode};
use tokio::sync::{broadcast, mpsc};

use crate::errdefs::{Error, Result};
use crate::server::httputils::{write_json, ApiRequest, Body, Ctx, Vars};
use crate::trace::{hub, Hub};

use super::DebugRouter;

/// When the daemon started, for `/debug/vars`.
static STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

/// Remember the start time (called once by the daemon at start-up).
pub fn mark_started() {
    let _ = STARTED.set(Instant::now());
}

fn pprof_missing(what: &str) -> Error {
    Error::not_implemented(format!(
        "{what}: Go's net/http/pprof has no counterpart in a Rust daemon; see /debug/vars and /debug/trace (moby: api/server/router/debug/debug.go)"
    ))
}

impl DebugRouter {
    /// moby `expvar.Handler()`: process counters as JSON.
    pub(super) async fn expvar_handler(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let stats = hub::stats();
        let uptime = STARTED
            .get()
            .map(|s| s.elapsed().as_secs_f64())
            .unwrap_or(0.0);
        write_json(
            StatusCode::OK,
            &serde_json::json!({
                "cmdline": std::env::args().collect::<Vec<_>>(),
                "uptime_seconds": uptime,
                "rss_bytes": resident_memory(),
                "trace": stats,
            }),
        )
    }

    /// moby `pprof.Index`.
    pub(super) async fn pprof_index(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(pprof_missing("pprof.Index"))
    }

    /// moby `pprof.Cmdline`.
    pub(super) async fn pprof_cmdline(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(pprof_missing("pprof.Cmdline"))
    }

    /// moby `pprof.Profile`.
    pub(super) async fn pprof_profile(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(pprof_missing("pprof.Profile"))
    }

    /// moby `pprof.Symbol`.
    pub(super) async fn pprof_symbol(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(pprof_missing("pprof.Symbol"))
    }

    /// moby `pprof.Trace` (Go's execution tracer, not our trace records).
    pub(super) async fn pprof_trace(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(pprof_missing("pprof.Trace"))
    }

    /// moby `handlePprof`: `/debug/pprof/{name}`.
    pub(super) async fn handle_pprof(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let name = vars.get("name").cloned().unwrap_or_default();
        Err(pprof_missing(&format!("pprof.Handler({name:?})")))
    }
}

/// mini-dockerd's own `GET /debug/trace`: the trace records as JSON lines,
/// the route table first, for as long as the client stays.
///
/// A viewer is a broadcast receiver: if it reads too slowly it lags, the
/// records it missed are counted as dropped, and the daemon never waits
/// for it.
pub async fn get_trace(_ctx: Ctx, _req: ApiRequest, _vars: Vars) -> Result<Response<Body>> {
    let Some((routes, mut rx, guard)) = Hub::subscribe() else {
        return Err(Error::unavailable("the trace hub is not running"));
    };
    let (tx, body_rx) = mpsc::channel::<Bytes>(64);
    tokio::spawn(async move {
        // Keep the viewer counted as attached until this task ends.
        let _guard = guard;
        if let Some(r) = routes {
            if tx.send(r).await.is_err() {
                return;
            }
        }
        // A heartbeat keeps an idle stream from looking dead to a viewer
        // and lets us notice a viewer that left while nothing happened.
        let mut beat = tokio::time::interval(Duration::from_secs(5));
        loop {
            tokio::select! {
                r = rx.recv() => match r {
                    Ok(line) => if tx.send(line).await.is_err() { return },
                    Err(broadcast::error::RecvError::Lagged(n)) => Hub::viewer_lagged(n),
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = beat.tick() => if tx.send(Bytes::from_static(b"\n")).await.is_err() { return },
                _ = tx.closed() => return,
                // End the stream when the daemon stops, so that an attached
                // viewer does not hold up its shutdown.
                _ = crate::server::shutting_down() => return,
            }
        }
    });
    Ok(crate::server::httputils::stream_response(
        "application/x-ndjson",
        body_rx,
    ))
}

/// Resident memory in bytes, from /proc/self/statm (0 where there is none).
pub fn resident_memory() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map(|pages| pages * 4096)
        .unwrap_or(0)
}
