//! Handlers of the container router.
//!
//! Mirrors moby `api/server/router/container/exec.go` (v20.10.24).
//! Until the container backend exists, each route answers 501 naming the
//! moby handler.

use std::sync::Arc;

use hyper::Response;

use crate::errdefs::Result;
use crate::server::httputils::{ApiRequest, Body, Ctx, Vars};
use crate::server::router::not_implemented_error;

use super::ContainerRouter;

impl ContainerRouter {
    /// moby `getExecByID`: `GET /exec/{id:.*}/json`.
    pub(super) async fn get_exec_by_id(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error("getExecByID", "container/exec.go"))
    }

    /// moby `postContainerExecCreate`: `POST /containers/{name:.*}/exec`.
    pub(super) async fn post_container_exec_create(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainerExecCreate",
            "container/exec.go",
        ))
    }

    /// moby `postContainerExecStart`: `POST /exec/{name:.*}/start`.
    pub(super) async fn post_container_exec_start(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainerExecStart",
            "container/exec.go",
        ))
    }

    /// moby `postContainerExecResize`: `POST /exec/{name:.*}/resize`.
    pub(super) async fn post_container_exec_resize(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainerExecResize",
            "container/exec.go",
        ))
    }
}
