//! Handlers of the plugin router.
//!
//! Mirrors moby `api/server/router/plugin/plugin_routes.go` (v20.10.24).
//! The lookups (list, inspect, enable, disable, remove, set, push) parse
//! what moby parses and ask the backend, a manager with no plugins; the
//! installers (privileges, pull, upgrade, create) answer 501 naming the
//! moby handler.

use std::sync::Arc;

use hyper::{Response, StatusCode};

use crate::errdefs::{Error, Result};
use crate::events::filter::Filter;
use crate::server::httputils::{
    self, bool_value, decode_json, no_content, parse_form, read_body, write_json, ApiRequest, Body,
    Ctx, Vars, MAX_JSON_BODY,
};
use crate::server::router::not_implemented_error;

use super::PluginRouter;

fn name_var(vars: &Vars) -> &str {
    vars.get("name").map(String::as_str).unwrap_or("")
}

impl PluginRouter {
    /// moby `listPlugins`: `GET /plugins`.
    pub(super) async fn list_plugins(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form(&req)?;
        let filter = Filter::parse(form.get("filters").map(String::as_str).unwrap_or(""))
            .map_err(Error::invalid_parameter)?;
        write_json(StatusCode::OK, &self.backend.list(&filter)?)
    }

    /// moby `inspectPlugin`: `GET /plugins/{name:.*}/json`.
    pub(super) async fn inspect_plugin(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        write_json(StatusCode::OK, &self.backend.inspect(name_var(&vars))?)
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
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form(&req)?;
        self.backend
            .remove(name_var(&vars), bool_value(&form, "force"))?;
        Ok(no_content(StatusCode::OK))
    }

    /// moby `enablePlugin`: `POST /plugins/{name:.*}/enable`.
    pub(super) async fn enable_plugin(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form(&req)?;
        // moby: `strconv.Atoi(r.Form.Get("timeout"))`, so an absent
        // timeout is an error too (the CLI always sends one).
        let timeout = httputils::atoi(form.get("timeout").map(String::as_str).unwrap_or(""))?;
        self.backend.enable(name_var(&vars), timeout)?;
        Ok(no_content(StatusCode::OK))
    }

    /// moby `disablePlugin`: `POST /plugins/{name:.*}/disable`.
    pub(super) async fn disable_plugin(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form(&req)?;
        self.backend
            .disable(name_var(&vars), bool_value(&form, "force"))?;
        Ok(no_content(StatusCode::OK))
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
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        // moby wraps a form error here: "failed to parse form: ...".
        parse_form(&req).map_err(|e| e.wrap("failed to parse form"))?;
        // moby answers through a write flusher; the lookup fails before
        // the first write, so the error is still an ordinary status.
        self.backend.push(name_var(&vars))?;
        write_json(StatusCode::OK, &serde_json::Value::Null)
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
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        // moby decodes the body without `CheckForJSON`.
        let body = read_body(req, MAX_JSON_BODY).await?;
        let args: Vec<String> = decode_json(&body)?;
        self.backend.set(name_var(&vars), &args)?;
        Ok(no_content(StatusCode::NO_CONTENT))
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
