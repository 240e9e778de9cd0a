//! `busybox:latest`, built on the spot from the host's static busybox.
//!
//! dockerd has no such thing: its images come from a registry. mini-dockerd
//! has no registry client, so to give `docker run busybox ...` something to
//! run on a fresh data root, the daemon builds the image the way
//! `docker import` would from a hand-made rootfs (the reference dockerd's
//! set-up script makes its busybox the same way):
//!
//! - `bin/busybox` (a copy of the static binary) and `bin/<applet>`
//!   symlinks to it, one per `busybox --list` applet;
//! - `etc/passwd` and `etc/group` with `root` and `nobody`, and the empty
//!   directories a container expects (`dev`, `proc`, `sys`, `tmp`, ...);
//! - config `Cmd ["sh"]` and the default `PATH`, like Docker Hub's busybox
//!   (the reference dockerd's import has neither; we add them so that a
//!   bare `docker run -it busybox` starts a shell).
//!
//! Every timestamp is the busybox binary's mtime, so the layer, the config
//! and hence the image id are the same every time on one machine.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::image_import::format_time;
use super::reference;
use super::{ImageConfig, ImageService};
use crate::errdefs::{Error, Result};

/// Where Debian's busybox-static installs the binary.
const CANDIDATES: &[&str] = &["/bin/busybox", "/usr/bin/busybox"];

/// The default `PATH` of a Linux container.
pub const DEFAULT_PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const PASSWD: &str =
    "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
const GROUP: &str = "root:x:0:\nnogroup:x:65534:\n";

/// The first statically linked busybox on the host, if any.
pub fn find_static_busybox() -> Option<PathBuf> {
    CANDIDATES
        .iter()
        .map(PathBuf::from)
        .find(|p| std::fs::read(p).map(|b| is_static_elf(&b)).unwrap_or(false))
}

/// A 64-bit little-endian ELF executable without a `PT_INTERP` program
/// header needs no dynamic loader, so it runs in an empty rootfs.
pub fn is_static_elf(b: &[u8]) -> bool {
    if b.len() < 64 || &b[..4] != b"\x7fELF" || b[4] != 2 || b[5] != 1 {
        return false;
    }
    let u16_at = |o: usize| u16::from_le_bytes([b[o], b[o + 1]]) as usize;
    let phoff = u64::from_le_bytes(b[32..40].try_into().unwrap_or([0; 8])) as usize;
    let phentsize = u16_at(54);
    let phnum = u16_at(56);
    for i in 0..phnum {
        let o = phoff + i * phentsize;
        if o + 4 > b.len() {
            return false;
        }
        let typ = u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        if typ == 3 {
            return false; // PT_INTERP
        }
    }
    true
}

/// The rootfs tar for `busybox` at `bin`, deterministic for one binary.
pub fn busybox_rootfs_tar(bin: &Path) -> Result<(Vec<u8>, time::OffsetDateTime)> {
    let data = std::fs::read(bin)?;
    let mtime = std::fs::metadata(bin)?
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let out = Command::new(bin)
        .arg("--list")
        .output()
        .map_err(|e| Error::system(format!("{}: {e}", bin.display())))?;
    let mut applets: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|a| !a.is_empty() && *a != "busybox" && !a.contains('/'))
        .map(str::to_string)
        .collect();
    applets.sort();
    applets.dedup();

    let mut b = tar::Builder::new(Vec::new());
    let header = |typ: tar::EntryType, mode: u32, size: u64| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(typ);
        h.set_mode(mode);
        h.set_size(size);
        h.set_mtime(mtime);
        h.set_uid(0);
        h.set_gid(0);
        h
    };
    let dirs: &[(&str, u32)] = &[
        ("bin", 0o755),
        ("dev", 0o755),
        ("etc", 0o755),
        ("home", 0o755),
        ("proc", 0o555),
        ("root", 0o700),
        ("sys", 0o555),
        ("tmp", 0o1777),
        ("usr", 0o755),
        ("var", 0o755),
    ];
    for (d, mode) in dirs {
        let mut h = header(tar::EntryType::Directory, *mode, 0);
        b.append_data(&mut h, format!("{d}/"), std::io::empty())?;
    }
    let mut h = header(tar::EntryType::Regular, 0o755, data.len() as u64);
    b.append_data(&mut h, "bin/busybox", Cursor::new(&data))?;
    for a in &applets {
        let mut h = header(tar::EntryType::Symlink, 0o777, 0);
        b.append_link(&mut h, format!("bin/{a}"), "busybox")?;
    }
    for (name, content) in [("etc/group", GROUP), ("etc/passwd", PASSWD)] {
        let mut h = header(tar::EntryType::Regular, 0o644, content.len() as u64);
        b.append_data(&mut h, name, content.as_bytes())?;
    }
    let tar = b.into_inner()?;
    let created = time::OffsetDateTime::from_unix_timestamp(mtime as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    Ok((tar, created))
}

impl ImageService {
    /// Build `busybox:latest` from the host's static busybox if the tag is
    /// absent and such a binary exists. Returns the new image's id, or
    /// `None` when nothing was built.
    pub fn ensure_busybox(&self) -> Result<Option<String>> {
        if self.get_image("busybox:latest").is_ok() {
            return Ok(None);
        }
        let Some(bin) = find_static_busybox() else {
            return Ok(None);
        };
        self.build_busybox_from(&bin).map(Some)
    }

    /// Build and tag `busybox:latest` from the busybox binary at `bin`.
    pub fn build_busybox_from(&self, bin: &Path) -> Result<String> {
        let (tar, created) = busybox_rootfs_tar(bin)?;
        let config = ImageConfig {
            env: Some(vec![DEFAULT_PATH.to_string()]),
            cmd: Some(vec!["sh".to_string()]),
            ..Default::default()
        };
        let named = reference::parse_normalized_named("busybox:latest")?;
        let id = self.create_single_layer_image(
            &mut Cursor::new(tar),
            config,
            &format_time(created),
            "Imported from -",
            Some(named),
        )?;
        self.log_image_event(&id, &id, "import");
        Ok(id)
    }
}
