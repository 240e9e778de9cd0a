//! Managed plugins: a plugin manager whose store is always empty.
//!
//! Mirrors the lookups of moby `plugin/store.go` (`GetV2Plugin`,
//! `resolvePluginID`), `plugin/backend_linux.go` (`List`, `Inspect`,
//! `Enable`, `Disable`, `Remove`, `Set`, `Push`) and the error types of
//! `plugin/errors.go` (v20.10.24).
//!
//! dockerd runs plugins as containers pulled from a registry; mini-dockerd
//! cannot install one. A daemon with no plugins still answers every
//! question about them, though, and answers the way a dockerd with none
//! installed does: an empty list, and `plugin "NAME" not found` (a 404)
//! for any name. That matters beyond `docker plugin`: `docker inspect X`
//! asks for a container, an image, a network, a volume and then a plugin,
//! and only prints "No such object" when every one of them said 404.
//! Installing (`pull`, `create`, `upgrade`, `privileges`) stays a 501.

use serde::Serialize;

use crate::errdefs::{Error, Result};
use crate::events::filter::Filter;

/// moby `types.Plugin`, the fields `docker plugin ls` prints. No value of
/// it is ever made: the store is empty.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Plugin {
    pub id: String,
    pub name: String,
    pub enabled: bool,
}

/// moby `acceptedPluginFilterTags`.
const ACCEPTED_FILTERS: [&str; 2] = ["enabled", "capability"];

/// moby `plugin.Manager`, with its `Store` of no plugins.
#[derive(Debug, Default)]
pub struct Manager;

impl Manager {
    pub fn new() -> Manager {
        Manager
    }

    /// moby `Store.GetV2Plugin(refOrID)`: every name, full id or id prefix
    /// resolves to nothing, so every lookup is moby's `errNotFound`.
    fn get_v2_plugin(&self, ref_or_id: &str) -> Result<Plugin> {
        Err(Error::not_found(format!("plugin {ref_or_id:?} not found")))
    }

    /// moby `Manager.List`: the filters are checked as dockerd checks them
    /// (only `enabled` and `capability`, and `enabled` must be `true` or
    /// `false`), then the (empty) store is listed.
    pub fn list(&self, filter: &Filter) -> Result<Vec<Plugin>> {
        if let Some(k) = filter.keys().find(|k| !ACCEPTED_FILTERS.contains(k)) {
            return Err(Error::invalid_parameter(format!("Invalid filter '{k}'")));
        }
        let enabled = filter.get("enabled");
        if filter.keys().any(|k| k == "enabled")
            && !(enabled.len() == 1 && (enabled[0] == "true" || enabled[0] == "false"))
        {
            // moby's `invalidFilter{"enabled", values}`, printed with Go's
            // `%s` of a slice: `[a b]`.
            return Err(Error::invalid_parameter(format!(
                "Invalid filter 'enabled=[{}]'",
                enabled.join(" ")
            )));
        }
        Ok(Vec::new())
    }

    /// moby `Manager.Inspect`.
    pub fn inspect(&self, ref_or_id: &str) -> Result<Plugin> {
        self.get_v2_plugin(ref_or_id)
    }

    /// moby `Manager.Enable`, `Disable`, `Remove`, `Set` and `Push`: each
    /// starts with the same lookup, which is as far as any of them gets.
    pub fn lookup(&self, ref_or_id: &str) -> Result<()> {
        self.get_v2_plugin(ref_or_id).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_checks_filters_like_moby() {
        let m = Manager::new();
        let f = |s: &str| Filter::parse(s).unwrap();
        assert!(m.list(&f("")).unwrap().is_empty());
        assert!(m.list(&f(r#"{"enabled":["true"]}"#)).unwrap().is_empty());
        let err = m.list(&f(r#"{"name":["x"]}"#)).unwrap_err();
        assert_eq!(err.to_string(), "Invalid filter 'name'");
        let err = m.list(&f(r#"{"enabled":["yes","no"]}"#)).unwrap_err();
        assert_eq!(err.to_string(), "Invalid filter 'enabled=[yes no]'");
    }

    #[test]
    fn every_name_is_not_found() {
        let err = Manager::new().inspect("vieux/sshfs").unwrap_err();
        assert!(err.is(crate::errdefs::ErrorKind::NotFound));
        assert_eq!(err.to_string(), r#"plugin "vieux/sshfs" not found"#);
    }
}
