//! DebugRequestMiddleware: log every request, with its JSON body, at debug level.
//!
//! Mirrors moby `api/server/middleware/debug.go` (v20.10.24). It is only
//! in the chain when the daemon runs with `-D` (or `--log-level debug`),
//! and then it is the outermost layer. For a POST with a small JSON body it
//! logs the body too, after replacing the values of secret-looking keys
//! (`maskSecretKeys`) with `*****`, and gives the handler an untouched
//! copy of the body.
//!
//! Lesson: `walkthroughs/04-middlewares.md`.

use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use serde_json::Value;

use crate::server::httpstatus;
use crate::server::httputils::{self, check_for_json, ApiFunc};
use crate::trace;

use super::Middleware;

/// The largest body moby's debug middleware will log.
const MAX_BODY_SIZE: usize = 4096;

/// See the module documentation.
#[derive(Clone, Default)]
pub struct DebugRequestMiddleware;

/// moby `maskSecretKeys`: hide the values of keys that hold secrets, at any
/// depth, comparing key names case-insensitively.
pub fn mask_secret_keys(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                let lower = k.to_ascii_lowercase();
                if matches!(
                    lower.as_str(),
                    "data" | "jointoken" | "password" | "secret" | "signingcakey" | "unlockkey"
                ) {
                    *v = Value::String("*****".into());
                } else {
                    mask_secret_keys(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_secret_keys),
        _ => {}
    }
}

impl Middleware for DebugRequestMiddleware {
    fn name(&self) -> &'static str {
        "DebugRequestMiddleware"
    }

    fn wrap_handler(&self, next: ApiFunc) -> ApiFunc {
        Arc::new(move |ctx, req, vars| {
            let next = next.clone();
            Box::pin(async move {
                let start = trace::clock();
                trace_event!("middleware", "enter", "DebugRequestMiddleware");
                let method = req.method().clone();
                let uri = req.uri().to_string();
                tracing::debug!(module = "api", method = %method, request_url = %uri, vars = ?vars, "Calling {} {}", method, uri);
                let small = req
                    .headers()
                    .get(hyper::header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<usize>().ok())
                    .is_some_and(|n| n <= MAX_BODY_SIZE);
                let req = if method == hyper::Method::POST && small && check_for_json(&req).is_ok()
                {
                    // Read the (small) body, log a masked copy, and put the
                    // original back for the handler. A client that stalls
                    // in the middle of it gets the handler's 400 here.
                    let (parts, body) = req.into_parts();
                    httputils::collect_body(body, MAX_BODY_SIZE)
                        .await
                        .map(|bytes| {
                            if let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) {
                                mask_secret_keys(&mut v);
                                tracing::debug!(form_data = %v, "form data");
                            }
                            let body = Full::new(bytes).map_err(|never| match never {}).boxed();
                            hyper::Request::from_parts(parts, body)
                        })
                } else {
                    Ok(req)
                };
                let result = match req {
                    Ok(req) => next(ctx, req, vars).await,
                    Err(e) => Err(e),
                };
                match &result {
                    Ok(resp) => trace_event!(
                        "middleware",
                        "exit",
                        "DebugRequestMiddleware",
                        decision = "pass",
                        status = resp.status().as_u16() as u64,
                        dur_us = trace::micros_since_opt(start)
                    ),
                    Err(e) => {
                        let status = httpstatus::from_error(e).as_u16();
                        tracing::debug!(error_response = %e, status = status, "error response for {} request", method);
                        trace_event!(
                            "middleware",
                            "exit",
                            "DebugRequestMiddleware",
                            decision = "pass",
                            status = status as u64,
                            error = e.message.as_str(),
                            dur_us = trace::micros_since_opt(start)
                        );
                    }
                }
                result
            })
        })
    }
}
