//! image_import
use std::io::Read;
/// Format a time as RFC 3339 with nanoseconds, as Go's `time.RFC3339Nano`.
pub fn format_time(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
impl super::ImageService {
    /// moby `ImageService.ImportImage` with `src == "-"`: the body is the tar.
    /// Returns the new image id.
    pub fn import_image(
        &self,
        src: &mut dyn Read,
        repo: &str,
        tag: &str,
        message: &str,
        changes: &[String],
    ) -> crate::errdefs::Result<String> {
        let _ = (src, repo, tag, message, changes);
        Err(crate::errdefs::Error::not_implemented("not yet"))
    }
}
