//! The daemon's configuration: command-line flags merged with daemon.json.
//!
//! Mirrors moby `cmd/dockerd/config.go` + `options.go` (the flags) and
//! `daemon/config/config.go` (`Config`, `MergeDaemonConfigurations`,
//! v20.10.24). dockerd's rules for the file are kept because they surprise
//! people in real life too: a key that names no option is an error ("the
//! following directives don't match any configuration option"), and so is
//! a key that is also given as a flag ("the following directives are
//! specified both as a flag and in the configuration file"). Only the keys
//! mini-dockerd understands are accepted; dockerd's other keys are reported
//! as unknown rather than silently ignored.
//!
//! Lesson: `walkthroughs/01-startup.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::Value;

/// The daemon's flags (dockerd's spelling), as `clap` parses them.
#[derive(Debug, Clone, Default, Args)]
pub struct DaemonFlags {
    /// Daemon socket(s) to listen on: unix://PATH, tcp://HOST:PORT, fd://, fd://N (repeatable)
    #[arg(short = 'H', long = "host", value_name = "HOST")]
    pub hosts: Vec<String>,

    /// Root directory of persistent state (containers, images, logs)
    #[arg(long = "data-root", value_name = "DIR")]
    pub data_root: Option<PathBuf>,

    /// Root directory for execution state files
    #[arg(long = "exec-root", value_name = "DIR")]
    pub exec_root: Option<PathBuf>,

    /// Group for the unix socket
    #[arg(short = 'G', long = "group", value_name = "GROUP")]
    pub group: Option<String>,

    /// Enable debug mode (debug log level and the request-logging middleware)
    #[arg(short = 'D', long = "debug")]
    pub debug: bool,

    /// Set the logging level ("debug"|"info"|"warn"|"error"|"fatal")
    #[arg(short = 'l', long = "log-level", value_name = "LEVEL")]
    pub log_level: Option<String>,

    /// Enable experimental features
    #[arg(long = "experimental")]
    pub experimental: bool,

    /// Run an init in the container to forward signals and reap processes
    #[arg(long = "init")]
    pub init: bool,

    /// Attach containers to this network bridge ("none" for no bridge
    /// network; default mdocker0, made at start and removed at shutdown)
    #[arg(short = 'b', long = "bridge", value_name = "NAME")]
    pub bridge: Option<String>,

    /// The bridge's IP address and prefix, e.g. 172.18.0.1/16 (default:
    /// the first /16 of 172.18-31.0.0 that no host route uses)
    #[arg(long = "bip", value_name = "CIDR")]
    pub bip: Option<String>,

    /// Set CORS headers in the Engine API
    #[arg(long = "api-cors-header", value_name = "ORIGIN")]
    pub api_cors_header: Option<String>,

    /// Use TLS; implied by --tlsverify
    #[arg(long = "tls")]
    pub tls: bool,

    /// Use TLS and verify the remote (client certificates)
    #[arg(long = "tlsverify")]
    pub tlsverify: bool,

    /// Trust certs signed only by this CA
    #[arg(long = "tlscacert", value_name = "FILE")]
    pub tlscacert: Option<PathBuf>,

    /// Path to TLS certificate file
    #[arg(long = "tlscert", value_name = "FILE")]
    pub tlscert: Option<PathBuf>,

    /// Path to TLS key file
    #[arg(long = "tlskey", value_name = "FILE")]
    pub tlskey: Option<PathBuf>,

    /// Daemon configuration file (daemon.json)
    #[arg(long = "config-file", value_name = "FILE")]
    pub config_file: Option<PathBuf>,

    /// Write every trace record as a JSON line to PATH, or to stdout with "-"
    #[arg(long = "trace-json", value_name = "PATH|-")]
    pub trace_json: Option<String>,

    /// Run the TUI in this process (logs go to mini-dockerd.log in the --data-root directory)
    #[arg(long = "tui")]
    pub tui: bool,

    /// Container runtime: "linux" (namespaces, the default as root) or "sim"
    #[arg(long = "runtime", value_name = "NAME")]
    pub runtime: Option<String>,

    /// Authorization policy file (stands in for --authorization-plugin)
    #[arg(long = "authz-policy", value_name = "FILE")]
    pub authz_policy: Option<PathBuf>,

    /// Allow plain (no TLS) TCP on a non-loopback address. Anyone who can
    /// reach it is root on this machine.
    #[arg(long = "insecure-tcp")]
    pub insecure_tcp: bool,

    /// Dispatch handler work as named jobs through a docker-1.x style Engine
    #[arg(long = "engine-jobs")]
    pub engine_jobs: bool,
}

/// The merged configuration the daemon runs with (moby `config.Config`).
#[derive(Debug, Clone)]
pub struct Config {
    pub hosts: Vec<String>,
    pub data_root: PathBuf,
    pub exec_root: PathBuf,
    pub group: String,
    pub debug: bool,
    pub log_level: String,
    pub experimental: bool,
    /// `--init`: containers whose `HostConfig.Init` is unset run an init.
    pub init: bool,
    /// `--bridge`: the default bridge's device name, or "none".
    pub bridge: String,
    /// `--bip`: its address; empty to pick a free subnet.
    pub bip: String,
    pub cors_headers: String,
    pub tls: bool,
    pub tls_verify: bool,
    pub tls_ca: Option<PathBuf>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub config_file: Option<PathBuf>,
    pub trace_json: Option<String>,
    pub tui: bool,
    pub runtime: Option<String>,
    pub authz_policy: Option<PathBuf>,
    pub insecure_tcp: bool,
    pub engine_jobs: bool,
}

/// The daemon.json keys mini-dockerd understands (dockerd's names).
const KNOWN_KEYS: &[&str] = &[
    "hosts",
    "data-root",
    "exec-root",
    "group",
    "debug",
    "log-level",
    "experimental",
    "init",
    "bridge",
    "bip",
    "api-cors-header",
    "tls",
    "tlsverify",
    "tlscacert",
    "tlscert",
    "tlskey",
    "default-runtime",
];

/// The default bridge's name: dockerd's is `docker0`; ours differs so
/// that both daemons can run on one host.
pub const DEFAULT_BRIDGE: &str = "mdocker0";

/// Where the daemon listens and keeps its state when not told.
///
/// dockerd uses /var/run/docker.sock and /var/lib/docker. mini-dockerd
/// never takes those unless told to, so that it can run beside a real
/// dockerd: as root it uses /var/run/mini-dockerd.sock and
/// /var/lib/mini-dockerd; otherwise `$XDG_RUNTIME_DIR` and the home
/// directory, as rootless dockerd does.
pub struct Defaults {
    pub host: String,
    pub data_root: PathBuf,
    pub exec_root: PathBuf,
}

impl Defaults {
    pub fn for_current_user() -> Defaults {
        if nix::unistd::geteuid().is_root() {
            return Defaults {
                host: "unix:///var/run/mini-dockerd.sock".into(),
                data_root: "/var/lib/mini-dockerd".into(),
                exec_root: "/var/run/mini-dockerd".into(),
            };
        }
        let runtime_dir = std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        Defaults {
            host: format!("unix://{}", runtime_dir.join("mini-dockerd.sock").display()),
            data_root: home.join(".local/share/mini-dockerd"),
            exec_root: runtime_dir.join("mini-dockerd"),
        }
    }
}

impl Config {
    /// moby `loadDaemonCliConfig`: flags, then the file, then defaults.
    pub fn load(flags: &DaemonFlags) -> Result<Config, String> {
        let file = match &flags.config_file {
            Some(path) => read_config_file(path)?,
            None => BTreeMap::new(),
        };
        check_conflicts(flags, &file)?;
        let defaults = Defaults::for_current_user();
        let s = |k: &str| file.get(k).and_then(Value::as_str).map(String::from);
        let b = |k: &str| file.get(k).and_then(Value::as_bool).unwrap_or(false);
        let p = |k: &str| file.get(k).and_then(Value::as_str).map(PathBuf::from);
        let mut hosts = flags.hosts.clone();
        if hosts.is_empty() {
            if let Some(Value::Array(list)) = file.get("hosts") {
                hosts = list
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect();
            }
        }
        if hosts.is_empty() {
            hosts.push(defaults.host.clone());
        }
        // moby `normalizeHosts`: sorted, duplicates removed.
        hosts.sort();
        hosts.dedup();
        let debug = flags.debug || b("debug");
        let log_level = flags
            .log_level
            .clone()
            .or_else(|| s("log-level"))
            .unwrap_or_else(|| if debug { "debug".into() } else { "info".into() });
        validate_log_level(&log_level)?;
        let tls_verify = flags.tlsverify || b("tlsverify");
        Ok(Config {
            hosts,
            data_root: flags
                .data_root
                .clone()
                .or_else(|| p("data-root"))
                .unwrap_or(defaults.data_root),
            exec_root: flags
                .exec_root
                .clone()
                .or_else(|| p("exec-root"))
                .unwrap_or(defaults.exec_root),
            group: flags
                .group
                .clone()
                .or_else(|| s("group"))
                .unwrap_or_else(|| "docker".into()),
            debug,
            log_level,
            experimental: flags.experimental || b("experimental"),
            init: flags.init || b("init"),
            bridge: flags
                .bridge
                .clone()
                .or_else(|| s("bridge"))
                .unwrap_or_else(|| DEFAULT_BRIDGE.into()),
            bip: flags.bip.clone().or_else(|| s("bip")).unwrap_or_default(),
            cors_headers: flags
                .api_cors_header
                .clone()
                .or_else(|| s("api-cors-header"))
                .unwrap_or_default(),
            // moby: --tlsverify implies --tls.
            tls: flags.tls || b("tls") || tls_verify,
            tls_verify,
            tls_ca: flags.tlscacert.clone().or_else(|| p("tlscacert")),
            tls_cert: flags.tlscert.clone().or_else(|| p("tlscert")),
            tls_key: flags.tlskey.clone().or_else(|| p("tlskey")),
            config_file: flags.config_file.clone(),
            trace_json: flags.trace_json.clone(),
            tui: flags.tui,
            runtime: flags.runtime.clone().or_else(|| s("default-runtime")),
            authz_policy: flags.authz_policy.clone(),
            insecure_tcp: flags.insecure_tcp,
            engine_jobs: flags.engine_jobs,
        })
    }

    /// What SIGHUP re-reads (moby `reloadConfig`: of what we have, the
    /// debug flag and the log level are the live-reloadable ones).
    pub fn reloadable(&self) -> Result<(bool, String), String> {
        let Some(path) = &self.config_file else {
            return Ok((self.debug, self.log_level.clone()));
        };
        let file = read_config_file(path)?;
        let debug = file
            .get("debug")
            .and_then(Value::as_bool)
            .unwrap_or(self.debug);
        let level = file
            .get("log-level")
            .and_then(Value::as_str)
            .map(String::from)
            .unwrap_or_else(|| if debug { "debug".into() } else { "info".into() });
        validate_log_level(&level)?;
        Ok((debug, level))
    }
}

fn validate_log_level(level: &str) -> Result<(), String> {
    match level {
        "debug" | "info" | "warn" | "error" | "fatal" | "trace" => Ok(()),
        other => Err(format!("unable to parse logging level: {other}")),
    }
}

/// Read daemon.json and refuse keys we do not know (moby
/// `getConflictFreeConfiguration` + `findConfigurationConflicts`).
fn read_config_file(path: &Path) -> Result<BTreeMap<String, Value>, String> {
    let data = std::fs::read(path).map_err(|e| {
        format!(
            "unable to configure the Docker daemon with file {}: {e}",
            path.display()
        )
    })?;
    let map: BTreeMap<String, Value> = serde_json::from_slice(&data).map_err(|e| {
        format!(
            "unable to configure the Docker daemon with file {}: {e}",
            path.display()
        )
    })?;
    let unknown: Vec<&str> = map
        .keys()
        .map(String::as_str)
        .filter(|k| !KNOWN_KEYS.contains(k))
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "the following directives don't match any configuration option: {}",
            unknown.join(", ")
        ));
    }
    Ok(map)
}

/// moby: a directive given both as a flag and in the file is an error.
fn check_conflicts(flags: &DaemonFlags, file: &BTreeMap<String, Value>) -> Result<(), String> {
    let given: [(&str, bool); 16] = [
        ("hosts", !flags.hosts.is_empty()),
        ("data-root", flags.data_root.is_some()),
        ("exec-root", flags.exec_root.is_some()),
        ("group", flags.group.is_some()),
        ("debug", flags.debug),
        ("log-level", flags.log_level.is_some()),
        ("experimental", flags.experimental),
        ("init", flags.init),
        ("bridge", flags.bridge.is_some()),
        ("bip", flags.bip.is_some()),
        ("api-cors-header", flags.api_cors_header.is_some()),
        ("tls", flags.tls),
        ("tlsverify", flags.tlsverify),
        ("tlscacert", flags.tlscacert.is_some()),
        ("tlscert", flags.tlscert.is_some()),
        ("tlskey", flags.tlskey.is_some()),
    ];
    let conflicts: Vec<String> = given
        .iter()
        .filter(|(k, set)| *set && file.contains_key(*k))
        .map(|(k, _)| {
            let flag = if *k == "hosts" { "host" } else { k };
            format!("{k}: (from flag: {flag}, from file: {})", file[*k])
        })
        .collect();
    if !conflicts.is_empty() {
        return Err(format!(
            "the following directives are specified both as a flag and in the configuration file: {}",
            conflicts.join(", ")
        ));
    }
    Ok(())
}
