//! `docker cp`: `HEAD`, `GET` and `PUT /containers/{name}/archive`.
//!
//! Mirrors moby `daemon/archive.go` (v20.10.24): `ContainerStatPath`,
//! `ContainerArchivePath` and `ContainerExtractToDir`. Each one finds the
//! container, holds its lock while the rootfs is mounted for the
//! operation, and works inside the container's filesystem, never on the
//! host's: the runtime's archive helper (`runtime/archive.rs`) does the
//! file work chrooted in the rootfs, as moby's `pkg/chrootarchive` does.
//!
//! Errors are moby's: a path that does not exist is the 404 "Could not
//! find the file PATH in container NAME"; anything else the helper meets
//! ("extraction point is not a directory", a read-only volume) is a 500,
//! as moby wraps it in `errdefs.System`.
//!
//! moby logs the container events `archive-path` (GET) and
//! `extract-to-dir` (PUT); a stat logs nothing.

use std::io::{Read, Write};
use std::process::Child;
use std::sync::Arc;

use serde::Serialize;

use super::container::traced;
use super::Daemon;
use crate::container::{lock, Container, ContainerRef, Status};
use crate::errdefs::{Error, Result};
use crate::runtime::archive::{ArchiveErrorKind, ArchiveOp, PathStat, Reply};

/// moby `types.ContainerPathStat`, sent base64-encoded in the
/// `X-Docker-Container-Path-Stat` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPathStat {
    pub name: String,
    pub size: i64,
    /// Go's `os.FileMode`: the permission bits, and the file type as
    /// Go's own high bits (`ModeDir` is 1<<31), not `st_mode`'s.
    pub mode: u32,
    /// RFC 3339 with nanoseconds.
    pub mtime: String,
    pub link_target: String,
}

impl ContainerPathStat {
    fn from_stat(s: PathStat) -> ContainerPathStat {
        let ns = s.mtime_sec as i128 * 1_000_000_000 + s.mtime_nsec as i128;
        ContainerPathStat {
            name: s.name,
            size: s.size,
            mode: go_file_mode(s.mode),
            mtime: super::logger::format_rfc3339_nano(ns),
            link_target: s.link_target,
        }
    }
}

const GO_MODE_DIR: u32 = 1 << 31;

/// Go's `os.FileMode` from a `st_mode` (`os/stat_linux.go`
/// `fillFileStatFromSys`).
pub fn go_file_mode(st_mode: u32) -> u32 {
    let mut mode = st_mode & 0o777;
    mode |= match st_mode & libc::S_IFMT {
        libc::S_IFBLK => 1 << 26,
        libc::S_IFCHR => (1 << 26) | (1 << 21),
        libc::S_IFDIR => GO_MODE_DIR,
        libc::S_IFIFO => 1 << 25,
        libc::S_IFLNK => 1 << 27,
        libc::S_IFSOCK => 1 << 24,
        _ => 0,
    };
    if st_mode & libc::S_ISGID != 0 {
        mode |= 1 << 22;
    }
    if st_mode & libc::S_ISUID != 0 {
        mode |= 1 << 23;
    }
    if st_mode & libc::S_ISVTX != 0 {
        mode |= 1 << 20;
    }
    mode
}

/// The helper's stdout after its first reply: the tar. Reading it to the
/// end reaps the helper; dropping it early (the client went away) kills
/// the helper first, so it never outlives the request.
pub struct ArchiveReader {
    child: Child,
}

impl ArchiveReader {
    pub(crate) fn new(child: Child) -> ArchiveReader {
        ArchiveReader { child }
    }
}

impl Read for ArchiveReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.child.stdout.as_mut() {
            Some(out) => out.read(buf),
            None => Ok(0),
        }
    }
}

impl Drop for ArchiveReader {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Daemon {
    /// Run the archive helper for `op` (built from the container) over
    /// `name`'s filesystem: the part the three operations share. The
    /// container's operation lock is held until the helper has its first
    /// word, so no start, stop or removal mounts or unmounts the rootfs
    /// under it (moby holds `container.Lock()`).
    pub(crate) async fn archive_helper(
        self: &Arc<Self>,
        name: &str,
        op: impl FnOnce(&Container) -> ArchiveOp,
    ) -> Result<(ContainerRef, Child, Reply)> {
        let c = self.get_container(name)?;
        self.has_container_filesystems()?;
        let op_lock = lock(&c).op_lock.clone();
        let _guard = op_lock.lock().await;
        let (spec, running, op) = {
            let ct = lock(&c);
            let running = matches!(ct.state.status, Status::Running | Status::Paused);
            (self.container_spec(&ct)?, running, op(&ct))
        };
        let runtime = self.runtime.clone();
        let (child, reply) =
            crate::trace::spawn_blocking(move || runtime.archive(&spec, running, op))
                .await
                .map_err(|e| Error::system(e.to_string()))?
                .map_err(|e| Error::system(e.message))?;
        Ok((c, child, reply))
    }

    /// The simulated runtime runs no container in a filesystem of its
    /// own, so there is nothing to copy, export or compare: a 501 that
    /// says so, rather than the runtime's bare refusal.
    pub(crate) fn has_container_filesystems(&self) -> Result<()> {
        if self.runtime.info().name == "sim" {
            return Err(Error::not_implemented(
                "the simulated runtime gives containers no filesystem of their own \
                 (docker cp, export and diff need the linux runtime)",
            ));
        }
        Ok(())
    }

    /// moby `ContainerStatPath`.
    pub async fn container_stat_path(
        self: &Arc<Self>,
        name: &str,
        path: &str,
    ) -> Result<ContainerPathStat> {
        traced("Daemon.ContainerStatPath", name, async {
            let op = ArchiveOp::Stat { path: path.into() };
            let (_, mut child, reply) = self.archive_helper(name, |_| op).await?;
            let _ = crate::trace::spawn_blocking(move || child.wait()).await;
            match reply {
                Reply::Stat(s) => Ok(ContainerPathStat::from_stat(s)),
                other => Err(reply_error(other, path, name)),
            }
        })
        .await
    }

    /// moby `ContainerArchivePath`: the tar (compressed as asked) and the
    /// stat of what it holds.
    pub async fn container_archive_path(
        self: &Arc<Self>,
        name: &str,
        path: &str,
        compression: Option<&str>,
    ) -> Result<(ArchiveReader, ContainerPathStat)> {
        traced("Daemon.ContainerArchivePath", name, async {
            let op = ArchiveOp::Tar {
                path: path.into(),
                compression: compression.map(String::from),
            };
            let (c, child, reply) = self.archive_helper(name, |_| op).await?;
            let reader = ArchiveReader { child };
            match reply {
                Reply::Stat(s) => {
                    self.log_event_for(&c, "archive-path", &[]);
                    Ok((reader, ContainerPathStat::from_stat(s)))
                }
                other => Err(reply_error(other, path, name)),
            }
        })
        .await
    }

    /// moby `ContainerExtractToDir`: extract the tar `content` into the
    /// directory `path`. `copy_uid_gid` (`docker cp -a`) makes the
    /// container's `Config.User` own what is extracted, when it has one;
    /// otherwise the owners in the archive are kept (moby
    /// `tarCopyOptions`; dockerd looks the user up in the host's
    /// /etc/passwd, we in the container's, as later moby does).
    pub async fn container_extract_to_dir(
        self: &Arc<Self>,
        name: &str,
        path: &str,
        copy_uid_gid: bool,
        no_overwrite_dir_non_dir: bool,
        mut content: impl Read + Send + 'static,
    ) -> Result<()> {
        traced("Daemon.ContainerExtractToDir", name, async {
            let (c, mut child, reply) = self
                .archive_helper(name, |ct| ArchiveOp::Untar {
                    path: path.into(),
                    no_overwrite_dir_non_dir,
                    chown_user: (copy_uid_gid && !ct.config.user.is_empty())
                        .then(|| ct.config.user.clone()),
                    readonly_rootfs: ct.host_config.readonly_rootfs,
                })
                .await?;
            if !matches!(reply, Reply::Ready) {
                let _ = crate::trace::spawn_blocking(move || child.wait()).await;
                return Err(reply_error(reply, path, name));
            }
            let done = crate::trace::spawn_blocking(move || feed_untar(child, &mut content))
                .await
                .map_err(|e| Error::system(e.to_string()))?;
            match done {
                Reply::Done => {
                    self.log_event_for(&c, "extract-to-dir", &[]);
                    Ok(())
                }
                other => Err(reply_error(other, path, name)),
            }
        })
        .await
    }
}

/// Send `content` to an untar helper that answered `Ready`, and read its
/// last word. Blocks; the helper is reaped.
pub(crate) fn feed_untar(mut child: Child, content: &mut dyn Read) -> Reply {
    let mut stdin = child.stdin.take().expect("stdin is piped");
    // A helper that stops reading (it failed) makes this copy fail with a
    // broken pipe; its own reply says why.
    let copied = std::io::copy(content, &mut stdin).and_then(|_| stdin.flush());
    drop(stdin);
    let stdout = child.stdout.as_mut().expect("stdout is piped");
    let reply = crate::runtime::archive::read_reply(stdout);
    let _ = child.kill();
    let _ = child.wait();
    match (reply, copied) {
        (Ok(reply), _) => reply,
        (Err(_), Err(e)) => Reply::Error {
            kind: ArchiveErrorKind::System,
            message: format!("reading the archive: {e}"),
        },
        (Err(e), Ok(())) => Reply::Error {
            kind: ArchiveErrorKind::System,
            message: e.to_string(),
        },
    }
}

/// The error a helper reply stands for (moby's `os.IsNotExist` test in
/// each operation, else `errdefs.System`).
pub(crate) fn reply_error(reply: Reply, path: &str, name: &str) -> Error {
    match reply {
        Reply::Error {
            kind: ArchiveErrorKind::NotFound,
            ..
        } => Error::not_found(format!(
            "Could not find the file {path} in container {name}"
        )),
        Reply::Error { message, .. } => Error::system(message),
        other => Error::system(format!("archive helper: unexpected reply {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The modes a real dockerd 20.10.24 sent for busybox's `/etc/passwd`
    /// (420) and `/bin/sh`, a symlink (134218239), and a directory.
    #[test]
    fn file_modes_are_gos() {
        assert_eq!(go_file_mode(libc::S_IFREG | 0o644), 420);
        assert_eq!(go_file_mode(libc::S_IFLNK | 0o777), 134218239);
        assert_eq!(go_file_mode(libc::S_IFDIR | 0o755), (1 << 31) | 0o755);
        assert_eq!(
            go_file_mode(libc::S_IFDIR | 0o1777),
            (1 << 31) | (1 << 20) | 0o777
        );
    }
}
