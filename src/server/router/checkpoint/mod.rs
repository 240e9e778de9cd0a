//! The checkpoint router: container checkpoints (CRIU), an experimental feature of dockerd.
//!
//! Mirrors moby `api/server/router/checkpoint/checkpoint.go` (v20.10.24): the router
//! struct and its one route table, in moby's registration order. The
//! handlers live in the `*_routes.rs` files beside it, as in moby.
//!
//! Checkpoints need CRIU; mini-dockerd has none, so these routes keep
//! moby's experimental wrapper (501 unless `--experimental`) and then
//! answer 501 naming the moby handler.
//!
//! Lesson: `walkthroughs/05-handlers-and-errors.md`.

mod checkpoint_routes;

use std::sync::Arc;

use crate::route;
use crate::server::router::experimental;
use crate::server::router::{Route, Router};

/// moby `checkpointRouter`.
pub struct CheckpointRouter {
    /// Whether the daemon runs with `--experimental` (moby enables the
    /// experimental routes in `initRouter`).
    experimental: bool,
}

impl CheckpointRouter {
    /// moby `NewRouter`.
    pub fn new(experimental: bool) -> Arc<CheckpointRouter> {
        Arc::new(CheckpointRouter { experimental })
    }
}

impl Router for CheckpointRouter {
    fn name(&self) -> &'static str {
        "checkpoint"
    }

    /// moby `initRoutes`.
    fn routes(self: Arc<Self>) -> Vec<Route> {
        let r = &self;
        let on = self.experimental;
        vec![
            // GET
            experimental(
                route!(
                    r,
                    GET,
                    "/containers/{name:.*}/checkpoints",
                    "getContainerCheckpoints",
                    "checkpoint/checkpoint_routes.go",
                    Self::get_container_checkpoints
                ),
                on,
            ),
            // POST
            experimental(
                route!(
                    r,
                    POST,
                    "/containers/{name:.*}/checkpoints",
                    "postContainerCheckpoint",
                    "checkpoint/checkpoint_routes.go",
                    Self::post_container_checkpoint
                ),
                on,
            ),
            // DELETE
            experimental(
                route!(
                    r,
                    DELETE,
                    "/containers/{name}/checkpoints/{checkpoint}",
                    "deleteContainerCheckpoint",
                    "checkpoint/checkpoint_routes.go",
                    Self::delete_container_checkpoint
                ),
                on,
            ),
        ]
    }
}
