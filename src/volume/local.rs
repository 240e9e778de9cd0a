//! The `local` volume driver: a volume is a directory on the host.
//!
//! Mirrors moby `volume/local/local.go` (v20.10.24): `Root` owns
//! `<data-root>/volumes`; each volume is `<name>/_data` (0755, so that a
//! container's non-root user can use it), and the driver checks names
//! against `[a-zA-Z0-9][a-zA-Z0-9_.-]+` (moby `names.RestrictedNamePattern`)
//! so that a name can never be a path. dockerd's local driver can also
//! mount a device or tmpfs (`-o type=tmpfs,device=tmpfs`); mini-dockerd's
//! does not, and says so, because mounting belongs to the runtime and no
//! walkthrough needs it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Volume, LOCAL_DRIVER};
use crate::errdefs::{Error, Result};

/// moby `VolumeDataPathName`.
pub const VOLUME_DATA_PATH_NAME: &str = "_data";

/// What we keep about a volume beside its `_data` (`meta.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    pub name: String,
    /// RFC 3339, seconds, UTC: `2026-11-22T18:21:37Z`.
    pub created_at: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

/// moby `localVolume`.
#[derive(Debug, Clone)]
pub struct LocalVolume {
    pub meta: Meta,
    /// `<root>/<name>/_data`: the volume's `Mountpoint`.
    pub data_path: PathBuf,
}

impl LocalVolume {
    /// The API shape (`types.Volume`); empty labels and options are
    /// `null`, as dockerd sends them for a volume created without any.
    pub fn to_api(&self) -> Volume {
        let opt = |m: &BTreeMap<String, String>| (!m.is_empty()).then(|| m.clone());
        Volume {
            created_at: self.meta.created_at.clone(),
            driver: LOCAL_DRIVER.to_string(),
            labels: opt(&self.meta.labels),
            mountpoint: self.data_path.display().to_string(),
            name: self.meta.name.clone(),
            options: opt(&self.meta.options),
            scope: "local".to_string(),
            usage_data: None,
        }
    }
}

/// moby `local.Root`.
pub struct Root {
    path: PathBuf,
}

impl Root {
    pub fn new(path: PathBuf) -> Root {
        Root { path }
    }

    /// Read every volume directory (moby `local.New`). A directory with a
    /// `_data` but no `meta.json` is still a volume: its creation time is
    /// the directory's modification time.
    pub fn load(&self) -> std::io::Result<Vec<LocalVolume>> {
        std::fs::create_dir_all(&self.path)?;
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.path)?.flatten() {
            let dir = entry.path();
            let data_path = dir.join(VOLUME_DATA_PATH_NAME);
            if !data_path.is_dir() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().to_string();
            let meta = std::fs::read(dir.join("meta.json"))
                .ok()
                .and_then(|b| serde_json::from_slice::<Meta>(&b).ok())
                .unwrap_or_else(|| Meta {
                    name: name.clone(),
                    created_at: entry
                        .metadata()
                        .and_then(|m| m.modified())
                        .map(rfc3339)
                        .unwrap_or_default(),
                    labels: BTreeMap::new(),
                    options: BTreeMap::new(),
                });
            out.push(LocalVolume { meta, data_path });
        }
        Ok(out)
    }

    /// moby `Root.Create`: validate, make `<name>/_data`, write the metadata.
    pub fn create(
        &self,
        name: &str,
        options: BTreeMap<String, String>,
        labels: BTreeMap<String, String>,
    ) -> Result<LocalVolume> {
        validate_name(name)?;
        validate_opts(&options)?;
        let dir = self.path.join(name);
        let data_path = dir.join(VOLUME_DATA_PATH_NAME);
        std::fs::create_dir_all(&data_path).map_err(|e| {
            Error::system(format!(
                "error while creating volume path '{}': {e}",
                data_path.display()
            ))
        })?;
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&data_path, std::fs::Permissions::from_mode(0o755));
        let meta = Meta {
            name: name.to_string(),
            created_at: rfc3339(std::time::SystemTime::now()),
            labels,
            options,
        };
        let json = serde_json::to_vec_pretty(&meta).map_err(|e| Error::system(e.to_string()))?;
        std::fs::write(dir.join("meta.json"), json)
            .map_err(|e| Error::system(format!("writing volume metadata: {e}")))?;
        Ok(LocalVolume { meta, data_path })
    }

    /// moby `Root.Remove`: the whole `<name>` directory goes.
    pub fn remove(&self, name: &str) -> Result<()> {
        validate_name(name)?;
        match std::fs::remove_dir_all(self.path.join(name)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::system(format!("remove {name}: {e}"))),
        }
    }
}

/// moby `Root.validateName`.
pub fn validate_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok =
        name.len() >= 2 && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if first_ok && rest_ok {
        return Ok(());
    }
    Err(Error::invalid_parameter(format!(
        "{name:?} includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path"
    )))
}

/// moby `validateOpts`: only `type`, `device`, `o` (and `size`) are
/// options of the local driver; dockerd would mount with them, we refuse.
fn validate_opts(options: &BTreeMap<String, String>) -> Result<()> {
    for key in options.keys() {
        if !matches!(key.as_str(), "type" | "device" | "o" | "size") {
            return Err(Error::invalid_parameter(format!("invalid option: {key:?}")));
        }
    }
    if !options.is_empty() {
        return Err(Error::not_implemented(
            "mini-dockerd's local volume driver does not mount devices or tmpfs (options type, device, o, size): create the volume without options",
        ));
    }
    Ok(())
}

/// RFC 3339 in UTC with whole seconds, as dockerd prints `CreatedAt`.
fn rfc3339(t: std::time::SystemTime) -> String {
    let t = time::OffsetDateTime::from(t);
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(&fmt).unwrap_or_default()
}
