//! Handlers of the volume router.
//!
//! Mirrors moby `api/server/router/volume/volume_routes.go` (v20.10.24):
//! parse the query or body, make one call to the volume service, write
//! dockerd's status and shape (`GET /volumes` → `{"Volumes":[...],
//! "Warnings":null}`, create → 201, delete → 204, prune →
//! `{"VolumesDeleted":[...],"SpaceReclaimed":N}`).

use std::collections::BTreeMap;
use std::sync::Arc;

use hyper::{Response, StatusCode};
use serde::Deserialize;

use crate::errdefs::{Error, Result};
use crate::events::filter::Filter;
use crate::server::httputils::{
    self, bool_value, parse_form, write_json, ApiRequest, Body, Ctx, Vars,
};

use super::VolumeRouter;

/// moby `volumetypes.VolumeCreateBody`. Go's decoder accepts `null` for a
/// map, so the maps are options here.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VolumeCreateBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    driver: String,
    #[serde(default)]
    driver_opts: Option<BTreeMap<String, String>>,
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
}

/// moby `filters.FromJSON(r.Form.Get("filters"))`, wrapped as the volume
/// handlers wrap it.
fn volume_filters(req: &ApiRequest) -> Result<Filter> {
    let form = parse_form(req)?;
    Filter::parse(form.get("filters").map(String::as_str).unwrap_or(""))
        .map_err(|e| Error::invalid_parameter(format!("error reading volume filters: {e}")))
}

impl VolumeRouter {
    /// moby `getVolumesList`: `GET /volumes`.
    pub(super) async fn get_volumes_list(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let filter = volume_filters(&req)?;
        let volumes = self.backend.list(&filter)?;
        write_json(
            StatusCode::OK,
            &serde_json::json!({ "Volumes": volumes, "Warnings": null }),
        )
    }

    /// moby `getVolumeByName`: `GET /volumes/{name:.*}`.
    pub(super) async fn get_volume_by_name(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let name = vars.get("name").map(String::as_str).unwrap_or("");
        write_json(StatusCode::OK, &self.backend.get(name)?)
    }

    /// moby `postVolumesCreate`: `POST /volumes/create`. An empty body is
    /// dockerd's 400 "got EOF while reading request body" (Go's decoder
    /// meets EOF at once); a malformed one is a 400 too.
    pub(super) async fn post_volumes_create(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let create: VolumeCreateBody = httputils::read_json(req).await?;
        let volume = self.backend.create(
            &create.name,
            &create.driver,
            create.driver_opts.unwrap_or_default(),
            create.labels.unwrap_or_default(),
        )?;
        write_json(StatusCode::CREATED, &volume)
    }

    /// moby `postVolumesPrune`: `POST /volumes/prune`.
    pub(super) async fn post_volumes_prune(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let filter = volume_filters(&req)?;
        write_json(StatusCode::OK, &self.backend.prune(&filter)?)
    }

    /// moby `deleteVolumes`: `DELETE /volumes/{name:.*}?force=`.
    pub(super) async fn delete_volumes(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let force = bool_value(&parse_form(&req)?, "force");
        let name = vars.get("name").map(String::as_str).unwrap_or("");
        self.backend.remove(name, force)?;
        Ok(httputils::no_content(StatusCode::NO_CONTENT))
    }
}
