//! What the plugin router needs from the plugin manager.
//!
//! Mirrors moby `api/server/router/plugin/backend.go` (v20.10.24), whose
//! `Backend` is implemented by `plugin.Manager`, not by the daemon. Ours is
//! [`crate::plugin::Manager`], a manager with no plugins: only the calls
//! that look a plugin up are here; installing one (`Pull`, `Privileges`,
//! `Upgrade`, `CreateFromContext`) is not, and those routes answer 501.

use crate::errdefs::Result;
use crate::events::filter::Filter;
use crate::plugin::{Manager, Plugin};

/// moby `plugin.Backend`, the lookup half.
pub trait Backend: Send + Sync {
    /// moby `List(filters.Args)`.
    fn list(&self, filter: &Filter) -> Result<Vec<Plugin>>;
    /// moby `Inspect(name)`.
    fn inspect(&self, name: &str) -> Result<Plugin>;
    /// moby `Enable(name, config)`.
    fn enable(&self, name: &str, timeout: i64) -> Result<()>;
    /// moby `Disable(name, config)`.
    fn disable(&self, name: &str, force: bool) -> Result<()>;
    /// moby `Remove(name, config)`.
    fn remove(&self, name: &str, force: bool) -> Result<()>;
    /// moby `Set(name, args)`.
    fn set(&self, name: &str, args: &[String]) -> Result<()>;
    /// moby `Push(ctx, name, ...)`, up to its first write.
    fn push(&self, name: &str) -> Result<()>;
}

/// With no plugin installed, `force`, `timeout` and `args` never matter:
/// every call stops at the lookup, as moby's would.
impl Backend for Manager {
    fn list(&self, filter: &Filter) -> Result<Vec<Plugin>> {
        Manager::list(self, filter)
    }
    fn inspect(&self, name: &str) -> Result<Plugin> {
        Manager::inspect(self, name)
    }
    fn enable(&self, name: &str, _timeout: i64) -> Result<()> {
        self.lookup(name)
    }
    fn disable(&self, name: &str, _force: bool) -> Result<()> {
        self.lookup(name)
    }
    fn remove(&self, name: &str, _force: bool) -> Result<()> {
        self.lookup(name)
    }
    fn set(&self, name: &str, _args: &[String]) -> Result<()> {
        self.lookup(name)
    }
    fn push(&self, name: &str) -> Result<()> {
        self.lookup(name)
    }
}
