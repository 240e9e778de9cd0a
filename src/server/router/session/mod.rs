//! The session router: BuildKit sessions (a hijacked HTTP/2 connection).
//!
//! Mirrors moby `api/server/router/session/session.go` (v20.10.24): the router
//! struct and its one route table, in moby's registration order. The
//! handlers live in the `*_routes.rs` files beside it, as in moby.
//!
//! mini-dockerd has no builder and so no BuildKit sessions: the route
//! answers 501.
//!
//! Lesson: `walkthroughs/05-handlers-and-errors.md`.

mod session_routes;

use std::sync::Arc;

use crate::route;
use crate::server::router::{Route, Router};

/// moby `sessionRouter`.
pub struct SessionRouter;

impl SessionRouter {
    /// moby `NewRouter`.
    pub fn new() -> Arc<SessionRouter> {
        Arc::new(SessionRouter)
    }
}

impl Router for SessionRouter {
    fn name(&self) -> &'static str {
        "session"
    }

    /// moby `initRoutes`.
    fn routes(self: Arc<Self>) -> Vec<Route> {
        let r = &self;
        vec![
            // POST
            route!(
                r,
                POST,
                "/session",
                "startSession",
                "session/session_routes.go",
                Self::start_session
            ),
        ]
    }
}
