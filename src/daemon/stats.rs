//! `GET /containers/{name}/stats`: resource usage, once or every second.
//!
//! Mirrors moby `daemon/stats.go` (v20.10.24) `ContainerStats`, the
//! collector of `daemon/stats/collector.go` and the cgroup v1 conversion of
//! `daemon/daemon_unix.go` `statsV1` (v2: `statsV2`): the runtime reads the
//! container's cgroup ([`crate::runtime::CgroupStats`]), and we shape it as
//! `types.StatsJSON`, with the previous sample as `precpu_stats` so the
//! CLI can compute CPU percentages.
//!
//! - `stream=1` (the default): one object per second until the client
//!   goes away or the container stops;
//! - `stream=0`: two samples a second apart, the second one sent with the
//!   first as `precpu_stats` (what `docker stats --no-stream` shows);
//! - `one-shot=1` with `stream=0`: one sample, empty `precpu_stats`.
//!
//! A container that does not run, asked without streaming, gets the empty
//! object with only `name` and `id`, as in moby. `networks` has the
//! counters of each interface of a container on a bridge network (moby
//! `getNetworkStats`), and is left out for one without (`none`, `host`).

use std::time::Duration;

use serde_json::{json, Value};

use super::Daemon;
use crate::container::state::{now_rfc3339, ZERO_TIME};
use crate::container::{lock, ContainerRef};
use crate::errdefs::Result;
use crate::runtime::{BlkioEntry, CgroupStats};

/// moby's collector interval.
pub const STATS_INTERVAL: Duration = Duration::from_secs(1);

/// One sample: the cgroup numbers and when they were read.
#[derive(Clone)]
pub struct StatsSample {
    pub read: String,
    pub stats: CgroupStats,
    /// The interfaces' counters (empty: no bridge network).
    pub networks: Vec<crate::runtime::network::InterfaceCounters>,
}

impl Daemon {
    /// Read one sample of `c`, or `None` when it does not run (or the
    /// runtime cannot read its cgroup).
    pub fn container_stats_sample(&self, c: &ContainerRef) -> Option<StatsSample> {
        let (spec, pid, on_bridge) = {
            let ct = lock(c);
            if !ct.state.status.is_running()
                || ct.state.status == crate::container::Status::Restarting
            {
                return None;
            }
            (
                self.container_spec(&ct).ok()?,
                ct.state.pid,
                !ct.endpoints.is_empty(),
            )
        };
        let stats = self.runtime.stats(&spec).ok()?;
        let networks = if on_bridge {
            crate::runtime::network::interface_counters(pid)
        } else {
            Vec::new()
        };
        Some(StatsSample {
            read: now_rfc3339(),
            stats,
            networks,
        })
    }

    /// The container and its `(name, id)` for the stats objects.
    pub fn container_stats_target(&self, name: &str) -> Result<(ContainerRef, String, String)> {
        let c = self.get_container(name)?;
        let (n, id) = {
            let ct = lock(&c);
            (ct.name.clone(), ct.id.clone())
        };
        Ok((c, n, id))
    }
}

/// The `StatsJSON` object for `cur` with `pre` as the previous sample.
pub fn stats_json(
    name: &str,
    id: &str,
    cur: Option<&StatsSample>,
    pre: Option<&StatsSample>,
) -> Value {
    let Some(cur) = cur else {
        // moby: `types.StatsJSON{Name, ID}`: every other field zero.
        return json!({
            "read": ZERO_TIME, "preread": ZERO_TIME,
            "pids_stats": {}, "blkio_stats": blkio(&[], &[]), "num_procs": 0, "storage_stats": {},
            "cpu_stats": cpu(None), "precpu_stats": cpu(None), "memory_stats": {},
            "name": name, "id": id,
        });
    };
    let s = &cur.stats;
    let mut pids = json!({ "current": s.pids_current });
    if s.pids_limit > 0 {
        pids["limit"] = json!(s.pids_limit);
    }
    // moby `statsV1`/`statsV2`: "if the container does not set memory
    // limit, use the machineMemory".
    let machine = super::info::machine_memory();
    let limit = if machine > 0 && s.memory_limit > machine {
        machine
    } else {
        s.memory_limit
    };
    let mut memory = json!({
        "usage": s.memory_usage,
        "stats": s.memory_stat,
        "limit": limit,
    });
    if s.cgroup_version == "1" {
        memory["max_usage"] = json!(s.memory_max_usage);
        if s.memory_failcnt > 0 {
            memory["failcnt"] = json!(s.memory_failcnt);
        }
    }
    let mut out = json!({
        "read": cur.read,
        "preread": pre.map(|p| p.read.as_str()).unwrap_or(ZERO_TIME),
        "pids_stats": pids,
        "blkio_stats": blkio(&s.blkio_service_bytes, &s.blkio_serviced),
        "num_procs": 0,
        "storage_stats": {},
        "cpu_stats": cpu(Some(s)),
        "precpu_stats": cpu(pre.map(|p| &p.stats)),
        "memory_stats": memory,
        "name": name,
        "id": id,
    });
    if !cur.networks.is_empty() {
        let nets: serde_json::Map<String, Value> = cur
            .networks
            .iter()
            .map(|n| {
                (
                    n.name.clone(),
                    json!({
                        "rx_bytes": n.rx_bytes, "rx_packets": n.rx_packets,
                        "rx_errors": n.rx_errors, "rx_dropped": n.rx_dropped,
                        "tx_bytes": n.tx_bytes, "tx_packets": n.tx_packets,
                        "tx_errors": n.tx_errors, "tx_dropped": n.tx_dropped,
                    }),
                )
            })
            .collect();
        out["networks"] = Value::Object(nets);
    }
    out
}

fn cpu(s: Option<&CgroupStats>) -> Value {
    let Some(s) = s else {
        return json!({
            "cpu_usage": {"total_usage": 0, "usage_in_kernelmode": 0, "usage_in_usermode": 0},
            "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0},
        });
    };
    let mut usage = json!({
        "total_usage": s.cpu_total_ns,
        "usage_in_kernelmode": s.cpu_kernel_ns,
        "usage_in_usermode": s.cpu_user_ns,
    });
    if !s.cpu_percpu_ns.is_empty() {
        usage["percpu_usage"] = json!(s.cpu_percpu_ns);
    }
    json!({
        "cpu_usage": usage,
        "system_cpu_usage": s.system_cpu_ns,
        "online_cpus": s.online_cpus,
        "throttling_data": {
            "periods": s.throttling_periods,
            "throttled_periods": s.throttled_periods,
            "throttled_time": s.throttled_time_ns,
        },
    })
}

fn blkio(bytes: &[BlkioEntry], ops: &[BlkioEntry]) -> Value {
    let list = |v: &[BlkioEntry]| -> Value {
        v.iter()
            .map(|e| json!({"major": e.major, "minor": e.minor, "op": e.op, "value": e.value}))
            .collect()
    };
    json!({
        "io_service_bytes_recursive": list(bytes),
        "io_serviced_recursive": list(ops),
        "io_queue_recursive": [],
        "io_service_time_recursive": [],
        "io_wait_time_recursive": [],
        "io_merged_recursive": [],
        "io_time_recursive": [],
        "sectors_recursive": [],
    })
}

impl Daemon {
    /// moby `ContainerStats`: resolve the container now (404 before the
    /// 200), then produce the objects, one JSON line each, on a channel
    /// that ends with the stream (or when the receiver is dropped: the
    /// client went away).
    pub fn container_stats(
        self: &std::sync::Arc<Self>,
        name: &str,
        stream: bool,
        one_shot: bool,
    ) -> Result<tokio::sync::mpsc::Receiver<bytes::Bytes>> {
        super::container::traced_sync("Daemon.ContainerStats", name, || {
            let (c, name, id) = self.container_stats_target(name)?;
            let (tx, rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(2);
            let d = self.clone();
            let line = |v: Value| {
                let mut b = serde_json::to_vec(&v).unwrap_or_default();
                b.push(b'\n');
                bytes::Bytes::from(b)
            };
            tokio::spawn(async move {
                let sample = |d: &std::sync::Arc<Daemon>, c: &ContainerRef| {
                    let d = d.clone();
                    let c = c.clone();
                    async move {
                        tokio::task::spawn_blocking(move || d.container_stats_sample(&c))
                            .await
                            .ok()
                            .flatten()
                    }
                };
                let mut pre = sample(&d, &c).await;
                if !stream {
                    let v = if one_shot || pre.is_none() {
                        stats_json(&name, &id, pre.as_ref(), None)
                    } else {
                        tokio::time::sleep(STATS_INTERVAL).await;
                        let cur = sample(&d, &c).await;
                        stats_json(&name, &id, cur.as_ref().or(pre.as_ref()), pre.as_ref())
                    };
                    let _ = tx.send(line(v)).await;
                    return;
                }
                loop {
                    tokio::select! {
                        _ = tokio::time::sleep(STATS_INTERVAL) => {}
                        _ = tx.closed() => return,
                    }
                    let cur = sample(&d, &c).await;
                    let Some(cur) = cur else { return };
                    if tx
                        .send(line(stats_json(&name, &id, Some(&cur), pre.as_ref())))
                        .await
                        .is_err()
                    {
                        return;
                    }
                    pre = Some(cur);
                }
            });
            Ok(rx)
        })
    }
}
