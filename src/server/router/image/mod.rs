//! The image router: images: list, inspect, import, load, save, tag, remove, ....
//!
//! Mirrors moby `api/server/router/image/image.go` (v20.10.24): the router
//! struct and its one route table, in moby's registration order. The
//! handlers live in the `*_routes.rs` files beside it, as in moby.
//!
//! The backend is the daemon, which hands each call to its
//! `ImageService` (src/image/).
//!
//! Lesson: `walkthroughs/05-handlers-and-errors.md`.

pub mod backend;
mod image_routes;

use std::sync::Arc;

use crate::route;
use crate::server::router::{Route, Router};

pub use backend::Backend;

/// moby `imageRouter`.
pub struct ImageRouter {
    backend: Arc<dyn Backend>,
}

impl ImageRouter {
    /// moby `NewRouter(backend, referenceBackend, imageStore, layerStore)`:
    /// here the one backend covers all four.
    pub fn new(backend: Arc<dyn Backend>) -> Arc<ImageRouter> {
        Arc::new(ImageRouter { backend })
    }
}

impl Router for ImageRouter {
    fn name(&self) -> &'static str {
        "image"
    }

    /// moby `initRoutes`.
    fn routes(self: Arc<Self>) -> Vec<Route> {
        let r = &self;
        vec![
            // GET
            route!(
                r,
                GET,
                "/images/json",
                "getImagesJSON",
                "image/image_routes.go",
                Self::get_images_json
            ),
            route!(
                r,
                GET,
                "/images/search",
                "getImagesSearch",
                "image/image_routes.go",
                Self::get_images_search
            ),
            route!(
                r,
                GET,
                "/images/get",
                "getImagesGet",
                "image/image_routes.go",
                Self::get_images_get
            ),
            route!(
                r,
                GET,
                "/images/{name:.*}/get",
                "getImagesGet",
                "image/image_routes.go",
                Self::get_images_get
            ),
            route!(
                r,
                GET,
                "/images/{name:.*}/history",
                "getImagesHistory",
                "image/image_routes.go",
                Self::get_images_history
            ),
            route!(
                r,
                GET,
                "/images/{name:.*}/json",
                "getImagesByName",
                "image/image_routes.go",
                Self::get_images_by_name
            ),
            // POST
            route!(
                r,
                POST,
                "/images/load",
                "postImagesLoad",
                "image/image_routes.go",
                Self::post_images_load
            ),
            route!(
                r,
                POST,
                "/images/create",
                "postImagesCreate",
                "image/image_routes.go",
                Self::post_images_create
            ),
            route!(
                r,
                POST,
                "/images/{name:.*}/push",
                "postImagesPush",
                "image/image_routes.go",
                Self::post_images_push
            ),
            route!(
                r,
                POST,
                "/images/{name:.*}/tag",
                "postImagesTag",
                "image/image_routes.go",
                Self::post_images_tag
            ),
            route!(
                r,
                POST,
                "/images/prune",
                "postImagesPrune",
                "image/image_routes.go",
                Self::post_images_prune
            ),
            // DELETE
            route!(
                r,
                DELETE,
                "/images/{name:.*}",
                "deleteImages",
                "image/image_routes.go",
                Self::delete_images
            ),
        ]
    }
}
