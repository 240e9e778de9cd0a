//! Event filters for `GET /events?filters=...`.
//!
//! Mirrors moby `daemon/events/filter.go` (v20.10.24): an event passes when
//! it matches every filter key given (type, event, container, image, label,
//! ...); within one key, any of the values may match.

use std::collections::HashMap;

use super::Message;

/// Parsed `filters` JSON: `{"type":["container"],"event":["start"]}` (the
/// old `{"type":{"container":true}}` form is accepted too).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    args: HashMap<String, Vec<String>>,
}

impl Filter {
    pub fn parse(raw: &str) -> Result<Filter, String> {
        if raw.trim().is_empty() {
            return Ok(Filter::default());
        }
        let v: serde_json::Value =
            serde_json::from_str(raw).map_err(|e| format!("invalid filter: {e}"))?;
        let mut args = HashMap::new();
        let obj = v.as_object().ok_or("invalid filter: not an object")?;
        for (k, vals) in obj {
            let list: Vec<String> = match vals {
                serde_json::Value::Array(a) => a
                    .iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect(),
                serde_json::Value::Object(o) => o
                    .iter()
                    .filter(|(_, b)| b.as_bool() == Some(true))
                    .map(|(s, _)| s.clone())
                    .collect(),
                _ => return Err(format!("invalid filter value for {k}")),
            };
            args.insert(k.clone(), list);
        }
        Ok(Filter { args })
    }

    /// The values given for `key` (empty when the key is absent). Other
    /// filtered lists (volumes, networks) read their keys through this, as
    /// moby's `filters.Args.Get` serves every list endpoint.
    pub fn get(&self, key: &str) -> &[String] {
        self.args.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The keys given, for rejecting the ones a list does not support.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.args.keys().map(String::as_str)
    }

    fn matches_key(&self, key: &str, candidates: &[&str]) -> bool {
        match self.args.get(key) {
            None => true,
            Some(vals) if vals.is_empty() => true,
            Some(vals) => vals.iter().any(|v| {
                candidates.iter().any(|c| {
                    !c.is_empty()
                        && (c == v
                            || (key == "container" || key == "image") && c.starts_with(v.as_str()))
                })
            }),
        }
    }

    /// moby `Filter.Include`.
    pub fn include(&self, m: &Message) -> bool {
        let name = m
            .actor
            .attributes
            .get("name")
            .map(String::as_str)
            .unwrap_or("");
        let image = m
            .actor
            .attributes
            .get("image")
            .map(String::as_str)
            .unwrap_or("");
        // exec events carry "exec_start: cmd"; moby matches on the part before ':'.
        let action = m.action.split(':').next().unwrap_or("");
        self.matches_key("type", &[&m.typ])
            && self.matches_key("event", &[&m.action, action])
            // moby `fuzzyMatchName`: a `container` (or `volume`,
            // `network`) filter judges every event by its actor's id and
            // name, whatever its type, so `--filter container=web` lets no
            // image or volume event through (unless one is named `web`).
            && self.matches_key("container", &[&m.actor.id, name])
            && self.matches_key("volume", &[&m.actor.id, name])
            && self.matches_key("network", &[&m.actor.id, name])
            && self.matches_key(
                "image",
                &[
                    image,
                    if m.typ == "image" { &m.actor.id } else { "" },
                    if m.typ == "image" { name } else { "" },
                ],
            )
            && self.matches_labels(m)
            && self.matches_key("scope", &[&m.scope])
    }

    fn matches_labels(&self, m: &Message) -> bool {
        let Some(labels) = self.args.get("label") else {
            return true;
        };
        labels.iter().all(|l| match l.split_once('=') {
            Some((k, v)) => m.actor.attributes.get(k).map(String::as_str) == Some(v),
            None => m.actor.attributes.contains_key(l.as_str()),
        })
    }
}
