//! The build backend: run the builder, then tag what it built.
//!
//! Mirrors moby `api/server/backend/build/backend.go` (v20.10.24). moby
//! chooses between the classic builder and BuildKit here; mini-dockerd
//! has only the classic one, so a BuildKit request (`version=2`) is
//! refused. The tags are checked before the build starts, and the
//! `Successfully built` and `Successfully tagged` lines are written here,
//! after the builder's own output.
//!
//! moby's `PruneCache` prunes BuildKit's cache, which the classic builder
//! here does not have: it validates the options as BuildKit does and
//! reports nothing reclaimed. `Cancel` (BuildKit sessions) answers 501.

mod tag;

use std::sync::Arc;

use crate::api::types::build::{
    BuildCachePruneOptions, BuildCachePruneReport, BuildConfig, BuilderVersion,
};
use crate::builder::dockerfile::BuildManager;
use crate::container::short_id;
use crate::errdefs::{Error, Result};
use crate::image::reference::Named;
use crate::server::router::build as router;

pub use tag::Tagger;

/// moby `build.ImageComponent`, the part of the image service the build
/// backend uses.
pub trait ImageComponent: Send + Sync {
    /// moby `TagImageWithReference`.
    fn tag_image_with_reference(&self, image_id: &str, named: &Named) -> Result<()>;
}

/// moby `build.Backend`.
pub struct Backend {
    builder: BuildManager,
    image_component: Arc<dyn ImageComponent>,
}

impl Backend {
    /// moby `NewBackend`.
    pub fn new(image_component: Arc<dyn ImageComponent>, builder: BuildManager) -> Backend {
        Backend {
            builder,
            image_component,
        }
    }
}

impl router::Backend for Backend {
    /// moby `Backend.PruneCache` with BuildKit's checks (`builder-next`
    /// `Builder.Prune` and `toBuildkitPruneInfo`): unknown filters, both
    /// `until` and `unused-for`, several values, or a value that is not a
    /// duration are refused. Then there is nothing to prune: the classic
    /// builder keeps no cache (every build runs every step), so dockerd's
    /// answer for an empty cache is the honest one.
    fn prune_cache(&self, opts: BuildCachePruneOptions) -> Result<BuildCachePruneReport> {
        validate_prune_filters(&opts).map_err(|e| {
            Error::invalid_parameter(format!("failed to prune build cache: {}", e.message))
        })?;
        Ok(BuildCachePruneReport::default())
    }

    /// moby `Backend.Build`.
    fn build(&self, config: BuildConfig) -> Result<String> {
        if config.options.version == BuilderVersion::BuildKit {
            return Err(Error::not_implemented(
                "BuildKit (builder version 2) is not supported by mini-dockerd; use the classic builder (version=1, DOCKER_BUILDKIT=0)",
            ));
        }
        if config.options.squash {
            return Err(Error::not_implemented(
                "squash is not supported by mini-dockerd's builder",
            ));
        }
        let stdout = config.progress_writer.clone();
        let tagger = Tagger::new(
            self.image_component.clone(),
            stdout.clone(),
            &config.options.tags,
        )?;
        let build = self.builder.build(config)?;
        let image_id = build.image_id;
        let _ = stdout.stdout(format!("Successfully built {}\n", short_id(&image_id)));
        if !image_id.is_empty() {
            tagger.tag_images(&image_id)?;
        }
        Ok(image_id)
    }
}

/// The filters `POST /build/prune` accepts (moby `cacheFields` that are
/// exposed, plus `until`, `unused-for`, `label` and `label!`).
const PRUNE_FILTERS: &[&str] = &[
    "id",
    "parent",
    "type",
    "description",
    "inuse",
    "shared",
    "private",
    "until",
    "unused-for",
    "label",
    "label!",
];

fn validate_prune_filters(opts: &BuildCachePruneOptions) -> Result<()> {
    let mut keys: Vec<&String> = opts.filters.keys().collect();
    keys.sort();
    if let Some(k) = keys.iter().find(|k| !PRUNE_FILTERS.contains(&k.as_str())) {
        return Err(Error::invalid_parameter(format!("Invalid filter '{k}'")));
    }
    let get = |k: &str| opts.filters.get(k).cloned().unwrap_or_default();
    let (until, unused_for) = (get("until"), get("unused-for"));
    if !until.is_empty() && !unused_for.is_empty() {
        return Err(Error::invalid_parameter(
            "conflicting filters: \"until\" and \"unused-for\"",
        ));
    }
    let key = if unused_for.is_empty() {
        "until"
    } else {
        "unused-for"
    };
    let values: Vec<String> = until.into_iter().chain(unused_for).collect();
    match values.as_slice() {
        [] => Ok(()),
        [v] => crate::builder::dockerfile::instructions::parse_go_duration(v)
            .map(|_| ())
            .map_err(|e| {
                Error::invalid_parameter(format!(
                    "{key:?} filter expects a duration (e.g., '24h'): {e}"
                ))
            }),
        _ => Err(Error::invalid_parameter("filters expect only one value")),
    }
}
