//! What the build router needs from its backend.
//!
//! Mirrors moby `api/server/router/build/backend.go` (v20.10.24). moby's
//! interface also has `Cancel`, which ends a BuildKit session by id;
//! mini-dockerd has no BuildKit (a classic build ends when its client
//! hangs up), so that route answers 501 and the trait has no `cancel`.
//!
//! `build` blocks for the whole build (it reads the context, runs the
//! steps' containers and writes the output as it goes), so the handler
//! calls it on tokio's blocking pool.

use crate::api::types::build::{BuildCachePruneOptions, BuildCachePruneReport, BuildConfig};
use crate::errdefs::Result;

/// moby `build.Backend`.
pub trait Backend: Send + Sync {
    /// moby `Build`: build an image, writing the build's output to
    /// `config.progress_writer`; returns the image's id.
    fn build(&self, config: BuildConfig) -> Result<String>;

    /// moby `PruneCache`: remove build cache (`docker builder prune`,
    /// and part of `docker system prune`).
    fn prune_cache(&self, opts: BuildCachePruneOptions) -> Result<BuildCachePruneReport>;
}
