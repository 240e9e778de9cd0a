//! Handlers of the session router.
//!
//! Mirrors moby `api/server/router/session/session_routes.go` (v20.10.24).
//! mini-dockerd has no builder and so no BuildKit sessions: the route
//! answers 501.

use std::sync::Arc;

use hyper::Response;

use crate::errdefs::Result;
use crate::server::httputils::{ApiRequest, Body, Ctx, Vars};
use crate::server::router::not_implemented_error;

use super::SessionRouter;

impl SessionRouter {
    /// moby `startSession`: `POST /session`.
    pub(super) async fn start_session(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "startSession",
            "session/session_routes.go",
        ))
    }
}
