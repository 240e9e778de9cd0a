//! `GET /images/{name}/json`: the ImageInspect view of an image.
//!
//! Mirrors moby `daemon/images/image_inspect.go`... in v20.10.24 this is
//! `ImageService.LookupImage` in `daemon/images/image.go`, and the
//! `types.ImageInspect` shape of `api/types/types.go`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{layer, ImageConfig, ImageService};
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
    #[serde(rename = "LastTagTime")]
    pub last_tag_time: String,
}

/// Go's zero `time.Time`, which dockerd prints for an image never tagged.
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

impl ImageService {
    /// moby `ImageService.LookupImage`: everything `docker image inspect`
    /// shows.
    pub fn lookup_image(&self, name: &str) -> Result<ImageInspect> {
        let st = self.lock()?;
        // moby `LookupImage` wraps GetImage's error: `no such image: NAME:
        // No such image: NAME:latest`.
        let id = st
            .resolve(name)
            .map_err(|e| e.wrap(format_args!("no such image: {name}")))?;
        let s = &st.images[&id];
        let mut repo_tags = Vec::new();
        let mut repo_digests = Vec::new();
        for r in st.references(&id) {
            if r.is_canonical() {
                repo_digests.push(r.familiar());
            } else {
                repo_tags.push(r.familiar());
            }
        }
        repo_tags.sort();
        let mut comment = s.v1.comment.clone();
        if comment.is_empty() {
            if let Some(h) = s.v1.history.last() {
                comment = h.comment.clone();
            }
        }
        // overlay2's `Metadata()` for the top layer: its own dirs, and the
        // layers below it as `LowerDir` (top first).
        let chains = layer::chain_ids(&s.v1.rootfs.diff_ids);
        let mut data = BTreeMap::new();
        if let Some(top) = chains.last() {
            let top_dir = layer::diff_dir(&self.data_root, top);
            let base = top_dir.parent().unwrap_or(&top_dir).to_path_buf();
            data.insert(
                "MergedDir".into(),
                base.join("merged").display().to_string(),
            );
            data.insert("UpperDir".into(), top_dir.display().to_string());
            data.insert("WorkDir".into(), base.join("work").display().to_string());
            let lower: Vec<String> = chains[..chains.len() - 1]
                .iter()
                .rev()
                .map(|c| layer::diff_dir(&self.data_root, c).display().to_string())
                .collect();
            if !lower.is_empty() {
                data.insert("LowerDir".into(), lower.join(":"));
            }
        }
        let extra_str = |k: &str| {
            s.v1.extra
                .get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        Ok(ImageInspect {
            id: id.clone(),
            repo_tags,
            repo_digests,
            parent: s.parent.clone(),
            comment,
            created: s.v1.created.clone(),
            container: s.v1.container.clone(),
            container_config: s.v1.container_config.clone().unwrap_or_default(),
            docker_version: s.v1.docker_version.clone(),
            author: s.v1.author.clone(),
            config: s.v1.config.clone().unwrap_or_default(),
            architecture: s.v1.architecture.clone(),
            variant: extra_str("variant"),
            os: s.v1.os.clone(),
            os_version: extra_str("os.version"),
            size: s.size,
            virtual_size: s.size,
            graph_driver: GraphDriverData {
                data,
                name: "overlay2".into(),
            },
            root_fs: RootFSView {
                typ: s.v1.rootfs.typ.clone(),
                layers: s.v1.rootfs.diff_ids.clone(),
            },
            metadata: ImageMetadata {
                last_tag_time: if s.last_tag_time.is_empty() {
                    ZERO_TIME.to_string()
                } else {
                    s.last_tag_time.clone()
                },
            },
        })
    }
}
