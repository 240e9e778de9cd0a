//! Finding a container by what the client typed.
//!
//! Mirrors moby `daemon/container.go` (v20.10.24) `GetContainer`: the one
//! function every `/containers/{name}/...` handler's backend call starts
//! with. The resolution order (full id, exact name, unique id prefix) and
//! the errors are in `container::store`.

use super::Daemon;
use crate::container::ContainerRef;
use crate::errdefs::Result;

impl Daemon {
    /// moby `GetContainer(prefixOrName)`: 404 `No such container: x`,
    /// 400 `multiple IDs found with provided prefix: x`.
    pub fn get_container(&self, prefix_or_name: &str) -> Result<ContainerRef> {
        self.containers.get(prefix_or_name)
    }
}
