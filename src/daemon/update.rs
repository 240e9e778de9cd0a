//! `POST /containers/{name}/update`: change a container's limits and
//! restart policy.
//!
//! Mirrors moby `daemon/update.go` (v20.10.24) `ContainerUpdate`: the new
//! values are checked like create's and stored in the HostConfig (inspect
//! shows them); a running (or paused) container's cgroup gets them at
//! once, through the runtime (containerd's `UpdateResources`). When the
//! kernel refuses them (a memory limit below what the container uses),
//! the old HostConfig is put back and the answer is moby's "Cannot update
//! container ID: ...". A simulated runtime cannot apply limits; there the
//! answer carries a warning that they apply from the next start.

use serde::{Deserialize, Serialize};

use super::container::traced_sync;
use super::Daemon;
use crate::api::types::container::RestartPolicy;
use crate::container::{lock, Status};
use crate::errdefs::{Error, Result};

/// The body of `POST /containers/{id}/update` (moby `container.UpdateConfig`:
/// `Resources` + `RestartPolicy`), the fields we act on.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct UpdateConfig {
    #[serde(rename = "Memory", default)]
    pub memory: i64,
    #[serde(rename = "MemorySwap", default)]
    pub memory_swap: i64,
    #[serde(rename = "MemoryReservation", default)]
    pub memory_reservation: i64,
    #[serde(rename = "NanoCpus", default)]
    pub nano_cpus: i64,
    #[serde(rename = "CpuShares", default)]
    pub cpu_shares: i64,
    #[serde(rename = "CpuQuota", default)]
    pub cpu_quota: i64,
    #[serde(rename = "CpuPeriod", default)]
    pub cpu_period: i64,
    #[serde(rename = "PidsLimit", default)]
    pub pids_limit: Option<i64>,
    #[serde(rename = "RestartPolicy", default)]
    pub restart_policy: Option<RestartPolicy>,
}

/// moby `container.ContainerUpdateOKBody`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ContainerUpdateOkBody {
    #[serde(rename = "Warnings")]
    pub warnings: Vec<String>,
}

impl Daemon {
    /// moby `ContainerUpdate`: 200 `{"Warnings":[...]}`.
    pub fn container_update(&self, name: &str, u: UpdateConfig) -> Result<ContainerUpdateOkBody> {
        traced_sync("Daemon.ContainerUpdate", name, || {
            let c = self.get_container(name)?;
            let mut ct = lock(&c);
            let mut hc = ct.host_config.clone();
            // moby: a zero value means "leave as is".
            macro_rules! set {
                ($field:ident) => {
                    if u.$field != 0 {
                        hc.$field = u.$field;
                    }
                };
            }
            set!(memory);
            set!(memory_swap);
            set!(memory_reservation);
            set!(nano_cpus);
            set!(cpu_shares);
            set!(cpu_quota);
            set!(cpu_period);
            if u.pids_limit.is_some() {
                hc.pids_limit = u.pids_limit;
            }
            if let Some(rp) = &u.restart_policy {
                if !rp.name.is_empty() {
                    if hc.auto_remove && !rp.is_none() {
                        return Err(Error::invalid_parameter(
                            "Restart policy cannot be updated because AutoRemove is enabled for the container",
                        ));
                    }
                    hc.restart_policy = rp.clone();
                }
            }
            if hc.memory > 0 && hc.memory < 6 * 1024 * 1024 {
                return Err(Error::invalid_parameter(
                    "Minimum memory limit allowed is 6MB",
                ));
            }
            if hc.memory > 0 && hc.memory_swap > 0 && hc.memory_swap < hc.memory {
                return Err(Error::invalid_parameter(
                    "Minimum memoryswap limit should be larger than memory limit, see usage",
                ));
            }
            let mut warnings = Vec::new();
            let limits_changed = hc.memory != ct.host_config.memory
                || hc.memory_swap != ct.host_config.memory_swap
                || hc.nano_cpus != ct.host_config.nano_cpus
                || hc.cpu_shares != ct.host_config.cpu_shares
                || hc.cpu_quota != ct.host_config.cpu_quota
                || hc.cpu_period != ct.host_config.cpu_period
                || hc.pids_limit != ct.host_config.pids_limit;
            let backup = std::mem::replace(&mut ct.host_config, hc);
            let running = matches!(ct.state.status, Status::Running | Status::Paused);
            if limits_changed && running {
                let applied = self.container_spec(&ct).and_then(|spec| {
                    self.runtime
                        .update(&spec)
                        .map_err(super::pause::runtime_error)
                });
                match applied {
                    Ok(()) => {}
                    Err(e) if e.is(crate::errdefs::ErrorKind::NotImplemented) => warnings.push(
                        "the runtime cannot change the limits of a running container: the new limits are saved and apply from the next start".to_string(),
                    ),
                    Err(e) => {
                        ct.host_config = backup;
                        return Err(Error::system(format!(
                            "Cannot update container {}: {}",
                            ct.id, e.message
                        )));
                    }
                }
            }
            ct.to_disk()?;
            drop(ct);
            self.log_event_for(&c, "update", &[]);
            Ok(ContainerUpdateOkBody { warnings })
        })
    }
}
