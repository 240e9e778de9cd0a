//! `docker import`: one tar becomes a one-layer image.
//!
//! Mirrors moby `daemon/images/image_import.go` and the `changes` half of
//! `builder/dockerfile` (`BuildFromConfig`), v20.10.24. The `changes` are
//! Dockerfile instructions (`CMD ["sh"]`, `ENV A=b`, ...) applied to an
//! empty config; as in moby only the instructions that make sense for a
//! commit are accepted.

use std::collections::BTreeMap;
use std::io::Read;

use super::reference::{self, Named};
use super::store::{History, RootFS, V1Image};
use super::{layer, ImageConfig, ImageService};
use crate::errdefs::{Error, Result};

/// Format a time as Go's `time.RFC3339Nano` does: UTC, `Z`, and the
/// fraction with its trailing zeros trimmed (none when it is zero).
pub fn format_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let nanos = t.nanosecond();
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// The unix seconds of an RFC 3339 time (0 when it does not parse).
pub fn unix_seconds(s: &str) -> i64 {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .unwrap_or(0)
}

/// `runtime.GOARCH` for the host.
pub fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

/// The instructions `docker import --change` / `docker commit --change`
/// accept (moby `validCommitCommands`), less `healthcheck`, which is not
/// implemented here.
const VALID_COMMIT_COMMANDS: &[&str] = &[
    "cmd",
    "entrypoint",
    "env",
    "expose",
    "label",
    "onbuild",
    "user",
    "volume",
    "workdir",
];

/// moby `dockerfile.BuildFromConfig`: apply `changes` to `config`.
pub fn build_from_config(mut config: ImageConfig, changes: &[String]) -> Result<ImageConfig> {
    for line in changes.iter().flat_map(|c| c.lines()) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (instr, rest) = match line.split_once(char::is_whitespace) {
            Some((i, r)) => (i.to_lowercase(), r.trim()),
            None => (line.to_lowercase(), ""),
        };
        if !VALID_COMMIT_COMMANDS.contains(&instr.as_str()) {
            return Err(Error::invalid_parameter(format!(
                "{instr} is not a valid change command"
            )));
        }
        match instr.as_str() {
            "cmd" => config.cmd = Some(command_form(rest)),
            "entrypoint" => {
                config.entrypoint = if rest.is_empty() {
                    None
                } else {
                    Some(command_form(rest))
                }
            }
            "env" => {
                let env = config.env.get_or_insert_with(Vec::new);
                for (k, v) in key_values(rest, "ENV")? {
                    let prefix = format!("{k}=");
                    env.retain(|e| !e.starts_with(&prefix));
                    env.push(format!("{k}={v}"));
                }
            }
            "label" => {
                let labels = config.labels.get_or_insert_with(BTreeMap::new);
                for (k, v) in key_values(rest, "LABEL")? {
                    labels.insert(k, v);
                }
            }
            "expose" => {
                let ports = config.exposed_ports.get_or_insert_with(BTreeMap::new);
                for p in rest.split_whitespace() {
                    let p = if p.contains('/') {
                        p.to_string()
                    } else {
                        format!("{p}/tcp")
                    };
                    ports.insert(p, serde_json::json!({}));
                }
            }
            "volume" => {
                let vols = config.volumes.get_or_insert_with(BTreeMap::new);
                let list: Vec<String> = match serde_json::from_str::<Vec<String>>(rest) {
                    Ok(v) => v,
                    Err(_) => rest.split_whitespace().map(str::to_string).collect(),
                };
                for v in list {
                    vols.insert(v, serde_json::json!({}));
                }
            }
            "user" => config.user = rest.to_string(),
            "workdir" => {
                config.working_dir = if rest.starts_with('/') {
                    rest.to_string()
                } else {
                    let base = if config.working_dir.is_empty() {
                        "/".to_string()
                    } else {
                        config.working_dir.clone()
                    };
                    format!("{}/{}", base.trim_end_matches('/'), rest)
                }
            }
            "onbuild" => config
                .on_build
                .get_or_insert_with(Vec::new)
                .push(rest.to_string()),
            _ => unreachable!("filtered by VALID_COMMIT_COMMANDS"),
        }
    }
    Ok(config)
}

/// The exec form (`["a","b"]`) or the shell form (`/bin/sh -c "..."`).
fn command_form(rest: &str) -> Vec<String> {
    if rest.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Vec<String>>(rest) {
            return v;
        }
    }
    vec!["/bin/sh".into(), "-c".into(), rest.to_string()]
}

/// Split on whitespace outside double or single quotes, dropping the
/// quotes (enough of the Dockerfile word rules for `--change`).
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (_, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (_, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// `ENV`/`LABEL` arguments: `k=v k2="v 2"`, or the legacy `k v w`.
fn key_values(rest: &str, instr: &str) -> Result<Vec<(String, String)>> {
    let ws = words(rest);
    let Some(first) = ws.first() else {
        return Err(Error::invalid_parameter(format!(
            "{instr} requires at least one argument"
        )));
    };
    if !first.contains('=') {
        // Legacy form: the first word is the key, the rest the value.
        let value = rest
            .trim_start()
            .split_once(char::is_whitespace)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default();
        return Ok(vec![(first.clone(), value)]);
    }
    ws.iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(Error::invalid_parameter(format!(
                "Syntax error - can't find = in {w:?}. Must be of the form: name=value"
            ))),
        })
        .collect()
}

/// Parse the `repo` and `tag` of an import into the reference to tag.
pub fn import_reference(repo: &str, tag: &str) -> Result<Option<Named>> {
    if repo.is_empty() {
        return Ok(None);
    }
    let named = reference::parse_normalized_named(repo)?;
    if named.is_canonical() {
        return Err(Error::invalid_parameter("cannot import digest reference"));
    }
    if tag.is_empty() {
        Ok(Some(named))
    } else {
        named.with_tag(tag).map(Some)
    }
}

impl ImageService {
    /// moby `ImageService.ImportImage` with `src == "-"`: the request body
    /// is the tar (plain or gzip). Returns the new image id; the route
    /// writes it as `{"status":"sha256:..."}`.
    pub fn import_image(
        &self,
        src: &mut dyn Read,
        repo: &str,
        tag: &str,
        message: &str,
        changes: &[String],
    ) -> Result<String> {
        let new_ref = import_reference(repo, tag)?;
        let config = build_from_config(ImageConfig::default(), changes)?;
        let msg = if message.is_empty() {
            "Imported from -".to_string()
        } else {
            message.to_string()
        };
        let created = format_time(time::OffsetDateTime::now_utc());
        let id = self.create_single_layer_image(src, config, &created, &msg, new_ref)?;
        self.log_image_event(&id, &id, "import");
        Ok(id)
    }

    /// The common part of import and the busybox build: register the
    /// layer, write the config, tag it.
    pub(crate) fn create_single_layer_image(
        &self,
        src: &mut dyn Read,
        config: ImageConfig,
        created: &str,
        comment: &str,
        new_ref: Option<Named>,
    ) -> Result<String> {
        let tmp = layer::tmp_dir(&self.root)?;
        let result = (|| {
            let tar_path = tmp.join("layer.tar");
            let diff_id = layer::ingest(src, &tar_path)?;
            // A bottom layer's chain id is its diff id; pin it before it
            // exists so that no concurrent `rmi` can release it before
            // the image below refers to it.
            let _pin = layer::pin(&diff_id);
            layer::register(&self.data_root, &self.root, None, &tar_path, &diff_id)?;
            let v1 = V1Image {
                architecture: go_arch().to_string(),
                comment: comment.to_string(),
                config: Some(config),
                container_config: Some(ImageConfig::default()),
                created: created.to_string(),
                docker_version: crate::version::ENGINE_VERSION.to_string(),
                history: vec![History {
                    created: created.to_string(),
                    comment: comment.to_string(),
                    ..Default::default()
                }],
                os: "linux".to_string(),
                rootfs: RootFS {
                    typ: "layers".to_string(),
                    diff_ids: vec![diff_id],
                },
                ..Default::default()
            };
            let raw = v1.to_bytes()?;
            let mut st = self.lock()?;
            let id = st.create(raw)?;
            if let Some(r) = new_ref {
                st.add_tag(r, &id)?;
            }
            Ok(id)
        })();
        let _ = std::fs::remove_dir_all(&tmp);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--change` lines become config fields as `docker import -c` makes them.
    #[test]
    fn changes_apply_like_dockerfile_instructions() {
        let c = build_from_config(
            ImageConfig::default(),
            &[
                r#"CMD ["sh"]"#.into(),
                "ENV PATH=/bin A=\"x y\"".into(),
                "WORKDIR /w".into(),
                "WORKDIR sub".into(),
                "LABEL a=b".into(),
                "EXPOSE 80 53/udp".into(),
                "ENTRYPOINT echo hi".into(),
            ],
        )
        .unwrap();
        assert_eq!(c.cmd, Some(vec!["sh".to_string()]));
        assert_eq!(
            c.env,
            Some(vec!["PATH=/bin".to_string(), "A=x y".to_string()])
        );
        assert_eq!(c.working_dir, "/w/sub");
        assert_eq!(c.labels.unwrap()["a"], "b");
        assert!(c.exposed_ports.unwrap().contains_key("53/udp"));
        assert_eq!(c.entrypoint.unwrap()[0], "/bin/sh");
        let e = build_from_config(ImageConfig::default(), &["RUN x".into()]).unwrap_err();
        assert_eq!(e.message, "run is not a valid change command");
    }

    #[test]
    fn times_format_like_go() {
        let t = time::OffsetDateTime::from_unix_timestamp_nanos(1_795_371_550_909_468_000).unwrap();
        assert_eq!(format_time(t), "2026-11-22T18:19:10.909468Z");
        assert_eq!(unix_seconds("2026-11-22T18:19:10.909468594Z"), 1795371550);
    }
}
