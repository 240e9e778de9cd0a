//! The archive helper: `docker cp` and `docker export` inside the
//! container's filesystem, in a process of its own.
//!
//! moby reads and writes a container's files from the daemon, through
//! `pkg/chrootarchive`: the daemon re-executes itself (`docker-tar`,
//! `docker-untar`) in a new mount namespace chrooted into the container's
//! rootfs, so that an absolute symlink inside the container (`/etc ->
//! /host-etc`) resolves inside the container and never on the host. This
//! helper does the same, for every archive operation of
//! `daemon/archive.go` and `daemon/export.go` (v20.10.24):
//!
//! 1. `unshare(CLONE_NEWNS)`, and make every mount private, so that what
//!    follows is invisible to the host and goes away with the process;
//! 2. take a detached copy of each volume and of the container's
//!    `hostname`, `hosts` and `resolv.conf` (`open_tree`), as moby's
//!    `mountVolumes` binds them into the rootfs;
//! 3. `chroot` into the rootfs and attach those copies at their
//!    destinations, found from inside the chroot (`move_mount`);
//! 4. run the operation: stat a path, write a tar of it to stdout,
//!    extract the tar on stdin into a directory, or (for the builder's
//!    `WORKDIR`) create a directory.
//!
//! Because the helper works on its own copy of the mount table, the
//! daemon may unmount the container's rootfs as soon as the helper has
//! started (see [`LinuxRuntime::archive`](super::linux::LinuxRuntime)):
//! a `docker cp` from a stopped container does not keep its rootfs
//! mounted while the client reads.
//!
//! The helper speaks one JSON line ([`Reply`]) on stdout before any tar
//! bytes, so the daemon learns the path's stat (for the
//! `X-Docker-Container-Path-Stat` header) or the error (for the status)
//! before it answers; an extraction ends with a second line.

use std::ffi::CString;
use std::fs;
use std::io::{self, BufWriter, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The hidden verb that runs the helper (moby: `docker-tar`,
/// `docker-untar`).
pub const ARCHIVE_VERB: &str = "archive-helper";

/// A mount the helper attaches inside the rootfs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArchiveBind {
    pub source: PathBuf,
    pub destination: String,
    pub read_only: bool,
}

/// What to do, in the container's filesystem.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ArchiveOp {
    /// `HEAD /containers/{id}/archive` (moby `containerStatPath`).
    Stat { path: String },
    /// `GET /containers/{id}/archive` (moby `containerArchivePath`): the
    /// stat, then a tar whose entries start with the path's base name.
    Tar {
        path: String,
        /// `gzip`, `deflate` or `None`, as the client's Accept-Encoding
        /// allows (moby `writeCompressedResponse`).
        compression: Option<String>,
    },
    /// `GET /containers/{id}/export` (moby `containerExport`): the whole
    /// rootfs, without the volumes.
    Export,
    /// `PUT /containers/{id}/archive` (moby `containerExtractToDir`).
    Untar {
        path: String,
        no_overwrite_dir_non_dir: bool,
        /// `copyUIDGID` with a `Config.User`: own every file as that user
        /// (resolved in the container's /etc/passwd); otherwise the
        /// owners in the archive are kept.
        chown_user: Option<String>,
        /// `HostConfig.ReadonlyRootfs`.
        readonly_rootfs: bool,
    },
    /// The builder's `WORKDIR` (moby `container.SetupWorkingDirectory`):
    /// create the directory and its missing parents, 0755, owned by root.
    Mkdir { path: String },
}

/// Everything the helper gets, as one JSON argument.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArchiveRequest {
    /// The rootfs as mounted on the host (`<container_dir>/rootfs`).
    pub rootfs: PathBuf,
    pub binds: Vec<ArchiveBind>,
    pub op: ArchiveOp,
}

/// A path's `lstat`, as moby's `StatPath` reads it. The daemon turns it
/// into `types.ContainerPathStat` (Go's `os.FileMode`, RFC 3339 time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathStat {
    /// The base name of the path as asked for (not as resolved).
    pub name: String,
    pub size: i64,
    /// `st_mode`.
    pub mode: u32,
    pub mtime_sec: i64,
    pub mtime_nsec: i64,
    /// For a symlink: where it leads, resolved inside the container.
    pub link_target: String,
}

/// Why an operation failed, in the kinds moby's `daemon/archive.go`
/// distinguishes: a path that does not exist (its 404
/// `containerFileNotFound`) and everything else (`errdefs.System`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArchiveErrorKind {
    NotFound,
    System,
}

/// One line the helper writes on stdout.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Reply {
    /// Stat and tar: the path's stat (a tar follows for `Tar`).
    Stat(PathStat),
    /// Export: the tar follows. Untar: send the tar now.
    Ready,
    /// Untar: everything was extracted.
    Done,
    Error {
        kind: ArchiveErrorKind,
        message: String,
    },
}

struct Fail(ArchiveErrorKind, String);

impl From<io::Error> for Fail {
    fn from(e: io::Error) -> Fail {
        let kind = if e.kind() == io::ErrorKind::NotFound {
            ArchiveErrorKind::NotFound
        } else {
            ArchiveErrorKind::System
        };
        Fail(kind, e.to_string())
    }
}

fn system(message: impl Into<String>) -> Fail {
    Fail(ArchiveErrorKind::System, message.into())
}

/// Called from `maybe_run_init` when `argv[1]` is [`ARCHIVE_VERB`]; never
/// returns. Exit status 0 when the operation worked.
pub fn main(request_json: &str) -> ! {
    let mut out = io::stdout().lock();
    let code = match serde_json::from_str::<ArchiveRequest>(request_json) {
        Err(e) => {
            reply(
                &mut out,
                &Reply::Error {
                    kind: ArchiveErrorKind::System,
                    message: format!("archive helper: bad request: {e}"),
                },
            );
            2
        }
        Ok(req) => match run(&req, &mut out) {
            Ok(()) => 0,
            Err(Fail(kind, message)) => {
                // Before the first line, the error is the answer; after
                // it (a tar already streaming), stderr is all that is left.
                reply(
                    &mut out,
                    &Reply::Error {
                        kind,
                        message: message.clone(),
                    },
                );
                eprintln!("{message}");
                1
            }
        },
    };
    let _ = out.flush();
    std::process::exit(code)
}

fn reply(out: &mut impl Write, r: &Reply) {
    let mut line = serde_json::to_vec(r).expect("replies serialize");
    line.push(b'\n');
    let _ = out.write_all(&line);
    let _ = out.flush();
}

fn run(req: &ArchiveRequest, out: &mut impl Write) -> Result<(), Fail> {
    enter_rootfs(&req.rootfs, &req.binds)?;
    match &req.op {
        ArchiveOp::Stat { path } => {
            let (resolved, abs) = resolve_path(path)?;
            reply(out, &Reply::Stat(stat_path(&resolved, &abs)?));
            Ok(())
        }
        ArchiveOp::Tar { path, compression } => {
            let (resolved, abs) = resolve_path(path)?;
            let stat = stat_path(&resolved, &abs)?;
            let is_dir = stat.mode & libc::S_IFMT == libc::S_IFDIR;
            reply(out, &Reply::Stat(stat));
            let sink = compressor(out, compression.as_deref());
            write_tar(sink, |b| {
                // moby `TarResourceRebaseOpts`: entries start with the
                // base name that was asked for, even when the last
                // element was a symlink to somewhere else.
                let name = rebase_name(&abs);
                if is_dir {
                    b.append_dir_all(name, &resolved)
                } else {
                    b.append_path_with_name(&resolved, name)
                }
            })
        }
        ArchiveOp::Export => {
            reply(out, &Reply::Ready);
            write_tar(compressor(out, None), |b| {
                // Entries relative to the root, without a leading "./",
                // as `docker export` lists them.
                let mut names: Vec<_> = fs::read_dir("/")?
                    .map(|e| e.map(|e| e.file_name()))
                    .collect::<io::Result<_>>()?;
                names.sort();
                for name in names {
                    let path = Path::new("/").join(&name);
                    if fs::symlink_metadata(&path)?.is_dir() {
                        b.append_dir_all(&name, &path)?;
                    } else {
                        b.append_path_with_name(&path, &name)?;
                    }
                }
                Ok(())
            })
        }
        ArchiveOp::Untar {
            path,
            no_overwrite_dir_non_dir,
            chown_user,
            readonly_rootfs,
        } => {
            let dest = extraction_point(path, &req.binds, *readonly_rootfs)?;
            let chown = match chown_user {
                None => None,
                Some(u) => {
                    let user =
                        super::user::resolve(u, "/etc/passwd", "/etc/group").map_err(system)?;
                    Some((user.uid, user.gid))
                }
            };
            reply(out, &Reply::Ready);
            untar(io::stdin().lock(), &dest, *no_overwrite_dir_non_dir, chown)?;
            reply(out, &Reply::Done);
            Ok(())
        }
        ArchiveOp::Mkdir { path } => {
            use std::os::unix::fs::DirBuilderExt;
            let dir = follow_symlink_in_scope(&clean_abs(path))?;
            if let Err(e) = fs::DirBuilder::new()
                .recursive(true)
                .mode(0o755)
                .create(&dir)
            {
                if fs::metadata(&dir).is_ok_and(|m| !m.is_dir()) {
                    return Err(system(format!("Cannot mkdir: {path} is not a directory")));
                }
                return Err(e.into());
            }
            reply(out, &Reply::Done);
            Ok(())
        }
    }
}

/// Steps 1-3 of the module documentation.
fn enter_rootfs(rootfs: &Path, binds: &[ArchiveBind]) -> Result<(), Fail> {
    use nix::mount::{mount, MsFlags};
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS)
        .map_err(|e| system(format!("unshare mount namespace: {e}")))?;
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(|e| system(format!("make mounts private: {e}")))?;
    // Copies of the sources, taken while their host paths still mean
    // something; they are attached once we are inside the rootfs.
    let mut trees = Vec::new();
    for b in binds {
        match open_tree(&b.source) {
            Ok(fd) => trees.push((fd, b)),
            // A volume whose directory is gone is left out, not fatal.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(system(format!("open {}: {e}", b.source.display()))),
        }
    }
    nix::unistd::chroot(rootfs).map_err(|e| system(format!("chroot: {e}")))?;
    std::env::set_current_dir("/")?;
    for (fd, b) in trees {
        // The destination is found from inside the container, so a
        // symlink on its way cannot lead out. moby creates a missing
        // destination; we leave it out instead, so that looking at a
        // container never changes its filesystem.
        let target = follow_symlink_in_scope(&b.destination)?;
        if fs::symlink_metadata(&target).is_err() {
            continue;
        }
        move_mount(&fd, &target).map_err(|e| system(format!("mount {}: {e}", b.destination)))?;
        if b.read_only {
            mount(
                None::<&str>,
                &target,
                None::<&str>,
                MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY,
                None::<&str>,
            )
            .map_err(|e| system(format!("remount {} read-only: {e}", b.destination)))?;
        }
    }
    Ok(())
}

/// `open_tree(2)` with `OPEN_TREE_CLONE`: a detached copy of the mount
/// (or bind of the path) at `source`.
fn open_tree(source: &Path) -> io::Result<OwnedFd> {
    let path = CString::new(source.as_os_str().as_encoded_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: a plain syscall with a valid NUL-terminated path; on success
    // it returns a new fd that we own.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_open_tree,
            libc::AT_FDCWD,
            path.as_ptr(),
            (libc::OPEN_TREE_CLONE | libc::OPEN_TREE_CLOEXEC) as libc::c_uint
                | libc::AT_RECURSIVE as libc::c_uint,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel just gave us this fd.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// `move_mount(2)`: attach a tree from [`open_tree`] at `target`.
fn move_mount(tree: &OwnedFd, target: &Path) -> io::Result<()> {
    let empty = CString::default();
    let target = CString::new(target.as_os_str().as_encoded_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: valid fds and NUL-terminated strings.
    let r = unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            tree.as_raw_fd(),
            empty.as_ptr(),
            libc::AT_FDCWD,
            target.as_ptr(),
            libc::MOVE_MOUNT_F_EMPTY_PATH,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// moby `symlink.FollowSymlinkInScope` with the scope at `/` (we are
/// chrooted): every symlink on the way is followed, `..` stops at the
/// root, and what does not exist is kept as written.
fn follow_symlink_in_scope(path: &str) -> Result<PathBuf, Fail> {
    let mut resolved = PathBuf::from("/");
    let mut pending: Vec<String> = components(path);
    pending.reverse();
    let mut hops = 0;
    while let Some(part) = pending.pop() {
        if part == ".." {
            resolved.pop();
            continue;
        }
        let next = resolved.join(&part);
        match fs::symlink_metadata(&next) {
            Ok(m) if m.file_type().is_symlink() => {
                hops += 1;
                if hops > 255 {
                    return Err(system(format!(
                        "evaluating symlinks in {path}: too many links"
                    )));
                }
                let link = fs::read_link(&next)?;
                let link = link.to_string_lossy();
                if link.starts_with('/') {
                    resolved = PathBuf::from("/");
                }
                for c in components(&link).into_iter().rev() {
                    pending.push(c);
                }
            }
            _ => resolved = next,
        }
    }
    Ok(resolved)
}

/// The parts of a path, without empty and `.` ones.
fn components(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .map(String::from)
        .collect()
}

/// Go's `filepath.Clean` of an absolute path (the builder resolves its
/// `COPY` destinations with it too).
pub fn clean_abs(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// moby `archive.PreserveTrailingDotOrSeparator` over
/// `filepath.Join("/", path)`: `/etc/` keeps its slash and `/etc/.` its
/// dot, because they ask for the directory's contents.
fn abs_path(path: &str) -> String {
    let mut abs = clean_abs(path);
    let base_is_dot = path == "." || path.ends_with("/.");
    if !abs.ends_with('/') && base_is_dot {
        abs.push_str("/.");
    } else if !abs.ends_with('/') && path.ends_with('/') {
        abs.push('/');
    }
    abs
}

/// Go's `filepath.Base`.
fn base_name(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// The first element of the tar's entry names. moby would write `/` for
/// the root itself; a tar entry cannot be absolute here, so it is `.`.
fn rebase_name(abs: &str) -> String {
    match base_name(abs).as_str() {
        "/" => ".".into(),
        n => n.into(),
    }
}

/// moby `container.ResolvePath`: resolve the directory part in the
/// container's scope and keep the last element as it is (so a symlink is
/// stat'ed, not followed). Returns (resolved, absolute path as asked).
fn resolve_path(path: &str) -> Result<(PathBuf, String), Fail> {
    let abs = abs_path(path);
    let (dir, base) = match abs.rfind('/') {
        Some(i) => (&abs[..=i], &abs[i + 1..]),
        None => ("/", abs.as_str()),
    };
    let dir = follow_symlink_in_scope(dir)?;
    let mut resolved = dir.into_os_string();
    if !resolved.to_string_lossy().ends_with('/') {
        resolved.push("/");
    }
    resolved.push(base);
    Ok((PathBuf::from(resolved), abs))
}

/// moby `container.StatPath`.
fn stat_path(resolved: &Path, abs: &str) -> Result<PathStat, Fail> {
    let m = fs::symlink_metadata(resolved)?;
    let link_target = if m.file_type().is_symlink() {
        follow_symlink_in_scope(abs)?.to_string_lossy().into_owned()
    } else {
        String::new()
    };
    Ok(PathStat {
        name: base_name(abs),
        size: m.size() as i64,
        mode: m.mode(),
        mtime_sec: m.mtime(),
        mtime_nsec: m.mtime_nsec(),
        link_target,
    })
}

fn compressor<'a>(out: &'a mut dyn Write, compression: Option<&str>) -> Box<dyn Write + 'a> {
    use flate2::write::{DeflateEncoder, GzEncoder};
    use flate2::Compression;
    let out = BufWriter::with_capacity(64 << 10, out);
    match compression {
        Some("gzip") => Box::new(GzEncoder::new(out, Compression::default())),
        Some("deflate") => Box::new(DeflateEncoder::new(out, Compression::default())),
        _ => Box::new(out),
    }
}

/// Write a tar with `fill`, then its end, flushing the compressor.
fn write_tar(
    sink: Box<dyn Write + '_>,
    fill: impl FnOnce(&mut tar::Builder<Box<dyn Write + '_>>) -> io::Result<()>,
) -> Result<(), Fail> {
    let mut b = tar::Builder::new(sink);
    // Archive symlinks as symlinks, as moby's tar does; the client asks
    // for the target separately when it wants it (`docker cp -L`).
    b.follow_symlinks(false);
    fill(&mut b).map_err(|e| system(e.to_string()))?;
    let mut sink = b.into_inner().map_err(|e| system(e.to_string()))?;
    sink.flush().map_err(|e| system(e.to_string()))?;
    Ok(())
}

/// The directory a `PUT` extracts into: the path with every symlink
/// followed, which must be a directory, and writable by moby's rules.
fn extraction_point(
    path: &str,
    binds: &[ArchiveBind],
    readonly_rootfs: bool,
) -> Result<PathBuf, Fail> {
    let abs = abs_path(path);
    let dest = follow_symlink_in_scope(&abs)?;
    let m = fs::symlink_metadata(&dest)?;
    if !m.is_dir() {
        // moby `ErrExtractPointNotDirectory`.
        return Err(system("extraction point is not a directory"));
    }
    // moby `checkIfPathIsInAVolume`, then the read-only rootfs check.
    let volume = binds
        .iter()
        .filter(|b| dest.starts_with(clean_abs(&b.destination)))
        .max_by_key(|b| b.destination.len());
    match volume {
        Some(b) if b.read_only => Err(system("mounted volume is marked read-only")),
        None if readonly_rootfs => Err(system("container rootfs is marked read-only")),
        _ => Ok(dest),
    }
}

/// moby `archive.Unpack` with `TarOptions{NoOverwriteDirNonDir, ChownOpts}`.
fn untar(
    input: impl Read,
    dest: &Path,
    no_overwrite_dir_non_dir: bool,
    chown: Option<(u32, u32)>,
) -> Result<(), Fail> {
    let mut archive = tar::Archive::new(input);
    archive.set_preserve_permissions(true);
    archive.set_preserve_ownerships(chown.is_none());
    archive.set_overwrite(true);
    for entry in archive.entries().map_err(|e| system(e.to_string()))? {
        let mut entry = entry.map_err(|e| system(e.to_string()))?;
        let rel = entry
            .path()
            .map_err(|e| system(e.to_string()))?
            .into_owned();
        // Entries that would climb out are skipped, as `unpack_in` skips
        // them; the chroot would stop them anyway.
        if rel.components().any(|c| matches!(c, Component::ParentDir)) {
            continue;
        }
        let path = dest.join(&rel);
        let is_dir = entry.header().entry_type().is_dir();
        if let Ok(existing) = fs::symlink_metadata(&path) {
            if no_overwrite_dir_non_dir && existing.is_dir() && !is_dir {
                return Err(system(format!(
                    "cannot overwrite directory {:?} with non-directory {:?}",
                    path.display().to_string(),
                    dest.display().to_string()
                )));
            }
            if no_overwrite_dir_non_dir && !existing.is_dir() && is_dir {
                return Err(system(format!(
                    "cannot overwrite non-directory {:?} with directory {:?}",
                    path.display().to_string(),
                    dest.display().to_string()
                )));
            }
            if !(existing.is_dir() && is_dir) {
                remove_any(&path)?;
            }
        }
        if !entry.unpack_in(dest).map_err(|e| system(e.to_string()))? {
            continue;
        }
        if let Some((uid, gid)) = chown {
            std::os::unix::fs::lchown(&path, Some(uid), Some(gid))?;
        }
    }
    Ok(())
}

fn remove_any(p: &Path) -> io::Result<()> {
    let m = fs::symlink_metadata(p)?;
    if m.is_dir() {
        fs::remove_dir_all(p)
    } else {
        fs::remove_file(p)
    }
}

/// Read one reply line from the helper's stdout, a byte at a time, so
/// that nothing after it (the tar) is taken out of the pipe.
pub fn read_reply(from: &mut impl Read) -> io::Result<Reply> {
    let mut line = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    loop {
        match from.read(&mut byte)? {
            0 => break,
            _ if byte[0] == b'\n' => break,
            _ => line.push(byte[0]),
        }
    }
    if line.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the archive helper ended without a word",
        ));
    }
    serde_json::from_slice(&line).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// moby's `PreserveTrailingDotOrSeparator` over `filepath.Join("/", p)`.
    #[test]
    fn abs_path_keeps_a_trailing_slash_or_dot() {
        assert_eq!(abs_path("etc/passwd"), "/etc/passwd");
        assert_eq!(abs_path("/etc/"), "/etc/");
        assert_eq!(abs_path("/etc/."), "/etc/.");
        assert_eq!(abs_path("/a/../../etc"), "/etc");
        assert_eq!(abs_path("/"), "/");
        assert_eq!(abs_path("."), "/");
    }

    #[test]
    fn base_names_are_gos() {
        assert_eq!(base_name("/etc/passwd"), "passwd");
        assert_eq!(base_name("/etc/"), "etc");
        assert_eq!(base_name("/etc/."), ".");
        assert_eq!(base_name("/"), "/");
        assert_eq!(rebase_name("/"), ".");
    }
}
