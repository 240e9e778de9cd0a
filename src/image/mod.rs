//! The image store and the image service behind the `/images` routes.
//!
//! Mirrors moby `daemon/images/` (the `ImageService`), `image/` (the
//! content-addressed image store), `layer/` (the layer store),
//! `reference/` (the tag index, `repositories.json`) and
//! `image/tarexport/` (`docker save` / `docker load`), all at v20.10.24.
//!
//! # On disk
//!
//! Under the daemon's data root, with moby's names:
//!
//! ```text
//! image/overlay2/imagedb/content/sha256/<id>      image config JSON; id = sha256 of these bytes
//! image/overlay2/imagedb/metadata/sha256/<id>/    lastUpdated (the LastTagTime of inspect)
//! image/overlay2/layerdb/sha256/<chainid>/        diff, size, parent, layer.tar
//! image/overlay2/repositories.json                the tag index
//! overlay2/<chainid>/diff                         the extracted layer, an overlay lowerdir
//! ```
//!
//! Every file is written to a temporary name and renamed into place, so a
//! crash leaves either the old or the new state, never half an image.
//!
//! Lesson: `walkthroughs/06-docker-run.md`.

pub mod busybox;
pub mod filters;
pub mod image_commit;
pub mod image_delete;
pub mod image_history;
pub mod image_import;
pub mod image_inspect;
pub mod image_prune;
pub mod image_pull;
pub mod image_tag;
pub mod images;
pub mod layer;
pub mod reference;
pub mod store;
pub mod tarexport;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use serde::{Deserialize, Serialize};

use crate::errdefs::{Error, Result};
use crate::events::{Actor, Events};

pub use image_delete::ImageDeleteResponseItem;
pub use image_history::HistoryResponseItem;
pub use image_inspect::ImageInspect;
pub use image_prune::ImagesPruneReport;
pub use images::ImageSummary;
pub use store::V1Image;

/// The callback through which the daemon says which containers use an
/// image: given an image id (`sha256:<64 hex>`, as in [`Image::id`]), the
/// `(container id, running)` of every container created from it.
/// moby's image service asks the container store directly
/// (`i.containers.List()`); here the daemon hands us a closure so that the
/// image module does not depend on the container module.
pub type UsageFn = Arc<dyn Fn(&str) -> Vec<(String, bool)> + Send + Sync>;

/// The `Config` of an image: moby `api/types/container.Config`, with the
/// docker JSON field names (PascalCase). Every field the API shows is
/// here, so that `docker image inspect` prints the same object as dockerd.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageConfig {
    #[serde(rename = "Hostname", default)]
    pub hostname: String,
    #[serde(rename = "Domainname", default)]
    pub domainname: String,
    #[serde(rename = "User", default)]
    pub user: String,
    #[serde(rename = "AttachStdin", default)]
    pub attach_stdin: bool,
    #[serde(rename = "AttachStdout", default)]
    pub attach_stdout: bool,
    #[serde(rename = "AttachStderr", default)]
    pub attach_stderr: bool,
    #[serde(
        rename = "ExposedPorts",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(rename = "Tty", default)]
    pub tty: bool,
    #[serde(rename = "OpenStdin", default)]
    pub open_stdin: bool,
    #[serde(rename = "StdinOnce", default)]
    pub stdin_once: bool,
    #[serde(rename = "Env", default)]
    pub env: Option<Vec<String>>,
    #[serde(rename = "Cmd", default)]
    pub cmd: Option<Vec<String>>,
    #[serde(
        rename = "Healthcheck",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub healthcheck: Option<serde_json::Value>,
    #[serde(
        rename = "ArgsEscaped",
        default,
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub args_escaped: bool,
    #[serde(rename = "Image", default)]
    pub image: String,
    #[serde(rename = "Volumes", default)]
    pub volumes: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(rename = "WorkingDir", default)]
    pub working_dir: String,
    #[serde(rename = "Entrypoint", default)]
    pub entrypoint: Option<Vec<String>>,
    #[serde(
        rename = "NetworkDisabled",
        default,
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub network_disabled: bool,
    #[serde(
        rename = "MacAddress",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub mac_address: String,
    #[serde(rename = "OnBuild", default)]
    pub on_build: Option<Vec<String>>,
    #[serde(rename = "Labels", default)]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(
        rename = "StopSignal",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub stop_signal: String,
    #[serde(
        rename = "StopTimeout",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub stop_timeout: Option<i64>,
    #[serde(rename = "Shell", default, skip_serializing_if = "Option::is_none")]
    pub shell: Option<Vec<String>>,
}

/// An image as the rest of the daemon sees it: moby `image.Image` with the
/// tags that point at it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Image {
    /// `sha256:<64 hex>`, the digest of the config JSON.
    pub id: String,
    pub config: ImageConfig,
    /// Familiar references, e.g. `busybox:latest`, sorted.
    pub repo_tags: Vec<String>,
    /// RFC 3339 with nanoseconds, as in the config JSON.
    pub created: String,
    /// Bytes of all layers (moby sums the layer sizes).
    pub size: i64,
    /// The parent image id, or "" (only images built by commit have one).
    pub parent: String,
    pub comment: String,
    pub author: String,
    pub architecture: String,
    pub os: String,
    /// The layers' diff ids, bottom first.
    pub diff_ids: Vec<String>,
}

/// `/system/df`'s view of the images: total bytes and how many.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImagesDiskUsage {
    pub count: usize,
    pub total_size: i64,
    /// Every image as a summary, for the `Images` list of `/system/df`.
    pub images: Vec<ImageSummary>,
}

/// See the module documentation.
pub struct ImageService {
    /// `<data-root>`.
    pub(crate) data_root: PathBuf,
    /// `<data-root>/image/overlay2`: imagedb, layerdb, repositories.json.
    pub(crate) root: PathBuf,
    pub(crate) events: Arc<Events>,
    pub(crate) state: Mutex<store::State>,
    pub(crate) usage: RwLock<Option<UsageFn>>,
}

impl ImageService {
    /// Open (or create) the store under `data_root` (the daemon's
    /// `--data-root`, NOT `<data-root>/image`): load every image config and
    /// the tag index. moby's `NewImageService` + `image.NewImageStore` +
    /// `refstore.NewReferenceStore`.
    pub fn new(data_root: &Path, events: Arc<Events>) -> std::io::Result<ImageService> {
        let root = data_root.join("image").join("overlay2");
        let state = store::State::load(data_root, &root)?;
        Ok(ImageService {
            data_root: data_root.to_path_buf(),
            root,
            events,
            state: Mutex::new(state),
            usage: RwLock::new(None),
        })
    }

    /// moby `ImageService.GetImage`: a full id, `sha256:<id>`, a unique id
    /// prefix, or a reference (`busybox` is `docker.io/library/busybox:latest`).
    pub fn get_image(&self, ref_or_id: &str) -> Result<Image> {
        let st = self
            .state
            .lock()
            .map_err(|_| Error::system("image store lock poisoned"))?;
        let id = st.resolve(ref_or_id)?;
        st.image(&id)
    }

    /// The extracted layer directories of `image`, bottom layer first (so
    /// reverse them for overlay's `lowerdir=top:...:bottom`).
    pub fn layer_dirs(&self, image: &Image) -> Vec<PathBuf> {
        layer::chain_ids(&image.diff_ids)
            .iter()
            .map(|c| layer::diff_dir(&self.data_root, c))
            .collect()
    }

    /// The daemon registers how to find the containers that use an image
    /// (for the 409 conflicts of `image_delete` and the `Containers` count).
    pub fn set_usage(&self, f: UsageFn) {
        if let Ok(mut u) = self.usage.write() {
            *u = Some(f);
        }
    }

    /// The store, locked.
    pub(crate) fn lock(&self) -> Result<std::sync::MutexGuard<'_, store::State>> {
        self.state
            .lock()
            .map_err(|_| Error::system("image store lock poisoned"))
    }

    /// The containers using image `id`: `(container id, running)`.
    pub(crate) fn users(&self, id: &str) -> Vec<(String, bool)> {
        match self.usage.read() {
            Ok(u) => u.as_ref().map(|f| f(id)).unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    /// How many images the store holds (`Images` of `/info`).
    pub fn count(&self) -> usize {
        self.state.lock().map(|s| s.images.len()).unwrap_or(0)
    }

    /// `LayersSize` and the images of `/system/df`: moby
    /// `SystemDiskUsage` lists images with `withExtraAttrs`, i.e. with
    /// `Containers` (how many containers use each) and `SharedSize` (the
    /// bytes of its layers that other images use too) filled in.
    pub fn disk_usage(&self) -> Result<ImagesDiskUsage> {
        let mut images = self.images("", false)?;
        let (total_size, shared) = {
            let st = self.lock()?;
            let mut uses: std::collections::HashMap<String, usize> = Default::default();
            for s in st.images.values() {
                for c in layer::chain_ids(&s.v1.rootfs.diff_ids) {
                    *uses.entry(c).or_default() += 1;
                }
            }
            let shared: std::collections::HashMap<String, i64> = st
                .images
                .values()
                .map(|s| {
                    let bytes = layer::chain_ids(&s.v1.rootfs.diff_ids)
                        .iter()
                        .filter(|c| uses.get(*c).copied().unwrap_or(0) > 1)
                        .map(|c| layer::size(&st.root, c))
                        .sum();
                    (s.id.clone(), bytes)
                })
                .collect();
            (st.layers_size(), shared)
        };
        // Asked without the store lock held (see `image_delete`).
        for img in &mut images {
            img.containers = self.users(&img.id).len() as i64;
            img.shared_size = shared.get(&img.id).copied().unwrap_or(0);
        }
        Ok(ImagesDiskUsage {
            count: images.len(),
            total_size,
            images,
        })
    }

    /// Log an image event (moby `LogImageEventWithAttributes`): the actor
    /// is the image id, its attributes the image's labels (while it still
    /// exists) and `name`.
    pub(crate) fn log_image_event(&self, id: &str, name: &str, action: &str) {
        let mut attributes = BTreeMap::new();
        if let Ok(st) = self.lock() {
            if let Some(labels) = st
                .images
                .get(id)
                .and_then(|s| s.v1.config.as_ref())
                .and_then(|c| c.labels.as_ref())
            {
                attributes.extend(labels.clone());
            }
        }
        if !name.is_empty() {
            attributes.insert("name".to_string(), name.to_string());
        }
        trace_event!(
            "backend",
            "event",
            "ImageService.LogImageEvent",
            action = action,
            image = id
        );
        self.events.log(
            action,
            "image",
            Actor {
                id: id.to_string(),
                attributes,
            },
        );
    }
}
