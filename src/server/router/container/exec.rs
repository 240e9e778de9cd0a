//! Handlers of the container router: `docker exec`.
//!
//! Mirrors moby `api/server/router/container/exec.go` (v20.10.24):
//! create (201 `{"Id"}`), start (hijacked unless `Detach`), inspect and
//! resize. The backend is `daemon/exec.rs` and `daemon/resize.rs`.

use std::sync::Arc;

use hyper::{Response, StatusCode};
use serde::Serialize;

use crate::api::types::exec::{ExecCreateConfig, ExecStartCheck};
use crate::daemon::resize::parse_dimension;
use crate::errdefs::{Error, Result};
use crate::server::hijack::{self, HijackOptions, Hijacker};
use crate::server::httputils::{self, ApiRequest, Body, Ctx, Vars};

use super::ContainerRouter;

/// moby `types.IDResponse`.
#[derive(Serialize)]
struct IdResponse {
    #[serde(rename = "Id")]
    id: String,
}

/// A `ConsoleSize` of `[h, w]` with both set, as the runtime takes it.
fn console_size(v: Option<[u32; 2]>) -> Option<(u16, u16)> {
    match v? {
        [0, _] | [_, 0] => None,
        [h, w] => Some((h.min(u16::MAX as u32) as u16, w.min(u16::MAX as u32) as u16)),
    }
}

impl ContainerRouter {
    /// moby `getExecByID`: `GET /exec/{id:.*}/json`.
    pub(super) async fn get_exec_by_id(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let id = vars.get("id").cloned().unwrap_or_default();
        let inspect = self.backend.container_exec_inspect(&id)?;
        httputils::write_json(StatusCode::OK, &inspect)
    }

    /// moby `postContainerExecCreate`: `POST /containers/{name:.*}/exec`.
    pub(super) async fn post_container_exec_create(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let name = vars.get("name").cloned().unwrap_or_default();
        let config: ExecCreateConfig = httputils::read_json(req).await?;
        if config.cmd.as_ref().is_none_or(|c| c.is_empty()) {
            return Err(Error::invalid_parameter("No exec command specified"));
        }
        let id = self.backend.container_exec_create(&name, &config)?;
        httputils::write_json(StatusCode::CREATED, &IdResponse { id })
    }

    /// moby `postContainerExecStart`: `POST /exec/{name:.*}/start`.
    ///
    /// The 404 for an unknown instance and the 409 for a stopped container
    /// come before the hijack, as in dockerd (`ExecExists`). With `Detach`
    /// the answer is an empty 200 once the process runs. Otherwise the
    /// connection is hijacked (101 with the middleware headers, unlike
    /// attach) and stays open until the process's output ends; an error
    /// after the hijack (already running, runtime failure) is written into
    /// the stream as text followed by `\r\n` (a stdout frame without a
    /// TTY), as dockerd does, and the exec's exit code is 126.
    pub(super) async fn post_container_exec_start(
        self: Arc<Self>,
        ctx: Ctx,
        mut req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let id = vars.get("name").cloned().unwrap_or_default();
        let hijacker = Hijacker::new(&mut req);
        let check: ExecStartCheck = httputils::read_json(req).await?;
        self.backend.exec_exists(&id)?;
        let size = console_size(check.console_size);
        if check.detach {
            let run = self.backend.clone().container_exec_start(id, size).await?;
            tokio::spawn(run.run(None, false));
            return Ok(httputils::no_content(StatusCode::OK));
        }
        let multiplexed = !check.tty;
        let content_type = hijack::stream_content_type(&ctx.api_version, multiplexed);
        let backend = self.backend.clone();
        Ok(hijacker.start(
            &ctx,
            HijackOptions {
                content_type,
                middleware_headers: true,
                handler: "postContainerExecStart",
            },
            move |mut stream| async move {
                match backend.container_exec_start(id, size).await {
                    Ok(run) => {
                        run.run(Some((stream.reader, stream.writer)), multiplexed)
                            .await
                    }
                    Err(e) => {
                        // moby writes the error to the exec's stdout
                        // writer, which is the stdcopy one without a TTY:
                        // a stdout frame, so the CLI prints it rather than
                        // failing on "Unrecognized input header".
                        let msg = format!("{}\r\n", e.message);
                        let out = crate::stdcopy::encode(
                            multiplexed,
                            crate::stdcopy::StdType::Stdout,
                            msg.as_bytes(),
                        );
                        hijack::write_all(&mut *stream.writer, &out).await;
                        hijack::close_output(&mut *stream.writer).await;
                    }
                }
            },
        ))
    }

    /// moby `postContainerExecResize`: `POST /exec/{name:.*}/resize`.
    pub(super) async fn post_container_exec_resize(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let form = httputils::parse_form(&req)?;
        let height = parse_dimension(form.get("h").map(String::as_str).unwrap_or(""))?;
        let width = parse_dimension(form.get("w").map(String::as_str).unwrap_or(""))?;
        let id = vars.get("name").cloned().unwrap_or_default();
        self.backend
            .clone()
            .container_exec_resize(id, height, width)
            .await?;
        Ok(httputils::no_content(StatusCode::OK))
    }
}
