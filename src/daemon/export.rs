//! `GET /containers/{name}/export`: the container's filesystem as a tar.
//!
//! Mirrors moby `daemon/export.go` (v20.10.24) `ContainerExport` →
//! `containerExport`: a dead container or one being removed is a 409; the
//! rootfs is mounted (when the container does not run) and archived
//! whole, volumes left out, and the `export` event is logged. The archive
//! helper of the runtime (`runtime/archive.rs`) writes the tar from
//! inside the rootfs, as moby's `chrootarchive` does.

use std::sync::Arc;

use super::archive::{reply_error, ArchiveReader};
use super::container::traced;
use super::Daemon;
use crate::container::{lock, Status};
use crate::errdefs::{Error, Result};
use crate::runtime::archive::{ArchiveOp, Reply};

impl Daemon {
    /// moby `ContainerExport`.
    pub async fn container_export(self: &Arc<Self>, name: &str) -> Result<ArchiveReader> {
        traced("Daemon.ContainerExport", name, async {
            let c = self.get_container(name)?;
            {
                let ct = lock(&c);
                match ct.state.status {
                    Status::Dead => {
                        return Err(Error::conflict(format!(
                            "You cannot export container {} which is Dead",
                            ct.id
                        )))
                    }
                    Status::Removing => {
                        return Err(Error::conflict(format!(
                            "You cannot export container {} which is being removed",
                            ct.id
                        )))
                    }
                    _ => {}
                }
            }
            let (c, child, reply) = self.archive_helper(name, |_| ArchiveOp::Export).await?;
            let reader = ArchiveReader::new(child);
            match reply {
                Reply::Ready => {
                    self.log_event_for(&c, "export", &[]);
                    Ok(reader)
                }
                other => {
                    Err(reply_error(other, "/", name)
                        .wrap(format!("Error exporting container {name}")))
                }
            }
        })
        .await
    }
}
