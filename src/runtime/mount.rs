//! Mounts: the container's root filesystem (daemon side) and the mounts
//! the init makes inside the new mount namespace (container side).
//!
//! The rootfs is an overlay of the image layers, mounted in the host's
//! mount namespace at `<container_dir>/rootfs`, the way moby's overlay2
//! graph driver mounts `<data-root>/overlay2/<id>/merged`
//! (`daemon/graphdriver/overlay2/overlay.go`), so that `docker cp` and
//! friends can reach it. The container mounts (`/proc`, `/dev`, `/sys`,
//! ...) are docker's defaults from moby `oci/defaults.go`, made by the
//! init the way runc's `libcontainer/rootfs_linux.go` makes them.

use std::fs;
use std::io;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sys::stat::{makedev, mknod, Mode, SFlag};

/// How the rootfs was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootfsKind {
    Overlay,
    /// overlay failed (e.g. the data root is itself on overlayfs): the
    /// layers were copied into the rootfs directory instead.
    Copy,
}

/// Where the rootfs is mounted for a container.
pub fn rootfs_dir(container_dir: &Path) -> PathBuf {
    container_dir.join("rootfs")
}

/// Mount (or copy) the layers at `<container_dir>/rootfs`. Returns how, and
/// the overlay error that made us fall back to a copy. A shortcut of the
/// copy mode: the copy is rebuilt at every start, so what a container
/// wrote outside its volumes does not survive a restart there (with the
/// overlay it does: `upper/` is kept, as dockerd keeps its diff dir).
pub fn prepare_rootfs(
    container_dir: &Path,
    layers: &[PathBuf],
    force_copy: bool,
) -> io::Result<(RootfsKind, Option<String>)> {
    let rootfs = rootfs_dir(container_dir);
    fs::create_dir_all(&rootfs)?;
    if is_mountpoint(&rootfs) {
        // Left over from a start that did not clean up: reuse it.
        return Ok((RootfsKind::Overlay, None));
    }
    if layers.is_empty() {
        return Err(io::Error::other("no image layers to make a rootfs from"));
    }
    if force_copy {
        let _ = fs::remove_dir_all(&rootfs);
        for layer in layers {
            copy_tree(layer, &rootfs)?;
        }
        return Ok((RootfsKind::Copy, Some("overlay disabled".into())));
    }
    let upper = container_dir.join("upper");
    let work = container_dir.join("work");
    fs::create_dir_all(&upper)?;
    fs::create_dir_all(&work)?;
    // overlay wants lowerdir top first; our list is bottom first.
    let lower: Vec<String> = layers
        .iter()
        .rev()
        .map(|l| l.display().to_string())
        .collect();
    let mut lowerdir = lower.join(":");
    let fixed = format!("upperdir={},workdir={}", upper.display(), work.display());
    // Mount options must fit in one page. dockerd's overlay2 keeps short
    // `l/<id>` symlinks for that; we make `<container_dir>/l/<n>` links and
    // name them through an open fd of that dir (`/proc/self/fd/<fd>/<n>`),
    // which is short whatever the data root's path. The same links also
    // dodge layer paths containing `:` or `,`, which the option syntax
    // cannot carry.
    let mut _dirfd = None;
    let awkward = lower.iter().any(|l| l.contains(':') || l.contains(','));
    if awkward || lowerdir.len() + fixed.len() + 16 > 4000 {
        let ldir = container_dir.join("l");
        let _ = fs::remove_dir_all(&ldir);
        fs::create_dir_all(&ldir)?;
        for (i, l) in layers.iter().rev().enumerate() {
            symlink(l, ldir.join(i.to_string()))?;
        }
        let dir = fs::File::open(&ldir)?;
        use std::os::fd::AsRawFd;
        let base = format!("/proc/self/fd/{}", dir.as_raw_fd());
        lowerdir = (0..layers.len())
            .map(|i| format!("{base}/{i}"))
            .collect::<Vec<_>>()
            .join(":");
        _dirfd = Some(dir);
    }
    let opts = format!("lowerdir={lowerdir},{fixed}");
    match mount(
        Some("overlay"),
        &rootfs,
        Some("overlay"),
        MsFlags::empty(),
        Some(opts.as_str()),
    ) {
        Ok(()) => Ok((RootfsKind::Overlay, None)),
        Err(e) => {
            let why = format!("overlay mount failed: {e}");
            let _ = fs::remove_dir_all(&rootfs);
            for layer in layers {
                copy_tree(layer, &rootfs)?;
            }
            Ok((RootfsKind::Copy, Some(why)))
        }
    }
}

/// Copy a layer into `dst`, keeping modes, owners and symlinks. Overlay whiteouts
/// (char 0/0) delete what lower layers put there. Device nodes other than
/// whiteouts, sockets and fifos are skipped: a shortcut of the copy
/// fallback.
fn copy_tree(src: &Path, dst: &Path) -> io::Result<()> {
    fs::create_dir_all(dst)?;
    for entry in fs::read_dir(src)? {
        let entry = entry?;
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let meta = fs::symlink_metadata(&from)?;
        let ft = meta.file_type();
        if ft.is_dir() {
            if fs::symlink_metadata(&to)
                .map(|m| !m.is_dir())
                .unwrap_or(false)
            {
                let _ = fs::remove_file(&to);
            }
            copy_tree(&from, &to)?;
            fs::set_permissions(&to, meta.permissions())?;
            chown_like(&to, &meta)?;
        } else if ft.is_symlink() {
            let _ = remove_any(&to);
            symlink(fs::read_link(&from)?, &to)?;
            chown_like(&to, &meta)?;
        } else if ft.is_file() {
            let _ = remove_any(&to);
            fs::copy(&from, &to)?;
            chown_like(&to, &meta)?;
        } else {
            use std::os::unix::fs::{FileTypeExt, MetadataExt};
            if ft.is_char_device() && meta.rdev() == 0 {
                let _ = remove_any(&to);
            }
        }
    }
    Ok(())
}

fn chown_like(p: &Path, meta: &fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    std::os::unix::fs::lchown(p, Some(meta.uid()), Some(meta.gid()))
}

fn remove_any(p: &Path) -> io::Result<()> {
    match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(p),
        Ok(_) => fs::remove_file(p),
        Err(e) => Err(e),
    }
}

/// Undo [`prepare_rootfs`]: unmount (lazily, in case something still holds
/// it; the overlay's final sync happens off the caller's path) and remove
/// the copy if there was one. The upper dir is the
/// container's layer and stays until the container is removed.
pub fn cleanup_rootfs(container_dir: &Path) {
    let rootfs = rootfs_dir(container_dir);
    // Unmounting an overlay syncs its upper filesystem, which costs
    // 50-200 ms on this project's machines and would sit on the path of
    // every `docker run --rm`. So we keep a reference to the mount, detach
    // it (instant while referenced), and let a background thread drop the
    // reference: the last close does the sync there. The durability is
    // dockerd's (no `volatile` overlay), only the wait moves off the path.
    let mut keep = Vec::new();
    while is_mountpoint(&rootfs) {
        if let Ok(f) = fs::File::open(&rootfs) {
            keep.push(f);
        }
        if umount2(&rootfs, MntFlags::MNT_DETACH).is_err() {
            break;
        }
    }
    if !keep.is_empty() {
        let _ = std::thread::Builder::new()
            .name("rootfs-release".into())
            .spawn(move || drop(keep));
    }
    // An empty dir (unmounted overlay) or a copied tree: remove either,
    // but never through a mount that would not go away.
    if is_mountpoint(&rootfs) {
        return;
    }
    let _ = fs::remove_dir_all(&rootfs);
    let _ = fs::remove_dir_all(container_dir.join("l"));
}

/// Whether `path` is a mount point in our mount namespace.
pub fn is_mountpoint(path: &Path) -> bool {
    let Ok(canon) = fs::canonicalize(path) else {
        return false;
    };
    let text = fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    text.lines().any(|l| {
        l.split(' ')
            .nth(4)
            .map(|mp| unescape(mp) == canon.to_string_lossy())
            .unwrap_or(false)
    })
}

/// mountinfo escapes space, tab, newline and backslash as octal.
pub fn unescape(s: &str) -> String {
    let mut out = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 4 <= b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 4], 8) {
                out.push(v as char);
                i += 4;
                continue;
            }
        }
        out.push(b[i] as char);
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------
// Container side: run by the init, inside the new mount namespace.
// ---------------------------------------------------------------------

fn m(
    src: Option<&str>,
    target: &Path,
    fstype: Option<&str>,
    flags: MsFlags,
    data: Option<&str>,
) -> Result<(), String> {
    mount(src, target, fstype, flags, data).map_err(|e| {
        format!(
            "mount {} ({}): {e}",
            target.display(),
            fstype.unwrap_or("bind")
        )
    })
}

/// Join `unsafe_path` (a path inside the container) to `root`, resolving
/// symlinks as if `root` were `/`, so that an image's symlink (`/dev ->
/// /etc`, `/etc/hosts -> /host/file`) can never send a mount outside the
/// rootfs. This is what runc does with `securejoin.SecureJoin`
/// (cyphar/filepath-securejoin); missing components are taken literally.
pub fn secure_join(root: &Path, unsafe_path: &str) -> Result<PathBuf, String> {
    use std::collections::VecDeque;
    use std::ffi::OsString;
    let mut pending: VecDeque<OsString> = Path::new(unsafe_path)
        .components()
        .map(|c| c.as_os_str().to_os_string())
        .collect();
    let mut resolved = PathBuf::new();
    let mut links = 0;
    while let Some(part) = pending.pop_front() {
        if part == "/" || part == "." {
            continue;
        }
        if part == ".." {
            resolved.pop();
            continue;
        }
        let candidate = resolved.join(&part);
        let full = root.join(&candidate);
        match fs::symlink_metadata(&full) {
            Ok(meta) if meta.file_type().is_symlink() => {
                links += 1;
                if links > 255 {
                    return Err(format!("{unsafe_path}: too many levels of symbolic links"));
                }
                let target = fs::read_link(&full).map_err(|e| format!("readlink: {e}"))?;
                if target.is_absolute() {
                    resolved = PathBuf::new();
                }
                for c in target.components().rev() {
                    pending.push_front(c.as_os_str().to_os_string());
                }
            }
            _ => resolved = candidate,
        }
    }
    Ok(root.join(resolved))
}

fn mkdir(p: &Path) -> Result<(), String> {
    fs::create_dir_all(p).map_err(|e| format!("mkdir {}: {e}", p.display()))
}

/// Make `/` private (so nothing we mount leaks to the host on hosts where
/// it is shared) and make the rootfs a mount point of its own, which
/// pivot_root requires (a no-op for the overlay, needed for the copy).
pub fn make_private_and_bind_root(rootfs: &Path) -> Result<(), String> {
    m(
        None,
        Path::new("/"),
        None,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None,
    )?;
    m(
        Some(&rootfs.to_string_lossy()),
        rootfs,
        None,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None,
    )
}

/// `/proc`, with docker's default options.
pub fn mount_proc(rootfs: &Path) -> Result<(), String> {
    let p = secure_join(rootfs, "/proc")?;
    mkdir(&p)?;
    m(
        Some("proc"),
        &p,
        Some("proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None,
    )
}

/// `/sys` read-only. A fresh sysfs shows the network devices of the
/// mounting process's netns, so it is only mounted fresh with a private
/// netns; with `--network host` we bind the host's /sys read-only, as
/// runc falls back to.
pub fn mount_sys(
    rootfs: &Path,
    private_net: bool,
    cgroup_view: &[(String, String)],
) -> Result<(), String> {
    let s = secure_join(rootfs, "/sys")?;
    mkdir(&s)?;
    let ro = MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    if private_net && m(Some("sysfs"), &s, Some("sysfs"), ro, None).is_ok() {
        return mount_cgroup_view(&s.join("fs/cgroup"), cgroup_view);
    }
    m(
        Some("/sys"),
        &s,
        None,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None,
    )?;
    m(
        None,
        &s,
        None,
        MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | MsFlags::MS_REC,
        None,
    )
}

/// `/sys/fs/cgroup` read-only, showing the container's own cgroups, as
/// docker does on v1 with the host cgroup namespace (runc's "cgroup"
/// mount: a tmpfs with one bind per hierarchy). So `cat
/// /sys/fs/cgroup/memory/memory.limit_in_bytes` inside prints the
/// container's `--memory`. On a unified host the container's v2 dir is
/// bound at /sys/fs/cgroup itself (docker uses a cgroup namespace there;
/// the view is the same).
fn mount_cgroup_view(target: &Path, view: &[(String, String)]) -> Result<(), String> {
    if view.is_empty() || !target.is_dir() {
        return Ok(());
    }
    let ro_bind = MsFlags::MS_BIND
        | MsFlags::MS_REMOUNT
        | MsFlags::MS_RDONLY
        | MsFlags::MS_NOSUID
        | MsFlags::MS_NODEV
        | MsFlags::MS_NOEXEC;
    if let [(dir, name)] = view {
        if name.is_empty() {
            m(Some(dir), target, None, MsFlags::MS_BIND, None)?;
            return m(None, target, None, ro_bind, None);
        }
    }
    let fs_flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    m(
        Some("tmpfs"),
        target,
        Some("tmpfs"),
        fs_flags,
        Some("mode=755"),
    )?;
    for (dir, name) in view {
        let at = target.join(name);
        mkdir(&at)?;
        m(Some(dir), &at, None, MsFlags::MS_BIND, None)?;
        m(None, &at, None, ro_bind, None)?;
        // Co-mounted controllers (`cpu,cpuacct`) get a link per name.
        if name.contains(',') {
            for c in name.split(',') {
                let _ = symlink(name, target.join(c));
            }
        }
    }
    m(
        None,
        target,
        None,
        MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | fs_flags,
        None,
    )
}

/// `/dev`: a tmpfs with the standard nodes, its own devpts instance,
/// `/dev/shm`, `/dev/mqueue` and the fd symlinks (moby `oci/defaults.go`,
/// runc `createDevices`/`setupDevSymlinks`).
pub fn mount_dev(rootfs: &Path, shm_size: i64) -> Result<(), String> {
    let dev = secure_join(rootfs, "/dev")?;
    mkdir(&dev)?;
    m(
        Some("tmpfs"),
        &dev,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_STRICTATIME,
        Some("mode=755,size=65536k"),
    )?;
    for (name, major, minor) in [
        ("null", 1, 3),
        ("zero", 1, 5),
        ("full", 1, 7),
        ("random", 1, 8),
        ("urandom", 1, 9),
        ("tty", 5, 0),
    ] {
        let p = dev.join(name);
        mknod(
            &p,
            SFlag::S_IFCHR,
            Mode::from_bits_truncate(0o666),
            makedev(major, minor),
        )
        .map_err(|e| format!("mknod {}: {e}", p.display()))?;
        // mknod honours the umask; docker's nodes are crw-rw-rw-.
        fs::set_permissions(&p, fs::Permissions::from_mode(0o666))
            .map_err(|e| format!("chmod {}: {e}", p.display()))?;
    }
    let pts = dev.join("pts");
    mkdir(&pts)?;
    m(
        Some("devpts"),
        &pts,
        Some("devpts"),
        MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
        Some("newinstance,ptmxmode=0666,mode=0620,gid=5"),
    )?;
    let shm = dev.join("shm");
    mkdir(&shm)?;
    m(
        Some("shm"),
        &shm,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        // `--shm-size`, docker's 64 MiB when not given.
        Some(&*format!(
            "mode=1777,size={}k",
            if shm_size > 0 { shm_size / 1024 } else { 65536 }
        )),
    )?;
    let mq = dev.join("mqueue");
    mkdir(&mq)?;
    m(
        Some("mqueue"),
        &mq,
        Some("mqueue"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None,
    )?;
    for (link, target) in [
        ("ptmx", "pts/ptmx"),
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        ("core", "/proc/kcore"),
    ] {
        symlink(target, dev.join(link)).map_err(|e| format!("symlink /dev/{link}: {e}"))?;
    }
    Ok(())
}

/// runc binds the terminal's slave at `/dev/console`, so programs that
/// write to the console reach the user.
pub fn bind_console(slave: &str) -> Result<(), String> {
    let console = Path::new("/dev/console");
    if !console.exists() {
        fs::File::create(console).map_err(|e| format!("create /dev/console: {e}"))?;
    }
    m(Some(slave), console, None, MsFlags::MS_BIND, None)
}

/// Bind `source` (host path) onto `dest` (path inside the container,
/// resolved under `rootfs`), creating the mount point with the source's
/// type, as runc does for `-v` binds and for docker's /etc files.
pub fn bind(rootfs: &Path, source: &str, dest: &str, read_only: bool) -> Result<(), String> {
    let target = secure_join(rootfs, dest)?;
    let src_meta = fs::metadata(source).map_err(|e| format!("bind source {source}: {e}"))?;
    if src_meta.is_dir() {
        mkdir(&target)?;
    } else if !target.exists() {
        if let Some(parent) = target.parent() {
            mkdir(parent)?;
        }
        fs::File::create(&target).map_err(|e| format!("create {}: {e}", target.display()))?;
    }
    m(
        Some(source),
        &target,
        None,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None,
    )?;
    if read_only {
        m(
            None,
            &target,
            None,
            MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | MsFlags::MS_REC,
            None,
        )?;
    }
    Ok(())
}

/// Fill an empty volume (`source`, a host directory) with what the image
/// has at `dest`, as moby's `CopyImagePathContent` does for a new volume:
/// files, directories and symlinks with their modes and owners (not hard
/// links, device nodes or extended attributes). A volume with anything in it, or a
/// path the image lacks, is left as it is.
pub fn copy_up(rootfs: &Path, source: &str, dest: &str) -> Result<(), String> {
    let from = secure_join(rootfs, dest)?;
    let to = Path::new(source);
    let empty = fs::read_dir(to)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false);
    if !empty || !from.is_dir() {
        return Ok(());
    }
    let copy = || -> io::Result<()> {
        // The layer copy of the rootfs fallback does the same walk.
        copy_tree(&from, to)?;
        // The volume's own directory takes the image directory's owner
        // and mode too.
        let meta = fs::metadata(&from)?;
        fs::set_permissions(to, meta.permissions())?;
        chown_like(to, &meta)
    };
    copy().map_err(|e| format!("copy {dest} into its volume: {e}"))
}

/// `--device`: make the node at `path` (resolved under `rootfs`) with the
/// host device's type, numbers and mode, as runc's `createDeviceNode`.
pub fn device(
    rootfs: &Path,
    path: &str,
    kind: char,
    major: u64,
    minor: u64,
    mode: u32,
) -> Result<(), String> {
    let target = secure_join(rootfs, path)?;
    if let Some(parent) = target.parent() {
        mkdir(parent)?;
    }
    let _ = fs::remove_file(&target);
    let kind = if kind == 'b' {
        SFlag::S_IFBLK
    } else {
        SFlag::S_IFCHR
    };
    mknod(
        &target,
        kind,
        Mode::from_bits_truncate(mode),
        makedev(major, minor),
    )
    .map_err(|e| format!("mknod {}: {e}", target.display()))?;
    // mknod honours the umask; the node keeps the host's mode.
    fs::set_permissions(&target, fs::Permissions::from_mode(mode))
        .map_err(|e| format!("chmod {}: {e}", target.display()))
}

/// A tmpfs at `dest` (resolved under `rootfs`). moby starts every tmpfs
/// from `noexec,nosuid,nodev` and merges the user's options in
/// (`mount.MergeTmpfsOptions`): flag words (`ro`, `exec`, `suid`, ...)
/// switch mount flags, everything else (`size=`, `mode=`, `uid=`) is the
/// filesystem's data.
pub fn tmpfs(rootfs: &Path, dest: &str, options: &str) -> Result<(), String> {
    let target = secure_join(rootfs, dest)?;
    mkdir(&target)?;
    let mut flags = MsFlags::MS_NOEXEC | MsFlags::MS_NOSUID | MsFlags::MS_NODEV;
    let mut data = Vec::new();
    for opt in options.split(',').filter(|o| !o.is_empty()) {
        match opt {
            "ro" => flags |= MsFlags::MS_RDONLY,
            "rw" => flags &= !MsFlags::MS_RDONLY,
            "exec" => flags &= !MsFlags::MS_NOEXEC,
            "noexec" => flags |= MsFlags::MS_NOEXEC,
            "suid" => flags &= !MsFlags::MS_NOSUID,
            "nosuid" => flags |= MsFlags::MS_NOSUID,
            "dev" => flags &= !MsFlags::MS_NODEV,
            "nodev" => flags |= MsFlags::MS_NODEV,
            "noatime" => flags |= MsFlags::MS_NOATIME,
            "nodiratime" => flags |= MsFlags::MS_NODIRATIME,
            "strictatime" => flags |= MsFlags::MS_STRICTATIME,
            "sync" => flags |= MsFlags::MS_SYNCHRONOUS,
            // Propagation words are for the mount's peers, not tmpfs data.
            "private" | "rprivate" | "shared" | "rshared" | "slave" | "rslave" => {}
            other => data.push(other),
        }
    }
    let data = data.join(",");
    m(
        Some("tmpfs"),
        &target,
        Some("tmpfs"),
        flags,
        (!data.is_empty()).then_some(data.as_str()),
    )
}

/// Move into the rootfs: runc's and youki's `pivot_root(".", ".")` then a
/// lazy unmount of the old root stacked underneath; no `.oldroot` dir.
pub fn pivot_root(rootfs: &Path) -> Result<(), String> {
    std::env::set_current_dir(rootfs).map_err(|e| format!("chdir {}: {e}", rootfs.display()))?;
    nix::unistd::pivot_root(".", ".").map_err(|e| format!("pivot_root: {e}"))?;
    umount2(".", MntFlags::MNT_DETACH).map_err(|e| format!("umount old root: {e}"))?;
    std::env::set_current_dir("/").map_err(|e| format!("chdir /: {e}"))
}

/// `--read-only` (runc `setReadonly`): make the root mount read-only,
/// after pivot_root, so that the mounts on top of it (/proc, /dev, /sys,
/// the binds, volumes) keep their own flags.
pub fn readonly_root() -> Result<(), String> {
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY,
        None::<&str>,
    )
    .map_err(|e| format!("remount / read-only: {e}"))
}

/// docker's masked paths (moby `oci/defaults.go`, `MaskedPaths`): files
/// are covered with /dev/null, directories with an empty read-only tmpfs.
const MASKED_PATHS: &[&str] = &[
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
];

/// docker's read-only paths (`ReadonlyPaths`).
const READONLY_PATHS: &[&str] = &[
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// Apply the masked and read-only paths, after pivot_root (runc
/// `maskPath` / `readonlyPath`). Paths the kernel does not have are
/// skipped.
pub fn mask_and_readonly_paths() -> Result<(), String> {
    for p in MASKED_PATHS {
        let path = Path::new(p);
        match fs::metadata(path) {
            Err(_) => continue,
            Ok(meta) if meta.is_dir() => {
                m(Some("tmpfs"), path, Some("tmpfs"), MsFlags::MS_RDONLY, None)?
            }
            Ok(_) => m(Some("/dev/null"), path, None, MsFlags::MS_BIND, None)?,
        }
    }
    for p in READONLY_PATHS {
        let path = Path::new(p);
        if fs::symlink_metadata(path).is_err() {
            continue;
        }
        m(
            Some(p),
            path,
            None,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None,
        )?;
        m(
            None,
            path,
            None,
            MsFlags::MS_BIND
                | MsFlags::MS_REMOUNT
                | MsFlags::MS_RDONLY
                | MsFlags::MS_REC
                | MsFlags::MS_NOSUID
                | MsFlags::MS_NODEV
                | MsFlags::MS_NOEXEC,
            None,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An image's symlinks are resolved inside the rootfs, never on the
    /// host (runc's SecureJoin).
    #[test]
    fn secure_join_stays_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("real/etc")).unwrap();
        symlink("/real/etc", root.join("etc")).unwrap();
        symlink("../../../../../../host", root.join("escape")).unwrap();
        symlink("loop", root.join("loop")).unwrap();
        assert_eq!(
            secure_join(root, "/etc/hosts").unwrap(),
            root.join("real/etc/hosts")
        );
        assert_eq!(secure_join(root, "/escape/x").unwrap(), root.join("host/x"));
        assert_eq!(secure_join(root, "/../../x").unwrap(), root.join("x"));
        assert!(secure_join(root, "/loop").is_err());
    }
}
