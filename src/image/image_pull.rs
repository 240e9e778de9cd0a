//! `docker pull`: refused honestly, as there is no registry client.
//!
//! moby `daemon/images/image_pull.go` (v20.10.24) talks to a registry.
//! mini-dockerd does not implement the distribution protocol, so a pull
//! fails with a 404 (the image is neither here nor obtainable) whose text
//! says what to do instead. The docker CLI prints it as
//! `Error response from daemon: ...`, and `docker run` of a missing image,
//! which tries this pull after its create got a 404, fails with the same
//! clear message.

use super::reference;
use super::ImageService;
use crate::errdefs::{Error, Result};

impl ImageService {
    /// `POST /images/create?fromImage=&tag=`: always an error.
    pub fn pull_image(&self, image: &str, tag: &str) -> Result<()> {
        let mut named = reference::parse_normalized_named(image)?;
        if !tag.is_empty() {
            // The CLI sends a digest as the tag for `name@sha256:...`.
            if tag.starts_with("sha256:") {
                named.digest = Some(tag.to_string());
            } else {
                named = named.with_tag(tag)?;
            }
        }
        let named = named.tag_name_only();
        Err(Error::not_found(format!(
            "pull access denied for {}: mini-dockerd has no registry client; use docker load or docker import",
            named.familiar()
        )))
    }

    /// `POST /images/{name}/push`: no registry to push to.
    pub fn push_image(&self, name: &str) -> Result<()> {
        // An unknown image is a 404 first, as in moby.
        self.get_image(name)?;
        Err(Error::not_implemented(format!(
            "cannot push {name}: mini-dockerd has no registry client; use docker save"
        )))
    }

    /// `GET /images/search`: no registry either.
    pub fn search_registry(&self, term: &str) -> Result<Vec<serde_json::Value>> {
        let _ = term;
        Err(Error::not_implemented(
            "search is not supported: mini-dockerd has no registry client",
        ))
    }
}
