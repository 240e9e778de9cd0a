//! Backends that sit between a router and the daemon.
//!
//! Mirrors moby `api/server/backend/` (v20.10.24). Most routers talk to
//! the daemon directly; the build router talks to a build backend
//! ([`build`]), which runs the builder and tags what it built.

pub mod build;
