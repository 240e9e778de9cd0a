//! What the volume router needs from the volume service.
//!
//! Mirrors moby `api/server/router/volume/backend.go` (v20.10.24), where
//! `Backend` has `List`, `Get`, `Create`, `Remove` and `Prune`, and the
//! implementation is `daemon.VolumesService()` (moby `volume/service`),
//! not the daemon itself. Ours is [`crate::volume::VolumesService`].

use std::collections::BTreeMap;

use crate::errdefs::Result;
use crate::events::filter::Filter;
use crate::volume::{PruneReport, Volume};

/// moby `volume.Backend`.
pub trait Backend: Send + Sync {
    /// moby `List(ctx, filter)`: the volumes and the warnings (always none
    /// here: there are no volume plugins to fail).
    fn list(&self, filter: &Filter) -> Result<Vec<Volume>>;
    /// moby `Get(ctx, name, ...)`.
    fn get(&self, name: &str) -> Result<Volume>;
    /// moby `Create(ctx, name, driver, opts...)`.
    fn create(
        &self,
        name: &str,
        driver: &str,
        options: BTreeMap<String, String>,
        labels: BTreeMap<String, String>,
    ) -> Result<Volume>;
    /// moby `Remove(ctx, name, opts...)`; `force` is `WithPurgeOnError`.
    fn remove(&self, name: &str, force: bool) -> Result<()>;
    /// moby `Prune(ctx, filters)`.
    fn prune(&self, filter: &Filter) -> Result<PruneReport>;
}

impl Backend for crate::volume::VolumesService {
    fn list(&self, filter: &Filter) -> Result<Vec<Volume>> {
        crate::volume::VolumesService::list(self, filter)
    }
    fn get(&self, name: &str) -> Result<Volume> {
        crate::volume::VolumesService::get(self, name)
    }
    fn create(
        &self,
        name: &str,
        driver: &str,
        options: BTreeMap<String, String>,
        labels: BTreeMap<String, String>,
    ) -> Result<Volume> {
        crate::volume::VolumesService::create(self, name, driver, options, labels)
    }
    fn remove(&self, name: &str, force: bool) -> Result<()> {
        crate::volume::VolumesService::remove(self, name, force)
    }
    fn prune(&self, filter: &Filter) -> Result<PruneReport> {
        crate::volume::VolumesService::prune(self, filter)
    }
}
