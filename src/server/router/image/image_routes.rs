//! Handlers of the image router.
//!
//! Mirrors moby `api/server/router/image/image_routes.go` (v20.10.24).
//! Until the image service exists, each route answers 501 naming the moby
//! handler.

use std::sync::Arc;

use hyper::Response;

use crate::errdefs::Result;
use crate::server::httputils::{ApiRequest, Body, Ctx, Vars};
use crate::server::router::not_implemented_error;

use super::ImageRouter;

impl ImageRouter {
    /// moby `getImagesJSON`: `GET /images/json`.
    pub(super) async fn get_images_json(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getImagesJSON",
            "image/image_routes.go",
        ))
    }

    /// moby `getImagesSearch`: `GET /images/search`.
    pub(super) async fn get_images_search(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getImagesSearch",
            "image/image_routes.go",
        ))
    }

    /// moby `getImagesGet`: `GET /images/get`.
    pub(super) async fn get_images_get(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getImagesGet",
            "image/image_routes.go",
        ))
    }

    /// moby `getImagesHistory`: `GET /images/{name:.*}/history`.
    pub(super) async fn get_images_history(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getImagesHistory",
            "image/image_routes.go",
        ))
    }

    /// moby `getImagesByName`: `GET /images/{name:.*}/json`.
    pub(super) async fn get_images_by_name(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getImagesByName",
            "image/image_routes.go",
        ))
    }

    /// moby `postImagesLoad`: `POST /images/load`.
    pub(super) async fn post_images_load(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postImagesLoad",
            "image/image_routes.go",
        ))
    }

    /// moby `postImagesCreate`: `POST /images/create`.
    pub(super) async fn post_images_create(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postImagesCreate",
            "image/image_routes.go",
        ))
    }

    /// moby `postImagesPush`: `POST /images/{name:.*}/push`.
    pub(super) async fn post_images_push(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postImagesPush",
            "image/image_routes.go",
        ))
    }

    /// moby `postImagesTag`: `POST /images/{name:.*}/tag`.
    pub(super) async fn post_images_tag(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postImagesTag",
            "image/image_routes.go",
        ))
    }

    /// moby `postImagesPrune`: `POST /images/prune`.
    pub(super) async fn post_images_prune(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postImagesPrune",
            "image/image_routes.go",
        ))
    }

    /// moby `deleteImages`: `DELETE /images/{name:.*}`.
    pub(super) async fn delete_images(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "deleteImages",
            "image/image_routes.go",
        ))
    }
}
