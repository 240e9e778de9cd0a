//! `docker commit`, the image half: a container's layer on top of its
//! image becomes a new image.
//!
//! Mirrors moby `daemon/images/image_commit.go` (v20.10.24) `CommitImage`
//! and `image.NewChildImage`: the layer is registered on the parent's
//! chain; the new config keeps the parent's layers and history and adds
//! one history line (`created_by` is the container's `Cmd`); the config,
//! the container's id and config, and the author are recorded; the parent
//! is remembered beside the image (`SetParent`), not inside its config.
//! A container that changed nothing gives an empty layer, which is not
//! added to the image (`empty_layer` in its history line).

use std::io::{self, Write};

use sha2::{Digest, Sha256};

use super::image_import::{format_time, go_arch};
use super::store::{History, RootFS, V1Image};
use super::{layer, ImageConfig, ImageService};
use crate::errdefs::{Error, Result};

/// moby `layer.DigestSHA256EmptyTar`: the digest of an empty tar (two
/// zero blocks).
pub const EMPTY_LAYER_DIFF_ID: &str =
    "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

/// moby `backend.CommitConfig`.
pub struct CommitConfig {
    pub author: String,
    pub comment: String,
    pub config: ImageConfig,
    pub container_config: ImageConfig,
    pub container_id: String,
    pub parent_image_id: String,
}

/// Writes through to a file and hashes what passes: the layer's diff id.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl ImageService {
    /// moby `ImageService.CommitImage`. `write_layer` writes the
    /// container's layer tar (the runtime's `diff`). Returns the new id.
    pub fn commit_image(
        &self,
        c: CommitConfig,
        write_layer: impl FnOnce(&mut dyn Write) -> Result<()>,
    ) -> Result<String> {
        let parent = self.lock()?.image(&c.parent_image_id)?;
        let tmp = layer::tmp_dir(&self.root)?;
        let result = (|| {
            let tar_path = tmp.join("layer.tar");
            let mut w = HashingWriter {
                inner: io::BufWriter::new(std::fs::File::create(&tar_path)?),
                hasher: Sha256::new(),
            };
            write_layer(&mut w)?;
            w.flush()?;
            let HashingWriter { inner, hasher } = w;
            inner.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            let diff_id = format!("sha256:{}", hex::encode(hasher.finalize()));

            let mut diff_ids = parent.diff_ids.clone();
            let empty_layer = diff_id == EMPTY_LAYER_DIFF_ID;
            // Held until the image below refers to the layer, so that no
            // concurrent `rmi` releases it in between.
            let mut _pin = None;
            if !empty_layer {
                let parent_chain = layer::chain_ids(&diff_ids).pop();
                diff_ids.push(diff_id.clone());
                let chain = layer::chain_ids(&diff_ids)
                    .pop()
                    .expect("one layer at least");
                _pin = Some(layer::pin(&chain));
                layer::register(
                    &self.data_root,
                    &self.root,
                    parent_chain.as_deref(),
                    &tar_path,
                    &diff_id,
                )?;
            }
            let created = format_time(time::OffsetDateTime::now_utc());
            let stored = self.lock()?;
            let parent_v1 = stored
                .images
                .get(&parent.id)
                .map(|s| s.v1.clone())
                .ok_or_else(|| Error::not_found(format!("No such image: {}", parent.id)))?;
            drop(stored);
            let mut history = parent_v1.history.clone();
            history.push(History {
                created: created.clone(),
                created_by: c.container_config.cmd.clone().unwrap_or_default().join(" "),
                author: c.author.clone(),
                comment: c.comment.clone(),
                empty_layer,
            });
            let v1 = V1Image {
                architecture: if parent_v1.architecture.is_empty() {
                    go_arch().to_string()
                } else {
                    parent_v1.architecture.clone()
                },
                author: c.author,
                config: Some(c.config),
                container: c.container_id,
                container_config: Some(c.container_config),
                created,
                docker_version: crate::version::ENGINE_VERSION.to_string(),
                history,
                os: "linux".to_string(),
                rootfs: RootFS {
                    typ: "layers".to_string(),
                    diff_ids,
                },
                ..Default::default()
            };
            let raw = v1.to_bytes()?;
            let mut st = self.lock()?;
            let id = st.create(raw)?;
            st.set_parent(&id, &parent.id)?;
            Ok(id)
        })();
        let _ = std::fs::remove_dir_all(&tmp);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An empty tar, as the tar crate writes it, has moby's empty-layer
    /// digest: that is how a commit that changed nothing is recognised.
    #[test]
    fn empty_tar_has_the_empty_layer_digest() {
        let tar = tar::Builder::new(Vec::new()).into_inner().unwrap();
        assert_eq!(super::super::store::digest_of(&tar), EMPTY_LAYER_DIFF_ID);
    }
}
