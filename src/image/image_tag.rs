//! image_tag
impl super::ImageService {
    /// moby `ImageService.TagImage`: returns the familiar reference tagged.
    pub fn tag_image(
        &self,
        image_name: &str,
        repo: &str,
        tag: &str,
    ) -> crate::errdefs::Result<String> {
        let _ = (image_name, repo, tag);
        Err(crate::errdefs::Error::not_implemented("not yet"))
    }
}
