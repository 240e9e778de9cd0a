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
//! What is not here: libnetwork's embedded DNS server (127.0.0.11), which
//! lets containers on a user network find each other by name, aliases,
//! and static addresses (`--ip`, refused at create). Containers reach each
//! other by address.

use std::collections::BTreeSet;

use super::network::EndpointSettings;
use super::Daemon;
use crate::container::{lock, Container};
use crate::errdefs::{Error, Result};
use crate::runtime::network::{self as runtime_network, Endpoint};

impl Daemon {
    /// The networks a new container is connected to, from its network
    /// mode: `bridge` by default, the named user network, or none (host,
    /// none, another container's). A name nobody knows is kept as given,
    /// and the start answers dockerd's 404 for it.
    pub(crate) fn initial_networks(&self, mode: &str) -> Vec<String> {
        match mode {
            "" | "default" | "bridge" => vec!["bridge".into()],
            "host" | "none" => Vec::new(),
            m if m.starts_with("container:") => Vec::new(),
            m => match self.find_network(m) {
                Ok(n) => vec![n.name],
                Err(_) => vec![m.to_string()],
            },
        }
    }

    /// A new endpoint on `network` for `c`: the lowest free address and
    /// the next free `ethN`. `None` when the network has no device (the
    /// daemon runs with `--bridge none`, or cannot make bridges here).
    fn new_endpoint(&self, c: &Container, network: &str) -> Result<Option<EndpointSettings>> {
        if !self.network_ids().contains_key(network) {
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
        // libnetwork adds the new address to the container's /etc/hosts.
        let line = format!("{}\t{}\n", ep.endpoint.ip, ct.config.hostname);
        let hosts = ct.hosts_path();
        let _ = std::fs::read_to_string(&hosts).and_then(|s| std::fs::write(&hosts, s + &line));
        ct.endpoints.insert(n.name.clone(), ep);
        let id = ct.id.clone();
        drop(ct);
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
        let id = lock(&c).id.clone();
        self.log_network_event("disconnect", &n.name, &id);
        Ok(())
    }
}
