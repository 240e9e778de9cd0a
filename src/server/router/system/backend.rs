//! What the system router needs from the daemon.
//!
//! Mirrors moby `api/server/router/system/backend.go` (v20.10.24), where
//! `Backend` has `SystemInfo`, `SystemVersion`, `SystemDiskUsage`,
//! `SubscribeToEvents`, `UnsubscribeFromEvents` and `AuthenticateToRegistry`.
//! The daemon implements it (src/daemon/info.rs, disk_usage.rs, events.rs).
//!
//! Two shortcuts, owned up to: `/info` and `/version` are built as JSON
//! values rather than as the typed `types.Info` / `types.Version` structs
//! (their field lists are long and only the wire shape matters to clients),
//! and unsubscribing is dropping the receiver, which is what a Rust
//! broadcast channel does by itself.

use tokio::sync::broadcast;

use crate::errdefs::Result;
use crate::events::filter::Filter;
use crate::events::Message;

/// moby `system.Backend`.
pub trait Backend: Send + Sync {
    /// moby `SystemInfo()`: the body of `GET /info`.
    fn system_info(&self) -> serde_json::Value;

    /// moby `SystemVersion()`: the body of `GET /version`.
    fn system_version(&self) -> serde_json::Value;

    /// moby `SystemDiskUsage(ctx)`: the body of `GET /system/df`.
    fn system_disk_usage(&self) -> Result<serde_json::Value>;

    /// moby `SubscribeToEvents(since, until, filter)`: the stored events in
    /// the time window that pass the filter, and a receiver of live events
    /// (which the handler filters as they come).
    fn subscribe_to_events(
        &self,
        since: Option<i64>,
        until: Option<i64>,
        filter: &Filter,
    ) -> (Vec<Message>, broadcast::Receiver<Message>);
}
