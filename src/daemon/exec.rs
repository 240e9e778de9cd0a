//! `docker exec`: run another process inside a running container.
//!
//! Mirrors moby `daemon/exec.go` (v20.10.24): `ContainerExecCreate`
//! registers an exec instance ([`config::ExecConfig`]) for a running
//! container; `ContainerExecStart` runs it through the runtime (moby:
//! `containerd.Exec`) in the container's namespaces and cgroup, copies its
//! stdio to the client, and records its exit code, which the CLI reads
//! back with `GET /exec/{id}/json`. Events: `exec_create: <cmd>`,
//! `exec_start: <cmd>`, `exec_die` (with `exitCode`).
//!
//! As for attach, the start is split in two so that the handler can turn
//! "no such exec instance" into a JSON 404 before it hijacks the
//! connection: [`Daemon::container_exec_start`] checks and claims the
//! instance and returns an [`ExecRun`], whose [`ExecRun::run`] does the
//! rest on the hijacked stream.

pub mod config;

use std::sync::Arc;
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::oneshot;

use self::config::{lock as lock_exec, ExecConfig, ExecRef};
use super::attach::{copy_streams, detach_keys_to_bytes, CopyConfig, DEFAULT_DETACH_KEYS};
use super::Daemon;
use crate::api::types::exec::ExecCreateConfig;
use crate::container::{lock, Status, StreamChunk, StreamConfig};
use crate::errdefs::{Error, Result};
use crate::runtime::{ContainerSpec, ExitStatus, ProcessSpec};

impl Daemon {
    /// moby `getActiveContainer`: the container must run, and not be
    /// paused or restarting.
    fn get_active_container(&self, name: &str) -> Result<crate::container::ContainerRef> {
        let ctr = self.get_container(name)?;
        let (status, id) = {
            let c = lock(&ctr);
            (c.state.status, c.id.clone())
        };
        match status {
            Status::Paused => Err(Error::conflict(format!(
                "Container {name} is paused, unpause the container before exec"
            ))),
            Status::Restarting => Err(Error::conflict(format!(
                "Container {id} is restarting, wait until the container is running"
            ))),
            s if s.is_running() => Ok(ctr),
            _ => Err(Error::conflict(format!("Container {id} is not running"))),
        }
    }

    /// moby `ContainerExecCreate`: returns the new instance's id.
    pub fn container_exec_create(&self, name: &str, config: &ExecCreateConfig) -> Result<String> {
        let started = Instant::now();
        trace_event!(
            "backend",
            "enter",
            "Daemon.ContainerExecCreate",
            container = name
        );
        let result = self.container_exec_create_inner(name, config);
        match &result {
            Ok(id) => trace_event!(
                "backend",
                "exit",
                "Daemon.ContainerExecCreate",
                exec_id = id.as_str(),
                dur_us = crate::trace::micros_since(started)
            ),
            Err(e) => trace_event!(
                "backend",
                "exit",
                "Daemon.ContainerExecCreate",
                error = e.message.as_str(),
                dur_us = crate::trace::micros_since(started)
            ),
        }
        result
    }

    fn container_exec_create_inner(&self, name: &str, config: &ExecCreateConfig) -> Result<String> {
        let ctr = self.get_active_container(name)?;
        let cmd = config.cmd.clone().unwrap_or_default();
        let Some((entrypoint, args)) = cmd.split_first() else {
            return Err(Error::invalid_parameter("No exec command specified"));
        };
        let detach_keys = if config.detach_keys.is_empty() {
            Vec::new()
        } else {
            detach_keys_to_bytes(&config.detach_keys).ok_or_else(|| {
                // dockerd returns this unclassified (500); it is the
                // client's mistake, so we say 400.
                Error::invalid_parameter(format!(
                    "Invalid escape keys ({}) provided",
                    config.detach_keys
                ))
            })?
        };
        let id = random_id();
        let (container_id, name, image, labels) = {
            let mut c = lock(&ctr);
            let user = if config.user.is_empty() {
                c.config.user.clone()
            } else {
                config.user.clone()
            };
            let working_dir = if config.working_dir.is_empty() {
                c.config.working_dir.clone()
            } else {
                config.working_dir.clone()
            };
            let env = exec_environment(
                &c.config.hostname,
                config.tty,
                c.config.env.as_deref().unwrap_or_default(),
                config.env.as_deref().unwrap_or_default(),
            );
            self.exec_commands.add(ExecConfig {
                id: id.clone(),
                running: false,
                exit_code: None,
                tty: config.tty,
                entrypoint: entrypoint.clone(),
                args: args.to_vec(),
                privileged: config.privileged,
                user,
                working_dir,
                env,
                open_stdin: config.attach_stdin,
                open_stdout: config.attach_stdout,
                open_stderr: config.attach_stderr,
                container_id: c.id.clone(),
                detach_keys,
                console_size: match config.console_size {
                    Some([h, w]) if h > 0 && w > 0 => {
                        Some((h.min(u16::MAX as u32) as u16, w.min(u16::MAX as u32) as u16))
                    }
                    _ => None,
                },
                pid: 0,
                can_remove: false,
                started: false,
                stream: Arc::new(StreamConfig::new()),
                started_signal: tokio::sync::watch::channel(false).0,
            });
            c.exec_ids.push(id.clone());
            (
                c.id.clone(),
                c.name.clone(),
                c.config.image.clone(),
                c.config.labels.clone().unwrap_or_default(),
            )
        };
        let action = format!("exec_create: {} {}", entrypoint, args.join(" "));
        self.log_container_event(
            &container_id,
            &action,
            &name,
            &image,
            &labels,
            &[("execID", id.clone())],
        );
        Ok(id)
    }

    /// moby `ExecExists` + `getExecConfig`: the checks the start handler
    /// makes before it hijacks (404 unknown instance, 409 container not
    /// running).
    pub fn get_exec_config(&self, id: &str) -> Result<ExecRef> {
        let Some(ec) = self.exec_commands.get(id) else {
            return Err(Error::not_found(format!("No such exec instance: {id}")));
        };
        let container_id = lock_exec(&ec).container_id.clone();
        let ctr = self
            .containers
            .get_by_id(&container_id)
            .ok_or_else(|| Error::not_found(format!("No such container: {container_id}")))?;
        let c = lock(&ctr);
        if c.state.status == Status::Paused {
            return Err(Error::conflict(format!(
                "Container {container_id} is paused, unpause the container before exec"
            )));
        }
        if !c.state.status.is_running() {
            return Err(Error::conflict(format!(
                "Container {} is not running: {}",
                c.id,
                c.state.human()
            )));
        }
        Ok(ec.clone())
    }

    /// moby `ContainerExecStart`, first half: claim the instance (409 when
    /// it runs or ran) and start the process. The process runs from here
    /// on; [`ExecRun::run`] copies its stdio and waits for its exit.
    pub async fn container_exec_start(
        self: &Arc<Self>,
        id: &str,
        console_size: Option<(u16, u16)>,
    ) -> Result<ExecRun> {
        let started = Instant::now();
        trace_event!(
            "backend",
            "enter",
            "Daemon.ContainerExecStart",
            exec_id = id
        );
        let result = self.container_exec_start_inner(id, console_size).await;
        match &result {
            Ok(r) => trace_event!(
                "backend",
                "exit",
                "Daemon.ContainerExecStart",
                exec_id = id,
                pid = r.pid,
                dur_us = crate::trace::micros_since(started)
            ),
            Err(e) => trace_event!(
                "backend",
                "exit",
                "Daemon.ContainerExecStart",
                exec_id = id,
                error = e.message.as_str(),
                dur_us = crate::trace::micros_since(started)
            ),
        }
        result
    }

    async fn container_exec_start_inner(
        self: &Arc<Self>,
        id: &str,
        console_size: Option<(u16, u16)>,
    ) -> Result<ExecRun> {
        let ec = self.get_exec_config(id)?;
        let (mut process, exec_privileged, container_id, stream, cmdline, tty) = {
            let mut e = lock_exec(&ec);
            if e.exit_code.is_some() {
                return Err(Error::conflict(format!(
                    "Error: Exec command {} has already run",
                    e.id
                )));
            }
            if e.running || e.started {
                return Err(Error::conflict(format!(
                    "Error: Exec command {} is already running",
                    e.id
                )));
            }
            e.running = true;
            e.started = true;
            let mut args = vec![e.entrypoint.clone()];
            args.extend(e.args.iter().cloned());
            (
                ProcessSpec {
                    args,
                    env: e.env.clone(),
                    cwd: if e.working_dir.is_empty() {
                        "/".into()
                    } else {
                        e.working_dir.clone()
                    },
                    user: e.user.clone(),
                    tty: e.tty,
                    stdin: e.open_stdin,
                    // The start's size wins over the create's, as in moby.
                    console_size: console_size.or(e.console_size),
                    // These two are set from the container's below.
                    capabilities: None,
                    additional_groups: Vec::new(),
                    // An exec keeps the limits it inherits, as runc's does.
                    rlimits: Vec::new(),
                },
                e.privileged,
                e.container_id.clone(),
                e.stream.clone(),
                e.command_line(),
                e.tty,
            )
        };
        let ctr = self.get_container(&container_id)?;
        let (pid, spec) = {
            let c = lock(&ctr);
            // The container's capabilities, or all of them for `exec
            // --privileged` (moby `execSetPlatformOpt`).
            process.capabilities = Some(super::verify::capabilities_mask(
                &c.host_config,
                exec_privileged || c.host_config.privileged,
            ));
            // moby `getUser` adds the container's `--group-add` for an
            // exec too.
            process.additional_groups = c.host_config.group_add();
            (c.state.pid, exec_container_spec(&c))
        };
        self.log_event_for_id(
            &container_id,
            &format!("exec_start: {cmdline}"),
            &[("execID", id.to_string())],
        );

        // Subscribe before the process starts: its first output must not
        // be lost.
        let rx = stream.subscribe();
        let runtime = self.runtime.clone();
        let spawned = crate::trace::spawn_blocking(move || runtime.exec(&spec, pid, &process))
            .await
            .map_err(|e| Error::system(format!("the runtime exec task failed: {e}")));
        let spawned = match spawned.and_then(|r| r.map_err(|e| Error::system(e.message))) {
            Ok(s) => s,
            Err(err) => {
                // moby: a failed exec start records exit code 126.
                let mut e = lock_exec(&ec);
                e.running = false;
                e.exit_code = Some(126);
                e.can_remove = true;
                return Err(err);
            }
        };
        // The same copiers as the container's own process, without the log:
        // dockerd does not log exec output.
        let io_done = super::start::spawn_copiers(spawned.io, &stream, None);
        {
            let mut e = lock_exec(&ec);
            e.pid = spawned.pid;
            e.started_signal.send_replace(true);
        }
        Ok(ExecRun {
            daemon: self.clone(),
            exec: ec,
            id: id.to_string(),
            container_id,
            pid: spawned.pid,
            tty,
            stream,
            rx,
            exit: spawned.exit,
            io_done,
        })
    }

    /// moby `ContainerExecInspect`.
    pub fn container_exec_inspect(&self, id: &str) -> Result<config::ExecInspect> {
        trace_event!(
            "backend",
            "event",
            "Daemon.ContainerExecInspect",
            exec_id = id
        );
        let ec = self
            .exec_commands
            .get(id)
            .ok_or_else(|| Error::not_found(format!("No such exec instance: {id}")))?;
        let inspect = lock_exec(&ec).inspect();
        Ok(inspect)
    }

    /// An event for the container with this id, with its name, image and
    /// labels (moby `LogContainerEventWithAttributes`).
    pub(crate) fn log_event_for_id(&self, id: &str, action: &str, extra: &[(&str, String)]) {
        let Ok(ctr) = self.get_container(id) else {
            return;
        };
        let (name, image, labels) = {
            let c = lock(&ctr);
            (
                c.name.clone(),
                c.config.image.clone(),
                c.config.labels.clone().unwrap_or_default(),
            )
        };
        self.log_container_event(id, action, &name, &image, &labels, extra);
    }
}

/// A started exec process, waiting for its stdio to be copied.
pub struct ExecRun {
    daemon: Arc<Daemon>,
    exec: ExecRef,
    pub id: String,
    container_id: String,
    pub pid: u32,
    pub tty: bool,
    stream: Arc<StreamConfig>,
    rx: tokio::sync::broadcast::Receiver<StreamChunk>,
    exit: oneshot::Receiver<ExitStatus>,
    io_done: oneshot::Receiver<()>,
}

impl ExecRun {
    /// Copy stdio (framed with stdcopy when `multiplexed`), then wait for
    /// the exit and record it. With `io == None` (`Detach`), nothing is
    /// copied and the caller should spawn this.
    pub async fn run(
        self,
        io: Option<(
            Box<dyn AsyncRead + Send + Unpin>,
            Box<dyn AsyncWrite + Send + Unpin>,
        )>,
        multiplexed: bool,
    ) {
        let ExecRun {
            daemon,
            exec,
            id,
            container_id,
            tty,
            stream,
            rx,
            exit,
            io_done,
            ..
        } = self;
        let (open_stdin, open_stdout, open_stderr, keys) = {
            let e = lock_exec(&exec);
            (
                e.open_stdin,
                e.open_stdout,
                e.open_stderr,
                e.detach_keys.clone(),
            )
        };
        let mut writer_back = None;
        if let Some((reader, mut writer)) = io {
            let keys = if !tty {
                Vec::new()
            } else if keys.is_empty() {
                DEFAULT_DETACH_KEYS.to_vec()
            } else {
                keys
            };
            let end = copy_streams(CopyConfig {
                stream: stream.clone(),
                rx,
                multiplexed,
                use_stdout: open_stdout,
                use_stderr: open_stderr,
                stdin: open_stdin.then_some(reader),
                // moby: an exec's stdin is always closed when the client's ends.
                close_stdin: true,
                detach_keys: keys,
                writer: &mut writer,
            })
            .await;
            if end == super::attach::CopyEnd::Detached {
                daemon.log_event_for_id(&container_id, "exec_detach", &[("execID", id.clone())]);
            }
            writer_back = Some(writer);
        } else {
            drop(rx);
        }
        // Record the exit before the stream closes: the CLI inspects the
        // instance for its exit code as soon as its read ends.
        let _ = io_done.await;
        let status = exit.await.unwrap_or(ExitStatus {
            code: 128,
            oom_killed: false,
        });
        stream.reset();
        {
            let mut e = lock_exec(&exec);
            e.running = false;
            e.exit_code = Some(status.code as i64);
            // dockerd 20.10 leaves `CanRemove` false after the exit (checked
            // against the reference daemon); only its GC looks at it.
        }
        if let Ok(ctr) = daemon.get_container(&container_id) {
            lock(&ctr).exec_ids.retain(|x| x != &id);
        }
        daemon.log_event_for_id(
            &container_id,
            "exec_die",
            &[
                ("execID", id.clone()),
                ("exitCode", status.code.to_string()),
            ],
        );
        trace_event!(
            "backend",
            "event",
            "Daemon.ContainerExecStart.exit",
            exec_id = id.as_str(),
            exit_code = status.code
        );
        if let Some(mut w) = writer_back {
            let _ = w.flush().await;
            let _ = w.shutdown().await;
        }
    }
}

/// moby `CreateDaemonEnvironment` + `ReplaceOrAppendEnvValues`: PATH,
/// HOSTNAME, TERM for a TTY, the container's variables, then the exec's
/// `-e` ones, each replacing an earlier one with the same name.
pub fn exec_environment(
    hostname: &str,
    tty: bool,
    container_env: &[String],
    exec_env: &[String],
) -> Vec<String> {
    let mut env = Vec::new();
    env.push("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string());
    env.push(format!("HOSTNAME={hostname}"));
    if tty {
        env.push("TERM=xterm".into());
    }
    for e in container_env.iter().chain(exec_env) {
        let key = e.split('=').next().unwrap_or("");
        match env.iter_mut().find(|x| x.split('=').next() == Some(key)) {
            Some(slot) => *slot = e.clone(),
            None => env.push(e.clone()),
        }
    }
    env
}

/// The spec an exec needs: the runtime joins the namespaces and cgroup of
/// the container's init (found by its pid and id), so only the identity
/// and directory matter.
fn exec_container_spec(c: &crate::container::Container) -> ContainerSpec {
    ContainerSpec {
        id: c.id.clone(),
        hostname: c.config.hostname.clone(),
        container_dir: c.root.clone(),
        // Only the cgroup's place matters for an exec: the helper joins it.
        resources: crate::runtime::Resources {
            cgroup_parent: c.host_config.cgroup_parent.clone(),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// 64 random hex characters, as exec ids are.
fn random_id() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exec's environment: daemon defaults, then the container's, then
    /// `-e`, later names replacing earlier ones (moby
    /// `ReplaceOrAppendEnvValues`).
    #[test]
    fn exec_env_replaces_by_name() {
        let env = exec_environment(
            "h",
            true,
            &["A=1".into(), "B=2".into()],
            &["B=3".into(), "C=4".into()],
        );
        assert_eq!(
            env,
            [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "HOSTNAME=h",
                "TERM=xterm",
                "A=1",
                "B=3",
                "C=4"
            ]
        );
    }
}
