//! The routers' backend traits, implemented by the daemon.
//!
//! In moby, `*daemon.Daemon` satisfies each router's `Backend` interface
//! implicitly, because Go interfaces are structural. Rust asks for an
//! explicit `impl`; we gather them here, each method delegating to the
//! operation's own file (`daemon/info.rs`, `daemon/events.rs`, ...), so a
//! learner can see in one place which daemon method serves which router.

use tokio::sync::broadcast;

use super::Daemon;
use crate::errdefs::Result;
use crate::events::filter::Filter;
use crate::events::Message;
use crate::server::router::system;

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
