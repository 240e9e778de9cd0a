//! `GET /images/{name}/json`: the ImageInspect view of an image.
//!
//! Mirrors moby `daemon/images/image_inspect.go`... (v20.10.24 keeps it in
//! `api/server/router/image/image_routes.go` + `daemon/images/image.go`
//! `LookupImage`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{ImageConfig, ImageService};
use crate::errdefs::Result;

/// moby `types.ImageInspect` as API 1.41 sends it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImageInspect {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "RepoTags")]
    pub repo_tags: Vec<String>,
    #[serde(rename = "RepoDigests")]
    pub repo_digests: Vec<String>,
    #[serde(rename = "Parent")]
    pub parent: String,
    #[serde(rename = "Comment")]
    pub comment: String,
    #[serde(rename = "Created")]
    pub created: String,
    #[serde(rename = "Container")]
    pub container: String,
    #[serde(rename = "ContainerConfig")]
    pub container_config: ImageConfig,
    #[serde(rename = "DockerVersion")]
    pub docker_version: String,
    #[serde(rename = "Author")]
    pub author: String,
    #[serde(rename = "Config")]
    pub config: ImageConfig,
    #[serde(rename = "Architecture")]
    pub architecture: String,
    #[serde(rename = "Variant", skip_serializing_if = "String::is_empty")]
    pub variant: String,
    #[serde(rename = "Os")]
    pub os: String,
    #[serde(rename = "OsVersion", skip_serializing_if = "String::is_empty")]
    pub os_version: String,
    #[serde(rename = "Size")]
    pub size: i64,
    #[serde(rename = "VirtualSize")]
    pub virtual_size: i64,
    #[serde(rename = "GraphDriver")]
    pub graph_driver: GraphDriverData,
    #[serde(rename = "RootFS")]
    pub root_fs: RootFSView,
    #[serde(rename = "Metadata")]
    pub metadata: ImageMetadata,
}

/// moby `types.GraphDriverData`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GraphDriverData {
    #[serde(rename = "Data")]
    pub data: BTreeMap<String, String>,
    #[serde(rename = "Name")]
    pub name: String,
}

/// moby `types.RootFS`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RootFSView {
    #[serde(rename = "Type")]
    pub typ: String,
    #[serde(rename = "Layers")]
    pub layers: Vec<String>,
}

/// moby `types.ImageMetadata`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImageMetadata {
    #[serde(rename = "LastTagTime", skip_serializing_if = "String::is_empty")]
    pub last_tag_time: String,
}

impl ImageService {
    /// moby `ImageService.LookupImage`.
    pub fn lookup_image(&self, name: &str) -> Result<ImageInspect> {
        let _ = name;
        Err(crate::errdefs::Error::not_implemented("not yet"))
    }
}
