//! What the image router needs from the daemon.
//!
//! Mirrors moby `api/server/router/image/backend.go` (v20.10.24), whose
//! `Backend` joins `imageBackend`, `importExportBackend` and
//! `registryBackend`. In moby the daemon passes `d.ImageService()` as this
//! backend. Here the daemon itself implements it (src/daemon/backends.rs),
//! handing every call to its `crate::image::ImageService`: the service is
//! opened from the data root in `Daemon::restore`, after the routers may
//! already exist (`mini-dockerd routes` builds them with no data root at
//! all).
//!
//! The methods are blocking (they read and write files); handlers call
//! them on tokio's blocking pool. Streams (the tar of `load`/`import`, the
//! archive of `save`) are plain `Read`/`Write`, bridged to the HTTP body by
//! the handlers.

use std::io::{Read, Write};

use crate::errdefs::Result;
use crate::image::{
    HistoryResponseItem, ImageDeleteResponseItem, ImageInspect, ImageSummary, ImagesPruneReport,
};

/// moby `image.Backend`.
pub trait Backend: Send + Sync {
    // imageBackend
    /// moby `ImageDelete(imageRef, force, prune)`.
    fn image_delete(
        &self,
        image_ref: &str,
        force: bool,
        prune: bool,
    ) -> Result<Vec<ImageDeleteResponseItem>>;
    /// moby `ImageHistory(imageName)`.
    fn image_history(&self, name: &str) -> Result<Vec<HistoryResponseItem>>;
    /// moby `Images(filters, all, withExtraAttrs=false)`; `filters` is the
    /// query's raw JSON.
    fn images(&self, filters: &str, all: bool) -> Result<Vec<ImageSummary>>;
    /// moby `LookupImage(name)`.
    fn lookup_image(&self, name: &str) -> Result<ImageInspect>;
    /// moby `TagImage(imageName, repository, tag)`.
    fn tag_image(&self, image_name: &str, repo: &str, tag: &str) -> Result<String>;
    /// moby `ImagesPrune(ctx, filters)`.
    fn images_prune(&self, filters: &str) -> Result<ImagesPruneReport>;

    // importExportBackend
    /// moby `LoadImage(inTar, outStream, quiet)`: the lines to stream.
    fn load_image(&self, src: &mut dyn Read, quiet: bool) -> Result<Vec<String>>;
    /// moby `ImportImage(src="-", ...)`: the new image id.
    fn import_image(
        &self,
        src: &mut dyn Read,
        repo: &str,
        tag: &str,
        message: &str,
        changes: &[String],
    ) -> Result<String>;
    /// Fails like `ExportImage` would, before anything is written, so the
    /// handler can still answer with a status code.
    fn export_check(&self, names: &[String]) -> Result<()>;
    /// moby `ExportImage(names, outStream)`.
    fn export_image(&self, names: &[String], out: &mut dyn Write) -> Result<()>;

    // registryBackend
    /// moby `PullImage`: always an error here (no registry client).
    fn pull_image(&self, image: &str, tag: &str) -> Result<()>;
    /// moby `PushImage`: likewise.
    fn push_image(&self, name: &str) -> Result<()>;
    /// moby `SearchRegistryForImages`: likewise.
    fn search_registry(&self, term: &str) -> Result<Vec<serde_json::Value>>;
}
