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

use crate::errdefs::Error;
use hyper::header::{HeaderName, HeaderValue};

use crate::server::httputils::{header_value, version_less_than, ApiFunc};
use crate::trace;

use super::Middleware;

/// See the module documentation.
#[derive(Clone)]
pub struct VersionMiddleware {
    server_version: String,
    default_version: String,
    min_version: String,
    /// `Server` and `Api-Version`, built once (they never change).
    server_header: HeaderValue,
    api_version_header: HeaderValue,
}

const SERVER: HeaderName = HeaderName::from_static("server");
const API_VERSION: HeaderName = HeaderName::from_static("api-version");
const OSTYPE: HeaderName = HeaderName::from_static("ostype");

impl VersionMiddleware {
    /// moby `NewVersionMiddleware(serverVersion, defaultVersion, minVersion)`.
    pub fn new(server_version: &str, default_version: &str, min_version: &str) -> Self {
        VersionMiddleware {
            server_version: server_version.to_string(),
            default_version: default_version.to_string(),
            min_version: min_version.to_string(),
            server_header: header_value(&format!(
                "Docker/{} ({})",
                server_version,
                std::env::consts::OS
            )),
            api_version_header: header_value(default_version),
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
                let start = trace::clock();
                trace_event!("middleware", "enter", "VersionMiddleware");
                ctx.set_header(SERVER, this.server_header.clone());
                ctx.set_header(API_VERSION, this.api_version_header.clone());
                ctx.set_header(OSTYPE, HeaderValue::from_static(std::env::consts::OS));
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
                        dur_us = trace::micros_since_opt(start)
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
                    dur_us = trace::micros_since_opt(start)
                );
                result
            })
        })
    }
}
