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

use std::sync::Arc;

use super::archive::{ArchiveReader, ContainerPathStat};
use super::list::{ContainerListOptions, ContainerSummary};
use super::prune::ContainersPruneReport;
use super::top::ContainerTopOkBody;
use super::update::{ContainerUpdateOkBody, UpdateConfig};
use super::wait::{WaitCondition, WaitFuture};
use crate::api::types::container::{ContainerCreateConfig, CreateResponse};
use crate::server::httputils::BoxFuture;
use crate::server::router::container::backend as cb;

impl cb::StateBackend for Daemon {
    fn container_create(
        &self,
        name: &str,
        config: ContainerCreateConfig,
    ) -> Result<CreateResponse> {
        Daemon::container_create(self, name, config)
    }
    fn container_kill(self: Arc<Self>, name: String, sig: i32) -> BoxFuture<Result<()>> {
        Box::pin(async move { Daemon::container_kill(&self, &name, sig).await })
    }
    fn container_pause(&self, name: &str) -> Result<()> {
        Daemon::container_pause(self, name)
    }
    fn container_rename(&self, old_name: &str, new_name: &str) -> Result<()> {
        Daemon::container_rename(self, old_name, new_name)
    }
    fn container_restart(
        self: Arc<Self>,
        name: String,
        timeout: Option<i64>,
    ) -> BoxFuture<Result<()>> {
        Box::pin(async move { Daemon::container_restart(&self, &name, timeout).await })
    }
    fn container_rm(
        self: Arc<Self>,
        name: String,
        force: bool,
        remove_volume: bool,
    ) -> BoxFuture<Result<()>> {
        Box::pin(async move { Daemon::container_rm(&self, &name, force, remove_volume).await })
    }
    fn container_start(self: Arc<Self>, name: String) -> BoxFuture<Result<()>> {
        Box::pin(async move { Daemon::container_start(&self, &name).await })
    }
    fn container_stop(
        self: Arc<Self>,
        name: String,
        timeout: Option<i64>,
    ) -> BoxFuture<Result<()>> {
        Box::pin(async move { Daemon::container_stop(&self, &name, timeout).await })
    }
    fn container_unpause(&self, name: &str) -> Result<()> {
        Daemon::container_unpause(self, name)
    }
    fn container_update(&self, name: &str, config: UpdateConfig) -> Result<ContainerUpdateOkBody> {
        Daemon::container_update(self, name, config)
    }
    fn container_wait(&self, name: &str, condition: WaitCondition) -> Result<WaitFuture> {
        Daemon::container_wait(self, name, condition)
    }
    fn container_resize(&self, name: &str, height: u16, width: u16) -> Result<()> {
        Daemon::container_resize(self, name, height, width)
    }
}

impl cb::MonitorBackend for Daemon {
    fn container_changes(
        &self,
        name: &str,
    ) -> Result<Option<Vec<crate::runtime::changes::Change>>> {
        Daemon::container_changes(self, name)
    }
    fn container_stats(
        self: Arc<Self>,
        name: &str,
        stream: bool,
        one_shot: bool,
    ) -> Result<tokio::sync::mpsc::Receiver<bytes::Bytes>> {
        Daemon::container_stats(&self, name, stream, one_shot)
    }
    fn container_inspect(&self, name: &str, size: bool) -> Result<serde_json::Value> {
        Daemon::container_inspect(self, name, size)
    }
    fn container_top(&self, name: &str, ps_args: &str) -> Result<ContainerTopOkBody> {
        Daemon::container_top(self, name, ps_args)
    }
    fn containers(&self, opts: &ContainerListOptions) -> Result<Vec<ContainerSummary>> {
        Daemon::containers(self, opts)
    }
    fn container_logs(
        &self,
        name: &str,
        opts: &super::logs::LogsOptions,
    ) -> Result<(tokio::sync::mpsc::Receiver<super::logger::Message>, bool)> {
        Daemon::container_logs(self, name, opts)
    }
}

impl cb::SystemBackend for Daemon {
    fn containers_prune(
        self: Arc<Self>,
        filters: String,
    ) -> BoxFuture<Result<ContainersPruneReport>> {
        Box::pin(async move { Daemon::containers_prune(&self, &filters).await })
    }
}

impl cb::ExecBackend for Daemon {
    fn container_exec_create(
        &self,
        name: &str,
        config: &crate::api::types::exec::ExecCreateConfig,
    ) -> Result<String> {
        Daemon::container_exec_create(self, name, config)
    }
    fn container_exec_inspect(&self, id: &str) -> Result<super::exec::config::ExecInspect> {
        Daemon::container_exec_inspect(self, id)
    }
    fn exec_exists(&self, id: &str) -> Result<()> {
        Daemon::get_exec_config(self, id).map(|_| ())
    }
    fn container_exec_start(
        self: Arc<Self>,
        id: String,
        console_size: Option<(u16, u16)>,
    ) -> BoxFuture<Result<super::exec::ExecRun>> {
        Box::pin(async move { Daemon::container_exec_start(&self, &id, console_size).await })
    }
    fn container_exec_resize(
        self: Arc<Self>,
        id: String,
        height: u16,
        width: u16,
    ) -> BoxFuture<Result<()>> {
        Box::pin(async move { Daemon::container_exec_resize(&self, &id, height, width).await })
    }
}

impl cb::CopyBackend for Daemon {
    fn container_stat_path(
        self: Arc<Self>,
        name: String,
        path: String,
    ) -> BoxFuture<Result<ContainerPathStat>> {
        Box::pin(async move { Daemon::container_stat_path(&self, &name, &path).await })
    }
    fn container_archive_path(
        self: Arc<Self>,
        name: String,
        path: String,
        compression: Option<&'static str>,
    ) -> BoxFuture<Result<(ArchiveReader, ContainerPathStat)>> {
        Box::pin(
            async move { Daemon::container_archive_path(&self, &name, &path, compression).await },
        )
    }
    fn container_extract_to_dir(
        self: Arc<Self>,
        name: String,
        path: String,
        copy_uid_gid: bool,
        no_overwrite_dir_non_dir: bool,
        content: crate::server::httputils::BodyReader,
    ) -> BoxFuture<Result<()>> {
        Box::pin(async move {
            Daemon::container_extract_to_dir(
                &self,
                &name,
                &path,
                copy_uid_gid,
                no_overwrite_dir_non_dir,
                content,
            )
            .await
        })
    }
    fn container_export(self: Arc<Self>, name: String) -> BoxFuture<Result<ArchiveReader>> {
        Box::pin(async move { Daemon::container_export(&self, &name).await })
    }
}

impl cb::CommitBackend for Daemon {
    fn create_image_from_container(
        self: Arc<Self>,
        name: String,
        config: super::commit::CreateImageConfig,
    ) -> BoxFuture<Result<String>> {
        Box::pin(async move { Daemon::create_image_from_container(&self, &name, config).await })
    }
}

impl cb::AttachBackend for Daemon {
    fn container_attach(
        self: Arc<Self>,
        name: &str,
        cfg: super::attach::AttachConfig,
    ) -> Result<super::attach::Attachment> {
        Daemon::container_attach(&self, name, cfg)
    }
}

/// The builder's calls (moby's `builder.Backend`, which `*Daemon` and its
/// image service satisfy together). The builder runs on a blocking
/// thread of its own, so the daemon's async operations are driven to
/// completion here with the runtime's `block_on`.
impl crate::builder::Backend for Daemon {
    fn get_image_and_releasable_layer(
        &self,
        ref_or_id: &str,
        local_only: bool,
    ) -> Result<crate::image::Image> {
        Daemon::get_image_and_releasable_layer(self, ref_or_id, local_only)
    }
    fn container_create(&self, config: ContainerCreateConfig) -> Result<CreateResponse> {
        Daemon::container_create(self, "", config)
    }
    fn container_attach_raw(
        self: Arc<Self>,
        id: &str,
    ) -> Result<broadcast::Receiver<crate::container::StreamChunk>> {
        Daemon::container_attach_raw(&self, id)
    }
    fn container_start(self: Arc<Self>, id: &str) -> Result<()> {
        block_on(Daemon::container_start(&self, id))
    }
    fn container_wait(&self, id: &str) -> Result<crate::api::types::container::WaitResponse> {
        let wait = Daemon::container_wait(self, id, WaitCondition::NotRunning)?;
        Ok(block_on(wait))
    }
    fn container_kill(self: Arc<Self>, id: &str, sig: i32) -> Result<()> {
        block_on(Daemon::container_kill(&self, id, sig))
    }
    fn container_rm(self: Arc<Self>, id: &str, force: bool, remove_volume: bool) -> Result<()> {
        block_on(Daemon::container_rm(&self, id, force, remove_volume))
    }
    fn commit_build_step(self: Arc<Self>, c: crate::builder::CommitConfig) -> Result<String> {
        block_on(Daemon::commit_build_step(&self, c))
    }
    fn container_create_workdir(self: Arc<Self>, id: &str) -> Result<()> {
        block_on(Daemon::container_create_workdir(&self, id))
    }
    fn new_rw_layer(self: Arc<Self>, image_id: &str) -> Result<Box<dyn crate::builder::RWLayer>> {
        Ok(Box::new(Daemon::new_build_layer(&self, image_id)?))
    }
}

/// Run a future to its end from a blocking thread of the runtime (the
/// builder's), as a Go goroutine would simply call the function.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Handle::current().block_on(f)
}

/// The build backend tags images through the image service (moby passes
/// `d.ImageService()` as the build backend's `ImageComponent`).
impl crate::server::backend::build::ImageComponent for Daemon {
    fn tag_image_with_reference(
        &self,
        image_id: &str,
        named: &crate::image::reference::Named,
    ) -> Result<()> {
        let tag = named.tag.clone().unwrap_or_default();
        self.image_service()?
            .tag_image(image_id, &named.name(), &tag)
            .map(|_| ())
    }
}
