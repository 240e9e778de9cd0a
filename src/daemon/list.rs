//! `GET /containers/json`: `docker ps`.
//!
//! Mirrors moby `daemon/list.go` (v20.10.24) `Containers` →
//! `reduceContainers` → `foldFilter` / `includeContainerInList` /
//! `refreshImage` (+ `transformContainer`): newest first; only running
//! containers unless `all`; `limit` keeps the N newest (and implies all);
//! the filters `status`, `name`, `id`, `label`, `ancestor`, `exited`,
//! `before`, `since`; each container as a `types.Container` summary.
//!
//! Shortcuts, owned up to: moby matches `name` as a regular expression;
//! we match it as a substring (which is what a plain name in a regex
//! does). `Ports` lists the published ports (`daemon/port_mapping.rs`), and
//! `NetworkSettings.Networks` names the network mode with empty endpoint
//! fields (no IPAM).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::{json, Value};

use super::container::traced_sync;
use super::Daemon;
use crate::api::types::filters;
use crate::container::health;
use crate::container::state::parse_time;
use crate::container::{lock, Container, Status};
use crate::errdefs::{Error, Result};

/// The options of `GET /containers/json` (moby `types.ContainerListOptions`).
#[derive(Clone, Debug, Default)]
pub struct ContainerListOptions {
    pub all: bool,
    pub limit: i64,
    pub size: bool,
    /// The raw `filters` JSON.
    pub filters: String,
}

/// moby `types.Container`: one row of `docker ps`.
#[derive(Clone, Debug, Serialize)]
pub struct ContainerSummary {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Names")]
    pub names: Vec<String>,
    #[serde(rename = "Image")]
    pub image: String,
    #[serde(rename = "ImageID")]
    pub image_id: String,
    #[serde(rename = "Command")]
    pub command: String,
    #[serde(rename = "Created")]
    pub created: i64,
    #[serde(rename = "Ports")]
    pub ports: Vec<Value>,
    #[serde(rename = "SizeRw", skip_serializing_if = "Option::is_none")]
    pub size_rw: Option<i64>,
    #[serde(rename = "SizeRootFs", skip_serializing_if = "Option::is_none")]
    pub size_root_fs: Option<i64>,
    #[serde(rename = "Labels")]
    pub labels: BTreeMap<String, String>,
    #[serde(rename = "State")]
    pub state: String,
    #[serde(rename = "Status")]
    pub status: String,
    #[serde(rename = "HostConfig")]
    pub host_config: Value,
    #[serde(rename = "NetworkSettings")]
    pub network_settings: Value,
    #[serde(rename = "Mounts")]
    pub mounts: Vec<Value>,
}

/// moby `label` filter semantics: `key` (present) or `key=value`.
pub(crate) fn labels_match(filters: &[String], labels: &BTreeMap<String, String>) -> bool {
    filters.iter().all(|f| match f.split_once('=') {
        Some((k, v)) => labels.get(k).map(String::as_str) == Some(v),
        None => labels.contains_key(f.as_str()),
    })
}

/// The keys `docker ps --filter` accepts (moby `acceptedPsFilterTags`,
/// the ones we implement).
const ACCEPTED: &[&str] = &[
    "status", "name", "id", "label", "ancestor", "exited", "before", "since", "health",
];

impl Daemon {
    /// moby `Containers`.
    pub fn containers(&self, opts: &ContainerListOptions) -> Result<Vec<ContainerSummary>> {
        traced_sync("Daemon.Containers", "", || self.containers_inner(opts))
    }

    fn containers_inner(&self, opts: &ContainerListOptions) -> Result<Vec<ContainerSummary>> {
        let filters = filters::from_json(&opts.filters)?;
        for (k, vals) in &filters {
            if !ACCEPTED.contains(&k.as_str()) {
                return Err(Error::invalid_parameter(format!("Invalid filter '{k}'")));
            }
            if k == "status" {
                for v in vals {
                    if !matches!(
                        v.as_str(),
                        "created"
                            | "restarting"
                            | "running"
                            | "removing"
                            | "paused"
                            | "exited"
                            | "dead"
                    ) {
                        return Err(Error::invalid_parameter(format!(
                            "Invalid filter 'status={v}'"
                        )));
                    }
                }
            }
            if k == "health" {
                if let Some(v) = vals.iter().find(|v| !health::is_valid_health_string(v)) {
                    return Err(Error::invalid_parameter(format!(
                        "Unrecognised filter value for health: {v}"
                    )));
                }
            }
        }
        let get = |k: &str| filters.get(k).cloned().unwrap_or_default();
        let exited: Vec<i64> = get("exited")
            .iter()
            .map(|s| {
                s.parse()
                    .map_err(|_| Error::invalid_parameter(format!("Invalid filter 'exited={s}'")))
            })
            .collect::<Result<_>>()?;
        // `before` / `since` name a container; compare creation times.
        let created_of = |key: &str| -> Result<Option<String>> {
            match get(key).first() {
                None => Ok(None),
                Some(n) => Ok(Some(lock(&self.get_container(n)?).created.clone())),
            }
        };
        let before = created_of("before")?;
        let since = created_of("since")?;
        let ancestors: Vec<String> = get("ancestor")
            .iter()
            .filter_map(|a| self.image_service().ok()?.get_image(a).ok().map(|i| i.id))
            .collect();
        let want_ancestor = filters.contains_key("ancestor");

        let mut all: Vec<_> = self.containers.list();
        all.sort_by_key(|c| std::cmp::Reverse(lock(c).created.clone()));
        // `limit` and the `status` / `exited` filters imply `all` (moby
        // sets `config.All` for them).
        let show_all = opts.all || opts.limit > 0 || show_all_default(&filters);
        let mut out = Vec::new();
        for c in all {
            let c = lock(&c);
            let st = c.state.status;
            if !show_all && !st.is_running() {
                continue;
            }
            // moby: `--filter status=x` overrides the running-only default.
            let statuses = get("status");
            if !statuses.is_empty() && !statuses.iter().any(|s| s == st.as_str()) {
                continue;
            }
            let names = get("name");
            if !names.is_empty()
                && !names
                    .iter()
                    .any(|n| c.bare_name().contains(n.trim_start_matches('/')))
            {
                continue;
            }
            // moby `ExactMatch("health", ...)`: `none` for a container
            // without a health check.
            let healths = get("health");
            let health = c
                .state
                .health
                .as_ref()
                .map_or(health::NO_HEALTHCHECK, |h| h.status());
            if !healths.is_empty() && !healths.iter().any(|h| h == health) {
                continue;
            }
            let ids = get("id");
            if !ids.is_empty() && !ids.iter().any(|i| c.id.starts_with(i.as_str())) {
                continue;
            }
            if !labels_match(&get("label"), &c.config.labels()) {
                continue;
            }
            if want_ancestor && !ancestors.contains(&c.image) {
                continue;
            }
            let exit_matches = st == Status::Exited && exited.contains(&c.state.exit_code);
            if !exited.is_empty() && !exit_matches {
                continue;
            }
            if let Some(b) = &before {
                if c.created >= *b {
                    continue;
                }
            }
            if let Some(s) = &since {
                if c.created <= *s {
                    continue;
                }
            }
            out.push(self.summary(&c, opts.size));
            if opts.limit > 0 && out.len() as i64 >= opts.limit {
                break;
            }
        }
        Ok(out)
    }

    /// moby `transformContainer`.
    fn summary(&self, c: &Container, size: bool) -> ContainerSummary {
        let created = parse_time(&c.created)
            .map(|t| t.unix_timestamp())
            .unwrap_or(0);
        let (size_rw, size_root_fs) = if size {
            let rw = dir_size(&c.root.join("upper"));
            let image = self
                .image_service()
                .and_then(|s| s.get_image(&c.image))
                .map(|i| i.size)
                .unwrap_or(0);
            // moby's `SizeRw` and `SizeRootFs` are `omitempty`: a
            // container that wrote nothing has no `SizeRw`.
            (
                (rw != 0).then_some(rw),
                Some(rw + image).filter(|n| *n != 0),
            )
        } else {
            (None, None)
        };
        ContainerSummary {
            id: c.id.clone(),
            names: vec![c.name.clone()],
            image: c.config.image.clone(),
            image_id: c.image.clone(),
            command: c.command(),
            created,
            ports: super::port_mapping::summary_ports(c),
            size_rw,
            size_root_fs,
            labels: c.config.labels(),
            state: c.state.status.as_str().to_string(),
            status: c.state.human(),
            host_config: json!({ "NetworkMode": c.host_config.network_mode }),
            network_settings: json!({ "Networks": networks(c, &self.network_ids()) }),
            mounts: mounts(self, c),
        }
    }
}

/// With filters given, moby still lists only running containers unless
/// `all` is set, except that a `status` or `exited` filter implies all.
fn show_all_default(filters: &HashMap<String, Vec<String>>) -> bool {
    filters.contains_key("status") || filters.contains_key("exited")
}

/// `NetworkSettings.Networks`: the container's networks (for host and
/// none, the mode's name), each with the container's address on it while
/// it runs. `ids`: every network's id by name.
pub(crate) fn networks(c: &Container, ids: &std::collections::BTreeMap<String, String>) -> Value {
    let mut names = c.networks.clone();
    if names.is_empty() && matches!(c.host_config.network_mode.as_str(), "host" | "none") {
        names.push(c.host_config.network_mode.clone());
    }
    let mut out = serde_json::Map::new();
    for name in names {
        let ep = endpoint_fields(c, &name);
        let connected = c.endpoints.contains_key(&name);
        // dockerd gives a container the short id as an alias on user
        // networks.
        let aliases = if connected && name != "bridge" {
            json!([crate::container::short_id(&c.id)])
        } else {
            Value::Null
        };
        let network_id = if connected {
            ids.get(&name).cloned().unwrap_or_default()
        } else {
            String::new()
        };
        out.insert(
            name,
            json!({
                "IPAMConfig": null, "Links": null, "Aliases": aliases,
                "NetworkID": network_id,
                "EndpointID": ep["EndpointID"], "Gateway": ep["Gateway"],
                "IPAddress": ep["IPAddress"], "IPPrefixLen": ep["IPPrefixLen"],
                "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
                "MacAddress": ep["MacAddress"], "DriverOpts": null
            }),
        );
    }
    Value::Object(out)
}

/// The endpoint on `network` as `NetworkSettings` shows it (empty when
/// the container has none there: not running, or no device). The
/// top-level fields of inspect are the `bridge` network's, as in dockerd.
pub(crate) fn endpoint_fields(c: &Container, network: &str) -> Value {
    match c.endpoints.get(network) {
        Some(e) => json!({
            "EndpointID": e.endpoint_id,
            "Gateway": e.endpoint.bridge.gateway.to_string(),
            "IPAddress": e.endpoint.ip.to_string(),
            "IPPrefixLen": e.endpoint.bridge.prefix,
            "MacAddress": e.endpoint.mac,
        }),
        None => json!({
            "EndpointID": "", "Gateway": "", "IPAddress": "", "IPPrefixLen": 0,
            "MacAddress": "",
        }),
    }
}

/// `Mounts`: every bind, volume and `--mount` tmpfs (not `--tmpfs`,
/// which dockerd leaves out too), as dockerd's inspect shows them.
///
/// dockerd lists them in Go map order, which is random, and the docker CLI
/// sends `Binds` in map order too; we sort by destination so that the same
/// container always inspects the same way.
pub(crate) fn mounts(daemon: &Daemon, c: &Container) -> Vec<Value> {
    use super::volumes::MountType;
    let mut points = daemon.container_mount_points(c).unwrap_or_default();
    points.sort_by(|a, b| a.destination.cmp(&b.destination));
    points
        .into_iter()
        .map(|m| match m.kind {
            MountType::Bind => json!({
                "Type": m.kind.as_str(),
                "Source": m.host_path,
                "Destination": m.destination,
                "Mode": m.mode,
                "RW": !m.read_only,
                "Propagation": "rprivate",
            }),
            MountType::Volume => json!({
                "Type": m.kind.as_str(),
                "Name": m.volume,
                // <data-root>/volumes/<name>/_data; the container dir is
                // <data-root>/containers/<id>.
                "Source": c.root.parent().and_then(|p| p.parent())
                    .map(|root| root.join("volumes").join(&m.volume).join("_data"))
                    .unwrap_or_default(),
                "Destination": m.destination,
                "Driver": "local",
                "Mode": if m.mode.is_empty() && !m.anonymous { "z".to_string() } else { m.mode },
                "RW": !m.read_only,
                "Propagation": "",
            }),
            MountType::Tmpfs => json!({
                "Type": m.kind.as_str(),
                "Source": "",
                "Destination": m.destination,
                "Mode": "",
                "RW": !m.read_only,
                "Propagation": "",
            }),
        })
        .collect()
}

/// Bytes under `dir` (the writable layer's size, moby `SizeRw`).
pub(crate) fn dir_size(dir: &std::path::Path) -> i64 {
    let mut total = 0i64;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => stack.push(e.path()),
                Ok(m) => total += m.len() as i64,
                Err(_) => {}
            }
        }
    }
    total
}
