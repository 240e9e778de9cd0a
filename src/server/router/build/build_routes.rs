//! Handlers of the build router.
//!
//! Mirrors moby `api/server/router/build/build_routes.go` (v20.10.24).
//! mini-dockerd has no builder: each route answers 501 naming the moby
//! handler it mirrors.

use std::sync::Arc;

use hyper::Response;

use crate::errdefs::Result;
use crate::server::httputils::{ApiRequest, Body, Ctx, Vars};
use crate::server::router::not_implemented_error;

use super::BuildRouter;

impl BuildRouter {
    /// moby `postBuild`: `POST /build`.
    pub(super) async fn post_build(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error("postBuild", "build/build_routes.go"))
    }

    /// moby `postPrune`: `POST /build/prune`.
    pub(super) async fn post_prune(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error("postPrune", "build/build_routes.go"))
    }

    /// moby `postCancel`: `POST /build/cancel`.
    pub(super) async fn post_cancel(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error("postCancel", "build/build_routes.go"))
    }
}
