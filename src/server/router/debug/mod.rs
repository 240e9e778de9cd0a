//! The debug router: `/debug/vars` and the `/debug/pprof/*` family.
//!
//! Mirrors moby `api/server/router/debug/debug.go` (v20.10.24). moby does
//! not register these routes with the others: `createMux` adds them after
//! every other router, once, under `/debug` and for any method
//! (`m.Path("/debug" + r.Path()).Handler(f)`), so there is no versioned
//! form. `Server::create_mux` reproduces that for the router named "debug".
//!
//! In Go, the handlers are the standard library's `expvar` and
//! `net/http/pprof`. Rust has no runtime profiler to hand out, so
//! `/debug/vars` answers with our own counters (trace records offered and
//! dropped, viewers attached, uptime, resident memory) and the pprof routes
//! answer 501 naming what they mirror.
//!
//! One route here is mini-dockerd's own and not moby's: `GET /debug/trace`
//! streams the trace records as JSON lines, so that `mini-dockerd tui` in
//! another terminal can attach to a running daemon. It is registered by
//! `create_mux` right after these routes, and `mini-dockerd routes` marks it
//! as ours.
//!
//! Lesson: `walkthroughs/05-handlers-and-errors.md`.

pub mod debug_routes;

use std::sync::Arc;

use crate::route;
use crate::server::router::{Route, Router};

/// moby `debugRouter`.
pub struct DebugRouter;

impl DebugRouter {
    /// moby `NewRouter`.
    pub fn new() -> Arc<DebugRouter> {
        Arc::new(DebugRouter)
    }
}

impl Router for DebugRouter {
    fn name(&self) -> &'static str {
        "debug"
    }

    /// moby `initRoutes`. The paths are relative to `/debug`.
    fn routes(self: Arc<Self>) -> Vec<Route> {
        let r = &self;
        vec![
            // GET
            route!(
                r,
                GET,
                "/vars",
                "expvar.Handler",
                "debug/debug.go",
                Self::expvar_handler
            ),
            route!(
                r,
                GET,
                "/pprof/",
                "pprof.Index",
                "debug/debug.go",
                Self::pprof_index
            ),
            route!(
                r,
                GET,
                "/pprof/cmdline",
                "pprof.Cmdline",
                "debug/debug.go",
                Self::pprof_cmdline
            ),
            route!(
                r,
                GET,
                "/pprof/profile",
                "pprof.Profile",
                "debug/debug.go",
                Self::pprof_profile
            ),
            route!(
                r,
                GET,
                "/pprof/symbol",
                "pprof.Symbol",
                "debug/debug.go",
                Self::pprof_symbol
            ),
            route!(
                r,
                GET,
                "/pprof/trace",
                "pprof.Trace",
                "debug/debug.go",
                Self::pprof_trace
            ),
            route!(
                r,
                GET,
                "/pprof/{name}",
                "handlePprof",
                "debug/debug_routes.go",
                Self::handle_pprof
            ),
        ]
    }
}
