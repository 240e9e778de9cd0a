//! image_prune
use serde::Serialize;
/// moby `types.ImagesPruneReport`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImagesPruneReport {
    #[serde(rename = "ImagesDeleted")]
    pub images_deleted: Option<Vec<super::ImageDeleteResponseItem>>,
    #[serde(rename = "SpaceReclaimed")]
    pub space_reclaimed: u64,
}
impl super::ImageService {
    /// moby `ImageService.ImagesPrune`; `filters` is the raw JSON of the query.
    pub fn images_prune(&self, filters: &str) -> crate::errdefs::Result<ImagesPruneReport> {
        let _ = filters;
        Err(crate::errdefs::Error::not_implemented("not yet"))
    }
}
