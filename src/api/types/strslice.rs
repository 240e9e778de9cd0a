//! `StrSlice`: a list of strings that a client may also send as one string.
//!
//! Mirrors moby `api/types/strslice/strslice.go` (v20.10.24). `Cmd`,
//! `Entrypoint` and `Shell` of a container's config are `StrSlice`s in Go:
//! `"Cmd": ["echo", "hi"]` and `"Cmd": "echo hi"` both decode, the second
//! as a list of one string (which the runtime then runs as one program
//! name, exactly as dockerd does; it is not split on spaces). `null` is no
//! list at all. Older clients and hand-written requests send the string
//! form, so refusing it would break them.

use serde::{Deserialize, Deserializer};

/// `#[serde(deserialize_with = "strslice::deserialize")]` for an
/// `Option<Vec<String>>` field: an array, a single string, or null.
pub fn deserialize<'de, D>(deserializer: D) -> Result<Option<Vec<String>>, D::Error>
where
    D: Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum StrSlice {
        List(Vec<String>),
        One(String),
    }
    Ok(
        match Option::<StrSlice>::deserialize(deserializer).map_err(|_| {
            serde::de::Error::custom("invalid type: expected a string or an array of strings")
        })? {
            None => None,
            Some(StrSlice::List(v)) => Some(v),
            Some(StrSlice::One(s)) => Some(vec![s]),
        },
    )
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct C {
        #[serde(rename = "Cmd", default, deserialize_with = "super::deserialize")]
        cmd: Option<Vec<String>>,
    }

    fn cmd(json: &str) -> Result<Option<Vec<String>>, serde_json::Error> {
        serde_json::from_str::<C>(json).map(|c| c.cmd)
    }

    /// The forms moby's `StrSlice.UnmarshalJSON` accepts, and one it does not.
    #[test]
    fn strslice_takes_a_list_a_string_or_null() {
        assert_eq!(
            cmd(r#"{"Cmd":["echo","hi"]}"#).unwrap(),
            Some(vec!["echo".into(), "hi".into()])
        );
        assert_eq!(
            cmd(r#"{"Cmd":"echo hi"}"#).unwrap(),
            Some(vec!["echo hi".into()])
        );
        assert_eq!(cmd(r#"{"Cmd":null}"#).unwrap(), None);
        assert_eq!(cmd(r#"{}"#).unwrap(), None);
        assert!(cmd(r#"{"Cmd":5}"#).is_err());
    }
}
