//! `docker tag`: point a reference at an image.
//!
//! Mirrors moby `daemon/images/image_tag.go` (v20.10.24).

use super::reference;
use super::ImageService;
use crate::errdefs::Result;

impl ImageService {
    /// moby `ImageService.TagImage`: tag `image_name` as `repo[:tag]`
    /// (a missing tag means `latest`). Returns the familiar reference, as
    /// the event's `name` shows it.
    pub fn tag_image(&self, image_name: &str, repo: &str, tag: &str) -> Result<String> {
        let id = self.lock()?.resolve(image_name)?;
        let mut new_tag = reference::parse_normalized_named(repo)?;
        if !tag.is_empty() {
            new_tag = new_tag.with_tag(tag)?;
        }
        let familiar = new_tag.familiar();
        self.lock()?.add_tag(new_tag, &id)?;
        // moby `TagImageWithReference` logs the familiar reference.
        self.log_image_event(&id, &familiar, "tag");
        Ok(familiar)
    }
}
