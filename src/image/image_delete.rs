//! image_delete
use serde::Serialize;
/// moby `types.ImageDeleteResponseItem`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImageDeleteResponseItem {
    #[serde(rename = "Untagged", skip_serializing_if = "String::is_empty")]
    pub untagged: String,
    #[serde(rename = "Deleted", skip_serializing_if = "String::is_empty")]
    pub deleted: String,
}
impl super::ImageService {
    /// moby `ImageService.ImageDelete`.
    pub fn image_delete(
        &self,
        image_ref: &str,
        force: bool,
        prune: bool,
    ) -> crate::errdefs::Result<Vec<ImageDeleteResponseItem>> {
        let _ = (image_ref, force, prune);
        Err(crate::errdefs::Error::not_implemented("not yet"))
    }
}
