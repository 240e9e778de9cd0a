//! The build backend: run the builder, then tag what it built.
//!
//! Mirrors moby `api/server/backend/build/backend.go` (v20.10.24). moby
//! chooses between the classic builder and BuildKit here; mini-dockerd
//! has only the classic one, so a BuildKit request (`version=2`) is
//! refused. The tags are checked before the build starts, and the
//! `Successfully built` and `Successfully tagged` lines are written here,
//! after the builder's own output.
//!
//! moby's `PruneCache` and `Cancel` serve BuildKit's cache and sessions;
//! their routes answer 501 here.

mod tag;

use std::sync::Arc;

use crate::api::types::build::{BuildConfig, BuilderVersion};
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
