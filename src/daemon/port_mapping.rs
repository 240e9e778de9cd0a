//! Published ports: `-p` and `-P` at start, `NetworkSettings.Ports` in
//! inspect, the `Ports` of `docker ps`.
//!
//! Mirrors the port half of moby `daemon/container_operations.go`
//! (`allocateNetwork` → libnetwork's `portmapper`, v20.10.24) and
//! `daemon/network/settings` / `daemon/list.go` for what is shown: the
//! host ports are bound before the container's process starts, a port
//! that cannot be bound fails the start with dockerd's "driver failed
//! programming external connectivity" error, and the bindings are
//! released when the container stops. The proxying itself is the
//! runtime's (`runtime/proxy.rs`), because it enters the container's
//! network namespace.
//!
//! Only the default network mode publishes ports, as in dockerd, where
//! `host` shares the host's ports and `none` has nothing to publish to.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::Daemon;
use crate::container::{lock, Container};
use crate::errdefs::{Error, Result};
use crate::runtime::proxy::{PortProxy, PortRequest, PublishedPort};

/// `"80/tcp"` → (80, "tcp"); a bare `"80"` is TCP (moby `nat.NewPort`).
fn parse_port(key: &str) -> Option<(u16, &str)> {
    let (port, proto) = key.split_once('/').unwrap_or((key, "tcp"));
    Some((port.parse().ok()?, proto))
}

/// The host ports to bind for `c`: `HostConfig.PortBindings`, and with
/// `PublishAllPorts` (`-P`) every exposed port without one, on a port the
/// kernel picks.
fn port_requests(c: &Container) -> Result<Vec<PortRequest>> {
    let mut out = Vec::new();
    let bindings = c
        .host_config
        .port_bindings
        .as_ref()
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (key, list) in &bindings {
        let (container_port, proto) = parse_port(key).ok_or_else(|| {
            Error::invalid_parameter(format!("Invalid port specification: \"{key}\""))
        })?;
        if proto != "tcp" {
            return Err(Error::not_implemented(format!(
                "publishing {proto} ports is not supported by mini-dockerd (only tcp): {key}"
            )));
        }
        for b in list.as_array().into_iter().flatten() {
            let host_ip = b["HostIp"].as_str().unwrap_or("").to_string();
            let host_port = match b["HostPort"].as_str().unwrap_or("") {
                "" => 0,
                p => p
                    .parse()
                    .map_err(|_| Error::invalid_parameter(format!("invalid hostPort: {p}")))?,
            };
            out.push(PortRequest {
                container_port,
                host_ip,
                host_port,
            });
        }
    }
    let publish_all = c
        .host_config
        .extra
        .get("PublishAllPorts")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if publish_all {
        for key in c.config.exposed_ports.iter().flatten().map(|(k, _)| k) {
            if let (Some((port, "tcp")), false) = (parse_port(key), bindings.contains_key(key)) {
                out.push(PortRequest {
                    container_port: port,
                    host_ip: String::new(),
                    host_port: 0,
                });
            }
        }
    }
    Ok(out)
}

/// What [`Daemon::allocate_ports`] needs of a container, read under its
/// lock: the requests (none unless the network mode is the default one),
/// its name and id.
pub(crate) struct PortPlan {
    requests: Vec<PortRequest>,
    name: String,
    id: String,
}

/// The ports `c` publishes (empty for most containers).
pub(crate) fn port_plan(c: &Container) -> Result<PortPlan> {
    let mode = super::create::network_mode(&c.host_config.network_mode)?;
    let requests = if mode == crate::runtime::NetworkMode::Private {
        port_requests(c)?
    } else {
        Vec::new()
    };
    Ok(PortPlan {
        requests,
        name: c.name.trim_start_matches('/').to_string(),
        id: c.id.clone(),
    })
}

impl Daemon {
    /// Bind the ports of `plan`, without holding any container's lock.
    /// The error is dockerd's, naming the container's endpoint.
    pub(crate) fn allocate_ports(&self, plan: &PortPlan) -> Result<Option<PortProxy>> {
        if plan.requests.is_empty() {
            return Ok(None);
        }
        PortProxy::bind(&plan.requests).map(Some).map_err(|e| {
            let addr = e.addr;
            let why = if e.error.kind() == std::io::ErrorKind::AddrInUse
                && self.port_is_ours(addr.port())
            {
                format!("Bind for {addr} failed: port is already allocated")
            } else {
                let tcp = if addr.is_ipv4() { "tcp4" } else { "tcp6" };
                let cause = match e.error.kind() {
                    std::io::ErrorKind::AddrInUse => "address already in use".to_string(),
                    _ => e.error.to_string(),
                };
                format!("Error starting userland proxy: listen {tcp} {addr}: bind: {cause}")
            };
            // dockerd names the endpoint by its id, which we do not have
            // (no libnetwork): the container's id stands in for it.
            Error::system(format!(
                "driver failed programming external connectivity on endpoint {} ({}): {why}",
                plan.name, plan.id
            ))
        })
    }

    /// Whether one of our running containers publishes `port`.
    fn port_is_ours(&self, port: u16) -> bool {
        self.containers.list().iter().any(|c| {
            lock(c)
                .port_proxy
                .as_ref()
                .is_some_and(|p| p.published().iter().any(|b| b.host_port == port))
        })
    }
}

/// `NetworkSettings.Ports`: each exposed or published port, with its host
/// bindings while the container runs (`null` for one exposed only); `{}`
/// once it stopped, as dockerd releases them.
pub fn network_settings_ports(c: &Container) -> Value {
    let Some(proxy) = &c.port_proxy else {
        return json!({});
    };
    let mut ports: BTreeMap<String, Value> = BTreeMap::new();
    for key in c.config.exposed_ports.iter().flatten().map(|(k, _)| k) {
        ports.insert(key.clone(), Value::Null);
    }
    for p in proxy.published() {
        let entry = ports
            .entry(format!("{}/tcp", p.container_port))
            .or_insert(Value::Null);
        if entry.is_null() {
            *entry = json!([]);
        }
        if let Some(list) = entry.as_array_mut() {
            list.push(json!({"HostIp": p.host_ip, "HostPort": p.host_port.to_string()}));
        }
    }
    json!(ports)
}

/// The `Ports` of a container in `GET /containers/json` (moby
/// `types.Port`): a published port with its address, an exposed one
/// alone.
pub fn summary_ports(c: &Container) -> Vec<Value> {
    let published: &[PublishedPort] = c.port_proxy.as_ref().map(|p| p.published()).unwrap_or(&[]);
    let mut out: Vec<Value> = published
        .iter()
        .map(|p| {
            json!({"IP": p.host_ip, "PrivatePort": p.container_port, "PublicPort": p.host_port, "Type": "tcp"})
        })
        .collect();
    for key in c.config.exposed_ports.iter().flatten().map(|(k, _)| k) {
        if let Some((port, proto)) = parse_port(key) {
            if !published.iter().any(|p| p.container_port == port) {
                out.push(json!({"PrivatePort": port, "Type": proto}));
            }
        }
    }
    out
}
