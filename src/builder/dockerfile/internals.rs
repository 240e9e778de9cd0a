//! How a step becomes an image: the commit of a step, the creation of a
//! step's container, the copy of `COPY` and `ADD`, and the small config
//! helpers every dispatcher uses.
//!
//! Mirrors moby `builder/dockerfile/internals.go` (v20.10.24).
//!
//! A step that only changes the config (`ENV`, `CMD`, `LABEL`, ...) still
//! goes through a container, as in moby: one is created from the current
//! image with the step written into its `Cmd` as a no-op comment
//! (`/bin/sh -c #(nop)  CMD ["sh"]`), committed (its layer is empty, so
//! the image gets none, only a history line), and removed. That `Cmd` is
//! what `docker history` shows as the step.
//!
//! There is no build cache: moby's `probeCache` would look for an image
//! made from the same parent by the same step and reuse it (` ---> Using
//! cache`). Here every step runs, so `nocache` is always in effect.

use super::copy::{self, CopyInstruction};
use super::evaluator::DispatchState;
use super::Builder;
use crate::api::types::container::{Config, HostConfig};
use crate::builder::remotecontext::ArchiveContext;
use crate::builder::{ChildConfig, CommitConfig};
use crate::container::short_id;
use crate::errdefs::{Error, Result};

/// moby `defaultShellForOS("linux")`.
const DEFAULT_SHELL: [&str; 2] = ["/bin/sh", "-c"];

/// moby `getShell`: the `SHELL` set, or `/bin/sh -c`.
pub fn get_shell(c: &Config) -> Vec<String> {
    match &c.shell {
        Some(s) if !s.is_empty() => s.clone(),
        _ => DEFAULT_SHELL.iter().map(|s| s.to_string()).collect(),
    }
}

/// moby `withCmdComment`: `Cmd` = shell, `#(nop) `, the comment (two
/// arguments, hence the two spaces `docker history` shows).
pub fn with_cmd_comment(c: &Config, comment: &str) -> Config {
    let mut c = c.clone();
    let mut cmd = get_shell(&c);
    cmd.push("#(nop) ".into());
    cmd.push(comment.into());
    c.cmd = Some(cmd);
    c
}

/// moby `withCmdCommentString`: the same as one argument, which
/// `WORKDIR`, `COPY` and `ADD` have always used.
pub fn with_cmd_comment_string(c: &Config, comment: &str) -> Config {
    let mut c = c.clone();
    let mut cmd = get_shell(&c);
    cmd.push(format!("#(nop) {comment}"));
    c.cmd = Some(cmd);
    c
}

/// Go's `strconv.Quote`, which `%q` uses: `"` and `\` escaped, control
/// characters as `\n`, `\x01`..., other unprintable ones as `\u....`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c == ' ' || !(c.is_control() || c.is_whitespace()) => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Go's `%q` of an integer: the character with that code, quoted
/// (`strconv.QuoteRune`), which is how moby's history shows a health
/// check's retries: `'\x00'`, `'\x03'`.
pub fn go_quote_rune(n: i64) -> String {
    let c = u32::try_from(n)
        .ok()
        .and_then(char::from_u32)
        .unwrap_or('\u{fffd}');
    let inner = match c {
        '"' => "\"".to_string(),
        '\'' => "\\'".to_string(),
        c => {
            let q = go_quote(&c.to_string());
            q[1..q.len() - 1].to_string()
        }
    };
    format!("'{inner}'")
}

/// Go's `%q` of a `[]string`: `["a" "b"]` (`[]` for none).
pub fn go_quote_slice(v: Option<&[String]>) -> String {
    let items: Vec<String> = v.unwrap_or_default().iter().map(|s| go_quote(s)).collect();
    format!("[{}]", items.join(" "))
}

/// Go's `%v` of a `[]string`: `[a b]`.
pub fn go_slice(v: &[String]) -> String {
    format!("[{}]", v.join(" "))
}

impl Builder {
    /// moby `Builder.commit`: a config-only step, committed through a
    /// container that never runs.
    pub(super) fn commit(&mut self, state: &mut DispatchState, comment: &str) -> Result<()> {
        if !state.has_from_image() {
            return Err(Error::system(
                "Please provide a source image with `from` prior to commit",
            ));
        }
        let mut run_config_with_comment_cmd = with_cmd_comment(&state.run_config, comment);
        let id = self.create(run_config_with_comment_cmd.clone())?;
        // moby hands the same config to the create and to the commit, and
        // the create fills in its hostname, which the image's
        // `ContainerConfig` therefore shows.
        run_config_with_comment_cmd.hostname = short_id(&id).to_string();
        self.commit_container(state, &id, run_config_with_comment_cmd)
    }

    /// moby `Builder.commitContainer`: the container's layer and the
    /// state's config become the new current image.
    pub(super) fn commit_container(
        &mut self,
        state: &mut DispatchState,
        id: &str,
        container_config: Config,
    ) -> Result<()> {
        let image_id = self.docker.clone().commit_build_step(CommitConfig {
            author: state.maintainer.clone(),
            config: state.run_config.clone(),
            container_config,
            container_id: id.to_string(),
        })?;
        state.image_id = image_id;
        Ok(())
    }

    /// moby `Builder.create`: a container for a step, announced as
    /// ` ---> Running in <id>`.
    pub(super) fn create(&mut self, run_config: Config) -> Result<String> {
        let host_config = host_config_from_options(&self.options);
        let created = self.container_manager.create(run_config, host_config)?;
        for warning in &created.warnings {
            let _ = self.out.stdout(format!(" ---> [Warning] {warning}\n"));
        }
        let _ = self
            .out
            .stdout(format!(" ---> Running in {}\n", short_id(&created.id)));
        Ok(created.id)
    }

    /// moby `Builder.performCopy`: copy the sources into a writable layer
    /// on the current image and make that the next image.
    pub(super) fn perform_copy(
        &mut self,
        state: &mut DispatchState,
        inst: CopyInstruction,
        source: &ArchiveContext,
    ) -> Result<()> {
        let src_hash = copy::get_source_hash_from_infos(&inst.infos);
        // moby writes the flag right against the sum, with no blank
        // between them; so do we.
        let chown_comment = if inst.chown_str.is_empty() {
            String::new()
        } else {
            format!("--chown={}", inst.chown_str)
        };
        let comment = format!(
            "{} {chown_comment}{src_hash} in {} ",
            inst.cmd_name, inst.dest
        );
        let run_config_with_comment_cmd = with_cmd_comment_string(&state.run_config, &comment);
        let mut layer = self
            .docker
            .clone()
            .new_rw_layer(&state.image_id)
            .map_err(|e| {
                e.wrap(format_args!(
                    "failed to get destination image {:?}",
                    state.image_id
                ))
            })?;
        let dest = copy::normalize_dest(&state.run_config.working_dir, &inst.dest);
        // Who owns the copy: root, or `--chown`'s `user[:group]`, looked
        // up in the image's /etc/passwd and /etc/group by the archive
        // helper. moby `parseChownFlag`: a user alone is the group's name
        // too (`--chown=1000` is 1000:1000).
        let chown = match inst.chown_str.as_str() {
            "" => "0:0".to_string(),
            c if !c.contains(':') => format!("{c}:{c}"),
            c => c.to_string(),
        };
        let staging = source
            .root()
            .parent()
            .unwrap_or_else(|| std::path::Path::new("/tmp"))
            .to_path_buf();
        for info in &inst.infos {
            copy::perform_copy_for_info(
                layer.as_mut(),
                source,
                info,
                &dest,
                inst.allow_local_decompression,
                &chown,
                &staging,
            )?;
        }
        state.image_id = layer.commit(ChildConfig {
            author: state.maintainer.clone(),
            config: state.run_config.clone(),
            container_config: run_config_with_comment_cmd,
        })?;
        Ok(())
    }
}

/// moby `hostConfigFromOptions`: the build's resource options for every
/// step's container. moby also sets the `none` log driver, so steps leave
/// no logs; the daemon here has only `json-file`, and a step's log goes
/// with its container.
pub fn host_config_from_options(o: &crate::api::types::build::ImageBuildOptions) -> HostConfig {
    HostConfig {
        cgroup_parent: o.cgroup_parent.clone(),
        cpu_shares: o.cpu_shares,
        cpu_period: o.cpu_period,
        cpu_quota: o.cpu_quota,
        memory: o.memory,
        memory_swap: o.memory_swap,
        shm_size: o.shm_size,
        network_mode: o.network_mode.clone(),
        extra_hosts: (!o.extra_hosts.is_empty()).then(|| o.extra_hosts.clone()),
        ..HostConfig::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The history text of config-only steps: moby's two-argument comment
    /// and Go's `%q`.
    #[test]
    fn comments_and_quoting() {
        let c = with_cmd_comment(&Config::default(), "CMD [\"sh\"]");
        assert_eq!(c.cmd.unwrap().join(" "), "/bin/sh -c #(nop)  CMD [\"sh\"]");
        let c = with_cmd_comment_string(&Config::default(), "WORKDIR /app");
        assert_eq!(c.cmd.unwrap().join(" "), "/bin/sh -c #(nop) WORKDIR /app");
        assert_eq!(
            go_quote_slice(Some(&["cat".into(), "a \"b\"\n".into()])),
            r#"["cat" "a \"b\"\n"]"#
        );
        assert_eq!(go_quote_slice(None), "[]");
        assert_eq!(go_quote("\u{1}é"), "\"\\x01é\"");
        assert_eq!(go_quote_rune(0), "'\\x00'");
        assert_eq!(go_quote_rune(3), "'\\x03'");
        assert_eq!(go_quote_rune(65), "'A'");
    }
}
