//! The build router: `docker build` (the classic builder and BuildKit).
//!
//! Mirrors moby `api/server/router/build/build.go` (v20.10.24): the router
//! struct and its one route table, in moby's registration order. The
//! handlers live in the `*_routes.rs` files beside it, as in moby.
//!
//! mini-dockerd has no builder: each route answers 501 naming the moby
//! handler it mirrors.
//!
//! Lesson: `walkthroughs/05-handlers-and-errors.md`.

mod build_routes;

use std::sync::Arc;

use crate::route;
use crate::server::router::{Route, Router};

/// moby `buildRouter`.
pub struct BuildRouter;

impl BuildRouter {
    /// moby `NewRouter`.
    pub fn new() -> Arc<BuildRouter> {
        Arc::new(BuildRouter)
    }
}

impl Router for BuildRouter {
    fn name(&self) -> &'static str {
        "build"
    }

    /// moby `initRoutes`.
    fn routes(self: Arc<Self>) -> Vec<Route> {
        let r = &self;
        vec![
            // POST
            route!(
                r,
                POST,
                "/build",
                "postBuild",
                "build/build_routes.go",
                Self::post_build
            ),
            route!(
                r,
                POST,
                "/build/prune",
                "postPrune",
                "build/build_routes.go",
                Self::post_prune
            ),
            route!(
                r,
                POST,
                "/build/cancel",
                "postCancel",
                "build/build_routes.go",
                Self::post_cancel
            ),
        ]
    }
}
