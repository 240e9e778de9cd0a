//! image_pull
impl super::ImageService {
    /// `POST /images/create?fromImage=`: there is no registry client.
    pub fn pull_image(&self, image: &str, tag: &str) -> crate::errdefs::Result<()> {
        let _ = (image, tag);
        Err(crate::errdefs::Error::not_implemented("not yet"))
    }
}
