//! `GET /system/df`: what the daemon's objects take on disk.
//!
//! Mirrors moby `daemon/disk_usage.go` (`SystemDiskUsage`, v20.10.24): the
//! layers' total size, then one entry per image, container and volume, and
//! the build cache (always empty here: there is no builder). Containers
//! are listed as `docker ps -a --size` would list them (moby calls
//! `daemon.Containers(&types.ContainerListOptions{Size: true, All: true})`).
//! Volumes come from the volume service, with their `UsageData` (size and
//! references).

use serde_json::{json, Value};

use super::list::ContainerListOptions;
use super::Daemon;
use crate::errdefs::Result;

impl Daemon {
    /// moby `SystemDiskUsage`.
    pub fn system_disk_usage(&self) -> Result<Value> {
        let images = self.image_service()?.disk_usage()?;
        let containers = self.containers(&ContainerListOptions {
            all: true,
            size: true,
            ..ContainerListOptions::default()
        })?;
        Ok(json!({
            "LayersSize": images.total_size,
            "Images": images.images,
            "Containers": containers,
            "Volumes": self.volumes.disk_usage(),
            // No build cache (the classic builder keeps none): dockerd's
            // empty list is `null`.
            "BuildCache": null,
            "BuilderSize": 0,
        }))
    }
}
