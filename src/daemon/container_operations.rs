//! A container's networks: the addresses it gets when it starts, and
//! `docker network connect` / `disconnect` while it runs.
//!
//! Mirrors the network half of moby `daemon/container_operations.go`
//! (v20.10.24): `allocateNetwork` (every network the container is
//! connected to, at start), `releaseNetwork` (at exit),
//! `ConnectToNetwork` and `DisconnectFromNetwork` (moby
//! `daemon/network.go`'s `ConnectContainerToNetwork` calls them). The
//! container keeps the names of its networks (`Container.networks`, in
//! config.v2.json) and, while it runs, an endpoint on each
//! (`Container.endpoints`): an address from the network's
//! [`BridgeNetwork`](super::network::BridgeNetwork) and a veth pair made by
//! `runtime/network.rs`.
//!
//! Names on user networks: dockerd runs an embedded DNS server
//! (127.0.0.11) in every container on a user network, which answers with
//! the addresses of the other containers there. mini-dockerd writes the
//! same answers into /etc/hosts instead, as docker did before its DNS
//! server (the `--link` era): a container that joins a user network gets a
//! line for each container already on it, and each of those gets a line
//! for the newcomer, taken out again when it leaves. `ping web` works;
//! a program that asks a DNS server directly (`nslookup`) finds nothing.
//! Not here either: aliases, and static addresses (`--ip`, refused at
//! create).

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::path::PathBuf;

use super::network::EndpointSettings;
use super::Daemon;
use crate::container::{lock, Container, ContainerRef};
use crate::errdefs::{Error, Result};
use crate::runtime::network::{self as runtime_network, Endpoint};

/// A running container on a user network, as another one's /etc/hosts
/// names it.
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    pub network: String,
    pub ip: Ipv4Addr,
    pub name: String,
    pub hosts: PathBuf,
}

/// The /etc/hosts lines for `peers` on any of `networks`, one per
/// address and name.
pub(crate) fn peer_lines(networks: &[String], peers: &[Peer]) -> String {
    let mut seen = BTreeSet::new();
    let mut out = String::new();
    for p in peers.iter().filter(|p| networks.contains(&p.network)) {
        if seen.insert((p.ip, p.name.clone())) {
            out.push_str(&format!("{}\t{}\n", p.ip, p.name));
        }
    }
    out
}

impl Daemon {
    /// Every other running container's endpoints on user networks (the
    /// default `bridge` network has no names, in dockerd too). Each
    /// container is locked on its own, never two at once.
    pub(crate) fn network_peers(&self, me: &ContainerRef) -> Vec<Peer> {
        let mut peers = Vec::new();
        for c in self.containers.list() {
            if std::sync::Arc::ptr_eq(&c, me) {
                continue;
            }
            let c = lock(&c);
            for (network, ep) in &c.endpoints {
                if network != "bridge" {
                    peers.push(Peer {
                        network: network.clone(),
                        ip: ep.endpoint.ip,
                        name: c.bare_name().to_string(),
                        hosts: c.hosts_path(),
                    });
                }
            }
        }
        peers
    }

    /// Tell the containers already on `me`'s networks about it: a line
    /// `ip name` in each one's /etc/hosts (appended: the file is
    /// bind-mounted, so its inode must stay).
    pub(crate) fn announce_to_peers(
        &self,
        name: &str,
        mine: &[(String, Ipv4Addr)],
        peers: &[Peer],
    ) {
        use std::io::Write;
        for (network, ip) in mine.iter().filter(|(n, _)| n != "bridge") {
            for p in peers.iter().filter(|p| p.network == *network) {
                let line = format!("{ip}\t{name}\n");
                let appended = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&p.hosts)
                    .and_then(|mut f| f.write_all(line.as_bytes()));
                if let Err(e) = appended {
                    tracing::debug!("adding {name} to {}: {e}", p.hosts.display());
                }
            }
        }
    }

    /// Take `me`'s lines out of the other containers' /etc/hosts: it
    /// stopped, or left those networks.
    pub(crate) fn withdraw_from_peers(
        &self,
        name: &str,
        mine: &[(String, Ipv4Addr)],
        peers: &[Peer],
    ) {
        let gone: BTreeSet<String> = mine
            .iter()
            .filter(|(n, _)| n != "bridge")
            .map(|(_, ip)| format!("{ip}\t{name}"))
            .collect();
        if gone.is_empty() {
            return;
        }
        let files: BTreeSet<&PathBuf> = peers
            .iter()
            .filter(|p| mine.iter().any(|(n, _)| *n == p.network))
            .map(|p| &p.hosts)
            .collect();
        for file in files {
            let Ok(text) = std::fs::read_to_string(file) else {
                continue;
            };
            let kept: String = text
                .lines()
                .filter(|l| !gone.contains(*l))
                .map(|l| format!("{l}\n"))
                .collect();
            if kept != text {
                let _ = std::fs::write(file, kept);
            }
        }
    }

    /// The networks a new container is connected to, from its network
    /// mode ([`crate::container::networks_for_mode`]), with a user
    /// network given by id kept by its name. A name nobody knows is kept as
    /// given, and the start answers dockerd's 404 for it.
    pub(crate) fn initial_networks(&self, mode: &str) -> Vec<String> {
        crate::container::networks_for_mode(mode)
            .into_iter()
            .map(|m| match self.find_network(&m) {
                Ok(n) if m != "bridge" => n.name,
                _ => m,
            })
            .collect()
    }

    /// A new endpoint on `network` for `c`: the lowest free address and
    /// the next free `ethN`. `None` when the network has no device (the
    /// daemon runs with `--bridge none`, or cannot make bridges here).
    fn new_endpoint(&self, c: &Container, network: &str) -> Result<Option<EndpointSettings>> {
        if self.networks.id_of(network).is_none() {
            return Err(Error::not_found(format!("network {network} not found")));
        }
        let Some(b) = self.networks.bridge(network) else {
            return Ok(None);
        };
        let ip = b.allocate(network)?;
        let taken: BTreeSet<&str> = c
            .endpoints
            .values()
            .map(|e| e.endpoint.ifname.as_str())
            .collect();
        let ifname = (0..)
            .map(|i| format!("eth{i}"))
            .find(|n| !taken.contains(n.as_str()))
            .unwrap_or_default();
        let id: [u8; 32] = rand::random();
        let veth: [u8; 4] = rand::random();
        Ok(Some(EndpointSettings {
            endpoint_id: hex::encode(id),
            endpoint: Endpoint {
                bridge: b.bridge.clone(),
                host_veth: format!("veth{}", &hex::encode(veth)[..7]),
                ip,
                mac: runtime_network::mac_for(ip),
                default_route: c.endpoints.is_empty(),
                ifname,
            },
        }))
    }

    /// moby `allocateNetwork`, for a container about to start: an endpoint
    /// on each of its networks, kept on the container for inspect and for
    /// the runtime (which makes the veths). All or nothing.
    pub(crate) fn allocate_network(&self, c: &mut Container) -> Result<()> {
        self.release_network(c);
        for network in c.networks.clone() {
            match self.new_endpoint(c, &network) {
                Ok(Some(ep)) => {
                    c.endpoints.insert(network, ep);
                }
                Ok(None) => {}
                Err(e) => {
                    self.release_network(c);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// moby `releaseNetwork`: the container stopped (or failed to start);
    /// its addresses go back. The veths went with its network namespace.
    pub(crate) fn release_network(&self, c: &mut Container) {
        for (network, ep) in std::mem::take(&mut c.endpoints) {
            if let Some(b) = self.networks.bridge(&network) {
                b.release(ep.endpoint.ip);
            }
        }
    }

    /// The container's address on each network it has an endpoint on, in
    /// the order it joined them (the order of its `connect` events).
    pub(crate) fn addresses(c: &Container) -> Vec<(String, Ipv4Addr)> {
        c.networks
            .iter()
            .filter_map(|n| c.endpoints.get(n).map(|e| (n.clone(), e.endpoint.ip)))
            .collect()
    }

    /// Whether `c` is on a user network, where its name is written into
    /// other containers' /etc/hosts (and theirs into its own).
    pub(crate) fn has_named_peers(c: &Container) -> bool {
        c.networks.iter().any(|n| n != "bridge")
    }

    /// The container's endpoints in interface order (`eth0` first), as
    /// the runtime makes them.
    pub(crate) fn runtime_endpoints(c: &Container) -> Vec<Endpoint> {
        let mut eps: Vec<Endpoint> = c.endpoints.values().map(|e| e.endpoint.clone()).collect();
        eps.sort_by_key(|e| {
            e.ifname
                .trim_start_matches("eth")
                .parse::<u32>()
                .unwrap_or(0)
        });
        eps
    }

    /// moby `ConnectContainerToNetwork`: a created or stopped container
    /// joins `network` at its next start; a running one at once, with a
    /// new interface (`eth1`, ...) in its network namespace and a line for
    /// its address in its /etc/hosts.
    pub async fn connect_container_to_network(&self, container: &str, network: &str) -> Result<()> {
        let c = self.get_container(container)?;
        let n = self.find_network(network)?;
        let op = lock(&c).op_lock.clone();
        let _guard = op.lock().await;
        let (pid, ep) = {
            let mut ct = lock(&c);
            let mode = ct.host_config.network_mode.clone();
            if mode == "host" || n.name == "host" {
                return Err(Error::forbidden(
                    "container cannot be disconnected from host network or connected to host network",
                ));
            }
            if mode == "none" || mode.starts_with("container:") || n.name == "none" {
                return Err(Error::forbidden(
                    "container sharing network namespace with another container or host cannot be connected to any other network",
                ));
            }
            if ct.networks.contains(&n.name) {
                return Err(Error::forbidden(format!(
                    "endpoint with name {} already exists in network {}",
                    ct.bare_name(),
                    n.name
                )));
            }
            let running = ct.state.status.is_running();
            let ep = if running {
                self.new_endpoint(&ct, &n.name)?
            } else {
                None
            };
            ct.networks.push(n.name.clone());
            if let Err(e) = ct.to_disk() {
                tracing::warn!("container {}: saving its state: {e}", ct.id);
            }
            (ct.state.pid, ep)
        };
        let Some(ep) = ep else {
            return Ok(());
        };
        let endpoint = ep.endpoint.clone();
        let attached =
            crate::trace::spawn_blocking(move || runtime_network::attach(pid, &endpoint))
                .await
                .map_err(|e| Error::system(e.to_string()))?;
        // The default `bridge` network has no names (see `network_peers`).
        let peers: Vec<Peer> = if n.name == "bridge" {
            Vec::new()
        } else {
            self.network_peers(&c)
                .into_iter()
                .filter(|p| p.network == n.name)
                .collect()
        };
        let mut ct = lock(&c);
        if let Err(e) = attached {
            if let Some(b) = self.networks.bridge(&n.name) {
                b.release(ep.endpoint.ip);
            }
            ct.networks.retain(|x| *x != n.name);
            let _ = ct.to_disk();
            return Err(Error::system(format!(
                "failed to create endpoint {} on network {}: {e}",
                ct.bare_name(),
                n.name
            )));
        }
        // libnetwork adds the new address to the container's /etc/hosts;
        // the names of the network's other containers come with it here.
        let line = format!("{}\t{}\n", ep.endpoint.ip, ct.config.hostname);
        let hosts = ct.hosts_path();
        let _ = std::fs::read_to_string(&hosts).and_then(|s| {
            std::fs::write(
                &hosts,
                s + &line + &peer_lines(std::slice::from_ref(&n.name), &peers),
            )
        });
        let mine = [(n.name.clone(), ep.endpoint.ip)];
        ct.endpoints.insert(n.name.clone(), ep);
        let (id, name) = (ct.id.clone(), ct.bare_name().to_string());
        drop(ct);
        self.announce_to_peers(&name, &mine, &peers);
        self.log_network_event("connect", &n.name, &id);
        Ok(())
    }

    /// moby `DisconnectContainerFromNetwork`: the container leaves
    /// `network`; a running one loses that interface at once. A container
    /// that is not on it is dockerd's 500 "container ... is not connected
    /// to network ...". `force` matters only for swarm networks in
    /// dockerd, and is ignored here.
    pub async fn disconnect_container_from_network(
        &self,
        container: &str,
        network: &str,
        _force: bool,
    ) -> Result<()> {
        let c = self.get_container(container)?;
        let n = self.find_network(network)?;
        let op = lock(&c).op_lock.clone();
        let _guard = op.lock().await;
        let ep = {
            let mut ct = lock(&c);
            if !ct.networks.contains(&n.name) {
                return Err(Error::system(format!(
                    "container {} is not connected to network {}",
                    ct.id, n.name
                )));
            }
            ct.networks.retain(|x| *x != n.name);
            if let Err(e) = ct.to_disk() {
                tracing::warn!("container {}: saving its state: {e}", ct.id);
            }
            ct.endpoints.remove(&n.name)
        };
        let Some(ep) = ep else {
            return Ok(());
        };
        let endpoint = ep.endpoint.clone();
        let detached = crate::trace::spawn_blocking(move || runtime_network::detach(&endpoint))
            .await
            .map_err(|e| Error::system(e.to_string()))?;
        if let Some(b) = self.networks.bridge(&n.name) {
            b.release(ep.endpoint.ip);
        }
        detached.map_err(|e| Error::system(format!("leaving network {}: {e}", n.name)))?;
        let (id, name) = {
            let ct = lock(&c);
            (ct.id.clone(), ct.bare_name().to_string())
        };
        if n.name != "bridge" {
            let peers = self.network_peers(&c);
            self.withdraw_from_peers(&name, &[(n.name.clone(), ep.endpoint.ip)], &peers);
        }
        self.log_network_event("disconnect", &n.name, &id);
        Ok(())
    }
}
