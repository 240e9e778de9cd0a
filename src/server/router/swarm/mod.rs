//! The swarm router: swarm mode: the cluster, services, nodes, tasks, secrets and configs.
//!
//! Mirrors moby `api/server/router/swarm/cluster.go` (v20.10.24): the router
//! struct and its one route table, in moby's registration order. The
//! handlers live in the `*_routes.rs` files beside it, as in moby.
//!
//! mini-dockerd is never part of a swarm. dockerd on a node outside a swarm
//! answers every cluster route with 503 and the text of `errNoManager`
//! (moby daemon/cluster/cluster.go), and so do we; `swarm leave` gets
//! `errNoSwarm`.
//!
//! Lesson: `walkthroughs/05-handlers-and-errors.md`.

mod cluster_routes;

use std::sync::Arc;

use crate::route;
use crate::server::router::{Route, Router};

/// moby `swarmRouter`.
pub struct SwarmRouter;

impl SwarmRouter {
    /// moby `NewRouter`.
    pub fn new() -> Arc<SwarmRouter> {
        Arc::new(SwarmRouter)
    }
}

impl Router for SwarmRouter {
    fn name(&self) -> &'static str {
        "swarm"
    }

    /// moby `initRoutes`.
    fn routes(self: Arc<Self>) -> Vec<Route> {
        let r = &self;
        vec![
            // POST
            route!(
                r,
                POST,
                "/swarm/init",
                "initCluster",
                "swarm/cluster_routes.go",
                Self::init_cluster
            ),
            route!(
                r,
                POST,
                "/swarm/join",
                "joinCluster",
                "swarm/cluster_routes.go",
                Self::join_cluster
            ),
            route!(
                r,
                POST,
                "/swarm/leave",
                "leaveCluster",
                "swarm/cluster_routes.go",
                Self::leave_cluster
            ),
            // GET
            route!(
                r,
                GET,
                "/swarm",
                "inspectCluster",
                "swarm/cluster_routes.go",
                Self::inspect_cluster
            ),
            route!(
                r,
                GET,
                "/swarm/unlockkey",
                "getUnlockKey",
                "swarm/cluster_routes.go",
                Self::get_unlock_key
            ),
            // POST
            route!(
                r,
                POST,
                "/swarm/update",
                "updateCluster",
                "swarm/cluster_routes.go",
                Self::update_cluster
            ),
            route!(
                r,
                POST,
                "/swarm/unlock",
                "unlockCluster",
                "swarm/cluster_routes.go",
                Self::unlock_cluster
            ),
            // GET
            route!(
                r,
                GET,
                "/services",
                "getServices",
                "swarm/cluster_routes.go",
                Self::get_services
            ),
            route!(
                r,
                GET,
                "/services/{id}",
                "getService",
                "swarm/cluster_routes.go",
                Self::get_service
            ),
            // POST
            route!(
                r,
                POST,
                "/services/create",
                "createService",
                "swarm/cluster_routes.go",
                Self::create_service
            ),
            route!(
                r,
                POST,
                "/services/{id}/update",
                "updateService",
                "swarm/cluster_routes.go",
                Self::update_service
            ),
            // DELETE
            route!(
                r,
                DELETE,
                "/services/{id}",
                "removeService",
                "swarm/cluster_routes.go",
                Self::remove_service
            ),
            // GET
            route!(
                r,
                GET,
                "/services/{id}/logs",
                "getServiceLogs",
                "swarm/cluster_routes.go",
                Self::get_service_logs
            ),
            route!(
                r,
                GET,
                "/nodes",
                "getNodes",
                "swarm/cluster_routes.go",
                Self::get_nodes
            ),
            route!(
                r,
                GET,
                "/nodes/{id}",
                "getNode",
                "swarm/cluster_routes.go",
                Self::get_node
            ),
            // DELETE
            route!(
                r,
                DELETE,
                "/nodes/{id}",
                "removeNode",
                "swarm/cluster_routes.go",
                Self::remove_node
            ),
            // POST
            route!(
                r,
                POST,
                "/nodes/{id}/update",
                "updateNode",
                "swarm/cluster_routes.go",
                Self::update_node
            ),
            // GET
            route!(
                r,
                GET,
                "/tasks",
                "getTasks",
                "swarm/cluster_routes.go",
                Self::get_tasks
            ),
            route!(
                r,
                GET,
                "/tasks/{id}",
                "getTask",
                "swarm/cluster_routes.go",
                Self::get_task
            ),
            route!(
                r,
                GET,
                "/tasks/{id}/logs",
                "getTaskLogs",
                "swarm/cluster_routes.go",
                Self::get_task_logs
            ),
            route!(
                r,
                GET,
                "/secrets",
                "getSecrets",
                "swarm/cluster_routes.go",
                Self::get_secrets
            ),
            // POST
            route!(
                r,
                POST,
                "/secrets/create",
                "createSecret",
                "swarm/cluster_routes.go",
                Self::create_secret
            ),
            // DELETE
            route!(
                r,
                DELETE,
                "/secrets/{id}",
                "removeSecret",
                "swarm/cluster_routes.go",
                Self::remove_secret
            ),
            // GET
            route!(
                r,
                GET,
                "/secrets/{id}",
                "getSecret",
                "swarm/cluster_routes.go",
                Self::get_secret
            ),
            // POST
            route!(
                r,
                POST,
                "/secrets/{id}/update",
                "updateSecret",
                "swarm/cluster_routes.go",
                Self::update_secret
            ),
            // GET
            route!(
                r,
                GET,
                "/configs",
                "getConfigs",
                "swarm/cluster_routes.go",
                Self::get_configs
            ),
            // POST
            route!(
                r,
                POST,
                "/configs/create",
                "createConfig",
                "swarm/cluster_routes.go",
                Self::create_config
            ),
            // DELETE
            route!(
                r,
                DELETE,
                "/configs/{id}",
                "removeConfig",
                "swarm/cluster_routes.go",
                Self::remove_config
            ),
            // GET
            route!(
                r,
                GET,
                "/configs/{id}",
                "getConfig",
                "swarm/cluster_routes.go",
                Self::get_config
            ),
            // POST
            route!(
                r,
                POST,
                "/configs/{id}/update",
                "updateConfig",
                "swarm/cluster_routes.go",
                Self::update_config
            ),
        ]
    }
}
