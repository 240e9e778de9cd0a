//! The API server: listeners in, mux, middleware chain, handlers.
//!
//! Mirrors moby `api/server/server.go` and `api/server/middleware.go`
//! (v20.10.24). The shape is the same as dockerd's:
//!
//! - [`Server::use_middleware`] appends to the middleware list
//!   (`UseMiddleware`);
//! - [`Server::init_router`] appends routers (`InitRouter`);
//! - [`Server::accept`] adds one HTTP server per listener (`Accept`);
//! - [`Server::serve_api`] runs each HTTP server on its own task and
//!   gathers their errors on a channel (`serveAPI` / `Wait`);
//! - [`Server::create_mux`] registers every route twice, with the
//!   `/v{version:[0-9.]+}` prefix and without, then the debug routes, the
//!   versioned catch-all and the not-found handlers (`createMux`);
//! - [`make_http_handler`] is the one place where an error becomes a
//!   response (`makeHTTPHandler`).
//!
//! Two things moby does that we do differently, on purpose: moby wraps a
//! route's handler with the middlewares on every request
//! (`handlerWithGlobalMiddlewares` inside `makeHTTPHandler`); we wrap once
//! when the mux is built, because a Rust closure chain is cheap to keep and
//! costly to rebuild. And moby's `routerSwapper` swaps the whole
//! `http.Handler` on reload; ours swaps the mux behind an `RwLock` (see
//! [`RouterSwapper`]).
//!
//! Lesson: `walkthroughs/01-startup.md`.

pub mod backend;
pub mod hijack;
pub mod httpstatus;
pub mod httputils;
pub mod logstream;
pub mod middleware;
pub mod mux;
pub mod router;

use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt;
use http_body_util::BodyExt;
use hyper::body::{Body as _, Frame, Incoming, SizeHint};
use hyper::header::{HeaderMap, CONTENT_TYPE, LOCATION};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::{mpsc, watch};

use crate::errdefs::Error;
use crate::listeners::{Accepted, Listener};
use crate::trace::{self, Hub, Phase, Stage, TraceRecord};
use httputils::{ApiFunc, Body, ConnInfo, Ctx};
use middleware::Middleware;
use mux::{MatchOutcome, MatchReport, Mux, VERSION_MATCHER};
use router::Router;

/// moby `server.Config`.
#[derive(Debug, Clone)]
pub struct Config {
    /// Log each request (moby: `Logging`, with the debug middleware at debug level).
    pub logging: bool,
    /// Whether the debug request middleware is in the chain (`-D`).
    pub debug: bool,
    /// `--api-cors-header`.
    pub cors_headers: String,
    /// The engine version reported in `Server:` and `/version`.
    pub version: String,
    /// How long a client may take to send a request head before the
    /// connection is closed (Go's `ReadHeaderTimeout`; dockerd uses 5 minutes).
    pub read_header_timeout: Duration,
    /// How long shutdown waits for in-flight requests.
    pub shutdown_timeout: Duration,
    /// `--engine-jobs`: the docker 1.x Engine whose jobs the routes run
    /// through (see src/engine/). `None`: handlers are called directly, as
    /// in moby 1.12 and later.
    pub engine: Option<Arc<crate::engine::Engine>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            logging: true,
            debug: false,
            cors_headers: String::new(),
            version: crate::version::ENGINE_VERSION.to_string(),
            read_header_timeout: Duration::from_secs(30),
            shutdown_timeout: Duration::from_secs(5),
            engine: None,
        }
    }
}

/// What the mux hands a matched request to.
pub struct RouteEntry {
    /// The route's handler wrapped by the middleware chain.
    pub handler: ApiFunc,
    pub method: Option<Method>,
    pub template: String,
    pub handler_name: &'static str,
    pub router: &'static str,
    pub moby_file: &'static str,
    pub rust_file: &'static str,
    /// The catch-all answers 404 without the middlewares, as moby's does.
    pub not_found: bool,
}

/// The mux as the server uses it.
pub type ApiMux = Mux<Arc<RouteEntry>>;

/// moby's `routerSwapper` (cmd/dockerd/router_swapper.go): the live mux,
/// replaced as a whole on reload (SIGHUP) while requests keep flowing.
#[derive(Default)]
pub struct RouterSwapper {
    mux: RwLock<Arc<ApiMux>>,
}

impl RouterSwapper {
    pub fn swap(&self, mux: ApiMux) {
        *self.mux.write().unwrap() = Arc::new(mux);
    }

    pub fn current(&self) -> Arc<ApiMux> {
        self.mux.read().unwrap().clone()
    }
}

/// Rebuilds the mux with a new configuration and swaps it in while
/// requests keep flowing: moby's `routerSwapper.Swap` as called from
/// `DaemonCli.reloadConfig` when the debug setting changes (SIGHUP).
pub struct Reloader {
    cfg: Config,
    routers: Vec<Arc<dyn Router>>,
    middlewares: Vec<Arc<dyn Middleware>>,
    swapper: Arc<RouterSwapper>,
}

impl Reloader {
    /// Turn the debug request middleware on or off. Requests already in
    /// flight finish on the old mux; the next one gets the new one.
    pub fn reload(&self, debug_on: bool) {
        let server = Server {
            cfg: Arc::new(Config {
                debug: debug_on,
                ..self.cfg.clone()
            }),
            servers: Vec::new(),
            routers: self.routers.clone(),
            router_swapper: self.swapper.clone(),
            middlewares: self.middlewares.clone(),
        };
        server.install_mux();
        trace_event!("daemon", "event", "reload", debug = debug_on);
    }
}

/// One HTTP server per listener (moby `HTTPServer`).
pub struct HttpServer {
    pub addr: String,
    pub listener: Listener,
}

/// moby `server.Server`.
pub struct Server {
    cfg: Arc<Config>,
    servers: Vec<HttpServer>,
    routers: Vec<Arc<dyn Router>>,
    router_swapper: Arc<RouterSwapper>,
    middlewares: Vec<Arc<dyn Middleware>>,
}

/// The path of mini-dockerd's trace stream (not a moby route).
pub const TRACE_ROUTE: &str = "/debug/trace";

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);
static NEXT_REQ: AtomicU64 = AtomicU64::new(1);

impl Server {
    /// moby `server.New(cfg)`.
    pub fn new(cfg: Config) -> Server {
        Server {
            cfg: Arc::new(cfg),
            servers: Vec::new(),
            routers: Vec::new(),
            router_swapper: Arc::new(RouterSwapper::default()),
            middlewares: Vec::new(),
        }
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// moby `UseMiddleware`: append; the first one registered runs last.
    pub fn use_middleware(&mut self, m: Arc<dyn Middleware>) {
        self.middlewares.push(m);
    }

    /// Replace the middlewares (a reload changes the debug middleware).
    pub fn set_middlewares(&mut self, ms: Vec<Arc<dyn Middleware>>) {
        self.middlewares = ms;
    }

    /// moby `InitRouter`.
    pub fn init_router(&mut self, routers: Vec<Arc<dyn Router>>) {
        self.routers.extend(routers);
    }

    /// moby `Accept`: one HTTP server per listener.
    pub fn accept(&mut self, addr: &str, listeners: Vec<Listener>) {
        for listener in listeners {
            self.servers.push(HttpServer {
                addr: addr.to_string(),
                listener,
            });
        }
    }

    pub fn router_swapper(&self) -> Arc<RouterSwapper> {
        self.router_swapper.clone()
    }

    /// What a live reload needs: the routers, the middlewares and the
    /// swapper, without the listeners (which `serve_api` takes).
    pub fn reloader(&self) -> Reloader {
        Reloader {
            cfg: (*self.cfg).clone(),
            routers: self.routers.clone(),
            middlewares: self.middlewares.clone(),
            swapper: self.router_swapper.clone(),
        }
    }

    /// moby `handlerWithGlobalMiddlewares` (api/server/middleware.go; it
    /// lives here because Rust cannot have both a `middleware.rs` file and
    /// a `middleware/` folder for two different modules). Each middleware
    /// wraps the chain built so far, so the first registered is innermost;
    /// the debug middleware, when on, wraps everything.
    pub fn handler_with_global_middlewares(&self, handler: ApiFunc) -> ApiFunc {
        let mut next = handler;
        for m in &self.middlewares {
            next = m.wrap_handler(next);
        }
        if self.cfg.logging && self.cfg.debug {
            next = middleware::DebugRequestMiddleware.wrap_handler(next);
        }
        next
    }

    /// moby `createMux`: the route table, in registration order.
    pub fn create_mux(&self) -> ApiMux {
        let mut m = ApiMux::new();
        for api_router in &self.routers {
            let is_debug = api_router.name() == "debug";
            for r in api_router.clone().routes() {
                let inner = traced_handler(&r, api_router.name());
                // --engine-jobs (docker 1.x, seed article 000): the route
                // runs its handler as a named job through the Engine,
                // `eng.Job("version").Run()`, instead of calling it. Routes
                // that were never jobs in docker 1.x keep their handler.
                // The job's own handler calls the same traced handler
                // (src/engine/builtins.rs), so only a `job` stage is added.
                let inner = match &self.cfg.engine {
                    Some(eng) => {
                        crate::engine::builtins::route_as_job(eng, r.handler_name).unwrap_or(inner)
                    }
                    None => inner,
                };
                let entry = |template: String, method: Option<Method>| {
                    Arc::new(RouteEntry {
                        handler: self.handler_with_global_middlewares(inner.clone()),
                        method,
                        template,
                        handler_name: r.handler_name,
                        router: api_router.name(),
                        moby_file: r.moby_file,
                        rust_file: r.rust_file,
                        not_found: false,
                    })
                };
                if is_debug {
                    // v20.10.24 registers the debug routes once, under
                    // /debug, for any method: `m.Path("/debug" + r.Path())`.
                    let t = format!("/debug{}", r.path);
                    m.handle(None, &t, entry(t.clone(), None));
                } else {
                    let v = format!("{VERSION_MATCHER}{}", r.path);
                    m.handle(
                        Some(r.method.clone()),
                        &v,
                        entry(v.clone(), Some(r.method.clone())),
                    );
                    m.handle(
                        Some(r.method.clone()),
                        r.path,
                        entry(r.path.to_string(), Some(r.method.clone())),
                    );
                }
            }
        }
        // mini-dockerd's own route, not moby's: the trace stream that
        // `mini-dockerd tui` attaches to (see router/debug/mod.rs).
        let trace_handler: ApiFunc = Arc::new(|ctx, req, vars| {
            Box::pin(router::debug::debug_routes::get_trace(ctx, req, vars))
        });
        m.handle(
            Some(Method::GET),
            TRACE_ROUTE,
            Arc::new(RouteEntry {
                handler: self.handler_with_global_middlewares(trace_handler),
                method: Some(Method::GET),
                template: TRACE_ROUTE.to_string(),
                handler_name: "getTrace",
                router: "debug",
                moby_file: "(mini-dockerd only)",
                rust_file: "src/server/router/debug/debug_routes.rs",
                not_found: false,
            }),
        );
        let catch_all = format!("{VERSION_MATCHER}/{{path:.*}}");
        m.handle(
            None,
            &catch_all,
            Arc::new(RouteEntry {
                handler: not_found_handler(),
                method: None,
                template: catch_all.clone(),
                handler_name: "notFoundHandler",
                router: "server",
                moby_file: "server.go",
                rust_file: file!(),
                not_found: true,
            }),
        );
        m
    }

    /// Build the mux, put it in the swapper and publish the table to the trace.
    pub fn install_mux(&self) {
        let mux = self.create_mux();
        Hub::publish_routes(routes_record(&mux));
        self.router_swapper.swap(mux);
    }

    /// The routes as `mini-dockerd routes` prints them: one line per route
    /// of each router (not per registration).
    pub fn route_table(&self) -> Vec<(String, String, String, String, String)> {
        let mut out = Vec::new();
        for r in &self.routers {
            for route in r.clone().routes() {
                let path = if r.name() == "debug" {
                    format!("/debug{}", route.path)
                } else {
                    route.path.to_string()
                };
                out.push((
                    route.method.to_string(),
                    path,
                    route.handler_name.to_string(),
                    r.name().to_string(),
                    format!("api/server/router/{}", route.moby_file),
                ));
            }
        }
        out
    }

    /// moby `serveAPI` + `Wait`: one task per HTTP server; the first error
    /// any of them returns is the result. Returns when `shutdown` fires and
    /// every server has stopped (in-flight requests get
    /// `shutdown_timeout` to finish).
    pub async fn serve_api(self, mut shutdown: watch::Receiver<bool>) -> std::io::Result<()> {
        let _ = SHUTDOWN.set(shutdown.clone());
        self.install_mux();
        let (err_tx, mut err_rx) = mpsc::channel::<std::io::Result<()>>(self.servers.len().max(1));
        let n = self.servers.len();
        for srv in self.servers {
            let swapper = self.router_swapper.clone();
            let cfg = self.cfg.clone();
            let err_tx = err_tx.clone();
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                tracing::info!("API listen on {}", srv.addr);
                trace_event!("daemon", "event", "listen", addr = srv.addr.as_str());
                let r = serve_listener(srv, swapper, cfg, shutdown).await;
                let _ = err_tx.send(r).await;
            });
        }
        drop(err_tx);
        let mut first_err = Ok(());
        for _ in 0..n {
            tokio::select! {
                r = err_rx.recv() => {
                    if let Some(Err(e)) = r {
                        tracing::error!("ServeAPI error: {e}");
                        if first_err.is_ok() { first_err = Err(e); }
                        break;
                    }
                }
                _ = wait_shutdown(&mut shutdown) => {
                    // Wait for the servers to drain (each watches the same signal).
                    while err_rx.recv().await.is_some() {}
                    break;
                }
            }
        }
        first_err
    }
}

/// Accept connections on one listener until shutdown, then wait (bounded)
/// for its connections to finish.
async fn serve_listener(
    srv: HttpServer,
    swapper: Arc<RouterSwapper>,
    cfg: Arc<Config>,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let listener = srv.listener;
    let addr = srv.addr;
    // mini-redis's trick for "wait until every connection is done": each
    // connection task holds a clone of `done_tx`; when the last clone is
    // dropped, `done_rx.recv()` returns `None`.
    let (done_tx, mut done_rx) = mpsc::channel::<()>(1);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Accepted { io, peer, tls_client } = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // A failed TLS handshake or a transient accept error
                        // (too many open files) must not stop the listener.
                        tracing::debug!("accept on {addr}: {e}");
                        continue;
                    }
                };
                let conn_id = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
                let info = Arc::new(ConnInfo { id: conn_id, listener: addr.clone(), peer, tls_client });
                trace_event!("listener", "event", "accept", conn = conn_id, listener = addr.as_str(), proto = listener.proto(), peer = info.peer.as_str());
                let counted = CountingIo::new(io, conn_id);
                let svc_swapper = swapper.clone();
                let svc_info = info.clone();
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let swapper = svc_swapper.clone();
                    let info = svc_info.clone();
                    async move { Ok::<_, Infallible>(dispatch(swapper.current(), info, req).await) }
                });
                let mut conn = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(cfg.read_header_timeout)
                    // Go writes header names in canonical case (`Api-Version`);
                    // so do we, so that captures compare line for line.
                    .title_case_headers(true)
                    // hyper would add `Date` to a 101 too; dockerd's
                    // hand-written 101 has none. `dispatch` adds `Date` to
                    // every other response (see server/hijack.rs).
                    .auto_date_header(false)
                    .serve_connection(TokioIo::new(counted), service)
                    .with_upgrades();
                let mut conn_shutdown = shutdown.clone();
                let done = done_tx.clone();
                tokio::spawn(async move {
                    // Serve until the connection ends, or until shutdown asks
                    // it to finish its current request and close.
                    let result = tokio::select! {
                        r = &mut conn => r,
                        _ = wait_shutdown(&mut conn_shutdown) => {
                            Pin::new(&mut conn).graceful_shutdown();
                            conn.await
                        }
                    };
                    if let Err(e) = result {
                        tracing::debug!("connection {conn_id}: {e}");
                    }
                    drop(done);
                });
            }
            _ = wait_shutdown(&mut shutdown) => break,
        }
    }
    // Stop accepting (dropping the listener also removes a unix socket
    // file), then give in-flight requests a bounded time to finish.
    drop(listener);
    drop(done_tx);
    if tokio::time::timeout(cfg.shutdown_timeout, done_rx.recv())
        .await
        .is_err()
    {
        tracing::warn!(
            "shutdown of {addr}: connections still open after {:?}",
            cfg.shutdown_timeout
        );
    }
    Ok(())
}

/// Resolve when the shutdown flag turns true (or its sender is gone).
pub async fn wait_shutdown(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

/// The daemon's shutdown flag, for streams that would otherwise never end
/// (`/events`, `/debug/trace`): graceful shutdown lets each in-flight
/// response finish, so an endless one must end itself when the flag
/// turns. The first server to serve sets it.
static SHUTDOWN: std::sync::OnceLock<watch::Receiver<bool>> = std::sync::OnceLock::new();

/// Resolve when the daemon starts shutting down; never, before it serves.
pub async fn shutting_down() {
    match SHUTDOWN.get() {
        Some(rx) => wait_shutdown(&mut rx.clone()).await,
        None => std::future::pending().await,
    }
}

/// Route one request: mux, then the matched handler through
/// [`make_http_handler`], or the not-found handler.
async fn dispatch(
    mux: Arc<ApiMux>,
    conn: Arc<ConnInfo>,
    req: Request<Incoming>,
) -> Response<TracedBody> {
    let req_id = NEXT_REQ.fetch_add(1, Ordering::Relaxed);
    let ids = trace::context::Ids {
        conn: conn.id,
        req: req_id,
    };
    let start = trace::clock();
    let method = req.method().clone();
    trace::context::in_request(ids, async move {
        // Go's net/http hands gorilla/mux the *decoded* path
        // (`req.URL.Path`), and refuses a bad `%` escape with a bare 400
        // before any router runs (see `mux::unescape_path`).
        let raw_path = req.uri().path();
        let decoded = mux::unescape_path(raw_path);
        let path: &str = decoded.as_deref().unwrap_or(raw_path);
        if trace::active() {
            let len = req
                .headers()
                .get(hyper::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let ua = req
                .headers()
                .get(hyper::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            // The request target as sent: origin-form (`/_ping?x=1`) is
            // borrowed as it is; only the rare absolute-form is formatted.
            let full;
            let uri = match req.uri().scheme() {
                None => req
                    .uri()
                    .path_and_query()
                    .map_or(raw_path, |pq| pq.as_str()),
                Some(_) => {
                    full = req.uri().to_string();
                    full.as_str()
                }
            };
            trace_event!(
                "request",
                "event",
                "head",
                method = method.as_str(),
                path = path,
                uri = uri,
                content_length = len,
                user_agent = ua
            );
        }
        let mut report = MatchReport {
            record_misses: trace::active(),
            ..Default::default()
        };
        // Go's server also refuses an HTTP/1.1 request without a Host
        // header (an absolute-form target names its host itself).
        let no_host = req.version() == hyper::Version::HTTP_11
            && !req.headers().contains_key(hyper::header::HOST)
            && req.uri().authority().is_none();
        let resp = if decoded.is_none() || no_host {
            let reason = if no_host {
                "missing required Host header"
            } else {
                "invalid URL escape in the path"
            };
            trace_event!(
                "request",
                "event",
                "rejected",
                status = 400u64,
                reason = reason
            );
            go_bad_request(no_host.then_some(reason))
        } else {
            match mux.find(&method, path, &mut report) {
                MatchOutcome::Matched { index, route, vars } => {
                    if trace::active() {
                        // Sorted, so that a record does not depend on a
                        // hash map's order (gorilla's vars are a map too).
                        let vars_json: std::borrow::Cow<str> = if vars.is_empty() {
                            "{}".into()
                        } else {
                            let sorted: std::collections::BTreeMap<_, _> = vars.iter().collect();
                            serde_json::to_string(&sorted).unwrap_or_default().into()
                        };
                        trace_event!(
                            "mux",
                            "event",
                            "match",
                            route_index = index as u64,
                            method = route
                                .handler
                                .method
                                .as_ref()
                                .map(|m| m.as_str())
                                .unwrap_or("*"),
                            template = route.handler.template.as_str(),
                            handler = route.handler.handler_name,
                            router = route.handler.router,
                            vars = &*vars_json,
                            tried = report.tried as u64,
                            misses = std::str::from_utf8(&report.misses).unwrap_or("")
                        );
                    }
                    let entry = route.handler.clone();
                    if entry.not_found {
                        page_not_found()
                    } else {
                        make_http_handler(
                            &entry,
                            conn.clone(),
                            req_id,
                            req.map(|b| b.boxed()),
                            vars,
                        )
                        .await
                    }
                }
                MatchOutcome::Redirect { location } => {
                    // gorilla sets the cleaned path on a copy of the URL and
                    // writes `url.String()`: the path escaped again, and the query.
                    let location = mux::escape_path(&location);
                    let location = match req.uri().query() {
                        Some(q) => format!("{location}?{q}"),
                        None => location,
                    };
                    trace_event!("mux", "event", "redirect", location = location.as_str());
                    Response::builder()
                        .status(StatusCode::MOVED_PERMANENTLY)
                        .header(LOCATION, location)
                        .body(httputils::empty())
                        .unwrap()
                }
                MatchOutcome::NotFound { method_mismatch } => {
                    let by = if method_mismatch {
                        "MethodNotAllowedHandler"
                    } else {
                        "NotFoundHandler"
                    };
                    trace_event!(
                        "mux",
                        "event",
                        "notfound",
                        tried = report.tried as u64,
                        misses = std::str::from_utf8(&report.misses).unwrap_or(""),
                        answered_by = by
                    );
                    page_not_found()
                }
            }
        };
        let mut resp = resp;
        let status = resp.status();
        if status != StatusCode::SWITCHING_PROTOCOLS
            && !resp.headers().contains_key(hyper::header::DATE)
        {
            resp.headers_mut()
                .insert(hyper::header::DATE, hijack::http_date());
        }
        if trace::active() {
            let ct = resp
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            trace_event!(
                "response",
                "event",
                "head",
                status = status.as_u16() as u64,
                content_type = ct
            );
        }
        resp.map(|body| TracedBody::new(body, conn.id, req_id, status, start))
    })
    .await
}

/// The route's own handler, wrapped so that the trace shows the handler
/// stage (moby's otel span `containerRouter.postContainersStart` on master).
///
/// `pub(crate)` so that the Engine's jobs (src/engine/builtins.rs) run the
/// very same traced handler in `--engine-jobs` mode.
pub(crate) fn traced_handler(route: &router::Route, router: &'static str) -> ApiFunc {
    let inner = route.handler.clone();
    let name = route.handler_name;
    let moby_file = route.moby_file;
    let rust_file = route.rust_file;
    Arc::new(move |ctx, req, vars| {
        let inner = inner.clone();
        Box::pin(async move {
            let start = trace::clock();
            trace_event!(
                "handler",
                "enter",
                name,
                router = router,
                file = moby_file,
                rust = rust_file
            );
            let result = inner(ctx, req, vars).await;
            match &result {
                Ok(r) => trace_event!(
                    "handler",
                    "exit",
                    name,
                    status = r.status().as_u16() as u64,
                    dur_us = trace::micros_since_opt(start)
                ),
                Err(e) => trace_event!(
                    "handler",
                    "exit",
                    name,
                    status = httpstatus::from_error(e).as_u16() as u64,
                    error = e.message.as_str(),
                    dur_us = trace::micros_since_opt(start)
                ),
            }
            result
        })
    })
}

/// moby `makeHTTPHandler`: run the (middleware-wrapped) handler and turn an
/// error into dockerd's JSON error. A panic in a handler becomes a 500 and
/// the daemon keeps serving.
///
/// The request body is already boxed (hyper's `Incoming` in the server;
/// any body in tests/bad_input.rs, which calls this with a panicking
/// handler).
pub async fn make_http_handler(
    entry: &RouteEntry,
    conn: Arc<ConnInfo>,
    req_id: u64,
    req: httputils::ApiRequest,
    vars: httputils::Vars,
) -> Response<Body> {
    let user_agent = req
        .headers()
        .get(hyper::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let headers = Arc::new(Mutex::new(HeaderMap::new()));
    let ctx = Ctx {
        api_version: crate::version::API_VERSION.to_string(),
        conn,
        req_id,
        user_agent,
        headers: headers.clone(),
    };
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    // moby's makeErrorHandler looks at the version in the URL (not the
    // negotiated one) to choose between a JSON error and a plain-text one.
    let json_errors = api_version_supports_json_errors(vars.get("version").map(String::as_str));
    let (req, unread) = httputils::track_unread_body(req);
    let result = AssertUnwindSafe((entry.handler)(ctx, req, vars))
        .catch_unwind()
        .await;
    // What the handler did not read, Go's server reads (a bounded amount)
    // before the answer goes out; see `track_unread_body`.
    if let Some(unread) = unread {
        unread.discard().await;
    }
    let result = match result {
        Ok(r) => r,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(Error::system(format!(
                "internal error: the handler panicked: {what}"
            )))
        }
    };
    let mut resp = match result {
        Ok(resp) => resp,
        Err(err) => {
            let status = httpstatus::from_error(&err);
            if status.is_server_error() {
                tracing::error!("Handler for {method} {path} returned error: {err}");
            }
            if json_errors {
                error_response(status, &err.message)
            } else {
                plain_error_response(status, &err.message)
            }
        }
    };
    // The middlewares' headers (moby: set on `w` before the handler ran),
    // except on attach's hand-written 101, which has none.
    if resp
        .extensions()
        .get::<hijack::SkipMiddlewareHeaders>()
        .is_some()
    {
        return resp;
    }
    let set = headers.lock().unwrap();
    for (k, v) in set.iter() {
        if !resp.headers().contains_key(k) {
            resp.headers_mut().insert(k.clone(), v.clone());
        }
    }
    resp
}

/// `{"message": ...}` with a status. A 304 goes out bare: Go's server
/// sends neither a body nor the Content-Type that `WriteJSON` set for a
/// status that cannot have a body.
pub fn error_response(status: StatusCode, message: &str) -> Response<Body> {
    if status == StatusCode::NOT_MODIFIED {
        return httputils::no_content(status);
    }
    httputils::write_json(status, &serde_json::json!({ "message": message }))
        .unwrap_or_else(|_| httputils::no_content(status))
}

/// moby `apiVersionSupportsJSONErrors`: JSON errors came with API 1.24. A
/// request whose URL names 1.23 or older (`/v1.12/...`) gets its error the
/// way the Go server wrote it before that: Go's `http.Error`, the message
/// and a newline as `text/plain`. A URL without a version gets JSON.
pub fn api_version_supports_json_errors(version: Option<&str>) -> bool {
    const FIRST_API_VERSION_WITH_JSON_ERRORS: &str = "1.23";
    match version {
        None | Some("") => true,
        Some(v) => {
            httputils::compare_versions(v, FIRST_API_VERSION_WITH_JSON_ERRORS)
                == std::cmp::Ordering::Greater
        }
    }
}

/// Go's `http.Error(w, message, status)`: the error of a pre-1.24 request.
pub fn plain_error_response(status: StatusCode, message: &str) -> Response<Body> {
    if status == StatusCode::NOT_MODIFIED {
        return httputils::no_content(status);
    }
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "text/plain; charset=utf-8")
        .header("X-Content-Type-Options", "nosniff")
        .body(httputils::full(format!("{message}\n")))
        .expect("static response parts are valid")
}

/// What Go's `net/http` server answers a request it cannot read (a bad
/// `%` escape in the path, an HTTP/1.1 request without `Host`): a bare
/// `400 Bad Request` in plain text, with no middleware headers, and the
/// connection closed. With a `reason`, Go puts it in the status line and
/// the body both: `400 Bad Request: missing required Host header`.
fn go_bad_request(reason: Option<&str>) -> Response<Body> {
    let text = match reason {
        Some(r) => format!("400 Bad Request: {r}"),
        None => "400 Bad Request".to_string(),
    };
    let mut resp = Response::builder()
        .status(StatusCode::BAD_REQUEST)
        .header(CONTENT_TYPE, "text/plain; charset=utf-8")
        .header(hyper::header::CONNECTION, "close");
    if let Some(phrase) =
        reason.and_then(|r| hyper::ext::ReasonPhrase::try_from(format!("Bad Request: {r}")).ok())
    {
        resp = resp.extension(phrase);
    }
    resp.body(httputils::full(text))
        .expect("static response parts are valid")
}

/// moby's `notFoundHandler`: a 404 written *outside* the middleware chain,
/// so it carries no `Api-Version`, `Server` or `Ostype` header.
fn page_not_found() -> Response<Body> {
    error_response(StatusCode::NOT_FOUND, "page not found")
}

fn not_found_handler() -> ApiFunc {
    Arc::new(|_ctx, _req, _vars| Box::pin(async { Err(Error::not_found("page not found")) }))
}

/// The route table as a trace record (stage daemon, name `routes`).
fn routes_record(mux: &ApiMux) -> TraceRecord {
    let routes: Vec<serde_json::Value> = mux
        .routes()
        .iter()
        .enumerate()
        .map(|(i, r)| {
            serde_json::json!({
                "i": i,
                "method": r.method.as_ref().map(|m| m.as_str()).unwrap_or("*"),
                "template": r.template.as_str(),
                "handler": r.handler.handler_name,
                "router": r.handler.router,
                "file": format!("api/server/router/{}", r.handler.moby_file),
            })
        })
        .collect();
    let mut fields = serde_json::Map::new();
    fields.insert("routes".into(), serde_json::Value::Array(routes));
    TraceRecord {
        seq: 0,
        ts_ns: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
        conn: 0,
        req: 0,
        stage: Stage::Daemon,
        phase: Phase::Event,
        name: "routes".into(),
        dur_us: None,
        fields,
    }
}

/// A response body that reports the end of the response to the trace: how
/// many bytes went out and how long it took, including streams that stay
/// open for minutes (events, logs -f, wait).
pub struct TracedBody {
    inner: Body,
    conn: u64,
    req: u64,
    status: StatusCode,
    /// When the request arrived; `None` while nobody listens to the trace.
    start: Option<trace::clock::Stamp>,
    bytes: u64,
    done: bool,
}

impl TracedBody {
    fn new(
        inner: Body,
        conn: u64,
        req: u64,
        status: StatusCode,
        start: Option<trace::clock::Stamp>,
    ) -> Self {
        TracedBody {
            inner,
            conn,
            req,
            status,
            start,
            bytes: 0,
            done: false,
        }
    }

    fn finish(&mut self, complete: bool) {
        if self.done {
            return;
        }
        self.done = true;
        trace_event!(
            "response",
            "event",
            "end",
            conn = self.conn,
            req = self.req,
            status = self.status.as_u16() as u64,
            bytes = self.bytes,
            dur_us = trace::micros_since_opt(self.start),
            complete = complete
        );
    }
}

impl hyper::body::Body for TracedBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.inner).poll_frame(cx);
        match &r {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(d) = frame.data_ref() {
                    this.bytes += d.len() as u64;
                }
            }
            Poll::Ready(None) => this.finish(true),
            Poll::Ready(Some(Err(_))) => this.finish(false),
            Poll::Pending => {}
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for TracedBody {
    fn drop(&mut self) {
        // An empty body may never be polled; a stream may be cut by the
        // client. Either way the response has ended.
        let complete = self.inner.is_end_stream();
        self.finish(complete);
    }
}

/// A connection's stream with byte counters; reports `close` when dropped,
/// which for an upgraded (hijacked) connection is when the stream ends.
pub struct CountingIo {
    inner: crate::listeners::BoxedIo,
    conn: u64,
    bytes_in: u64,
    bytes_out: u64,
}

impl CountingIo {
    fn new(inner: crate::listeners::BoxedIo, conn: u64) -> Self {
        CountingIo {
            inner,
            conn,
            bytes_in: 0,
            bytes_out: 0,
        }
    }
}

impl Drop for CountingIo {
    fn drop(&mut self) {
        trace_event!(
            "listener",
            "event",
            "close",
            conn = self.conn,
            bytes_in = self.bytes_in,
            bytes_out = self.bytes_out
        );
    }
}

impl tokio::io::AsyncRead for CountingIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        self.bytes_in += (buf.filled().len() - before) as u64;
        r
    }
}

impl tokio::io::AsyncWrite for CountingIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = &r {
            self.bytes_out += *n as u64;
        }
        r
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = &r {
            self.bytes_out += *n as u64;
        }
        r
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
