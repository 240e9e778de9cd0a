//! `POST /containers/{name}/start`: run the container's process.
//!
//! Mirrors moby `daemon/start.go` (v20.10.24) `ContainerStart` →
//! `containerStart`, with the pieces of `daemon/oci_linux.go` (the spec),
//! `daemon/container_operations_unix.go` (hostname, hosts, resolv.conf)
//! and `container/container.go` `CreateDaemonEnvironment` it uses:
//!
//! 1. check the state (`can_start`: 304 when running, 409 when paused);
//! 2. find the image's layers and build the runtime's [`ContainerSpec`];
//! 3. `runtime.start` (moby: `containerd.Create` + `Start`);
//! 4. on failure record the exit code (127 not found, 126 not executable,
//!    128 other, moby `translateContainerdStartErr`) and the error in the
//!    state, emit `die`, and return 400 for 126/127 (dockerd's
//!    `startInvalidConfigError`) or 500;
//! 5. on success mark it running, start the output copiers (pipes or pty →
//!    the stream hub + the json-file log) and the exit monitor
//!    (daemon/monitor.rs), and emit `start`.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::container::traced;
// The log copier of `daemon/logger` (moby `logger.Copier` + json-file).
use super::logger::Copier as JsonFileLogger;
use super::Daemon;
use crate::container::{lock, Container, ContainerRef, Status, StreamChunk, StreamConfig};
use crate::errdefs::{Error, Result};
use crate::runtime::{ContainerSpec, DeviceMapping, ProcessSpec, Resources, RuntimeError};

/// The PATH a container gets when neither the image nor the client set
/// one (moby `oci.DefaultPathEnv` on Linux).
pub const DEFAULT_PATH_ENV: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// dockerd's fallback nameservers when the host has only local ones
/// (moby `libnetwork/resolvconf` `defaultIPv4Dns`).
const DEFAULT_DNS: &[&str] = &["8.8.8.8", "8.8.4.4"];

impl Daemon {
    /// moby `ContainerStart`: 204, or 304 when already running.
    pub async fn container_start(self: &Arc<Self>, name: &str) -> Result<()> {
        traced("Daemon.ContainerStart", name, async {
            let c = self.get_container(name)?;
            let op = lock(&c).op_lock.clone();
            let _guard = op.lock().await;
            self.container_start_locked(&c, true).await
        })
        .await
    }

    /// moby `containerStart`, with the operation lock held by the caller.
    /// `by_user` is false when the restart policy starts the container
    /// (moby's `resetRestartManager`): then a `Restarting` container may
    /// start, and the restart count is kept.
    ///
    /// The future is boxed and declared `Send` because starting spawns the
    /// monitor, and the monitor may start the container again (restart
    /// policies): the compiler cannot infer `Send` through that cycle.
    pub(crate) fn container_start_locked<'a>(
        self: &'a Arc<Self>,
        c: &'a ContainerRef,
        by_user: bool,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'a>> {
        Box::pin(self.container_start_inner(c, by_user))
    }

    async fn container_start_inner(
        self: &Arc<Self>,
        c: &ContainerRef,
        by_user: bool,
    ) -> Result<()> {
        let (stream, log_path, id, log_none, rotation) = {
            let mut ct = lock(c);
            let restarting = ct.state.status == Status::Restarting;
            if !restarting || by_user {
                ct.state.status.can_start()?;
            }
            if by_user {
                ct.restart_count = 0;
            }
            // The stream hub lives as long as the container (never a new
            // one per run): `docker start -a` and `docker run` subscribe
            // to it before they start the container.
            (
                ct.stream.clone(),
                ct.log_path.clone(),
                ct.id.clone(),
                ct.host_config.log_config.typ == "none",
                super::logger::jsonfile::Rotation::from_opts(&ct.host_config.log_config.config),
            )
        };
        // From here on a failure goes through moby's deferred clean-up,
        // even before the runtime is asked (an unknown network, an image
        // that is gone).
        // The containers already on its user networks, for its /etc/hosts
        // (`container_operations.rs`), read before this one is locked.
        let peers = if Self::has_named_peers(&lock(c)) {
            self.network_peers(c)
        } else {
            Vec::new()
        };
        let prepared = {
            let mut ct = lock(c);
            // The addresses come first: the spec's /etc/hosts names them.
            self.allocate_network(&mut ct)
                .and_then(|()| self.container_spec(&ct))
                .map(|mut spec| {
                    let networks: Vec<String> = ct.endpoints.keys().cloned().collect();
                    spec.etc_hosts
                        .push_str(&super::container_operations::peer_lines(&networks, &peers));
                    spec
                })
                .and_then(|spec| Ok((spec, super::port_mapping::port_plan(&ct)?)))
        };
        // The host ports are bound before the process starts, as
        // libnetwork programs them before the task runs.
        let prepared = prepared.and_then(|(spec, plan)| {
            write_container_files(&spec)?;
            Ok((spec, self.allocate_ports(&plan)?))
        });
        let (spec, port_proxy) = match prepared {
            Ok(p) => p,
            Err(e) => {
                self.start_failed(c, &e.message, 128);
                return Err(e);
            }
        };
        trace_event!(
            "backend",
            "event",
            "Daemon.ContainerStart.BuildSpec",
            container = id.as_str(),
            layers = spec.layers.len(),
            args = spec.process.args.join(" ").as_str()
        );

        // The log is opened before the start, and the output copiers are
        // started on the same thread the moment the runtime hands over the
        // pipes: dockerd's copiers are attached before the process runs
        // (containerd opens the FIFOs first), and every microsecond between
        // the exec and our first read lets a fast process write to both
        // stdout and stderr before we read either, which loses their order.
        // `--log-driver none`: nothing is kept, as dockerd's `none` driver.
        let logger = match JsonFileLogger::open(&log_path, rotation) {
            _ if log_none => None,
            Ok(l) => Some(Arc::new(l)),
            Err(e) => {
                tracing::warn!(
                    "container {id}: cannot open its log {}: {e}",
                    log_path.display()
                );
                None
            }
        };
        let runtime = self.runtime.clone();
        let spec_for_start = spec.clone();
        let stream_for_start = stream.clone();
        let started = crate::trace::spawn_blocking(move || {
            runtime.start(&spec_for_start).map(|spawned| {
                let io_done = spawn_copiers(spawned.io, &stream_for_start, logger);
                (spawned.pid, spawned.exit, io_done)
            })
        })
        .await
        .map_err(|e| Error::system(format!("the runtime start task failed: {e}")))?;
        let (pid, exit, io_done) = match started {
            Ok(s) => s,
            Err(e) => return Err(self.handle_start_error(c, &spec, e).await),
        };
        trace_event!(
            "backend",
            "event",
            "Daemon.ContainerStart.Started",
            container = id.as_str(),
            pid = pid
        );
        if let Some(proxy) = &port_proxy {
            proxy.set_target(pid);
        }
        {
            let mut ct = lock(c);
            ct.state.set_running(pid);
            ct.port_proxy = port_proxy;
            ct.has_been_started_before = true;
            if let Err(e) = ct.to_disk() {
                tracing::warn!("container {id}: saving its state: {e}");
            }
        }
        let (mine, name) = {
            let ct = lock(c);
            (Self::addresses(&ct), ct.bare_name().to_string())
        };
        for (network, _) in &mine {
            self.log_network_event("connect", network, &id);
        }
        self.announce_to_peers(&name, &mine, &peers);
        self.log_event_for(c, "start", &[]);
        self.init_health_monitor(c);
        tokio::spawn(self.clone().monitor(c.clone(), spec, exit, io_done));
        Ok(())
    }

    /// A failed start: record it as dockerd does and build the API error.
    async fn handle_start_error(
        self: &Arc<Self>,
        c: &ContainerRef,
        spec: &ContainerSpec,
        e: RuntimeError,
    ) -> Error {
        let code = if e.exit_code == 0 { 128 } else { e.exit_code };
        self.start_failed(c, &e.message, code as i64);
        // The runtime's start failure is the one dockerd reports as `die`.
        self.log_event_for(c, "die", &[("exitCode", code.to_string())]);
        let runtime = self.runtime.clone();
        let spec = spec.clone();
        let _ = crate::trace::spawn_blocking(move || runtime.cleanup(&spec)).await;
        if code == 126 || code == 127 {
            Error::invalid_parameter(e.message)
        } else {
            Error::system(e.message)
        }
    }

    /// moby `containerStart`'s deferred clean-up after a failed start:
    /// record the error and the exit code (`SetError`, 128 unless the
    /// runtime gave another), and remove a `--rm` container (force, with
    /// its volumes), which is what `docker run --rm` waits for
    /// (`wait?condition=removed`). The removal runs apart from this start,
    /// which still holds the container's start lock.
    fn start_failed(self: &Arc<Self>, c: &ContainerRef, message: &str, code: i64) {
        let (auto_remove, id) = {
            let mut ct = lock(c);
            self.release_network(&mut ct);
            ct.state.set_start_error(message, code);
            if let Err(err) = ct.to_disk() {
                tracing::warn!("container {}: saving its state: {err}", ct.id);
            }
            (ct.host_config.auto_remove, ct.id.clone())
        };
        if auto_remove {
            let daemon = self.clone();
            tokio::spawn(async move {
                if let Err(e) = daemon.container_rm(&id, true, true).await {
                    tracing::warn!("can't remove container {id}: {}", e.message);
                }
            });
        }
    }

    /// Build the runtime's spec for `c` (moby `createSpec`). Pure: it
    /// writes nothing, so stop, top and cleanup can rebuild it.
    pub(crate) fn container_spec(&self, c: &Container) -> Result<ContainerSpec> {
        let images = self.image_service()?;
        let layers = match images.get_image(&c.image) {
            Ok(img) => images.layer_dirs(&img),
            Err(e) => {
                return Err(Error::system(format!(
                    "the image {} of container {} is gone: {}",
                    c.image, c.id, e.message
                )))
            }
        };
        let network = super::create::network_mode(&c.host_config.network_mode)?;
        let (mounts, tmpfs) = self.runtime_mounts(c)?;
        let hc = &c.host_config;
        let hostname = c.config.hostname.clone();
        let mut args = vec![c.path.clone()];
        args.extend(c.args.iter().cloned());
        let console_size = match hc.console_size {
            [0, _] | [_, 0] => None,
            [h, w] => Some((h.min(u16::MAX as u32) as u16, w.min(u16::MAX as u32) as u16)),
        };
        let endpoints = Self::runtime_endpoints(c);
        let ips: Vec<_> = endpoints.iter().map(|e| e.ip).collect();
        Ok(ContainerSpec {
            id: c.id.clone(),
            hostname: hostname.clone(),
            layers,
            container_dir: c.root.clone(),
            mounts,
            tmpfs,
            domainname: c.config.domainname.clone(),
            sysctls: hc
                .extra
                .get("Sysctls")
                .and_then(serde_json::Value::as_object)
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect(),
            shm_size: hc.shm_size,
            host_pid: hc.extra_str("PidMode") == "host",
            host_ipc: hc.extra_str("IpcMode") == "host",
            host_uts: hc.extra_str("UTSMode") == "host",
            oom_score_adj: hc.extra_i64("OomScoreAdj"),
            devices: hc
                .devices()
                .into_iter()
                .map(|(path_on_host, path_in_container)| DeviceMapping {
                    path_on_host,
                    path_in_container,
                })
                .collect(),
            network,
            endpoints,
            resources: Resources {
                memory: hc.memory,
                memory_swap: hc.memory_swap,
                nano_cpus: hc.nano_cpus,
                cpu_shares: hc.cpu_shares,
                cpu_quota: hc.cpu_quota,
                cpu_period: hc.cpu_period,
                pids_limit: hc.pids_limit,
                cpuset_cpus: hc.extra_str("CpusetCpus"),
                cpuset_mems: hc.extra_str("CpusetMems"),
                oom_kill_disable: hc.extra_bool("OomKillDisable"),
                memory_reservation: hc.memory_reservation,
                cgroup_parent: hc.cgroup_parent.clone(),
            },
            process: ProcessSpec {
                args,
                env: create_daemon_environment(c),
                cwd: if c.config.working_dir.is_empty() {
                    "/".into()
                } else {
                    c.config.working_dir.clone()
                },
                user: c.config.user.clone(),
                tty: c.config.tty,
                stdin: c.config.open_stdin,
                console_size,
                capabilities: Some(super::verify::capabilities_mask(hc, hc.privileged)),
                additional_groups: hc.group_add(),
                rlimits: hc.ulimits(),
            },
            etc_hosts: build_hosts(
                &hostname,
                &c.config.domainname,
                network,
                &ips,
                hc.extra_hosts.as_deref(),
            ),
            resolv_conf: build_resolv_conf(
                network,
                hc.dns.as_deref().unwrap_or_default(),
                hc.dns_search.as_deref().unwrap_or_default(),
                hc.dns_options.as_deref().unwrap_or_default(),
            ),
            readonly_rootfs: hc.readonly_rootfs,
            privileged: hc.privileged,
            init: hc.init().unwrap_or(self.config.init),
        })
    }
}

/// moby `CreateDaemonEnvironment`: PATH (unless the config sets one),
/// HOSTNAME, TERM for a TTY, then the config's variables, later ones
/// replacing earlier ones with the same name.
fn create_daemon_environment(c: &Container) -> Vec<String> {
    let user_env = c.config.env.clone().unwrap_or_default();
    let mut env = Vec::new();
    if !user_env.iter().any(|e| e.starts_with("PATH=")) {
        env.push(format!("PATH={DEFAULT_PATH_ENV}"));
    }
    env.push(format!("HOSTNAME={}", c.config.hostname));
    if c.config.tty {
        env.push("TERM=xterm".into());
    }
    for e in user_env {
        let key = e.split('=').next().unwrap_or("").to_string();
        match env
            .iter_mut()
            .find(|x| x.split('=').next() == Some(key.as_str()))
        {
            Some(slot) => *slot = e,
            None => env.push(e),
        }
    }
    env
}

/// The container's /etc/hosts (moby `libnetwork/etchosts.Build`). dockerd
/// maps the hostname to the container's addresses, and so do we; without
/// one (`--bridge none`) the hostname goes on 127.0.1.1 (the Debian
/// convention for "this host without a network address"), which keeps
/// `hostname -i` and `ping $(hostname)` working inside. With `--network
/// host` the host's own file is used, as dockerd does.
fn build_hosts(
    hostname: &str,
    domainname: &str,
    network: crate::runtime::NetworkMode,
    ips: &[std::net::Ipv4Addr],
    extra: Option<&[String]>,
) -> String {
    if network == crate::runtime::NetworkMode::Host {
        if let Ok(s) = std::fs::read_to_string("/etc/hosts") {
            return s;
        }
    }
    let mut s = String::from(
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n",
    );
    for e in extra.unwrap_or_default() {
        if let Some((host, ip)) = e.split_once(':') {
            s.push_str(&format!("{ip}\t{host}\n"));
        }
    }
    if network != crate::runtime::NetworkMode::None {
        let loopback = [std::net::Ipv4Addr::new(127, 0, 1, 1)];
        // One line per address, as libnetwork writes them; `IP
        // host.domain host` with `--domainname`.
        for ip in if ips.is_empty() { &loopback[..] } else { ips } {
            if domainname.is_empty() {
                s.push_str(&format!("{ip}\t{hostname}\n"));
            } else {
                s.push_str(&format!("{ip}\t{hostname}.{domainname} {hostname}\n"));
            }
        }
    }
    s
}

/// The container's /etc/resolv.conf (moby `setupDNS` + `resolvconf.FilterResolvDNS`):
/// the host's, minus localhost nameservers (they mean nothing inside
/// another network namespace), falling back to Google's servers when none
/// is left; `--dns`, `--dns-search`, `--dns-option` replace the host's.
fn build_resolv_conf(
    network: crate::runtime::NetworkMode,
    dns: &[String],
    search: &[String],
    options: &[String],
) -> String {
    let host = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    if network == crate::runtime::NetworkMode::Host && dns.is_empty() {
        return host;
    }
    let mut out = String::new();
    let mut nameservers: Vec<String> = dns.to_vec();
    if nameservers.is_empty() {
        for line in host.lines() {
            let mut words = line.split_whitespace();
            if words.next() == Some("nameserver") {
                if let Some(ns) = words.next() {
                    if !ns.starts_with("127.") && ns != "::1" {
                        nameservers.push(ns.to_string());
                    }
                }
            }
        }
        if nameservers.is_empty() {
            nameservers = DEFAULT_DNS.iter().map(|s| s.to_string()).collect();
        }
    }
    let host_lines = |key: &str| -> Vec<String> {
        host.lines()
            .filter(|l| l.split_whitespace().next() == Some(key))
            .map(String::from)
            .collect()
    };
    if search.is_empty() {
        for l in host_lines("search") {
            out.push_str(&l);
            out.push('\n');
        }
    } else {
        out.push_str(&format!("search {}\n", search.join(" ")));
    }
    for ns in nameservers {
        out.push_str(&format!("nameserver {ns}\n"));
    }
    if options.is_empty() {
        for l in host_lines("options") {
            out.push_str(&l);
            out.push('\n');
        }
    } else {
        out.push_str(&format!("options {}\n", options.join(" ")));
    }
    out
}

/// Write hostname, hosts and resolv.conf into the container dir, where
/// inspect's `HostnamePath`, `HostsPath` and `ResolvConfPath` point.
fn write_container_files(spec: &ContainerSpec) -> Result<()> {
    let dir = &spec.container_dir;
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("hostname"), format!("{}\n", spec.hostname))?;
    std::fs::write(dir.join("hosts"), &spec.etc_hosts)?;
    std::fs::write(dir.join("resolv.conf"), &spec.resolv_conf)?;
    // -v binds whose host directory is missing are created, as dockerd
    // does for the legacy `-v /src:/dst` form.
    for m in &spec.mounts {
        if !m.source.exists() {
            std::fs::create_dir_all(&m.source)?;
        }
    }
    Ok(())
}

/// Start the output copiers of one run (a container's process or an
/// exec's): a thread per output (stdout and stderr pipes, or the pty
/// master), each feeding the stream hub and, when there is one, the log. Returns a receiver that fires once every output is closed (after
/// the hub got its `Eof`).
///
/// Threads, not async tasks: a read on a pipe or pty blocks, and a plain
/// thread that ends when the fd closes is the simplest honest way to copy
/// it (moby uses a goroutine per stream for the same reason).
pub(super) fn spawn_copiers(
    io: crate::runtime::ProcessIo,
    stream: &Arc<StreamConfig>,
    logger: Option<Arc<JsonFileLogger>>,
) -> oneshot::Receiver<()> {
    let (done_tx, mut done_rx) = mpsc::channel::<()>(1);
    let mut outputs: Vec<(OwnedFd, &'static str)> = Vec::new();
    if let Some(pty) = io.pty {
        // One fd for reading, one kept for resize, one for stdin.
        if let Ok(reader) = pty.try_clone() {
            outputs.push((reader, "stdout"));
        }
        if let Ok(writer) = pty.try_clone() {
            stream.set_stdin(writer);
        }
        stream.set_pty(Some(Arc::new(pty)));
    } else {
        if let Some(fd) = io.stdout {
            outputs.push((fd, "stdout"));
        }
        if let Some(fd) = io.stderr {
            outputs.push((fd, "stderr"));
        }
        match io.stdin {
            Some(fd) => stream.set_stdin(fd),
            None => stream.no_stdin(),
        }
    }
    for (fd, kind) in outputs {
        let stream = stream.clone();
        let logger = logger.clone();
        let done = done_tx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("copy-{kind}"))
            .spawn(move || {
                copy_output(fd, kind, &stream, logger.as_deref());
                drop(done);
            });
        if let Err(e) = spawned {
            tracing::warn!("cannot start the {kind} copier: {e}");
        }
    }
    drop(done_tx);
    let (tx, rx) = oneshot::channel();
    let stream = stream.clone();
    tokio::spawn(async move {
        // `recv` returns None once every copier dropped its sender.
        while done_rx.recv().await.is_some() {}
        stream.send(StreamChunk::Eof);
        let _ = tx.send(());
    });
    rx
}

/// Copy one output until EOF (a pty master reads EIO once the last slave
/// fd is closed: that is its EOF).
fn copy_output(fd: OwnedFd, kind: &str, stream: &StreamConfig, logger: Option<&JsonFileLogger>) {
    let mut f = std::fs::File::from(fd);
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let data = bytes::Bytes::copy_from_slice(&buf[..n]);
                if let Some(l) = logger {
                    l.log(kind, &data);
                }
                stream.send(if kind == "stderr" {
                    StreamChunk::Stderr(data)
                } else {
                    StreamChunk::Stdout(data)
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    if let Some(l) = logger {
        l.flush_partial(kind);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::NetworkMode;

    /// The hostname is resolvable inside, and `none` has only loopback.
    #[test]
    fn hosts_file() {
        let h = build_hosts("abc", "", NetworkMode::Private, &[], None);
        assert!(h.starts_with("127.0.0.1\tlocalhost\n"));
        assert!(h.ends_with("127.0.1.1\tabc\n"));
        assert!(!build_hosts("abc", "", NetworkMode::None, &[], None).contains("abc"));
        let h = build_hosts("abc", "example.com", NetworkMode::Private, &[], None);
        assert!(h.ends_with("127.0.1.1\tabc.example.com abc\n"), "{h}");
        // On the bridge, the hostname names the container's address.
        let ip = [std::net::Ipv4Addr::new(172, 18, 0, 2)];
        let h = build_hosts("abc", "", NetworkMode::Private, &ip, None);
        assert!(h.ends_with("172.18.0.2\tabc\n"), "{h}");
    }

    /// `--dns` replaces the host's nameservers.
    #[test]
    fn resolv_conf_dns_flag() {
        let r = build_resolv_conf(NetworkMode::Private, &["1.1.1.1".into()], &[], &[]);
        assert!(r.contains("nameserver 1.1.1.1\n"));
        assert!(!r.contains("127.0.0."));
    }
}
