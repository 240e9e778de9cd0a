//! The system router: `/_ping`, `/version`, `/info`, `/events`, `/system/df`,
//! `/auth`, and the `OPTIONS` catch-all.
//!
//! Mirrors moby `api/server/router/system/system.go` (v20.10.24): the
//! router struct and its route table, in moby's registration order. Note
//! the first route, `OPTIONS /{anyroute:.*}`: every OPTIONS request in the
//! API matches it (after the middlewares have run) and gets an empty 200,
//! which is what a CORS preflight needs. See walkthroughs/03-the-mux.md.

pub mod backend;
mod system_routes;

use std::sync::Arc;

use crate::route;
use crate::server::router::{Route, Router};

pub use backend::Backend;

/// moby `systemRouter`.
pub struct SystemRouter {
    backend: Arc<dyn Backend>,
}

impl SystemRouter {
    /// moby `NewRouter(b Backend, c ClusterBackend, ...)`. We have no
    /// cluster and no builder, so the daemon is the only backend.
    pub fn new(backend: Arc<dyn Backend>) -> Arc<SystemRouter> {
        Arc::new(SystemRouter { backend })
    }
}

impl Router for SystemRouter {
    fn name(&self) -> &'static str {
        "system"
    }

    /// moby `initRoutes`.
    fn routes(self: Arc<Self>) -> Vec<Route> {
        let r = &self;
        vec![
            // OPTIONS
            route!(
                r,
                OPTIONS,
                "/{anyroute:.*}",
                "optionsHandler",
                "system/system_routes.go",
                Self::options_handler
            ),
            // GET and HEAD
            route!(
                r,
                GET,
                "/_ping",
                "pingHandler",
                "system/system_routes.go",
                Self::ping_handler
            ),
            route!(
                r,
                HEAD,
                "/_ping",
                "pingHandler",
                "system/system_routes.go",
                Self::ping_handler
            ),
            route!(
                r,
                GET,
                "/events",
                "getEvents",
                "system/system_routes.go",
                Self::get_events
            ),
            route!(
                r,
                GET,
                "/info",
                "getInfo",
                "system/system_routes.go",
                Self::get_info
            ),
            route!(
                r,
                GET,
                "/version",
                "getVersion",
                "system/system_routes.go",
                Self::get_version
            ),
            route!(
                r,
                GET,
                "/system/df",
                "getDiskUsage",
                "system/system_routes.go",
                Self::get_disk_usage
            ),
            // POST
            route!(
                r,
                POST,
                "/auth",
                "postAuth",
                "system/system_routes.go",
                Self::post_auth
            ),
        ]
    }
}
