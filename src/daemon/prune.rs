//! `POST /containers/prune`: remove every stopped container.
//!
//! Mirrors moby `daemon/prune.go` (v20.10.24) `ContainersPrune`: the
//! filters `until` (a timestamp or a Go duration such as `24h`) and
//! `label` / `label!`; each removed container adds its writable layer's
//! size to `SpaceReclaimed`; one `prune` event at the end with the
//! `reclaimed` attribute. `ContainersDeleted` is `null` when nothing was
//! removed (moby's nil slice).

use std::sync::Arc;

use serde::Serialize;

use super::list::{dir_size, labels_match};
use super::Daemon;
use crate::container::lock;
use crate::container::state::parse_time;
use crate::errdefs::{Error, Result};
use crate::events::Actor;

/// moby `types.ContainersPruneReport`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ContainersPruneReport {
    #[serde(rename = "ContainersDeleted")]
    pub containers_deleted: Option<Vec<String>>,
    #[serde(rename = "SpaceReclaimed")]
    pub space_reclaimed: u64,
}

/// `until`: Unix seconds (with an optional fraction), RFC 3339, or a
/// duration before now (`10m`, `24h`, `1h30m`, `45s`).
fn parse_until(s: &str) -> Result<i64> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Ok(f) = s.parse::<f64>() {
        return Ok(f as i64);
    }
    if let Some(t) = parse_time(s) {
        return Ok(t.unix_timestamp());
    }
    let mut total = 0i64;
    let mut num = String::new();
    for ch in s.chars() {
        if ch.is_ascii_digit() {
            num.push(ch);
            continue;
        }
        let n: i64 = num
            .parse()
            .map_err(|_| Error::invalid_parameter(format!("invalid filter 'until={s}'")))?;
        num.clear();
        total += n * match ch {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => {
                return Err(Error::invalid_parameter(format!(
                    "invalid filter 'until={s}'"
                )))
            }
        };
    }
    if !num.is_empty() || total == 0 {
        return Err(Error::invalid_parameter(format!(
            "invalid filter 'until={s}'"
        )));
    }
    Ok(now - total)
}

impl Daemon {
    /// moby `ContainersPrune`.
    pub async fn containers_prune(
        self: &Arc<Self>,
        filters: &str,
    ) -> Result<ContainersPruneReport> {
        super::container::traced("Daemon.ContainersPrune", "", async {
            let f = crate::api::types::filters::from_json(filters)?;
            for k in f.keys() {
                if !matches!(k.as_str(), "until" | "label" | "label!") {
                    return Err(Error::invalid_parameter(format!("Invalid filter '{k}'")));
                }
            }
            let until = match f.get("until").and_then(|v| v.first()) {
                Some(u) => Some(parse_until(u)?),
                None => None,
            };
            let labels = f.get("label").cloned().unwrap_or_default();
            let not_labels = f.get("label!").cloned().unwrap_or_default();
            let mut report = ContainersPruneReport::default();
            for c in self.containers.list() {
                let (id, root) = {
                    let ct = lock(&c);
                    if ct.state.status.is_running() {
                        continue;
                    }
                    if let Some(u) = until {
                        let created = parse_time(&ct.created)
                            .map(|t| t.unix_timestamp())
                            .unwrap_or(0);
                        if created >= u {
                            continue;
                        }
                    }
                    let l = ct.config.labels();
                    if !labels_match(&labels, &l) {
                        continue;
                    }
                    if !not_labels.is_empty() && labels_match(&not_labels, &l) {
                        continue;
                    }
                    (ct.id.clone(), ct.root.clone())
                };
                let size = dir_size(&root.join("upper"));
                match self.container_rm(&id, false, false).await {
                    Ok(()) => {
                        report
                            .containers_deleted
                            .get_or_insert_with(Vec::new)
                            .push(id);
                        report.space_reclaimed += size as u64;
                    }
                    Err(e) => tracing::warn!("prune: removing {id}: {}", e.message),
                }
            }
            let mut attributes = std::collections::BTreeMap::new();
            attributes.insert("reclaimed".to_string(), report.space_reclaimed.to_string());
            self.events.log(
                "prune",
                "container",
                Actor {
                    id: String::new(),
                    attributes,
                },
            );
            Ok(report)
        })
        .await
    }
}
