//! The docker 1.x Engine: a registry of named jobs, and the jobs themselves.
//!
//! Mirrors moby `engine/engine.go` and `engine/job.go` at v1.5.0 (the era
//! seed article 000 walks). In docker 1.x the daemon was not called through
//! Go interfaces: `main` built an `Engine`, `builtins.Register` filled it
//! with named handlers (`"serveapi"`, `"version"`, `"create"`,
//! `"container_rename"`, ...), and every HTTP handler did
//!
//! ```go
//! job := eng.Job("container_rename", vars["name"], newName)
//! job.Setenv("t", r.Form.Get("t"))
//! if err := job.Run(); err != nil { return err }
//! ```
//!
//! mini-dockerd runs this design live with `--engine-jobs`: the server
//! wraps each route's handler so that it is invoked as a job through this
//! registry (see `src/server/mod.rs`, `create_mux`, and
//! [`builtins`]), and each job shows up in the trace as a `job` stage
//! between the mux and the handler. walkthroughs/08-engine-jobs.md puts the
//! two designs side by side.
//!
//! What we keep from docker 1.x: names, string arguments, an environment of
//! string key/values, a numeric status (0 OK, 1 error, 127 not found), a
//! `"commands"` job that lists the registry, and the `+job`/`-job` log
//! lines. What we leave out: `Job.Stdin`/`Stderr` as pluggable stream
//! fan-outs (`engine/streams.go`), `Engine.Shutdown`'s task counting, and
//! the catch-all handler. The job's stdout is either a byte buffer (for
//! jobs that print) or the HTTP response of the handler it ran.

pub mod builtins;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use hyper::Response;

use crate::errdefs::{Error, ErrorKind, Result};
use crate::server::httputils::{ApiRequest, Body, BoxFuture, Ctx, Vars};

/// docker 1.x `engine.Status`: what a job handler returns.
///
/// It is a plain integer in Go, shaped after a process exit status. We keep
/// it an integer too, so the trace and the log lines read as they did.
pub type Status = i32;

/// The job finished without error (`engine.StatusOK`).
pub const STATUS_OK: Status = 0;
/// The job failed (`engine.StatusErr`).
pub const STATUS_ERR: Status = 1;
/// No handler is registered under the job's name (`engine.StatusNotFound`,
/// 127 like a shell's "command not found").
pub const STATUS_NOT_FOUND: Status = 127;

/// docker 1.x `engine.Handler`: `func(*Job) Status`.
///
/// Go handlers borrow the job and return a status. An async Rust handler
/// cannot easily hold `&mut Job` across `.await`, so ours takes the job by
/// value and gives it back with the status: same information, ownership
/// made explicit.
pub type Handler = Arc<dyn Fn(Job) -> BoxFuture<(Job, Status)> + Send + Sync>;

/// docker 1.x `engine.Engine`: the registry of job handlers.
///
/// Go's Engine also held the root directory, a shutdown flag and a task
/// wait group; the API server is the only caller here, and shutdown is the
/// server's business (src/server/mod.rs), so only the registry remains.
pub struct Engine {
    handlers: RwLock<BTreeMap<String, Handler>>,
    /// Print the `+job name(args)` / `-job name(args) = OK (0)` log lines,
    /// as `Engine.Logging` did (on by default in docker 1.x).
    pub logging: bool,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("commands", &self.commands())
            .finish()
    }
}

impl Engine {
    /// docker 1.x `engine.New()`: an empty registry with one built-in job,
    /// `"commands"`, which prints the names of every registered job.
    pub fn new() -> Arc<Engine> {
        let eng = Arc::new(Engine {
            handlers: RwLock::new(BTreeMap::new()),
            logging: true,
        });
        // `commands` needs the registry it lists; a weak reference keeps
        // the engine from owning itself through its own handler.
        let weak = Arc::downgrade(&eng);
        let commands: Handler = Arc::new(move |mut job: Job| {
            let weak = weak.clone();
            Box::pin(async move {
                if let Some(eng) = weak.upgrade() {
                    for name in eng.commands() {
                        job.stdout.extend_from_slice(name.as_bytes());
                        job.stdout.push(b'\n');
                    }
                }
                (job, STATUS_OK)
            })
        });
        // The registry is empty, so this cannot collide.
        let _ = eng.register("commands", commands);
        eng
    }

    /// docker 1.x `Engine.Register`: a name may be registered once; a second
    /// registration is an error ("Can't overwrite handler for command").
    pub fn register(&self, name: &str, handler: Handler) -> Result<()> {
        let mut handlers = self.handlers.write().unwrap_or_else(|e| e.into_inner());
        if handlers.contains_key(name) {
            return Err(Error::conflict(format!(
                "Can't overwrite handler for command {name}"
            )));
        }
        handlers.insert(name.to_string(), handler);
        Ok(())
    }

    /// Whether a job of this name is registered.
    pub fn has(&self, name: &str) -> bool {
        self.handlers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(name)
    }

    /// The registered job names, sorted (the output of the `commands` job).
    pub fn commands(&self) -> Vec<String> {
        self.handlers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect()
    }

    /// docker 1.x `Engine.Job(name, args...)`: a job ready to run. The
    /// handler is looked up now; an unknown name still gives a job, which
    /// fails with status 127 when it runs, as in Go.
    pub fn job(&self, name: &str, args: &[&str]) -> Job {
        let handler = self
            .handlers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned();
        Job {
            name: name.to_string(),
            args: args.iter().map(|a| a.to_string()).collect(),
            env: BTreeMap::new(),
            stdout: Vec::new(),
            stderr: String::new(),
            http: None,
            response: None,
            handler,
            logging: self.logging,
            status: None,
        }
    }
}

/// The HTTP request a job was created for, handed to the handler that the
/// job runs. docker 1.x jobs never saw the request (the HTTP handler copied
/// what they needed into args and env); ours carry it because the job runs
/// the very handler the router would have called, so both designs answer
/// identically.
pub struct HttpCall {
    pub ctx: Ctx,
    pub req: ApiRequest,
    pub vars: Vars,
}

/// docker 1.x `engine.Job`: one named call with arguments and an
/// environment.
pub struct Job {
    /// The job's name (`"container_rename"`).
    pub name: String,
    /// Positional arguments (`[old_name, new_name]`).
    pub args: Vec<String>,
    /// `Setenv`/`Getenv` key/values (docker 1.x `engine.Env`).
    env: BTreeMap<String, String>,
    /// What the job printed (docker 1.x `job.Stdout`, here a buffer).
    pub stdout: Vec<u8>,
    /// The last error line (docker 1.x kept the tail of `job.Stderr` and
    /// returned it from `Run` as the error).
    stderr: String,
    /// The request being served, when the job was made for one.
    http: Option<HttpCall>,
    /// The response of the handler the job ran: the stdout of an HTTP job.
    response: Option<Result<Response<Body>>>,
    handler: Option<Handler>,
    logging: bool,
    /// `None` until the job ran.
    status: Option<Status>,
}

impl Job {
    /// docker 1.x `Job.Setenv`.
    pub fn setenv(&mut self, key: &str, value: &str) {
        self.env.insert(key.to_string(), value.to_string());
    }

    /// docker 1.x `Job.Getenv` (empty string when unset, as in Go).
    pub fn getenv(&self, key: &str) -> String {
        self.env.get(key).cloned().unwrap_or_default()
    }

    /// docker 1.x `Job.GetenvBool`: "1", "true" (any case) are true.
    pub fn getenv_bool(&self, key: &str) -> bool {
        let v = self.getenv(key).to_ascii_lowercase();
        v == "1" || v == "true"
    }

    /// The environment, as `Job.Environ()`.
    pub fn environ(&self) -> &BTreeMap<String, String> {
        &self.env
    }

    /// Attach the HTTP request this job serves.
    pub fn attach_http(&mut self, call: HttpCall) {
        self.http = Some(call);
    }

    /// Take the attached HTTP request (a handler does this once).
    pub fn take_http(&mut self) -> Option<HttpCall> {
        self.http.take()
    }

    /// Record the handler's response as this job's output, and return the
    /// status it means: OK for a response, 127 for a not-found error (the
    /// status docker 1.x used for "no such thing"), 1 for any other error.
    pub fn set_response(&mut self, r: Result<Response<Body>>) -> Status {
        let status = match &r {
            Ok(_) => STATUS_OK,
            Err(e) if e.is(ErrorKind::NotFound) => STATUS_NOT_FOUND,
            Err(_) => STATUS_ERR,
        };
        if let Err(e) = &r {
            self.stderr = e.message.clone();
        }
        self.response = Some(r);
        status
    }

    /// docker 1.x `Job.Errorf`: note the error and return `StatusErr`.
    pub fn errorf(&mut self, message: impl Into<String>) -> Status {
        self.stderr = message.into();
        STATUS_ERR
    }

    /// docker 1.x `Job.CallString`: `name(arg1, arg2)`.
    pub fn call_string(&self) -> String {
        format!("{}({})", self.name, self.args.join(", "))
    }

    /// The status, once the job ran.
    pub fn status(&self) -> Option<Status> {
        self.status
    }

    /// The error text of a failed job (docker 1.x: the tail of stderr).
    pub fn error_message(&self) -> &str {
        &self.stderr
    }

    /// docker 1.x `Job.Run`: look up nothing more, call the handler, keep
    /// its status. An unknown job fails with 127 and "NAME: command not
    /// found". Emits a `job` trace stage (`enter`, then `exit` with the
    /// status and the time spent) and, like `Engine.Logging`, the
    /// `+job`/`-job` debug log lines.
    ///
    /// Go's `Run` returns only an error and leaves the output in the job;
    /// ours returns the finished job, which is where the output is.
    pub async fn run(mut self) -> Job {
        let start = Instant::now();
        let call = self.call_string();
        let env = serde_json::to_string(&self.env).unwrap_or_default();
        if self.logging {
            tracing::debug!("+job {call}");
        }
        trace_event!(
            "job",
            "enter",
            self.name.as_str(),
            call = call.as_str(),
            env = env.as_str()
        );
        let job = match self.handler.take() {
            None => {
                self.stderr = format!("{}: command not found", self.name);
                self.status = Some(STATUS_NOT_FOUND);
                self
            }
            Some(handler) => {
                let (mut job, status) = handler(self).await;
                job.status = Some(status);
                job
            }
        };
        let status = job.status.unwrap_or(STATUS_ERR);
        let okerr = if status == STATUS_OK { "OK" } else { "ERR" };
        if job.logging {
            tracing::debug!("-job {call} = {okerr} ({status})");
        }
        trace_event!(
            "job",
            "exit",
            job.name.as_str(),
            status = status as i64,
            result = okerr,
            error = job.stderr.as_str(),
            dur_us = crate::trace::micros_since(start)
        );
        job
    }

    /// The HTTP answer of a job made for a request: the handler's response,
    /// or the job's error when the handler never produced one.
    pub fn into_response(mut self) -> Result<Response<Body>> {
        match self.response.take() {
            Some(r) => r,
            None => {
                let msg = if self.stderr.is_empty() {
                    format!("{}: the job wrote no response", self.name)
                } else {
                    self.stderr.clone()
                };
                Err(match self.status {
                    Some(STATUS_NOT_FOUND) => Error::not_found(msg),
                    _ => Error::system(msg),
                })
            }
        }
    }
}
