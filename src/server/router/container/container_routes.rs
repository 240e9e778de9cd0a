//! Handlers of the container router.
//!
//! Mirrors moby `api/server/router/container/container_routes.go` (v20.10.24).
//! Until the container backend exists, each route answers 501 naming the
//! moby handler.

use std::sync::Arc;

use hyper::Response;

use crate::errdefs::Result;
use crate::server::httputils::{ApiRequest, Body, Ctx, Vars};
use crate::server::router::not_implemented_error;

use super::ContainerRouter;

impl ContainerRouter {
    /// moby `getContainersJSON`: `GET /containers/json`.
    pub(super) async fn get_containers_json(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getContainersJSON",
            "container/container_routes.go",
        ))
    }

    /// moby `getContainersExport`: `GET /containers/{name:.*}/export`.
    pub(super) async fn get_containers_export(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getContainersExport",
            "container/container_routes.go",
        ))
    }

    /// moby `getContainersChanges`: `GET /containers/{name:.*}/changes`.
    pub(super) async fn get_containers_changes(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getContainersChanges",
            "container/container_routes.go",
        ))
    }

    /// moby `getContainersTop`: `GET /containers/{name:.*}/top`.
    pub(super) async fn get_containers_top(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getContainersTop",
            "container/container_routes.go",
        ))
    }

    /// moby `getContainersLogs`: `GET /containers/{name:.*}/logs`.
    pub(super) async fn get_containers_logs(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getContainersLogs",
            "container/container_routes.go",
        ))
    }

    /// moby `getContainersStats`: `GET /containers/{name:.*}/stats`.
    pub(super) async fn get_containers_stats(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getContainersStats",
            "container/container_routes.go",
        ))
    }

    /// moby `wsContainersAttach`: `GET /containers/{name:.*}/attach/ws`.
    pub(super) async fn ws_containers_attach(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "wsContainersAttach",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersCreate`: `POST /containers/create`.
    pub(super) async fn post_containers_create(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersCreate",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersKill`: `POST /containers/{name:.*}/kill`.
    pub(super) async fn post_containers_kill(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersKill",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersPause`: `POST /containers/{name:.*}/pause`.
    pub(super) async fn post_containers_pause(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersPause",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersUnpause`: `POST /containers/{name:.*}/unpause`.
    pub(super) async fn post_containers_unpause(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersUnpause",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersRestart`: `POST /containers/{name:.*}/restart`.
    pub(super) async fn post_containers_restart(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersRestart",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersStart`: `POST /containers/{name:.*}/start`.
    pub(super) async fn post_containers_start(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersStart",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersStop`: `POST /containers/{name:.*}/stop`.
    pub(super) async fn post_containers_stop(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersStop",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersWait`: `POST /containers/{name:.*}/wait`.
    pub(super) async fn post_containers_wait(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersWait",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersResize`: `POST /containers/{name:.*}/resize`.
    pub(super) async fn post_containers_resize(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersResize",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersAttach`: `POST /containers/{name:.*}/attach`.
    pub(super) async fn post_containers_attach(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersAttach",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainerRename`: `POST /containers/{name:.*}/rename`.
    pub(super) async fn post_container_rename(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainerRename",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainerUpdate`: `POST /containers/{name:.*}/update`.
    pub(super) async fn post_container_update(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainerUpdate",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersPrune`: `POST /containers/prune`.
    pub(super) async fn post_containers_prune(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersPrune",
            "container/container_routes.go",
        ))
    }

    /// moby `postCommit`: `POST /commit`.
    pub(super) async fn post_commit(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postCommit",
            "container/container_routes.go",
        ))
    }

    /// moby `deleteContainers`: `DELETE /containers/{name:.*}`.
    pub(super) async fn delete_containers(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "deleteContainers",
            "container/container_routes.go",
        ))
    }
}
