//! The plugin router: managed plugins.
//!
//! Mirrors moby `api/server/router/plugin/plugin.go` (v20.10.24): the router
//! struct and its one route table, in moby's registration order. The
//! handlers live in the `*_routes.rs` files beside it, as in moby.
//!
//! The backend is a plugin manager with no plugins (src/plugin/): the
//! routes that look a plugin up answer as a dockerd with none installed
//! does; the ones that install one answer 501 naming the moby handler.
//!
//! Lesson: `walkthroughs/05-handlers-and-errors.md`.

pub mod backend;
mod plugin_routes;

use std::sync::Arc;

use crate::route;
use crate::server::router::{Route, Router};

pub use backend::Backend;

/// moby `pluginRouter`.
pub struct PluginRouter {
    backend: Arc<dyn Backend>,
}

impl PluginRouter {
    /// moby `NewRouter(b Backend)`.
    pub fn new(backend: Arc<dyn Backend>) -> Arc<PluginRouter> {
        Arc::new(PluginRouter { backend })
    }
}

impl Router for PluginRouter {
    fn name(&self) -> &'static str {
        "plugin"
    }

    /// moby `initRoutes`.
    fn routes(self: Arc<Self>) -> Vec<Route> {
        let r = &self;
        vec![
            // GET
            route!(
                r,
                GET,
                "/plugins",
                "listPlugins",
                "plugin/plugin_routes.go",
                Self::list_plugins
            ),
            route!(
                r,
                GET,
                "/plugins/{name:.*}/json",
                "inspectPlugin",
                "plugin/plugin_routes.go",
                Self::inspect_plugin
            ),
            route!(
                r,
                GET,
                "/plugins/privileges",
                "getPrivileges",
                "plugin/plugin_routes.go",
                Self::get_privileges
            ),
            // DELETE
            route!(
                r,
                DELETE,
                "/plugins/{name:.*}",
                "removePlugin",
                "plugin/plugin_routes.go",
                Self::remove_plugin
            ),
            // POST
            route!(
                r,
                POST,
                "/plugins/{name:.*}/enable",
                "enablePlugin",
                "plugin/plugin_routes.go",
                Self::enable_plugin
            ),
            route!(
                r,
                POST,
                "/plugins/{name:.*}/disable",
                "disablePlugin",
                "plugin/plugin_routes.go",
                Self::disable_plugin
            ),
            route!(
                r,
                POST,
                "/plugins/pull",
                "pullPlugin",
                "plugin/plugin_routes.go",
                Self::pull_plugin
            ),
            route!(
                r,
                POST,
                "/plugins/{name:.*}/push",
                "pushPlugin",
                "plugin/plugin_routes.go",
                Self::push_plugin
            ),
            route!(
                r,
                POST,
                "/plugins/{name:.*}/upgrade",
                "upgradePlugin",
                "plugin/plugin_routes.go",
                Self::upgrade_plugin
            ),
            route!(
                r,
                POST,
                "/plugins/{name:.*}/set",
                "setPlugin",
                "plugin/plugin_routes.go",
                Self::set_plugin
            ),
            route!(
                r,
                POST,
                "/plugins/create",
                "createPlugin",
                "plugin/plugin_routes.go",
                Self::create_plugin
            ),
        ]
    }
}
