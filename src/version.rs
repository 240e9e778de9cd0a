//! The versions mini-dockerd reports.
//!
//! Mirrors moby `api/common.go` (`DefaultVersion`, `MinVersion`) and
//! `dockerversion/version_lib.go` (v20.10.24). We speak API 1.41, the
//! version of dockerd 20.10, and accept clients down to 1.12 as it does.
//!
//! Lesson: `walkthroughs/04-middlewares.md`.

/// moby `api.DefaultVersion`: the highest API version we serve.
pub const API_VERSION: &str = "1.41";

/// moby `api.MinVersion`.
pub const MIN_API_VERSION: &str = "1.12";

/// The engine version in `Server:` headers and `/version`. It names the
/// dockerd release we mirror, with our own suffix, so that clients that
/// look at it see a 20.10 engine and people see it is not dockerd.
pub const ENGINE_VERSION: &str = "20.10.24-mini";
