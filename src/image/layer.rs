//! The layer store: layer tars in, extracted directories out.
//!
//! Mirrors moby `layer/layer_store.go` + `layer/filestore.go` (the
//! `layerdb`) and the apply half of `daemon/graphdriver/overlay2`
//! (v20.10.24). A layer is named by its chain id (the bottom layer's chain
//! id is its diff id; above it `sha256(parent_chain + " " + diff_id)`).
//!
//! - `image/overlay2/layerdb/sha256/<chain>/` holds `diff` (the diff id),
//!   `size`, `parent` and `layer.tar`;
//! - `overlay2/<chain>/diff` holds the extracted files, one overlay
//!   lowerdir per layer.
//!
//! Two shortcuts, owned up to:
//! - moby names the overlay2 directory by a random cache id and rebuilds
//!   the exact layer tar for `docker save` from the directory with
//!   tar-split metadata. We name the directory by the chain id and keep the
//!   uncompressed `layer.tar` itself, which costs disk but makes `save`
//!   reproduce the diff id byte for byte.
//! - Whiteouts (`.wh.name`, `.wh..wh..opq`) are converted to overlay's
//!   form while extracting (a 0/0 character device, the
//!   `trusted.overlay.opaque` xattr), as overlay2's `ApplyDiff` does, so
//!   the layer directories can be stacked as lowerdirs unchanged.

use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use super::store::{atomic_write, hex_of};
use crate::errdefs::{Error, Result};

const WHITEOUT_PREFIX: &str = ".wh.";
const WHITEOUT_OPAQUE: &str = ".wh..wh..opq";

/// The chain ids of a stack of diff ids, bottom first (moby
/// `layer.CreateChainID`).
pub fn chain_ids(diff_ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(diff_ids.len());
    for d in diff_ids {
        let next = match out.last() {
            None => d.clone(),
            Some(parent) => super::store::digest_of(format!("{parent} {d}").as_bytes()),
        };
        out.push(next);
    }
    out
}

/// `<data-root>/overlay2/<chain>/diff`.
pub fn diff_dir(data_root: &Path, chain: &str) -> PathBuf {
    data_root.join("overlay2").join(hex_of(chain)).join("diff")
}

fn layerdb_dir(root: &Path, chain: &str) -> PathBuf {
    root.join("layerdb").join("sha256").join(hex_of(chain))
}

/// The stored uncompressed tar of a layer, for `docker save`.
pub fn layer_tar(root: &Path, chain: &str) -> PathBuf {
    layerdb_dir(root, chain).join("layer.tar")
}

/// Whether a layer is registered (its layerdb directory is complete).
pub fn exists(root: &Path, chain: &str) -> bool {
    layerdb_dir(root, chain).join("diff").is_file()
}

/// The bytes of one layer's files.
pub fn size(root: &Path, chain: &str) -> i64 {
    fs::read_to_string(layerdb_dir(root, chain).join("size"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// An image's size: the sum of its layers' sizes.
pub fn image_size(root: &Path, diff_ids: &[String]) -> i64 {
    chain_ids(diff_ids).iter().map(|c| size(root, c)).sum()
}

/// Release a layer: the layerdb entry first (so a crash leaves at worst an
/// orphan directory, never a registered layer without files).
pub fn remove(data_root: &Path, root: &Path, chain: &str) -> Result<()> {
    let db = layerdb_dir(root, chain);
    if db.exists() {
        fs::remove_dir_all(&db)?;
    }
    let dir = data_root.join("overlay2").join(hex_of(chain));
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    Ok(())
}

/// Layers registered by an import or load whose image is not created
/// yet. Between `register` and the image store's `create` no image refers
/// to the layer, so a concurrent `rmi` of another image sharing it would
/// see it unused; a pin keeps it. (A leaf lock: held only for an insert,
/// a remove or a lookup.)
static PINNED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Keeps a layer from being released while it is alive.
pub struct Pin(String);

impl Drop for Pin {
    fn drop(&mut self) {
        let mut p = PINNED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = p.iter().position(|c| *c == self.0) {
            p.swap_remove(i);
        }
    }
}

/// Pin `chain` until the returned guard is dropped.
pub fn pin(chain: &str) -> Pin {
    PINNED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(chain.to_string());
    Pin(chain.to_string())
}

/// Whether an import or load in flight holds `chain`.
pub fn is_pinned(chain: &str) -> bool {
    PINNED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .any(|c| c == chain)
}

/// Remove what an interrupted import or load left behind.
pub fn clean_temporaries(data_root: &Path, root: &Path) {
    for dir in [
        data_root.join("overlay2"),
        root.join("layerdb").join("sha256"),
    ] {
        if let Ok(rd) = fs::read_dir(&dir) {
            for e in rd.flatten() {
                if e.file_name().to_string_lossy().starts_with(".tmp-") {
                    let _ = fs::remove_dir_all(e.path());
                }
            }
        }
    }
    let _ = fs::remove_dir_all(root.join("tmp"));
}

/// A scratch directory under the store for staging uploads.
pub fn tmp_dir(root: &Path) -> io::Result<PathBuf> {
    let d = root
        .join("tmp")
        .join(format!(".tmp-{:016x}", rand::random::<u64>()));
    fs::create_dir_all(&d)?;
    Ok(d)
}

/// A reader that passes bytes through while hashing them.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// moby `archive.DecompressStream`: gzip is detected by its magic bytes;
/// anything else is taken as a plain tar.
pub fn decompress<'a>(mut src: Box<dyn Read + 'a>) -> io::Result<Box<dyn Read + 'a>> {
    let mut magic = [0u8; 2];
    let mut n = 0;
    while n < 2 {
        let m = src.read(&mut magic[n..])?;
        if m == 0 {
            break;
        }
        n += m;
    }
    let head = io::Cursor::new(magic[..n].to_vec());
    let chained = Box::new(head.chain(src));
    if n == 2 && magic == [0x1f, 0x8b] {
        Ok(Box::new(flate2::read::GzDecoder::new(chained)))
    } else {
        Ok(chained)
    }
}

/// Copy a (possibly gzipped) layer stream to `dest` uncompressed, and
/// return its diff id: the sha256 of the uncompressed tar.
pub fn ingest(src: &mut dyn Read, dest: &Path) -> Result<String> {
    let inner = decompress(Box::new(src))?;
    let mut r = HashingReader {
        inner,
        hasher: Sha256::new(),
    };
    let mut f = fs::File::create(dest)?;
    io::copy(&mut r, &mut f)
        .map_err(|e| Error::invalid_parameter(format!("error reading layer: {e}")))?;
    f.sync_all()?;
    Ok(format!("sha256:{}", hex::encode(r.hasher.finalize())))
}

/// moby `layerStore.Register`: extract the uncompressed tar at `tar_path`
/// (whose digest is `diff_id`) on top of `parent`, and record it. A layer
/// that already exists is reused. Returns the chain id.
pub fn register(
    data_root: &Path,
    root: &Path,
    parent: Option<&str>,
    tar_path: &Path,
    diff_id: &str,
) -> Result<String> {
    let chain = match parent {
        None => diff_id.to_string(),
        Some(p) => super::store::digest_of(format!("{p} {diff_id}").as_bytes()),
    };
    // One registration at a time: two loads of the same layer must not
    // race on the rename into place. Extraction is quick next to the
    // upload that precedes it, so serialising costs little.
    static REGISTER: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = REGISTER.lock().unwrap_or_else(|e| e.into_inner());
    if exists(root, &chain) {
        return Ok(chain);
    }
    let hex = hex_of(&chain).to_string();
    // Extract into a temporary directory, then rename into place.
    let tmp = data_root
        .join("overlay2")
        .join(format!(".tmp-{hex}-{:x}", rand::random::<u32>()));
    let tmp_diff = tmp.join("diff");
    fs::create_dir_all(&tmp_diff)?;
    let size = match apply_tar(&mut fs::File::open(tar_path)?, &tmp_diff) {
        Ok(s) => s,
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    let final_dir = data_root.join("overlay2").join(&hex);
    if final_dir.exists() {
        fs::remove_dir_all(&final_dir)?;
    }
    fs::rename(&tmp, &final_dir)?;

    // Then the layerdb entry, also staged and renamed: its presence is
    // what makes the layer exist.
    let db_tmp = root
        .join("layerdb")
        .join("sha256")
        .join(format!(".tmp-{hex}-{:x}", rand::random::<u32>()));
    fs::create_dir_all(&db_tmp)?;
    atomic_write(&db_tmp.join("size"), size.to_string().as_bytes())?;
    if let Some(p) = parent {
        atomic_write(&db_tmp.join("parent"), p.as_bytes())?;
    }
    fs::copy(tar_path, db_tmp.join("layer.tar"))?;
    atomic_write(&db_tmp.join("diff"), diff_id.as_bytes())?;
    let db = layerdb_dir(root, &chain);
    if db.exists() {
        fs::remove_dir_all(&db)?;
    }
    fs::rename(&db_tmp, &db)?;
    Ok(chain)
}

/// Normalise a tar entry path and refuse one that climbs out of the
/// layer (moby `archive.Unpack`'s "breakout" check). A leading `/` is
/// dropped: entries are always relative to the layer root.
pub fn clean_entry_path(p: &Path) -> Result<PathBuf> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                return Err(Error::invalid_parameter(format!(
                    "invalid tar: {:?} is outside of the layer directory",
                    p.display().to_string()
                )))
            }
        }
    }
    Ok(out)
}

/// Apply a layer tar to `dir`, converting whiteouts to overlay's form.
/// Returns the bytes of regular files (the layer size).
pub fn apply_tar(src: &mut dyn Read, dir: &Path) -> Result<i64> {
    let mut archive = tar::Archive::new(src);
    archive.set_preserve_permissions(true);
    archive.set_preserve_mtime(true);
    // Ownership is applied by hand below: the tar crate refuses a header
    // with an empty uid field, which Go's archive/tar reads as 0.
    archive.set_preserve_ownerships(false);
    archive.set_unpack_xattrs(true);
    archive.set_overwrite(true);
    let mut size = 0i64;
    let bad = |e: io::Error| Error::invalid_parameter(format!("invalid tar: {}", error_chain(&e)));
    for entry in archive.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let raw = entry.path().map_err(bad)?.into_owned();
        let rel = clean_entry_path(&raw)?;
        if let Some(link) = entry.link_name().map_err(bad)? {
            // A hard link's target is a path in the layer and must stay in
            // it; a symlink's target is resolved inside the container and
            // may be anything.
            if entry.header().entry_type().is_hard_link() {
                clean_entry_path(&link)?;
            }
        }
        let name = rel
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if name == WHITEOUT_OPAQUE {
            let parent = dir.join(rel.parent().unwrap_or(Path::new("")));
            fs::create_dir_all(&parent)?;
            set_opaque(&parent)?;
            continue;
        }
        if let Some(hidden) = name.strip_prefix(WHITEOUT_PREFIX) {
            let parent = dir.join(rel.parent().unwrap_or(Path::new("")));
            fs::create_dir_all(&parent)?;
            make_whiteout(&parent.join(hidden))?;
            continue;
        }
        // moby measures a layer with `directory.Size`: the lstat size of
        // every non-directory (a symlink's is its target's length), each
        // inode once (so hard links count once).
        let typ = entry.header().entry_type();
        if typ.is_file() {
            size += entry.header().size().unwrap_or(0) as i64;
        } else if typ.is_symlink() {
            size += entry.link_name_bytes().map(|l| l.len() as i64).unwrap_or(0);
        }
        if rel.as_os_str().is_empty() {
            // The root directory entry ("./"): keep our directory.
            continue;
        }
        let uid = entry.header().uid().unwrap_or(0) as u32;
        let gid = entry.header().gid().unwrap_or(0) as u32;
        let mode = entry.header().mode().unwrap_or(0o644);
        let is_symlink = entry.header().entry_type().is_symlink();
        let unpacked = entry.unpack_in(dir).map_err(bad)?;
        if !unpacked {
            return Err(Error::invalid_parameter(format!(
                "invalid tar: {:?} is outside of the layer directory",
                raw.display().to_string()
            )));
        }
        if uid != 0 || gid != 0 {
            chown_entry(&dir.join(&rel), uid, gid, mode, is_symlink)?;
        }
    }
    Ok(size)
}

/// Give an extracted entry its owner; `chown` clears set-id bits, so the
/// mode is applied again afterwards.
fn chown_entry(path: &Path, uid: u32, gid: u32, mode: u32, is_symlink: bool) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::os::unix::fs::lchown(path, Some(uid), Some(gid))
        .map_err(|e| Error::system(format!("chown {}: {e}", path.display())))?;
    if !is_symlink && mode & 0o6000 != 0 {
        fs::set_permissions(path, fs::Permissions::from_mode(mode & 0o7777))?;
    }
    Ok(())
}

/// overlayfs marks a deleted lower file with a 0/0 character device.
fn make_whiteout(path: &Path) -> Result<()> {
    use nix::sys::stat::{makedev, mknod, Mode, SFlag};
    if path.symlink_metadata().is_ok() {
        if path.is_dir() {
            fs::remove_dir_all(path)?;
        } else {
            fs::remove_file(path)?;
        }
    }
    mknod(path, SFlag::S_IFCHR, Mode::empty(), makedev(0, 0))
        .map_err(|e| Error::system(format!("whiteout {}: {e}", path.display())))
}

/// overlayfs hides a lower directory's contents with this xattr.
fn set_opaque(dir: &Path) -> Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let p = CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| Error::invalid_parameter("invalid path"))?;
    let name = c"trusted.overlay.opaque";
    // SAFETY: both strings are NUL-terminated and live across the call.
    let rc = unsafe { libc::setxattr(p.as_ptr(), name.as_ptr(), b"y".as_ptr().cast(), 1, 0) };
    if rc != 0 {
        return Err(Error::system(format!(
            "opaque dir {}: {}",
            dir.display(),
            io::Error::last_os_error()
        )));
    }
    Ok(())
}

/// An error and its sources, `a: b: c`, as Go's wrapped errors print.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
