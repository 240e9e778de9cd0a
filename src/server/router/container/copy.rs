//! Handlers of the container router.
//!
//! Mirrors moby `api/server/router/container/copy.go` (v20.10.24).
//! Until the container backend exists, each route answers 501 naming the
//! moby handler.

use std::sync::Arc;

use hyper::Response;

use crate::errdefs::Result;
use crate::server::httputils::{ApiRequest, Body, Ctx, Vars};
use crate::server::router::not_implemented_error;

use super::ContainerRouter;

impl ContainerRouter {
    /// moby `headContainersArchive`: `HEAD /containers/{name:.*}/archive`.
    pub(super) async fn head_containers_archive(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "headContainersArchive",
            "container/copy.go",
        ))
    }

    /// moby `getContainersArchive`: `GET /containers/{name:.*}/archive`.
    pub(super) async fn get_containers_archive(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getContainersArchive",
            "container/copy.go",
        ))
    }

    /// moby `postContainersCopy`: `POST /containers/{name:.*}/copy`.
    pub(super) async fn post_containers_copy(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersCopy",
            "container/copy.go",
        ))
    }

    /// moby `putContainersArchive`: `PUT /containers/{name:.*}/archive`.
    pub(super) async fn put_containers_archive(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "putContainersArchive",
            "container/copy.go",
        ))
    }
}
