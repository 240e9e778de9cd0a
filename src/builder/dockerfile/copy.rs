//! `COPY` and `ADD`: which files of the context, named how, copied where.
//!
//! Mirrors moby `builder/dockerfile/copy.go` (v20.10.24): the sources of
//! an instruction become `copyInfo`s (a path in the context and its
//! checksum; wildcards match names in the context as Go's
//! `filepath.Match` does), and each is copied by moby's rules:
//!
//! - a directory's *contents* go into the destination, which is created
//!   (0755, owned by root) when missing and otherwise left as it is;
//! - a file goes to the destination path, or into it when the
//!   destination ends in `/` or is an existing directory; a symlink named
//!   as a source is followed, so its target's content is copied under the
//!   link's name;
//! - `ADD` extracts a local tar (plain or gzip) into the destination
//!   instead of copying it, keeping the owners in the archive;
//! - everything else copied belongs to root, or to `--chown`.
//!
//! moby copies into the layer's mounted root with `chrootarchive`. Here
//! each copy is written as a tar whose entries carry their final paths,
//! and the layer extracts it at its root (`builder::RWLayer::extract`,
//! done by the runtime's chrooted archive helper); missing parent
//! directories are created as the tar is extracted.
//!
//! Not here: URLs as sources (`ADD https://...`), `COPY --from`, bzip2
//! and xz archives for `ADD`.

use std::fs;
use std::io::{self, Read, Seek};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::builder::remotecontext::ArchiveContext;
use crate::builder::RWLayer;
use crate::errdefs::{Error, Result};
// Go's `path.Clean` of an absolute path.
use crate::runtime::archive::clean_abs;

/// moby `copyInfo`: a source in the context and its checksum.
#[derive(Clone, Debug, PartialEq)]
pub struct CopyInfo {
    /// The path in the context as named (after wildcards), without a
    /// leading `/` or `./`.
    pub path: String,
    /// `file:<sum>` or `dir:<sum>`.
    pub hash: String,
}

/// moby `copyInstruction`.
#[derive(Clone, Debug)]
pub struct CopyInstruction {
    pub cmd_name: &'static str,
    pub infos: Vec<CopyInfo>,
    /// The destination as written.
    pub dest: String,
    pub chown_str: String,
    /// `ADD`: extract local archives.
    pub allow_local_decompression: bool,
}

/// moby `copier.createCopyInstruction`.
pub fn create_copy_instruction(
    source: &ArchiveContext,
    args: &[String],
    cmd_name: &'static str,
) -> Result<CopyInstruction> {
    let (dest, sources) = args
        .split_last()
        .expect("parsed with two arguments at least");
    let infos = get_copy_infos_for_source_paths(source, sources, cmd_name)
        .map_err(|e| e.wrap(format_args!("{cmd_name} failed")))?;
    if infos.len() > 1 && !dest.ends_with('/') {
        return Err(Error::system(format!(
            "When using {cmd_name} with more than one source file, the destination must be a directory and end with a /"
        )));
    }
    Ok(CopyInstruction {
        cmd_name,
        infos,
        dest: dest.clone(),
        chown_str: String::new(),
        allow_local_decompression: false,
    })
}

/// moby `getCopyInfosForSourcePaths`.
fn get_copy_infos_for_source_paths(
    source: &ArchiveContext,
    sources: &[String],
    cmd_name: &str,
) -> Result<Vec<CopyInfo>> {
    let mut infos = Vec::new();
    for orig in sources {
        if orig.starts_with("http://") || orig.starts_with("https://") {
            // moby downloads the URL for ADD (`errOnSourceDownload` for COPY).
            return Err(Error::system(if cmd_name == "COPY" {
                "source can't be a URL for COPY".to_string()
            } else {
                format!("mini-dockerd does not download ADD sources (it fetches nothing from the network): {orig}")
            }));
        }
        infos.extend(calc_copy_info(source, orig, true)?);
    }
    if infos.is_empty() {
        return Err(Error::system("no source files were specified"));
    }
    Ok(infos)
}

/// moby `copier.calcCopyInfo`.
fn calc_copy_info(
    source: &ArchiveContext,
    orig_path: &str,
    allow_wildcards: bool,
) -> Result<Vec<CopyInfo>> {
    let orig = orig_path.strip_prefix('/').unwrap_or(orig_path);
    let orig = orig.strip_prefix("./").unwrap_or(orig);
    if allow_wildcards && contains_wildcards(orig) {
        return copy_with_wildcards(source, orig);
    }
    // moby `copyInfoForFile`.
    let meta = match source.stat_at(orig)? {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Error::system(format!(
                "file not found in build context or excluded by .dockerignore: stat {orig}: file does not exist"
            )))
        }
        Err(e) => return Err(e.into()),
    };
    if !meta.is_dir() {
        let hash = format!("file:{}", source.hash(orig)?);
        return Ok(vec![CopyInfo {
            path: orig.to_string(),
            hash,
        }]);
    }
    let subfiles = walk_source(source, orig)?;
    Ok(vec![CopyInfo {
        path: orig.to_string(),
        hash: hash_string_slice("dir", &subfiles),
    }])
}

/// moby `containsWildcards`: `*`, `?` or `[` not escaped by `\`.
fn contains_wildcards(name: &str) -> bool {
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '*' | '?' | '[' => return true,
            _ => {}
        }
    }
    false
}

/// Every path in the context (directories included, symlinks not
/// followed), relative to its root, in Go's `filepath.Walk` order.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        out.push(path.clone());
        if e.file_type()?.is_dir() {
            walk(&path, out)?;
        }
    }
    Ok(())
}

/// moby `copier.copyWithWildcards`: every path of the context the pattern
/// matches, each taken as a source of its own.
fn copy_with_wildcards(source: &ArchiveContext, pattern: &str) -> Result<Vec<CopyInfo>> {
    let mut paths = Vec::new();
    walk(source.root(), &mut paths)?;
    let mut infos = Vec::new();
    for path in paths {
        let rel = source.rel(&path);
        if match_pattern(pattern, &rel).unwrap_or(false) {
            infos.extend(calc_copy_info(source, &rel, false)?);
        }
    }
    Ok(infos)
}

/// moby `walkSource`: the sums of everything under a directory (itself
/// included), sorted, for the directory's `dir:` checksum.
fn walk_source(source: &ArchiveContext, orig: &str) -> Result<Vec<String>> {
    let full = source.full_path(orig)?;
    let mut paths = vec![full.clone()];
    walk(&full, &mut paths)?;
    let mut subfiles = Vec::new();
    for path in paths {
        let rel = source.rel(&path);
        if rel == "." {
            continue;
        }
        if let Ok(h) = source.hash(&rel) {
            subfiles.push(h);
        }
    }
    subfiles.sort();
    Ok(subfiles)
}

/// moby `hashStringSlice`: `prefix:` and the sha256 of the sums joined
/// by commas.
pub fn hash_string_slice(prefix: &str, slice: &[String]) -> String {
    format!(
        "{prefix}:{}",
        hex::encode(Sha256::digest(slice.join(",").as_bytes()))
    )
}

/// moby `getSourceHashFromInfos`: one source's sum as it is, several
/// hashed together.
pub fn get_source_hash_from_infos(infos: &[CopyInfo]) -> String {
    if let [one] = infos {
        return one.hash.clone();
    }
    let hashes: Vec<String> = infos.iter().map(|i| i.hash.clone()).collect();
    hash_string_slice("multi", &hashes)
}

/// Go's `filepath.ErrBadPattern`: the pattern is malformed.
#[derive(Debug, PartialEq, Eq)]
pub struct ErrBadPattern;

/// Go's `filepath.Match`: `*` is any run of characters but `/`, `?` one
/// such character, `[...]` a class (with ranges and `^` to negate), `\`
/// escapes.
pub fn match_pattern(pattern: &str, name: &str) -> std::result::Result<bool, ErrBadPattern> {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    match_from(&p, &n, false)
}

/// moby `fileutils` patterns (`.dockerignore`): `filepath.Match`'s, plus
/// `**`, any run of characters `/` included (`**/` any number of
/// directories, none included).
pub fn match_fileutils_pattern(
    pattern: &str,
    name: &str,
) -> std::result::Result<bool, ErrBadPattern> {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    match_from(&p, &n, true)
}

fn match_from(
    p: &[char],
    n: &[char],
    double_star: bool,
) -> std::result::Result<bool, ErrBadPattern> {
    let Some(&c) = p.first() else {
        return Ok(n.is_empty());
    };
    if double_star && c == '*' && p.get(1) == Some(&'*') {
        let mut rest = &p[2..];
        if rest.first() == Some(&'/') {
            rest = &rest[1..];
        }
        if rest.is_empty() {
            return Ok(true);
        }
        // `(.*/)?`: nothing, or anything up to and including a `/`.
        for i in 0..=n.len() {
            if (i == 0 || n[i - 1] == '/') && match_from(rest, &n[i..], double_star)? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    match c {
        '*' => {
            // Try every split that does not cross a `/`.
            for i in 0..=n.len() {
                if i > 0 && n[i - 1] == '/' {
                    break;
                }
                if match_from(&p[1..], &n[i..], double_star)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        '?' => match n.first() {
            Some(&ch) if ch != '/' => match_from(&p[1..], &n[1..], double_star),
            _ => Ok(false),
        },
        '[' => {
            let Some(&ch) = n.first() else {
                return Ok(false);
            };
            let (matched, rest) = match_class(&p[1..], ch)?;
            if matched && ch != '/' {
                match_from(rest, &n[1..], double_star)
            } else {
                Ok(false)
            }
        }
        '\\' => {
            let Some(&lit) = p.get(1) else {
                return Err(ErrBadPattern);
            };
            match n.first() {
                Some(&ch) if ch == lit => match_from(&p[2..], &n[1..], double_star),
                _ => Ok(false),
            }
        }
        lit => match n.first() {
            Some(&ch) if ch == lit => match_from(&p[1..], &n[1..], double_star),
            _ => Ok(false),
        },
    }
}

/// A `[...]` class (the `[` already taken): whether `ch` is in it, and
/// the pattern after the `]`.
fn match_class(p: &[char], ch: char) -> std::result::Result<(bool, &[char]), ErrBadPattern> {
    let mut i = 0;
    let negated = p.first() == Some(&'^');
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let Some(&c) = p.get(i) else {
            return Err(ErrBadPattern);
        };
        if c == ']' && !first {
            i += 1;
            break;
        }
        first = false;
        let lo = if c == '\\' {
            i += 1;
            *p.get(i).ok_or(ErrBadPattern)?
        } else {
            c
        };
        i += 1;
        let mut hi = lo;
        if p.get(i) == Some(&'-') && p.get(i + 1).is_some_and(|&c| c != ']') {
            i += 1;
            hi = if p[i] == '\\' {
                i += 1;
                *p.get(i).ok_or(ErrBadPattern)?
            } else {
                p[i]
            };
            i += 1;
        }
        if lo <= ch && ch <= hi {
            matched = true;
        }
    }
    Ok((matched != negated, &p[i..]))
}

/// moby `normalizeDest`: a relative destination is under the working
/// directory; a trailing `/` is kept, as it means "into".
pub fn normalize_dest(working_dir: &str, requested: &str) -> String {
    if requested.starts_with('/') {
        return requested.to_string();
    }
    let mut dest = clean_abs(&format!("/{working_dir}/{requested}"));
    if requested.ends_with('/') && dest != "/" {
        dest.push('/');
    }
    dest
}

/// A tar entry's name for an absolute path in the layer.
fn entry_name(abs: &str) -> String {
    clean_abs(abs).trim_start_matches('/').to_string()
}

/// moby `performCopyForInfo`: copy one source into the layer. `chown`
/// is who owns what is copied (`0:0` without `--chown`); `tmp` is where
/// the tar to extract is staged.
pub fn perform_copy_for_info(
    layer: &mut dyn RWLayer,
    source: &ArchiveContext,
    info: &CopyInfo,
    dest: &str,
    decompress: bool,
    chown: &str,
    tmp: &Path,
) -> Result<()> {
    let src_path = source.full_path(&info.path)?;
    let src = fs::metadata(&src_path).map_err(|e| Error::from(e).wrap("source path not found"))?;
    let staged = tmp.join(format!("copy-{:016x}.tar", rand::random::<u64>()));
    let result = (|| {
        let mut file = fs::File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&staged)?;
        let owner = if src.is_dir() {
            // moby `copyDirectory`: the destination is made if missing,
            // then the directory's contents go into it.
            let existed = layer.stat_dir(dest)?.is_some();
            let mut b = tar::Builder::new(&mut file);
            if !existed {
                append_new_dir(&mut b, &entry_name(dest))?;
            }
            append_dir_contents(&mut b, &src_path, &entry_name(dest))?;
            b.finish()?;
            Some(chown)
        } else if decompress && is_archive(&src_path) {
            // moby `archiver.UntarPath`: the archive's entries, under the
            // destination directory, with their own owners.
            let mut b = tar::Builder::new(&mut file);
            append_dir_if_missing(&mut b, layer, dest)?;
            rebase_archive(&mut b, &src_path, &entry_name(dest))?;
            b.finish()?;
            None
        } else {
            // moby `copyFile`: into the destination when it ends in `/`
            // or is a directory, else as it.
            let mut target = dest.to_string();
            if dest.ends_with('/') || layer.stat_dir(dest)? == Some(true) {
                let base = Path::new(&info.path)
                    .file_name()
                    .map(|b| b.to_string_lossy().into_owned())
                    .unwrap_or_default();
                target = format!("{}/{base}", dest.trim_end_matches('/'));
            }
            let mut b = tar::Builder::new(&mut file);
            append_file(&mut b, &src_path, &src, &entry_name(&target))?;
            b.finish()?;
            Some(chown)
        };
        file.rewind()?;
        layer.extract(Box::new(file), owner.unwrap_or(""))
    })();
    let _ = fs::remove_file(&staged);
    result.map_err(|e| e.wrap("failed to copy files"))
}

/// A header for `meta`, owned by root (the layer's extraction gives it
/// its real owner).
fn header_for(meta: &fs::Metadata, typ: tar::EntryType) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(typ);
    h.set_mode(meta.permissions().mode() & 0o7777);
    h.set_mtime(meta.mtime().max(0) as u64);
    h.set_uid(0);
    h.set_gid(0);
    h.set_size(0);
    h
}

/// A directory the copy creates: 0755, owned by root (moby
/// `MkdirAllAndChownNew(dest, 0755, ...)`).
fn append_new_dir<W: io::Write>(b: &mut tar::Builder<W>, name: &str) -> Result<()> {
    if name.is_empty() {
        return Ok(());
    }
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Directory);
    h.set_mode(0o755);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    );
    h.set_size(0);
    b.append_data(&mut h, format!("{name}/"), io::empty())?;
    Ok(())
}

fn append_dir_if_missing<W: io::Write>(
    b: &mut tar::Builder<W>,
    layer: &mut dyn RWLayer,
    dest: &str,
) -> Result<()> {
    if layer.stat_dir(dest)?.is_none() {
        append_new_dir(b, &entry_name(dest))?;
    }
    Ok(())
}

/// One regular file, with its mode and time.
fn append_file<W: io::Write>(
    b: &mut tar::Builder<W>,
    path: &Path,
    meta: &fs::Metadata,
    name: &str,
) -> Result<()> {
    let mut h = header_for(meta, tar::EntryType::Regular);
    h.set_size(meta.len());
    b.append_data(&mut h, name, fs::File::open(path)?)?;
    Ok(())
}

/// What is in `dir`, recursively, under `prefix`: files, directories
/// and symlinks (kept as symlinks), as moby's `TarUntar` copies them.
/// Sockets, devices and pipes are left out.
fn append_dir_contents<W: io::Write>(
    b: &mut tar::Builder<W>,
    dir: &Path,
    prefix: &str,
) -> Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let name = match prefix {
            "" => e.file_name().to_string_lossy().into_owned(),
            p => format!("{p}/{}", e.file_name().to_string_lossy()),
        };
        let meta = fs::symlink_metadata(&path)?;
        let ft = meta.file_type();
        if ft.is_dir() {
            let mut h = header_for(&meta, tar::EntryType::Directory);
            b.append_data(&mut h, format!("{name}/"), io::empty())?;
            append_dir_contents(b, &path, &name)?;
        } else if ft.is_symlink() {
            let mut h = header_for(&meta, tar::EntryType::Symlink);
            b.append_link(&mut h, &name, fs::read_link(&path)?)?;
        } else if ft.is_file() {
            append_file(b, &path, &meta, &name)?;
        }
    }
    Ok(())
}

/// moby `isArchivePath`: the file is a tar, perhaps gzipped.
fn is_archive(path: &Path) -> bool {
    let Ok(f) = fs::File::open(path) else {
        return false;
    };
    let Ok(r) = crate::image::layer::decompress(Box::new(f)) else {
        return false;
    };
    let mut archive = tar::Archive::new(r);
    matches!(archive.entries().map(|mut e| e.next()), Ok(Some(Ok(_))))
}

/// The archive's entries, renamed to sit under `prefix`.
fn rebase_archive<W: io::Write>(b: &mut tar::Builder<W>, path: &Path, prefix: &str) -> Result<()> {
    let r = crate::image::layer::decompress(Box::new(fs::File::open(path)?))?;
    let mut archive = tar::Archive::new(r);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let rel = super::super::remotecontext::archive::clean_rel(&String::from_utf8_lossy(
            &entry.path_bytes(),
        ));
        if rel == "." || rel.starts_with("..") {
            continue;
        }
        let name = if prefix.is_empty() {
            rel
        } else {
            format!("{prefix}/{rel}")
        };
        let mut h = entry.header().clone();
        let link = entry.link_name()?.map(|l| l.into_owned());
        match (h.entry_type(), link) {
            (t, Some(target)) if t.is_symlink() => b.append_link(&mut h, &name, target)?,
            (t, Some(target)) if t.is_hard_link() => {
                let target = match prefix {
                    "" => target,
                    p => Path::new(p).join(target),
                };
                b.append_link(&mut h, &name, target)?
            }
            _ => {
                let mut data = Vec::new();
                entry.read_to_end(&mut data)?;
                b.append_data(&mut h, &name, &data[..])?
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Go's `filepath.Match`, as `COPY *.txt /dir/` uses it.
    #[test]
    fn patterns_match_like_go() {
        assert_eq!(match_pattern("*.txt", "a.txt"), Ok(true));
        assert_eq!(match_pattern("*.txt", "d/a.txt"), Ok(false));
        assert_eq!(match_pattern("d/*", "d/a.txt"), Ok(true));
        assert_eq!(match_pattern("f?", "f1"), Ok(true));
        assert_eq!(match_pattern("f[0-9]", "f7"), Ok(true));
        assert_eq!(match_pattern("f[^0-9]", "f7"), Ok(false));
        assert_eq!(match_pattern("[", "a"), Err(ErrBadPattern));
        assert_eq!(
            match_fileutils_pattern("**/Dockerfile", "Dockerfile"),
            Ok(true)
        );
        assert_eq!(
            match_fileutils_pattern("**/Dockerfile", "a/b/Dockerfile"),
            Ok(true)
        );
        assert_eq!(match_fileutils_pattern("a/**", "a/b/c"), Ok(true));
        assert_eq!(match_fileutils_pattern("*", "a/b"), Ok(false));
        assert!(contains_wildcards("*.txt"));
        assert!(!contains_wildcards("a\\*b"));
    }

    /// A relative destination is under WORKDIR; a trailing slash stays.
    #[test]
    fn destinations() {
        assert_eq!(normalize_dest("/app/sub", "."), "/app/sub");
        assert_eq!(normalize_dest("/app", "x/"), "/app/x/");
        assert_eq!(normalize_dest("", "x"), "/x");
        assert_eq!(normalize_dest("/w", "/data/"), "/data/");
        assert_eq!(entry_name("/data/"), "data");
        assert_eq!(entry_name("/"), "");
    }

    /// `multi:` and `dir:` sums are sha256 of the parts joined by commas.
    #[test]
    fn combined_sums() {
        let infos = vec![
            CopyInfo {
                path: "a".into(),
                hash: "file:1".into(),
            },
            CopyInfo {
                path: "b".into(),
                hash: "file:2".into(),
            },
        ];
        assert_eq!(
            get_source_hash_from_infos(&infos),
            format!("multi:{}", hex::encode(Sha256::digest(b"file:1,file:2")))
        );
        assert_eq!(get_source_hash_from_infos(&infos[..1]), "file:1");
    }
}
