//! Handlers of the network router.
//!
//! Mirrors moby `api/server/router/network/network_routes.go` (v20.10.24):
//! parse, one backend call, write. `GET /networks` and `GET /networks/`
//! share `getNetworksList`; inspect is `GET /networks/{id:.+}`.

use std::sync::Arc;

use crate::api::types::network::{NetworkConnect, NetworkCreateRequest, NetworkDisconnect};
use crate::errdefs::{Error, Result};
use crate::events::filter::Filter;
use crate::server::httputils::{
    self, check_for_json, parse_form, write_json, ApiRequest, Body, Ctx, Vars,
};
use hyper::{Response, StatusCode};

use super::NetworkRouter;

/// moby `filters.FromJSON(r.Form.Get("filters"))`.
fn filters(req: &ApiRequest) -> Result<Filter> {
    let form = parse_form(req)?;
    Filter::parse(form.get("filters").map(String::as_str).unwrap_or(""))
        .map_err(Error::invalid_parameter)
}

fn id_var(vars: &Vars) -> &str {
    vars.get("id").map(String::as_str).unwrap_or("")
}

impl NetworkRouter {
    /// moby `getNetworksList`: `GET /networks` and `GET /networks/`.
    pub(super) async fn get_networks_list(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let filter = filters(&req)?;
        write_json(StatusCode::OK, &self.backend.get_networks(&filter)?)
    }

    /// moby `getNetwork`: `GET /networks/{id:.+}`.
    pub(super) async fn get_network(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        write_json(StatusCode::OK, &self.backend.find_network(id_var(&vars))?)
    }

    /// moby `postNetworkCreate`: `POST /networks/create`.
    pub(super) async fn post_network_create(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        check_for_json(&req)?;
        let body = httputils::read_body(req, httputils::MAX_JSON_BODY).await?;
        let create: NetworkCreateRequest = httputils::decode_json(&body)?;
        write_json(StatusCode::CREATED, &self.backend.create_network(create)?)
    }

    /// moby `postNetworkConnect`: `POST /networks/{id:.*}/connect`. The
    /// body (`{"Container": ..., "EndpointConfig": ...}`) is read and
    /// checked first, as moby's `httputils.ReadJSON` does.
    pub(super) async fn post_network_connect(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let connect: NetworkConnect = httputils::read_json(req).await?;
        self.backend
            .clone()
            .connect_container_to_network(connect.container, id_var(&vars).to_string())
            .await?;
        Ok(httputils::no_content(StatusCode::OK))
    }

    /// moby `postNetworkDisconnect`: `POST /networks/{id:.*}/disconnect`
    /// (body `{"Container": ..., "Force": ...}`, read first).
    pub(super) async fn post_network_disconnect(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let disconnect: NetworkDisconnect = httputils::read_json(req).await?;
        self.backend
            .clone()
            .disconnect_container_from_network(
                disconnect.container,
                id_var(&vars).to_string(),
                disconnect.force,
            )
            .await?;
        Ok(httputils::no_content(StatusCode::OK))
    }

    /// moby `postNetworksPrune`: `POST /networks/prune`.
    pub(super) async fn post_networks_prune(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let filter = filters(&req)?;
        write_json(StatusCode::OK, &self.backend.networks_prune(&filter)?)
    }

    /// moby `deleteNetwork`: `DELETE /networks/{id:.*}` → 204.
    pub(super) async fn delete_network(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        self.backend.delete_network(id_var(&vars))?;
        Ok(httputils::no_content(StatusCode::NO_CONTENT))
    }
}
