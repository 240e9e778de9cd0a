//! The daemon's containers, by id and by name.
//!
//! Mirrors moby `container/memory_store.go` (the id → container map),
//! `daemon/names/` + `pkg/registrar` (the name reservations) and the
//! lookup of `daemon/container.go` `GetContainer` (v20.10.24). moby keeps a
//! second, transactional copy of every container (`container/view.go`,
//! memdb) for `docker ps` and prefix lookups; one map behind one lock is
//! enough at our size, so the "view" is the map itself.
//!
//! Names are reserved *before* a container exists (create reserves first,
//! then builds), exactly as moby's registrar does, so two concurrent
//! creates with one name cannot both win.

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use super::{lock, ContainerRef};
use crate::errdefs::{Error, Result};

#[derive(Default)]
struct Inner {
    by_id: BTreeMap<String, ContainerRef>,
    /// "/name" → id.
    names: HashMap<String, String>,
}

/// See the module documentation.
#[derive(Default)]
pub struct ContainerStore {
    inner: RwLock<Inner>,
}

/// Add the leading slash a stored name carries.
pub fn normalize_name(name: &str) -> String {
    if name.starts_with('/') {
        name.to_string()
    } else {
        format!("/{name}")
    }
}

impl ContainerStore {
    pub fn new() -> ContainerStore {
        ContainerStore::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// moby `registrar.Reserve` via `daemon.reserveName`: 409 with
    /// dockerd's text when the name is taken by another container.
    pub fn reserve_name(&self, name: &str, id: &str) -> Result<()> {
        let name = normalize_name(name);
        let mut inner = self.write();
        if let Some(owner) = inner.names.get(&name) {
            if owner != id {
                return Err(Error::conflict(format!(
                    "Conflict. The container name \"{name}\" is already in use by container \"{owner}\". You have to remove (or rename) that container to be able to reuse that name."
                )));
            }
            return Ok(());
        }
        inner.names.insert(name, id.to_string());
        Ok(())
    }

    /// moby `registrar.Release`.
    pub fn release_name(&self, name: &str) {
        self.write().names.remove(&normalize_name(name));
    }

    /// moby `memoryStore.Add`.
    pub fn add(&self, id: &str, c: ContainerRef) {
        self.write().by_id.insert(id.to_string(), c);
    }

    /// moby `memoryStore.Delete`.
    pub fn delete(&self, id: &str) {
        self.write().by_id.remove(id);
    }

    /// Exactly this id.
    pub fn get_by_id(&self, id: &str) -> Option<ContainerRef> {
        self.read().by_id.get(id).cloned()
    }

    /// Every container (moby `memoryStore.List`), in id order; callers
    /// sort as they need.
    pub fn list(&self) -> Vec<ContainerRef> {
        self.read().by_id.values().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.read().by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// moby `daemon.GetContainer(prefixOrName)`: empty → 400; a full id;
    /// an exact name; a unique id prefix (several → `Multiple IDs found
    /// with provided prefix: x`, truncindex's text; dockerd answers it with
    /// a 500, we with 400, see `errdefs.rs`); else 404
    /// `No such container: x`.
    pub fn get(&self, prefix_or_name: &str) -> Result<ContainerRef> {
        if prefix_or_name.is_empty() {
            return Err(Error::invalid_parameter(
                "invalid name or ID supplied: \"\"",
            ));
        }
        let inner = self.read();
        if let Some(c) = inner.by_id.get(prefix_or_name) {
            return Ok(c.clone());
        }
        if let Some(id) = inner.names.get(&normalize_name(prefix_or_name)) {
            if let Some(c) = inner.by_id.get(id) {
                return Ok(c.clone());
            }
        }
        let mut matches = inner
            .by_id
            .range(prefix_or_name.to_string()..)
            .take_while(|(id, _)| id.starts_with(prefix_or_name));
        match (matches.next(), matches.next()) {
            (Some((_, c)), None) => Ok(c.clone()),
            (Some(_), Some(_)) => Err(Error::invalid_parameter(format!(
                "Multiple IDs found with provided prefix: {prefix_or_name}"
            ))),
            _ => Err(Error::not_found(format!(
                "No such container: {prefix_or_name}"
            ))),
        }
    }

    /// The containers created from image `image_id`, with whether each
    /// runs (for the image service's delete conflicts).
    pub fn users_of_image(&self, image_id: &str) -> Vec<(String, bool)> {
        self.list()
            .iter()
            .filter_map(|c| {
                let c = lock(c);
                (c.image == image_id).then(|| (c.id.clone(), c.state.status.is_running()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::Container;
    use std::sync::{Arc, Mutex};

    fn add(store: &ContainerStore, id: &str, name: &str) {
        store.reserve_name(name, id).unwrap();
        let c = Container::new(id.into(), normalize_name(name), std::path::Path::new("/x"));
        store.add(id, Arc::new(Mutex::new(c)));
    }

    /// dockerd's resolution order: id, name, unique prefix; its errors.
    #[test]
    fn resolution_order() {
        let s = ContainerStore::new();
        add(&s, "abc111", "web");
        add(&s, "abc222", "abc111x");
        assert_eq!(lock(&s.get("web").unwrap()).id, "abc111");
        assert_eq!(lock(&s.get("abc2").unwrap()).id, "abc222");
        // An exact name beats a prefix.
        assert_eq!(lock(&s.get("abc111x").unwrap()).id, "abc222");
        let e = s.get("abc").unwrap_err();
        assert_eq!(e.message, "Multiple IDs found with provided prefix: abc");
        let e = s.get("nope").unwrap_err();
        assert_eq!(e.message, "No such container: nope");
        let e = s.reserve_name("/web", "zzz").unwrap_err();
        assert!(e.message.starts_with(
            "Conflict. The container name \"/web\" is already in use by container \"abc111\""
        ));
    }
}
