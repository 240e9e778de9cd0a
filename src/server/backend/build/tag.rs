//! Tagging what a build made: `docker build -t name -t other`.
//!
//! Mirrors moby `api/server/backend/build/tag.go` (v20.10.24): the `t`
//! values are checked before the build starts (a bad one fails the
//! request at once), each without a tag gets `latest`, repeats are
//! dropped, and after the build each tag is set and announced as
//! `Successfully tagged name:tag`.

use std::sync::Arc;

use crate::api::types::build::ProgressWriter;
use crate::errdefs::{Error, Result};
use crate::image::reference::{self, Named};

use super::ImageComponent;

/// moby `Tagger`.
pub struct Tagger {
    image_component: Arc<dyn ImageComponent>,
    stdout: ProgressWriter,
    repo_and_tags: Vec<Named>,
}

impl Tagger {
    /// moby `NewTagger`.
    pub fn new(
        image_component: Arc<dyn ImageComponent>,
        stdout: ProgressWriter,
        names: &[String],
    ) -> Result<Tagger> {
        Ok(Tagger {
            image_component,
            stdout,
            repo_and_tags: sanitize_repo_and_tags(names)?,
        })
    }

    /// moby `TagImages`.
    pub fn tag_images(&self, image_id: &str) -> Result<()> {
        for rt in &self.repo_and_tags {
            self.image_component
                .tag_image_with_reference(image_id, rt)?;
            let _ = self
                .stdout
                .stdout(format!("Successfully tagged {}\n", rt.familiar()));
        }
        Ok(())
    }
}

/// moby `sanitizeRepoAndTags`.
fn sanitize_repo_and_tags(names: &[String]) -> Result<Vec<Named>> {
    let mut out: Vec<Named> = Vec::new();
    for repo in names.iter().filter(|r| !r.is_empty()) {
        let named = reference::parse_normalized_named(repo)?;
        if named.is_canonical() {
            return Err(Error::invalid_parameter(
                "build tag cannot contain a digest",
            ));
        }
        let named = named.tag_name_only();
        if !out.contains(&named) {
            out.push(named);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bare names get `latest`, repeats go, digests and bad names fail
    /// with dockerd's texts.
    #[test]
    fn tags_are_sanitized() {
        let got = sanitize_repo_and_tags(&["a".into(), "a:latest".into(), "".into(), "b:1".into()])
            .unwrap();
        let familiar: Vec<String> = got.iter().map(|n| n.familiar()).collect();
        assert_eq!(familiar, vec!["a:latest", "b:1"]);
        assert_eq!(
            sanitize_repo_and_tags(&["UP".into()]).unwrap_err().message,
            "invalid reference format: repository name must be lowercase"
        );
        let digest = format!("a@sha256:{}", "a".repeat(64));
        assert_eq!(
            sanitize_repo_and_tags(&[digest]).unwrap_err().message,
            "build tag cannot contain a digest"
        );
    }
}
