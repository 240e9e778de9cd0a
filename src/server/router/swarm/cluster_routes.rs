//! Handlers of the swarm router.
//!
//! Mirrors moby `api/server/router/swarm/cluster_routes.go` (v20.10.24).
//! mini-dockerd is never part of a swarm. dockerd on a node outside a swarm
//! answers every cluster route with 503 and the text of `errNoManager`
//! (moby daemon/cluster/cluster.go), and so do we; `swarm leave` gets
//! `errNoSwarm`.

use std::sync::Arc;

use hyper::Response;

use crate::errdefs::{Error, Result};
use crate::server::httputils::{ApiRequest, Body, Ctx, Vars};

use super::SwarmRouter;

/// moby `errNoManager` for a node that is not in a swarm (daemon/cluster/cluster.go).
const ERR_NO_MANAGER: &str = "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again.";

/// moby `errNoSwarm` (daemon/cluster/errors.go).
const ERR_NO_SWARM: &str = "This node is not part of a swarm";

impl SwarmRouter {
    /// moby `initCluster`: `POST /swarm/init`.
    pub(super) async fn init_cluster(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `joinCluster`: `POST /swarm/join`.
    pub(super) async fn join_cluster(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `leaveCluster`: `POST /swarm/leave`.
    pub(super) async fn leave_cluster(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_SWARM))
    }

    /// moby `inspectCluster`: `GET /swarm`.
    pub(super) async fn inspect_cluster(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `getUnlockKey`: `GET /swarm/unlockkey`.
    pub(super) async fn get_unlock_key(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `updateCluster`: `POST /swarm/update`.
    pub(super) async fn update_cluster(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `unlockCluster`: `POST /swarm/unlock`.
    pub(super) async fn unlock_cluster(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `getServices`: `GET /services`.
    pub(super) async fn get_services(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `getService`: `GET /services/{id}`.
    pub(super) async fn get_service(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `createService`: `POST /services/create`.
    pub(super) async fn create_service(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `updateService`: `POST /services/{id}/update`.
    pub(super) async fn update_service(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `removeService`: `DELETE /services/{id}`.
    pub(super) async fn remove_service(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `getServiceLogs`: `GET /services/{id}/logs`.
    pub(super) async fn get_service_logs(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `getNodes`: `GET /nodes`.
    pub(super) async fn get_nodes(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `getNode`: `GET /nodes/{id}`.
    pub(super) async fn get_node(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `removeNode`: `DELETE /nodes/{id}`.
    pub(super) async fn remove_node(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `updateNode`: `POST /nodes/{id}/update`.
    pub(super) async fn update_node(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `getTasks`: `GET /tasks`.
    pub(super) async fn get_tasks(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `getTask`: `GET /tasks/{id}`.
    pub(super) async fn get_task(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `getTaskLogs`: `GET /tasks/{id}/logs`.
    pub(super) async fn get_task_logs(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `getSecrets`: `GET /secrets`.
    pub(super) async fn get_secrets(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `createSecret`: `POST /secrets/create`.
    pub(super) async fn create_secret(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `removeSecret`: `DELETE /secrets/{id}`.
    pub(super) async fn remove_secret(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `getSecret`: `GET /secrets/{id}`.
    pub(super) async fn get_secret(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `updateSecret`: `POST /secrets/{id}/update`.
    pub(super) async fn update_secret(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `getConfigs`: `GET /configs`.
    pub(super) async fn get_configs(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `createConfig`: `POST /configs/create`.
    pub(super) async fn create_config(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `removeConfig`: `DELETE /configs/{id}`.
    pub(super) async fn remove_config(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `getConfig`: `GET /configs/{id}`.
    pub(super) async fn get_config(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }

    /// moby `updateConfig`: `POST /configs/{id}/update`.
    pub(super) async fn update_config(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::unavailable(ERR_NO_MANAGER))
    }
}
