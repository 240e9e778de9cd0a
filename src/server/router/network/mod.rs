//! The network router: networks.
//!
//! Mirrors moby `api/server/router/network/network.go` (v20.10.24): the router
//! struct and its one route table, in moby's registration order. The
//! handlers live in the `*_routes.rs` files beside it, as in moby.
//!
//! The backend is the daemon (src/daemon/network.rs): the built-in
//! networks `bridge`, `host` and `none`, listed and inspected in dockerd's
//! shape; create, connect and disconnect answer 501 with the reason.
//!
//! Lesson: `walkthroughs/05-handlers-and-errors.md`.

pub mod backend;
mod network_routes;

use std::sync::Arc;

use crate::route;
use crate::server::router::{Route, Router};

pub use backend::{Backend, NetworkPruneReport};

/// moby `networkRouter`.
pub struct NetworkRouter {
    backend: Arc<dyn Backend>,
}

impl NetworkRouter {
    /// moby `NewRouter(b Backend, c ClusterBackend)`; there is no cluster.
    pub fn new(backend: Arc<dyn Backend>) -> Arc<NetworkRouter> {
        Arc::new(NetworkRouter { backend })
    }
}

impl Router for NetworkRouter {
    fn name(&self) -> &'static str {
        "network"
    }

    /// moby `initRoutes`.
    fn routes(self: Arc<Self>) -> Vec<Route> {
        let r = &self;
        vec![
            // GET
            route!(
                r,
                GET,
                "/networks",
                "getNetworksList",
                "network/network_routes.go",
                Self::get_networks_list
            ),
            route!(
                r,
                GET,
                "/networks/",
                "getNetworksList",
                "network/network_routes.go",
                Self::get_networks_list
            ),
            route!(
                r,
                GET,
                "/networks/{id:.+}",
                "getNetwork",
                "network/network_routes.go",
                Self::get_network
            ),
            // POST
            route!(
                r,
                POST,
                "/networks/create",
                "postNetworkCreate",
                "network/network_routes.go",
                Self::post_network_create
            ),
            route!(
                r,
                POST,
                "/networks/{id:.*}/connect",
                "postNetworkConnect",
                "network/network_routes.go",
                Self::post_network_connect
            ),
            route!(
                r,
                POST,
                "/networks/{id:.*}/disconnect",
                "postNetworkDisconnect",
                "network/network_routes.go",
                Self::post_network_disconnect
            ),
            route!(
                r,
                POST,
                "/networks/prune",
                "postNetworksPrune",
                "network/network_routes.go",
                Self::post_networks_prune
            ),
            // DELETE
            route!(
                r,
                DELETE,
                "/networks/{id:.*}",
                "deleteNetwork",
                "network/network_routes.go",
                Self::delete_network
            ),
        ]
    }
}
