//! A build context sent as a tar: extracted to a temporary directory,
//! with a checksum for every file in it.
//!
//! Mirrors moby `builder/remotecontext/archive.go` (`FromArchive`,
//! `archiveContext`) and the per-file sums of `pkg/tarsum` (v20.10.24).
//! moby extracts the context with `chrootarchive.Untar`, chrooted into
//! the temporary directory; here the tar crate extracts it, and refuses
//! what would land outside the directory: an entry under a symlink that
//! leads out is an error, an entry whose name climbs out with `..` is
//! dropped (moby's chroot keeps it inside by clamping it at the root).
//!
//! The sums are what `COPY` names its sources by in the image's history
//! (`COPY file:<sum> in /dest`). They are tarsum version 1, as moby
//! computes them while it extracts: the sha256 of the entry's header
//! fields (name, mode, uid, gid, size, type, link name, device numbers;
//! not the time, and not the owner names) followed by its content. So the
//! same context tar gives the same sums as under dockerd. Extended
//! attributes, which moby adds to the sum, are left out: the docker CLI
//! does not send them.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::errdefs::{Error, Result};

/// moby `archiveContext`: the extracted context and its sums.
pub struct ArchiveContext {
    root: PathBuf,
    /// tarsum by clean relative path (`dir/file`, `.` for the root);
    /// the first entry of a name wins, as `FileInfoSums.GetFile` finds it.
    sums: HashMap<String, String>,
}

impl ArchiveContext {
    /// moby `FromArchive`: extract `stream` (a tar, plain or gzip) into a
    /// new directory under `tmp_root`. The directory goes when the
    /// context is dropped (moby `Close`), or at once if this fails.
    pub fn from_archive(stream: &mut dyn Read, tmp_root: &Path) -> Result<ArchiveContext> {
        fs::create_dir_all(tmp_root)?;
        let root = tmp_root.join(format!("docker-builder{:016x}", rand::random::<u64>()));
        fs::create_dir(&root)?;
        let mut ctx = ArchiveContext {
            root,
            sums: HashMap::new(),
        };
        // moby `archive.DecompressStream`; only gzip is recognised here
        // (dockerd also takes bzip2 and xz).
        let decompressed = crate::image::layer::decompress(Box::new(stream)).map_err(tar_error)?;
        ctx.untar(decompressed)?;
        Ok(ctx)
    }

    /// Extract every entry and sum it.
    fn untar(&mut self, src: Box<dyn Read + '_>) -> Result<()> {
        let mut archive = tar::Archive::new(src);
        archive.set_preserve_permissions(true);
        archive.set_preserve_mtime(true);
        // Owners do not matter: COPY gives every file to root (or to
        // --chown), as moby's copy does.
        archive.set_preserve_ownerships(false);
        archive.set_overwrite(true);
        for entry in archive.entries().map_err(tar_error)? {
            let mut entry = entry.map_err(tar_error)?;
            let name = entry.path_bytes().into_owned();
            let header_sum = tarsum_v1_header(&entry)?;
            if entry.header().entry_type().is_hard_link() {
                let target = entry.link_name().map_err(tar_error)?.unwrap_or_default();
                if target.components().any(|c| c == Component::ParentDir) {
                    return Err(Error::system(format!(
                        "Error processing tar file(exit status 1): invalid hardlink {:?} -> {:?}",
                        String::from_utf8_lossy(&name),
                        target.display()
                    )));
                }
            }
            // `false`: the name climbs out with `..`; the entry is dropped.
            if !entry.unpack_in(&self.root).map_err(tar_error)? {
                continue;
            }
            let rel = clean_rel(&String::from_utf8_lossy(&name));
            let mut hasher = Sha256::new();
            hasher.update(&header_sum);
            if entry.header().entry_type().is_file() {
                // The content as it landed on disk is the content the tar
                // carried; reading it back keeps the extraction the tar
                // crate's own.
                let mut f = fs::File::open(self.root.join(&rel))?;
                io::copy(&mut f, &mut hasher)?;
            }
            self.sums
                .entry(rel)
                .or_insert_with(|| hex::encode(hasher.finalize()));
        }
        Ok(())
    }

    /// The directory the context was extracted to (moby `Root()`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// moby `remotecontext.FullPath`: `path` inside the context, every
    /// symlink on the way followed without leaving it. A path that climbs
    /// out of the context is refused with moby's "backwards compatible"
    /// error.
    pub fn full_path(&self, path: &str) -> Result<PathBuf> {
        if escapes(path) {
            return Err(Error::system(format!(
                "forbidden path outside the build context: {path} ()"
            )));
        }
        crate::runtime::mount::secure_join(&self.root, path).map_err(Error::system)
    }

    /// moby `remotecontext.StatAt`: the metadata of `path`, symlinks
    /// followed.
    pub fn stat_at(&self, path: &str) -> Result<io::Result<fs::Metadata>> {
        Ok(fs::metadata(self.full_path(path)?))
    }

    /// The path of `full` relative to the root, `/`-separated, `.` for
    /// the root itself (moby `remotecontext.Rel`).
    pub fn rel(&self, full: &Path) -> String {
        let rel = full.strip_prefix(&self.root).unwrap_or(full);
        let s = rel.to_string_lossy().into_owned();
        if s.is_empty() {
            ".".to_string()
        } else {
            s
        }
    }

    /// moby `archiveContext.Remove`: `path` and all under it leave the
    /// context.
    pub fn remove(&self, path: &str) -> Result<()> {
        let full = self.full_path(path)?;
        let removed = match fs::symlink_metadata(&full) {
            Ok(m) if m.is_dir() => fs::remove_dir_all(&full),
            Ok(_) => fs::remove_file(&full),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        };
        Ok(removed?)
    }

    /// moby `archiveContext.Hash`: the sum of the file `path` leads to
    /// (a symlink's target, not the link), or the path itself when the
    /// tar had no entry for it (a directory made for a deeper entry).
    pub fn hash(&self, path: &str) -> Result<String> {
        let clean = clean_rel(path);
        if escapes(path) {
            return Err(Error::system(format!(
                "forbidden path outside the build context: {path} ({clean})"
            )));
        }
        let full = self.full_path(path)?;
        Ok(self
            .sums
            .get(&self.rel(&full))
            .cloned()
            .unwrap_or_else(|| path.to_string()))
    }
}

impl Drop for ArchiveContext {
    /// moby `archiveContext.Close`.
    fn drop(&mut self) {
        if let Err(e) = fs::remove_dir_all(&self.root) {
            tracing::debug!("[BUILDER] failed to remove temporary context: {e}");
        }
    }
}

/// Whether `path`, joined to a root and cleaned, lands outside it (moby:
/// `FollowSymlinkInScope` refuses a path that is not under the root
/// before it follows anything).
fn escapes(path: &str) -> bool {
    let mut depth = 0i32;
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            _ => depth += 1,
        }
    }
    false
}

/// Go's `path.Join(".", path.Join("/", name))`: the clean relative form a
/// tar entry's sum is filed under.
pub fn clean_rel(name: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// moby `tarsum` `v1TarHeaderSelect` as `encodeHeader` writes it: each
/// field's name followed by its value, in this order, the owner names
/// always empty.
fn tarsum_v1_header<R: Read>(entry: &tar::Entry<'_, R>) -> Result<Vec<u8>> {
    let h = entry.header();
    let name = entry.path_bytes();
    // Go's tar reader reports the old "regular file" type `\0` as `0`
    // (or as a directory when the name ends in `/`).
    let typeflag = match h.entry_type().as_byte() {
        b'\0' if name.ends_with(b"/") => b'5',
        b'\0' => b'0',
        t => t,
    };
    let link = entry.link_name_bytes().unwrap_or_default();
    let num = |v: io::Result<u64>| v.unwrap_or(0).to_string();
    let dev = |v: io::Result<Option<u32>>| v.ok().flatten().unwrap_or(0).to_string();
    let mut out = Vec::new();
    for (key, value) in [
        ("name", name.as_ref()),
        ("mode", num(h.mode().map(u64::from)).as_bytes()),
        ("uid", num(h.uid()).as_bytes()),
        ("gid", num(h.gid()).as_bytes()),
        ("size", num(h.size()).as_bytes()),
        ("typeflag", &[typeflag][..]),
        ("linkname", link.as_ref()),
        ("uname", b""),
        ("gname", b""),
        ("devmajor", dev(h.device_major()).as_bytes()),
        ("devminor", dev(h.device_minor()).as_bytes()),
    ] {
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(value);
    }
    Ok(out)
}

/// A tar that cannot be read: moby's chrootarchive reports the untar
/// child's failure as `Error processing tar file(<why>): <output>`, and a
/// cut-off tar as `(unexpected EOF)`. Unclassified, so a 500.
fn tar_error(e: io::Error) -> Error {
    let text = crate::image::layer::error_chain(&e);
    // The tar crate says it in several ways ("unexpected EOF during
    // skip", "failed to read entire block").
    if e.kind() == io::ErrorKind::UnexpectedEof
        || text.contains("unexpected EOF")
        || text.contains("entire block")
    {
        return Error::system("Error processing tar file(unexpected EOF): ");
    }
    Error::system(format!("Error processing tar file(exit status 1): {text}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A two-file tar like the docker CLI sends.
    fn context_tar() -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in [
            ("Dockerfile", &b"FROM busybox\n"[..]),
            ("hello.txt", b"hi\n"),
        ] {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_mtime(1_700_000_000);
            h.set_cksum();
            b.append_data(&mut h, name, data).unwrap();
        }
        b.into_inner().unwrap()
    }

    /// The context is extracted with its files' sums, and goes away with
    /// the value.
    #[test]
    fn extracts_and_sums() {
        let tmp = std::env::temp_dir().join(format!("md-ctx-{}", rand::random::<u32>()));
        let ctx = ArchiveContext::from_archive(&mut &context_tar()[..], &tmp).unwrap();
        let root = ctx.root().to_path_buf();
        assert_eq!(fs::read(root.join("hello.txt")).unwrap(), b"hi\n");
        // sha256("name" "hello.txt" "mode" "420" ... "devminor" "0" + content)
        let mut want = Sha256::new();
        want.update(
            b"namehello.txtmode420uid0gid0size3typeflag0linknameunamegnamedevmajor0devminor0hi\n",
        );
        assert_eq!(ctx.hash("hello.txt").unwrap(), hex::encode(want.finalize()));
        assert_eq!(
            ctx.hash("./hello.txt").unwrap(),
            ctx.hash("hello.txt").unwrap()
        );
        assert_eq!(
            ctx.stat_at("../hello.txt").unwrap_err().message,
            "forbidden path outside the build context: ../hello.txt ()"
        );
        drop(ctx);
        assert!(!root.exists());
        let _ = fs::remove_dir_all(&tmp);
    }

    /// A tar cut short is dockerd's 500 "Error processing tar file(unexpected EOF): ".
    #[test]
    fn truncated_tar() {
        let tmp = std::env::temp_dir().join(format!("md-ctx-{}", rand::random::<u32>()));
        let tar = context_tar();
        let err = ArchiveContext::from_archive(&mut &tar[..700], &tmp)
            .err()
            .expect("a truncated tar fails");
        assert_eq!(err.message, "Error processing tar file(unexpected EOF): ");
        let _ = fs::remove_dir_all(&tmp);
    }

    #[test]
    fn clean_names() {
        assert_eq!(clean_rel("./"), ".");
        assert_eq!(clean_rel("dir/"), "dir");
        assert_eq!(clean_rel("./a/./b"), "a/b");
        assert!(escapes("../x"));
        assert!(escapes("a/../../x"));
        assert!(!escapes("a/../x"));
        assert!(!escapes("/x"));
    }
}
