//! ExperimentalMiddleware: the `Docker-Experimental` header.
//!
//! Mirrors moby `api/server/middleware/experimental.go` (v20.10.24). It only
//! says whether the daemon runs with `--experimental`. It is registered
//! first, so it runs last, just before the handler: a request refused by
//! the VersionMiddleware never gets this header.
//!
//! Lesson: `walkthroughs/04-middlewares.md`.

use std::sync::Arc;

use hyper::header::{HeaderName, HeaderValue};

use crate::server::httputils::ApiFunc;
use crate::trace;

use super::Middleware;

const DOCKER_EXPERIMENTAL: HeaderName = HeaderName::from_static("docker-experimental");

/// See the module documentation.
#[derive(Clone)]
pub struct ExperimentalMiddleware {
    experimental: bool,
}

impl ExperimentalMiddleware {
    /// moby `NewExperimentalMiddleware(experimentalEnabled)`.
    pub fn new(experimental: bool) -> Self {
        ExperimentalMiddleware { experimental }
    }
}

impl Middleware for ExperimentalMiddleware {
    fn name(&self) -> &'static str {
        "ExperimentalMiddleware"
    }

    fn wrap_handler(&self, next: ApiFunc) -> ApiFunc {
        let value = if self.experimental { "true" } else { "false" };
        Arc::new(move |ctx, req, vars| {
            let next = next.clone();
            Box::pin(async move {
                let start = trace::clock();
                trace_event!("middleware", "enter", "ExperimentalMiddleware");
                ctx.set_header(DOCKER_EXPERIMENTAL, HeaderValue::from_static(value));
                let result = next(ctx, req, vars).await;
                trace_event!(
                    "middleware",
                    "exit",
                    "ExperimentalMiddleware",
                    decision = "pass",
                    experimental = value,
                    dur_us = trace::micros_since_opt(start)
                );
                result
            })
        })
    }
}
