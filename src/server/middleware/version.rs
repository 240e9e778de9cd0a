//! VersionMiddleware: API version negotiation and the server headers.
//!
//! Mirrors moby `api/server/middleware/version.go` (v20.10.24). For every
//! routed request it sets `Server`, `Api-Version` (always the server's
//! default, i.e. maximum, version) and `Ostype`, then checks the version
//! from the URL (`/v1.41/...`; no prefix means the default) against the
//! supported range, and hands the negotiated version to the handler.
//!
//! Lesson: `walkthroughs/04-middlewares.md`.

use std::sync::Arc;
use std::time::Instant;

use crate::errdefs::Error;
use crate::server::httputils::{version_less_than, ApiFunc};
use crate::trace;

use super::Middleware;

/// See the module documentation.
#[derive(Clone)]
pub struct VersionMiddleware {
    server_version: String,
    default_version: String,
    min_version: String,
    server_header: String,
}

impl VersionMiddleware {
    /// moby `NewVersionMiddleware(serverVersion, defaultVersion, minVersion)`.
    pub fn new(server_version: &str, default_version: &str, min_version: &str) -> Self {
        VersionMiddleware {
            server_version: server_version.to_string(),
            default_version: default_version.to_string(),
            min_version: min_version.to_string(),
            server_header: format!("Docker/{} ({})", server_version, std::env::consts::OS),
        }
    }

    /// moby `versionUnsupportedError.Error()`, both forms.
    fn check(&self, api_version: &str) -> Result<(), Error> {
        if version_less_than(api_version, &self.min_version) {
            return Err(Error::invalid_parameter(format!(
                "client version {api_version} is too old. Minimum supported API version is {}, please upgrade your client to a newer version",
                self.min_version
            )));
        }
        if version_less_than(&self.default_version, api_version) {
            return Err(Error::invalid_parameter(format!(
                "client version {api_version} is too new. Maximum supported API version is {}",
                self.default_version
            )));
        }
        Ok(())
    }

    pub fn server_version(&self) -> &str {
        &self.server_version
    }
}

impl Middleware for VersionMiddleware {
    fn name(&self) -> &'static str {
        "VersionMiddleware"
    }

    fn wrap_handler(&self, next: ApiFunc) -> ApiFunc {
        let this = Arc::new(self.clone());
        Arc::new(move |mut ctx, req, vars| {
            let this = this.clone();
            let next = next.clone();
            Box::pin(async move {
                let start = Instant::now();
                trace_event!("middleware", "enter", "VersionMiddleware");
                ctx.set_header("Server", &this.server_header);
                ctx.set_header("Api-Version", &this.default_version);
                ctx.set_header("Ostype", std::env::consts::OS);
                let api_version = match vars.get("version") {
                    Some(v) if !v.is_empty() => v.clone(),
                    _ => this.default_version.clone(),
                };
                if let Err(e) = this.check(&api_version) {
                    trace_event!(
                        "middleware",
                        "exit",
                        "VersionMiddleware",
                        decision = "reject",
                        api_version = api_version.as_str(),
                        error = e.message.as_str(),
                        dur_us = trace::micros_since(start)
                    );
                    return Err(e);
                }
                ctx.api_version = api_version;
                let result = next(ctx.clone(), req, vars).await;
                trace_event!(
                    "middleware",
                    "exit",
                    "VersionMiddleware",
                    decision = "pass",
                    api_version = ctx.api_version.as_str(),
                    dur_us = trace::micros_since(start)
                );
                result
            })
        })
    }
}
