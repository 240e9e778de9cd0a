//! The build router: `docker build` (the classic builder and BuildKit).
//!
//! Mirrors moby `api/server/router/build/build.go` (v20.10.24): the router
//! struct and its one route table, in moby's registration order. The
//! handlers live in the `*_routes.rs` files beside it, as in moby.
//!
//! `POST /build` runs the classic builder through the build backend
//! (`src/server/backend/build`). The BuildKit routes, `POST /build/prune`
//! and `POST /build/cancel`, answer 501 naming the moby handler: there is
//! no BuildKit here.
//!
//! Lesson: `walkthroughs/05-handlers-and-errors.md`.

mod backend;
mod build_routes;

use std::sync::Arc;

use crate::route;
use crate::server::router::{Route, Router};

pub use backend::Backend;

/// moby `buildRouter`.
pub struct BuildRouter {
    backend: Arc<dyn Backend>,
    /// moby asks the daemon (`experimentalProvider.HasExperimental`);
    /// only `squash` depends on it.
    experimental: bool,
}

impl BuildRouter {
    /// moby `NewRouter(b, d, features)`.
    pub fn new(backend: Arc<dyn Backend>, experimental: bool) -> Arc<BuildRouter> {
        Arc::new(BuildRouter {
            backend,
            experimental,
        })
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
