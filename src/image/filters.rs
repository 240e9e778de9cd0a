//! The `filters` query parameter of the image routes.
//!
//! Mirrors moby `api/types/filters/parse.go` (v20.10.24): the JSON is a
//! map from filter name to either `{"value": true}` (the current form) or
//! `["value"]` (the legacy form); both are accepted.

use std::collections::{BTreeMap, BTreeSet};

use crate::errdefs::{Error, Result};

/// moby `filters.Args`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Args {
    fields: BTreeMap<String, BTreeSet<String>>,
}

impl Args {
    /// moby `filters.FromJSON`.
    pub fn from_json(raw: &str) -> Result<Args> {
        let mut args = Args::default();
        if raw.trim().is_empty() {
            return Ok(args);
        }
        let v: serde_json::Value = serde_json::from_str(raw)
            .map_err(|e| Error::invalid_parameter(format!("invalid filter: {e}")))?;
        let obj = v
            .as_object()
            .ok_or_else(|| Error::invalid_parameter("invalid filter: not a JSON object"))?;
        for (k, vals) in obj {
            let set = args.fields.entry(k.clone()).or_default();
            match vals {
                serde_json::Value::Object(m) => {
                    for (val, on) in m {
                        if on.as_bool().unwrap_or(false) {
                            set.insert(val.clone());
                        }
                    }
                }
                serde_json::Value::Array(a) => {
                    for val in a {
                        if let Some(s) = val.as_str() {
                            set.insert(s.to_string());
                        }
                    }
                }
                _ => return Err(Error::invalid_parameter("invalid filter: bad value")),
            }
        }
        Ok(args)
    }

    /// Add a value (for callers that build filters in code).
    pub fn add(&mut self, key: &str, value: &str) {
        self.fields
            .entry(key.to_string())
            .or_default()
            .insert(value.to_string());
    }

    /// moby `Args.Validate`: every key must be accepted.
    pub fn validate(&self, accepted: &[&str]) -> Result<()> {
        match self.fields.keys().find(|k| !accepted.contains(&k.as_str())) {
            Some(k) => Err(Error::invalid_parameter(format!("Invalid filter '{k}'"))),
            None => Ok(()),
        }
    }

    pub fn contains(&self, key: &str) -> bool {
        self.fields.contains_key(key)
    }

    pub fn get(&self, key: &str) -> Vec<String> {
        self.fields
            .get(key)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// moby `Args.ExactMatch`: no values for `key`, or `value` among them.
    pub fn exact_match(&self, key: &str, value: &str) -> bool {
        match self.fields.get(key) {
            None => true,
            Some(s) if s.is_empty() => true,
            Some(s) => s.contains(value),
        }
    }

    /// moby `Args.MatchKVList`: every `k` / `k=v` value present in `labels`.
    pub fn match_kv_list(&self, key: &str, labels: Option<&BTreeMap<String, String>>) -> bool {
        let Some(wanted) = self.fields.get(key) else {
            return true;
        };
        let empty = BTreeMap::new();
        let labels = labels.unwrap_or(&empty);
        wanted.iter().all(|w| match w.split_once('=') {
            Some((k, v)) => labels.get(k).is_some_and(|x| x == v),
            None => labels.contains_key(w.as_str()),
        })
    }
}

/// Go's `path.Match` for the patterns `reference` filters use: `*` (any
/// run without `/`), `?` and literal characters. Character classes are
/// not supported and match literally.
pub fn path_match(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len())
                .take_while(|&i| i == 0 || n[i - 1] != '/')
                .any(|i| go(&p[1..], &n[i..])),
            Some('?') => !n.is_empty() && n[0] != '/' && go(&p[1..], &n[1..]),
            Some(c) => n.first() == Some(c) && go(&p[1..], &n[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    go(&p, &n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both JSON forms the CLI has sent over the years parse the same.
    #[test]
    fn parses_both_forms() {
        let a = Args::from_json(r#"{"dangling":{"true":true}}"#).unwrap();
        let b = Args::from_json(r#"{"dangling":["true"]}"#).unwrap();
        assert_eq!(a, b);
        assert!(a.exact_match("dangling", "true"));
        assert!(!a.exact_match("dangling", "false"));
        assert_eq!(
            a.validate(&["label"]).unwrap_err().message,
            "Invalid filter 'dangling'"
        );
    }

    #[test]
    fn globs_like_path_match() {
        assert!(path_match("busy*", "busybox"));
        assert!(path_match("busybox:*", "busybox:latest"));
        assert!(!path_match("*", "a/b"));
        assert!(path_match("a/?", "a/b"));
    }
}
