//! Handlers of the container router.
//!
//! Mirrors moby `api/server/router/container/container_routes.go` (v20.10.24).
//! Each handler parses the query and body, makes one backend call and
//! writes the answer (see moby-api-notes §3.5 for the statuses).
//! attach/ws, export, changes and commit still answer 501 naming the moby
//! handler.

use std::sync::Arc;

use bytes::Bytes;
use hyper::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use hyper::{Response, StatusCode};
use tokio::sync::mpsc;

use crate::api::types::container::ContainerCreateConfig;
use crate::daemon::attach::AttachConfig;
use crate::daemon::commit::CreateImageConfig;
use crate::daemon::list::ContainerListOptions;
use crate::daemon::logger;
use crate::daemon::logs::LogsOptions;
use crate::daemon::resize::parse_dimension;
use crate::daemon::update::UpdateConfig;
use crate::daemon::wait::WaitCondition;
use crate::errdefs::{Error, ErrorKind, Result};
use crate::server::hijack::{self, HijackOptions, Hijacker};
use crate::server::httputils::{
    self, bool_value, no_content, parse_form, read_json, version_less_than, write_json, ApiRequest,
    Body, Ctx, Vars,
};
use crate::server::logstream;
use crate::server::router::not_implemented_error;

use super::ContainerRouter;

impl ContainerRouter {
    /// moby `getContainersJSON`: `GET /containers/json`.
    pub(super) async fn get_containers_json(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form(&req)?;
        let limit = match form.get("limit").map(String::as_str) {
            None | Some("") => 0,
            Some(v) => httputils::atoi(v)?,
        };
        let opts = ContainerListOptions {
            all: bool_value(&form, "all"),
            limit,
            size: bool_value(&form, "size"),
            filters: form.get("filters").cloned().unwrap_or_default(),
        };
        write_json(StatusCode::OK, &self.backend.containers(&opts)?)
    }

    /// moby `getContainersExport`: `GET /containers/{name:.*}/export`.
    pub(super) async fn get_containers_export(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let tar = self.backend.clone().container_export(name(&vars)).await?;
        // moby writes no Content-Type; Go's server sniffs the tar's first
        // bytes as this one.
        Ok(httputils::reader_response("application/octet-stream", tar))
    }

    /// moby `getContainersChanges`: `GET /containers/{name:.*}/changes`.
    pub(super) async fn get_containers_changes(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let changes = self.backend.container_changes(&name(&vars))?;
        write_json(StatusCode::OK, &changes)
    }

    /// moby `getContainersTop`: `GET /containers/{name:.*}/top`.
    pub(super) async fn get_containers_top(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form(&req)?;
        let ps_args = form.get("ps_args").cloned().unwrap_or_default();
        let top = self.backend.container_top(&name(&vars), &ps_args)?;
        write_json(StatusCode::OK, &top)
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
        let form = httputils::parse_form(&req)?;
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
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form(&req)?;
        let stream = httputils::bool_value_or_default(&form, "stream", true);
        let one_shot = bool_value(&form, "one-shot");
        let rx = self
            .backend
            .clone()
            .container_stats(&name(&vars), stream, one_shot)?;
        Ok(httputils::stream_response("application/json", rx))
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
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form(&req)?;
        let name = form.get("name").cloned().unwrap_or_default();
        let config: ContainerCreateConfig = read_json(req).await?;
        let created = self.backend.container_create(&name, config)?;
        write_json(StatusCode::CREATED, &created)
    }

    /// moby `postContainersKill`: `POST /containers/{name:.*}/kill`.
    ///
    /// The signal is parsed here, as moby's router does, so a bad one is a
    /// bare 400 "Invalid signal: x". Every error of the kill itself comes
    /// back as "Cannot kill container: NAME: ...", with its kind kept;
    /// except that a client older than API 1.20 killing a stopped container
    /// gets the 204 it expected then.
    pub(super) async fn post_containers_kill(
        self: Arc<Self>,
        ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form(&req)?;
        let sig = match form.get("signal").map(String::as_str) {
            None | Some("") => 0,
            Some(s) => crate::signal::parse_signal(s)?,
        };
        let name = name(&vars);
        if let Err(err) = self.backend.clone().container_kill(name.clone(), sig).await {
            let is_stopped = err.is(ErrorKind::Conflict);
            if !version_less_than(&ctx.api_version, "1.20") || !is_stopped {
                return Err(err.wrap(format_args!("Cannot kill container: {name}")));
            }
        }
        Ok(no_content(StatusCode::NO_CONTENT))
    }

    /// moby `postContainersPause`: `POST /containers/{name:.*}/pause`.
    pub(super) async fn post_containers_pause(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        self.backend.container_pause(&name(&vars))?;
        Ok(no_content(StatusCode::NO_CONTENT))
    }

    /// moby `postContainersUnpause`: `POST /containers/{name:.*}/unpause`.
    pub(super) async fn post_containers_unpause(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        self.backend.container_unpause(&name(&vars))?;
        Ok(no_content(StatusCode::NO_CONTENT))
    }

    /// moby `postContainersRestart`: `POST /containers/{name:.*}/restart`.
    pub(super) async fn post_containers_restart(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let timeout = stop_timeout(&req)?;
        self.backend
            .clone()
            .container_restart(name(&vars), timeout)
            .await?;
        Ok(no_content(StatusCode::NO_CONTENT))
    }

    /// moby `postContainersStart`: `POST /containers/{name:.*}/start`.
    pub(super) async fn post_containers_start(
        self: Arc<Self>,
        ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        // moby: a body longer than 7 bytes (or of unknown length) is the
        // HostConfig that API < 1.24 allowed here; it is refused now.
        let headers = req.headers();
        let length: i64 = headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(if headers.contains_key(TRANSFER_ENCODING) {
                -1
            } else {
                0
            });
        if (length > 7 || length == -1) && !version_less_than(&ctx.api_version, "1.24") {
            return Err(Error::invalid_parameter(
                "starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24",
            ));
        }
        self.backend.clone().container_start(name(&vars)).await?;
        Ok(no_content(StatusCode::NO_CONTENT))
    }

    /// moby `postContainersStop`: `POST /containers/{name:.*}/stop`.
    pub(super) async fn post_containers_stop(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let timeout = stop_timeout(&req)?;
        self.backend
            .clone()
            .container_stop(name(&vars), timeout)
            .await?;
        Ok(no_content(StatusCode::NO_CONTENT))
    }

    /// moby `postContainersWait`: `POST /containers/{name:.*}/wait`.
    pub(super) async fn post_containers_wait(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        // Everything that can fail is checked before the 200 goes out:
        // after it, the only place for an error is the body.
        let form = parse_form(&req)?;
        let condition =
            WaitCondition::parse(form.get("condition").map(String::as_str).unwrap_or(""))?;
        let wait = self.backend.container_wait(&name(&vars), condition)?;
        // The docker CLI's `post` returns when the headers arrive, and it
        // sends `wait` before `start`: so the 200 must go out now, with a
        // body that stays open until the answer is known. A channel body
        // does that: hyper writes the head as soon as we return.
        let (tx, rx) = mpsc::channel::<Bytes>(1);
        tokio::spawn(async move {
            tokio::select! {
                answer = wait => {
                    let mut line = serde_json::to_vec(&answer).unwrap_or_default();
                    line.push(b'\n');
                    let _ = tx.send(Bytes::from(line)).await;
                }
                // `docker run -d` cancels its wait once the id is printed.
                _ = tx.closed() => {}
            }
        });
        Ok(httputils::stream_response("application/json", rx))
    }

    /// moby `postContainersResize`: `POST /containers/{name:.*}/resize`.
    pub(super) async fn post_containers_resize(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let form = httputils::parse_form(&req)?;
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
        let form = httputils::parse_form(&req)?;
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
        let attachment = self.backend.clone().container_attach(&name, cfg)?;
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
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form(&req)?;
        let new_name = form.get("name").cloned().unwrap_or_default();
        self.backend.container_rename(&name(&vars), &new_name)?;
        Ok(no_content(StatusCode::NO_CONTENT))
    }

    /// moby `postContainerUpdate`: `POST /containers/{name:.*}/update`.
    pub(super) async fn post_container_update(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let name = name(&vars);
        let config: UpdateConfig = httputils::read_json_or_default(req).await?;
        let body = self.backend.container_update(&name, config)?;
        write_json(StatusCode::OK, &body)
    }

    /// moby `postContainersPrune`: `POST /containers/prune`.
    pub(super) async fn post_containers_prune(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form(&req)?;
        let filters = form.get("filters").cloned().unwrap_or_default();
        let report = self.backend.clone().containers_prune(filters).await?;
        write_json(StatusCode::OK, &report)
    }

    /// moby `postCommit`: `POST /commit`.
    /// `pause` defaults to true from API 1.13 on; an empty body means
    /// "the container's own config".
    pub(super) async fn post_commit(
        self: Arc<Self>,
        ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form(&req)?;
        let pause = match form.get("pause").map(String::as_str) {
            None | Some("") => !version_less_than(&ctx.api_version, "1.13"),
            Some(_) => bool_value(&form, "pause"),
        };
        let changes = httputils::form_values(&req, "changes");
        let get = |k: &str| form.get(k).cloned().unwrap_or_default();
        let container = get("container");
        let cfg = CreateImageConfig {
            pause,
            repo: get("repo"),
            tag: get("tag"),
            author: get("author"),
            comment: get("comment"),
            // moby: `CheckForJSON`, then `DecodeConfig`, where an empty
            // body (`io.EOF`) is no config at all.
            config: httputils::read_json_or_default(req).await?,
            changes,
        };
        let id = self
            .backend
            .clone()
            .create_image_from_container(container, cfg)
            .await?;
        write_json(StatusCode::CREATED, &serde_json::json!({ "Id": id }))
    }

    /// moby `deleteContainers`: `DELETE /containers/{name:.*}`.
    pub(super) async fn delete_containers(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form(&req)?;
        if bool_value(&form, "link") {
            return Err(Error::not_implemented(
                "removing links (rm --link) is not supported: mini-dockerd has no legacy links",
            ));
        }
        self.backend
            .clone()
            .container_rm(
                name(&vars),
                bool_value(&form, "force"),
                bool_value(&form, "v"),
            )
            .await?;
        Ok(no_content(StatusCode::NO_CONTENT))
    }
}

/// The `{name}` path variable.
fn name(vars: &Vars) -> String {
    vars.get("name").cloned().unwrap_or_default()
}

/// The `t` query of stop and restart: seconds, or `None` when absent
/// (the container's `StopTimeout` or 10 then applies).
fn stop_timeout(req: &ApiRequest) -> Result<Option<i64>> {
    let form = parse_form(req)?;
    match form.get("t").map(String::as_str) {
        None | Some("") => Ok(None),
        Some(v) => httputils::atoi(v).map(Some),
    }
}
