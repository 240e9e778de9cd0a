//! A container's mounts: `-v` (`Binds`), `--mount` (`Mounts`) and
//! `--tmpfs` (`Tmpfs`), read into one list.
//!
//! Mirrors moby `daemon/volumes.go` (v20.10.24) `registerMountPoints` and
//! the Linux half of `volume/mounts/linux_parser.go` (`ParseMountSpec`,
//! `validateMountConfigImpl`, `ConvertTmpfsOptions`). moby works the list
//! out once, at create, and keeps it in config.v2.json as `MountPoints`;
//! we work it out from the `HostConfig` whenever it is needed (start,
//! inspect, volume references), which gives the same list because nothing
//! in it changes after create.
//!
//! Anonymous volumes (an image's `VOLUME`, `-v /data`) are made at create
//! with a random name, kept in the container's config.v2.json
//! (`MountPoints`), and removed with it by `docker rm -v` and `--rm`. An
//! empty volume is filled from the image's files at that path when the
//! container starts (moby copies them at create, with the rootfs mounted;
//! ours is mounted only by the runtime). `--mount type=volume` without a
//! source is refused at create (501) rather than half done.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::create::parse_bind;
use super::Daemon;
use crate::api::types::container::HostConfig;
use crate::container::Container;
use crate::errdefs::{Error, Result};
use crate::runtime::{BindMount, TmpfsMount};

/// moby `mount.Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MountType {
    Bind,
    Volume,
    Tmpfs,
}

impl MountType {
    pub fn as_str(self) -> &'static str {
        match self {
            MountType::Bind => "bind",
            MountType::Volume => "volume",
            MountType::Tmpfs => "tmpfs",
        }
    }
}

/// moby `volumemounts.MountPoint`: one mount of a container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MountPoint {
    pub kind: MountType,
    /// The host path of a bind.
    pub host_path: Option<PathBuf>,
    /// The volume's name.
    pub volume: String,
    pub destination: String,
    pub read_only: bool,
    /// `Mode` as inspect shows it: the `-v` mode string, `z` for a volume
    /// given with `-v`, empty for `--mount`.
    pub mode: String,
    /// The tmpfs options, for a tmpfs.
    pub tmpfs_options: String,
    /// An anonymous volume (inspect shows its `Mode` as "").
    pub anonymous: bool,
    /// Fill an empty volume from the image's files at the destination
    /// (every volume but one given with `nocopy`).
    pub copy_up: bool,
}

/// moby `errMountConfig`: `invalid mount config for type "bind": ...`.
fn mount_config_error(typ: &str, err: impl std::fmt::Display) -> Error {
    Error::invalid_parameter(format!("invalid mount config for type {typ:?}: {err}"))
}

/// moby `ParseMountSpec` with `validateMountConfigImpl` (bind sources
/// must exist): one `HostConfig.Mounts` entry.
pub(crate) fn parse_mount_spec(m: &Value) -> Result<MountPoint> {
    let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let typ = s("Type");
    let (source, target) = (s("Source"), s("Target"));
    let read_only = m.get("ReadOnly").and_then(Value::as_bool).unwrap_or(false);
    let has = |k: &str| m.get(k).is_some_and(|v| !v.is_null());
    let err = |e: &str| mount_config_error(&typ, e);
    let kind = match typ.as_str() {
        "bind" => MountType::Bind,
        "volume" => MountType::Volume,
        "tmpfs" => MountType::Tmpfs,
        _ => return Err(err("mount type unknown")),
    };
    if target.is_empty() {
        return Err(err("field Target must not be empty"));
    }
    if target == "/" {
        return Err(err("invalid specification: destination can't be '/'"));
    }
    if !target.starts_with('/') {
        return Err(err(&format!(
            "invalid mount path: '{target}' mount path must be absolute"
        )));
    }
    let mut mp = MountPoint {
        kind,
        host_path: None,
        volume: String::new(),
        destination: clean(&target),
        read_only,
        mode: String::new(),
        tmpfs_options: String::new(),
        anonymous: false,
        copy_up: false,
    };
    match kind {
        MountType::Bind => {
            if source.is_empty() {
                return Err(err("field Source must not be empty"));
            }
            if has("VolumeOptions") {
                return Err(err("field VolumeOptions must not be specified"));
            }
            if !source.starts_with('/') {
                return Err(err(&format!(
                    "invalid mount path: '{source}' mount path must be absolute"
                )));
            }
            if std::fs::metadata(&source).is_err() {
                return Err(err(&format!("bind source path does not exist: {source}")));
            }
            mp.host_path = Some(PathBuf::from(clean(&source)));
        }
        MountType::Volume => {
            if has("BindOptions") {
                return Err(err("field BindOptions must not be specified"));
            }
            if source.is_empty() {
                if read_only {
                    return Err(err(
                        "must not set ReadOnly mode when using anonymous volumes",
                    ));
                }
                return Err(Error::not_implemented(format!(
                    "anonymous volumes are not supported by mini-dockerd: give the volume at {target} a name (--mount type=volume,source=NAME,target={target})"
                )));
            }
            crate::volume::check_name(&source)?;
            mp.volume = source;
            mp.copy_up = !m
                .get("VolumeOptions")
                .and_then(|o| o.get("NoCopy"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
        }
        MountType::Tmpfs => {
            if has("BindOptions") {
                return Err(err("field BindOptions must not be specified"));
            }
            if !source.is_empty() {
                return Err(err("field Source must not be specified"));
            }
            mp.tmpfs_options = convert_tmpfs_options(m.get("TmpfsOptions"), read_only);
        }
    }
    Ok(mp)
}

/// moby `ConvertTmpfsOptions`: `SizeBytes` with the largest unit that
/// divides it (`size=1m`), `Mode` in octal, `ro`.
fn convert_tmpfs_options(opts: Option<&Value>, read_only: bool) -> String {
    let mut raw = Vec::new();
    let field = |k: &str| {
        opts.and_then(|o| o.get(k))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    let size = field("SizeBytes");
    if size != 0 {
        let (n, suffix) = [("g", 1i64 << 30), ("m", 1 << 20), ("k", 1 << 10)]
            .into_iter()
            .find(|(_, d)| size % d == 0)
            .map_or((size, ""), |(s, d)| (size / d, s));
        raw.push(format!("size={n}{suffix}"));
    }
    let mode = field("Mode");
    if mode != 0 {
        raw.push(format!("mode={mode:o}"));
    }
    if read_only {
        raw.push("ro".into());
    }
    raw.join(",")
}

/// Go's `filepath.Clean` for the absolute paths a mount names.
fn clean(p: &str) -> String {
    crate::runtime::archive::clean_abs(p)
}

/// moby `registerMountPoints`, without anonymous volumes: the `-v` binds
/// first, then `--mount`; a destination given twice is dockerd's
/// "Duplicate mount point" (400).
pub(crate) fn mount_points(hc: &HostConfig) -> Result<Vec<MountPoint>> {
    let mut out: Vec<MountPoint> = Vec::new();
    for b in hc.binds.iter().flatten() {
        let p = parse_bind(b)?;
        // The options as written (`ro`, `ro,z`, `nocopy`), for `Mode`.
        let mode = b.splitn(3, ':').nth(2).unwrap_or("");
        out.push(MountPoint {
            kind: if p.host_path.is_some() {
                MountType::Bind
            } else {
                MountType::Volume
            },
            copy_up: p.host_path.is_none() && !mode.contains("nocopy"),
            mode: mode.to_string(),
            host_path: p.host_path,
            volume: p.volume,
            destination: clean(&p.destination),
            read_only: p.read_only,
            tmpfs_options: String::new(),
            anonymous: false,
        });
    }
    for m in hc
        .extra
        .get("Mounts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mp = parse_mount_spec(m)?;
        if out.iter().any(|o| o.destination == mp.destination) {
            return Err(Error::invalid_parameter(format!(
                "Duplicate mount point: {}",
                mp.destination
            )));
        }
        out.push(mp);
    }
    Ok(out)
}

/// The mount point of an anonymous volume.
fn anonymous_volume(dest: &str, name: &str) -> MountPoint {
    MountPoint {
        kind: MountType::Volume,
        host_path: None,
        volume: name.to_string(),
        destination: dest.to_string(),
        read_only: false,
        mode: String::new(),
        tmpfs_options: String::new(),
        anonymous: true,
        copy_up: true,
    }
}

/// `HostConfig.Tmpfs`: `{"/run": "size=1m"}` (`--tmpfs /run:size=1m`).
pub(crate) fn tmpfs_map(hc: &HostConfig) -> Vec<TmpfsMount> {
    let mut out: Vec<TmpfsMount> = hc
        .extra
        .get("Tmpfs")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(dest, opts)| TmpfsMount {
            destination: dest.clone(),
            options: opts.as_str().unwrap_or("").to_string(),
        })
        .collect();
    out.sort_by(|a, b| a.destination.cmp(&b.destination));
    out
}

/// One `--volumes-from` entry, `NAME[:MODE]` (moby `parseVolumesFrom`):
/// the container and the mode, if any.
fn parse_volumes_from(spec: &str) -> Result<(&str, Option<&str>)> {
    match spec.split_once(':') {
        None => Ok((spec, None)),
        Some((name, mode)) if matches!(mode, "ro" | "rw" | "z" | "Z") => Ok((name, Some(mode))),
        Some((_, mode)) => Err(Error::invalid_parameter(format!("invalid mode: {mode}"))),
    }
}

/// How deep `--volumes-from` chains are followed: a container can only
/// name one that existed before it, so chains end; this is a guard.
const VOLUMES_FROM_DEPTH: usize = 8;

impl Daemon {
    /// At create: check that every `--volumes-from` container exists (404
    /// otherwise) and keep it by its id. dockerd copies the other
    /// container's mount points into the new one's at this moment; we
    /// look them up when needed, and the id makes that safe: it survives
    /// a rename, and it always names an older container, so a container
    /// that is being listed or started only ever waits for older ones.
    pub(crate) fn resolve_volumes_from(&self, hc: &mut HostConfig) -> Result<()> {
        let mut resolved = Vec::new();
        for spec in hc.volumes_from() {
            let (name, mode) = parse_volumes_from(&spec)?;
            // 400, as dockerd answers it: a 404 from create would send
            // the docker CLI off to pull the image.
            let other = self
                .get_container(name)
                .map_err(|e| Error::invalid_parameter(e.message))?;
            let id = crate::container::lock(&other).id.clone();
            resolved.push(Value::String(match mode {
                Some(m) => format!("{id}:{m}"),
                None => id,
            }));
        }
        if !resolved.is_empty() {
            hc.extra
                .insert("VolumesFrom".into(), Value::Array(resolved));
        }
        Ok(())
    }

    /// moby `registerMountPoints` with `--volumes-from`: the mounts of the
    /// containers named there first (read-only with `:ro`), then this
    /// container's own, which replace any at the same destination. An
    /// unknown container is a 404 (checked at create).
    pub(crate) fn container_mount_points(&self, c: &Container) -> Result<Vec<MountPoint>> {
        self.mount_points_from(&c.host_config, &c.anonymous_volumes, 0)
    }

    fn mount_points_from(
        &self,
        hc: &HostConfig,
        anonymous: &BTreeMap<String, String>,
        depth: usize,
    ) -> Result<Vec<MountPoint>> {
        let mut out: Vec<MountPoint> = Vec::new();
        let add = |out: &mut Vec<MountPoint>, mp: MountPoint| {
            out.retain(|o| o.destination != mp.destination);
            out.push(mp);
        };
        for spec in hc.volumes_from() {
            let (name, mode) = parse_volumes_from(&spec)?;
            // Checked at create; one removed since is skipped, so that
            // inspect still lists the rest.
            let Ok(other) = self.get_container(name) else {
                tracing::warn!("volumes-from {name}: no such container");
                continue;
            };
            if depth >= VOLUMES_FROM_DEPTH {
                continue;
            }
            let (other_hc, other_anon) = {
                let o = crate::container::lock(&other);
                (o.host_config.clone(), o.anonymous_volumes.clone())
            };
            for mut mp in self.mount_points_from(&other_hc, &other_anon, depth + 1)? {
                if mp.kind == MountType::Tmpfs {
                    continue;
                }
                mp.read_only |= mode == Some("ro");
                add(&mut out, mp);
            }
        }
        for (dest, name) in anonymous {
            add(&mut out, anonymous_volume(dest, name));
        }
        for mp in mount_points(hc)? {
            add(&mut out, mp);
        }
        Ok(out)
    }

    /// moby `registerMountPoints`' last step: every `Config.Volumes` path
    /// (`-v /data`, the image's `VOLUME`) that no other mount covers gets
    /// a new volume with a random name, used by this container.
    pub(crate) fn register_anonymous_volumes(&self, c: &mut Container) -> Result<()> {
        let taken: Vec<String> = self
            .container_mount_points(c)?
            .into_iter()
            .map(|m| m.destination)
            .collect();
        let wanted: Vec<String> = c
            .config
            .volumes
            .iter()
            .flatten()
            .map(|(dest, _)| clean(dest))
            .filter(|d| !taken.contains(d))
            .collect();
        for dest in wanted {
            let v = self
                .volumes
                .create("", "local", BTreeMap::new(), BTreeMap::new())?;
            c.anonymous_volumes.insert(dest, v.name);
        }
        Ok(())
    }

    /// The runtime's mounts for `hc`: binds and volumes (a named volume as
    /// its directory, created if missing), and every tmpfs.
    pub(crate) fn runtime_mounts(
        &self,
        c: &Container,
    ) -> Result<(Vec<BindMount>, Vec<TmpfsMount>)> {
        let hc = &c.host_config;
        let mut binds = Vec::new();
        let mut tmpfs = Vec::new();
        for mp in self.container_mount_points(c)? {
            match mp.kind {
                MountType::Bind | MountType::Volume => binds.push(BindMount {
                    source: match &mp.host_path {
                        Some(p) => p.clone(),
                        None => self.volumes.volume_path(&mp.volume)?,
                    },
                    destination: mp.destination,
                    read_only: mp.read_only,
                    copy_up: mp.copy_up,
                }),
                MountType::Tmpfs => tmpfs.push(TmpfsMount {
                    destination: mp.destination,
                    options: mp.tmpfs_options,
                }),
            }
        }
        tmpfs.extend(tmpfs_map(hc));
        Ok((binds, tmpfs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// dockerd's texts for a bad `--mount`, as the CLI prints them.
    #[test]
    fn bad_mounts_get_dockerds_errors() {
        let cases = [
            (
                json!({"Type": "bind", "Source": "/nonexist-xyz", "Target": "/h"}),
                r#"invalid mount config for type "bind": bind source path does not exist: /nonexist-xyz"#,
            ),
            (
                json!({"Type": "tmpfs", "Source": "/x", "Target": "/h"}),
                r#"invalid mount config for type "tmpfs": field Source must not be specified"#,
            ),
            (
                json!({"Type": "bind", "Source": "/tmp", "Target": "rel"}),
                r#"invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute"#,
            ),
            (
                json!({"Type": "npipe", "Target": "/x"}),
                r#"invalid mount config for type "npipe": mount type unknown"#,
            ),
        ];
        for (m, want) in cases {
            assert_eq!(parse_mount_spec(&m).unwrap_err().message, want);
        }
    }

    /// `--mount type=tmpfs,tmpfs-size=1m,tmpfs-mode=1770` becomes the data
    /// `size=1m,mode=1770`, as moby's `ConvertTmpfsOptions` writes it.
    #[test]
    fn tmpfs_options_follow_moby() {
        let m = json!({"Type": "tmpfs", "Target": "/t", "TmpfsOptions": {"SizeBytes": 1048576, "Mode": 1016}});
        assert_eq!(
            parse_mount_spec(&m).unwrap().tmpfs_options,
            "size=1m,mode=1770"
        );
        assert_eq!(
            convert_tmpfs_options(Some(&json!({"SizeBytes": 1000})), true),
            "size=1000,ro"
        );
    }
}
