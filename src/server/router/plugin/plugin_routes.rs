//! Handlers of the plugin router.
//!
//! Mirrors moby `api/server/router/plugin/plugin_routes.go` (v20.10.24).
//! mini-dockerd has no plugin manager: each route answers 501 naming the
//! moby handler.

use std::sync::Arc;

use hyper::Response;

use crate::errdefs::Result;
use crate::server::httputils::{ApiRequest, Body, Ctx, Vars};
use crate::server::router::not_implemented_error;

use super::PluginRouter;

impl PluginRouter {
    /// moby `listPlugins`: `GET /plugins`.
    pub(super) async fn list_plugins(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "listPlugins",
            "plugin/plugin_routes.go",
        ))
    }

    /// moby `inspectPlugin`: `GET /plugins/{name:.*}/json`.
    pub(super) async fn inspect_plugin(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "inspectPlugin",
            "plugin/plugin_routes.go",
        ))
    }

    /// moby `getPrivileges`: `GET /plugins/privileges`.
    pub(super) async fn get_privileges(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getPrivileges",
            "plugin/plugin_routes.go",
        ))
    }

    /// moby `removePlugin`: `DELETE /plugins/{name:.*}`.
    pub(super) async fn remove_plugin(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "removePlugin",
            "plugin/plugin_routes.go",
        ))
    }

    /// moby `enablePlugin`: `POST /plugins/{name:.*}/enable`.
    pub(super) async fn enable_plugin(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "enablePlugin",
            "plugin/plugin_routes.go",
        ))
    }

    /// moby `disablePlugin`: `POST /plugins/{name:.*}/disable`.
    pub(super) async fn disable_plugin(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "disablePlugin",
            "plugin/plugin_routes.go",
        ))
    }

    /// moby `pullPlugin`: `POST /plugins/pull`.
    pub(super) async fn pull_plugin(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "pullPlugin",
            "plugin/plugin_routes.go",
        ))
    }

    /// moby `pushPlugin`: `POST /plugins/{name:.*}/push`.
    pub(super) async fn push_plugin(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "pushPlugin",
            "plugin/plugin_routes.go",
        ))
    }

    /// moby `upgradePlugin`: `POST /plugins/{name:.*}/upgrade`.
    pub(super) async fn upgrade_plugin(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "upgradePlugin",
            "plugin/plugin_routes.go",
        ))
    }

    /// moby `setPlugin`: `POST /plugins/{name:.*}/set`.
    pub(super) async fn set_plugin(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "setPlugin",
            "plugin/plugin_routes.go",
        ))
    }

    /// moby `createPlugin`: `POST /plugins/create`.
    pub(super) async fn create_plugin(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "createPlugin",
            "plugin/plugin_routes.go",
        ))
    }
}
