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
    /// 400 `Multiple IDs found with provided prefix: x`.
    pub fn get_container(&self, prefix_or_name: &str) -> Result<ContainerRef> {
        self.containers.get(prefix_or_name)
    }
}

/// Run a backend operation between an `enter` and an `exit` trace record
/// (the exit carries `dur_us`, and the error when there is one), as every
/// `Daemon.ContainerX` operation is reported.
pub(crate) async fn traced<T, F>(name: &str, container: &str, f: F) -> Result<T>
where
    F: std::future::Future<Output = Result<T>>,
{
    let start = std::time::Instant::now();
    trace_event!("backend", "enter", name, container = container);
    let r = f.await;
    trace_exit(name, container, start, r.as_ref().err());
    r
}

/// [`traced`] for an operation that does not await.
pub(crate) fn traced_sync<T>(
    name: &str,
    container: &str,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let start = std::time::Instant::now();
    trace_event!("backend", "enter", name, container = container);
    let r = f();
    trace_exit(name, container, start, r.as_ref().err());
    r
}

fn trace_exit(
    name: &str,
    container: &str,
    start: std::time::Instant,
    err: Option<&crate::errdefs::Error>,
) {
    let dur_us = crate::trace::micros_since(start);
    match err {
        None => trace_event!(
            "backend",
            "exit",
            name,
            container = container,
            dur_us = dur_us
        ),
        Some(e) => trace_event!(
            "backend",
            "exit",
            name,
            container = container,
            error = e.message.as_str(),
            dur_us = dur_us
        ),
    }
}
