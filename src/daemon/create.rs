//! `POST /containers/create`: turn a client's config into a container.
//!
//! Mirrors moby `daemon/create.go` (v20.10.24): `ContainerCreate` →
//! `containerCreate` (verify the settings, find the image) → `create`
//! (merge the image's config into the client's, `newContainer` with a
//! fresh id and a reserved name, write it to disk, register it), and the
//! `merge` of `daemon/commit.go`. The order matters, because it decides
//! which error a bad request gets first: image (404), then "No command
//! specified" (400), then the name (400 invalid / 409 taken).
//!
//! Nothing is left half made on failure: the name reservation is released
//! and the container directory removed, as moby's deferred cleanups do.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::Daemon;
use crate::api::types::container::{Config, ContainerCreateConfig, CreateResponse};
use crate::container::{lock, short_id, Container};
use crate::errdefs::{Error, Result};
use crate::image::ImageConfig;

impl Daemon {
    /// moby `ContainerCreate`: 201 `{"Id","Warnings":[]}`.
    pub fn container_create(
        &self,
        name: &str,
        params: ContainerCreateConfig,
    ) -> Result<CreateResponse> {
        let start = Instant::now();
        trace_event!(
            "backend",
            "enter",
            "Daemon.ContainerCreate",
            name = name,
            image = params.config.image.as_str()
        );
        let result = self.container_create_inner(name, params);
        match &result {
            Ok(r) => trace_event!(
                "backend",
                "exit",
                "Daemon.ContainerCreate",
                container = r.id.as_str(),
                dur_us = crate::trace::micros_since(start)
            ),
            Err(e) => trace_event!(
                "backend",
                "exit",
                "Daemon.ContainerCreate",
                error = e.message.as_str(),
                dur_us = crate::trace::micros_since(start)
            ),
        }
        result
    }

    fn container_create_inner(
        &self,
        name: &str,
        params: ContainerCreateConfig,
    ) -> Result<CreateResponse> {
        let mut config = params.config;
        let mut host_config = params.host_config.unwrap_or_default();
        let warnings = super::verify::verify_container_settings(&config, &host_config)?;
        self.verify_references(&host_config, params.networking_config.as_ref())?;

        // The image: 404 "No such image: busybox:latest" makes the docker
        // CLI pull and try again.
        if config.image.is_empty() {
            return Err(Error::invalid_parameter(
                "No image specified: Config.Image must name an image",
            ));
        }
        let image = self.image_service()?.get_image(&config.image)?;
        trace_event!(
            "backend",
            "event",
            "Daemon.ContainerCreate.GetImage",
            image = image.id.as_str()
        );

        // moby `mergeAndVerifyConfig`: an entrypoint of `[""]` (what
        // `docker run --entrypoint ""` and the builder's `RUN` send) means
        // none, not even the image's.
        merge(&mut config, &image.config);
        if config.entrypoint.as_deref() == Some(&[String::new()]) {
            config.entrypoint = None;
        }
        let (path, args) = entrypoint_and_args(&config)
            .ok_or_else(|| Error::invalid_parameter("No command specified"))?;

        let (id, name) = self.generate_id_and_name(name)?;
        if config.hostname.is_empty() {
            // dockerd names the host after the short id.
            config.hostname = short_id(&id).to_string();
        }
        host_config.fill_defaults();
        self.resolve_volumes_from(&mut host_config)?;

        let mut c = Container::new(id.clone(), name.clone(), &self.containers_dir());
        c.path = path;
        c.args = args;
        c.config = config;
        c.host_config = host_config;
        c.networks = self.initial_networks(&c.host_config.network_mode);
        c.image = image.id.clone();
        self.register_anonymous_volumes(&mut c)?;
        if let Err(e) = c.to_disk() {
            // Undo what is done: the directory and the name.
            let _ = std::fs::remove_dir_all(&c.root);
            self.release_name(&name);
            return Err(Error::system(format!("creating the container: {e}")));
        }
        // Named volumes are created now and counted as used by us, as
        // moby's `create` registers the mount points.
        self.reference_volumes(&c, true);
        let labels = c.config.labels();
        let image_name = c.config.image.clone();
        self.containers.add(&id, Arc::new(Mutex::new(c)));
        self.log_container_event(&id, "create", &name, &image_name, &labels, &[]);
        Ok(CreateResponse { id, warnings })
    }

    /// The image name a container was created from, as events show it.
    pub(crate) fn event_attrs(
        c: &Container,
    ) -> (String, String, std::collections::BTreeMap<String, String>) {
        (c.name.clone(), c.config.image.clone(), c.config.labels())
    }

    /// Log an event for `c` with its name, image and labels.
    pub(crate) fn log_event_for(
        &self,
        c: &crate::container::ContainerRef,
        action: &str,
        extra: &[(&str, String)],
    ) {
        let (id, (name, image, labels)) = {
            let c = lock(c);
            (c.id.clone(), Self::event_attrs(&c))
        };
        self.log_container_event(&id, action, &name, &image, &labels, extra);
    }
}

/// The runtime's network mode for `HostConfig.NetworkMode`: the default
/// `bridge` and user networks are a network namespace of the container's
/// own (joined to its networks at start, `container_operations.rs`).
/// dockerd's `container:<id>` (join another container's namespace) is
/// refused honestly.
pub(crate) fn network_mode(mode: &str) -> Result<crate::runtime::NetworkMode> {
    use crate::runtime::NetworkMode;
    match mode {
        "none" => Ok(NetworkMode::None),
        "host" => Ok(NetworkMode::Host),
        other if other.starts_with("container:") => Err(Error::not_implemented(format!(
            "network mode \"{other}\" is not supported by mini-dockerd: it has no way to share another container's network namespace yet"
        ))),
        _ => Ok(NetworkMode::Private),
    }
}

/// One `-v` as the client wrote it: a host path or a named volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParsedBind {
    /// An absolute host path, or `None` for a named volume.
    pub host_path: Option<std::path::PathBuf>,
    /// The volume name when `host_path` is `None`.
    pub volume: String,
    pub destination: String,
    pub read_only: bool,
}

/// Parse one `-v`: `src:dst[:opts]` (moby `volume/mounts/linux_parser.go`).
/// An absolute `src` is a bind of a host path; anything else names a
/// volume of the volume service, created on first use as `docker run -v
/// name:/x` does.
pub(crate) fn parse_bind(spec: &str) -> Result<ParsedBind> {
    let invalid = || Error::invalid_parameter(format!("invalid volume specification: '{spec}'"));
    let parts: Vec<&str> = spec.split(':').collect();
    let (src, dst, mode) = match parts.as_slice() {
        [src, dst] => (*src, *dst, ""),
        [src, dst, mode] => (*src, *dst, *mode),
        _ => return Err(invalid()),
    };
    if src.is_empty() || dst.is_empty() {
        return Err(invalid());
    }
    if !dst.starts_with('/') {
        return Err(Error::invalid_parameter(format!(
            "invalid volume specification: '{spec}': invalid mount config for type \"bind\": invalid mount path: '{dst}' mount path must be absolute"
        )));
    }
    let mut read_only = false;
    for opt in mode.split(',').filter(|o| !o.is_empty()) {
        match opt {
            "ro" => read_only = true,
            "rw" | "z" | "Z" | "private" | "rprivate" | "shared" | "rshared" | "slave"
            | "rslave" | "nocopy" => {}
            _ => return Err(Error::invalid_parameter(format!("invalid mode: {opt}"))),
        }
    }
    if src.starts_with('/') {
        return Ok(ParsedBind {
            host_path: Some(src.into()),
            volume: String::new(),
            destination: dst.to_string(),
            read_only,
        });
    }
    // moby `volume/local` name rule, with `create`'s wording.
    crate::volume::check_name(src)?;
    Ok(ParsedBind {
        host_path: None,
        volume: src.to_string(),
        destination: dst.to_string(),
        read_only,
    })
}

impl Daemon {
    /// Record (or drop) container `id`'s use of its named volumes, so that
    /// `docker volume rm` answers 409 while the container exists.
    pub(crate) fn reference_volumes(&self, c: &Container, add: bool) {
        let points = self.container_mount_points(c).unwrap_or_default();
        for p in points
            .iter()
            .filter(|p| p.kind == super::volumes::MountType::Volume)
        {
            if add {
                if let Err(e) = self
                    .volumes
                    .volume_path(&p.volume)
                    .and_then(|_| self.volumes.reference(&p.volume, &c.id))
                {
                    tracing::warn!("volume {}: {}", p.volume, e.message);
                }
            } else {
                self.volumes.dereference(&p.volume, &c.id);
            }
        }
    }
}

/// moby `daemon/commit.go` `merge(userConf, imageConf)`: the image's
/// config fills what the client left empty.
pub(crate) fn merge(user: &mut Config, image: &ImageConfig) {
    if user.user.is_empty() {
        user.user = image.user.clone();
    }
    // `len(userConf.ExposedPorts) == 0`: an empty map (the CLI sends
    // `{}`) takes the image's value, null included.
    match (&mut user.exposed_ports, &image.exposed_ports) {
        (Some(mine), ports) if !mine.is_empty() => {
            for (k, v) in ports.iter().flatten() {
                mine.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        (mine, ports) => *mine = ports.clone(),
    }
    match (&mut user.env, &image.env) {
        (Some(env), Some(image_env)) if !env.is_empty() => {
            // The client's value wins for a variable both define.
            for ie in image_env {
                let key = ie.split('=').next().unwrap_or("");
                if !env.iter().any(|e| e.split('=').next() == Some(key)) {
                    env.push(ie.clone());
                }
            }
        }
        (env, image_env) => {
            if env.as_ref().is_none_or(|e| e.is_empty()) {
                *env = image_env.clone();
            }
        }
    }
    // Labels are never null after a merge (moby makes the map).
    let mine = user.labels.get_or_insert_with(Default::default);
    for (k, v) in image.labels.iter().flatten() {
        mine.entry(k.clone()).or_insert_with(|| v.clone());
    }
    if user.entrypoint.as_ref().is_none_or(|e| e.is_empty()) {
        if user.cmd.as_ref().is_none_or(|c| c.is_empty()) {
            user.cmd = image.cmd.clone();
            user.args_escaped = image.args_escaped;
        }
        if user.entrypoint.is_none() {
            user.entrypoint = image.entrypoint.clone();
        }
    }
    merge_healthcheck(&mut user.healthcheck, image.healthcheck.as_ref());
    if user.working_dir.is_empty() {
        user.working_dir = image.working_dir.clone();
    }
    // `len(userConf.Volumes) == 0` takes the image's; otherwise the
    // image's volumes are added (moby overwrites, the values are `{}`).
    match (&mut user.volumes, &image.volumes) {
        (Some(mine), vols) if !mine.is_empty() => {
            for (k, v) in vols.iter().flatten() {
                mine.insert(k.clone(), v.clone());
            }
        }
        (mine, vols) => *mine = vols.clone(),
    }
    if user.stop_signal.is_empty() {
        user.stop_signal = image.stop_signal.clone();
    }
}

/// moby `getEntrypointAndArgs`: `Entrypoint + Cmd`, split into the
/// executable and its arguments; `None` when there is nothing to run.
pub(crate) fn entrypoint_and_args(config: &Config) -> Option<(String, Vec<String>)> {
    let mut all: Vec<String> = config.entrypoint.clone().unwrap_or_default();
    all.extend(config.cmd.clone().unwrap_or_default());
    if all.is_empty() {
        return None;
    }
    let path = all.remove(0);
    Some((path, all))
}

/// moby `merge` for `Healthcheck`: no check of the container's own takes
/// the image's; a partial one (`docker run --health-interval 1s` on an
/// image with a `HEALTHCHECK`) takes each field it leaves out (empty or 0)
/// from the image's.
fn merge_healthcheck(user: &mut Option<serde_json::Value>, image: Option<&serde_json::Value>) {
    let Some(image) = image.filter(|v| !v.is_null()) else {
        return;
    };
    let Some(serde_json::Value::Object(mine)) = user else {
        *user = Some(image.clone());
        return;
    };
    for key in ["Test", "Interval", "Timeout", "StartPeriod", "Retries"] {
        let unset = match mine.get(key) {
            None | Some(serde_json::Value::Null) => true,
            Some(serde_json::Value::Array(a)) => a.is_empty(),
            Some(v) => v.as_i64() == Some(0),
        };
        if let (true, Some(v)) = (unset, image.get(key)) {
            mine.insert(key.to_string(), v.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    /// moby `merge`: a partial `Healthcheck` from `docker run
    /// --health-*` keeps what it sets and takes the rest from the image's;
    /// none at all takes the image's whole.
    #[test]
    fn healthcheck_merges_field_by_field() {
        let image = serde_json::json!({"Test": ["CMD-SHELL", "true"], "Interval": 5, "Retries": 2});
        let mut user = Some(serde_json::json!({"Interval": 7, "Test": null}));
        merge_healthcheck(&mut user, Some(&image));
        assert_eq!(
            user.unwrap(),
            serde_json::json!({"Interval": 7, "Test": ["CMD-SHELL", "true"], "Retries": 2})
        );
        let mut none = None;
        merge_healthcheck(&mut none, Some(&image));
        assert_eq!(none.as_ref(), Some(&image));
        let mut off = Some(serde_json::json!({"Test": ["NONE"]}));
        merge_healthcheck(&mut off, Some(&image));
        assert_eq!(off.unwrap()["Test"], serde_json::json!(["NONE"]));
    }

    use super::*;

    /// moby's merge: the image's Cmd and Env fill the gaps; the client's
    /// Env wins per variable.
    #[test]
    fn merge_image_config() {
        let mut user = Config {
            env: Some(vec!["A=1".into()]),
            ..Config::default()
        };
        let image = ImageConfig {
            cmd: Some(vec!["sh".into()]),
            env: Some(vec!["PATH=/bin".into(), "A=2".into()]),
            working_dir: "/w".into(),
            ..ImageConfig::default()
        };
        merge(&mut user, &image);
        assert_eq!(user.cmd, Some(vec!["sh".to_string()]));
        assert_eq!(
            user.env,
            Some(vec!["A=1".to_string(), "PATH=/bin".to_string()])
        );
        assert_eq!(user.working_dir, "/w");
        assert_eq!(entrypoint_and_args(&user), Some(("sh".to_string(), vec![])));
    }

    /// Neither Entrypoint nor Cmd (from the client or the image): the
    /// create fails with dockerd's "No command specified".
    #[test]
    fn no_command() {
        let mut user = Config::default();
        merge(&mut user, &ImageConfig::default());
        assert_eq!(entrypoint_and_args(&user), None);
    }

    #[test]
    fn binds() {
        let b = parse_bind("/tmp:/data:ro").unwrap();
        assert!(b.read_only);
        assert_eq!(b.destination, "/data");
        assert_eq!(parse_bind("v1:/data").unwrap().volume, "v1");
        assert!(parse_bind("v 1:/data").is_err());
        assert!(parse_bind("/tmp:data").is_err());
    }
}
