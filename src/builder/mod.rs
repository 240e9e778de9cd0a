//! The classic builder: `docker build` without BuildKit.
//!
//! Mirrors moby `builder/builder.go` (v20.10.24): the interfaces through
//! which the builder asks the daemon for what it cannot do itself. The
//! builder reads the Dockerfile and the context and decides every step;
//! the daemon (`src/daemon/backends.rs` implements [`Backend`]) creates,
//! runs and removes the intermediate containers, commits them, and gives
//! the builder a writable layer on an image for `COPY` and `ADD`.
//!
//! - [`remotecontext`]: the build context (moby `builder/remotecontext`);
//! - [`dockerfile`]: the Dockerfile's parser and the steps (moby
//!   `builder/dockerfile` and the parser moby vendors from BuildKit).
//!
//! The builder runs on one blocking thread from start to end, as moby's
//! runs on one goroutine: its calls into the daemon block, and the
//! daemon's async operations are driven from that thread.

pub mod dockerfile;
pub mod remotecontext;

use std::io::Read;
use std::sync::Arc;

use tokio::sync::broadcast;

use crate::api::types::container::{Config, ContainerCreateConfig, CreateResponse, WaitResponse};
use crate::container::StreamChunk;
use crate::errdefs::Result;
use crate::image::Image;

/// moby `builder.DefaultDockerfileName`.
pub const DEFAULT_DOCKERFILE_NAME: &str = "Dockerfile";

/// moby `backend.CommitConfig` as the builder fills it for a step that
/// ran in a container.
#[derive(Clone, Debug, Default)]
pub struct CommitConfig {
    /// `MAINTAINER`.
    pub author: String,
    /// The image's config after the step.
    pub config: Config,
    /// The container's config: its `Cmd` is the history's `created_by`.
    pub container_config: Config,
    pub container_id: String,
}

/// moby `image.ChildConfig` for a step that changed a layer without a
/// container (`COPY`, `ADD`).
#[derive(Clone, Debug, Default)]
pub struct ChildConfig {
    pub author: String,
    pub config: Config,
    pub container_config: Config,
}

/// moby `builder.Backend` (with its `ImageBackend` and `ExecBackend`).
///
/// The methods block; the builder calls them from its own thread. Those
/// that drive the daemon's async operations take `self: Arc<Self>`, as
/// the container router's backend does.
pub trait Backend: Send + Sync {
    /// moby `GetImageAndReleasableLayer`: an image by reference or id. With
    /// `local_only` false a missing image is pulled first in moby; there is
    /// no registry client here, so the answer is the pull's error.
    fn get_image_and_releasable_layer(&self, ref_or_id: &str, local_only: bool) -> Result<Image>;

    /// moby `ContainerCreateIgnoreImagesArgsEscaped`.
    fn container_create(&self, config: ContainerCreateConfig) -> Result<CreateResponse>;

    /// moby `ContainerAttachRaw`, the half before the start: the container's
    /// output, subscribed to before it starts so that nothing is missed.
    /// The stream ends with [`StreamChunk::Eof`] when the process exits.
    fn container_attach_raw(self: Arc<Self>, id: &str) -> Result<broadcast::Receiver<StreamChunk>>;

    /// moby `ContainerStart`.
    fn container_start(self: Arc<Self>, id: &str) -> Result<()>;

    /// moby `ContainerWait(ctx, id, WaitConditionNotRunning)`, waited for.
    fn container_wait(&self, id: &str) -> Result<WaitResponse>;

    /// moby `ContainerKill`.
    fn container_kill(self: Arc<Self>, id: &str, sig: i32) -> Result<()>;

    /// moby `ContainerRm`.
    fn container_rm(self: Arc<Self>, id: &str, force: bool, remove_volume: bool) -> Result<()>;

    /// moby `CommitBuildStep`: the container's layer on its image, without
    /// the checks and the `commit` event of `docker commit`.
    fn commit_build_step(self: Arc<Self>, c: CommitConfig) -> Result<String>;

    /// moby `ContainerCreateWorkdir`: create the container's working
    /// directory in its filesystem (`WORKDIR`).
    fn container_create_workdir(self: Arc<Self>, id: &str) -> Result<()>;

    /// moby `ReleaseableLayer.NewRWLayer`: a writable layer on `image_id`.
    fn new_rw_layer(self: Arc<Self>, image_id: &str) -> Result<Box<dyn RWLayer>>;
}

/// moby `builder.RWLayer`: a writable layer on an image, for `COPY` and
/// `ADD`. moby hands the builder the mounted root to copy into; here the
/// file work happens inside the layer's filesystem through the runtime's
/// archive helper, so the builder asks in terms of paths and tars.
/// Dropping the layer releases it (moby `Release`).
pub trait RWLayer: Send {
    /// What is at `path` in the layer, symlinks followed inside it:
    /// `None` when nothing is, else whether it is a directory (moby
    /// `isExistingDirectory` on the layer's root).
    fn stat_dir(&mut self, path: &str) -> Result<Option<bool>>;

    /// Extract `tar` at the root of the layer's filesystem, every entry
    /// owned by `chown` (`uid:gid` or names from the layer's
    /// `/etc/passwd` and `/etc/group`).
    fn extract(&mut self, tar: Box<dyn Read + Send>, chown: &str) -> Result<()>;

    /// moby `RWLayer.Commit` and `Builder.exportImage`: the layer becomes
    /// an image on top of the one it was made from. Returns its id.
    fn commit(self: Box<Self>, child: ChildConfig) -> Result<String>;
}

/// moby `builder.Result`: what a build made.
#[derive(Clone, Debug, Default)]
pub struct BuildResult {
    pub image_id: String,
}
