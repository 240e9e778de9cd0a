//! The builder's images and layers: the base image of a stage, and a
//! writable layer on an image for `COPY` and `ADD`.
//!
//! Mirrors moby `daemon/images/image_builder.go` (v20.10.24):
//! `GetImageAndReleasableLayer` and the `rwLayer` its layer hands out. In
//! moby the image service mounts the layer itself (through the graph
//! driver) and the builder copies into the mounted directory. Here
//! mounting is the runtime's job, so the layer lives beside the daemon:
//! a directory under `<data-root>/builder` with an overlay upper layer on
//! the image's layers, which the runtime's archive helper mounts for each
//! operation and works in, chrooted; the commit is the upper layer as a
//! layer tar (the runtime's `diff`), as for `docker commit`. No container
//! is made, so, as under dockerd, `COPY` logs no container events.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use super::archive::{feed_untar, reply_error};
use super::commit::convert;
use super::Daemon;
use crate::builder::{ChildConfig, RWLayer};
use crate::errdefs::{Error, ErrorKind, Result};
use crate::image::image_commit::CommitConfig;
use crate::image::{reference, Image};
use crate::runtime::archive::{ArchiveErrorKind, ArchiveOp, Reply};
use crate::runtime::{ContainerSpec, NetworkMode, Runtime};

impl Daemon {
    /// `<data-root>/builder`: build contexts and writable layers, for the
    /// time of a build. Emptied when the daemon starts.
    pub fn builder_dir(&self) -> PathBuf {
        self.config.data_root.join("builder")
    }

    /// moby `GetImageAndReleasableLayer`. A stage's base image is looked
    /// up locally; if it is missing (and not an earlier stage), moby pulls
    /// it (`PullOptionPreferLocal`). There is no registry client here, so
    /// the answer is the pull's error, the one `docker pull` gets.
    pub fn get_image_and_releasable_layer(
        &self,
        ref_or_id: &str,
        local_only: bool,
    ) -> Result<Image> {
        let images = self.image_service()?;
        match images.get_image(ref_or_id) {
            Err(e) if e.is(ErrorKind::NotFound) && !local_only => {
                let named = reference::parse_normalized_named(ref_or_id)?.tag_name_only();
                images.pull_image(&named.name(), named.tag.as_deref().unwrap_or(""))?;
                // The pull always fails; were it to succeed, the image
                // would be there now.
                images.get_image(ref_or_id)
            }
            other => other,
        }
    }

    /// moby `ReleaseableLayer.NewRWLayer` on `image_id`.
    pub fn new_build_layer(self: &Arc<Self>, image_id: &str) -> Result<BuildLayer> {
        self.has_container_filesystems()?;
        let images = self.image_service()?;
        let image = images.get_image(image_id)?;
        let id = super::names::generate_id();
        let container_dir = self.builder_dir().join(format!("layer-{id}"));
        std::fs::create_dir_all(&container_dir)?;
        Ok(BuildLayer {
            daemon: self.clone(),
            parent: image.id.clone(),
            spec: ContainerSpec {
                id,
                layers: images.layer_dirs(&image),
                container_dir,
                network: NetworkMode::None,
                ..Default::default()
            },
        })
    }
}

/// A writable layer on an image (moby's `rwLayer`), described to the
/// runtime as a container that never runs.
pub struct BuildLayer {
    daemon: Arc<Daemon>,
    parent: String,
    spec: ContainerSpec,
}

impl BuildLayer {
    fn runtime(&self) -> &dyn Runtime {
        self.daemon.runtime.as_ref()
    }

    /// The stat of `path` in the layer; `None` when nothing is there.
    fn stat(&self, path: &str) -> Result<Option<crate::runtime::archive::PathStat>> {
        let (mut child, reply) = self
            .runtime()
            .archive(&self.spec, false, ArchiveOp::Stat { path: path.into() })
            .map_err(|e| Error::system(e.message))?;
        let _ = child.wait();
        match reply {
            Reply::Stat(s) => Ok(Some(s)),
            Reply::Error {
                kind: ArchiveErrorKind::NotFound,
                ..
            } => Ok(None),
            other => Err(reply_error(other, path, "build layer")),
        }
    }
}

impl RWLayer for BuildLayer {
    fn stat_dir(&mut self, path: &str) -> Result<Option<bool>> {
        let Some(s) = self.stat(path)? else {
            return Ok(None);
        };
        // moby stats the destination with symlinks followed; the helper
        // gives a symlink's target, resolved in the layer.
        if s.mode & libc::S_IFMT == libc::S_IFLNK {
            return Ok(self
                .stat(&s.link_target)?
                .map(|t| t.mode & libc::S_IFMT == libc::S_IFDIR));
        }
        Ok(Some(s.mode & libc::S_IFMT == libc::S_IFDIR))
    }

    fn extract(&mut self, mut tar: Box<dyn Read + Send>, chown: &str) -> Result<()> {
        let op = ArchiveOp::Untar {
            path: "/".into(),
            no_overwrite_dir_non_dir: false,
            chown_user: (!chown.is_empty()).then(|| chown.to_string()),
            readonly_rootfs: false,
        };
        let (child, reply) = self
            .runtime()
            .archive(&self.spec, false, op)
            .map_err(|e| Error::system(e.message))?;
        if !matches!(reply, Reply::Ready) {
            let mut child = child;
            let _ = child.wait();
            return Err(reply_error(reply, "/", "build layer"));
        }
        match feed_untar(child, &mut tar) {
            Reply::Done => Ok(()),
            other => Err(reply_error(other, "/", "build layer")),
        }
    }

    fn commit(self: Box<Self>, child: ChildConfig) -> Result<String> {
        let commit = CommitConfig {
            author: child.author,
            comment: String::new(),
            config: convert(&child.config)?,
            container_config: convert(&child.container_config)?,
            container_id: String::new(),
            parent_image_id: self.parent.clone(),
        };
        let images = self.daemon.image_service()?;
        images.commit_image(commit, |out| {
            self.runtime()
                .diff(&self.spec, out)
                .map_err(super::pause::runtime_error)
        })
    }
}

impl Drop for BuildLayer {
    /// moby `rwLayer.Release`. The helper unmounted the overlay after each
    /// operation; what is left is the directory.
    fn drop(&mut self) {
        self.runtime().cleanup(&self.spec);
        if let Err(e) = std::fs::remove_dir_all(&self.spec.container_dir) {
            tracing::warn!(
                "removing build layer {}: {e}",
                self.spec.container_dir.display()
            );
        }
    }
}
