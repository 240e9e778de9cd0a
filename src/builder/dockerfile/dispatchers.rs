//! What each instruction does.
//!
//! Mirrors moby `builder/dockerfile/dispatchers.go` and
//! `dispatchers_unix.go` (v20.10.24), one function per instruction, in
//! moby's order. Each changes the stage's config and commits a step:
//! through a container for most (`internals.rs`), through a writable
//! layer for `COPY` and `ADD`. The text each commits with is the
//! history's `created_by`, written as moby writes it (Go's `%q` and `%v`
//! included).
//!
//! Not here: `COPY --from`, `--chmod` (BuildKit only, as in moby) and
//! `FROM scratch`.

use super::containerbackend::RunError;
use super::copy;
use super::evaluator::{dispatch, DispatchRequest};
use super::instructions::{
    self, format_go_duration, HealthConfig, KeyValuePairOptional, ShellDependantCmdLine, Stage,
};
use super::internals::{
    get_shell, go_quote, go_quote_rune, go_quote_slice, go_slice, with_cmd_comment_string,
};
use super::parser;
use crate::api::types::container::Config;
use crate::errdefs::{Error, Result};
use crate::image::Image;

/// moby's answer to a BuildKit-only flag.
fn requires_buildkit(flag: &str) -> Error {
    Error::system(format!(
        "the --{flag} option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled"
    ))
}

/// moby `dispatchEnv`: `ENV k=v ...` sets (or replaces) the variables.
pub fn dispatch_env(d: &mut DispatchRequest<'_>, env: &[(String, String)]) -> Result<()> {
    let mut commit_message = String::from("ENV");
    let run_env = d.state.run_config.env.get_or_insert_with(Vec::new);
    for (name, value) in env {
        let new_var = format!("{name}={value}");
        commit_message.push(' ');
        commit_message.push_str(&new_var);
        match run_env
            .iter_mut()
            .find(|e| e.split('=').next() == Some(name.as_str()))
        {
            Some(existing) => *existing = new_var,
            None => run_env.push(new_var),
        }
    }
    d.builder.commit(&mut d.state, &commit_message)
}

/// moby `dispatchMaintainer`.
pub fn dispatch_maintainer(d: &mut DispatchRequest<'_>, maintainer: &str) -> Result<()> {
    d.state.maintainer = maintainer.to_string();
    d.builder
        .commit(&mut d.state, &format!("MAINTAINER {maintainer}"))
}

/// moby `dispatchLabel`.
pub fn dispatch_label(d: &mut DispatchRequest<'_>, labels: &[(String, String)]) -> Result<()> {
    let mine = d
        .state
        .run_config
        .labels
        .get_or_insert_with(Default::default);
    let mut commit_str = String::from("LABEL");
    for (k, v) in labels {
        mine.insert(k.clone(), v.clone());
        commit_str.push_str(&format!(" {k}={v}"));
    }
    d.builder.commit(&mut d.state, &commit_str)
}

/// moby `dispatchAdd`: like `COPY`, and a local tar is extracted.
pub fn dispatch_add(
    d: &mut DispatchRequest<'_>,
    sources_and_dest: &[String],
    chown: &str,
    chmod: &str,
) -> Result<()> {
    if !chmod.is_empty() {
        return Err(requires_buildkit("chmod"));
    }
    let mut inst = copy::create_copy_instruction(d.source, sources_and_dest, "ADD")?;
    inst.chown_str = chown.to_string();
    inst.allow_local_decompression = true;
    d.builder.perform_copy(&mut d.state, inst, d.source)
}

/// moby `dispatchCopy`.
pub fn dispatch_copy(
    d: &mut DispatchRequest<'_>,
    sources_and_dest: &[String],
    from: &str,
    chown: &str,
    chmod: &str,
) -> Result<()> {
    if !chmod.is_empty() {
        return Err(requires_buildkit("chmod"));
    }
    if !from.is_empty() {
        return Err(Error::not_implemented(format!(
            "COPY --from={from} is not supported by mini-dockerd's builder: it copies from the build context only"
        )));
    }
    let mut inst = copy::create_copy_instruction(d.source, sources_and_dest, "COPY")?;
    inst.chown_str = chown.to_string();
    d.builder.perform_copy(&mut d.state, inst, d.source)
}

/// moby `initializeStage`: `FROM image [AS name]` starts a stage from a
/// local image or an earlier stage, then runs the image's `ONBUILD`
/// triggers.
pub fn initialize_stage(d: &mut DispatchRequest<'_>, stage: &Stage) -> Result<()> {
    if !stage.platform.is_empty() {
        return Err(Error::not_implemented(format!(
            "--platform={} is not supported by mini-dockerd's builder: it builds for this host only",
            stage.platform
        )));
    }
    let image = get_from_image(d, &stage.base_name)?;
    d.state.begin_stage(&stage.name, image)?;
    let triggers = d.state.run_config.on_build.take().unwrap_or_default();
    if !triggers.is_empty() {
        return dispatch_triggered_on_build(d, &triggers);
    }
    Ok(())
}

/// moby `dispatchTriggeredOnBuild`: each trigger is parsed and run as a
/// step of its own, without a `Step` line.
fn dispatch_triggered_on_build(d: &mut DispatchRequest<'_>, triggers: &[String]) -> Result<()> {
    let out = d.builder.out.clone();
    let _ = out.stdout(format!("# Executing {} build trigger", triggers.len()));
    if triggers.len() > 1 {
        let _ = out.stdout("s");
    }
    let _ = out.stdout("\n");
    for trigger in triggers {
        d.state.update_run_config();
        let ast = parser::parse(trigger).map_err(|e| Error::system(e.message))?;
        let [node] = ast.children.as_slice() else {
            return Err(Error::system(
                "onbuild trigger should be a single expression",
            ));
        };
        let cmd = instructions::parse_command(node).map_err(Error::system)?;
        dispatch(d, cmd)?;
    }
    Ok(())
}

/// moby `getExpandedString`: `FROM` sees only the meta args.
fn get_expanded_string(d: &DispatchRequest<'_>, s: &str) -> Result<String> {
    let env: std::collections::HashMap<String, String> =
        d.state.build_args.get_all_meta().into_iter().collect();
    d.shlex
        .process_word_with_map(s, &env)
        .map_err(Error::system)
}

/// moby `getFromImage` and `getImageOrStage`.
fn get_from_image(d: &mut DispatchRequest<'_>, basename: &str) -> Result<Image> {
    let mut name = get_expanded_string(d, basename)?;
    if name.is_empty() {
        return Err(Error::system(format!(
            "base name ({basename}) should not be blank"
        )));
    }
    let mut local_only = false;
    if let Some(stage) = d.stages.get_by_name(&name) {
        name = stage.image.clone();
        local_only = true;
    }
    if name == "scratch" {
        // moby starts from no image at all. Here every container and
        // every commit needs a parent image, so this is refused.
        return Err(Error::not_implemented(
            "FROM scratch is not supported by mini-dockerd's builder; start from a local image \
             (an empty one: `tar cf - -T /dev/null | docker import - empty`)",
        ));
    }
    d.builder
        .docker
        .get_image_and_releasable_layer(&name, local_only)
}

/// moby `dispatchOnbuild`.
pub fn dispatch_onbuild(d: &mut DispatchRequest<'_>, expression: &str) -> Result<()> {
    d.state
        .run_config
        .on_build
        .get_or_insert_with(Vec::new)
        .push(expression.to_string());
    d.builder
        .commit(&mut d.state, &format!("ONBUILD {expression}"))
}

/// moby `normalizeWorkdir` (unix): a relative path is under the current
/// working directory.
fn normalize_workdir(current: &str, requested: &str) -> Result<String> {
    if requested.is_empty() {
        return Err(Error::system("cannot normalize nothing"));
    }
    if requested.starts_with('/') {
        return Ok(requested.to_string());
    }
    let joined = format!("/{current}/{requested}");
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    Ok(format!("/{}", parts.join("/")))
}

/// moby `dispatchWorkdir`: set the working directory and create it, in a
/// container made for the purpose, so that the image has it.
pub fn dispatch_workdir(d: &mut DispatchRequest<'_>, path: &str) -> Result<()> {
    let run_config = &mut d.state.run_config;
    run_config.working_dir = normalize_workdir(&run_config.working_dir, path)?;
    let comment = format!("WORKDIR {}", run_config.working_dir);
    let mut run_config_with_comment_cmd = with_cmd_comment_string(run_config, &comment);
    let id = d.builder.create(run_config_with_comment_cmd.clone())?;
    d.builder.docker.clone().container_create_workdir(&id)?;
    // The create filled in the hostname of the config moby shares with
    // the commit (see `Builder::commit`).
    run_config_with_comment_cmd.hostname = crate::container::short_id(&id).to_string();
    d.builder
        .commit_container(&mut d.state, &id, run_config_with_comment_cmd)
}

/// moby `resolveCmdLine` (unix): the shell form gets the shell in front.
fn resolve_cmd_line(cmd: &ShellDependantCmdLine, run_config: &Config) -> Option<Vec<String>> {
    match &cmd.cmd_line {
        Some(line) if cmd.prepend_shell => {
            let mut all = get_shell(run_config);
            all.extend(line.iter().cloned());
            Some(all)
        }
        other => other.clone(),
    }
}

/// moby `dispatchRun`: run the command in a container from the current
/// image, its output in the build's, and commit what it changed. A
/// non-zero exit ends the build with moby's message and the exit code.
pub fn dispatch_run(
    d: &mut DispatchRequest<'_>,
    cmd_line: &ShellDependantCmdLine,
    flags_used: &[String],
) -> Result<()> {
    if let Some(flag) = flags_used.first() {
        return Err(requires_buildkit(flag));
    }
    let state_run_config = d.state.run_config.clone();
    let cmd_from_args = resolve_cmd_line(cmd_line, &state_run_config).unwrap_or_default();
    let env = state_run_config.env.clone().unwrap_or_default();
    let build_args = d.state.build_args.filter_allowed(&env);
    let save_cmd = if build_args.is_empty() {
        cmd_from_args.clone()
    } else {
        prepend_env_on_cmd(&d.state.build_args, &build_args, &cmd_from_args)
    };

    // What the image records: the command (with the build args that
    // were in play, so that a different value makes a different step),
    // without the entrypoint.
    let mut run_config_for_cache_probe = state_run_config.clone();
    run_config_for_cache_probe.cmd = Some(save_cmd.clone());
    run_config_for_cache_probe.args_escaped = false;
    if !save_cmd.is_empty() {
        run_config_for_cache_probe.entrypoint = None;
    }

    // What runs: the command, with the build args in its environment, no
    // entrypoint (`[""]`, which the create turns into none) and no
    // health check.
    let mut run_config = state_run_config.clone();
    run_config.cmd = Some(cmd_from_args.clone());
    run_config.args_escaped = false;
    let mut run_env = env;
    run_env.extend(build_args);
    run_config.env = Some(run_env);
    if !save_cmd.is_empty() {
        run_config.entrypoint = Some(vec![String::new()]);
    }
    run_config.healthcheck = Some(serde_json::json!({ "Test": ["NONE"] }));

    let id = d.builder.create(run_config)?;
    let out = d.builder.out.clone();
    match d.builder.container_manager.run(&id, &out) {
        Ok(()) => {}
        Err(RunError::StatusCode(e)) => {
            let mut msg = format!(
                "The command '{}' returned a non-zero code: {}",
                cmd_from_args.join(" "),
                e.code
            );
            if !e.err.is_empty() {
                msg = format!("{msg}: {}", e.err);
            }
            return Err(Error::system(msg).with_code(e.code));
        }
        Err(RunError::Other(e)) => return Err(e),
    }
    d.builder
        .commit_container(&mut d.state, &id, run_config_for_cache_probe)
}

/// moby `prependEnvOnCmd`: `|<n> K=V ... cmd`, the build args that count
/// (the proxy ones only when an `ARG` names them), sorted.
fn prepend_env_on_cmd(
    build_args: &super::buildargs::BuildArgs,
    build_arg_vars: &[String],
    cmd: &[String],
) -> Vec<String> {
    let mut tmp_build_env: Vec<String> = build_arg_vars
        .iter()
        .filter(|e| build_args.is_referenced_or_not_builtin(e.split('=').next().unwrap_or("")))
        .cloned()
        .collect();
    tmp_build_env.sort();
    let mut all = vec![format!("|{}", tmp_build_env.len())];
    all.extend(tmp_build_env);
    all.extend(cmd.iter().cloned());
    all
}

/// moby `dispatchCmd`.
pub fn dispatch_cmd(d: &mut DispatchRequest<'_>, cmd_line: &ShellDependantCmdLine) -> Result<()> {
    let cmd = resolve_cmd_line(cmd_line, &d.state.run_config);
    let message = format!("CMD {}", go_quote_slice(cmd.as_deref()));
    d.state.run_config.cmd = cmd;
    d.state.run_config.args_escaped = false;
    d.builder.commit(&mut d.state, &message)?;
    if cmd_line.cmd_line.as_ref().is_some_and(|c| !c.is_empty()) {
        d.state.cmd_set = true;
    }
    Ok(())
}

/// moby `dispatchHealthcheck`: the image's health check (the daemon here
/// does not run health checks, but the image keeps it, for a daemon that
/// does). The history shows the config as Go's `%q` prints the struct.
///
/// One dockerd 20.10 quirk is not copied: its step containers share the
/// health check with the builder's config (a Go pointer), and the
/// create fills unset durations from the image's, so a later
/// `HEALTHCHECK` without `--interval` inherits an earlier one's in the
/// final config. Here each `HEALTHCHECK` is what it says.
pub fn dispatch_healthcheck(d: &mut DispatchRequest<'_>, health: &HealthConfig) -> Result<()> {
    let old_test: Vec<String> = d
        .state
        .run_config
        .healthcheck
        .as_ref()
        .and_then(|h| h.get("Test"))
        .and_then(|t| serde_json::from_value(t.clone()).ok())
        .unwrap_or_default();
    if old_test.first().is_some_and(|t| t != "NONE") {
        let _ = d.builder.out.stdout(format!(
            "Note: overriding previous HEALTHCHECK: {}\n",
            go_slice(&old_test)
        ));
    }
    d.state.run_config.healthcheck = Some(health.to_json());
    let message = format!(
        "HEALTHCHECK &{{{} {} {} {} {}}}",
        go_quote_slice(Some(&health.test)),
        go_quote(&format_go_duration(health.interval)),
        go_quote(&format_go_duration(health.timeout)),
        go_quote(&format_go_duration(health.start_period)),
        go_quote_rune(health.retries),
    );
    d.builder.commit(&mut d.state, &message)
}

/// moby `dispatchEntrypoint`: a new entrypoint drops a `CMD` inherited
/// from the base image, but not one given in this stage.
pub fn dispatch_entrypoint(
    d: &mut DispatchRequest<'_>,
    cmd_line: &ShellDependantCmdLine,
) -> Result<()> {
    let cmd = resolve_cmd_line(cmd_line, &d.state.run_config);
    let message = format!("ENTRYPOINT {}", go_quote_slice(cmd.as_deref()));
    d.state.run_config.entrypoint = cmd;
    d.state.run_config.args_escaped = false;
    if !d.state.cmd_set {
        d.state.run_config.cmd = None;
    }
    d.builder.commit(&mut d.state, &message)
}

/// go-connections `nat.ParsePortSpec`, the container-port half that
/// `EXPOSE` uses: `80`, `80/udp`, `8000-8002/tcp`.
fn parse_port_spec(raw: &str) -> Result<Vec<String>> {
    let container_port = raw.rsplit(':').next().unwrap_or(raw);
    let (port, proto) = match container_port.split_once('/') {
        Some((p, "")) => (p, "tcp"),
        Some((p, proto)) => (p, proto),
        None => (container_port, "tcp"),
    };
    if port.is_empty() {
        return Err(Error::system(format!("No port specified: {raw}<empty>")));
    }
    let invalid = || Error::system(format!("Invalid containerPort: {port}"));
    let (start, end) = match port.split_once('-') {
        Some((s, e)) => (
            s.parse::<u16>().map_err(|_| invalid())?,
            e.parse::<u16>().map_err(|_| invalid())?,
        ),
        None => {
            let p = port.parse::<u16>().map_err(|_| invalid())?;
            (p, p)
        }
    };
    if end < start {
        return Err(invalid());
    }
    let proto = proto.to_lowercase();
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(Error::system(format!("Invalid proto: {proto}")));
    }
    Ok((start..=end).map(|p| format!("{p}/{proto}")).collect())
}

/// moby `dispatchExpose`: the one instruction whose words may expand to
/// several (`EXPOSE $PORTS`).
pub fn dispatch_expose(
    d: &mut DispatchRequest<'_>,
    ports: &[String],
    envs: &[String],
) -> Result<()> {
    let mut expanded = Vec::new();
    for p in ports {
        expanded.extend(d.shlex.process_words(p, envs).map_err(Error::system)?);
    }
    let mut specs = Vec::new();
    for p in &expanded {
        specs.extend(parse_port_spec(p)?);
    }
    let exposed = d
        .state
        .run_config
        .exposed_ports
        .get_or_insert_with(Default::default);
    for p in specs {
        exposed.insert(p, serde_json::json!({}));
    }
    d.builder
        .commit(&mut d.state, &format!("EXPOSE {}", expanded.join(" ")))
}

/// moby `dispatchUser`.
pub fn dispatch_user(d: &mut DispatchRequest<'_>, user: &str) -> Result<()> {
    d.state.run_config.user = user.to_string();
    d.builder.commit(&mut d.state, &format!("USER {user}"))
}

/// moby `dispatchVolume`.
pub fn dispatch_volume(d: &mut DispatchRequest<'_>, volumes: &[String]) -> Result<()> {
    let mine = d
        .state
        .run_config
        .volumes
        .get_or_insert_with(Default::default);
    for v in volumes {
        if v.is_empty() {
            return Err(Error::system("VOLUME specified can not be an empty string"));
        }
        mine.insert(v.clone(), serde_json::json!({}));
    }
    d.builder
        .commit(&mut d.state, &format!("VOLUME {}", go_slice(volumes)))
}

/// moby `dispatchStopSignal`.
pub fn dispatch_stop_signal(d: &mut DispatchRequest<'_>, signal: &str) -> Result<()> {
    crate::signal::parse_signal(signal)?;
    d.state.run_config.stop_signal = signal.to_string();
    d.builder
        .commit(&mut d.state, &format!("STOPSIGNAL {signal}"))
}

/// moby `dispatchArg`: the names become usable from here on.
pub fn dispatch_arg(d: &mut DispatchRequest<'_>, args: &[KeyValuePairOptional]) -> Result<()> {
    let mut commit_str = String::from("ARG ");
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            commit_str.push(' ');
        }
        commit_str.push_str(&arg.key);
        if let Some(v) = &arg.value {
            commit_str.push('=');
            commit_str.push_str(v);
        }
        d.state.build_args.add_arg(&arg.key, arg.value.clone());
    }
    d.builder.commit(&mut d.state, &commit_str)
}

/// moby `dispatchShell`.
pub fn dispatch_shell(d: &mut DispatchRequest<'_>, shell: &[String]) -> Result<()> {
    d.state.run_config.shell = Some(shell.to_vec());
    d.builder
        .commit(&mut d.state, &format!("SHELL {}", go_slice(shell)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workdirs_and_ports() {
        assert_eq!(normalize_workdir("/app", "sub").unwrap(), "/app/sub");
        assert_eq!(normalize_workdir("", "x/../y").unwrap(), "/y");
        assert_eq!(normalize_workdir("/a", "/b/").unwrap(), "/b/");
        assert_eq!(parse_port_spec("80").unwrap(), vec!["80/tcp"]);
        assert_eq!(parse_port_spec("53/UDP").unwrap(), vec!["53/udp"]);
        assert_eq!(
            parse_port_spec("8000-8001").unwrap(),
            vec!["8000/tcp", "8001/tcp"]
        );
        assert_eq!(
            parse_port_spec("abc").unwrap_err().message,
            "Invalid containerPort: abc"
        );
    }

    /// A `RUN` with build args in play records them in front of the
    /// command, sorted and counted, as `docker history` shows it.
    #[test]
    fn build_args_before_the_command() {
        let mut b = super::super::buildargs::BuildArgs::default();
        b.add_arg("B", None);
        let cmd = prepend_env_on_cmd(
            &b,
            &["B=2".into(), "A=1".into(), "HTTP_PROXY=x".into()],
            &["/bin/sh".into(), "-c".into(), "true".into()],
        );
        assert_eq!(cmd.join(" "), "|2 A=1 B=2 /bin/sh -c true");
    }
}
