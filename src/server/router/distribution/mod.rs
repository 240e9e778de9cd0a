//! The distribution router: registry metadata for an image reference.
//!
//! Mirrors moby `api/server/router/distribution/distribution.go` (v20.10.24): the router
//! struct and its one route table, in moby's registration order. The
//! handlers live in the `*_routes.rs` files beside it, as in moby.
//!
//! mini-dockerd has no registry client: the route answers 501 naming the
//! moby handler.
//!
//! Lesson: `walkthroughs/05-handlers-and-errors.md`.

mod distribution_routes;

use std::sync::Arc;

use crate::route;
use crate::server::router::{Route, Router};

/// moby `distributionRouter`.
pub struct DistributionRouter;

impl DistributionRouter {
    /// moby `NewRouter`.
    pub fn new() -> Arc<DistributionRouter> {
        Arc::new(DistributionRouter)
    }
}

impl Router for DistributionRouter {
    fn name(&self) -> &'static str {
        "distribution"
    }

    /// moby `initRoutes`.
    fn routes(self: Arc<Self>) -> Vec<Route> {
        let r = &self;
        vec![
            // GET
            route!(
                r,
                GET,
                "/distribution/{name:.*}/json",
                "getDistributionInfo",
                "distribution/distribution_routes.go",
                Self::get_distribution_info
            ),
        ]
    }
}
