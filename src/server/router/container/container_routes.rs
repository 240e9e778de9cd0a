//! Handlers of the container router.
//!
//! Mirrors moby `api/server/router/container/container_routes.go` (v20.10.24).
//! Until the container backend exists, each route answers 501 naming the
//! moby handler.

use std::sync::Arc;

use hyper::Response;

use hyper::StatusCode;

use crate::daemon::attach::AttachConfig;
use crate::daemon::logger;
use crate::daemon::logs::LogsOptions;
use crate::daemon::resize::parse_dimension;
use crate::errdefs::{Error, Result};
use crate::server::hijack::{self, HijackOptions, Hijacker};
use crate::server::httputils::{self, ApiRequest, Body, Ctx, Vars};
use crate::server::logstream;
use crate::server::router::not_implemented_error;

use super::ContainerRouter;

impl ContainerRouter {
    /// moby `getContainersJSON`: `GET /containers/json`.
    pub(super) async fn get_containers_json(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getContainersJSON",
            "container/container_routes.go",
        ))
    }

    /// moby `getContainersExport`: `GET /containers/{name:.*}/export`.
    pub(super) async fn get_containers_export(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getContainersExport",
            "container/container_routes.go",
        ))
    }

    /// moby `getContainersChanges`: `GET /containers/{name:.*}/changes`.
    pub(super) async fn get_containers_changes(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getContainersChanges",
            "container/container_routes.go",
        ))
    }

    /// moby `getContainersTop`: `GET /containers/{name:.*}/top`.
    pub(super) async fn get_containers_top(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getContainersTop",
            "container/container_routes.go",
        ))
    }

    /// moby `getContainersLogs`: `GET /containers/{name:.*}/logs`.
    pub(super) async fn get_containers_logs(
        self: Arc<Self>,
        ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        // Everything is checked before the 200: once the stream starts, an
        // error can only be written into it.
        let form = httputils::parse_form(&req);
        let stdout = httputils::bool_value(&form, "stdout");
        let stderr = httputils::bool_value(&form, "stderr");
        if !(stdout || stderr) {
            return Err(Error::invalid_parameter(
                "Bad parameters: you must choose at least one stream",
            ));
        }
        let time_param = |key: &str| {
            let v = form.get(key).map(String::as_str).unwrap_or("");
            logger::parse_timestamp(v).map_err(Error::invalid_parameter)
        };
        let since = time_param("since")?;
        // moby treats `until=0` as "no limit".
        let until = match form.get("until").map(String::as_str) {
            Some("0") => None,
            _ => time_param("until")?,
        };
        let opts = LogsOptions {
            stdout,
            stderr,
            since,
            until,
            tail: LogsOptions::parse_tail(form.get("tail").map(String::as_str).unwrap_or("")),
            follow: httputils::bool_value(&form, "follow"),
            timestamps: httputils::bool_value(&form, "timestamps"),
            details: httputils::bool_value(&form, "details"),
        };
        let name = vars.get("name").cloned().unwrap_or_default();
        let (msgs, tty) = self.backend.container_logs(&name, &opts)?;
        let _ = ctx;
        Ok(Response::builder()
            .status(StatusCode::OK)
            .body(logstream::write_log_stream(msgs, opts, !tty))
            .expect("static response parts are valid"))
    }

    /// moby `getContainersStats`: `GET /containers/{name:.*}/stats`.
    pub(super) async fn get_containers_stats(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "getContainersStats",
            "container/container_routes.go",
        ))
    }

    /// moby `wsContainersAttach`: `GET /containers/{name:.*}/attach/ws`.
    pub(super) async fn ws_containers_attach(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "wsContainersAttach",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersCreate`: `POST /containers/create`.
    pub(super) async fn post_containers_create(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersCreate",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersKill`: `POST /containers/{name:.*}/kill`.
    pub(super) async fn post_containers_kill(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersKill",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersPause`: `POST /containers/{name:.*}/pause`.
    pub(super) async fn post_containers_pause(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersPause",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersUnpause`: `POST /containers/{name:.*}/unpause`.
    pub(super) async fn post_containers_unpause(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersUnpause",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersRestart`: `POST /containers/{name:.*}/restart`.
    pub(super) async fn post_containers_restart(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersRestart",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersStart`: `POST /containers/{name:.*}/start`.
    pub(super) async fn post_containers_start(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersStart",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersStop`: `POST /containers/{name:.*}/stop`.
    pub(super) async fn post_containers_stop(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersStop",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersWait`: `POST /containers/{name:.*}/wait`.
    pub(super) async fn post_containers_wait(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersWait",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersResize`: `POST /containers/{name:.*}/resize`.
    pub(super) async fn post_containers_resize(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let form = httputils::parse_form(&req);
        let height = parse_dimension(form.get("h").map(String::as_str).unwrap_or(""))?;
        let width = parse_dimension(form.get("w").map(String::as_str).unwrap_or(""))?;
        let name = vars.get("name").cloned().unwrap_or_default();
        self.backend.container_resize(&name, height, width)?;
        Ok(httputils::no_content(StatusCode::OK))
    }

    /// moby `postContainersAttach`: `POST /containers/{name:.*}/attach`.
    pub(super) async fn post_containers_attach(
        self: Arc<Self>,
        ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let form = httputils::parse_form(&req);
        let cfg = AttachConfig {
            use_stdin: httputils::bool_value(&form, "stdin"),
            use_stdout: httputils::bool_value(&form, "stdout"),
            use_stderr: httputils::bool_value(&form, "stderr"),
            logs: httputils::bool_value(&form, "logs"),
            stream: httputils::bool_value(&form, "stream"),
            detach_keys: form.get("detachKeys").cloned().unwrap_or_default(),
        };
        let name = vars.get("name").cloned().unwrap_or_default();
        // Errors up to here are ordinary JSON answers (404, 409).
        let attachment = self.backend.container_attach(&name, cfg)?;
        let content_type = hijack::stream_content_type(&ctx.api_version, attachment.multiplexed());
        let hijacker = Hijacker::with_body(req);
        Ok(hijacker.start(
            &ctx,
            HijackOptions {
                content_type,
                middleware_headers: false,
                handler: "postContainersAttach",
            },
            move |stream| attachment.run(stream.reader, stream.writer),
        ))
    }

    /// moby `postContainerRename`: `POST /containers/{name:.*}/rename`.
    pub(super) async fn post_container_rename(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainerRename",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainerUpdate`: `POST /containers/{name:.*}/update`.
    pub(super) async fn post_container_update(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainerUpdate",
            "container/container_routes.go",
        ))
    }

    /// moby `postContainersPrune`: `POST /containers/prune`.
    pub(super) async fn post_containers_prune(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postContainersPrune",
            "container/container_routes.go",
        ))
    }

    /// moby `postCommit`: `POST /commit`.
    pub(super) async fn post_commit(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "postCommit",
            "container/container_routes.go",
        ))
    }

    /// moby `deleteContainers`: `DELETE /containers/{name:.*}`.
    pub(super) async fn delete_containers(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error(
            "deleteContainers",
            "container/container_routes.go",
        ))
    }
}
