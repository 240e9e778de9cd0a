//! One step: substitute its variables, run its dispatcher, tidy up its
//! containers; and the state a stage carries from step to step.
//!
//! Mirrors moby `builder/dockerfile/evaluator.go` (v20.10.24): `dispatch`,
//! `dispatchState` and `stagesBuildResults`.

use std::collections::HashMap;

use super::buildargs::BuildArgs;
use super::dispatchers;
use super::instructions::{Command, Kind};
use super::shell::Lex;
use super::Builder;
use crate::api::types::container::Config;
use crate::builder::remotecontext::ArchiveContext;
use crate::errdefs::{Error, Result};
use crate::image::Image;

/// moby `dispatchState`: what a stage has built so far.
#[derive(Clone, Debug, Default)]
pub struct DispatchState {
    /// The config of the image being built (`ENV`, `CMD`, ... change it).
    pub run_config: Config,
    /// `MAINTAINER`: the images' author.
    pub maintainer: String,
    /// A `CMD` was given in this stage (an `ENTRYPOINT` after it keeps it).
    pub cmd_set: bool,
    /// The current image.
    pub image_id: String,
    /// The image the stage started from.
    pub base_image: Option<Image>,
    pub stage_name: String,
    pub build_args: BuildArgs,
    pub operating_system: String,
}

/// moby `system.DefaultPathEnv("linux")`.
const DEFAULT_PATH_ENV: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

impl DispatchState {
    /// moby `newDispatchState`: a stage sees the meta args, not the
    /// previous stage's `ARG`s.
    pub fn new(base_args: &BuildArgs) -> DispatchState {
        DispatchState {
            build_args: base_args.for_new_stage(),
            ..Default::default()
        }
    }

    /// moby `updateRunConfig`: the config's `Image` is the image the next
    /// step starts from.
    pub fn update_run_config(&mut self) {
        self.run_config.image = self.image_id.clone();
    }

    /// moby `hasFromImage`.
    pub fn has_from_image(&self) -> bool {
        !self.image_id.is_empty()
    }

    /// moby `beginStage`: start from `image`'s config, with a `PATH`,
    /// never waiting for stdin.
    pub fn begin_stage(&mut self, stage_name: &str, image: Image) -> Result<()> {
        self.stage_name = stage_name.to_string();
        self.image_id = image.id.clone();
        self.operating_system = if image.os.is_empty() {
            "linux".to_string()
        } else {
            image.os.clone()
        };
        if self.operating_system != "linux" {
            return Err(Error::system("operating system is not supported"));
        }
        self.run_config = serde_json::to_value(&image.config)
            .and_then(serde_json::from_value)
            .map_err(|e| Error::system(format!("reading the image's config: {e}")))?;
        self.base_image = Some(image);
        // moby `setDefaultPath`.
        let env = self.run_config.env.get_or_insert_with(Vec::new);
        if !env.iter().any(|e| e.split('=').next() == Some("PATH")) {
            env.push(format!("PATH={DEFAULT_PATH_ENV}"));
        }
        self.run_config.open_stdin = false;
        self.run_config.stdin_once = false;
        Ok(())
    }
}

/// moby `stagesBuildResults`: the config each finished stage ended with,
/// by position and by name, so that `FROM <stage>` can start from it.
#[derive(Default)]
pub struct StagesBuildResults {
    flat: Vec<Config>,
    indexed: HashMap<String, Config>,
}

impl StagesBuildResults {
    /// moby `getByName`.
    pub fn get_by_name(&self, name: &str) -> Option<&Config> {
        self.indexed.get(&name.to_lowercase())
    }

    /// moby `checkStageNameAvailable`.
    pub fn check_stage_name_available(&self, name: &str) -> Result<()> {
        if !name.is_empty() && self.get_by_name(name).is_some() {
            return Err(Error::system(format!("{name} stage name already used")));
        }
        Ok(())
    }

    /// moby `commitStage`.
    pub fn commit_stage(&mut self, name: &str, config: &Config) -> Result<()> {
        self.check_stage_name_available(name)?;
        if !name.is_empty() {
            self.indexed.insert(name.to_lowercase(), config.clone());
        }
        self.flat.push(config.clone());
        Ok(())
    }
}

/// moby `dispatchRequest`: what a step works with.
pub struct DispatchRequest<'a> {
    pub state: DispatchState,
    pub shlex: Lex,
    pub builder: &'a mut Builder,
    pub source: &'a ArchiveContext,
    pub stages: &'a StagesBuildResults,
}

impl<'a> DispatchRequest<'a> {
    /// moby `newDispatchRequest`.
    pub fn new(
        builder: &'a mut Builder,
        escape_token: char,
        source: &'a ArchiveContext,
        build_args: &BuildArgs,
        stages: &'a StagesBuildResults,
    ) -> DispatchRequest<'a> {
        DispatchRequest {
            state: DispatchState::new(build_args),
            shlex: Lex::new(escape_token),
            builder,
            source,
            stages,
        }
    }
}

/// moby `dispatch`: one command.
pub fn dispatch(d: &mut DispatchRequest<'_>, mut cmd: Command) -> Result<()> {
    // The words are expanded with the image's environment and the build
    // arguments in scope (the environment wins a name both have).
    let run_config_env = d.state.run_config.env.clone().unwrap_or_default();
    let mut envs = run_config_env.clone();
    envs.extend(d.state.build_args.filter_allowed(&run_config_env));
    let lex = d.shlex;
    cmd.expand(&|word: &str| lex.process_word(word, &envs))
        .map_err(Error::invalid_parameter)?;

    let result = dispatch_kind(d, cmd.kind, &envs);

    // moby's deferred clean-up: the step's containers go after a step
    // that worked (`rm`), or after any step (`forcerm`).
    let builder = &mut *d.builder;
    if builder.options.force_remove || (builder.options.remove && result.is_ok()) {
        builder.container_manager.remove_all(&builder.out);
    }
    result
}

fn dispatch_kind(d: &mut DispatchRequest<'_>, kind: Kind, envs: &[String]) -> Result<()> {
    match kind {
        Kind::Env(kv) => dispatchers::dispatch_env(d, &kv),
        Kind::Maintainer(m) => dispatchers::dispatch_maintainer(d, &m),
        Kind::Label { labels, .. } => dispatchers::dispatch_label(d, &labels),
        Kind::Add {
            sources_and_dest,
            chown,
            chmod,
        } => dispatchers::dispatch_add(d, &sources_and_dest, &chown, &chmod),
        Kind::Copy {
            sources_and_dest,
            from,
            chown,
            chmod,
        } => dispatchers::dispatch_copy(d, &sources_and_dest, &from, &chown, &chmod),
        Kind::Onbuild(expression) => dispatchers::dispatch_onbuild(d, &expression),
        Kind::Workdir(path) => dispatchers::dispatch_workdir(d, &path),
        Kind::Run {
            cmd_line,
            flags_used,
        } => dispatchers::dispatch_run(d, &cmd_line, &flags_used),
        Kind::Cmd(cmd_line) => dispatchers::dispatch_cmd(d, &cmd_line),
        Kind::Healthcheck(health) => dispatchers::dispatch_healthcheck(d, &health),
        Kind::Entrypoint(cmd_line) => dispatchers::dispatch_entrypoint(d, &cmd_line),
        Kind::Expose(ports) => dispatchers::dispatch_expose(d, &ports, envs),
        Kind::User(user) => dispatchers::dispatch_user(d, &user),
        Kind::Volume(volumes) => dispatchers::dispatch_volume(d, &volumes),
        Kind::StopSignal(signal) => dispatchers::dispatch_stop_signal(d, &signal),
        Kind::Arg(args) => dispatchers::dispatch_arg(d, &args),
        Kind::Shell(shell) => dispatchers::dispatch_shell(d, &shell),
    }
}
