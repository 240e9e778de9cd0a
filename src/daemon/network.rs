//! Networks: the three networks every dockerd has, `bridge`, `host` and
//! `none`, listed and inspected in dockerd's shape.
//!
//! Mirrors moby `daemon/network.go` (v20.10.24): `FindNetwork` (by full
//! id, then full name, then id prefix), `GetNetworks`, `DeleteNetwork`
//! (refusing the pre-defined networks) and `CreateNetwork` (refusing the
//! pre-defined names). dockerd gets its networks from libnetwork, which
//! creates them at start-up, gives each a random id and keeps them in its
//! store (`<data-root>/network/files/local-kv.db`), so the ids are stable
//! for a data root. We keep the same promise with a small JSON file,
//! `<data-root>/network/networks.json`.
//!
//! What is not here, said plainly: mini-dockerd has no network drivers. It
//! creates no `docker0` bridge, no veth pairs, no iptables rules; creating,
//! connecting and disconnecting answer 501 with an explanation. The
//! `bridge` network is shown with dockerd's default options so that
//! clients which read them (and learners comparing answers) see the
//! familiar shape.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::Daemon;
use crate::errdefs::{Error, Result};
use crate::events::filter::Filter;
use crate::server::router::network::NetworkPruneReport;

/// moby `runconfig.IsPreDefinedNetwork`: the names nobody may create or
/// remove.
pub const PREDEFINED_NETWORKS: [&str; 3] = ["bridge", "host", "none"];

/// moby `types.NetworkResource`, in dockerd's key order (_networks.txt).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkResource {
    pub name: String,
    #[serde(rename = "Id")]
    pub id: String,
    pub created: String,
    pub scope: String,
    pub driver: String,
    #[serde(rename = "EnableIPv6")]
    pub enable_ipv6: bool,
    #[serde(rename = "IPAM")]
    pub ipam: Ipam,
    pub internal: bool,
    pub attachable: bool,
    pub ingress: bool,
    pub config_from: ConfigReference,
    pub config_only: bool,
    /// Endpoints by container id. Always empty for now: containers do not
    /// get endpoints in mini-dockerd.
    pub containers: BTreeMap<String, serde_json::Value>,
    pub options: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
}

/// moby `network.IPAM`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ipam {
    pub driver: String,
    pub options: Option<BTreeMap<String, String>>,
    pub config: Vec<BTreeMap<String, String>>,
}

/// moby `network.ConfigReference`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConfigReference {
    pub network: String,
}

/// The ids and creation times of the built-in networks, kept per data root.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    name: String,
    id: String,
    created: String,
}

/// The daemon's networks (moby: libnetwork's controller, reduced to the
/// three built-ins).
pub struct Networks {
    path: PathBuf,
    list: Mutex<Vec<NetworkResource>>,
}

impl Networks {
    /// No disk work until [`Networks::restore`].
    pub fn new(data_root: &std::path::Path) -> Networks {
        Networks {
            path: data_root.join("network").join("networks.json"),
            list: Mutex::new(Vec::new()),
        }
    }

    /// Load the built-ins' ids, or make them (random, 64 hex) on the first
    /// start with this data root. dockerd lists them as none, host, bridge
    /// (the order libnetwork creates them in), and so do we.
    pub fn restore(&self) -> std::io::Result<()> {
        let mut stored: Vec<Stored> = std::fs::read(&self.path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let mut changed = false;
        for name in ["none", "host", "bridge"] {
            if !stored.iter().any(|s| s.name == name) {
                let bytes: [u8; 32] = rand::random();
                stored.push(Stored {
                    name: name.to_string(),
                    id: hex::encode(bytes),
                    created: now_rfc3339_nanos(),
                });
                changed = true;
            }
        }
        if changed {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let json = serde_json::to_vec_pretty(&stored).map_err(std::io::Error::other)?;
            std::fs::write(&self.path, json)?;
        }
        *self.list.lock().unwrap_or_else(|e| e.into_inner()) =
            stored.iter().map(builtin_network).collect();
        Ok(())
    }

    fn all(&self) -> Vec<NetworkResource> {
        self.list.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// A built-in network in dockerd's shape.
fn builtin_network(s: &Stored) -> NetworkResource {
    let (driver, config, options) = match s.name.as_str() {
        "bridge" => (
            "bridge",
            vec![BTreeMap::from([(
                "Subnet".to_string(),
                "172.17.0.0/16".to_string(),
            )])],
            BTreeMap::from(
                [
                    ("com.docker.network.bridge.default_bridge", "true"),
                    ("com.docker.network.bridge.enable_icc", "true"),
                    ("com.docker.network.bridge.enable_ip_masquerade", "true"),
                    ("com.docker.network.bridge.host_binding_ipv4", "0.0.0.0"),
                    ("com.docker.network.bridge.name", "docker0"),
                    ("com.docker.network.driver.mtu", "1500"),
                ]
                .map(|(k, v)| (k.to_string(), v.to_string())),
            ),
        ),
        "host" => ("host", Vec::new(), BTreeMap::new()),
        _ => ("null", Vec::new(), BTreeMap::new()),
    };
    NetworkResource {
        name: s.name.clone(),
        id: s.id.clone(),
        created: s.created.clone(),
        scope: "local".into(),
        driver: driver.into(),
        enable_ipv6: false,
        ipam: Ipam {
            driver: "default".into(),
            options: None,
            config,
        },
        internal: false,
        attachable: false,
        ingress: false,
        config_from: ConfigReference {
            network: String::new(),
        },
        config_only: false,
        containers: BTreeMap::new(),
        options,
        labels: BTreeMap::new(),
    }
}

/// `2026-11-22T18:19:01.724268155Z`, as Go marshals a `time.Time`.
fn now_rfc3339_nanos() -> String {
    let t = time::OffsetDateTime::now_utc();
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z"
    );
    t.format(&fmt).unwrap_or_default()
}

/// moby `libnetwork.ErrNoSuchNetwork` as a NotFound.
fn no_such_network(term: &str) -> Error {
    Error::not_found(format!("network {term} not found"))
}

impl Daemon {
    /// moby `FindNetwork(term)`: full id, then full name, then a unique id
    /// prefix. Containers resolve `--network NAME` with this.
    pub fn find_network(&self, term: &str) -> Result<NetworkResource> {
        let all = self.networks.all();
        if let Some(n) = all.iter().find(|n| n.id == term || n.name == term) {
            return Ok(n.clone());
        }
        let by_prefix: Vec<&NetworkResource> =
            all.iter().filter(|n| n.id.starts_with(term)).collect();
        match by_prefix.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(no_such_network(term)),
            _ => Err(Error::invalid_parameter(format!(
                "network {term} is ambiguous ({} matches found based on ID prefix)",
                by_prefix.len()
            ))),
        }
    }

    /// moby `GetNetworks(filter)` as the list handler uses it, with the
    /// filters `name` (substring), `id` (prefix), `driver`, `scope`,
    /// `type` (`builtin`/`custom`) and `label`.
    pub fn get_networks(&self, filter: &Filter) -> Result<Vec<NetworkResource>> {
        for key in filter.keys() {
            if !matches!(
                key,
                "name" | "id" | "driver" | "scope" | "type" | "label" | "dangling"
            ) {
                return Err(Error::invalid_parameter(format!("Invalid filter '{key}'")));
            }
        }
        for t in filter.get("type") {
            if t != "builtin" && t != "custom" {
                return Err(Error::invalid_parameter(format!(
                    "invalid filter: 'type'='{t}'"
                )));
            }
        }
        let any = |key: &str, pred: &dyn Fn(&str) -> bool| {
            let vals = filter.get(key);
            vals.is_empty() || vals.iter().any(|v| pred(v))
        };
        Ok(self
            .networks
            .all()
            .into_iter()
            .filter(|n| any("name", &|v| n.name.contains(v)))
            .filter(|n| any("id", &|v| n.id.starts_with(v)))
            .filter(|n| any("driver", &|v| n.driver == v))
            .filter(|n| any("scope", &|v| n.scope == v))
            // Every network here is built in.
            .filter(|_| any("type", &|v| v == "builtin"))
            .filter(|n| {
                filter.get("label").iter().all(|l| match l.split_once('=') {
                    Some((k, v)) => n.labels.get(k).map(String::as_str) == Some(v),
                    None => n.labels.contains_key(l.as_str()),
                })
            })
            .collect())
    }

    /// moby `DeleteNetwork`: the built-ins answer 403
    /// `<name> is a pre-defined network and cannot be removed`.
    pub fn delete_network(&self, term: &str) -> Result<()> {
        let n = self.find_network(term)?;
        if PREDEFINED_NETWORKS.contains(&n.name.as_str()) {
            return Err(Error::forbidden(format!(
                "{} is a pre-defined network and cannot be removed",
                n.name
            )));
        }
        // Unreachable while only the built-ins exist.
        Err(Error::not_implemented(
            "mini-dockerd has no user-defined networks to remove",
        ))
    }

    /// moby `CreateNetwork`: a pre-defined name is dockerd's 403
    /// `operation is not permitted on predefined <name> network ` (with
    /// its trailing space); anything else is refused honestly.
    pub fn create_network(&self, name: &str) -> Result<()> {
        if PREDEFINED_NETWORKS.contains(&name) {
            return Err(Error::forbidden(format!(
                "operation is not permitted on predefined {name} network "
            )));
        }
        Err(Error::not_implemented(
            "network create is not supported: mini-dockerd has no network drivers (no bridges, veth pairs or iptables rules); containers can use the built-in networks bridge, host and none",
        ))
    }

    /// moby `ConnectContainerToNetwork` / `DisconnectContainerFromNetwork`:
    /// the network must exist (404 otherwise); then 501, for the same
    /// reason as create.
    pub fn connect_or_disconnect(&self, term: &str, op: &str) -> Result<()> {
        self.find_network(term)?;
        Err(Error::not_implemented(format!(
            "network {op} is not supported: mini-dockerd has no network drivers, so a running container cannot change networks"
        )))
    }

    /// moby `NetworksPrune`: only unused user-defined networks go, and
    /// there are none, so the report is empty. This is the true answer,
    /// not a stub: `docker network prune -f` works and removes nothing.
    pub fn networks_prune(&self, filter: &Filter) -> Result<NetworkPruneReport> {
        for key in filter.keys() {
            if !matches!(key, "until" | "label" | "label!") {
                return Err(Error::invalid_parameter(format!("Invalid filter '{key}'")));
            }
        }
        Ok(NetworkPruneReport {
            networks_deleted: None,
        })
    }
}

impl crate::server::router::network::Backend for Daemon {
    fn find_network(&self, term: &str) -> Result<NetworkResource> {
        Daemon::find_network(self, term)
    }
    fn get_networks(&self, filter: &Filter) -> Result<Vec<NetworkResource>> {
        Daemon::get_networks(self, filter)
    }
    fn create_network(&self, name: &str) -> Result<()> {
        Daemon::create_network(self, name)
    }
    fn connect_container_to_network(&self, term: &str) -> Result<()> {
        Daemon::connect_or_disconnect(self, term, "connect")
    }
    fn disconnect_container_from_network(&self, term: &str) -> Result<()> {
        Daemon::connect_or_disconnect(self, term, "disconnect")
    }
    fn delete_network(&self, term: &str) -> Result<()> {
        Daemon::delete_network(self, term)
    }
    fn networks_prune(&self, filter: &Filter) -> Result<NetworkPruneReport> {
        Daemon::networks_prune(self, filter)
    }
}
