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
//! The `bridge` network is real: at start-up the daemon makes its bridge
//! device (`mdocker0`, dockerd's `docker0`) with `runtime/network.rs`, and
//! each container on it gets an address from [`DefaultBridge`] (libnetwork's
//! default IPAM, reduced to "the lowest free address of the subnet") and a
//! veth pair when it starts. `--bridge none` turns it off, as in dockerd:
//! containers then get a network namespace with only `lo`.
//!
//! What is not here, said plainly: user-defined networks. Creating,
//! connecting and disconnecting answer 501 with an explanation.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use super::Daemon;
use crate::errdefs::{Error, Result};
use crate::events::filter::Filter;
use crate::runtime::network::{self as runtime_network, Bridge};
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
    /// Endpoints by container id: the running containers on the network.
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
    /// The `bridge` network's device and addresses, once it is set up.
    pub bridge: OnceLock<DefaultBridge>,
}

/// The default bridge network: its device, and which of its addresses
/// running containers hold (libnetwork's bridge driver and default IPAM).
pub struct DefaultBridge {
    pub bridge: Bridge,
    used: Mutex<BTreeSet<Ipv4Addr>>,
}

impl DefaultBridge {
    pub fn new(bridge: Bridge) -> DefaultBridge {
        DefaultBridge {
            bridge,
            used: Mutex::new(BTreeSet::new()),
        }
    }

    /// The lowest free address: neither the subnet's own, the gateway's,
    /// the broadcast address nor one in use. dockerd's IPAM hands them out
    /// in order too (and, like ours, takes a freed one back later).
    pub fn allocate(&self) -> Result<Ipv4Addr> {
        let b = &self.bridge;
        let base = u32::from(runtime_network::network_address(b.gateway, b.prefix));
        let size = 1u64 << (32 - b.prefix.min(32) as u32);
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        let free = (1..size.saturating_sub(1))
            .map(|i| Ipv4Addr::from(base + i as u32))
            .find(|ip| *ip != b.gateway && !used.contains(ip));
        match free {
            Some(ip) => {
                used.insert(ip);
                Ok(ip)
            }
            // libnetwork's `ipamapi.ErrNoAvailableIPs`.
            None => Err(Error::system(
                "no available IPv4 addresses on this network's address pools: bridge",
            )),
        }
    }

    /// Give an address back (the container stopped).
    pub fn release(&self, ip: Ipv4Addr) {
        self.used
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&ip);
    }
}

/// A container's endpoint on the bridge network while it runs (moby
/// `network.EndpointSettings`, the part a bridge endpoint fills in).
#[derive(Debug, Clone)]
pub struct EndpointSettings {
    /// Random, 64 hex, new for every start, as libnetwork's.
    pub endpoint_id: String,
    pub endpoint: runtime_network::Endpoint,
}

impl Networks {
    /// No disk work until [`Networks::restore`].
    pub fn new(data_root: &std::path::Path) -> Networks {
        Networks {
            path: data_root.join("network").join("networks.json"),
            list: Mutex::new(Vec::new()),
            bridge: OnceLock::new(),
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

/// Parse `--bip` (`172.18.0.1/16`): the bridge's own address and prefix.
fn parse_bip(bip: &str) -> std::result::Result<(Ipv4Addr, u8), String> {
    let bad = || {
        format!("invalid --bip {bip:?}: want the bridge's address and prefix, like 172.18.0.1/16")
    };
    let (ip, prefix) = bip.split_once('/').ok_or_else(bad)?;
    let ip: Ipv4Addr = ip.parse().map_err(|_| bad())?;
    let prefix: u8 = prefix.parse().map_err(|_| bad())?;
    if !(8..=30).contains(&prefix) {
        return Err(bad());
    }
    let net = runtime_network::network_address(ip, prefix);
    let broadcast = Ipv4Addr::from(u32::from(net) | !runtime_network::mask(prefix));
    if ip == net || ip == broadcast {
        return Err(format!(
            "invalid --bip {bip:?}: {ip} is the subnet's own address, not one a bridge can have"
        ));
    }
    Ok((ip, prefix))
}

/// libnetwork's choice of a subnet for the default bridge, from its
/// predefined pools: the first of 172.18.0.0/16 .. 172.31.0.0/16 that no
/// host route overlaps (172.17.0.0/16 is left to a dockerd on the same
/// host).
fn pick_bip(bridge: &str) -> Option<(Ipv4Addr, u8)> {
    let routes = runtime_network::host_routes(bridge);
    (18..=31u8)
        .map(|b| (Ipv4Addr::new(172, b, 0, 0), 16u8))
        .find(|net| !routes.iter().any(|r| runtime_network::overlaps(*net, *r)))
        .map(|(net, prefix)| (Ipv4Addr::from(u32::from(net) + 1), prefix))
}

impl Daemon {
    /// libnetwork's controller start-up for the `bridge` network
    /// (`initBridgeDriver` in moby `daemon/daemon_unix.go`): the device,
    /// its address and the firewall rules. A bad `--bip` stops the
    /// daemon, as it stops dockerd; a host where bridges cannot be made
    /// (not root, no `ip` command) gets a warning, and containers then
    /// get only `lo`, as with `--bridge none`.
    pub fn init_bridge(&self) -> std::result::Result<(), String> {
        let name = self.config.bridge.as_str();
        if name == "none" || name.is_empty() {
            tracing::info!(
                "--bridge none: containers on the bridge network get only a loopback interface"
            );
            return Ok(());
        }
        if name.len() > 15
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(format!("invalid --bridge {name:?}: a network device name has at most 15 letters, digits, '-', '_' or '.'"));
        }
        let (gateway, prefix) = if self.config.bip.is_empty() {
            match pick_bip(name) {
                Some(b) => b,
                None => {
                    return Err("could not find a free subnet for the bridge network in 172.18-31.0.0/16: give one with --bip".into())
                }
            }
        } else {
            parse_bip(&self.config.bip)?
        };
        if self.runtime.info().name != "linux" {
            // The simulated runtime runs no namespaces to attach.
            return Ok(());
        }
        if let Err(why) = runtime_network::probe() {
            tracing::warn!("no bridge network ({why}): containers on the bridge network get only a loopback interface");
            return Ok(());
        }
        let bridge = Bridge {
            name: name.to_string(),
            gateway,
            prefix,
        };
        let t = std::time::Instant::now();
        if let Err(e) = runtime_network::setup_bridge(&bridge) {
            tracing::warn!("setting up the bridge {name}: {e}; containers on the bridge network get only a loopback interface");
            return Ok(());
        }
        tracing::info!("bridge network: {name} {gateway}/{prefix}");
        trace_event!(
            "daemon",
            "event",
            "bridge",
            bridge = name,
            subnet = bridge.subnet().as_str(),
            gateway = %gateway,
            dur_us = crate::trace::micros_since(t)
        );
        let _ = self.networks.bridge.set(DefaultBridge::new(bridge));
        Ok(())
    }

    /// At shutdown, after the containers stopped: remove the bridge and
    /// its rules (see `runtime/network.rs` for why, where dockerd keeps
    /// them).
    pub fn teardown_bridge(&self) {
        if let Some(db) = self.networks.bridge.get() {
            if let Err(e) = runtime_network::teardown_bridge(&db.bridge) {
                tracing::warn!("removing the bridge {}: {e}", db.bridge.name);
            }
        }
    }

    /// moby `connectToNetwork` for a container about to start on the
    /// bridge network: an address and a veth name, kept on the container
    /// for inspect and for the runtime. `None` when the container is on
    /// another network, or the daemon has no bridge.
    pub(crate) fn allocate_endpoint(&self, c: &mut crate::container::Container) -> Result<()> {
        self.release_endpoint(c);
        let Some(db) = self.networks.bridge.get() else {
            return Ok(());
        };
        if !matches!(
            c.host_config.network_mode.as_str(),
            "" | "default" | "bridge"
        ) {
            return Ok(());
        }
        let ip = db.allocate()?;
        let id: [u8; 32] = rand::random();
        let veth: [u8; 4] = rand::random();
        c.network_endpoint = Some(EndpointSettings {
            endpoint_id: hex::encode(id),
            endpoint: runtime_network::Endpoint {
                bridge: db.bridge.clone(),
                host_veth: format!("veth{}", &hex::encode(veth)[..7]),
                ip,
                mac: runtime_network::mac_for(ip),
            },
        });
        Ok(())
    }

    /// moby `releaseNetwork`: the container stopped (or failed to start);
    /// its address goes back. The veth went with its network namespace.
    pub(crate) fn release_endpoint(&self, c: &mut crate::container::Container) {
        if let Some(ep) = c.network_endpoint.take() {
            if let Some(db) = self.networks.bridge.get() {
                db.release(ep.endpoint.ip);
            }
        }
    }

    /// moby `LogNetworkEventWithAttributes`: `network connect` when a
    /// container joins the bridge, `network disconnect` when it leaves.
    pub(crate) fn log_network_event(&self, action: &str, container_id: &str) {
        self.events.log(
            action,
            "network",
            crate::events::Actor {
                id: self.bridge_network_id(),
                attributes: BTreeMap::from([
                    ("container".to_string(), container_id.to_string()),
                    ("name".to_string(), "bridge".to_string()),
                    ("type".to_string(), "bridge".to_string()),
                ]),
            },
        );
    }

    /// The `bridge` network's id. Unlike [`Daemon::find_network`], this
    /// looks at no container, so it may be called with one locked.
    pub(crate) fn bridge_network_id(&self) -> String {
        self.networks
            .all()
            .into_iter()
            .find(|n| n.name == "bridge")
            .map(|n| n.id)
            .unwrap_or_default()
    }

    /// A network as the API shows it: the `bridge` network with the
    /// daemon's real subnet and device, and its running containers.
    fn with_endpoints(&self, mut n: NetworkResource) -> NetworkResource {
        let Some(db) = self.networks.bridge.get() else {
            return n;
        };
        if n.name != "bridge" {
            return n;
        }
        n.ipam.config = vec![BTreeMap::from([
            ("Subnet".to_string(), db.bridge.subnet()),
            ("Gateway".to_string(), db.bridge.gateway.to_string()),
        ])];
        n.options.insert(
            "com.docker.network.bridge.name".into(),
            db.bridge.name.clone(),
        );
        for c in self.containers.list() {
            let c = crate::container::lock(&c);
            if let Some(ep) = &c.network_endpoint {
                n.containers.insert(
                    c.id.clone(),
                    serde_json::json!({
                        "Name": c.name.trim_start_matches('/'),
                        "EndpointID": ep.endpoint_id,
                        "MacAddress": ep.endpoint.mac,
                        "IPv4Address": format!("{}/{}", ep.endpoint.ip, db.bridge.prefix),
                        "IPv6Address": "",
                    }),
                );
            }
        }
        n
    }
}

impl Daemon {
    /// moby `FindNetwork(term)`: full id, then full name, then a unique id
    /// prefix. Containers resolve `--network NAME` with this.
    pub fn find_network(&self, term: &str) -> Result<NetworkResource> {
        let all = self.networks.all();
        if let Some(n) = all.iter().find(|n| n.id == term || n.name == term) {
            return Ok(self.with_endpoints(n.clone()));
        }
        let by_prefix: Vec<&NetworkResource> =
            all.iter().filter(|n| n.id.starts_with(term)).collect();
        match by_prefix.as_slice() {
            [one] => Ok(self.with_endpoints((*one).clone())),
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
            .map(|n| self.with_endpoints(n))
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
