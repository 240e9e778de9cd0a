//! mini-dockerd: a small, real Docker daemon whose API server mirrors
//! moby v20.10.24's `api/server` stage for stage, and reports every stage
//! as trace records.
//!
//! # Layout
//!
//! The modules follow the path a request takes, and each names the moby
//! file it mirrors in its header:
//!
//! - [`listeners`]: unix, tcp (+TLS) and systemd sockets (`daemon/listeners`);
//! - [`server`]: the HTTP server, the mux, the middleware chain, the
//!   routers and their handlers (`api/server`);
//! - [`engine`]: the docker 1.x Engine and its jobs (`--engine-jobs`);
//! - [`builder`]: the classic `docker build` (`builder/`), behind the
//!   build router's backend (`server::backend::build`);
//! - [`runtime`]: the container runtime (namespaces, overlay rootfs,
//!   cgroups, ptys): libcontainerd + containerd + runc collapsed into one
//!   module, the only code that touches the OS that way;
//! - [`errdefs`]: error kinds, mapped to statuses in `server::httpstatus`;
//! - [`trace`]: trace records, the layer that makes them and the hub that
//!   fans them out;
//! - [`tui`]: the live view of those records (`--tui`, `tui --replay`).
//!
//! Lesson: `walkthroughs/README.md`.

#![recursion_limit = "256"]

// The trace module comes first: its `trace_event!` macro is used everywhere.
#[macro_use]
pub mod trace;

pub mod api;
pub mod builder;
pub mod cmd;
pub mod config;
pub mod container;
pub mod daemon;
pub mod engine;
pub mod errdefs;
pub mod events;
pub mod image;
pub mod listeners;
pub mod plugin;
pub mod runtime;
pub mod server;
pub mod signal;
pub mod stdcopy;
pub mod streamformatter;
pub mod tlsconfig;
pub mod tui;
pub mod version;
pub mod volume;
pub mod walkthrough;
