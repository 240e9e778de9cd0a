//! `docker rmi`: untag, then delete when nothing holds the image.
//!
//! Mirrors moby `daemon/images/image_delete.go` (v20.10.24), whose rules
//! decide between "untag only", "delete", and a 409 conflict:
//!
//! - by reference (`busybox`): untag it; a container using the image
//!   blocks removing its last tag unless `force`; once the last tag is
//!   gone the image is deleted too;
//! - by id (`49f9a601bf46`): with a single tag, the tag goes too, unless
//!   a container uses the image (stopped: must force; running: cannot be
//!   forced); with several tags it is "referenced in multiple
//!   repositories" unless forced.

use serde::Serialize;

use super::reference::{self, Named};
use super::store::{truncate_id, State};
use super::ImageService;
use crate::errdefs::{Error, Result};

/// moby `types.ImageDeleteResponseItem`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImageDeleteResponseItem {
    #[serde(rename = "Untagged", skip_serializing_if = "String::is_empty")]
    pub untagged: String,
    #[serde(rename = "Deleted", skip_serializing_if = "String::is_empty")]
    pub deleted: String,
}

impl ImageDeleteResponseItem {
    fn untagged(r: &Named) -> Self {
        ImageDeleteResponseItem {
            untagged: r.familiar(),
            ..Default::default()
        }
    }
    fn deleted(id: &str) -> Self {
        ImageDeleteResponseItem {
            deleted: id.to_string(),
            ..Default::default()
        }
    }
}

/// moby `conflictType` bits.
const CONFLICT_DEPENDENT_CHILD: u8 = 1;
const CONFLICT_RUNNING_CONTAINER: u8 = 2;
const CONFLICT_ACTIVE_REFERENCE: u8 = 4;
const CONFLICT_STOPPED_CONTAINER: u8 = 8;
const CONFLICT_HARD: u8 = CONFLICT_DEPENDENT_CHILD | CONFLICT_RUNNING_CONTAINER;
const CONFLICT_SOFT: u8 = CONFLICT_ACTIVE_REFERENCE | CONFLICT_STOPPED_CONTAINER;

/// moby `imageDeleteConflict`.
struct DeleteConflict {
    hard: bool,
    used: bool,
    message: String,
}

impl DeleteConflict {
    fn into_error(self, id: &str) -> Error {
        let force = if self.hard {
            "cannot be forced"
        } else {
            "must be forced"
        };
        Error::conflict(format!(
            "conflict: unable to delete {} ({force}) - {}",
            truncate_id(id),
            self.message
        ))
    }
}

/// Who uses each image, asked of the daemon before the store is locked
/// (so that the store lock is never held while the daemon's container
/// lock is taken).
type Users = std::collections::HashMap<String, Vec<(String, bool)>>;

/// moby `isSingleReference`: one tag, possibly with digests of the same
/// repository.
fn is_single_reference(refs: &[Named]) -> bool {
    if refs.len() <= 1 {
        return refs.len() == 1;
    }
    let mut single: Option<&Named> = None;
    let mut canonical = std::collections::HashSet::new();
    for r in refs {
        if r.is_canonical() {
            canonical.insert(r.name());
        } else if single.is_none() {
            single = Some(r);
        } else {
            return false;
        }
    }
    let single = single.unwrap_or(&refs[0]);
    canonical.len() == 1 && canonical.contains(&single.name())
}

/// moby `isImageIDPrefix`.
fn is_image_id_prefix(id: &str, possible: &str) -> bool {
    id.starts_with(possible) || super::store::hex_of(id).starts_with(possible)
}

impl ImageService {
    /// moby `ImageService.ImageDelete`.
    pub fn image_delete(
        &self,
        image_ref: &str,
        force: bool,
        prune: bool,
    ) -> Result<Vec<ImageDeleteResponseItem>> {
        // Resolve, then ask for the users of the image and its parents
        // without holding the store lock.
        let (id, chain) = {
            let st = self.lock()?;
            let id = st.resolve(image_ref)?;
            let mut chain = vec![id.clone()];
            let mut cur = id.clone();
            while let Some(p) = st.images.get(&cur).map(|s| s.parent.clone()) {
                if p.is_empty() || chain.contains(&p) {
                    break;
                }
                chain.push(p.clone());
                cur = p;
            }
            (id, chain)
        };
        let users: Users = chain.iter().map(|i| (i.clone(), self.users(i))).collect();

        let mut st = self.lock()?;
        let mut records = Vec::new();
        let mut events: Vec<(String, &'static str)> = Vec::new();
        let mut repo_refs = st.references(&id);
        let mut removed_repository_ref = false;

        if !is_image_id_prefix(&id, image_ref) {
            if !force && is_single_reference(&repo_refs) {
                if let Some((cid, _)) = users.get(&id).and_then(|u| u.first()) {
                    return Err(Error::conflict(format!(
                        "conflict: unable to remove repository reference {image_ref:?} (must force) - container {} is using its referenced image {}",
                        truncate_id(cid),
                        truncate_id(&id)
                    )));
                }
            }
            let parsed = reference::parse_normalized_named(image_ref)?.tag_name_only();
            st.delete_ref(&parsed)?;
            records.push(ImageDeleteResponseItem::untagged(&parsed));
            events.push((id.clone(), "untag"));

            repo_refs = st.references(&id);
            // Removing the last tag of a repository also removes its
            // digest references.
            if !parsed.is_canonical() {
                let found_tag = repo_refs
                    .iter()
                    .any(|r| !r.is_canonical() && r.name() == parsed.name());
                if !found_tag {
                    let mut remaining = Vec::new();
                    for r in repo_refs {
                        if r.is_canonical() && r.name() == parsed.name() {
                            st.delete_ref(&r)?;
                            records.push(ImageDeleteResponseItem::untagged(&r));
                        } else {
                            remaining.push(r);
                        }
                    }
                    repo_refs = remaining;
                }
            }
            if !repo_refs.is_empty() {
                drop(st);
                self.log_events(&events);
                return Ok(records);
            }
            removed_repository_ref = true;
        } else if is_single_reference(&repo_refs) {
            let mut mask = CONFLICT_HARD;
            if !force {
                mask |= CONFLICT_SOFT & !CONFLICT_ACTIVE_REFERENCE;
            }
            if let Some(c) = check_conflict(&st, &users, &id, mask) {
                return Err(c.into_error(&id));
            }
            for r in repo_refs {
                st.delete_ref(&r)?;
                records.push(ImageDeleteResponseItem::untagged(&r));
                events.push((id.clone(), "untag"));
            }
        }

        let result = delete_helper(
            &mut st,
            &users,
            &id,
            &mut records,
            &mut events,
            force,
            prune,
            removed_repository_ref,
        );
        drop(st);
        self.log_events(&events);
        result.map(|_| records)
    }

    fn log_events(&self, events: &[(String, &'static str)]) {
        for (id, action) in events {
            self.log_image_event(id, id, action);
        }
    }
}

/// moby `checkImageDeleteConflict`.
fn check_conflict(st: &State, users: &Users, id: &str, mask: u8) -> Option<DeleteConflict> {
    if mask & CONFLICT_DEPENDENT_CHILD != 0 && !st.children(id).is_empty() {
        return Some(DeleteConflict {
            hard: true,
            used: false,
            message: "image has dependent child images".into(),
        });
    }
    let using = users.get(id).cloned().unwrap_or_default();
    if mask & CONFLICT_RUNNING_CONTAINER != 0 {
        if let Some((cid, _)) = using.iter().find(|(_, running)| *running) {
            return Some(DeleteConflict {
                hard: true,
                used: true,
                message: format!(
                    "image is being used by running container {}",
                    truncate_id(cid)
                ),
            });
        }
    }
    if mask & CONFLICT_ACTIVE_REFERENCE != 0 && !st.references(id).is_empty() {
        return Some(DeleteConflict {
            hard: false,
            used: false,
            message: "image is referenced in multiple repositories".into(),
        });
    }
    if mask & CONFLICT_STOPPED_CONTAINER != 0 {
        if let Some((cid, _)) = using.iter().find(|(_, running)| !*running) {
            return Some(DeleteConflict {
                hard: false,
                used: true,
                message: format!(
                    "image is being used by stopped container {}",
                    truncate_id(cid)
                ),
            });
        }
    }
    None
}

/// moby `imageDeleteHelper`: delete `id` if nothing conflicts, then its
/// parents when pruning. `quiet` conflicts (on a parent, or after a
/// removed reference) end the walk silently.
#[allow(clippy::too_many_arguments)]
fn delete_helper(
    st: &mut State,
    users: &Users,
    id: &str,
    records: &mut Vec<ImageDeleteResponseItem>,
    events: &mut Vec<(String, &'static str)>,
    force: bool,
    prune: bool,
    quiet: bool,
) -> Result<()> {
    let mut mask = CONFLICT_HARD;
    if !force {
        mask |= CONFLICT_SOFT;
    }
    if let Some(c) = check_conflict(st, users, id, mask) {
        let dangling = st.references(id).is_empty() && st.children(id).is_empty();
        if quiet && (!dangling || c.used) {
            return Ok(());
        }
        return Err(c.into_error(id));
    }
    let parent = st
        .images
        .get(id)
        .map(|s| s.parent.clone())
        .unwrap_or_default();
    for r in st.references(id) {
        st.delete_ref(&r)?;
        records.push(ImageDeleteResponseItem::untagged(&r));
        events.push((id.to_string(), "untag"));
    }
    let removed_layers = st.delete_image(id)?;
    events.push((id.to_string(), "delete"));
    records.push(ImageDeleteResponseItem::deleted(id));
    for l in removed_layers {
        records.push(ImageDeleteResponseItem::deleted(&l));
    }
    if !prune || parent.is_empty() || !st.images.contains_key(&parent) {
        return Ok(());
    }
    delete_helper(st, users, &parent, records, events, false, true, true)
}
