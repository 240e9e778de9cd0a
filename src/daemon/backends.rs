//! The routers' backend traits, implemented by the daemon.
//!
//! In moby, `*daemon.Daemon` satisfies each router's `Backend` interface
//! implicitly, because Go interfaces are structural. Rust asks for an
//! explicit `impl`; we gather them here, each method delegating to the
//! operation's own file (`daemon/info.rs`, `daemon/events.rs`, ...), so a
//! learner can see in one place which daemon method serves which router.

use std::io::{Read, Write};

use tokio::sync::broadcast;

use super::Daemon;
use crate::errdefs::Result;
use crate::events::filter::Filter;
use crate::events::Message;
use crate::image::{
    HistoryResponseItem, ImageDeleteResponseItem, ImageInspect, ImageSummary, ImagesPruneReport,
};
use crate::server::router::{image, system};

impl system::Backend for Daemon {
    fn system_info(&self) -> serde_json::Value {
        Daemon::system_info(self)
    }

    fn system_version(&self) -> serde_json::Value {
        Daemon::system_version(self)
    }

    fn system_disk_usage(&self) -> Result<serde_json::Value> {
        Daemon::system_disk_usage(self)
    }

    fn subscribe_to_events(
        &self,
        since: Option<i64>,
        until: Option<i64>,
        filter: &Filter,
    ) -> (Vec<Message>, broadcast::Receiver<Message>) {
        Daemon::subscribe_to_events(self, since, until, filter)
    }
}

/// The image router's calls go to the image service (moby passes
/// `d.ImageService()` as that router's backend).
impl image::Backend for Daemon {
    fn image_delete(
        &self,
        image_ref: &str,
        force: bool,
        prune: bool,
    ) -> Result<Vec<ImageDeleteResponseItem>> {
        self.image_service()?.image_delete(image_ref, force, prune)
    }
    fn image_history(&self, name: &str) -> Result<Vec<HistoryResponseItem>> {
        self.image_service()?.image_history(name)
    }
    fn images(&self, filters: &str, all: bool) -> Result<Vec<ImageSummary>> {
        self.image_service()?.images(filters, all)
    }
    fn lookup_image(&self, name: &str) -> Result<ImageInspect> {
        self.image_service()?.lookup_image(name)
    }
    fn tag_image(&self, image_name: &str, repo: &str, tag: &str) -> Result<String> {
        self.image_service()?.tag_image(image_name, repo, tag)
    }
    fn images_prune(&self, filters: &str) -> Result<ImagesPruneReport> {
        self.image_service()?.images_prune(filters)
    }
    fn load_image(&self, src: &mut dyn Read, quiet: bool) -> Result<Vec<String>> {
        self.image_service()?.load_image(src, quiet)
    }
    fn import_image(
        &self,
        src: &mut dyn Read,
        repo: &str,
        tag: &str,
        message: &str,
        changes: &[String],
    ) -> Result<String> {
        self.image_service()?
            .import_image(src, repo, tag, message, changes)
    }
    fn export_check(&self, names: &[String]) -> Result<()> {
        self.image_service()?.export_check(names)
    }
    fn export_image(&self, names: &[String], out: &mut dyn Write) -> Result<()> {
        self.image_service()?.export_image(names, out)
    }
    fn pull_image(&self, image: &str, tag: &str) -> Result<()> {
        self.image_service()?.pull_image(image, tag)
    }
    fn push_image(&self, name: &str) -> Result<()> {
        self.image_service()?.push_image(name)
    }
    fn search_registry(&self, term: &str) -> Result<Vec<serde_json::Value>> {
        self.image_service()?.search_registry(term)
    }
}
