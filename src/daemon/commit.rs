//! `POST /commit?container=NAME`: a container becomes an image.
//!
//! Mirrors moby `daemon/commit.go` (v20.10.24) `CreateImageFromContainer`:
//!
//! 1. a dead container, or one being removed, is a 409;
//! 2. a running container is paused for the commit unless `pause=0`
//!    (with the `pause` and `unpause` events dockerd logs);
//! 3. the config is the request's (or the container's), with the
//!    `changes` applied as Dockerfile instructions, then merged over the
//!    container's (moby `merge`, the one `create` uses with the image);
//! 4. the runtime writes the container's layer as a tar, and the image
//!    service makes the image (`image/image_commit.rs`);
//! 5. `repo`/`tag` tag it, and the container event `commit` carries the
//!    comment, the new id and the reference.
//!
//! The builder commits each step through [`Daemon::commit_build_step`]
//! (moby `daemon/images/image_commit.go` `CommitBuildStep`): step 4
//! alone, without the checks, the pause and the event.
//!
//! The container's config is `api::types::container::Config`, the
//! image's `ImageConfig`: the same JSON in two Rust types (a known
//! duplication), so they are converted through JSON here.

use std::sync::Arc;

use super::container::traced;
use super::Daemon;
use crate::api::types::container::Config;
use crate::container::{lock, Status};
use crate::errdefs::{Error, Result};
use crate::image::image_commit::CommitConfig;
use crate::image::image_import::build_from_config;
use crate::image::ImageConfig;

/// moby `backend.CreateImageConfig`.
#[derive(Debug, Default)]
pub struct CreateImageConfig {
    pub pause: bool,
    pub repo: String,
    pub tag: String,
    pub author: String,
    pub comment: String,
    /// The request body's config, if it had one.
    pub config: Option<Config>,
    pub changes: Vec<String>,
}

/// The same JSON object in the other type.
pub(crate) fn convert<A: serde::Serialize, B: serde::de::DeserializeOwned>(a: &A) -> Result<B> {
    serde_json::to_value(a)
        .and_then(serde_json::from_value)
        .map_err(|e| Error::system(format!("converting a config: {e}")))
}

impl Daemon {
    /// moby `CreateImageFromContainer`: the new image's id.
    pub async fn create_image_from_container(
        self: &Arc<Self>,
        name: &str,
        c: CreateImageConfig,
    ) -> Result<String> {
        traced("Daemon.CreateImageFromContainer", name, async {
            let ctr = self.get_container(name)?;
            self.has_container_filesystems()?;
            let (id, status, container_config) = {
                let ct = lock(&ctr);
                (ct.id.clone(), ct.state.status, ct.config.clone())
            };
            match status {
                Status::Dead => {
                    return Err(Error::conflict(format!(
                        "You cannot commit container {id} which is Dead"
                    )))
                }
                Status::Removing => {
                    return Err(Error::conflict(format!(
                        "You cannot commit container {id} which is being removed"
                    )))
                }
                _ => {}
            }
            let image_config: ImageConfig =
                convert(c.config.as_ref().unwrap_or(&container_config))?;
            let new_config = build_from_config(image_config, &c.changes)?;
            let mut merged: Config = convert(&new_config)?;
            super::create::merge(&mut merged, &convert(&container_config)?);
            let new_config: ImageConfig = convert(&merged)?;

            let pause = c.pause && status == Status::Running;
            if pause {
                self.container_pause(&id)?;
            }
            let result = async {
                let image_id = self
                    .commit_locked(
                        &ctr,
                        CommitConfig {
                            author: c.author.clone(),
                            comment: c.comment.clone(),
                            config: new_config,
                            container_config: convert(&container_config)?,
                            container_id: id.clone(),
                            parent_image_id: String::new(),
                        },
                    )
                    .await?;
                let image_ref = if c.repo.is_empty() {
                    String::new()
                } else {
                    self.image_service()?
                        .tag_image(&image_id, &c.repo, &c.tag)?
                };
                self.log_event_for(
                    &ctr,
                    "commit",
                    &[
                        ("comment", c.comment.clone()),
                        ("imageID", image_id.clone()),
                        ("imageRef", image_ref),
                    ],
                );
                Ok(image_id)
            }
            .await;
            if pause {
                // moby's deferred `containerUnpause`, after the tag and the
                // `commit` event; a failure there is logged, not returned.
                if let Err(e) = self.container_unpause(&id) {
                    tracing::warn!("unpausing {id} after commit: {e}");
                }
            }
            result
        })
        .await
    }

    /// moby `ImageService.CommitBuildStep`: the builder's commit of a
    /// step's container. Unlike `docker commit` it checks nothing about
    /// the container's state and logs no `commit` event; the configs are
    /// the builder's.
    pub async fn commit_build_step(
        self: &Arc<Self>,
        c: crate::builder::CommitConfig,
    ) -> Result<String> {
        traced("ImageService.CommitBuildStep", &c.container_id, async {
            let ctr = self
                .get_container(&c.container_id)
                .map_err(|_| Error::system(format!("container not found: {}", c.container_id)))?;
            self.has_container_filesystems()?;
            let commit = CommitConfig {
                author: c.author,
                comment: String::new(),
                config: convert(&c.config)?,
                container_config: convert(&c.container_config)?,
                container_id: c.container_id.clone(),
                parent_image_id: String::new(),
            };
            self.commit_locked(&ctr, commit).await
        })
        .await
    }

    /// Step 4: the layer and the image, under the container's operation
    /// lock so that no start or removal changes the layer meanwhile. The
    /// parent is the container's image.
    async fn commit_locked(
        self: &Arc<Self>,
        ctr: &crate::container::ContainerRef,
        mut commit: CommitConfig,
    ) -> Result<String> {
        let op_lock = lock(ctr).op_lock.clone();
        let _guard = op_lock.lock().await;
        let spec = {
            let ct = lock(ctr);
            commit.parent_image_id = ct.image.clone();
            self.container_spec(&ct)?
        };
        let images = self.image_service()?;
        let runtime = self.runtime.clone();
        crate::trace::spawn_blocking(move || {
            images.commit_image(commit, |out| {
                runtime
                    .diff(&spec, out)
                    .map_err(super::pause::runtime_error)
            })
        })
        .await
        .map_err(|e| Error::system(e.to_string()))?
    }
}
