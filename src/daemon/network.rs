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
//! The networks are real bridges. At start-up the daemon makes the
//! `bridge` network's device (`mdocker0`, dockerd's `docker0`) and one for
//! each user network (`br-<id>`, made by `docker network create`) with
//! `runtime/network.rs`. Each container on one gets an address from its
//! [`BridgeNetwork`] (libnetwork's default IPAM, reduced to "the lowest free
//! address of the subnet") and a veth pair when it starts
//! (`container_operations.rs`). `--bridge none` turns the `bridge`
//! network's device off, as in dockerd: its containers then get a network
//! namespace with only `lo`.
//!
//! What is not here, said plainly: drivers other than `bridge`, IPv6, and
//! more than one subnet a network.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use super::Daemon;
use crate::api::types::network::{NetworkCreateRequest, NetworkCreateResponse};
use crate::errdefs::{Error, Result};
use crate::events::filter::Filter;
use crate::runtime::network::{self as runtime_network, Bridge};
use crate::server::httputils::BoxFuture;
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
    pub config: Vec<IpamPool>,
}

/// moby `network.IPAMConfig` as inspect shows it: the subnet, then the
/// gateway when there is one to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IpamPool {
    pub subnet: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub gateway: String,
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

/// A network made with `docker network create`, as kept in
/// `<data-root>/network/user-networks.json`: what inspect shows, and the
/// bridge's address.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct UserNetwork {
    resource: NetworkResource,
    gateway: Ipv4Addr,
    prefix: u8,
}

impl UserNetwork {
    /// libnetwork names a user network's bridge `br-` and the first
    /// twelve hex digits of its id.
    fn bridge(&self) -> Bridge {
        Bridge {
            name: format!("br-{}", &self.resource.id[..12]),
            gateway: self.gateway,
            prefix: self.prefix,
        }
    }
}

/// The daemon's networks (moby: libnetwork's controller): the three
/// built-ins and the user's bridge networks.
pub struct Networks {
    path: PathBuf,
    user_path: PathBuf,
    list: Mutex<Vec<NetworkResource>>,
    user: Mutex<Vec<UserNetwork>>,
    /// The bridge networks whose device is up, by network name: `bridge`
    /// (unless `--bridge none`) and every user network.
    bridges: Mutex<BTreeMap<String, Arc<BridgeNetwork>>>,
    /// Whether this host can make bridges (root, the Linux runtime, `ip`
    /// and `iptables`); settled at start-up.
    can_bridge: OnceLock<bool>,
}

/// A bridge network: its device, and which of its addresses running
/// containers hold (libnetwork's bridge driver and default IPAM).
pub struct BridgeNetwork {
    pub bridge: Bridge,
    used: Mutex<BTreeSet<Ipv4Addr>>,
}

impl BridgeNetwork {
    pub fn new(bridge: Bridge) -> BridgeNetwork {
        BridgeNetwork {
            bridge,
            used: Mutex::new(BTreeSet::new()),
        }
    }

    /// The lowest free address: neither the subnet's own, the gateway's,
    /// the broadcast address nor one in use. dockerd's IPAM hands them out
    /// in order too (and, like ours, takes a freed one back later).
    pub fn allocate(&self, network: &str) -> Result<Ipv4Addr> {
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
            None => Err(Error::system(format!(
                "no available IPv4 addresses on this network's address pools: {network}"
            ))),
        }
    }

    /// Give an address back (the container stopped or left).
    pub fn release(&self, ip: Ipv4Addr) {
        self.used
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&ip);
    }
}

/// A container's endpoint on a bridge network while it runs (moby
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
        let dir = data_root.join("network");
        Networks {
            path: dir.join("networks.json"),
            user_path: dir.join("user-networks.json"),
            list: Mutex::new(Vec::new()),
            user: Mutex::new(Vec::new()),
            bridges: Mutex::new(BTreeMap::new()),
            can_bridge: OnceLock::new(),
        }
    }

    /// Load the built-ins' ids, or make them (random, 64 hex) on the first
    /// start with this data root, and the user's networks. dockerd lists
    /// the built-ins as none, host, bridge (the order libnetwork creates
    /// them in), and so do we.
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
        *self.user.lock().unwrap_or_else(|e| e.into_inner()) = std::fs::read(&self.user_path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Ok(())
    }

    /// Every network, built-ins first, without endpoints.
    fn all(&self) -> Vec<NetworkResource> {
        let mut all = self.list.lock().unwrap_or_else(|e| e.into_inner()).clone();
        all.extend(
            self.user
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .map(|u| u.resource.clone()),
        );
        all
    }

    fn save_user(&self, user: &[UserNetwork]) -> std::io::Result<()> {
        if let Some(dir) = self.user_path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let json = serde_json::to_vec_pretty(user).map_err(std::io::Error::other)?;
        crate::container::atomic_write(&self.user_path, &json)
    }

    /// The bridge network named `name`, if its device is up.
    pub fn bridge(&self, name: &str) -> Option<Arc<BridgeNetwork>> {
        self.bridges
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    fn can_bridge(&self) -> bool {
        self.can_bridge.get().copied().unwrap_or(false)
    }

    /// The id of the network named `name`, without copying the list.
    pub(crate) fn id_of(&self, name: &str) -> Option<String> {
        let builtin = self.list.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = builtin.iter().find(|n| n.name == name) {
            return Some(n.id.clone());
        }
        let user = self.user.lock().unwrap_or_else(|e| e.into_inner());
        user.iter()
            .find(|u| u.resource.name == name)
            .map(|u| u.resource.id.clone())
    }
}

/// A built-in network in dockerd's shape.
fn builtin_network(s: &Stored) -> NetworkResource {
    let (driver, config, options) = match s.name.as_str() {
        "bridge" => (
            "bridge",
            vec![IpamPool {
                subnet: "172.17.0.0/16".into(),
                gateway: String::new(),
            }],
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

/// `a.b.c.d/p` as an address and a prefix length of at most 32.
fn parse_cidr(s: &str) -> Option<(Ipv4Addr, u8)> {
    let (ip, prefix) = s.split_once('/')?;
    let prefix: u8 = prefix.parse().ok()?;
    Some((ip.parse().ok()?, prefix)).filter(|_| prefix <= 32)
}

/// Parse `--bip` (`172.18.0.1/16`): the bridge's own address and prefix.
fn parse_bip(bip: &str) -> std::result::Result<(Ipv4Addr, u8), String> {
    let bad = || {
        format!("invalid --bip {bip:?}: want the bridge's address and prefix, like 172.18.0.1/16")
    };
    let (ip, prefix) = parse_cidr(bip).ok_or_else(bad)?;
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

/// libnetwork's predefined address pools (`ipamutils`: 172.17.0.0/16 to
/// 172.31.0.0/16, then 192.168.0.0/20 to 192.168.240.0/20), but for
/// 172.17.0.0/16, which is left to a dockerd on the same host.
fn pools() -> impl Iterator<Item = (Ipv4Addr, u8)> {
    (18..=31u8)
        .map(|b| (Ipv4Addr::new(172, b, 0, 0), 16u8))
        .chain((0..16u8).map(|i| (Ipv4Addr::new(192, 168, i * 16, 0), 20u8)))
}

/// The first pool that overlaps no host route (libnetwork's
/// `CheckRouteOverlaps`; routes of `own_device` do not count) and none of
/// `taken`: its gateway (the first address) and prefix.
fn pick_subnet(own_device: &str, taken: &[(Ipv4Addr, u8)]) -> Option<(Ipv4Addr, u8)> {
    let routes = runtime_network::host_routes(own_device);
    pools()
        .find(|net| {
            !routes
                .iter()
                .chain(taken)
                .any(|r| runtime_network::overlaps(*net, *r))
        })
        .map(|(net, prefix)| (Ipv4Addr::from(u32::from(net) + 1), prefix))
}

/// Parse a `--subnet` (`10.1.0.0/24`) into its network address and prefix.
fn parse_subnet(subnet: &str) -> Result<(Ipv4Addr, u8)> {
    let bad = || Error::invalid_parameter(format!("invalid CIDR address: {subnet}"));
    let (ip, prefix) = parse_cidr(subnet).ok_or_else(bad)?;
    if prefix > 30 {
        return Err(bad());
    }
    Ok((runtime_network::network_address(ip, prefix), prefix))
}

impl Daemon {
    /// libnetwork's controller start-up (`initBridgeDriver` in moby
    /// `daemon/daemon_unix.go`, and the networks of its store): the
    /// `bridge` network's device, address and firewall rules, then each
    /// user network's. A bad `--bip` stops the daemon, as it stops
    /// dockerd; a host where bridges cannot be made (not root, no `ip`
    /// command) gets a warning, and containers then get only `lo`, as
    /// with `--bridge none`.
    pub fn init_bridge(&self) -> std::result::Result<(), String> {
        let name = self.config.bridge.as_str();
        let mut pool_guard = None;
        let default = if name == "none" || name.is_empty() {
            tracing::info!(
                "--bridge none: containers on the bridge network get only a loopback interface"
            );
            None
        } else {
            if name.len() > 15
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            {
                return Err(format!("invalid --bridge {name:?}: a network device name has at most 15 letters, digits, '-', '_' or '.'"));
            }
            let (gateway, prefix) = if self.config.bip.is_empty() {
                // Held until the bridge is up (or given up on), so that a
                // daemon starting beside us sees its route.
                pool_guard = runtime_network::pool_lock().ok();
                pick_subnet(name, &self.user_subnets()).ok_or(
                    "could not find a free subnet for the bridge network: give one with --bip",
                )?
            } else {
                parse_bip(&self.config.bip)?
            };
            Some(Bridge {
                name: name.to_string(),
                gateway,
                prefix,
            })
        };
        // `can_bridge` stays unset (false) on both early returns.
        if self.runtime.info().name != "linux" {
            // The simulated runtime runs no namespaces to attach.
            return Ok(());
        }
        if let Err(why) = runtime_network::probe() {
            tracing::warn!(
                "no bridge networks ({why}): containers on them get only a loopback interface"
            );
            return Ok(());
        }
        let _ = self.networks.can_bridge.set(true);
        if let Some(bridge) = default {
            self.bring_up("bridge", bridge);
        }
        drop(pool_guard);
        let user: Vec<UserNetwork> = self
            .networks
            .user
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for u in user {
            self.bring_up(&u.resource.name, u.bridge());
        }
        Ok(())
    }

    /// Make one network's bridge and remember it; a failure leaves that
    /// network without a device (its containers get only `lo`).
    fn bring_up(&self, network: &str, bridge: Bridge) -> bool {
        let t = std::time::Instant::now();
        let others: Vec<String> = self
            .networks
            .bridges
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .map(|b| b.bridge.name.clone())
            .filter(|n| *n != bridge.name)
            .collect();
        if let Err(e) = runtime_network::setup_bridge(&bridge, &others) {
            tracing::warn!(
                "setting up the bridge {} of network {network}: {e}; its containers get only a loopback interface",
                bridge.name
            );
            return false;
        }
        tracing::info!(
            "network {network}: bridge {} {}/{}",
            bridge.name,
            bridge.gateway,
            bridge.prefix
        );
        trace_event!(
            "daemon",
            "event",
            "bridge",
            network = network,
            bridge = bridge.name.as_str(),
            subnet = bridge.subnet().as_str(),
            gateway = %bridge.gateway,
            dur_us = crate::trace::micros_since(t)
        );
        self.networks
            .bridges
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(network.to_string(), Arc::new(BridgeNetwork::new(bridge)));
        true
    }

    /// The subnets of the user's networks, which a new one must not reuse.
    fn user_subnets(&self) -> Vec<(Ipv4Addr, u8)> {
        self.networks
            .user
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|u| (u.gateway, u.prefix))
            .collect()
    }

    /// At shutdown, after the containers stopped: remove the bridges and
    /// their rules (see `runtime/network.rs` for why, where dockerd keeps
    /// them).
    pub fn teardown_bridge(&self) {
        let bridges = std::mem::take(
            &mut *self
                .networks
                .bridges
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for b in bridges.values() {
            if let Err(e) = runtime_network::teardown_bridge(&b.bridge) {
                tracing::warn!("removing the bridge {}: {e}", b.bridge.name);
            }
        }
    }

    /// `network connect` when a container joins the network named
    /// `network`, `network disconnect` when it leaves.
    pub(crate) fn log_network_event(&self, action: &str, network: &str, container_id: &str) {
        let id = self.networks.id_of(network).unwrap_or_default();
        self.network_event(action, &id, network, Some(container_id));
    }

    /// moby `LogNetworkEventWithAttributes`: a network event with its
    /// name and type (every network that has events is a bridge here),
    /// and the container for connect and disconnect.
    fn network_event(&self, action: &str, id: &str, name: &str, container_id: Option<&str>) {
        let mut attributes = BTreeMap::from([
            ("name".to_string(), name.to_string()),
            ("type".to_string(), "bridge".to_string()),
        ]);
        if let Some(c) = container_id {
            attributes.insert("container".to_string(), c.to_string());
        }
        self.events.log(
            action,
            "network",
            crate::events::Actor {
                id: id.to_string(),
                attributes,
            },
        );
    }

    /// Every network's id by name. Unlike [`Daemon::find_network`], this
    /// looks at no container, so it may be called with one locked.
    pub(crate) fn network_ids(&self) -> BTreeMap<String, String> {
        self.networks
            .all()
            .into_iter()
            .map(|n| (n.name, n.id))
            .collect()
    }

    /// The running containers with an endpoint on `network`.
    fn endpoints_on(&self, network: &str) -> BTreeMap<String, serde_json::Value> {
        let mut out = BTreeMap::new();
        for c in self.containers.list() {
            let c = crate::container::lock(&c);
            if let Some(ep) = c.endpoints.get(network) {
                out.insert(
                    c.id.clone(),
                    serde_json::json!({
                        "Name": c.bare_name(),
                        "EndpointID": ep.endpoint_id,
                        "MacAddress": ep.endpoint.mac,
                        "IPv4Address": format!("{}/{}", ep.endpoint.ip, ep.endpoint.bridge.prefix),
                        "IPv6Address": "",
                    }),
                );
            }
        }
        out
    }

    /// A network as the API shows it: with its running containers, and
    /// the `bridge` network with the daemon's real subnet and device.
    fn with_endpoints(&self, mut n: NetworkResource) -> NetworkResource {
        if n.driver != "bridge" {
            return n;
        }
        if n.name == "bridge" {
            let Some(b) = self.networks.bridge("bridge") else {
                return n;
            };
            n.ipam.config = vec![IpamPool {
                subnet: b.bridge.subnet(),
                gateway: b.bridge.gateway.to_string(),
            }];
            n.options.insert(
                "com.docker.network.bridge.name".into(),
                b.bridge.name.clone(),
            );
        }
        n.containers = self.endpoints_on(&n.name);
        n
    }

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
            .filter(|n| {
                let builtin = PREDEFINED_NETWORKS.contains(&n.name.as_str());
                any("type", &|v| (v == "builtin") == builtin)
            })
            .filter(|n| super::list::labels_match(filter.get("label"), &n.labels))
            .map(|n| self.with_endpoints(n))
            .collect())
    }

    /// moby `DeleteNetwork`: the built-ins answer 403 `<name> is a
    /// pre-defined network and cannot be removed`, a network with running
    /// containers 403 `... has active endpoints`; otherwise its bridge and
    /// rules go, and the network with them.
    pub fn delete_network(&self, term: &str) -> Result<()> {
        let n = self.find_network(term)?;
        if PREDEFINED_NETWORKS.contains(&n.name.as_str()) {
            return Err(Error::forbidden(format!(
                "{} is a pre-defined network and cannot be removed",
                n.name
            )));
        }
        if !n.containers.is_empty() {
            return Err(Error::forbidden(format!(
                "error while removing network: network {} id {} has active endpoints",
                n.name, n.id
            )));
        }
        let bridge = self
            .networks
            .bridges
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&n.name);
        if let Some(b) = bridge {
            if let Err(e) = runtime_network::teardown_bridge(&b.bridge) {
                tracing::warn!("removing the bridge {}: {e}", b.bridge.name);
            }
        }
        {
            let mut user = self.networks.user.lock().unwrap_or_else(|e| e.into_inner());
            user.retain(|u| u.resource.id != n.id);
            self.networks
                .save_user(&user)
                .map_err(|e| Error::system(format!("saving the networks: {e}")))?;
        }
        self.network_event("destroy", &n.id, &n.name, None);
        Ok(())
    }

    /// moby `CreateNetwork`: a bridge network with a subnet of its own
    /// (the one asked for, or the first free pool), its device made at
    /// once, as libnetwork makes it. A pre-defined name is dockerd's 403
    /// `operation is not permitted on predefined <name> network ` (with
    /// its trailing space), a taken name its 409, a subnet that overlaps
    /// another network's its 403 "Pool overlaps ...". Drivers other than
    /// `bridge` are refused: dockerd would need swarm (overlay) or
    /// drivers we do not have (macvlan, ipvlan).
    pub fn create_network(&self, req: NetworkCreateRequest) -> Result<NetworkCreateResponse> {
        let name = req.name.as_str();
        if PREDEFINED_NETWORKS.contains(&name) {
            return Err(Error::forbidden(format!(
                "operation is not permitted on predefined {name} network "
            )));
        }
        if name.is_empty() {
            return Err(Error::invalid_parameter("network name must not be empty"));
        }
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !valid {
            return Err(Error::invalid_parameter(format!(
                "invalid network name {name:?}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
            )));
        }
        match req.driver.as_str() {
            "" | "bridge" => {}
            "overlay" => {
                return Err(Error::system(
                    "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again.",
                ))
            }
            other => {
                return Err(Error::not_implemented(format!(
                    "network driver {other:?} is not supported by mini-dockerd: only bridge networks can be created"
                )))
            }
        }
        if req.enable_ipv6 {
            return Err(Error::not_implemented(
                "IPv6 networks are not supported by mini-dockerd",
            ));
        }
        if self.networks.all().iter().any(|n| n.name == name) {
            return Err(Error::conflict(format!(
                "network with name {name} already exists"
            )));
        }
        let ipam = req.ipam.clone().unwrap_or_default();
        let configs = ipam.config.clone().unwrap_or_default();
        if configs.len() > 1 {
            return Err(Error::not_implemented(
                "mini-dockerd gives a network one IPv4 subnet",
            ));
        }
        // See `runtime_network::PoolGuard`: from the choice of a subnet
        // until its bridge is up.
        let _pool = if self.networks.can_bridge() {
            Some(runtime_network::pool_lock().map_err(Error::system)?)
        } else {
            None
        };
        let mut taken = self.user_subnets();
        if let Some(b) = self.networks.bridge("bridge") {
            taken.push((b.bridge.gateway, b.bridge.prefix));
        }
        let (gateway, prefix, shown) = match configs.first() {
            Some(cfg) if !cfg.subnet.is_empty() => {
                let (net, prefix) = parse_subnet(&cfg.subnet)?;
                if taken
                    .iter()
                    .any(|t| runtime_network::overlaps((net, prefix), *t))
                {
                    return Err(Error::forbidden(
                        "Pool overlaps with other one on this address space",
                    ));
                }
                let gateway = if cfg.gateway.is_empty() {
                    Ipv4Addr::from(u32::from(net) + 1)
                } else {
                    let gw: Ipv4Addr = cfg.gateway.parse().map_err(|_| {
                        Error::invalid_parameter(format!("invalid gateway address {}", cfg.gateway))
                    })?;
                    if runtime_network::network_address(gw, prefix) != net {
                        return Err(Error::forbidden(format!(
                            "no matching subnet for gateway {}",
                            cfg.gateway
                        )));
                    }
                    gw
                };
                // dockerd shows what was asked for: the gateway only when given.
                let shown = IpamPool {
                    subnet: format!("{net}/{prefix}"),
                    gateway: if cfg.gateway.is_empty() {
                        String::new()
                    } else {
                        gateway.to_string()
                    },
                };
                (gateway, prefix, shown)
            }
            Some(_) => {
                return Err(Error::not_implemented(
                    "an IPAM config without a subnet is not supported by mini-dockerd",
                ))
            }
            None => {
                let (gateway, prefix) = pick_subnet("", &taken).ok_or_else(|| {
                    Error::system("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network")
                })?;
                let net = runtime_network::network_address(gateway, prefix);
                let shown = IpamPool {
                    subnet: format!("{net}/{prefix}"),
                    gateway: gateway.to_string(),
                };
                (gateway, prefix, shown)
            }
        };
        let id: [u8; 32] = rand::random();
        let resource = NetworkResource {
            name: name.to_string(),
            id: hex::encode(id),
            created: now_rfc3339_nanos(),
            scope: "local".into(),
            driver: "bridge".into(),
            enable_ipv6: false,
            ipam: Ipam {
                driver: if ipam.driver.is_empty() {
                    "default".into()
                } else {
                    ipam.driver.clone()
                },
                options: ipam.options.clone(),
                config: vec![shown],
            },
            internal: req.internal,
            attachable: req.attachable,
            ingress: false,
            config_from: ConfigReference {
                network: String::new(),
            },
            config_only: false,
            containers: BTreeMap::new(),
            options: req.options.clone().unwrap_or_default(),
            labels: req.labels.clone().unwrap_or_default(),
        };
        let user = UserNetwork {
            resource: resource.clone(),
            gateway,
            prefix,
        };
        if self.networks.can_bridge() && !self.bring_up(name, user.bridge()) {
            return Err(Error::system(format!(
                "failed to create the bridge {} for network {name}: see the daemon's log",
                user.bridge().name
            )));
        }
        {
            let mut all = self.networks.user.lock().unwrap_or_else(|e| e.into_inner());
            all.push(user);
            self.networks
                .save_user(&all)
                .map_err(|e| Error::system(format!("saving the networks: {e}")))?;
        }
        self.network_event("create", &resource.id, &resource.name, None);
        Ok(NetworkCreateResponse {
            id: resource.id,
            warning: String::new(),
        })
    }

    /// moby `NetworksPrune`: every user network without running
    /// containers goes; the built-ins stay.
    pub fn networks_prune(&self, filter: &Filter) -> Result<NetworkPruneReport> {
        for key in filter.keys() {
            if !matches!(key, "until" | "label" | "label!") {
                return Err(Error::invalid_parameter(format!("Invalid filter '{key}'")));
            }
        }
        let mut deleted = Vec::new();
        for n in self.get_networks(&Filter::default())? {
            if PREDEFINED_NETWORKS.contains(&n.name.as_str()) || !n.containers.is_empty() {
                continue;
            }
            // Every `label` matches, and no single `label!` does.
            let labels_ok = super::list::labels_match(filter.get("label"), &n.labels)
                && filter
                    .get("label!")
                    .iter()
                    .all(|l| !super::list::labels_match(std::slice::from_ref(l), &n.labels));
            if !labels_ok {
                continue;
            }
            if self.delete_network(&n.id).is_ok() {
                deleted.push(n.name);
            }
        }
        Ok(NetworkPruneReport {
            networks_deleted: (!deleted.is_empty()).then_some(deleted),
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
    fn create_network(&self, req: NetworkCreateRequest) -> Result<NetworkCreateResponse> {
        Daemon::create_network(self, req)
    }
    fn connect_container_to_network(
        self: Arc<Self>,
        container: String,
        network: String,
    ) -> BoxFuture<Result<()>> {
        Box::pin(
            async move { Daemon::connect_container_to_network(&self, &container, &network).await },
        )
    }
    fn disconnect_container_from_network(
        self: Arc<Self>,
        container: String,
        network: String,
        force: bool,
    ) -> BoxFuture<Result<()>> {
        Box::pin(async move {
            Daemon::disconnect_container_from_network(&self, &container, &network, force).await
        })
    }
    fn delete_network(&self, term: &str) -> Result<()> {
        Daemon::delete_network(self, term)
    }
    fn networks_prune(&self, filter: &Filter) -> Result<NetworkPruneReport> {
        Daemon::networks_prune(self, filter)
    }
}
