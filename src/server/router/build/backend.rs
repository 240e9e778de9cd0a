//! What the build router needs from its backend.
//!
//! Mirrors moby `api/server/router/build/backend.go` (v20.10.24). moby's
//! interface also has `PruneCache` and `Cancel`, which serve BuildKit's
//! cache and sessions; mini-dockerd has no BuildKit, so their routes
//! answer 501 and the trait has only `Build`.
//!
//! `build` blocks for the whole build (it reads the context, runs the
//! steps' containers and writes the output as it goes), so the handler
//! calls it on tokio's blocking pool.

use crate::api::types::build::BuildConfig;
use crate::errdefs::Result;

/// moby `build.Backend`.
pub trait Backend: Send + Sync {
    /// moby `Build`: build an image, writing the build's output to
    /// `config.progress_writer`; returns the image's id.
    fn build(&self, config: BuildConfig) -> Result<String>;
}
