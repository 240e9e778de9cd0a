//! The grpc router: BuildKit over gRPC (an upgraded connection).
//!
//! Mirrors moby `api/server/router/grpc/grpc.go` (v20.10.24): the router
//! struct and its one route table, in moby's registration order. The
//! handlers live in the `*_routes.rs` files beside it, as in moby.
//!
//! mini-dockerd has no BuildKit: the route answers 501 naming the moby
//! handler.
//!
//! Lesson: `walkthroughs/05-handlers-and-errors.md`.

mod grpc_routes;

use std::sync::Arc;

use crate::route;
use crate::server::router::{Route, Router};

/// moby `grpcRouter`.
pub struct GrpcRouter;

impl GrpcRouter {
    /// moby `NewRouter`.
    pub fn new() -> Arc<GrpcRouter> {
        Arc::new(GrpcRouter)
    }
}

impl Router for GrpcRouter {
    fn name(&self) -> &'static str {
        "grpc"
    }

    /// moby `initRoutes`.
    fn routes(self: Arc<Self>) -> Vec<Route> {
        let r = &self;
        vec![
            // POST
            route!(
                r,
                POST,
                "/grpc",
                "serveGRPC",
                "grpc/grpc_routes.go",
                Self::serve_grpc
            ),
        ]
    }
}
