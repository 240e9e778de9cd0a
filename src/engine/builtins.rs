//! The jobs the Engine knows: docker 1.x job names mapped to moby's handlers.
//!
//! Mirrors moby `builtins/builtins.go` (`Register`) at v1.5.0, and the
//! `eng.Job(...)` calls in that version's `api/server/server.go`. In docker
//! 1.x, `builtins.Register` installed `serveapi`, `version` and the daemon's
//! jobs (`daemon.Install` registered `create`, `start`, `container_rename`,
//! `execCreate`, ...); an HTTP handler such as `postContainerRename` then
//! ran `eng.Job("container_rename", vars["name"], newName)`.
//!
//! Here [`register`] installs one job per route whose handler existed as a
//! job in docker 1.5 ([`JOB_NAMES`]), and the job's handler calls the same
//! route handler the router would call. [`route_as_job`] is what the server
//! puts in the route's place in `--engine-jobs` mode: it turns the request
//! into a job (path variables become arguments, query parameters become the
//! environment) and runs it. Routes that had no job in docker 1.x (swarm,
//! plugins, volumes, networks, `_ping`, which wrote "OK" itself) keep
//! calling their handler directly, so the trace shows no job for them.
//!
//! `serveapi` itself is not a job here: in docker 1.x `mainDaemon` ran
//! `eng.Job("serveapi", flHosts...)`; mini-dockerd's start-up follows 1.12
//! and later (`DaemonCli.start`, src/cmd/daemon.rs), and the lesson
//! explains the difference instead of faking it.

use std::sync::Arc;

use crate::errdefs::Result;
use crate::server::httputils::{ApiFunc, ApiRequest, Vars};
use crate::server::router::Router;

use super::{Engine, Handler, HttpCall, Job, STATUS_ERR};

/// moby v20.10 handler name → docker 1.5 job name (from the `eng.Job(...)`
/// calls in v1.5.0 `api/server/server.go`, and `eng.ServeHTTP` for
/// `version`/`info`, which ran the job named by the URL path). Each job name
/// appears once; two routes with the same handler (`getImagesGet`) share
/// one job.
pub const JOB_NAMES: &[(&str, &str)] = &[
    // system
    ("getVersion", "version"),
    ("getInfo", "info"),
    ("getEvents", "events"),
    ("postAuth", "auth"),
    // containers
    ("getContainersJSON", "containers"),
    ("getContainersExport", "export"),
    ("getContainersChanges", "container_changes"),
    ("getContainersByName", "container_inspect"),
    ("getContainersTop", "top"),
    ("getContainersLogs", "logs"),
    ("getContainersStats", "container_stats"),
    ("postContainersCreate", "create"),
    ("postContainersKill", "kill"),
    ("postContainersPause", "pause"),
    ("postContainersUnpause", "unpause"),
    ("postContainersRestart", "restart"),
    ("postContainersStart", "start"),
    ("postContainersStop", "stop"),
    ("postContainersWait", "wait"),
    ("postContainersResize", "resize"),
    ("postContainersAttach", "attach"),
    ("postContainersCopy", "container_copy"),
    ("postContainerRename", "container_rename"),
    ("postCommit", "commit"),
    ("deleteContainers", "rm"),
    // exec (docker 1.3 introduced exec with camel-case job names)
    ("postContainerExecCreate", "execCreate"),
    ("postContainerExecStart", "execStart"),
    ("postContainerExecResize", "execResize"),
    ("getExecByID", "execInspect"),
    // images
    ("getImagesJSON", "images"),
    ("getImagesSearch", "search"),
    ("getImagesGet", "image_export"),
    ("getImagesHistory", "history"),
    ("getImagesByName", "image_inspect"),
    ("postImagesLoad", "load"),
    ("postImagesCreate", "pull"),
    ("postImagesPush", "push"),
    ("postImagesTag", "tag"),
    ("deleteImages", "image_delete"),
    // build
    ("postBuild", "build"),
];

/// The docker 1.x job name for a moby handler, if it had one.
pub fn job_name_for(handler_name: &str) -> Option<&'static str> {
    JOB_NAMES
        .iter()
        .find(|(h, _)| *h == handler_name)
        .map(|(_, j)| *j)
}

/// docker 1.x `builtins.Register` (plus the daemon's `Install`): one job
/// per route that had one. The job's handler runs the route's traced
/// handler on the request the job carries, so the answer is the same as
/// without jobs. Returns the number of jobs registered.
pub fn register(eng: &Engine, routers: &[Arc<dyn Router>]) -> Result<usize> {
    let mut n = 0;
    for router in routers {
        let router_name = router.name();
        for route in router.clone().routes() {
            let Some(job_name) = job_name_for(route.handler_name) else {
                continue;
            };
            // Two routes, one handler (`/images/get` and
            // `/images/{name:.*}/get`): the first registration serves both.
            if eng.has(job_name) {
                continue;
            }
            let inner = crate::server::traced_handler(&route, router_name);
            eng.register(job_name, http_job_handler(inner))?;
            n += 1;
        }
    }
    Ok(n)
}

/// A job handler that serves the HTTP request attached to the job with a
/// route handler. In docker 1.x the job handler was the daemon's own code
/// (`daemon.ContainerRename(job)`), which wrote JSON to `job.Stdout`, an
/// alias of the `http.ResponseWriter`; here the handler's response is the
/// job's output.
fn http_job_handler(inner: ApiFunc) -> Handler {
    Arc::new(move |mut job: Job| {
        let inner = inner.clone();
        Box::pin(async move {
            let Some(HttpCall { ctx, req, vars }) = job.take_http() else {
                let status = job.errorf(format!(
                    "{}: this job serves an API request and was run without one",
                    job.name
                ));
                return (job, status);
            };
            let status = job.set_response(inner(ctx, req, vars).await);
            (job, status)
        })
    })
}

/// What the server registers in a route's place in `--engine-jobs` mode:
/// `None` for a route that had no job (the server keeps its handler).
///
/// The returned handler does what a docker 1.x HTTP handler did: build
/// `eng.Job(name, args...)`, `Setenv` the form values, `Run()` it, and
/// answer with what the job produced.
pub fn route_as_job(eng: &Arc<Engine>, handler_name: &str) -> Option<ApiFunc> {
    let job_name = job_name_for(handler_name)?;
    let eng = eng.clone();
    Some(Arc::new(move |ctx, req, vars| {
        let eng = eng.clone();
        Box::pin(async move {
            let args = job_args(job_name, &vars, &req);
            let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let mut job = eng.job(job_name, &arg_refs);
            // docker 1.x handlers copied form values one by one
            // (`job.Setenv("t", r.Form.Get("t"))`); we copy all of them.
            if let Some(q) = req.uri().query() {
                for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
                    job.setenv(&k, &v);
                }
            }
            job.attach_http(HttpCall { ctx, req, vars });
            let job = job.run().await;
            if job.status() == Some(STATUS_ERR) {
                tracing::debug!("job {} failed: {}", job.name, job.error_message());
            }
            job.into_response()
        })
    }))
}

/// The positional arguments docker 1.5 gave each job: the container, image
/// or exec named in the path, then a few form values
/// (`eng.Job("container_rename", vars["name"], newName)`,
/// `eng.Job("tag", vars["name"], repo, tag)`, `eng.Job("create", name)`).
fn job_args(job_name: &str, vars: &Vars, req: &ApiRequest) -> Vec<String> {
    let form = |key: &str| -> String {
        req.uri()
            .query()
            .and_then(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.into_owned())
            })
            .unwrap_or_default()
    };
    let mut args = Vec::new();
    if let Some(v) = vars.get("name").or_else(|| vars.get("id")) {
        args.push(v.clone());
    }
    match job_name {
        "container_rename" => args.push(form("name")),
        "create" => args.push(form("name")),
        "tag" => {
            args.push(form("repo"));
            args.push(form("tag"));
        }
        "top" => args.push(form("ps_args")),
        "resize" | "execResize" => {
            args.push(form("h"));
            args.push(form("w"));
        }
        "pull" => {
            args.push(form("fromImage"));
            args.push(form("tag"));
        }
        "search" => args.push(form("term")),
        _ => {}
    }
    args
}
