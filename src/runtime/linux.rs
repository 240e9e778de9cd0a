//! The Linux runtime.
use std::os::fd::BorrowedFd;
use std::path::PathBuf;

use super::{ContainerSpec, ProcessSpec, Runtime, RuntimeError, RuntimeInfo, Spawned};

pub struct LinuxRuntime {
    init_binary: PathBuf,
    cgroup_parent: String,
}

impl LinuxRuntime {
    pub fn new(init_binary: PathBuf, cgroup_parent: &str) -> Self {
        LinuxRuntime {
            init_binary,
            cgroup_parent: cgroup_parent.to_string(),
        }
    }
    pub fn probe() -> Result<(), String> {
        Err("not implemented yet".into())
    }
}

impl Runtime for LinuxRuntime {
    fn info(&self) -> RuntimeInfo {
        let _ = (&self.init_binary, &self.cgroup_parent);
        RuntimeInfo {
            name: "linux",
            cgroup_driver: "cgroupfs",
            cgroup_version: "1",
            warnings: vec![],
        }
    }
    fn start(&self, _spec: &ContainerSpec) -> Result<Spawned, RuntimeError> {
        Err(RuntimeError::other("todo"))
    }
    fn exec(
        &self,
        _spec: &ContainerSpec,
        _pid: u32,
        _p: &ProcessSpec,
    ) -> Result<Spawned, RuntimeError> {
        Err(RuntimeError::other("todo"))
    }
    fn signal(&self, _pid: u32, _signal: i32) -> Result<(), RuntimeError> {
        Err(RuntimeError::other("todo"))
    }
    fn resize(&self, pty: BorrowedFd<'_>, h: u16, w: u16) -> Result<(), RuntimeError> {
        use std::os::fd::AsRawFd;
        super::pty::set_winsize(pty.as_raw_fd(), h, w)
            .map_err(|e| RuntimeError::other(e.to_string()))
    }
    fn top(
        &self,
        _s: &ContainerSpec,
        _pid: u32,
        _a: &str,
    ) -> Result<(Vec<String>, Vec<Vec<String>>), RuntimeError> {
        Err(RuntimeError::other("todo"))
    }
    fn cleanup(&self, _spec: &ContainerSpec) {}
}
