//! image_history
use serde::Serialize;
/// moby `image.HistoryResponseItem`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HistoryResponseItem {
    #[serde(rename = "Comment")]
    pub comment: String,
    #[serde(rename = "Created")]
    pub created: i64,
    #[serde(rename = "CreatedBy")]
    pub created_by: String,
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Size")]
    pub size: i64,
    #[serde(rename = "Tags")]
    pub tags: Option<Vec<String>>,
}
impl super::ImageService {
    /// moby `ImageService.ImageHistory`.
    pub fn image_history(&self, name: &str) -> crate::errdefs::Result<Vec<HistoryResponseItem>> {
        let _ = name;
        Err(crate::errdefs::Error::not_implemented("not yet"))
    }
}
