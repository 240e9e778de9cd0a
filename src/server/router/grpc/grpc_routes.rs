//! Handlers of the grpc router.
//!
//! Mirrors moby `api/server/router/grpc/grpc_routes.go` (v20.10.24).
//! mini-dockerd has no BuildKit: the route answers 501 naming the moby
//! handler.

use std::sync::Arc;

use hyper::Response;

use crate::errdefs::Result;
use crate::server::httputils::{ApiRequest, Body, Ctx, Vars};
use crate::server::router::not_implemented_error;

use super::GrpcRouter;

impl GrpcRouter {
    /// moby `serveGRPC`: `POST /grpc`.
    pub(super) async fn serve_grpc(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error("serveGRPC", "grpc/grpc_routes.go"))
    }
}
