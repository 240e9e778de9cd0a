//! `docker diff`: what a container changed, read from its overlay layer.
//!
//! Mirrors what moby's overlay2 graph driver answers for `Changes`
//! (`daemon/graphdriver/overlay2/overlay.go` → `pkg/archive/changes.go`
//! `OverlayChanges`, v20.10.24): walk the container's upper directory and
//! name each path there
//!
//! - `D` (2) when it is an overlay whiteout (a character device 0/0): the
//!   container deleted what a lower layer had;
//! - `C` (0) when a lower layer has the path too: the container changed it
//!   (a directory is copied up when anything in it changes);
//! - `A` (1) when no lower layer has it.
//!
//! dockerd keeps the files it bind-mounts over (`/etc/hostname`,
//! `/etc/hosts`, `/etc/resolv.conf`) and `/.dockerenv` in an "init" layer
//! under the container's, so `docker diff` never shows them. We have no
//! init layer: the runtime creates them in the upper directory when the
//! image lacks them. So those files (while empty), and a directory changed
//! only because of them, are left out here.
//!
//! With a copied rootfs (no overlay, see `mount.rs`) there is no upper
//! directory and so no changes to show.
//!
//! [`write_diff_tar`] is the same walk written as a layer tar, for
//! `docker commit` (moby: overlay2's `Diff`, `archive.TarWithOptions` with
//! the overlay whiteout converter): a deletion becomes an empty
//! `.wh.<name>` file and an opaque directory gets a `.wh..wh..opq` entry,
//! the AUFS-style whiteouts every image layer uses.

use std::fs;
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use serde::Serialize;

/// moby `archive.Change` as the API writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    #[serde(rename = "Path")]
    pub path: String,
    /// 0 modified, 1 added, 2 deleted.
    #[serde(rename = "Kind")]
    pub kind: u8,
}

pub const CHANGE_MODIFY: u8 = 0;
pub const CHANGE_ADD: u8 = 1;
pub const CHANGE_DELETE: u8 = 2;

/// The files dockerd keeps in its init layer: the mount points the init
/// makes for the files bound over `/etc`, and `/.dockerenv`.
const INIT_LAYER_FILES: [&str; 4] = [
    "/etc/hostname",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/.dockerenv",
];

/// The changes in `upper` over `layers` (bottom first), in path order.
pub fn overlay_changes(layers: &[PathBuf], upper: &Path) -> io::Result<Vec<Change>> {
    let mut out = Vec::new();
    if upper.is_dir() {
        walk(layers, upper, "", &mut out)?;
    }
    // Leave out the init's mount points, then the directories that were
    // only copied up to hold them.
    out.retain(|c| {
        !(c.kind == CHANGE_ADD
            && INIT_LAYER_FILES.contains(&c.path.as_str())
            && fs::metadata(upper.join(&c.path[1..]))
                .map(|m| m.is_file() && m.len() == 0)
                .unwrap_or(false))
    });
    let dirs_to_drop: Vec<String> = out
        .iter()
        .filter(|c| {
            c.kind == CHANGE_MODIFY
                && INIT_LAYER_FILES
                    .iter()
                    .any(|f| f.starts_with(&format!("{}/", c.path)))
                && !out
                    .iter()
                    .any(|o| o.path.starts_with(&format!("{}/", c.path)))
        })
        .map(|c| c.path.clone())
        .collect();
    out.retain(|c| !dirs_to_drop.contains(&c.path));
    Ok(out)
}

/// Write the container's layer as an image layer tar to `out`.
pub fn write_diff_tar(layers: &[PathBuf], upper: &Path, out: impl io::Write) -> io::Result<()> {
    let mut b = tar::Builder::new(out);
    b.follow_symlinks(false);
    for change in overlay_changes(layers, upper)? {
        let rel = &change.path[1..];
        if change.kind == CHANGE_DELETE {
            let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
            let wh = if dir.is_empty() {
                format!(".wh.{name}")
            } else {
                format!("{dir}/.wh.{name}")
            };
            append_whiteout(&mut b, &wh)?;
            continue;
        }
        let src = upper.join(rel);
        let meta = fs::symlink_metadata(&src)?;
        if meta.is_dir() {
            b.append_dir(rel, &src)?;
            if is_opaque(&src) {
                append_whiteout(&mut b, &format!("{rel}/.wh..wh..opq"))?;
            }
        } else {
            b.append_path_with_name(&src, rel)?;
        }
    }
    b.into_inner()?.flush()
}

/// An empty regular file standing for a whiteout (moby's converter
/// writes mode 0600).
fn append_whiteout(b: &mut tar::Builder<impl io::Write>, name: &str) -> io::Result<()> {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_mode(0o600);
    h.set_size(0);
    b.append_data(&mut h, name, io::empty())
}

/// overlayfs marks a directory that hides everything below it with the
/// `trusted.overlay.opaque` attribute set to `y`.
fn is_opaque(dir: &Path) -> bool {
    let Ok(path) = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()) else {
        return false;
    };
    let mut value = [0u8; 1];
    // SAFETY: a valid NUL-terminated path and a buffer of the given size.
    let n = unsafe {
        libc::lgetxattr(
            path.as_ptr(),
            c"trusted.overlay.opaque".as_ptr(),
            value.as_mut_ptr().cast(),
            value.len(),
        )
    };
    n == 1 && value[0] == b'y'
}

fn walk(layers: &[PathBuf], upper: &Path, rel: &str, out: &mut Vec<Change>) -> io::Result<()> {
    let mut entries: Vec<_> =
        fs::read_dir(upper.join(rel.trim_start_matches('/')))?.collect::<io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let path = format!("{rel}/{}", name.to_string_lossy());
        let meta = fs::symlink_metadata(entry.path())?;
        if is_whiteout(&meta) {
            out.push(Change {
                path,
                kind: CHANGE_DELETE,
            });
            continue;
        }
        let kind = if in_lower(layers, &path) {
            CHANGE_MODIFY
        } else {
            CHANGE_ADD
        };
        out.push(Change {
            path: path.clone(),
            kind,
        });
        if meta.is_dir() {
            walk(layers, upper, &path, out)?;
        }
    }
    Ok(())
}

/// An overlay whiteout: a character device with device number 0/0.
fn is_whiteout(meta: &fs::Metadata) -> bool {
    meta.file_type().is_char_device() && meta.rdev() == 0
}

/// Whether the image (its layers, top first) has `path`: the topmost
/// layer that mentions it decides, and a whiteout there means no.
fn in_lower(layers: &[PathBuf], path: &str) -> bool {
    for layer in layers.iter().rev() {
        if let Ok(m) = fs::symlink_metadata(layer.join(&path[1..])) {
            return !is_whiteout(&m);
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file added in a new directory, a file changed in an image
    /// directory, and the init's empty `/etc/hostname`, which must not
    /// show (nor make `/etc` show).
    #[test]
    fn added_changed_and_init_files() {
        let tmp = tempfile::tempdir().unwrap();
        let lower = tmp.path().join("lower");
        let upper = tmp.path().join("upper");
        fs::create_dir_all(lower.join("etc")).unwrap();
        fs::create_dir_all(lower.join("bin")).unwrap();
        fs::write(lower.join("bin/sh"), "x").unwrap();
        fs::create_dir_all(upper.join("etc")).unwrap();
        fs::write(upper.join("etc/hostname"), "").unwrap();
        fs::create_dir_all(upper.join("root/x")).unwrap();
        fs::create_dir_all(upper.join("bin")).unwrap();
        fs::write(upper.join("bin/sh"), "y").unwrap();
        let got = overlay_changes(&[lower], &upper).unwrap();
        let got: Vec<(String, u8)> = got.into_iter().map(|c| (c.path, c.kind)).collect();
        assert_eq!(
            got,
            vec![
                ("/bin".to_string(), CHANGE_MODIFY),
                ("/bin/sh".to_string(), CHANGE_MODIFY),
                ("/root".to_string(), CHANGE_ADD),
                ("/root/x".to_string(), CHANGE_ADD),
            ]
        );
    }
}
