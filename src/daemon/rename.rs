//! `POST /containers/{name}/rename?name=new`.
//!
//! Mirrors moby `daemon/rename.go` (v20.10.24) `ContainerRename`: both
//! names must be given, the new one must differ, be valid (400) and free
//! (409); the new name is reserved before the old one is released, so a
//! failure leaves the container as it was. Event `rename` with the old
//! name in `oldName`.

use super::container::traced_sync;
use super::Daemon;
use crate::container::lock;
use crate::container::store::normalize_name;
use crate::errdefs::{Error, Result};

impl Daemon {
    /// moby `ContainerRename`: 204.
    pub fn container_rename(&self, old_name: &str, new_name: &str) -> Result<()> {
        traced_sync("Daemon.ContainerRename", old_name, || {
            if old_name.is_empty() || new_name.is_empty() {
                return Err(Error::invalid_parameter(
                    "Neither old nor new names may be empty",
                ));
            }
            let c = self.get_container(old_name)?;
            let (id, old) = {
                let ct = lock(&c);
                (ct.id.clone(), ct.name.clone())
            };
            if old == normalize_name(new_name) {
                return Err(Error::invalid_parameter(
                    "Renaming a container with the same name as its current name",
                ));
            }
            // moby puts the `/` in front before it reserves the name, so
            // an invalid one reads `Invalid container name (/b@d)`, and
            // wraps the error: `Error when allocating new name: ...`.
            let new = self
                .reserve_name(&id, &normalize_name(new_name))
                .map_err(|e| e.wrap("Error when allocating new name"))?;
            {
                let mut ct = lock(&c);
                ct.name = new.clone();
                if let Err(e) = ct.to_disk() {
                    ct.name = old.clone();
                    drop(ct);
                    self.release_name(&new);
                    return Err(Error::system(format!("saving the container: {e}")));
                }
            }
            self.release_name(&old);
            self.log_event_for(&c, "rename", &[("oldName", old)]);
            Ok(())
        })
    }
}
