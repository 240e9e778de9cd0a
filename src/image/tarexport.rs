//! `docker save` and `docker load`: images as tar archives.
//!
//! Mirrors moby `image/tarexport/{save,load}.go` (v20.10.24). The format
//! (docker-save, "v1.2"):
//!
//! ```text
//! <v1id>/VERSION       "1.0"
//! <v1id>/json          legacy v1 layer config
//! <v1id>/layer.tar     the uncompressed layer
//! <image hex>.json     the image config, byte for byte (so the id survives)
//! manifest.json        [{"Config": "<hex>.json", "RepoTags": [...], "Layers": ["<v1id>/layer.tar"]}]
//! repositories         {"busybox": {"latest": "<top v1id>"}}
//! ```
//!
//! `load` also accepts an OCI image layout (`index.json` + `blobs/`), which
//! newer docker CLIs and tools like skopeo write; layers there may be
//! gzip-compressed.
//!
//! Shortcut: moby computes each legacy `<v1id>` from the full v1 JSON of
//! the layer (`v1.CreateID`); we hash the chain id, the parent v1 id and
//! the image's creation time, which is as stable and equally unique. Real
//! dockerd ignores these directories when `manifest.json` is present.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::reference::{self, AnyReference, Named};
use super::store::{digest_of, hex_of, V1Image};
use super::{layer, ImageService};
use crate::errdefs::{Error, Result};

/// One entry of `manifest.json` (moby `manifestItem`).
#[derive(Debug, Default, Serialize, Deserialize)]
struct ManifestItem {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

/// What one image of an archive resolves to before it is loaded.
struct LoadItem {
    config: Vec<u8>,
    layer_paths: Vec<PathBuf>,
    tags: Vec<String>,
}

fn bad_archive(msg: impl Into<String>) -> Error {
    Error::invalid_parameter(msg.into())
}

/// moby `safePath`: a path from the archive's metadata, inside `base`.
fn safe_path(base: &Path, rel: &str) -> Result<PathBuf> {
    let clean = layer::clean_entry_path(Path::new(rel))?;
    Ok(base.join(clean))
}

/// Unpack the outer archive (no ownership, no whiteouts: it is not a
/// layer) into `dir`, refusing entries that climb out of it.
fn untar_plain(src: &mut dyn Read, dir: &Path) -> Result<()> {
    let mut archive = tar::Archive::new(src);
    let bad = |e: std::io::Error| bad_archive(format!("invalid tar: {e}"));
    for entry in archive.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let raw = entry.path().map_err(bad)?.into_owned();
        let rel = layer::clean_entry_path(&raw)?;
        if rel.as_os_str().is_empty() {
            continue;
        }
        if !entry.unpack_in(dir).map_err(bad)? {
            return Err(bad_archive(format!(
                "invalid tar: {:?} is outside of the archive",
                raw.display().to_string()
            )));
        }
    }
    Ok(())
}

/// Read a docker-save `manifest.json`.
fn read_docker_manifest(dir: &Path) -> Result<Vec<LoadItem>> {
    let data = fs::read(dir.join("manifest.json"))?;
    let items: Vec<ManifestItem> = serde_json::from_slice(&data)
        .map_err(|e| bad_archive(format!("invalid manifest.json: {e}")))?;
    items
        .into_iter()
        .map(|m| {
            Ok(LoadItem {
                config: fs::read(safe_path(dir, &m.config)?)?,
                layer_paths: m
                    .layers
                    .iter()
                    .map(|l| safe_path(dir, l))
                    .collect::<Result<_>>()?,
                tags: m.repo_tags.unwrap_or_default(),
            })
        })
        .collect()
}

fn blob_path(dir: &Path, digest: &str) -> Result<PathBuf> {
    let (alg, hex) = digest
        .split_once(':')
        .ok_or_else(|| bad_archive(format!("invalid digest {digest:?}")))?;
    safe_path(dir, &format!("blobs/{alg}/{hex}"))
}

fn read_json(path: &Path) -> Result<serde_json::Value> {
    serde_json::from_slice(&fs::read(path)?)
        .map_err(|e| bad_archive(format!("invalid JSON in {}: {e}", path.display())))
}

/// Read an OCI image layout's `index.json`, following nested indexes to
/// the linux manifest of this architecture (or the first one).
fn read_oci_index(dir: &Path) -> Result<Vec<LoadItem>> {
    let index = read_json(&dir.join("index.json"))?;
    let mut out = Vec::new();
    for desc in index["manifests"].as_array().cloned().unwrap_or_default() {
        let ann = &desc["annotations"];
        let tag = ann["io.containerd.image.name"]
            .as_str()
            .or_else(|| {
                ann["org.opencontainers.image.ref.name"]
                    .as_str()
                    .filter(|r| reference::parse_normalized_named(r).is_ok_and(|n| n.tag.is_some()))
            })
            .map(str::to_string);
        let mut manifest = read_json(&blob_path(dir, desc["digest"].as_str().unwrap_or(""))?)?;
        // A nested index: pick the platform that runs here.
        for _ in 0..4 {
            let Some(list) = manifest["manifests"].as_array().cloned() else {
                break;
            };
            let pick = list
                .iter()
                .find(|m| {
                    m["platform"]["os"] == "linux"
                        && m["platform"]["architecture"] == super::image_import::go_arch()
                })
                .or(list.first())
                .cloned()
                .ok_or_else(|| bad_archive("empty image index"))?;
            manifest = read_json(&blob_path(dir, pick["digest"].as_str().unwrap_or(""))?)?;
        }
        let config = fs::read(blob_path(
            dir,
            manifest["config"]["digest"].as_str().unwrap_or(""),
        )?)?;
        let layer_paths = manifest["layers"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|l| blob_path(dir, l["digest"].as_str().unwrap_or("")))
            .collect::<Result<_>>()?;
        out.push(LoadItem {
            config,
            layer_paths,
            tags: tag.into_iter().collect(),
        });
    }
    Ok(out)
}

impl ImageService {
    /// moby `tarexporter.Load`: returns the lines dockerd streams
    /// (`Loaded image: busybox:latest`, or `Loaded image ID: sha256:...`
    /// for an untagged image). `quiet` only silences progress, which we do
    /// not report anyway.
    pub fn load_image(&self, src: &mut dyn Read, quiet: bool) -> Result<Vec<String>> {
        let _ = quiet;
        let tmp = layer::tmp_dir(&self.root)?;
        let result = self.load_from(src, &tmp);
        let _ = fs::remove_dir_all(&tmp);
        result
    }

    fn load_from(&self, src: &mut dyn Read, tmp: &Path) -> Result<Vec<String>> {
        let unpacked = tmp.join("archive");
        fs::create_dir_all(&unpacked)?;
        let mut inner = layer::decompress(Box::new(src))?;
        untar_plain(&mut inner, &unpacked)?;
        let items = if unpacked.join("manifest.json").is_file() {
            read_docker_manifest(&unpacked)?
        } else if unpacked.join("index.json").is_file() {
            read_oci_index(&unpacked)?
        } else {
            // moby falls back to the pre-1.10 "legacy" format here.
            return Err(bad_archive(
                "open manifest.json: no such file or directory (legacy docker-save archives are not supported)",
            ));
        };

        let mut lines = Vec::new();
        let mut ids_lines = Vec::new();
        let mut ref_count = 0;
        for item in items {
            let v1: V1Image = serde_json::from_slice(&item.config)
                .map_err(|e| bad_archive(format!("invalid image config: {e}")))?;
            if !v1.os.is_empty() && v1.os != "linux" {
                return Err(bad_archive(format!(
                    "image operating system {:?} cannot be used on this platform",
                    v1.os
                )));
            }
            let diff_ids = &v1.rootfs.diff_ids;
            if item.layer_paths.len() != diff_ids.len() {
                return Err(bad_archive(format!(
                    "invalid manifest, layers length mismatch: expected {}, got {}",
                    item.layer_paths.len(),
                    diff_ids.len()
                )));
            }
            let chains = layer::chain_ids(diff_ids);
            let _pins: Vec<layer::Pin> = chains.iter().map(|c| layer::pin(c)).collect();
            let mut parent: Option<String> = None;
            for (i, (diff_id, path)) in diff_ids.iter().zip(&item.layer_paths).enumerate() {
                if !layer::exists(&self.root, &chains[i]) {
                    let staged = tmp.join(format!("layer-{i}.tar"));
                    let got = layer::ingest(&mut fs::File::open(path)?, &staged)?;
                    if &got != diff_id {
                        return Err(bad_archive(format!(
                            "invalid diffID for layer {i}: expected {diff_id:?}, got {got:?}"
                        )));
                    }
                    layer::register(
                        &self.data_root,
                        &self.root,
                        parent.as_deref(),
                        &staged,
                        diff_id,
                    )?;
                    let _ = fs::remove_file(&staged);
                }
                parent = Some(chains[i].clone());
            }
            let mut st = self.lock()?;
            let id = st.create(item.config)?;
            ids_lines.push(format!("Loaded image ID: {id}"));
            ref_count = 0;
            for tag in &item.tags {
                let named = reference::parse_normalized_named(tag)?;
                if named.tag.is_none() || named.is_canonical() {
                    return Err(bad_archive(format!("invalid tag {tag:?}")));
                }
                if let Some(prev) = st.add_tag(named.clone(), &id)? {
                    lines.push(format!(
                        "The image {} already exists, renaming the old one with ID {prev} to empty string",
                        named.familiar()
                    ));
                }
                lines.push(format!("Loaded image: {}", named.familiar()));
                ref_count += 1;
            }
            drop(st);
            self.log_image_event(&id, &id, "load");
        }
        if ref_count == 0 {
            lines.extend(ids_lines);
        }
        Ok(lines)
    }

    /// moby `tarexporter.parseNames`: which images (and under which tags)
    /// `names` select. A bare name selects every tag of that repository.
    fn export_selection(&self, names: &[String]) -> Result<Vec<(String, Vec<Named>)>> {
        let st = self.lock()?;
        let mut out: Vec<(String, Vec<Named>)> = Vec::new();
        let mut add = |id: String, r: Option<Named>| {
            let pos = match out.iter().position(|(i, _)| *i == id) {
                Some(p) => p,
                None => {
                    out.push((id, Vec::new()));
                    out.len() - 1
                }
            };
            if let Some(r) = r {
                if !out[pos].1.contains(&r) {
                    out[pos].1.push(r);
                }
            }
        };
        for name in names {
            match reference::parse_any_reference(name)? {
                AnyReference::Digest(d) => {
                    let id = st.resolve(&d)?;
                    add(id, None);
                }
                AnyReference::Named(n) => {
                    if n.familiar_name() == "sha256" {
                        add(st.resolve(name)?, None);
                    } else if n.tag.is_none() && n.digest.is_none() {
                        let refs: Vec<(Named, String)> = st
                            .refs
                            .iter()
                            .filter(|(r, _)| r.name() == n.name())
                            .map(|(r, i)| (r.clone(), i.clone()))
                            .collect();
                        if refs.is_empty() {
                            // moby `imageStore.Search(name)`: an id prefix.
                            let id = st
                                .search(name)
                                .map_err(|_| Error::not_found(format!("No such image: {name}")))?;
                            add(id, None);
                        }
                        for (r, id) in refs {
                            add(id, Some(r));
                        }
                    } else {
                        // moby `refstore.Get`'s error, as dockerd answers it.
                        let id = st
                            .refs
                            .get(&n)
                            .cloned()
                            .ok_or_else(|| Error::not_found("reference does not exist"))?;
                        add(id, Some(n));
                    }
                }
            }
        }
        Ok(out)
    }

    /// Check that `names` all exist, so a route can answer 404 before it
    /// starts streaming the archive.
    pub fn export_check(&self, names: &[String]) -> Result<()> {
        self.export_selection(names).map(|_| ())
    }

    /// moby `tarexporter.Save`: write a docker-save archive of `names` to
    /// `out`.
    pub fn export_image(&self, names: &[String], out: &mut dyn Write) -> Result<()> {
        let selection = self.export_selection(names)?;
        // Collect everything under the lock, write without it.
        struct Export {
            id: String,
            raw: Vec<u8>,
            created: String,
            config: Option<super::ImageConfig>,
            layers: Vec<(String, PathBuf)>,
            tags: Vec<Named>,
        }
        let exports: Vec<Export> = {
            let st = self.lock()?;
            selection
                .into_iter()
                .map(|(id, tags)| {
                    let s = &st.images[&id];
                    Export {
                        id: id.clone(),
                        raw: s.raw.clone(),
                        created: s.v1.created.clone(),
                        config: s.v1.config.clone(),
                        layers: layer::chain_ids(&s.v1.rootfs.diff_ids)
                            .into_iter()
                            .map(|c| {
                                let p = layer::layer_tar(&st.root, &c);
                                (c, p)
                            })
                            .collect(),
                        tags,
                    }
                })
                .collect()
        };

        let mut b = tar::Builder::new(out);
        let mut manifest = Vec::new();
        let mut repositories: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut written_layers = std::collections::HashSet::new();
        for e in &exports {
            let mtime = super::image_import::unix_seconds(&e.created).max(0) as u64;
            let mut layer_names = Vec::new();
            let mut parent_v1 = String::new();
            for (i, (chain, tar_path)) in e.layers.iter().enumerate() {
                let v1id = hex_of(&digest_of(
                    format!("{chain} {parent_v1} {}", e.created).as_bytes(),
                ))
                .to_string();
                layer_names.push(format!("{v1id}/layer.tar"));
                if written_layers.insert(v1id.clone()) {
                    let mut legacy = serde_json::json!({
                        "id": v1id,
                        "created": e.created,
                        "container_config": super::ImageConfig::default(),
                        "os": "linux",
                    });
                    if !parent_v1.is_empty() {
                        legacy["parent"] = serde_json::json!(parent_v1);
                    }
                    if i + 1 == e.layers.len() {
                        legacy["config"] = serde_json::json!(e.config);
                    }
                    append_dir(&mut b, &format!("{v1id}/"), mtime)?;
                    append_bytes(&mut b, &format!("{v1id}/VERSION"), b"1.0", mtime)?;
                    let legacy =
                        serde_json::to_vec(&legacy).map_err(|e| Error::system(e.to_string()))?;
                    append_bytes(&mut b, &format!("{v1id}/json"), &legacy, mtime)?;
                    let f = fs::File::open(tar_path).map_err(|err| {
                        Error::system(format!("layer {chain} of {}: {err}", e.id))
                    })?;
                    let len = f.metadata()?.len();
                    let mut h = file_header(len, mtime);
                    b.append_data(&mut h, format!("{v1id}/layer.tar"), f)?;
                }
                parent_v1 = v1id;
            }
            append_bytes(&mut b, &format!("{}.json", hex_of(&e.id)), &e.raw, mtime)?;
            for t in &e.tags {
                if let Some(tag) = &t.tag {
                    repositories
                        .entry(t.familiar_name())
                        .or_default()
                        .insert(tag.clone(), parent_v1.clone());
                }
            }
            let tags: Vec<String> = e
                .tags
                .iter()
                .filter(|t| t.tag.is_some())
                .map(|t| t.familiar())
                .collect();
            manifest.push(ManifestItem {
                config: format!("{}.json", hex_of(&e.id)),
                repo_tags: if tags.is_empty() { None } else { Some(tags) },
                layers: layer_names,
            });
        }
        let manifest = serde_json::to_vec(&manifest).map_err(|e| Error::system(e.to_string()))?;
        append_bytes(&mut b, "manifest.json", &manifest, 0)?;
        if !repositories.is_empty() {
            let r = serde_json::to_vec(&repositories).map_err(|e| Error::system(e.to_string()))?;
            append_bytes(&mut b, "repositories", &r, 0)?;
        }
        b.finish()?;
        Ok(())
    }
}

fn file_header(len: u64, mtime: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_mode(0o644);
    h.set_size(len);
    h.set_mtime(mtime);
    h
}

fn append_bytes<W: Write>(
    b: &mut tar::Builder<W>,
    name: &str,
    data: &[u8],
    mtime: u64,
) -> Result<()> {
    let mut h = file_header(data.len() as u64, mtime);
    b.append_data(&mut h, name, data)?;
    Ok(())
}

fn append_dir<W: Write>(b: &mut tar::Builder<W>, name: &str, mtime: u64) -> Result<()> {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Directory);
    h.set_mode(0o755);
    h.set_size(0);
    h.set_mtime(mtime);
    b.append_data(&mut h, name, std::io::empty())?;
    Ok(())
}
