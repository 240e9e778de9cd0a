//! The `mini-dockerd` binary.
//!
//! Mirrors moby `cmd/dockerd/docker.go` (v20.10.24), whose `main` begins
//! with `if reexec.Init() { return }`: when the daemon re-executes its own
//! binary as a container's init, that process must become the init before
//! anything else (no async runtime, no threads, no flag parsing). Then it
//! is the daemon, or one of its helper commands.
//!
//! Lesson: `walkthroughs/01-startup.md`.

use std::process::ExitCode;

fn main() -> ExitCode {
    // moby: `if reexec.Init() { return }`. Returns at once unless this
    // process is a container's init or an exec helper, which never return.
    mini_dockerd::runtime::init::maybe_run_init();
    mini_dockerd::cmd::run()
}
