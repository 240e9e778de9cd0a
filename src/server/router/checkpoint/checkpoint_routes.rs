//! Handlers of the checkpoint router.
//!
//! Mirrors moby `api/server/router/checkpoint/checkpoint_routes.go` (v20.10.24).
//! Checkpoints need CRIU; mini-dockerd has none, so these routes keep
//! moby's experimental wrapper (501 unless `--experimental`) and then
//! answer 501 naming the moby handler.

use std::sync::Arc;

use hyper::Response;

use crate::errdefs::Result;
use crate::server::httputils::{ApiRequest, Body, Ctx, Vars};
use crate::server::router::not_implemented_error;

use super::CheckpointRouter;

impl CheckpointRouter {
    /// moby `getContainerCheckpoints`: `GET /containers/{name:.*}/checkpoints`.
    pub(super) async fn get_container_checkpoints(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getContainerCheckpoints",
            "checkpoint/checkpoint_routes.go",
        ))
    }

    /// moby `postContainerCheckpoint`: `POST /containers/{name:.*}/checkpoints`.
    pub(super) async fn post_container_checkpoint(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainerCheckpoint",
            "checkpoint/checkpoint_routes.go",
        ))
    }

    /// moby `deleteContainerCheckpoint`: `DELETE /containers/{name}/checkpoints/{checkpoint}`.
    pub(super) async fn delete_container_checkpoint(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "deleteContainerCheckpoint",
            "checkpoint/checkpoint_routes.go",
        ))
    }
}
