//! `GET /system/df`: what the daemon's objects take on disk.
//!
//! Mirrors moby `daemon/disk_usage.go` (`SystemDiskUsage`, v20.10.24): the
//! layers' total size, then one entry per image, container and volume, and
//! the build cache (always empty here: there is no builder). Volumes come
//! from the volume service, with their `UsageData` (size and references).

use serde_json::{json, Value};

use super::Daemon;
use crate::errdefs::Result;

impl Daemon {
    /// moby `SystemDiskUsage`.
    pub fn system_disk_usage(&self) -> Result<Value> {
        let images = self.image_service()?.disk_usage()?;
        Ok(json!({
            "LayersSize": images.total_size,
            "Images": images.images,
            "Containers": [],
            "Volumes": self.volumes.disk_usage(),
            "BuildCache": [],
            "BuilderSize": 0,
        }))
    }
}
