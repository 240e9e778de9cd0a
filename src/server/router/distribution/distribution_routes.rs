//! Handlers of the distribution router.
//!
//! Mirrors moby `api/server/router/distribution/distribution_routes.go` (v20.10.24).
//! mini-dockerd has no registry client: the route answers 501 naming the
//! moby handler.

use std::sync::Arc;

use hyper::Response;

use crate::errdefs::Result;
use crate::server::httputils::{ApiRequest, Body, Ctx, Vars};
use crate::server::router::not_implemented_error;

use super::DistributionRouter;

impl DistributionRouter {
    /// moby `getDistributionInfo`: `GET /distribution/{name:.*}/json`.
    pub(super) async fn get_distribution_info(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getDistributionInfo",
            "distribution/distribution_routes.go",
        ))
    }
}
