//! `GET /containers/{name}/json`: inspect.
//!
//! Mirrors moby `api/server/router/container/inspect.go` (v20.10.24)
//! `getContainersByName`: the `size` query adds `SizeRw`/`SizeRootFs`.

use std::sync::Arc;

use hyper::{Response, StatusCode};

use crate::errdefs::Result;
use crate::server::httputils::{
    bool_value, parse_form_lenient, write_json, ApiRequest, Body, Ctx, Vars,
};

use super::ContainerRouter;

impl ContainerRouter {
    /// moby `getContainersByName`: `GET /containers/{name:.*}/json`.
    pub(super) async fn get_containers_by_name(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        // moby's getContainersByName reads `size` without calling
        // ParseForm, so a malformed query is no error here.
        let form = parse_form_lenient(&req);
        let name = vars.get("name").cloned().unwrap_or_default();
        let json = self
            .backend
            .container_inspect(&name, bool_value(&form, "size"))?;
        write_json(StatusCode::OK, &json)
    }
}
