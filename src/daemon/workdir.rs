//! The builder's `WORKDIR`: create a container's working directory in its
//! filesystem.
//!
//! Mirrors moby `daemon/workdir.go` (v20.10.24) `ContainerCreateWorkdir`:
//! mount the container's rootfs, create `Config.WorkingDir` and its
//! missing parents (0755, owned by root), unmount. The runtime's archive
//! helper does it inside the rootfs, so a symlink on the way resolves in
//! the container, never on the host. dockerd also does this when any
//! container is created; here `docker run -w` gets its directory when
//! the container starts instead (the runtime's init), and the builder
//! asks for it explicitly, as moby's does.

use std::sync::Arc;

use super::archive::reply_error;
use super::container::traced;
use super::Daemon;
use crate::container::lock;
use crate::runtime::archive::{ArchiveOp, Reply};

impl Daemon {
    /// moby `ContainerCreateWorkdir`.
    pub async fn container_create_workdir(
        self: &Arc<Self>,
        name: &str,
    ) -> crate::errdefs::Result<()> {
        traced("Daemon.ContainerCreateWorkdir", name, async {
            let path = lock(&self.get_container(name)?).config.working_dir.clone();
            if path.is_empty() {
                return Ok(());
            }
            let op = ArchiveOp::Mkdir { path: path.clone() };
            let (_, mut child, reply) = self.archive_helper(name, |_| op).await?;
            let _ = crate::trace::spawn_blocking(move || child.wait()).await;
            match reply {
                Reply::Done => Ok(()),
                other => Err(reply_error(other, &path, name)),
            }
        })
        .await
    }
}
