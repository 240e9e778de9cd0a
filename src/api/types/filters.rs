//! Query filters: `filters={"status":["running"]}`.
//!
//! Mirrors moby `api/types/filters/parse.go` (v20.10.24) `FromJSON`,
//! which handlers and the daemon both use to read a `filters` query
//! parameter. What each key means is the caller's business.

use std::collections::HashMap;

use serde_json::Value;

use crate::errdefs::{Error, Result};

/// `filters` parsed: key → values. Both the current
/// `{"status":["running"]}` and the old `{"status":{"running":true}}`
/// forms are accepted, as moby's `filters.FromJSON` does.
pub fn from_json(raw: &str) -> Result<HashMap<String, Vec<String>>> {
    let mut out = HashMap::new();
    if raw.trim().is_empty() {
        return Ok(out);
    }
    let v: Value = serde_json::from_str(raw)
        .map_err(|e| Error::invalid_parameter(format!("invalid filter: {e}")))?;
    let obj = v
        .as_object()
        .ok_or_else(|| Error::invalid_parameter("invalid filter: not an object"))?;
    for (k, vals) in obj {
        let list: Vec<String> = match vals {
            Value::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect(),
            Value::Object(o) => o
                .iter()
                .filter(|(_, b)| b.as_bool() == Some(true))
                .map(|(s, _)| s.clone())
                .collect(),
            _ => {
                return Err(Error::invalid_parameter(format!(
                    "invalid filter value for {k}"
                )))
            }
        };
        out.insert(k.clone(), list);
    }
    Ok(out)
}
