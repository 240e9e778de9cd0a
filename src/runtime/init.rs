//! The container init, run by re-executing our own binary.
//!
//! Mirrors runc's `runc init` (libcontainer/standard_init_linux.go and
//! nsenter/nsexec.c) and moby's `pkg/reexec`.

/// Called as the very first line of `main()`. If argv[1] is one of the
/// hidden init verbs, run the container init and never return.
pub fn maybe_run_init() {}
