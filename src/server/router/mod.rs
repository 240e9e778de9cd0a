//! Routers and routes: how each group of API endpoints declares itself.
//!
//! Mirrors moby `api/server/router/router.go`, `local.go` and
//! `experimental.go` (v20.10.24). A router is anything with a list of
//! routes; a route is a method, a path template and a handler. moby's
//! `Route` is an interface so that wrappers (`Experimental`) can wrap a
//! `localRoute`; in Rust a plain struct does, and a wrapper replaces its
//! `handler` field. Each route also carries the name of the moby handler it
//! mirrors and the moby file that defines it: the trace, the TUI and
//! `mini-dockerd routes` show them so that a learner can open the Go code.
//!
//! Lesson: `walkthroughs/03-the-mux.md`.

pub mod build;
pub mod checkpoint;
pub mod container;
pub mod debug;
pub mod distribution;
pub mod grpc;
pub mod image;
pub mod network;
pub mod plugin;
pub mod session;
pub mod swarm;
pub mod system;
pub mod volume;

use std::future::Future;
use std::sync::Arc;

use hyper::{Method, Response};

use crate::errdefs::{Error, Result};
use crate::server::httputils::{ApiFunc, ApiRequest, Body, Ctx, Vars};

/// moby `router.Router`.
pub trait Router: Send + Sync {
    /// The router's name as in moby's package (`container`, `image`, ...).
    fn name(&self) -> &'static str;
    /// moby `Routes()`: the route table, in registration order.
    ///
    /// It takes `self: Arc<Self>` because each route's handler keeps the
    /// router alive (in Go a method value `r.getContainersJSON` captures
    /// the pointer `r` the same way).
    fn routes(self: Arc<Self>) -> Vec<Route>;
}

/// moby `router.Route` (and `localRoute`).
#[derive(Clone)]
pub struct Route {
    pub method: Method,
    /// The path template without the version prefix (`/containers/{name:.*}/json`).
    pub path: &'static str,
    /// The moby handler this route calls (`getContainersByName`).
    pub handler_name: &'static str,
    /// The moby file that defines the handler, under `api/server/router/`.
    pub moby_file: &'static str,
    /// Our file that defines the handler.
    pub rust_file: &'static str,
    pub handler: ApiFunc,
}

impl Route {
    pub fn new(
        method: Method,
        path: &'static str,
        handler_name: &'static str,
        moby_file: &'static str,
        rust_file: &'static str,
        handler: ApiFunc,
    ) -> Route {
        Route {
            method,
            path,
            handler_name,
            moby_file,
            rust_file,
            handler,
        }
    }
}

/// Turn a router method (`async fn x(self: Arc<Self>, ctx, req, vars)`)
/// into an [`ApiFunc`] bound to this router.
pub fn handler<R, F, Fut>(router: &Arc<R>, f: F) -> ApiFunc
where
    R: Send + Sync + 'static,
    F: Fn(Arc<R>, Ctx, ApiRequest, Vars) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<Body>>> + Send + 'static,
{
    let router = router.clone();
    Arc::new(move |ctx, req, vars| Box::pin(f(router.clone(), ctx, req, vars)))
}

/// Build a [`Route`]: `route!(self, GET, "/containers/json", "getContainersJSON", "container/container_routes.go", Self::get_containers_json)`.
///
/// moby writes `router.NewGetRoute("/containers/json", r.getContainersJSON)`;
/// the macro adds the two names a learner needs to find both sides.
#[macro_export]
macro_rules! route {
    ($router:expr, $method:ident, $path:expr, $name:expr, $moby_file:expr, $f:expr) => {
        $crate::server::router::Route::new(
            ::hyper::Method::$method,
            $path,
            $name,
            $moby_file,
            file!(),
            $crate::server::router::handler($router, $f),
        )
    };
}

/// moby `router.Experimental(r)`: while the daemon is not in experimental
/// mode, the route answers 501 with dockerd's message.
pub fn experimental(mut route: Route, enabled: bool) -> Route {
    if !enabled {
        route.handler = Arc::new(|_ctx, _req, _vars| {
            Box::pin(async {
                Err(Error::not_implemented(
                    "This experimental feature is disabled by default. Start the Docker daemon in experimental mode in order to enable it.",
                ))
            })
        });
    }
    route
}

/// The error a route answers while its backend work does not exist: 501
/// with a message naming the moby handler it mirrors, so that nobody
/// mistakes it for a finished endpoint.
pub fn not_implemented_error(handler_name: &str, moby_file: &str) -> Error {
    Error::not_implemented(format!(
        "{handler_name} is not implemented in mini-dockerd (moby: api/server/router/{moby_file})"
    ))
}

/// A handler for a route whose backend work does not exist yet: 501 with a
/// message naming the moby handler it mirrors, so that nobody mistakes it
/// for a finished endpoint.
pub fn not_implemented(handler_name: &'static str, moby_file: &'static str) -> ApiFunc {
    Arc::new(move |_ctx, _req, _vars| {
        Box::pin(async move { Err(not_implemented_error(handler_name, moby_file)) })
    })
}
