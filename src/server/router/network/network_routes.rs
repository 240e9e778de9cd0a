//! Handlers of the network router.
//!
//! Mirrors moby `api/server/router/network/network_routes.go` (v20.10.24).
//! Until the network backend exists, each route answers 501 naming the moby
//! handler.

use std::sync::Arc;

use hyper::Response;

use crate::errdefs::Result;
use crate::server::httputils::{ApiRequest, Body, Ctx, Vars};
use crate::server::router::not_implemented_error;

use super::NetworkRouter;

impl NetworkRouter {
    /// moby `getNetworksList`: `GET /networks`.
    pub(super) async fn get_networks_list(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getNetworksList",
            "network/network_routes.go",
        ))
    }

    /// moby `getNetwork`: `GET /networks/{id:.+}`.
    pub(super) async fn get_network(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getNetwork",
            "network/network_routes.go",
        ))
    }

    /// moby `postNetworkCreate`: `POST /networks/create`.
    pub(super) async fn post_network_create(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postNetworkCreate",
            "network/network_routes.go",
        ))
    }

    /// moby `postNetworkConnect`: `POST /networks/{id:.*}/connect`.
    pub(super) async fn post_network_connect(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postNetworkConnect",
            "network/network_routes.go",
        ))
    }

    /// moby `postNetworkDisconnect`: `POST /networks/{id:.*}/disconnect`.
    pub(super) async fn post_network_disconnect(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postNetworkDisconnect",
            "network/network_routes.go",
        ))
    }

    /// moby `postNetworksPrune`: `POST /networks/prune`.
    pub(super) async fn post_networks_prune(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postNetworksPrune",
            "network/network_routes.go",
        ))
    }

    /// moby `deleteNetwork`: `DELETE /networks/{id:.*}`.
    pub(super) async fn delete_network(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "deleteNetwork",
            "network/network_routes.go",
        ))
    }
}
