//! The middleware chain: code that runs around every routed handler.
//!
//! Mirrors moby `api/server/middleware/middleware.go` (v20.10.24): a
//! middleware has one method, `WrapHandler`, that takes the next handler and
//! returns a new one. The server wraps each route's handler with every
//! middleware in registration order (`handler_with_global_middlewares` in
//! `server/mod.rs`), so the middleware registered *first* ends up
//! *innermost*: moby registers Experimental, Version, CORS, Authz, and a
//! request meets them as Debug → Authz → CORS → Version → Experimental →
//! handler. The captures in shared/reference show it: a version error has
//! `Api-Version` but no `Docker-Experimental` header, because the
//! experimental middleware never ran.
//!
//! Lesson: `walkthroughs/04-middlewares.md`.

pub mod authz;
pub mod cors;
pub mod debug;
pub mod experimental;
pub mod version;

pub use authz::AuthzMiddleware;
pub use cors::CORSMiddleware;
pub use debug::DebugRequestMiddleware;
pub use experimental::ExperimentalMiddleware;
pub use version::VersionMiddleware;

use super::httputils::ApiFunc;

/// moby `middleware.Middleware`.
pub trait Middleware: Send + Sync {
    /// The type name, as it appears in trace records and in moby.
    fn name(&self) -> &'static str;

    /// moby `WrapHandler`: return a handler that runs this middleware
    /// around `next`.
    fn wrap_handler(&self, next: ApiFunc) -> ApiFunc;
}
