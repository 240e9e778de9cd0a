//! `docker images`: the image list and its filters.
//!
//! Mirrors moby `daemon/images/images.go` (v20.10.24): filters `dangling`,
//! `label`, `before`, `since`, `reference`; untagged images show as
//! `<none>:<none>` (only top-level ones unless `all`); newest first.

use std::collections::BTreeMap;

use serde::Serialize;

use super::filters::{path_match, Args};
use super::image_import::unix_seconds;
use super::ImageService;
use crate::errdefs::{Error, Result};

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

/// moby `acceptedImageFilterTags`.
const ACCEPTED_FILTERS: &[&str] = &["dangling", "label", "before", "since", "reference"];

impl ImageService {
    /// moby `ImageService.Images`; `filters` is the raw JSON of the query.
    pub fn images(&self, filters: &str, all: bool) -> Result<Vec<ImageSummary>> {
        let args = Args::from_json(filters)?;
        args.validate(ACCEPTED_FILTERS)?;
        let mut dangling_only = false;
        if args.contains("dangling") {
            if args.exact_match("dangling", "true") {
                dangling_only = true;
            } else if !args.exact_match("dangling", "false") {
                return Err(Error::invalid_parameter(format!(
                    "Invalid filter 'dangling=[{}]'",
                    args.get("dangling").join(" ")
                )));
            }
        }
        let st = self.lock()?;
        // `before` / `since` name images; compare creation times.
        let time_of = |key: &str| -> Result<Option<String>> {
            let mut t = None;
            for v in args.get(key) {
                let id = st.resolve(&v)?;
                t = Some(st.images[&id].v1.created.clone());
            }
            Ok(t)
        };
        let created_nanos = |s: &str| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .map(|t| t.unix_timestamp_nanos())
                .unwrap_or(0)
        };
        let before = time_of("before")?.map(|s| created_nanos(&s));
        let since = time_of("since")?.map(|s| created_nanos(&s));

        let mut out = Vec::new();
        for (id, s) in &st.images {
            let created = created_nanos(&s.v1.created);
            if before.is_some_and(|b| created >= b) || since.is_some_and(|b| created <= b) {
                continue;
            }
            let labels = s.v1.config.as_ref().and_then(|c| c.labels.clone());
            if args.contains("label")
                && (s.v1.config.is_none() || !args.match_kv_list("label", labels.as_ref()))
            {
                continue;
            }
            let mut summary = ImageSummary {
                containers: -1,
                created: unix_seconds(&s.v1.created),
                id: id.clone(),
                labels,
                parent_id: s.parent.clone(),
                repo_digests: None,
                repo_tags: None,
                shared_size: -1,
                size: s.size,
                virtual_size: s.size,
            };
            for r in st.references(id) {
                if args.contains("reference") {
                    let found = args
                        .get("reference")
                        .iter()
                        .any(|p| path_match(p, &r.familiar()) || path_match(p, &r.familiar_name()));
                    if !found {
                        continue;
                    }
                }
                let list = if r.is_canonical() {
                    &mut summary.repo_digests
                } else {
                    &mut summary.repo_tags
                };
                list.get_or_insert_with(Vec::new).push(r.familiar());
            }
            if summary.repo_digests.is_none() && summary.repo_tags.is_none() {
                if all || st.children(id).is_empty() {
                    if args.contains("dangling") && !dangling_only {
                        continue;
                    }
                    if args.contains("reference") {
                        continue;
                    }
                    summary.repo_digests = Some(vec!["<none>@<none>".into()]);
                    summary.repo_tags = Some(vec!["<none>:<none>".into()]);
                } else {
                    continue;
                }
            } else if dangling_only && summary.repo_tags.is_some() {
                continue;
            }
            out.push((created, summary));
        }
        // Newest first (moby `sort.Reverse(byCreated)`), ties by id for a
        // stable order.
        out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
        Ok(out.into_iter().map(|(_, s)| s).collect())
    }
}
