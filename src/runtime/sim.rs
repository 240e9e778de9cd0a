//! The simulated runtime, for machines where containers cannot run (not
//! root, not Linux, no namespaces).
//!
//! dockerd has no such thing: without runc it refuses to start. We keep
//! one so that the API server, the CLI and the trace viewer can be used
//! anywhere, and we label it loudly: `docker info` shows the runtime as
//! "sim" and every call emits a runtime trace record with `sim = true`.
//!
//! Nothing runs in isolation and no program is executed at all. The sim
//! interprets a handful of commands itself (`echo`, `true`, `false`,
//! `sleep N`, `sh -c "exit N"`, `cat`); anything else fails to start with
//! docker's "executable file not found" error and exit code 127. Output
//! goes through real OS pipes (or a real pty with `-t`), so the daemon sees
//! exactly the [`ProcessIo`] shape the Linux runtime gives it.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::{
    ContainerSpec, ExitStatus, ProcessIo, ProcessSpec, Runtime, RuntimeError, RuntimeInfo, Spawned,
};

/// One simulated process: how to wake it when it is signalled.
struct SimProc {
    signalled: Mutex<Option<i32>>,
    wake: Condvar,
}

/// The simulated runtime. Pids are made up (counting from 100000) and
/// never refer to host processes.
pub struct SimRuntime {
    next_pid: AtomicU32,
    procs: Arc<Mutex<HashMap<u32, Arc<SimProc>>>>,
}

impl Default for SimRuntime {
    fn default() -> Self {
        Self::new()
    }
}

/// What a simulated command does.
enum Program {
    Echo(String),
    Exit(i32),
    Sleep(Duration),
    Cat,
}

impl SimRuntime {
    pub fn new() -> Self {
        SimRuntime {
            next_pid: AtomicU32::new(100_000),
            procs: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Turn argv into one of the few programs the sim knows.
    fn interpret(args: &[String]) -> Result<Program, RuntimeError> {
        let name = args.first().map(String::as_str).unwrap_or("");
        let base = name.rsplit('/').next().unwrap_or(name);
        match base {
            "echo" => Ok(Program::Echo(args[1..].join(" "))),
            "true" => Ok(Program::Exit(0)),
            "false" => Ok(Program::Exit(1)),
            "cat" => Ok(Program::Cat),
            "sleep" => {
                let secs: f64 = args
                    .get(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0.0_f64)
                    .max(0.0);
                Ok(Program::Sleep(Duration::from_secs_f64(secs.min(1e9))))
            }
            "sh" if args.len() == 3 && args[1] == "-c" => {
                let script = args[2].trim();
                if let Some(code) = script.strip_prefix("exit") {
                    let code = code.trim();
                    let code = if code.is_empty() { Ok(0) } else { code.parse() };
                    if let Ok(code) = code {
                        return Ok(Program::Exit(code & 0xff));
                    }
                }
                // `sh -c "echo hi"` and friends: interpret the script as argv.
                let inner: Vec<String> = script.split_whitespace().map(String::from).collect();
                Self::interpret(&inner)
            }
            _ => Err(RuntimeError {
                message: format!(
                    "failed to create shim task: OCI runtime create failed: sim runtime: \
                     unable to start container process: exec: \"{name}\": \
                     executable file not found in $PATH: unknown"
                ),
                exit_code: 127,
            }),
        }
    }

    fn spawn(&self, what: &'static str, process: &ProcessSpec) -> Result<Spawned, RuntimeError> {
        let started = Instant::now();
        trace_event!(
            "runtime",
            "enter",
            "runtime.sim.spawn",
            sim = true,
            op = what
        );
        let program = match Self::interpret(&process.args) {
            Ok(p) => p,
            Err(e) => {
                trace_event!(
                    "runtime",
                    "exit",
                    "runtime.sim.spawn",
                    sim = true,
                    op = what,
                    error = %e.message,
                    exit_code = e.exit_code,
                    dur_us = crate::trace::micros_since(started)
                );
                return Err(e);
            }
        };
        let io_err = |e: std::io::Error| RuntimeError::other(format!("sim runtime: {e}"));

        // The process side of each stream, and the daemon side.
        let (io, input, output, errput): (ProcessIo, Option<OwnedFd>, OwnedFd, Option<OwnedFd>) =
            if process.tty {
                let pty = nix::pty::openpty(None, None)
                    .map_err(|e| RuntimeError::other(format!("sim runtime: openpty: {e}")))?;
                if let Some((h, w)) = process.console_size {
                    let _ = super::pty::set_winsize(pty.master.as_raw_fd(), h, w);
                }
                let slave_in = pty.slave.try_clone().map_err(io_err)?;
                (
                    ProcessIo {
                        stdin: None,
                        stdout: None,
                        stderr: None,
                        pty: Some(pty.master),
                    },
                    Some(slave_in),
                    pty.slave,
                    None,
                )
            } else {
                let (out_r, out_w) = nix::unistd::pipe().map_err(|e| io_err(e.into()))?;
                let (err_r, err_w) = nix::unistd::pipe().map_err(|e| io_err(e.into()))?;
                let (stdin, input) = if process.stdin {
                    let (in_r, in_w) = nix::unistd::pipe().map_err(|e| io_err(e.into()))?;
                    (Some(in_w), Some(in_r))
                } else {
                    (None, None)
                };
                (
                    ProcessIo {
                        stdin,
                        stdout: Some(out_r),
                        stderr: Some(err_r),
                        pty: None,
                    },
                    input,
                    out_w,
                    Some(err_w),
                )
            };

        let pid = self.next_pid.fetch_add(1, Ordering::Relaxed);
        let proc_ = Arc::new(SimProc {
            signalled: Mutex::new(None),
            wake: Condvar::new(),
        });
        if let Ok(mut procs) = self.procs.lock() {
            procs.insert(pid, proc_.clone());
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        let procs = self.procs.clone();
        std::thread::spawn(move || {
            let code = run_program(program, &proc_, input, output, errput);
            if let Ok(mut procs) = procs.lock() {
                procs.remove(&pid);
            }
            trace_event!(
                "runtime",
                "event",
                "runtime.sim.exit",
                sim = true,
                pid = pid,
                code = code
            );
            let _ = tx.send(ExitStatus {
                code,
                oom_killed: false,
            });
        });
        trace_event!(
            "runtime",
            "exit",
            "runtime.sim.spawn",
            sim = true,
            op = what,
            pid = pid,
            dur_us = crate::trace::micros_since(started)
        );
        Ok(Spawned { pid, io, exit: rx })
    }
}

/// Run one simulated program on its own thread; returns its exit code.
fn run_program(
    program: Program,
    proc_: &SimProc,
    input: Option<OwnedFd>,
    output: OwnedFd,
    errput: Option<OwnedFd>,
) -> i32 {
    // Keep stderr open for the process's lifetime, as a real one would.
    let _errput = errput;
    let mut out = std::fs::File::from(output);
    match program {
        Program::Echo(text) => {
            let _ = writeln!(out, "{text}");
            0
        }
        Program::Exit(code) => code,
        Program::Cat => {
            if let Some(input) = input {
                let mut inp = std::fs::File::from(input);
                let mut buf = [0u8; 8192];
                loop {
                    match inp.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if out.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                    }
                    if let Ok(Some(sig)) = proc_.signalled.lock().map(|s| *s) {
                        return 128 + sig;
                    }
                }
            }
            0
        }
        Program::Sleep(d) => {
            let deadline = Instant::now() + d;
            let Ok(mut sig) = proc_.signalled.lock() else {
                return 0;
            };
            loop {
                if let Some(s) = *sig {
                    return 128 + s;
                }
                let now = Instant::now();
                if now >= deadline {
                    return 0;
                }
                match proc_.wake.wait_timeout(sig, deadline - now) {
                    Ok((g, _)) => sig = g,
                    Err(_) => return 0,
                }
            }
        }
    }
}

impl Runtime for SimRuntime {
    fn info(&self) -> RuntimeInfo {
        RuntimeInfo {
            name: "sim",
            cgroup_driver: "none",
            cgroup_version: "",
            warnings: vec![
                "WARNING: the \"sim\" runtime is SIMULATED: containers are not isolated and \
                 only echo, true, false, sleep, cat and sh -c \"exit N\" work"
                    .into(),
            ],
        }
    }

    fn start(&self, spec: &ContainerSpec) -> Result<Spawned, RuntimeError> {
        let _ = spec;
        self.spawn("start", &spec.process)
    }

    fn exec(
        &self,
        spec: &ContainerSpec,
        pid: u32,
        process: &ProcessSpec,
    ) -> Result<Spawned, RuntimeError> {
        let _ = (spec, pid);
        self.spawn("exec", process)
    }

    fn signal(&self, pid: u32, signal: i32) -> Result<(), RuntimeError> {
        trace_event!(
            "runtime",
            "event",
            "runtime.sim.signal",
            sim = true,
            pid = pid,
            signal = signal
        );
        let proc_ = self.procs.lock().ok().and_then(|p| p.get(&pid).cloned());
        let Some(proc_) = proc_ else {
            return Err(RuntimeError::other(format!(
                "sim runtime: no such process {pid}"
            )));
        };
        // A real PID 1 without handlers would ignore SIGTERM; the sim has
        // no handlers to consult and treats every signal but 0 as fatal,
        // which is what `docker stop`/`kill` end up doing anyway.
        if signal != 0 {
            if let Ok(mut s) = proc_.signalled.lock() {
                *s = Some(signal);
            }
            proc_.wake.notify_all();
        }
        Ok(())
    }

    fn resize(&self, pty: BorrowedFd<'_>, height: u16, width: u16) -> Result<(), RuntimeError> {
        super::pty::set_winsize(pty.as_raw_fd(), height, width)
            .map_err(|e| RuntimeError::other(format!("resize: {e}")))
    }

    fn top(
        &self,
        spec: &ContainerSpec,
        pid: u32,
        ps_args: &str,
    ) -> Result<(Vec<String>, Vec<Vec<String>>), RuntimeError> {
        let _ = ps_args;
        trace_event!("runtime", "event", "runtime.sim.top", sim = true, pid = pid);
        let titles = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let row = vec![
            "root".into(),
            pid.to_string(),
            "0".into(),
            "0".into(),
            "00:00".into(),
            "?".into(),
            "00:00:00".into(),
            spec.process.args.join(" "),
        ];
        Ok((titles, vec![row]))
    }

    fn cleanup(&self, spec: &ContainerSpec) {
        trace_event!("runtime", "event", "runtime.sim.cleanup", sim = true, id = %spec.id);
    }

    /// All zeros: nothing is measured in the simulation.
    fn stats(&self, spec: &ContainerSpec) -> Result<super::CgroupStats, RuntimeError> {
        trace_event!("runtime", "event", "runtime.sim.stats", sim = true, id = %spec.id);
        Ok(super::CgroupStats {
            online_cpus: 1,
            ..Default::default()
        })
    }

    /// Accepted so the API's state machine can be exercised, but nothing is
    /// frozen: simulated processes are threads of the daemon.
    fn pause(&self, spec: &ContainerSpec) -> Result<(), RuntimeError> {
        trace_event!("runtime", "event", "runtime.sim.pause", sim = true, id = %spec.id);
        Ok(())
    }

    fn resume(&self, spec: &ContainerSpec) -> Result<(), RuntimeError> {
        trace_event!("runtime", "event", "runtime.sim.resume", sim = true, id = %spec.id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn spec(args: &[&str]) -> ContainerSpec {
        ContainerSpec {
            id: "c".repeat(64),
            hostname: "cccccccccccc".into(),
            layers: vec![],
            container_dir: PathBuf::from("/nonexistent"),
            mounts: vec![],
            network: Default::default(),
            resources: Default::default(),
            process: ProcessSpec {
                args: args.iter().map(|s| s.to_string()).collect(),
                ..Default::default()
            },
            etc_hosts: String::new(),
            resolv_conf: String::new(),
            readonly_rootfs: false,
            privileged: false,
            ..Default::default()
        }
    }

    fn read(fd: Option<OwnedFd>) -> String {
        let mut s = String::new();
        let _ = std::fs::File::from(fd.unwrap()).read_to_string(&mut s);
        s
    }

    /// Without namespaces the sim still gives the daemon real pipes and
    /// docker's exit codes: echo's output, `sh -c "exit N"`, and 127 for
    /// anything it cannot interpret.
    #[tokio::test]
    async fn sim_interprets_a_few_commands() {
        let rt = SimRuntime::new();
        let s = rt.start(&spec(&["echo", "hello", "world"])).unwrap();
        assert_eq!(read(s.io.stdout), "hello world\n");
        assert_eq!(s.exit.await.unwrap().code, 0);
        let s = rt.start(&spec(&["sh", "-c", "exit 3"])).unwrap();
        assert_eq!(s.exit.await.unwrap().code, 3);
        let err = rt.start(&spec(&["nosuchcmd"])).err().unwrap();
        assert_eq!(err.exit_code, 127);
        assert!(err.message.contains("executable file not found in $PATH"));
    }

    /// `docker run -i busybox cat` echoes stdin; `docker kill` ends a
    /// sleeping container with 128+signal.
    #[tokio::test]
    async fn sim_cat_and_kill() {
        let rt = SimRuntime::new();
        let mut sp = spec(&["cat"]);
        sp.process.stdin = true;
        let s = rt.start(&sp).unwrap();
        let mut w = std::fs::File::from(s.io.stdin.unwrap());
        w.write_all(b"typed").unwrap();
        drop(w);
        assert_eq!(read(s.io.stdout), "typed");
        assert_eq!(s.exit.await.unwrap().code, 0);
        let s = rt.start(&spec(&["sleep", "100"])).unwrap();
        rt.signal(s.pid, 9).unwrap();
        assert_eq!(s.exit.await.unwrap().code, 137);
    }
}
