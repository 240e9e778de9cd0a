//! moby `api/types/types.go`'s network requests: what `docker network
//! create`, `connect` and `disconnect` send, and what create answers.
//!
//! The CLI sends every field (`docker network create n1` is a 232-byte
//! body, see ../shared/reference/docker-cli-28-api-calls.log); other
//! clients send only some, so everything has a default.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// moby `types.NetworkCreateRequest` (`NetworkCreate` plus `Name`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkCreateRequest {
    pub name: String,
    pub check_duplicate: bool,
    pub driver: String,
    pub scope: String,
    #[serde(rename = "EnableIPv6")]
    pub enable_ipv6: bool,
    #[serde(rename = "IPAM")]
    pub ipam: Option<IpamRequest>,
    pub internal: bool,
    pub attachable: bool,
    pub ingress: bool,
    pub config_only: bool,
    pub options: Option<BTreeMap<String, String>>,
    pub labels: Option<BTreeMap<String, String>>,
}

/// moby `network.IPAM` as a request carries it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IpamRequest {
    pub driver: String,
    pub options: Option<BTreeMap<String, String>>,
    pub config: Option<Vec<IpamConfig>>,
}

/// moby `network.IPAMConfig`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IpamConfig {
    pub subnet: String,
    #[serde(rename = "IPRange")]
    pub ip_range: String,
    pub gateway: String,
}

/// moby `types.NetworkCreateResponse`.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkCreateResponse {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Warning")]
    pub warning: String,
}

/// moby `types.NetworkConnect`. `EndpointConfig` (static addresses,
/// aliases) is read but not used: see `daemon/container_operations.rs`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkConnect {
    pub container: String,
    pub endpoint_config: Option<serde_json::Value>,
}

/// moby `types.NetworkDisconnect`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkDisconnect {
    pub container: String,
    pub force: bool,
}
