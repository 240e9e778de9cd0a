//! CORSMiddleware: `Access-Control-*` headers for browsers.
//!
//! Mirrors moby `api/server/middleware/cors.go` (v20.10.24; removed in moby
//! v28). It is only registered when `--api-cors-header` is given, and then
//! adds the same three headers dockerd added. It never refuses a request.
//!
//! Lesson: `walkthroughs/04-middlewares.md`.

use std::sync::Arc;

use hyper::header::{
    HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN,
};

use crate::server::httputils::{header_value, ApiFunc};
use crate::trace;

use super::Middleware;

/// See the module documentation.
#[derive(Clone)]
pub struct CORSMiddleware {
    default_headers: String,
}

impl CORSMiddleware {
    /// moby `NewCORSMiddleware(defaultHeaders)`.
    pub fn new(default_headers: &str) -> Self {
        CORSMiddleware {
            default_headers: default_headers.to_string(),
        }
    }
}

impl Middleware for CORSMiddleware {
    fn name(&self) -> &'static str {
        "CORSMiddleware"
    }

    fn wrap_handler(&self, next: ApiFunc) -> ApiFunc {
        // dockerd: "If the CORS header is '*', allow any origin"; an empty
        // value never gets here because the middleware is not registered.
        let origin = if self.default_headers.is_empty() {
            "*".to_string()
        } else {
            self.default_headers.clone()
        };
        let origin_header = header_value(&origin);
        Arc::new(move |ctx, req, vars| {
            let next = next.clone();
            let origin = origin.clone();
            let origin_header = origin_header.clone();
            Box::pin(async move {
                let start = trace::clock();
                trace_event!("middleware", "enter", "CORSMiddleware");
                ctx.set_header(ACCESS_CONTROL_ALLOW_ORIGIN, origin_header);
                ctx.set_header(
                    ACCESS_CONTROL_ALLOW_HEADERS,
                    HeaderValue::from_static(
                        "Origin, X-Requested-With, Content-Type, Accept, X-Registry-Auth",
                    ),
                );
                ctx.set_header(
                    ACCESS_CONTROL_ALLOW_METHODS,
                    HeaderValue::from_static("HEAD, GET, POST, DELETE, PUT, OPTIONS"),
                );
                let result = next(ctx, req, vars).await;
                trace_event!(
                    "middleware",
                    "exit",
                    "CORSMiddleware",
                    decision = "pass",
                    cors_origin = origin.as_str(),
                    dur_us = trace::micros_since_opt(start)
                );
                result
            })
        })
    }
}
