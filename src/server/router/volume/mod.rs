//! The volume router: named volumes.
//!
//! Mirrors moby `api/server/router/volume/volume.go` (v20.10.24): the router
//! struct and its one route table, in moby's registration order. The
//! handlers live in the `*_routes.rs` files beside it, as in moby.
//!
//! The backend is the volume service (src/volume/), as in moby, where
//! `buildRouters` passes `opts.daemon.VolumesService()`.
//!
//! Lesson: `walkthroughs/05-handlers-and-errors.md`.

pub mod backend;
mod volume_routes;

use std::sync::Arc;

use crate::route;
use crate::server::router::{Route, Router};

pub use backend::Backend;

/// moby `volumeRouter`.
pub struct VolumeRouter {
    backend: Arc<dyn Backend>,
}

impl VolumeRouter {
    /// moby `NewRouter(b Backend, cb ClusterBackend)`; there is no cluster.
    pub fn new(backend: Arc<dyn Backend>) -> Arc<VolumeRouter> {
        Arc::new(VolumeRouter { backend })
    }
}

impl Router for VolumeRouter {
    fn name(&self) -> &'static str {
        "volume"
    }

    /// moby `initRoutes`.
    fn routes(self: Arc<Self>) -> Vec<Route> {
        let r = &self;
        vec![
            // GET
            route!(
                r,
                GET,
                "/volumes",
                "getVolumesList",
                "volume/volume_routes.go",
                Self::get_volumes_list
            ),
            route!(
                r,
                GET,
                "/volumes/{name:.*}",
                "getVolumeByName",
                "volume/volume_routes.go",
                Self::get_volume_by_name
            ),
            // POST
            route!(
                r,
                POST,
                "/volumes/create",
                "postVolumesCreate",
                "volume/volume_routes.go",
                Self::post_volumes_create
            ),
            route!(
                r,
                POST,
                "/volumes/prune",
                "postVolumesPrune",
                "volume/volume_routes.go",
                Self::post_volumes_prune
            ),
            // DELETE
            route!(
                r,
                DELETE,
                "/volumes/{name:.*}",
                "deleteVolumes",
                "volume/volume_routes.go",
                Self::delete_volumes
            ),
        ]
    }
}
