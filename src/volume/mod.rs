//! Named volumes: the volume service behind `/volumes` and `-v name:/path`.
//!
//! Mirrors moby `volume/service/service.go` and `volume/service/store.go`
//! (v20.10.24), with the `local` driver of `volume/local/local.go` in
//! [`local`]. dockerd's service sits between the API and the volume
//! drivers: it keeps the list of volumes, who uses each one (references,
//! by container id), validates names, and logs `create`/`destroy`/`prune`
//! events. A volume of the local driver is a directory,
//! `<data-root>/volumes/<name>/_data`, which containers bind-mount.
//!
//! Shortcuts, owned up to:
//! - only the `local` driver exists (no volume plugins), and it does not
//!   mount devices (`-o type=... device=...`): such options are refused
//!   with a clear error instead of being half-supported;
//! - dockerd keeps labels and options in a bolt database
//!   (`volumes/metadata.db`); we keep one small `meta.json` per volume
//!   beside its `_data`, which is easier to read while learning;
//! - references live in memory, as in dockerd, where containers re-take
//!   them when the daemon restores them at start-up.
//!
//! Lesson: `walkthroughs/06-docker-run.md`.

pub mod local;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::errdefs::{Error, Result};
use crate::events::filter::Filter;
use crate::events::{Actor, Events};

/// The only driver there is.
pub const LOCAL_DRIVER: &str = "local";

/// moby `types.Volume` as API 1.41 sends it (_volumes_refv.txt): the key
/// order is dockerd's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Volume {
    #[serde(rename = "CreatedAt")]
    pub created_at: String,
    #[serde(rename = "Driver")]
    pub driver: String,
    /// `null` when the volume has no labels, as dockerd sends it.
    #[serde(rename = "Labels")]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(rename = "Mountpoint")]
    pub mountpoint: String,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Options")]
    pub options: Option<BTreeMap<String, String>>,
    #[serde(rename = "Scope")]
    pub scope: String,
    /// Only `/system/df` fills this in (moby `opts.WithGetResolveStatus`
    /// is the inspect variant; the usage is computed for df only).
    #[serde(rename = "UsageData", skip_serializing_if = "Option::is_none")]
    pub usage_data: Option<UsageData>,
}

/// moby `types.VolumeUsageData`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageData {
    #[serde(rename = "RefCount")]
    pub ref_count: i64,
    #[serde(rename = "Size")]
    pub size: i64,
}

/// moby `types.VolumesPruneReport`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PruneReport {
    /// `null` when nothing was deleted, as Go marshals a nil slice.
    #[serde(rename = "VolumesDeleted")]
    pub volumes_deleted: Option<Vec<String>>,
    #[serde(rename = "SpaceReclaimed")]
    pub space_reclaimed: u64,
}

/// One volume as the service tracks it.
struct Entry {
    volume: local::LocalVolume,
    /// Ids of the containers that use the volume (moby's store `refs`).
    refs: BTreeSet<String>,
}

/// moby `VolumesService`: see the module documentation.
pub struct VolumesService {
    root: local::Root,
    events: Arc<Events>,
    volumes: Mutex<BTreeMap<String, Entry>>,
}

impl VolumesService {
    /// A service over `<data-root>/volumes`. No disk work happens here;
    /// [`VolumesService::restore`] loads what is on disk.
    pub fn new(volumes_root: PathBuf, events: Arc<Events>) -> VolumesService {
        VolumesService {
            root: local::Root::new(volumes_root),
            events,
            volumes: Mutex::new(BTreeMap::new()),
        }
    }

    /// moby `local.New` + the store's restore: read every volume directory.
    pub fn restore(&self) -> std::io::Result<()> {
        let found = self.root.load()?;
        let mut volumes = self.lock();
        for v in found {
            volumes.insert(
                v.meta.name.clone(),
                Entry {
                    volume: v,
                    refs: BTreeSet::new(),
                },
            );
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        self.volumes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// moby `VolumesService.Create`: `docker volume create [NAME]`. An
    /// empty name makes an anonymous volume with a random 64-hex name.
    /// Creating a name that exists returns the existing volume (and, as
    /// in dockerd, still logs a `create` event).
    pub fn create(
        &self,
        name: &str,
        driver: &str,
        options: BTreeMap<String, String>,
        labels: BTreeMap<String, String>,
    ) -> Result<Volume> {
        if !driver.is_empty() && driver != LOCAL_DRIVER {
            // dockerd: the plugin lookup fails (`getter.Get`), a NotFound.
            return Err(Error::not_found(format!(
                "error looking up volume plugin {driver}: plugin \"{driver}\" not found"
            )));
        }
        let name = if name.is_empty() {
            random_id()
        } else {
            name.to_string()
        };
        let volume = {
            let mut volumes = self.lock();
            if let Some(e) = volumes.get(&name) {
                e.volume.to_api()
            } else {
                // moby's store wraps what the driver says in an `OpErr`
                // with op `create`: `create NAME: ...`.
                let v = self
                    .root
                    .create(&name, options, labels)
                    .map_err(|e| Error::new(e.kind, op_err("create", &name, &e.message)))?;
                let api = v.to_api();
                volumes.insert(
                    name.clone(),
                    Entry {
                        volume: v,
                        refs: BTreeSet::new(),
                    },
                );
                api
            }
        };
        trace_event!(
            "backend",
            "event",
            "VolumesService.Create",
            name = name.as_str()
        );
        self.log_volume_event(&name, "create", &[("driver", LOCAL_DRIVER.to_string())]);
        Ok(volume)
    }

    /// moby `VolumesService.Get`: 404 `get NAME: no such volume`.
    pub fn get(&self, name: &str) -> Result<Volume> {
        self.lock()
            .get(name)
            .map(|e| e.volume.to_api())
            .ok_or_else(|| no_such_volume(name))
    }

    /// moby `VolumesService.List`, with the filters `dangling`, `name`
    /// (substring), `driver` and `label` (`key` or `key=value`).
    pub fn list(&self, filter: &Filter) -> Result<Vec<Volume>> {
        for key in filter.keys() {
            if !matches!(key, "dangling" | "name" | "driver" | "label") {
                return Err(Error::invalid_parameter(format!("Invalid filter '{key}'")));
            }
        }
        // moby's `invalidFilter` prints every value the way Go prints a
        // []string: `Invalid filter 'dangling=[maybe x]'`.
        let values = filter.get("dangling");
        let dangling = match values.first().map(String::as_str) {
            None => None,
            Some("true") | Some("1") => Some(true),
            Some("false") | Some("0") => Some(false),
            Some(_) => {
                return Err(Error::invalid_parameter(format!(
                    "Invalid filter 'dangling=[{}]'",
                    values.join(" ")
                )))
            }
        };
        let volumes = self.lock();
        Ok(volumes
            .values()
            .filter(|e| dangling.is_none_or(|d| d == e.refs.is_empty()))
            .filter(|e| {
                let names = filter.get("name");
                names.is_empty()
                    || names
                        .iter()
                        .any(|n| e.volume.meta.name.contains(n.as_str()))
            })
            .filter(|_| {
                let drivers = filter.get("driver");
                drivers.is_empty() || drivers.iter().any(|d| d == LOCAL_DRIVER)
            })
            .filter(|e| labels_match(&e.volume.meta.labels, filter.get("label")))
            .map(|e| e.volume.to_api())
            .collect())
    }

    /// moby `VolumesService.Remove`: 409 while a container uses the
    /// volume, 404 when there is no such volume (unless `force`), else the
    /// directory goes and a `destroy` event is logged.
    pub fn remove(&self, name: &str, force: bool) -> Result<()> {
        {
            let mut volumes = self.lock();
            let Some(e) = volumes.get(name) else {
                return if force {
                    Ok(())
                } else {
                    Err(no_such_volume(name))
                };
            };
            if !e.refs.is_empty() {
                let refs: Vec<&str> = e.refs.iter().map(String::as_str).collect();
                return Err(Error::conflict(format!(
                    "remove {name}: volume is in use - [{}]",
                    refs.join(", ")
                )));
            }
            self.root.remove(name)?;
            volumes.remove(name);
        }
        trace_event!("backend", "event", "VolumesService.Remove", name = name);
        self.log_volume_event(name, "destroy", &[("driver", LOCAL_DRIVER.to_string())]);
        Ok(())
    }

    /// moby `VolumesService.Prune` (v20.10: every unused local volume,
    /// named or anonymous), with the `label` / `label!` filters.
    pub fn prune(&self, filter: &Filter) -> Result<PruneReport> {
        for key in filter.keys() {
            if !matches!(key, "label" | "label!") {
                return Err(Error::invalid_parameter(format!("Invalid filter '{key}'")));
            }
        }
        let candidates: Vec<(String, PathBuf)> = self
            .lock()
            .values()
            .filter(|e| e.refs.is_empty())
            .filter(|e| labels_match(&e.volume.meta.labels, filter.get("label")))
            .filter(|e| {
                let not = filter.get("label!");
                not.is_empty() || !labels_match(&e.volume.meta.labels, not)
            })
            .map(|e| (e.volume.meta.name.clone(), e.volume.data_path.clone()))
            .collect();
        let mut report = PruneReport::default();
        let mut deleted = Vec::new();
        for (name, data) in candidates {
            let size = dir_size(&data);
            // A volume taken by a container since the scan is skipped.
            if self.remove(&name, false).is_ok() {
                report.space_reclaimed += size;
                deleted.push(name);
            }
        }
        if !deleted.is_empty() {
            report.volumes_deleted = Some(deleted);
        }
        self.log_volume_event(
            "",
            "prune",
            &[("reclaimed", report.space_reclaimed.to_string())],
        );
        Ok(report)
    }

    /// The host directory to bind-mount for `-v NAME:/path`, creating the
    /// volume when it does not exist, as `docker run -v name:/x` does
    /// (moby `daemon/volumes.go` `registerMountPoints` → `volumes.Create`).
    pub fn volume_path(&self, name: &str) -> Result<PathBuf> {
        if let Some(e) = self.lock().get(name) {
            return Ok(e.volume.data_path.clone());
        }
        self.create(name, LOCAL_DRIVER, BTreeMap::new(), BTreeMap::new())?;
        self.lock()
            .get(name)
            .map(|e| e.volume.data_path.clone())
            .ok_or_else(|| no_such_volume(name))
    }

    /// Record that container `ref_id` uses the volume (moby's store
    /// `setNamed`/refs), so that `docker volume rm` answers 409 and prune
    /// skips it.
    pub fn reference(&self, name: &str, ref_id: &str) -> Result<()> {
        let mut volumes = self.lock();
        let e = volumes.get_mut(name).ok_or_else(|| no_such_volume(name))?;
        e.refs.insert(ref_id.to_string());
        Ok(())
    }

    /// Drop container `ref_id`'s reference (container removed). Unknown
    /// volumes and references are ignored: releasing is idempotent.
    pub fn dereference(&self, name: &str, ref_id: &str) {
        if let Some(e) = self.lock().get_mut(name) {
            e.refs.remove(ref_id);
        }
    }

    /// Every volume with its usage, for `/system/df` (moby
    /// `VolumesService.LocalVolumesSize`).
    pub fn disk_usage(&self) -> Vec<Volume> {
        self.lock()
            .values()
            .map(|e| {
                let mut v = e.volume.to_api();
                v.usage_data = Some(UsageData {
                    ref_count: e.refs.len() as i64,
                    size: dir_size(&e.volume.data_path) as i64,
                });
                v
            })
            .collect()
    }

    /// moby `daemon.LogVolumeEvent`: type `volume`, the name as actor id.
    fn log_volume_event(&self, name: &str, action: &str, attrs: &[(&str, String)]) {
        let attributes = attrs
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect();
        self.events.log(
            action,
            "volume",
            Actor {
                id: name.to_string(),
                attributes,
            },
        );
    }
}

/// moby's store error `&OpErr{Op: "get", Name: name, Err: errNoSuchVolume}`,
/// whose text leaves the name out when it is empty (`get: no such volume`).
fn no_such_volume(name: &str) -> Error {
    Error::not_found(op_err("get", name, "no such volume"))
}

/// The error `docker volume create NAME` gives for a name the local
/// driver refuses (the driver's text behind `create NAME: `), for the
/// places that name a volume before anything is made (`-v`, `--mount`).
pub fn check_name(name: &str) -> Result<()> {
    local::validate_name(name).map_err(|e| Error::new(e.kind, op_err("create", name, &e.message)))
}

/// moby `OpErr.Error()`: `op name: err`, or `op: err` without a name.
fn op_err(op: &str, name: &str, err: impl std::fmt::Display) -> String {
    if name.is_empty() {
        format!("{op}: {err}")
    } else {
        format!("{op} {name}: {err}")
    }
}

/// `label=key` or `label=key=value`: every given label must match.
fn labels_match(labels: &BTreeMap<String, String>, wanted: &[String]) -> bool {
    wanted.iter().all(|l| match l.split_once('=') {
        Some((k, v)) => labels.get(k).map(String::as_str) == Some(v),
        None => labels.contains_key(l.as_str()),
    })
}

/// moby `stringid.GenerateRandomID`: 32 random bytes as 64 hex digits.
fn random_id() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// Bytes used by the files under `path` (moby `directory.Size`).
pub fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map(|m| m.len()).unwrap_or(0),
            _ => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> (tempfile::TempDir, VolumesService) {
        let dir = tempfile::tempdir().unwrap();
        let s = VolumesService::new(dir.path().join("volumes"), Arc::new(Events::new()));
        s.restore().unwrap();
        (dir, s)
    }

    /// `volume_path` creates a missing volume (as `docker run -v name:/x`)
    /// and returns `<root>/<name>/_data`, which exists.
    #[test]
    fn volume_path_creates_on_demand() {
        let (dir, s) = service();
        let p = s.volume_path("data1").unwrap();
        assert_eq!(p, dir.path().join("volumes/data1/_data"));
        assert!(p.is_dir());
        assert_eq!(s.get("data1").unwrap().name, "data1");
    }

    /// A referenced volume cannot be removed (409 with the refs listed),
    /// is skipped by prune, and can be removed once released.
    #[test]
    fn references_block_remove_and_prune() {
        let (_dir, s) = service();
        s.volume_path("v1").unwrap();
        s.reference("v1", "c1").unwrap();
        let err = s.remove("v1", false).unwrap_err();
        assert_eq!(err.message, "remove v1: volume is in use - [c1]");
        let report = s.prune(&Filter::default()).unwrap();
        assert!(report.volumes_deleted.is_none());
        s.dereference("v1", "c1");
        s.remove("v1", false).unwrap();
        assert_eq!(s.get("v1").unwrap_err().message, "get v1: no such volume");
    }

    /// Volumes survive a restart of the service (their metadata is on disk).
    #[test]
    fn restore_reads_volumes_back() {
        let (dir, s) = service();
        let labels = BTreeMap::from([("team".to_string(), "x".to_string())]);
        let created = s.create("keep", "", BTreeMap::new(), labels).unwrap();
        let again = VolumesService::new(dir.path().join("volumes"), Arc::new(Events::new()));
        again.restore().unwrap();
        assert_eq!(again.get("keep").unwrap(), created);
    }
}
