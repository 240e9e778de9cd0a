//! `docker history`: the image's history entries, newest first.
//!
//! Mirrors moby `daemon/images/image_history.go` (v20.10.24).

use serde::Serialize;

use super::image_import::unix_seconds;
use super::{layer, ImageService};
use crate::errdefs::{Error, Result};

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

impl ImageService {
    /// moby `ImageService.ImageHistory`: one item per history entry, each
    /// non-empty one sized by its layer; the top items get the image's id
    /// and tags, older ones the parents' or `<missing>`.
    pub fn image_history(&self, name: &str) -> Result<Vec<HistoryResponseItem>> {
        let st = self.lock()?;
        let id = st.resolve(name)?;
        let img = &st.images[&id];
        let chains = layer::chain_ids(&img.v1.rootfs.diff_ids);
        let mut history = Vec::new();
        let mut counter = 0;
        for h in &img.v1.history {
            let mut size = 0;
            if !h.empty_layer {
                let chain = chains
                    .get(counter)
                    .ok_or_else(|| Error::system("too many non-empty layers in History section"))?;
                size = layer::size(&st.root, chain);
                counter += 1;
            }
            history.insert(
                0,
                HistoryResponseItem {
                    id: "<missing>".into(),
                    created: unix_seconds(&h.created),
                    created_by: h.created_by.clone(),
                    comment: h.comment.clone(),
                    size,
                    tags: None,
                },
            );
        }
        // Fill in ids and tags walking up the parent chain.
        let mut cur = id.clone();
        for item in history.iter_mut() {
            item.id = cur.clone();
            let tags: Vec<String> = st.image(&cur).map(|i| i.repo_tags).unwrap_or_default();
            item.tags = if tags.is_empty() { None } else { Some(tags) };
            match st.images.get(&cur).map(|s| s.parent.clone()) {
                Some(p) if !p.is_empty() && st.images.contains_key(&p) => cur = p,
                _ => break,
            }
        }
        Ok(history)
    }
}
