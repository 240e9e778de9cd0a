//! The classic builder: a Dockerfile, step by step, into an image.
//!
//! Mirrors moby `builder/dockerfile/builder.go` (v20.10.24): the
//! `BuildManager` the build backend calls, and the `Builder` that runs
//! one build. A build:
//!
//! 1. extracts the context and parses the Dockerfile
//!    (`remotecontext::detect`); errors so far are answered with a status;
//! 2. turns the nodes into stages (`instructions.rs`), keeps the stages up
//!    to `target`, and adds the `labels` query as `LABEL` steps;
//! 3. runs the meta `ARG`s, then each stage: `Step n/m : FROM ...`, the
//!    base image's short id, and for every instruction its `Step` line,
//!    what it prints, and ` ---> <new image's short id>`;
//! 4. after each stage emits the image id as an `aux` message.
//!
//! The files, one concept each, as in moby: `parser.rs` (the syntax),
//! `instructions.rs` (the typed instructions), `shell.rs` (variable
//! substitution), `buildargs.rs`, `evaluator.rs` (one step),
//! `dispatchers.rs` (each instruction), `internals.rs` (commits and
//! containers), `copy.rs` (`COPY`/`ADD`), `containerbackend.rs` (running
//! a step's container).

pub mod buildargs;
pub mod containerbackend;
pub mod copy;
pub mod dispatchers;
pub mod evaluator;
pub mod instructions;
pub mod internals;
pub mod parser;
pub mod shell;

use std::path::PathBuf;
use std::sync::Arc;

use crate::api::types::build::{BuildConfig, ImageBuildOptions, ProgressWriter};
use crate::builder::remotecontext::{self, ArchiveContext};
use crate::builder::{Backend, BuildResult, DEFAULT_DOCKERFILE_NAME};
use crate::container::short_id;
use crate::errdefs::{Error, Result};

use buildargs::BuildArgs;
use containerbackend::ContainerManager;
use evaluator::{dispatch, DispatchRequest, DispatchState, StagesBuildResults};
use instructions::{Command, Kind, Stage};
use shell::Lex;

/// moby `BuildManager`: shared by every build.
pub struct BuildManager {
    backend: Arc<dyn Backend>,
    /// Where contexts are extracted (moby uses the system's temporary
    /// directory; we keep them under the data root, with the daemon's
    /// other state).
    tmp_root: PathBuf,
}

impl BuildManager {
    /// moby `NewBuildManager`.
    pub fn new(backend: Arc<dyn Backend>, tmp_root: PathBuf) -> BuildManager {
        BuildManager { backend, tmp_root }
    }

    /// moby `BuildManager.Build`. Blocks until the build ends.
    pub fn build(&self, config: BuildConfig) -> Result<BuildResult> {
        let BuildConfig {
            mut source,
            mut options,
            progress_writer,
        } = config;
        if options.dockerfile.is_empty() {
            options.dockerfile = DEFAULT_DOCKERFILE_NAME.to_string();
        }
        // moby `newBuilder` checks the platform asked for; only this
        // host's can be built here.
        let host = format!("linux/{}", crate::image::image_import::go_arch());
        if !options.platform.is_empty() && options.platform != "linux" && options.platform != host {
            return Err(Error::invalid_parameter(format!(
                "platform {} is not supported: mini-dockerd builds for {host} only",
                options.platform
            )));
        }
        let (context, dockerfile) = remotecontext::detect(
            &mut source,
            &options.remote_context,
            &options.dockerfile,
            &self.tmp_root,
        )?;
        // The whole body has been read by now: what follows may take a
        // while, and the client is only reading.
        drop(source);
        let mut b = Builder {
            options,
            out: progress_writer,
            docker: self.backend.clone(),
            container_manager: ContainerManager::new(self.backend.clone()),
        };
        b.build(&context, dockerfile)
    }
}

/// moby `Builder`: one build.
pub struct Builder {
    pub(crate) options: ImageBuildOptions,
    /// The build's output (moby's `Stdout`, `Stderr` and `Aux` are its
    /// formatters).
    pub(crate) out: ProgressWriter,
    pub(crate) docker: Arc<dyn Backend>,
    pub(crate) container_manager: ContainerManager,
}

/// moby `stepFormat`.
fn print_command(out: &ProgressWriter, index: usize, total: usize, cmd: &str) -> usize {
    // Two writes, so two messages, as moby's Fprintf and Fprintln.
    let _ = out.stdout(format!("Step {index}/{total} : {cmd}"));
    let _ = out.stdout("\n");
    index + 1
}

impl Builder {
    /// moby `Builder.build`.
    fn build(
        &mut self,
        source: &ArchiveContext,
        dockerfile: parser::ParseResult,
    ) -> Result<BuildResult> {
        let (mut stages, meta_args) =
            instructions::parse(&dockerfile.children).map_err(Error::invalid_parameter)?;
        if !self.options.target.is_empty() {
            let Some(i) = stages
                .iter()
                .position(|s| s.name.eq_ignore_ascii_case(&self.options.target))
            else {
                return Err(Error::invalid_parameter(format!(
                    "failed to reach build target {} in Dockerfile",
                    self.options.target
                )));
            };
            stages.truncate(i + 1);
        }
        // moby `buildLabelOptions`: sorted, on the last stage.
        if let Some(last) = stages.last_mut() {
            for (k, v) in &self.options.labels {
                last.commands
                    .push(instructions::new_label_command(k, v, true));
            }
        }
        if !dockerfile.warnings.is_empty() {
            let _ = self
                .out
                .stderr(format!("{}\n", dockerfile.warnings.join("\n")).as_bytes());
        }
        let state = self.dispatch_dockerfile_with_cancellation(
            stages,
            meta_args,
            dockerfile.escape_token,
            source,
        )?;
        if state.image_id.is_empty() {
            return Err(Error::system(
                "No image was generated. Is your Dockerfile empty?",
            ));
        }
        Ok(BuildResult {
            image_id: state.image_id,
        })
    }

    /// moby `dispatchDockerfileWithCancellation`.
    fn dispatch_dockerfile_with_cancellation(
        &mut self,
        stages: Vec<Stage>,
        meta_args: Vec<Command>,
        escape_token: char,
        source: &ArchiveContext,
    ) -> Result<DispatchState> {
        let mut build_args = BuildArgs::new(self.options.build_args.clone());
        let total =
            meta_args.len() + stages.len() + stages.iter().map(|s| s.commands.len()).sum::<usize>();
        let mut index = 1;
        let shlex = Lex::new(escape_token);
        for meta in meta_args {
            index = print_command(&self.out, index, total, &meta.code);
            process_meta_arg(meta, &shlex, &mut build_args)?;
        }

        let mut stages_results = StagesBuildResults::default();
        let mut last = DispatchState::new(&build_args);
        for stage in stages {
            stages_results.check_stage_name_available(&stage.name)?;
            let mut d =
                DispatchRequest::new(self, escape_token, source, &build_args, &stages_results);
            index = print_command(&d.builder.out, index, total, &stage.source_code);
            dispatchers::initialize_stage(&mut d, &stage)?;
            d.state.update_run_config();
            let _ = d
                .builder
                .out
                .stdout(format!(" ---> {}\n", short_id(&d.state.image_id)));
            for cmd in stage.commands {
                if d.builder.out.closed() {
                    // moby checks the request's context between steps.
                    tracing::debug!("Builder: build cancelled!");
                    let _ = d.builder.out.stdout("Build cancelled\n");
                    return Err(Error::system("Build cancelled"));
                }
                index = print_command(&d.builder.out, index, total, &cmd.code);
                dispatch(&mut d, cmd)?;
                d.state.update_run_config();
                let _ = d
                    .builder
                    .out
                    .stdout(format!(" ---> {}\n", short_id(&d.state.image_id)));
            }
            // moby `emitImageID`.
            if !d.state.image_id.is_empty() {
                let _ = d
                    .builder
                    .out
                    .aux(&serde_json::json!({ "ID": d.state.image_id }));
            }
            let state = d.state;
            build_args.merge_referenced_args(&state.build_args);
            stages_results.commit_stage(&state.stage_name, &state.run_config)?;
            last = state;
        }
        if let Some(warning) = build_args.unused_build_args_warning() {
            let _ = self.out.stdout(warning);
        }
        Ok(last)
    }
}

/// moby `processMetaArg`: an `ARG` before the first `FROM`, usable by
/// the `FROM` lines.
fn process_meta_arg(meta: Command, shlex: &Lex, args: &mut BuildArgs) -> Result<()> {
    let envs: Vec<String> = args
        .get_all_allowed()
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let mut meta = meta;
    meta.expand(&|word: &str| shlex.process_word(word, &envs))
        .map_err(Error::system)?;
    if let Kind::Arg(pairs) = meta.kind {
        for arg in pairs {
            args.add_arg(&arg.key, arg.value.clone());
            args.add_meta_arg(&arg.key, arg.value);
        }
    }
    Ok(())
}
