//! Build arguments: `ARG` in the Dockerfile and `--build-arg` on the
//! command line.
//!
//! Mirrors moby `builder/dockerfile/buildargs.go` (v20.10.24). An argument
//! is usable (in substitutions and in `RUN`'s environment) only once an
//! `ARG` names it in the current stage; its value is the command line's
//! when given, else the `ARG`'s default, else the meta `ARG`'s (before the
//! first `FROM`). The proxy variables are usable without an `ARG` and are
//! kept out of the image's history. Arguments given but never named by an
//! `ARG` are reported at the end of the build.
//!
//! moby keeps these in Go maps, whose order is random; we keep them in
//! sorted maps, so the environment of `RUN` and the warning list come out
//! in name order.

use std::collections::{BTreeMap, BTreeSet};

/// moby `builtinAllowedBuildArgs`.
const BUILTIN_ALLOWED_BUILD_ARGS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
];

fn is_builtin(key: &str) -> bool {
    BUILTIN_ALLOWED_BUILD_ARGS.contains(&key)
}

/// moby `BuildArgs`.
#[derive(Clone, Debug, Default)]
pub struct BuildArgs {
    /// Named by an `ARG` in the current stage, with its default.
    allowed_build_args: BTreeMap<String, Option<String>>,
    /// Named by an `ARG` before the first `FROM`.
    allowed_meta_args: BTreeMap<String, Option<String>>,
    /// Named by any `ARG` so far.
    referenced_args: BTreeSet<String>,
    /// `--build-arg`s.
    args_from_options: BTreeMap<String, Option<String>>,
}

impl BuildArgs {
    /// moby `NewBuildArgs`.
    pub fn new(args_from_options: BTreeMap<String, Option<String>>) -> BuildArgs {
        BuildArgs {
            args_from_options,
            ..Default::default()
        }
    }

    /// moby `Clone` followed by `ResetAllowed`: a new stage's view.
    pub fn for_new_stage(&self) -> BuildArgs {
        BuildArgs {
            allowed_build_args: BTreeMap::new(),
            ..self.clone()
        }
    }

    /// moby `MergeReferencedArgs`.
    pub fn merge_referenced_args(&mut self, other: &BuildArgs) {
        self.referenced_args
            .extend(other.referenced_args.iter().cloned());
    }

    /// moby `WarnOnUnusedBuildArgs`: the line to print, if any.
    pub fn unused_build_args_warning(&self) -> Option<String> {
        let leftover: Vec<&str> = self
            .args_from_options
            .keys()
            .filter(|a| !is_builtin(a) && !self.referenced_args.contains(*a))
            .map(String::as_str)
            .collect();
        (!leftover.is_empty()).then(|| {
            format!(
                "[Warning] One or more build-args [{}] were not consumed\n",
                leftover.join(" ")
            )
        })
    }

    /// moby `AddMetaArg`.
    pub fn add_meta_arg(&mut self, key: &str, value: Option<String>) {
        self.allowed_meta_args.insert(key.to_string(), value);
    }

    /// moby `AddArg`.
    pub fn add_arg(&mut self, key: &str, value: Option<String>) {
        self.allowed_build_args.insert(key.to_string(), value);
        self.referenced_args.insert(key.to_string());
    }

    /// moby `IsReferencedOrNotBuiltin`.
    pub fn is_referenced_or_not_builtin(&self, key: &str) -> bool {
        self.allowed_build_args.contains_key(key) || !is_builtin(key)
    }

    /// moby `GetAllAllowed`.
    pub fn get_all_allowed(&self) -> BTreeMap<String, String> {
        self.get_all_from_mapping(&self.allowed_build_args)
    }

    /// moby `GetAllMeta`.
    pub fn get_all_meta(&self) -> BTreeMap<String, String> {
        self.get_all_from_mapping(&self.allowed_meta_args)
    }

    fn get_all_from_mapping(
        &self,
        source: &BTreeMap<String, Option<String>>,
    ) -> BTreeMap<String, String> {
        let keys = source
            .keys()
            .map(String::as_str)
            .chain(BUILTIN_ALLOWED_BUILD_ARGS.iter().copied());
        keys.filter_map(|k| self.get_build_arg(k, source).map(|v| (k.to_string(), v)))
            .collect()
    }

    /// moby `FilterAllowed`: the usable args as `K=V`, except those the
    /// given environment already defines (the image's `ENV` wins).
    pub fn filter_allowed(&self, filter: &[String]) -> Vec<String> {
        let defined: BTreeSet<&str> = filter
            .iter()
            .map(|e| e.split('=').next().unwrap_or(""))
            .collect();
        self.get_all_allowed()
            .into_iter()
            .filter(|(k, _)| !defined.contains(k.as_str()))
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    }

    /// moby `getBuildArg`.
    fn get_build_arg(
        &self,
        key: &str,
        mapping: &BTreeMap<String, Option<String>>,
    ) -> Option<String> {
        if let Some(Some(v)) = self.args_from_options.get(key) {
            return Some(v.clone());
        }
        match mapping.get(key) {
            Some(Some(v)) => Some(v.clone()),
            // No default: the meta `ARG`'s value, if it had one.
            _ => match self.allowed_meta_args.get(key) {
                Some(Some(v)) => Some(v.clone()),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An argument is usable only after its `ARG`; the command line's
    /// value beats the default; unnamed arguments are reported.
    #[test]
    fn allowed_only_after_arg() {
        let mut opts = BTreeMap::new();
        opts.insert("A".to_string(), Some("cli".to_string()));
        opts.insert("UNUSED".to_string(), None);
        let mut b = BuildArgs::new(opts);
        assert!(b.get_all_allowed().is_empty());
        b.add_arg("A", Some("dflt".into()));
        b.add_arg("B", Some("b".into()));
        b.add_arg("C", None);
        assert_eq!(b.filter_allowed(&["B=env".into()]), vec!["A=cli"]);
        assert_eq!(
            b.unused_build_args_warning().as_deref(),
            Some("[Warning] One or more build-args [UNUSED] were not consumed\n")
        );
    }
}
