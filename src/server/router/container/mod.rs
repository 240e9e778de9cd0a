//! The container router: containers: create, start, stop, attach, logs, exec, ....
//!
//! Mirrors moby `api/server/router/container/container.go` (v20.10.24): the router
//! struct and its one route table, in moby's registration order. The
//! handlers live in the `*_routes.rs` files beside it, as in moby.
//!
//! The lifecycle routes (create, start, stop, kill, restart, wait, rm,
//! list, inspect, rename, prune, top, pause, unpause, update) call the
//! daemon through [`Backend`]; attach, logs, resize, exec, archive,
//! export, changes, stats and commit still answer 501 naming the moby
//! handler.
//!
//! Lesson: `walkthroughs/05-handlers-and-errors.md`.

pub mod backend;
mod container_routes;
mod copy;
mod exec;
mod inspect;

use std::sync::Arc;

use crate::route;
use crate::server::router::{Route, Router};

pub use backend::Backend;

/// moby `containerRouter`.
pub struct ContainerRouter {
    backend: Arc<dyn Backend>,
}

impl ContainerRouter {
    /// moby `NewRouter(b Backend, decoder ContainerDecoder)`. The decoder
    /// is serde (`api::types::container::ContainerCreateConfig`).
    pub fn new(backend: Arc<dyn Backend>) -> Arc<ContainerRouter> {
        Arc::new(ContainerRouter { backend })
    }
}

impl Router for ContainerRouter {
    fn name(&self) -> &'static str {
        "container"
    }

    /// moby `initRoutes`.
    fn routes(self: Arc<Self>) -> Vec<Route> {
        let r = &self;
        vec![
            // HEAD
            route!(
                r,
                HEAD,
                "/containers/{name:.*}/archive",
                "headContainersArchive",
                "container/copy.go",
                Self::head_containers_archive
            ),
            // GET
            route!(
                r,
                GET,
                "/containers/json",
                "getContainersJSON",
                "container/container_routes.go",
                Self::get_containers_json
            ),
            route!(
                r,
                GET,
                "/containers/{name:.*}/export",
                "getContainersExport",
                "container/container_routes.go",
                Self::get_containers_export
            ),
            route!(
                r,
                GET,
                "/containers/{name:.*}/changes",
                "getContainersChanges",
                "container/container_routes.go",
                Self::get_containers_changes
            ),
            route!(
                r,
                GET,
                "/containers/{name:.*}/json",
                "getContainersByName",
                "container/inspect.go",
                Self::get_containers_by_name
            ),
            route!(
                r,
                GET,
                "/containers/{name:.*}/top",
                "getContainersTop",
                "container/container_routes.go",
                Self::get_containers_top
            ),
            route!(
                r,
                GET,
                "/containers/{name:.*}/logs",
                "getContainersLogs",
                "container/container_routes.go",
                Self::get_containers_logs
            ),
            route!(
                r,
                GET,
                "/containers/{name:.*}/stats",
                "getContainersStats",
                "container/container_routes.go",
                Self::get_containers_stats
            ),
            route!(
                r,
                GET,
                "/containers/{name:.*}/attach/ws",
                "wsContainersAttach",
                "container/container_routes.go",
                Self::ws_containers_attach
            ),
            route!(
                r,
                GET,
                "/exec/{id:.*}/json",
                "getExecByID",
                "container/exec.go",
                Self::get_exec_by_id
            ),
            route!(
                r,
                GET,
                "/containers/{name:.*}/archive",
                "getContainersArchive",
                "container/copy.go",
                Self::get_containers_archive
            ),
            // POST
            route!(
                r,
                POST,
                "/containers/create",
                "postContainersCreate",
                "container/container_routes.go",
                Self::post_containers_create
            ),
            route!(
                r,
                POST,
                "/containers/{name:.*}/kill",
                "postContainersKill",
                "container/container_routes.go",
                Self::post_containers_kill
            ),
            route!(
                r,
                POST,
                "/containers/{name:.*}/pause",
                "postContainersPause",
                "container/container_routes.go",
                Self::post_containers_pause
            ),
            route!(
                r,
                POST,
                "/containers/{name:.*}/unpause",
                "postContainersUnpause",
                "container/container_routes.go",
                Self::post_containers_unpause
            ),
            route!(
                r,
                POST,
                "/containers/{name:.*}/restart",
                "postContainersRestart",
                "container/container_routes.go",
                Self::post_containers_restart
            ),
            route!(
                r,
                POST,
                "/containers/{name:.*}/start",
                "postContainersStart",
                "container/container_routes.go",
                Self::post_containers_start
            ),
            route!(
                r,
                POST,
                "/containers/{name:.*}/stop",
                "postContainersStop",
                "container/container_routes.go",
                Self::post_containers_stop
            ),
            route!(
                r,
                POST,
                "/containers/{name:.*}/wait",
                "postContainersWait",
                "container/container_routes.go",
                Self::post_containers_wait
            ),
            route!(
                r,
                POST,
                "/containers/{name:.*}/resize",
                "postContainersResize",
                "container/container_routes.go",
                Self::post_containers_resize
            ),
            route!(
                r,
                POST,
                "/containers/{name:.*}/attach",
                "postContainersAttach",
                "container/container_routes.go",
                Self::post_containers_attach
            ),
            route!(
                r,
                POST,
                "/containers/{name:.*}/copy",
                "postContainersCopy",
                "container/copy.go",
                Self::post_containers_copy
            ),
            route!(
                r,
                POST,
                "/containers/{name:.*}/exec",
                "postContainerExecCreate",
                "container/exec.go",
                Self::post_container_exec_create
            ),
            route!(
                r,
                POST,
                "/exec/{name:.*}/start",
                "postContainerExecStart",
                "container/exec.go",
                Self::post_container_exec_start
            ),
            route!(
                r,
                POST,
                "/exec/{name:.*}/resize",
                "postContainerExecResize",
                "container/exec.go",
                Self::post_container_exec_resize
            ),
            route!(
                r,
                POST,
                "/containers/{name:.*}/rename",
                "postContainerRename",
                "container/container_routes.go",
                Self::post_container_rename
            ),
            route!(
                r,
                POST,
                "/containers/{name:.*}/update",
                "postContainerUpdate",
                "container/container_routes.go",
                Self::post_container_update
            ),
            route!(
                r,
                POST,
                "/containers/prune",
                "postContainersPrune",
                "container/container_routes.go",
                Self::post_containers_prune
            ),
            route!(
                r,
                POST,
                "/commit",
                "postCommit",
                "container/container_routes.go",
                Self::post_commit
            ),
            // PUT
            route!(
                r,
                PUT,
                "/containers/{name:.*}/archive",
                "putContainersArchive",
                "container/copy.go",
                Self::put_containers_archive
            ),
            // DELETE
            route!(
                r,
                DELETE,
                "/containers/{name:.*}",
                "deleteContainers",
                "container/container_routes.go",
                Self::delete_containers
            ),
        ]
    }
}
