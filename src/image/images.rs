//! images
use serde::Serialize;
use std::collections::BTreeMap;
/// moby `types.ImageSummary`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImageSummary {
    #[serde(rename = "Containers")]
    pub containers: i64,
    #[serde(rename = "Created")]
    pub created: i64,
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Labels")]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(rename = "ParentId")]
    pub parent_id: String,
    #[serde(rename = "RepoDigests")]
    pub repo_digests: Option<Vec<String>>,
    #[serde(rename = "RepoTags")]
    pub repo_tags: Option<Vec<String>>,
    #[serde(rename = "SharedSize")]
    pub shared_size: i64,
    #[serde(rename = "Size")]
    pub size: i64,
    #[serde(rename = "VirtualSize")]
    pub virtual_size: i64,
}
impl super::ImageService {
    /// moby `ImageService.Images`; `filters` is the raw JSON of the query.
    pub fn images(&self, filters: &str, all: bool) -> crate::errdefs::Result<Vec<ImageSummary>> {
        let _ = (filters, all);
        Ok(Vec::new())
    }
}
