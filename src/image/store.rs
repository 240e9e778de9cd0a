//! The content-addressed image store and the tag index.
//!
//! Mirrors moby `image/store.go` + `image/fs.go` (imagedb: config JSON
//! files named by their sha256) and `reference/store.go` (the tag index in
//! `repositories.json`), v20.10.24. Both are held in memory behind the
//! `ImageService`'s mutex and written through to disk atomically.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::reference::{self, AnyReference, Named};
use super::{layer, Image, ImageConfig};
use crate::errdefs::{Error, Result};

/// moby `image.RootFS`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RootFS {
    #[serde(rename = "type")]
    pub typ: String,
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

/// moby `image.History`: one line of `docker history`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub created: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub created_by: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub author: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_layer: bool,
}

/// The image config JSON (moby `image.Image` with its embedded
/// `V1Image`). dockerd's `MarshalJSON` writes the top-level keys sorted
/// and nested objects in struct order; the fields below are declared in
/// alphabetical order so that serde does the same. Keys we do not model
/// are kept in `extra` (they only occur in loaded images, whose bytes are
/// stored as they came).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct V1Image {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub architecture: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub author: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ImageConfig>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub container: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_config: Option<ImageConfig>,
    #[serde(default)]
    pub created: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub docker_version: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<History>,
    #[serde(default)]
    pub os: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub parent: String,
    #[serde(default)]
    pub rootfs: RootFS,
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl V1Image {
    /// The bytes whose sha256 is the image id: compact JSON, sorted keys.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(self).map_err(|e| Error::system(e.to_string()))
    }
}

/// One stored image: its parsed config, the raw bytes it was stored as,
/// and the metadata moby keeps beside it.
#[derive(Clone, Debug)]
pub struct StoredImage {
    pub id: String,
    pub v1: V1Image,
    pub raw: Vec<u8>,
    /// Sum of the layer sizes.
    pub size: i64,
    /// `metadata/sha256/<id>/lastUpdated`: when a tag last moved here.
    pub last_tag_time: String,
    /// `metadata/sha256/<id>/parent` (moby `imageStore.SetParent`, set
    /// by commit), else the config's own `parent` (old images).
    pub parent: String,
}

/// The on-disk shape of `repositories.json` (moby `refstore`):
/// familiar name -> full reference -> image id.
#[derive(Default, Serialize, Deserialize)]
struct RepositoriesFile {
    #[serde(rename = "Repositories", default)]
    repositories: BTreeMap<String, BTreeMap<String, String>>,
}

/// The in-memory store.
pub struct State {
    pub data_root: PathBuf,
    pub root: PathBuf,
    pub images: BTreeMap<String, StoredImage>,
    /// Full normalised reference (`docker.io/library/busybox:latest`) -> id.
    pub refs: BTreeMap<Named, String>,
}

/// `sha256:<hex>` of some bytes.
pub fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// The hex part of `sha256:<hex>`.
pub fn hex_of(id: &str) -> &str {
    id.strip_prefix("sha256:").unwrap_or(id)
}

/// moby `stringid.TruncateID`: 12 hex characters.
pub fn truncate_id(id: &str) -> String {
    hex_of(id).chars().take(12).collect()
}

/// Write `data` to `path` atomically: a temporary file in the same
/// directory, fsync, rename (moby `ioutils.AtomicWriteFile`).
pub fn atomic_write(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".tmp-{}-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("f"),
        rand::random::<u64>()
    ));
    let mut f = fs::File::create(&tmp)?;
    f.write_all(data)?;
    f.sync_all()?;
    drop(f);
    fs::rename(&tmp, path)
}

fn now_rfc3339() -> String {
    crate::image::image_import::format_time(time::OffsetDateTime::now_utc())
}

impl State {
    fn content_dir(&self) -> PathBuf {
        self.root.join("imagedb").join("content").join("sha256")
    }
    fn metadata_dir(&self, id: &str) -> PathBuf {
        self.root
            .join("imagedb")
            .join("metadata")
            .join("sha256")
            .join(hex_of(id))
    }

    /// Load every image config and the tag index. Files that do not parse
    /// or whose content no longer matches their name are skipped, as
    /// moby's `restore` skips images it cannot load.
    pub fn load(data_root: &Path, root: &Path) -> std::io::Result<State> {
        let mut st = State {
            data_root: data_root.to_path_buf(),
            root: root.to_path_buf(),
            images: BTreeMap::new(),
            refs: BTreeMap::new(),
        };
        let content = st.content_dir();
        fs::create_dir_all(&content)?;
        fs::create_dir_all(root.join("layerdb").join("sha256"))?;
        fs::create_dir_all(data_root.join("overlay2"))?;
        layer::clean_temporaries(data_root, root);
        for entry in fs::read_dir(&content)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().to_string();
            if !reference::is_identifier(&name) {
                // A leftover temporary file from an interrupted write.
                let _ = fs::remove_file(entry.path());
                continue;
            }
            let raw = fs::read(entry.path())?;
            let id = format!("sha256:{name}");
            if digest_of(&raw) != id {
                continue;
            }
            let Ok(v1) = serde_json::from_slice::<V1Image>(&raw) else {
                continue;
            };
            let size = layer::image_size(root, &v1.rootfs.diff_ids);
            let last_tag_time =
                fs::read_to_string(st.metadata_dir(&id).join("lastUpdated")).unwrap_or_default();
            let parent = fs::read_to_string(st.metadata_dir(&id).join("parent"))
                .unwrap_or_else(|_| v1.parent.clone());
            st.images.insert(
                id.clone(),
                StoredImage {
                    id,
                    parent,
                    v1,
                    raw,
                    size,
                    last_tag_time,
                },
            );
        }
        if let Ok(data) = fs::read(root.join("repositories.json")) {
            if let Ok(file) = serde_json::from_slice::<RepositoriesFile>(&data) {
                for refs in file.repositories.values() {
                    for (r, id) in refs {
                        if let (Ok(named), true) = (
                            reference::parse_normalized_named(r),
                            st.images.contains_key(id),
                        ) {
                            st.refs.insert(named, id.clone());
                        }
                    }
                }
            }
        }
        Ok(st)
    }

    /// Persist the tag index (moby `store.save`).
    fn save_refs(&self) -> Result<()> {
        let mut file = RepositoriesFile::default();
        for (named, id) in &self.refs {
            file.repositories
                .entry(named.familiar_name())
                .or_default()
                .insert(named.string(), id.clone());
        }
        let data = serde_json::to_vec(&file).map_err(|e| Error::system(e.to_string()))?;
        atomic_write(&self.root.join("repositories.json"), &data)?;
        Ok(())
    }

    /// moby `imageStore.Create`: store config bytes under their digest.
    /// The layers must already be registered.
    pub fn create(&mut self, raw: Vec<u8>) -> Result<String> {
        let v1: V1Image = serde_json::from_slice(&raw)
            .map_err(|e| Error::invalid_parameter(format!("invalid image JSON: {e}")))?;
        if v1.rootfs.typ != "layers" {
            return Err(Error::invalid_parameter(format!(
                "unsupported rootfs type {:?}",
                v1.rootfs.typ
            )));
        }
        let id = digest_of(&raw);
        for chain in layer::chain_ids(&v1.rootfs.diff_ids) {
            if !layer::exists(&self.root, &chain) {
                return Err(Error::system(format!("layer {chain} is not registered")));
            }
        }
        if !self.images.contains_key(&id) {
            atomic_write(&self.content_dir().join(hex_of(&id)), &raw)?;
            let size = layer::image_size(&self.root, &v1.rootfs.diff_ids);
            self.images.insert(
                id.clone(),
                StoredImage {
                    id: id.clone(),
                    parent: v1.parent.clone(),
                    v1,
                    raw,
                    size,
                    last_tag_time: String::new(),
                },
            );
        }
        Ok(id)
    }

    /// moby `GetImage`'s lookup order: a digest/id, then the tag index,
    /// then an id prefix.
    pub fn resolve(&self, ref_or_id: &str) -> Result<String> {
        let any = reference::parse_any_reference(ref_or_id)?;
        let not_found = |any: &AnyReference| {
            let shown = match any {
                AnyReference::Named(n) => n.clone().tag_name_only().familiar(),
                AnyReference::Digest(d) => d.clone(),
            };
            Error::not_found(format!("No such image: {shown}"))
        };
        match &any {
            AnyReference::Digest(d) => {
                if self.images.contains_key(d) {
                    Ok(d.clone())
                } else {
                    Err(not_found(&any))
                }
            }
            AnyReference::Named(n) => {
                let tagged = n.clone().tag_name_only();
                if let Some(id) = self.refs.get(&tagged) {
                    return Ok(id.clone());
                }
                // An unknown or ambiguous prefix is "No such image", as
                // moby's `GetImage` answers whatever `Search` failed with.
                self.search(ref_or_id).map_err(|_| not_found(&any))
            }
        }
    }

    /// moby `imageStore.Search`: a unique prefix of an id, with or without
    /// `sha256:`.
    pub fn search(&self, prefix: &str) -> Result<String> {
        let hex = hex_of(prefix);
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::not_found("no such id"));
        }
        let found: Vec<&String> = self
            .images
            .keys()
            .filter(|id| hex_of(id).starts_with(hex))
            .collect();
        match found.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::not_found("no such id")),
            _ => Err(Error::invalid_parameter(format!(
                "ambiguous image id prefix: {prefix}"
            ))),
        }
    }

    /// The references (familiar strings, sorted) pointing at `id`.
    pub fn references(&self, id: &str) -> Vec<Named> {
        self.refs
            .iter()
            .filter(|(_, v)| v.as_str() == id)
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The public view of a stored image.
    pub fn image(&self, id: &str) -> Result<Image> {
        let s = self
            .images
            .get(id)
            .ok_or_else(|| Error::not_found(format!("No such image: {id}")))?;
        let mut repo_tags: Vec<String> = self
            .references(id)
            .iter()
            .filter(|n| n.tag.is_some())
            .map(|n| n.familiar())
            .collect();
        repo_tags.sort();
        Ok(Image {
            id: s.id.clone(),
            config: s.v1.config.clone().unwrap_or_default(),
            repo_tags,
            created: s.v1.created.clone(),
            size: s.size,
            parent: s.parent.clone(),
            comment: s.v1.comment.clone(),
            author: s.v1.author.clone(),
            architecture: s.v1.architecture.clone(),
            os: s.v1.os.clone(),
            diff_ids: s.v1.rootfs.diff_ids.clone(),
        })
    }

    /// moby `refstore.AddTag(ref, id, force=true)` + the `lastUpdated`
    /// metadata. Returns the id the reference pointed at before, if other.
    pub fn add_tag(&mut self, named: Named, id: &str) -> Result<Option<String>> {
        if named.is_canonical() {
            return Err(Error::invalid_parameter(
                "refusing to create a tag with a digest reference",
            ));
        }
        let named = named.tag_name_only();
        let old = self.refs.insert(named, id.to_string());
        self.save_refs()?;
        let now = now_rfc3339();
        atomic_write(&self.metadata_dir(id).join("lastUpdated"), now.as_bytes())?;
        if let Some(s) = self.images.get_mut(id) {
            s.last_tag_time = now;
        }
        Ok(old.filter(|o| o != id))
    }

    /// moby `refstore.Delete`.
    pub fn delete_ref(&mut self, named: &Named) -> Result<bool> {
        let removed = self.refs.remove(named).is_some();
        if removed {
            self.save_refs()?;
        }
        Ok(removed)
    }

    /// moby `imageStore.SetParent`: recorded beside the image, not in
    /// its config (which would change its id).
    pub fn set_parent(&mut self, id: &str, parent: &str) -> Result<()> {
        atomic_write(&self.metadata_dir(id).join("parent"), parent.as_bytes())?;
        if let Some(s) = self.images.get_mut(id) {
            s.parent = parent.to_string();
        }
        Ok(())
    }

    /// Images whose parent is `id` (moby `imageStore.Children`).
    pub fn children(&self, id: &str) -> Vec<String> {
        self.images
            .values()
            .filter(|s| s.parent == id)
            .map(|s| s.id.clone())
            .collect()
    }

    /// moby `imageStore.Delete`: drop the config and metadata, then release
    /// the layers no other image uses. Returns the removed chain ids.
    pub fn delete_image(&mut self, id: &str) -> Result<Vec<String>> {
        let Some(s) = self.images.remove(id) else {
            return Err(Error::not_found(format!("No such image: {id}")));
        };
        let _ = fs::remove_file(self.content_dir().join(hex_of(id)));
        let _ = fs::remove_dir_all(self.metadata_dir(id));
        let mut removed = Vec::new();
        let in_use: std::collections::HashSet<String> = self
            .images
            .values()
            .flat_map(|i| layer::chain_ids(&i.v1.rootfs.diff_ids))
            .collect();
        // Top layer first, as moby's layer store releases a chain.
        for chain in layer::chain_ids(&s.v1.rootfs.diff_ids).into_iter().rev() {
            if !in_use.contains(&chain) && !layer::is_pinned(&chain) {
                layer::remove(&self.data_root, &self.root, &chain)?;
                removed.push(chain);
            }
        }
        Ok(removed)
    }

    /// Bytes of all distinct layers (`LayersSize` of `/system/df`).
    pub fn layers_size(&self) -> i64 {
        let mut seen = std::collections::HashSet::new();
        let mut total = 0;
        for s in self.images.values() {
            for chain in layer::chain_ids(&s.v1.rootfs.diff_ids) {
                if seen.insert(chain.clone()) {
                    total += layer::size(&self.root, &chain);
                }
            }
        }
        total
    }
}
