//! Handlers of the container router.
//!
//! Mirrors moby `api/server/router/container/inspect.go` (v20.10.24).
//! Until the container backend exists, each route answers 501 naming the
//! moby handler.

use std::sync::Arc;

use hyper::Response;

use crate::errdefs::Result;
use crate::server::httputils::{ApiRequest, Body, Ctx, Vars};
use crate::server::router::not_implemented_error;

use super::ContainerRouter;

impl ContainerRouter {
    /// moby `getContainersByName`: `GET /containers/{name:.*}/json`.
    pub(super) async fn get_containers_by_name(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getContainersByName",
            "container/inspect.go",
        ))
    }
}
