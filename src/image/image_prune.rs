//! `docker image prune`: delete dangling (or, with `dangling=false`, all
//! unused) images.
//!
//! Mirrors moby `daemon/images/image_prune.go` (v20.10.24).

use serde::Serialize;

use super::filters::Args;
use super::{ImageDeleteResponseItem, ImageService};
use crate::errdefs::{Error, ErrorKind, Result};

/// moby `types.ImagesPruneReport`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImagesPruneReport {
    #[serde(rename = "ImagesDeleted")]
    pub images_deleted: Option<Vec<ImageDeleteResponseItem>>,
    #[serde(rename = "SpaceReclaimed")]
    pub space_reclaimed: u64,
}

const ACCEPTED_FILTERS: &[&str] = &["dangling", "label", "label!", "until"];

impl ImageService {
    /// moby `ImageService.ImagesPrune`; `filters` is the raw JSON of the
    /// query. Images in use by a container are kept (their delete
    /// conflicts, which prune ignores as moby does).
    pub fn images_prune(&self, filters: &str) -> Result<ImagesPruneReport> {
        let args = Args::from_json(filters)?;
        args.validate(ACCEPTED_FILTERS)?;
        let mut dangling_only = true;
        if args.contains("dangling") {
            if args.exact_match("dangling", "false") || args.exact_match("dangling", "0") {
                dangling_only = false;
            } else if !args.exact_match("dangling", "true") && !args.exact_match("dangling", "1") {
                return Err(Error::invalid_parameter(format!(
                    "Invalid filter 'dangling=[{}]'",
                    args.get("dangling").join(" ")
                )));
            }
        }
        let until = match args.get("until").first() {
            Some(u) => Some(parse_until(u)?),
            None => None,
        };

        // Pick the candidates under the lock, delete them without it
        // (`image_delete` takes it itself).
        let candidates: Vec<(String, Vec<String>, bool)> = {
            let st = self.lock()?;
            let mut c = Vec::new();
            for (id, s) in &st.images {
                let refs = st.references(id);
                let children = st.children(id);
                if dangling_only && !children.is_empty() {
                    continue;
                }
                if refs.is_empty() && !children.is_empty() {
                    continue;
                }
                if let Some(u) = until {
                    if super::image_import::unix_seconds(&s.v1.created) > u {
                        continue;
                    }
                }
                let labels = s.v1.config.as_ref().and_then(|c| c.labels.as_ref());
                if !args.match_kv_list("label", labels) {
                    continue;
                }
                // `MatchKVList` is true for an absent key, hence the
                // `contains` (moby `matchLabels`).
                if args.contains("label!") && args.match_kv_list("label!", labels) {
                    continue;
                }
                let has_tag = refs.iter().any(|r| !r.is_canonical());
                c.push((
                    id.clone(),
                    refs.iter().map(|r| r.string()).collect(),
                    has_tag,
                ));
            }
            c
        };
        let sizes: std::collections::HashMap<String, i64> = {
            let st = self.lock()?;
            st.images
                .values()
                .flat_map(|s| super::layer::chain_ids(&s.v1.rootfs.diff_ids))
                .map(|c| {
                    let size = super::layer::size(&st.root, &c);
                    (c, size)
                })
                .collect()
        };

        let mut deleted = Vec::new();
        for (id, refs, has_tag) in candidates {
            let targets: Vec<String> = if refs.is_empty() {
                vec![super::store::hex_of(&id).to_string()]
            } else if !dangling_only || !has_tag {
                refs
            } else {
                continue;
            };
            for t in targets {
                match self.image_delete(&t, false, true) {
                    Ok(items) => deleted.extend(items),
                    // moby `imageDeleteFailed`: conflicts and vanished
                    // images are skipped, not reported.
                    Err(e) if e.is(ErrorKind::Conflict) || e.is(ErrorKind::NotFound) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let space: i64 = deleted.iter().filter_map(|d| sizes.get(&d.deleted)).sum();
        let report = ImagesPruneReport {
            images_deleted: if deleted.is_empty() {
                None
            } else {
                Some(deleted)
            },
            space_reclaimed: space.max(0) as u64,
        };
        if report.images_deleted.is_some() {
            let mut attributes = std::collections::BTreeMap::new();
            attributes.insert("reclaimed".to_string(), report.space_reclaimed.to_string());
            self.events.log(
                "prune",
                "image",
                crate::events::Actor {
                    id: String::new(),
                    attributes,
                },
            );
        }
        Ok(report)
    }
}

/// `until`: unix seconds, or an RFC 3339 time. (moby also takes Go
/// durations like `24h`; those are accepted here for `h`, `m` and `s`.)
fn parse_until(u: &str) -> Result<i64> {
    if let Ok(n) = u.parse::<i64>() {
        return Ok(n);
    }
    if let Ok(t) = time::OffsetDateTime::parse(u, &time::format_description::well_known::Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    let (num, unit) = u.split_at(u.len().saturating_sub(1));
    let secs = match (num.parse::<i64>(), unit) {
        (Ok(n), "h") => n * 3600,
        (Ok(n), "m") => n * 60,
        (Ok(n), "s") => n,
        _ => {
            return Err(Error::invalid_parameter(format!(
                "failed to parse value as time or duration: {u:?}"
            )))
        }
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    Ok(now - secs)
}
