//! The checks a container's settings pass before anything is made.
//!
//! Mirrors moby `daemon/container.go` (v20.10.24) `verifyContainerSettings`
//! → `validateContainerConfig` (working directory, stop signal, `Env`,
//! health check) and `validateHostConfig` (`--rm` with a restart policy,
//! mounts, ports, restart policy, capabilities), then `daemon_unix.go`
//! `verifyPlatformContainerSettings` (memory, CPUs, `/dev/shm`, OOM score,
//! tmpfs destinations). moby returns the first failure, and
//! `containerCreate` makes it a 400 (`errdefs.InvalidParameter`); the
//! checks run in moby's order, so the same bad request gets the same
//! message from both daemons.
//!
//! dockerd checks more than this (isolation, user namespaces, runtimes,
//! device cgroup rules, ...); these are the ones a raw API client or a
//! learner's hand-written request is likely to hit. Beyond them,
//! mini-dockerd refuses the settings it cannot honour when it uses them
//! (network modes, bind syntax), in `create.rs`.

use serde_json::Value;

use super::create::network_mode;
use super::Daemon;
use crate::api::types::container::{Config, HostConfig};
use crate::errdefs::{Error, Result};

/// The smallest memory limit dockerd accepts (moby `linuxMinMemory`).
const MIN_MEMORY: i64 = 6 * 1024 * 1024;

/// moby `containertypes.MinimumDuration`: health check durations below
/// one millisecond are refused (they are nanoseconds on the wire).
const MINIMUM_DURATION_NS: i64 = 1_000_000;

/// The capabilities moby knows (`oci/caps`, from the kernel's list).
const CAPABILITIES: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// moby `verifyContainerSettings`: the first failure, or the warnings.
pub(crate) fn verify_container_settings(config: &Config, hc: &HostConfig) -> Result<Vec<String>> {
    validate_container_config(config).map_err(Error::invalid_parameter)?;
    validate_host_config(hc).map_err(Error::invalid_parameter)?;
    verify_platform_container_settings(hc)
}

/// moby `validateContainerConfig`.
fn validate_container_config(config: &Config) -> std::result::Result<(), String> {
    // `translateWorkingDir`.
    if !config.working_dir.is_empty() && !config.working_dir.starts_with('/') {
        return Err(format!(
            "the working directory '{}' is invalid, it needs to be an absolute path",
            config.working_dir
        ));
    }
    if !config.stop_signal.is_empty() {
        crate::signal::parse_signal(&config.stop_signal).map_err(|e| e.message)?;
    }
    // `opts.ValidateEnv`: `=x` (and an empty entry) names no variable.
    for env in config.env.iter().flatten() {
        if env.split('=').next().unwrap_or("").is_empty() {
            return Err(format!("invalid environment variable: {env}"));
        }
    }
    validate_health_check(config.healthcheck.as_ref())
}

/// moby `validateHealthCheck`: durations are nanoseconds; 0 means "the
/// default".
fn validate_health_check(hc: Option<&Value>) -> std::result::Result<(), String> {
    let Some(hc) = hc else { return Ok(()) };
    let num = |key: &str| hc.get(key).and_then(Value::as_i64).unwrap_or(0);
    for key in ["Interval", "Timeout"] {
        let v = num(key);
        if v != 0 && v < MINIMUM_DURATION_NS {
            return Err(format!("{key} in Healthcheck cannot be less than 1ms"));
        }
    }
    if num("Retries") < 0 {
        return Err("Retries in Healthcheck cannot be negative".into());
    }
    let v = num("StartPeriod");
    if v != 0 && v < MINIMUM_DURATION_NS {
        return Err("StartPeriod in Healthcheck cannot be less than 1ms".into());
    }
    Ok(())
}

/// moby `validateHostConfig`.
fn validate_host_config(hc: &HostConfig) -> std::result::Result<(), String> {
    let rp = &hc.restart_policy;
    if hc.auto_remove && !rp.is_none() {
        return Err("can't create 'AutoRemove' container with restart policy".into());
    }
    validate_port_bindings(hc.port_bindings.as_ref())?;
    // `validateRestartPolicy`.
    match rp.name.as_str() {
        "" => {}
        "no" | "always" | "unless-stopped" => {
            if rp.maximum_retry_count != 0 {
                return Err(format!(
                    "maximum retry count cannot be used with restart policy '{}'",
                    rp.name
                ));
            }
        }
        "on-failure" => {
            if rp.maximum_retry_count < 0 {
                return Err("maximum retry count cannot be negative".into());
            }
        }
        other => return Err(format!("invalid restart policy '{other}'")),
    }
    // `validateCapabilities`.
    for (field, what) in [("CapAdd", "invalid CapAdd"), ("CapDrop", "invalid CapDrop")] {
        if let Some(Value::Array(caps)) = hc.extra.get(field) {
            for cap in caps.iter().filter_map(Value::as_str) {
                normalize_capability(cap).map_err(|e| format!("{what}: {e}"))?;
            }
        }
    }
    Ok(())
}

/// moby `oci/caps/defaults.go` `DefaultCapabilities`.
const DEFAULT_CAPABILITIES: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

/// moby `caps.TweakCapabilities(DefaultCapabilities(), CapAdd, CapDrop,
/// Privileged)`, as a bit mask by capability number ([`CAPABILITIES`] is
/// in the kernel's order): a privileged container gets every capability;
/// `--cap-add ALL` every one but those dropped; `--cap-drop ALL` only
/// those added; otherwise the defaults, less the dropped, plus the added.
/// The entries were checked at create (`validateCapabilities`).
pub(crate) fn capabilities_mask(hc: &HostConfig, privileged: bool) -> u64 {
    let bit = |name: &str| {
        CAPABILITIES
            .iter()
            .position(|c| *c == name)
            .map_or(0, |i| 1u64 << i)
    };
    let all: u64 = CAPABILITIES.iter().fold(0, |m, c| m | bit(c));
    if privileged {
        return all;
    }
    let list = |field: &str| -> Vec<String> {
        match hc.extra.get(field) {
            Some(Value::Array(caps)) => caps
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|c| normalize_capability(c).ok())
                .collect(),
            _ => Vec::new(),
        }
    };
    let (add, drop) = (list("CapAdd"), list("CapDrop"));
    let mask_of = |names: &[String]| names.iter().fold(0, |m, c| m | bit(c));
    if add.iter().any(|c| c == "ALL") {
        all & !mask_of(&drop)
    } else if drop.iter().any(|c| c == "ALL") {
        mask_of(&add)
    } else {
        let defaults = DEFAULT_CAPABILITIES.iter().fold(0, |m, c| m | bit(c));
        (defaults & !mask_of(&drop)) | mask_of(&add)
    }
}

/// moby `caps.NormalizeLegacyCapabilities` for one entry: `ALL`, or a
/// known capability with or without `CAP_`, in any case.
fn normalize_capability(cap: &str) -> std::result::Result<String, String> {
    if cap.eq_ignore_ascii_case("ALL") {
        return Ok("ALL".into());
    }
    let upper = cap.to_ascii_uppercase();
    let name = if upper.starts_with("CAP_") {
        upper
    } else {
        format!("CAP_{upper}")
    };
    if CAPABILITIES.contains(&name.as_str()) {
        Ok(name)
    } else {
        Err(format!("unknown capability: {name:?}"))
    }
}

/// moby `validatePortBindings`: each container port (`80/tcp`) and each
/// host port is a port or a range; an empty host port means "any".
fn validate_port_bindings(ports: Option<&Value>) -> std::result::Result<(), String> {
    let Some(Value::Object(ports)) = ports else {
        return Ok(());
    };
    for (port, bindings) in ports {
        let port = port.split('/').next().unwrap_or("");
        if !valid_port_range(port) || port.is_empty() {
            return Err(format!("invalid port specification: {port:?}"));
        }
        for b in bindings.as_array().into_iter().flatten() {
            let host_port = b.get("HostPort").and_then(Value::as_str).unwrap_or("");
            let bare = host_port.split('/').next().unwrap_or("");
            if !bare.is_empty() && !valid_port_range(bare) {
                return Err(format!("invalid port specification: {host_port:?}"));
            }
        }
    }
    Ok(())
}

/// go-connections `nat.ParsePortRange`: `80` or `8000-8010`.
fn valid_port_range(p: &str) -> bool {
    let port = |s: &str| s.parse::<u16>().is_ok();
    match p.split_once('-') {
        Some((a, b)) => port(a) && port(b),
        None => port(p),
    }
}

/// go-units `parsers.ParseUintList`: `0-2,4` → {0, 1, 2, 4}; `None` when
/// malformed.
fn parse_uint_list(s: &str) -> Option<std::collections::BTreeSet<u32>> {
    let mut out = std::collections::BTreeSet::new();
    for part in s.trim().split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (a.parse::<u32>().ok()?, b.parse::<u32>().ok()?);
                if b < a {
                    return None;
                }
                out.extend(a..=b);
            }
            None => {
                out.insert(part.parse().ok()?);
            }
        }
    }
    Some(out)
}

/// moby `verifyPlatformContainerSettings` (`daemon_unix.go`) and the
/// resource checks of `verifyPlatformContainerResources`.
fn verify_platform_container_settings(hc: &HostConfig) -> Result<Vec<String>> {
    let invalid = |m: String| Err(Error::invalid_parameter(m));
    if hc.memory != 0 && hc.memory < MIN_MEMORY {
        return invalid("Minimum memory limit allowed is 6MB".into());
    }
    if hc.memory > 0 && hc.memory_swap > 0 && hc.memory_swap < hc.memory {
        return invalid(
            "Minimum memoryswap limit should be larger than memory limit, see usage".into(),
        );
    }
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as i64;
    if hc.nano_cpus < 0 || hc.nano_cpus > cpus * 1_000_000_000 {
        return invalid(format!(
            "Range of CPUs is from 0.01 to {cpus}.00, as there are only {cpus} CPUs available"
        ));
    }
    if hc.shm_size < 0 {
        return invalid("SHM size can not be less than 0".into());
    }
    // `sysInfo.IsCpusetCpusAvailable` / `IsCpusetMemsAvailable`.
    let (cpus_available, mems_available) = super::info::cpuset_available();
    for (key, what, available, name) in [
        ("CpusetCpus", "cpus", cpus_available, "CPUs"),
        ("CpusetMems", "mems", mems_available, "memory nodes"),
    ] {
        let requested = hc.extra_str(key);
        if requested.is_empty() {
            continue;
        }
        let Some(want) = parse_uint_list(&requested) else {
            return invalid(format!(
                "Invalid value {requested} for cpuset {what}: invalid format: {requested}"
            ));
        };
        let have = parse_uint_list(available).unwrap_or_default();
        if !want.iter().all(|n| have.contains(n)) {
            return invalid(format!(
                "Requested {name} are not available - requested {requested}, available: {available}"
            ));
        }
    }
    let oom = hc.extra_i64("OomScoreAdj");
    if !(-1000..=1000).contains(&oom) {
        return invalid(format!(
            "Invalid value {oom}, range for oom score adj is [-1000, 1000]"
        ));
    }
    // A network name we do not know is dockerd's 404 at start, not at
    // create (`docker create --network nosuch` succeeds there, and a 404
    // here would send the CLI off to pull the image); a mode we cannot
    // provide at all is refused now.
    if let Err(e) = network_mode(&hc.network_mode) {
        if !e.is(crate::errdefs::ErrorKind::NotFound) {
            return Err(e);
        }
    }
    // `ValidateTmpfsMountDestination`.
    if let Some(Value::Object(tmpfs)) = hc.extra.get("Tmpfs") {
        for dest in tmpfs.keys() {
            if dest == "/" {
                return invalid("invalid specification: destination can't be '/'".into());
            }
            if !dest.starts_with('/') {
                return invalid(format!(
                    "invalid mount path: '{dest}' mount path must be absolute"
                ));
            }
        }
    }
    // `-v` and `--mount` together: each parsed and checked, and no
    // destination twice.
    super::volumes::mount_points(hc)?;
    // The warnings dockerd 20.10 gives here and that apply to us.
    let mut warnings = Vec::new();
    if hc.extra_i64("KernelMemory") > 0 {
        warnings.push(
            "Specifying a kernel memory limit is deprecated and will be removed in a future release."
                .to_string(),
        );
    }
    if hc.extra_bool("OomKillDisable") && hc.memory == 0 {
        warnings.push("OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.".to_string());
    }
    Ok(warnings)
}

/// moby `daemon.mergeAndVerifyLogConfig` and the log drivers'
/// `ValidateLogOpt`: mini-dockerd has the `json-file` driver (the default)
/// and `none`. Another of dockerd's built-in drivers is a 501; any other
/// name is what dockerd says of a plugin it cannot find (400).
fn validate_log_config(lc: &crate::api::types::container::LogConfig) -> Result<()> {
    const JSON_FILE_OPTS: &[&str] = &[
        "max-file",
        "max-size",
        "compress",
        "labels",
        "labels-regex",
        "env",
        "env-regex",
        "tag",
    ];
    const BUILT_IN: &[&str] = &[
        "local",
        "syslog",
        "journald",
        "gelf",
        "fluentd",
        "awslogs",
        "splunk",
        "etwlogs",
        "gcplogs",
        "logentries",
    ];
    let driver = if lc.typ.is_empty() {
        "json-file"
    } else {
        lc.typ.as_str()
    };
    match driver {
        "json-file" => {
            if let Some(k) = lc.config.keys().find(|k| !JSON_FILE_OPTS.contains(&k.as_str())) {
                return Err(Error::invalid_parameter(format!(
                    "unknown log opt '{k}' for json-file log driver"
                )));
            }
            Ok(())
        }
        "none" => Ok(()),
        d if BUILT_IN.contains(&d) => Err(Error::not_implemented(format!(
            "the {d} log driver is not supported by mini-dockerd: use json-file (the default) or none"
        ))),
        d => Err(Error::invalid_parameter(format!(
            "error looking up logging plugin {d}: plugin \"{d}\" not found"
        ))),
    }
}

impl Daemon {
    /// The checks of a create that need the daemon: the runtime must be
    /// one it has (`Unknown runtime specified X`), `--link` must name a
    /// container, an address (`--ip`) needs a user-defined network, and
    /// `--storage-opt` needs a driver with quotas. moby makes them in
    /// `verifyPlatformContainerSettings`, `registerLinks` and
    /// `updateNetworkConfig`.
    pub(crate) fn verify_references(
        &self,
        hc: &HostConfig,
        networking: Option<&Value>,
    ) -> Result<()> {
        // Ours by its name, or "runc", the name dockerd's inspect (and
        // ours, to look the same) shows for the default runtime.
        let runtime = self.runtime_info().name;
        if !matches!(hc.runtime.as_str(), "" | "runc") && hc.runtime != runtime {
            return Err(Error::invalid_parameter(format!(
                "Unknown runtime specified {}",
                hc.runtime
            )));
        }
        if hc
            .extra
            .get("StorageOpt")
            .and_then(Value::as_object)
            .is_some_and(|o| !o.is_empty())
        {
            // What dockerd's overlay2 says on a filesystem without project
            // quotas; ours has no quotas anywhere.
            return Err(Error::invalid_parameter(
                "--storage-opt is supported only for overlay over xfs with 'pquota' mount option",
            ));
        }
        validate_log_config(&hc.log_config)?;
        // A parent that climbs out of the cgroup tree is refused.
        if hc.cgroup_parent.split('/').any(|part| part == "..") {
            return Err(Error::invalid_parameter(format!(
                "invalid cgroup parent: {}",
                hc.cgroup_parent
            )));
        }
        let user_defined = !matches!(
            hc.network_mode.as_str(),
            "" | "default" | "bridge" | "host" | "none"
        );
        let has_ip = networking
            .and_then(|n| n.get("EndpointsConfig"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .any(|(_, ep)| {
                ["IPv4Address", "IPv6Address"].iter().any(|k| {
                    ep.get("IPAMConfig")
                        .and_then(|c| c.get(*k))
                        .and_then(Value::as_str)
                        .is_some_and(|a| !a.is_empty())
                })
            });
        if has_ip && !user_defined {
            return Err(Error::invalid_parameter(
                "user specified IP address is supported on user defined networks only",
            ));
        }
        if has_ip {
            return Err(Error::not_implemented(
                "static addresses (--ip) are not supported by mini-dockerd: its networks hand out the lowest free address",
            ));
        }
        let links: Vec<&str> = hc
            .extra
            .get("Links")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for link in &links {
            let name = link.split(':').next().unwrap_or(link);
            // 400, as dockerd answers it: a 404 from create would send
            // the docker CLI off to pull the image.
            if let Err(e) = self.get_container(name) {
                return Err(Error::invalid_parameter(format!(
                    "could not get container for {name}: {}",
                    e.message
                )));
            }
        }
        if !links.is_empty() {
            return Err(Error::not_implemented(
                "links (--link) are not supported by mini-dockerd: put the containers on a user network (docker network create), where they find each other by name",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docker's default set is the mask the init used to hard-code; the
    /// CLI's `--cap-add`/`--cap-drop` change it as moby's
    /// `TweakCapabilities` does.
    #[test]
    fn capability_masks_follow_tweak_capabilities() {
        let hc = |add: &[&str], drop: &[&str]| {
            let mut hc = HostConfig::default();
            hc.extra.insert("CapAdd".into(), serde_json::json!(add));
            hc.extra.insert("CapDrop".into(), serde_json::json!(drop));
            hc
        };
        assert_eq!(capabilities_mask(&hc(&[], &[]), false), 0xa80425fb);
        let net_admin = 1u64 << 12;
        let chown = 1u64;
        assert_eq!(
            capabilities_mask(&hc(&["net_admin"], &["CHOWN"]), false),
            (0xa80425fb | net_admin) & !chown
        );
        assert_eq!(
            capabilities_mask(&hc(&["NET_ADMIN"], &["ALL"]), false),
            net_admin
        );
        assert_eq!(capabilities_mask(&hc(&[], &[]), true).count_ones(), 41);
    }

    fn create_error(body: &str) -> String {
        let params: crate::api::types::container::ContainerCreateConfig =
            serde_json::from_str(body).unwrap();
        verify_container_settings(&params.config, &params.host_config.unwrap_or_default())
            .unwrap_err()
            .message
    }

    /// The messages a real dockerd 20.10.24 answers these create bodies
    /// with (all 400).
    #[test]
    fn bad_settings_get_dockerds_messages() {
        let cases = [
            (
                r#"{"WorkingDir":"rel"}"#,
                "the working directory 'rel' is invalid, it needs to be an absolute path",
            ),
            (r#"{"StopSignal":"BOGUS"}"#, "Invalid signal: BOGUS"),
            (r#"{"Env":["=x"]}"#, "invalid environment variable: =x"),
            (
                r#"{"Healthcheck":{"Test":["CMD","true"],"Interval":5}}"#,
                "Interval in Healthcheck cannot be less than 1ms",
            ),
            (
                r#"{"Healthcheck":{"Retries":-1}}"#,
                "Retries in Healthcheck cannot be negative",
            ),
            (
                r#"{"HostConfig":{"Mounts":[{"Type":"bogus","Target":"/x"}]}}"#,
                "invalid mount config for type \"bogus\": mount type unknown",
            ),
            (
                r#"{"HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"abc"}]}}}"#,
                "invalid port specification: \"abc\"",
            ),
            (
                r#"{"HostConfig":{"RestartPolicy":{"Name":"bogus"}}}"#,
                "invalid restart policy 'bogus'",
            ),
            (
                r#"{"HostConfig":{"CapAdd":["CAP_BOGUS"]}}"#,
                "invalid CapAdd: unknown capability: \"CAP_BOGUS\"",
            ),
            (
                r#"{"HostConfig":{"Memory":-5}}"#,
                "Minimum memory limit allowed is 6MB",
            ),
            (
                r#"{"HostConfig":{"ShmSize":-1}}"#,
                "SHM size can not be less than 0",
            ),
            (
                r#"{"HostConfig":{"OomScoreAdj":5000}}"#,
                "Invalid value 5000, range for oom score adj is [-1000, 1000]",
            ),
            (
                r#"{"HostConfig":{"Tmpfs":{"rel":""}}}"#,
                "invalid mount path: 'rel' mount path must be absolute",
            ),
        ];
        for (body, want) in cases {
            assert_eq!(create_error(body), want, "{body}");
        }
        assert!(create_error(r#"{"HostConfig":{"NanoCpus":999000000000}}"#)
            .starts_with("Range of CPUs is from 0.01 to "));
    }

    /// What dockerd lets through: lower-case capabilities without `CAP_`,
    /// `ALL`, empty host ports, port ranges.
    #[test]
    fn good_settings_pass() {
        let params: crate::api::types::container::ContainerCreateConfig = serde_json::from_str(
            r#"{"WorkingDir":"/w","Env":["A=1","B"],"HostConfig":{"CapAdd":["net_admin","ALL"],
                "PortBindings":{"80/tcp":[{"HostPort":""}],"8000-8010/udp":[{"HostPort":"9000-9010"}]}}}"#,
        )
        .unwrap();
        let hc = params.host_config.unwrap_or_default();
        assert_eq!(
            verify_container_settings(&params.config, &hc).unwrap(),
            Vec::<String>::new()
        );
    }
}
