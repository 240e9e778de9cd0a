//! Handlers of the build router.
//!
//! Mirrors moby `api/server/router/build/build_routes.go` (v20.10.24).
//! `postBuild` reads the options from the query (`newImageBuildOptions`),
//! hands the body (the context) to the backend, and streams what the
//! build writes as JSON messages. Until the build has written its first
//! message, an error is an ordinary error status (a missing Dockerfile is
//! a 500, a Dockerfile that does not parse a 400); after it, an error can
//! only be the stream's last message (moby's `errf`). With `q=1` the
//! build's messages are held back and only the image id is sent, or, on
//! failure, everything held back and then the error.
//!
//! `postPrune` reads its options and asks the backend, which has no cache
//! to prune (see `server/backend/build`). `postCancel` serves BuildKit's
//! sessions, which mini-dockerd does not have: it answers 501 naming the
//! moby handler.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use hyper::Response;

use crate::api::types::build::{
    BuildCachePruneOptions, BuildConfig, BuilderVersion, ImageBuildOptions, ProgressWriter,
};
use crate::api::types::filters;
use crate::errdefs::{Error, Result};
use crate::server::httputils::{
    atoi, bool_value, form_values, int64_value_or_zero, parse_form_lenient, stream_response,
    version_less_than, write_json, ApiRequest, Body, BodyReader, Ctx, Vars, WriteFlusher,
};
use crate::server::router::not_implemented_error;
use crate::streamformatter;

use super::{Backend, BuildRouter};

/// Go's `r.FormValue(key)`: the first value, or "".
fn form_value(form: &HashMap<String, String>, key: &str) -> String {
    form.get(key).cloned().unwrap_or_default()
}

/// moby `newImageBuildOptions`. moby reads the query with `r.FormValue`,
/// which ignores a malformed query, so this does too.
fn new_image_build_options(ctx: &Ctx, req: &ApiRequest) -> Result<ImageBuildOptions> {
    let form = parse_form_lenient(req);
    let version = ctx.api_version.as_str();
    let mut o = ImageBuildOptions {
        dockerfile: form_value(&form, "dockerfile"),
        suppress_output: bool_value(&form, "q"),
        no_cache: bool_value(&form, "nocache"),
        force_remove: bool_value(&form, "forcerm"),
        memory_swap: int64_value_or_zero(&form, "memswap"),
        memory: int64_value_or_zero(&form, "memory"),
        cpu_shares: int64_value_or_zero(&form, "cpushares"),
        cpu_period: int64_value_or_zero(&form, "cpuperiod"),
        cpu_quota: int64_value_or_zero(&form, "cpuquota"),
        cgroup_parent: form_value(&form, "cgroupparent"),
        network_mode: form_value(&form, "networkmode"),
        tags: form_values(req, "t"),
        extra_hosts: form_values(req, "extrahosts"),
        squash: bool_value(&form, "squash"),
        target: form_value(&form, "target"),
        remote_context: form_value(&form, "remote"),
        ..Default::default()
    };
    if form.contains_key("securityopt") {
        return Err(Error::invalid_parameter(
            "The daemon on this platform does not support setting security options on build",
        ));
    }
    // `rm` defaults to true since API 1.12, and `forcerm` implies it.
    let from_1_12 = !version_less_than(version, "1.12");
    o.remove = if from_1_12 && (o.force_remove || form_value(&form, "rm").is_empty()) {
        true
    } else {
        bool_value(&form, "rm")
    };
    o.pull_parent = bool_value(&form, "pull") && !version_less_than(version, "1.16");
    if !version_less_than(version, "1.32") {
        o.platform = form_value(&form, "platform");
    }
    if !version_less_than(version, "1.40") {
        // BuildKit's exporters; only checked, as the classic builder
        // ignores them in moby too.
        if let Some(j) = form.get("outputs").filter(|s| !s.is_empty()) {
            serde_json::from_str::<Vec<serde_json::Value>>(j)
                .map_err(|e| Error::invalid_parameter(e.to_string()))?;
        }
    }
    if let Some(s) = form.get("shmsize").filter(|s| !s.is_empty()) {
        o.shm_size = s.parse().map_err(|_| {
            Error::invalid_parameter(format!("strconv.ParseInt: parsing {s:?}: invalid syntax"))
        })?;
    }
    let isolation = form_value(&form, "isolation");
    if !isolation.is_empty() && isolation != "default" {
        return Err(Error::invalid_parameter(format!(
            "Unsupported isolation: {isolation:?}"
        )));
    }
    if let Some(j) = form.get("ulimits").filter(|s| !s.is_empty()) {
        // Checked as moby checks it; the limits themselves are not
        // applied to the steps' containers here.
        serde_json::from_str::<Vec<serde_json::Value>>(j)
            .map_err(|e| Error::invalid_parameter(format!("error reading ulimit settings: {e}")))?;
    }
    // A `--build-arg` may come without a value (`"foo": null`): the name
    // was given but the client's environment had no value for it. It is
    // kept, so that the build can warn when no `ARG` uses it.
    if let Some(j) = form.get("buildargs").filter(|s| !s.is_empty()) {
        o.build_args = serde_json::from_str(j)
            .map_err(|e| Error::invalid_parameter(format!("error reading build args: {e}")))?;
    }
    if let Some(j) = form.get("labels").filter(|s| !s.is_empty()) {
        o.labels = serde_json::from_str(j)
            .map_err(|e| Error::invalid_parameter(format!("error reading labels: {e}")))?;
    }
    if let Some(j) = form.get("cachefrom").filter(|s| !s.is_empty()) {
        // There is no cache to take images from; the list is only checked.
        serde_json::from_str::<Vec<String>>(j)
            .map_err(|e| Error::invalid_parameter(e.to_string()))?;
    }
    o.version = match form_value(&form, "version").as_str() {
        "" | "1" => BuilderVersion::V1,
        "2" => BuilderVersion::BuildKit,
        other => {
            return Err(Error::invalid_parameter(format!(
                "invalid version {other:?}"
            )))
        }
    };
    Ok(o)
}

/// A `Write` into a shared buffer: where `q=1` keeps the build's
/// messages (moby's `notVerboseBuffer`).
#[derive(Clone, Default)]
struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuffer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The part of moby's `postBuild` that runs while the build does: call
/// the backend, then write its result into the stream (the image id
/// with `q=1`), or its error (`errf`). `Err` only when nothing was
/// written, so that the handler can still answer with a status.
fn build_and_report(
    backend: Arc<dyn Backend>,
    source: BodyReader,
    options: ImageBuildOptions,
    mut output: WriteFlusher,
    want_aux: bool,
) -> Result<()> {
    let quiet = options.suppress_output;
    let not_verbose = SharedBuffer::default();
    let progress_writer = if quiet {
        ProgressWriter::new(not_verbose.clone(), want_aux)
    } else {
        ProgressWriter::new(output.clone(), want_aux)
    };
    let probe = output.clone();
    let progress_writer = progress_writer.with_client_gone(move || probe.client_gone());
    let result = backend.build(BuildConfig {
        source: Box::new(source),
        options,
        progress_writer,
    });
    match result {
        Ok(image_id) => {
            if quiet {
                let _ = output.write_all(&streamformatter::format_stream(
                    format!("{image_id}\n").as_bytes(),
                ));
            }
            Ok(())
        }
        Err(e) => {
            let held = not_verbose
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            if quiet && !held.is_empty() {
                let _ = output.write_all(&held);
            }
            // "Do not write the error in the http output if it's still
            // empty. This prevents from writing a 200(OK) when there is
            // an internal error."
            if !output.flushed() {
                return Err(e);
            }
            if output
                .write_all(&streamformatter::format_error(&e.message, e.code))
                .is_err()
            {
                tracing::warn!("could not write error response: client went away");
            }
            Ok(())
        }
    }
}

impl BuildRouter {
    /// moby `postBuild`: `POST /build`, the context as the body.
    pub(super) async fn post_build(
        self: Arc<Self>,
        ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let options = new_image_build_options(&ctx, &req)?;
        if options.squash && !self.experimental {
            return Err(Error::invalid_parameter(
                "squash is only supported with experimental mode",
            ));
        }
        let want_aux = !version_less_than(&ctx.api_version, "1.30");
        let mut source = BodyReader::new(req);
        let finished = source.finished();
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        let (output, started) = WriteFlusher::new(tx);
        let backend = self.backend.clone();
        let build = tokio::spawn(async move {
            trace_event!("backend", "enter", "Backend.Build");
            let start = std::time::Instant::now();
            let res = crate::trace::spawn_blocking(move || {
                build_and_report(backend, source, options, output, want_aux)
            })
            .await
            .map_err(|e| Error::system(format!("Backend.Build: {e}")))
            .and_then(|r| r);
            trace_event!(
                "backend",
                "exit",
                "Backend.Build",
                dur_us = crate::trace::micros_since(start)
            );
            res
        });
        // The first message starts the 200; the build goes on writing the
        // rest. A build that ends before writing anything is answered
        // here, with its error's status.
        if started.await.is_ok() {
            return Ok(stream_response("application/json", rx));
        }
        match build.await {
            Ok(Ok(())) => Ok(stream_response("application/json", rx)),
            Ok(Err(e)) => {
                // Read what is left of a small body before answering, as
                // Go's server does, so the client sees the error.
                finished.await;
                Err(e)
            }
            Err(e) => Err(Error::system(format!("Backend.Build: {e}"))),
        }
    }

    /// moby `postPrune`: `POST /build/prune`. dockerd 20.10 answers a
    /// malformed `filters` or `keep-storage` with 500 (an unclassified
    /// error); we answer 400 with its text, as later dockerd does.
    pub(super) async fn post_prune(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form_lenient(&req);
        let filters = filters::from_json(&form_value(&form, "filters")).map_err(|e| {
            Error::invalid_parameter(format!("could not parse filters: {}", e.message))
        })?;
        let ks = match form_value(&form, "keep-storage") {
            v if v.is_empty() => "0".to_string(),
            v => v,
        };
        let keep_storage = atoi(&ks).map_err(|e| {
            Error::invalid_parameter(format!(
                "keep-storage is in bytes and expects an integer, got {ks}: {}",
                e.message
            ))
        })?;
        let opts = BuildCachePruneOptions {
            all: bool_value(&form, "all"),
            filters,
            keep_storage,
        };
        let report = self.backend.prune_cache(opts)?;
        write_json(hyper::StatusCode::OK, &report)
    }

    /// moby `postCancel`: `POST /build/cancel`.
    pub(super) async fn post_cancel(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(not_implemented_error("postCancel", "build/build_routes.go"))
    }
}
