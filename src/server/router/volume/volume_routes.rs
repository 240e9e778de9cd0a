//! Handlers of the volume router.
//!
//! Mirrors moby `api/server/router/volume/volume_routes.go` (v20.10.24).
//! Until the volume service exists, each route answers 501 naming the moby
//! handler.

use std::sync::Arc;

use hyper::Response;

use crate::errdefs::Result;
use crate::server::httputils::{ApiRequest, Body, Ctx, Vars};
use crate::server::router::not_implemented_error;

use super::VolumeRouter;

impl VolumeRouter {
    /// moby `getVolumesList`: `GET /volumes`.
    pub(super) async fn get_volumes_list(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getVolumesList",
            "volume/volume_routes.go",
        ))
    }

    /// moby `getVolumeByName`: `GET /volumes/{name:.*}`.
    pub(super) async fn get_volume_by_name(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getVolumeByName",
            "volume/volume_routes.go",
        ))
    }

    /// moby `postVolumesCreate`: `POST /volumes/create`.
    pub(super) async fn post_volumes_create(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postVolumesCreate",
            "volume/volume_routes.go",
        ))
    }

    /// moby `postVolumesPrune`: `POST /volumes/prune`.
    pub(super) async fn post_volumes_prune(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postVolumesPrune",
            "volume/volume_routes.go",
        ))
    }

    /// moby `deleteVolumes`: `DELETE /volumes/{name:.*}`.
    pub(super) async fn delete_volumes(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "deleteVolumes",
            "volume/volume_routes.go",
        ))
    }
}
