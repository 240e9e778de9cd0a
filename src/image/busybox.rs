//! busybox
impl super::ImageService {
    /// Build `busybox:latest` from the host's static busybox when absent.
    pub fn ensure_busybox(&self) -> crate::errdefs::Result<Option<String>> {
        Ok(None)
    }
}
