//! The network router: networks.
//!
//! Mirrors moby `api/server/router/network/network.go` (v20.10.24): the router
//! struct and its one route table, in moby's registration order. The
//! handlers live in the `*_routes.rs` files beside it, as in moby.
//!
//! Until the network backend exists, each route answers 501 naming the moby
//! handler.

mod network_routes;

use std::sync::Arc;

use crate::route;
use crate::server::router::{Route, Router};

/// moby `networkRouter`.
pub struct NetworkRouter;

impl NetworkRouter {
    /// moby `NewRouter`.
    pub fn new() -> Arc<NetworkRouter> {
        Arc::new(NetworkRouter)
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
