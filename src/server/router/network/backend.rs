//! What the network router needs from the daemon.
//!
//! Mirrors moby `api/server/router/network/backend.go` (v20.10.24). moby's
//! connect also takes the endpoint settings (static addresses, aliases),
//! which mini-dockerd does not use. Connect and disconnect change a
//! running container's network namespace (the runtime's commands, a few
//! milliseconds), so they return futures and run off the server's
//! threads. The daemon implements this trait in src/daemon/network.rs.

use std::sync::Arc;

use serde::Serialize;

use crate::api::types::network::{NetworkCreateRequest, NetworkCreateResponse};
use crate::server::httputils::BoxFuture;

use crate::daemon::network::NetworkResource;
use crate::errdefs::Result;
use crate::events::filter::Filter;

/// moby `types.NetworksPruneReport`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NetworkPruneReport {
    /// `null` when nothing was deleted, as Go marshals a nil slice.
    #[serde(rename = "NetworksDeleted")]
    pub networks_deleted: Option<Vec<String>>,
}

/// moby `network.Backend`.
pub trait Backend: Send + Sync {
    /// moby `FindNetwork(idName)`.
    fn find_network(&self, term: &str) -> Result<NetworkResource>;
    /// moby `GetNetworks(filter, config)`.
    fn get_networks(&self, filter: &Filter) -> Result<Vec<NetworkResource>>;
    /// moby `CreateNetwork(nc)`.
    fn create_network(&self, req: NetworkCreateRequest) -> Result<NetworkCreateResponse>;
    /// moby `ConnectContainerToNetwork(containerName, networkName, endpointConfig)`.
    fn connect_container_to_network(
        self: Arc<Self>,
        container: String,
        network: String,
    ) -> BoxFuture<Result<()>>;
    /// moby `DisconnectContainerFromNetwork(containerName, networkName, force)`.
    fn disconnect_container_from_network(
        self: Arc<Self>,
        container: String,
        network: String,
        force: bool,
    ) -> BoxFuture<Result<()>>;
    /// moby `DeleteNetwork(networkID)`.
    fn delete_network(&self, term: &str) -> Result<()>;
    /// moby `NetworksPrune(ctx, pruneFilters)`.
    fn networks_prune(&self, filter: &Filter) -> Result<NetworkPruneReport>;
}
