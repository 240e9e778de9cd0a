//! Instruction nodes to typed commands, grouped into build stages.
//!
//! Mirrors `github.com/moby/buildkit/frontend/dockerfile/instructions`
//! (`parse.go`, `commands.go`, `bflag.go`, `support.go`) as moby v20.10.24
//! vendors it: each instruction checks its arguments and flags, `FROM`
//! starts a stage, and `ARG`s before the first `FROM` are the "meta" args
//! that `FROM` lines may use. A command's text (`code`) is the
//! instruction as written, which is what `Step 2/5 : ...` prints.

use super::parser::Node;

/// moby `ShellDependantCmdLine`: a command line and whether the shell is
/// put in front of it (the shell form) or not (the exec, JSON, form).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ShellDependantCmdLine {
    pub cmd_line: Option<Vec<String>>,
    pub prepend_shell: bool,
}

/// moby `KeyValuePairOptional`: an `ARG` with or without its default.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyValuePairOptional {
    pub key: String,
    pub value: Option<String>,
}

/// moby `container.HealthConfig`: durations in nanoseconds, 0 meaning
/// "not set" (the daemon's default).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HealthConfig {
    pub test: Vec<String>,
    pub interval: i64,
    pub timeout: i64,
    pub start_period: i64,
    pub retries: i64,
}

impl HealthConfig {
    /// The JSON an image's config holds (`omitempty` on every field).
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        if !self.test.is_empty() {
            m.insert("Test".into(), self.test.clone().into());
        }
        for (k, v) in [
            ("Interval", self.interval),
            ("Timeout", self.timeout),
            ("StartPeriod", self.start_period),
            ("Retries", self.retries),
        ] {
            if v != 0 {
                m.insert(k.into(), v.into());
            }
        }
        serde_json::Value::Object(m)
    }
}

/// The typed instructions (moby's `*EnvCommand`, `*RunCommand`, ...).
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Env(Vec<(String, String)>),
    Maintainer(String),
    /// `no_expand`: a label from the `labels` query, used as given.
    Label {
        labels: Vec<(String, String)>,
        no_expand: bool,
    },
    Add {
        sources_and_dest: Vec<String>,
        chown: String,
        chmod: String,
    },
    Copy {
        sources_and_dest: Vec<String>,
        from: String,
        chown: String,
        chmod: String,
    },
    Onbuild(String),
    Workdir(String),
    Run {
        cmd_line: ShellDependantCmdLine,
        /// Flags given (`--mount`, `--network`): the classic builder
        /// refuses them.
        flags_used: Vec<String>,
    },
    Cmd(ShellDependantCmdLine),
    Healthcheck(HealthConfig),
    Entrypoint(ShellDependantCmdLine),
    Expose(Vec<String>),
    User(String),
    Volume(Vec<String>),
    StopSignal(String),
    Arg(Vec<KeyValuePairOptional>),
    Shell(Vec<String>),
}

/// moby `instructions.Command` with its `withNameAndCode`.
#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    /// The instruction as written, trimmed (moby `String()`).
    pub code: String,
    /// The instruction, lower case (moby `Name()`).
    pub name: String,
    pub kind: Kind,
}

/// moby `instructions.Stage`: a `FROM` and what follows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stage {
    pub name: String,
    pub commands: Vec<Command>,
    pub base_name: String,
    /// The `FROM` line as written.
    pub source_code: String,
    pub platform: String,
}

/// moby `instructions.NewLabelCommand`: a `LABEL k=v` made from the
/// `labels` query (`docker build --label`), printed as a step of its own.
pub fn new_label_command(k: &str, v: &str, no_expand: bool) -> Command {
    Command {
        code: format!("LABEL {k}={v}"),
        name: "label".into(),
        kind: Kind::Label {
            labels: vec![(k.to_string(), v.to_string())],
            no_expand,
        },
    }
}

impl Command {
    /// moby `SupportsSingleWordExpansion.Expand`: substitute variables in
    /// the arguments of the instructions that allow it.
    pub fn expand(
        &mut self,
        expander: &dyn Fn(&str) -> Result<String, String>,
    ) -> Result<(), String> {
        let kvps = |kv: &mut Vec<(String, String)>| -> Result<(), String> {
            for (k, v) in kv.iter_mut() {
                *k = expander(k)?;
                *v = expander(v)?;
            }
            Ok(())
        };
        let slice = |s: &mut Vec<String>| -> Result<(), String> {
            for v in s.iter_mut() {
                *v = expander(v)?;
            }
            Ok(())
        };
        match &mut self.kind {
            Kind::Env(kv) => kvps(kv),
            Kind::Label { labels, no_expand } => {
                if *no_expand {
                    Ok(())
                } else {
                    kvps(labels)
                }
            }
            Kind::Add {
                sources_and_dest,
                chown,
                ..
            }
            | Kind::Copy {
                sources_and_dest,
                chown,
                ..
            } => {
                *chown = expander(chown)?;
                slice(sources_and_dest)
            }
            Kind::Workdir(p) | Kind::User(p) | Kind::StopSignal(p) => {
                *p = expander(p)?;
                Ok(())
            }
            Kind::Volume(v) => slice(v),
            Kind::Arg(args) => {
                for a in args.iter_mut() {
                    a.key = expander(&a.key)?;
                    if let Some(v) = &a.value {
                        a.value = Some(expander(v)?);
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// moby `BFlags`: the `--flag=value` words an instruction accepts.
struct BFlags<'a> {
    args: &'a [String],
    /// (name, is a list (`AddStrings`), value(s) seen)
    flags: Vec<(&'static str, bool, Vec<String>)>,
    used: Vec<String>,
}

impl<'a> BFlags<'a> {
    fn new(args: &'a [String]) -> BFlags<'a> {
        BFlags {
            args,
            flags: Vec::new(),
            used: Vec::new(),
        }
    }

    fn add_string(&mut self, name: &'static str) {
        self.flags.push((name, false, Vec::new()));
    }

    fn add_strings(&mut self, name: &'static str) {
        self.flags.push((name, true, Vec::new()));
    }

    /// moby `BFlags.Parse`.
    fn parse(&mut self) -> Result<(), String> {
        for arg in self.args {
            let Some(arg) = arg.strip_prefix("--") else {
                return Err(format!("Arg should start with -- : {arg}"));
            };
            if arg.is_empty() {
                return Ok(());
            }
            let (name, value) = match arg.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (arg, None),
            };
            let Some(flag) = self.flags.iter_mut().find(|f| f.0 == name) else {
                return Err(format!("Unknown flag: {name}"));
            };
            if self.used.iter().any(|u| u == name) && !flag.1 {
                return Err(format!("Duplicate flag specified: {name}"));
            }
            let Some(value) = value else {
                return Err(format!("Missing a value on flag: {name}"));
            };
            if flag.1 {
                flag.2.push(value.to_string());
            } else {
                flag.2 = vec![value.to_string()];
            }
            if !self.used.iter().any(|u| u == name) {
                self.used.push(name.to_string());
            }
        }
        Ok(())
    }

    fn value(&self, name: &str) -> String {
        self.flags
            .iter()
            .find(|f| f.0 == name)
            .and_then(|f| f.2.last().cloned())
            .unwrap_or_default()
    }
}

/// What an instruction is: a command or the start of a stage.
enum Instruction {
    Stage(Stage),
    Command(Command),
}

/// moby `instructions.Parse`: the stages, and the `ARG`s before the first
/// `FROM`. Errors read as moby's: `dockerfile parse error line 2: unknown
/// instruction: FOO`.
pub fn parse(nodes: &[Node]) -> Result<(Vec<Stage>, Vec<Command>), String> {
    let mut stages: Vec<Stage> = Vec::new();
    let mut meta_args = Vec::new();
    for n in nodes {
        let instruction = parse_instruction(n)
            .map_err(|e| format!("dockerfile parse error line {}: {e}", n.start_line))?;
        match instruction {
            Instruction::Command(c) if stages.is_empty() && matches!(c.kind, Kind::Arg(_)) => {
                meta_args.push(c);
            }
            Instruction::Stage(s) => stages.push(s),
            Instruction::Command(c) => match stages.last_mut() {
                Some(stage) => stage.commands.push(c),
                None => return Err("no build stage in current context".into()),
            },
        }
    }
    Ok((stages, meta_args))
}

/// moby `ParseCommand`, for an `ONBUILD` trigger: a command, not a stage.
pub fn parse_command(n: &Node) -> Result<Command, String> {
    match parse_instruction(n)? {
        Instruction::Command(c) => Ok(c),
        Instruction::Stage(_) => Err("*instructions.Stage is not a command type".into()),
    }
}

/// moby `handleJSONArgs`: the exec form as is, the shell form as one
/// string.
fn handle_json_args(args: &[String], json: bool) -> Vec<String> {
    if args.is_empty() {
        return Vec::new();
    }
    if json {
        return args.to_vec();
    }
    vec![args.join(" ")]
}

/// moby `parseShellDependentCommand`.
fn shell_dependent(n: &Node, empty_as_nil: bool) -> ShellDependantCmdLine {
    let args = handle_json_args(&n.args, n.json);
    ShellDependantCmdLine {
        cmd_line: if empty_as_nil && args.is_empty() {
            None
        } else {
            Some(args)
        },
        prepend_shell: !n.json,
    }
}

/// moby `parseKvps`.
fn parse_kvps(args: &[String], cmd_name: &str) -> Result<Vec<(String, String)>, String> {
    if args.is_empty() {
        return Err(format!("{cmd_name} requires at least one argument"));
    }
    if args.len() % 2 != 0 {
        return Err(format!("Bad input to {cmd_name}, too many arguments"));
    }
    args.chunks(2)
        .map(|kv| {
            if kv[0].is_empty() {
                Err(format!("{cmd_name} names can not be blank"))
            } else {
                Ok((kv[0].clone(), kv[1].clone()))
            }
        })
        .collect()
}

fn exactly_one(n: &Node, cmd: &str) -> Result<String, String> {
    match n.args.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(format!("{cmd} requires exactly one argument")),
    }
}

/// moby `ParseInstruction`.
fn parse_instruction(n: &Node) -> Result<Instruction, String> {
    let mut flags = BFlags::new(&n.flags);
    let code = n.original.trim().to_string();
    let command = |kind: Kind| {
        Ok(Instruction::Command(Command {
            code: code.clone(),
            name: n.value.clone(),
            kind,
        }))
    };
    match n.value.as_str() {
        "env" => {
            flags.parse()?;
            command(Kind::Env(parse_kvps(&n.args, "ENV")?))
        }
        "maintainer" => {
            let m = exactly_one(n, "MAINTAINER")?;
            flags.parse()?;
            command(Kind::Maintainer(m))
        }
        "label" => {
            flags.parse()?;
            command(Kind::Label {
                labels: parse_kvps(&n.args, "LABEL")?,
                no_expand: false,
            })
        }
        "add" | "copy" => {
            let upper = n.value.to_uppercase();
            if n.args.len() < 2 {
                return Err(format!(
                    "{upper} requires at least two arguments, but only one was provided. Destination could not be determined"
                ));
            }
            flags.add_string("chown");
            if n.value == "copy" {
                flags.add_string("from");
            }
            flags.add_string("chmod");
            flags.parse()?;
            let (chown, chmod) = (flags.value("chown"), flags.value("chmod"));
            if n.value == "add" {
                command(Kind::Add {
                    sources_and_dest: n.args.clone(),
                    chown,
                    chmod,
                })
            } else {
                command(Kind::Copy {
                    sources_and_dest: n.args.clone(),
                    from: flags.value("from"),
                    chown,
                    chmod,
                })
            }
        }
        "from" => {
            let name = parse_build_stage_name(&n.args)?;
            flags.add_string("platform");
            flags.parse()?;
            Ok(Instruction::Stage(Stage {
                name,
                commands: Vec::new(),
                base_name: n.args[0].clone(),
                source_code: code,
                platform: flags.value("platform"),
            }))
        }
        "onbuild" => {
            let Some(trigger) = n.args.first() else {
                return Err("ONBUILD requires at least one argument".into());
            };
            flags.parse()?;
            let trigger = trigger.trim().to_uppercase();
            match trigger.as_str() {
                "ONBUILD" => {
                    return Err("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".into())
                }
                "MAINTAINER" | "FROM" => {
                    return Err(format!("{trigger} isn't allowed as an ONBUILD trigger"))
                }
                _ => {}
            }
            // moby: the original line without `ONBUILD` (case-insensitive,
            // with the blanks after it).
            let original = n.original.trim_start();
            let expression = original
                .get(7..)
                .filter(|_| original[..7].eq_ignore_ascii_case("onbuild"))
                .unwrap_or(original)
                .trim_start()
                .to_string();
            command(Kind::Onbuild(expression))
        }
        "workdir" => {
            let p = exactly_one(n, "WORKDIR")?;
            flags.parse()?;
            command(Kind::Workdir(p))
        }
        "run" => {
            // moby's RUN hooks declare `--mount` and `--network` (the
            // BuildKit flags) so that they parse; the classic builder then
            // refuses any that was used.
            flags.add_strings("mount");
            flags.add_string("network");
            flags.parse()?;
            command(Kind::Run {
                cmd_line: shell_dependent(n, false),
                flags_used: flags.used.clone(),
            })
        }
        "cmd" => {
            flags.parse()?;
            command(Kind::Cmd(shell_dependent(n, false)))
        }
        "entrypoint" => {
            flags.parse()?;
            command(Kind::Entrypoint(shell_dependent(n, true)))
        }
        "healthcheck" => command(Kind::Healthcheck(parse_healthcheck(n, &mut flags)?)),
        "expose" => {
            if n.args.is_empty() {
                return Err("EXPOSE requires at least one argument".into());
            }
            flags.parse()?;
            let mut ports = n.args.clone();
            ports.sort();
            command(Kind::Expose(ports))
        }
        "user" => {
            let u = exactly_one(n, "USER")?;
            flags.parse()?;
            command(Kind::User(u))
        }
        "volume" => {
            if n.args.is_empty() {
                return Err("VOLUME requires at least one argument".into());
            }
            flags.parse()?;
            let mut volumes = Vec::new();
            for v in &n.args {
                let v = v.trim();
                if v.is_empty() {
                    return Err("VOLUME specified can not be an empty string".into());
                }
                volumes.push(v.to_string());
            }
            command(Kind::Volume(volumes))
        }
        "stopsignal" => command(Kind::StopSignal(exactly_one(n, "STOPSIGNAL")?)),
        "arg" => {
            if n.args.is_empty() {
                return Err("ARG requires at least one argument".into());
            }
            let mut pairs = Vec::new();
            for arg in &n.args {
                pairs.push(match arg.split_once('=') {
                    Some(("", _)) => return Err("ARG names can not be blank".into()),
                    Some((k, v)) => KeyValuePairOptional {
                        key: k.to_string(),
                        value: Some(v.to_string()),
                    },
                    None => KeyValuePairOptional {
                        key: arg.clone(),
                        value: None,
                    },
                });
            }
            command(Kind::Arg(pairs))
        }
        "shell" => {
            flags.parse()?;
            let shell = handle_json_args(&n.args, n.json);
            if shell.is_empty() {
                return Err("SHELL requires at least one argument".into());
            }
            if !n.json {
                return Err(format!(
                    "SHELL requires the arguments to be in JSON form\n{}",
                    n.original
                ));
            }
            command(Kind::Shell(shell))
        }
        other => Err(format!("unknown instruction: {}", other.to_uppercase())),
    }
}

/// moby `parseHealthcheck`: `NONE`, or `CMD` with its command and the
/// `--interval`, `--timeout`, `--start-period` and `--retries` flags.
fn parse_healthcheck(n: &Node, flags: &mut BFlags<'_>) -> Result<HealthConfig, String> {
    let Some(typ) = n.args.first() else {
        return Err("HEALTHCHECK requires at least one argument".into());
    };
    let typ = typ.to_uppercase();
    let args = &n.args[1..];
    if typ == "NONE" {
        if !args.is_empty() {
            return Err("HEALTHCHECK NONE takes no arguments".into());
        }
        return Ok(HealthConfig {
            test: vec![typ],
            ..HealthConfig::default()
        });
    }
    for f in ["interval", "timeout", "start-period", "retries"] {
        flags.add_string(f);
    }
    flags.parse()?;
    if typ != "CMD" {
        return Err(format!("Unknown type {typ:?} in HEALTHCHECK (try CMD)"));
    }
    let cmd = handle_json_args(args, n.json);
    if cmd.is_empty() {
        return Err("Missing command after HEALTHCHECK CMD".into());
    }
    let mut test = vec![if n.json { typ } else { "CMD-SHELL".to_string() }];
    test.extend(cmd);
    // moby `parseOptInterval`: at least `container.MinimumDuration` (1ms).
    let interval = |name: &str| -> Result<i64, String> {
        let v = flags.value(name);
        if v.is_empty() {
            return Ok(0);
        }
        let d = parse_go_duration(&v)?;
        if d < 1_000_000 {
            return Err(format!("Interval {name:?} cannot be less than 1ms"));
        }
        Ok(d)
    };
    let retries = match flags.value("retries").as_str() {
        "" => 0,
        v => {
            let r: i64 = v
                .parse()
                .map_err(|_| format!("strconv.ParseInt: parsing {v:?}: invalid syntax"))?;
            if r < 1 {
                return Err(format!("--retries must be at least 1 (not {r})"));
            }
            r
        }
    };
    Ok(HealthConfig {
        test,
        interval: interval("interval")?,
        timeout: interval("timeout")?,
        start_period: interval("start-period")?,
        retries,
    })
}

/// Go's `time.ParseDuration`: `1m30s`, `500ms`, `1.5h`; in nanoseconds.
pub fn parse_go_duration(s: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {s:?}");
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, after) = rest.split_at(num_len);
        if num.is_empty() || num == "." {
            return Err(invalid());
        }
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let scale: f64 = match unit {
            "" => return Err(format!("time: missing unit in duration {s:?}")),
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            u => return Err(format!("time: unknown unit {u:?} in duration {s:?}")),
        };
        total += num.parse::<f64>().map_err(|_| invalid())? * scale;
        rest = after;
    }
    let ns = total.round() as i64;
    Ok(if neg { -ns } else { ns })
}

/// Go's `time.Duration.String`: `1m30s`, `500ms`, `0s`.
pub fn format_go_duration(ns: i64) -> String {
    fn frac(v: u64, prec: u32) -> String {
        if prec == 0 {
            return String::new();
        }
        let digits = format!("{v:0width$}", width = prec as usize);
        let digits = digits.trim_end_matches('0');
        if digits.is_empty() {
            String::new()
        } else {
            format!(".{digits}")
        }
    }
    if ns == 0 {
        return "0s".into();
    }
    let sign = if ns < 0 { "-" } else { "" };
    let u = ns.unsigned_abs();
    if u < 1_000_000_000 {
        let (prec, unit) = if u < 1_000 {
            (0, "ns")
        } else if u < 1_000_000 {
            (3, "µs")
        } else {
            (6, "ms")
        };
        let p = 10u64.pow(prec);
        return format!("{sign}{}{}{unit}", u / p, frac(u % p, prec));
    }
    let secs = u / 1_000_000_000;
    let f = frac(u % 1_000_000_000, 9);
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if h > 0 {
        format!("{sign}{h}h{m}m{s}{f}s")
    } else if m > 0 {
        format!("{sign}{m}m{s}{f}s")
    } else {
        format!("{sign}{s}{f}s")
    }
}

/// moby `parseBuildStageName`: `FROM image [AS name]`.
fn parse_build_stage_name(args: &[String]) -> Result<String, String> {
    match args {
        [_, as_, name] if as_.eq_ignore_ascii_case("as") => {
            let lower = name.to_lowercase();
            let valid = lower.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && lower
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
            if !valid {
                return Err(format!(
                    "invalid name for build stage: {name:?}, name can't start with a number or contain symbols"
                ));
            }
            Ok(lower)
        }
        [_] => Ok(String::new()),
        _ => Err("FROM requires either one or three arguments".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parser;
    use super::*;

    fn parse_text(text: &str) -> Result<(Vec<Stage>, Vec<Command>), String> {
        parse(&parser::parse(text).unwrap().children)
    }

    /// `ARG` before `FROM` is a meta arg; everything after a `FROM`
    /// belongs to its stage; a command before any `FROM` is dockerd's
    /// "no build stage in current context".
    #[test]
    fn stages_and_meta_args() {
        let (stages, meta) =
            parse_text("ARG V=1\nFROM busybox:$V AS Base\nRUN echo\nFROM base\nCMD [\"x\"]\n")
                .unwrap();
        assert_eq!(meta.len(), 1);
        assert_eq!(stages.len(), 2);
        assert_eq!(stages[0].name, "base");
        assert_eq!(stages[0].source_code, "FROM busybox:$V AS Base");
        assert_eq!(stages[0].commands[0].code, "RUN echo");
        assert_eq!(
            stages[1].commands[0].kind,
            Kind::Cmd(ShellDependantCmdLine {
                cmd_line: Some(vec!["x".into()]),
                prepend_shell: false
            })
        );
        assert_eq!(
            parse_text("RUN true\n").unwrap_err(),
            "no build stage in current context"
        );
    }

    /// Unknown instructions and flags fail with the line they are on.
    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            parse_text("FROM busybox\nFOO bar\n").unwrap_err(),
            "dockerfile parse error line 2: unknown instruction: FOO"
        );
        assert_eq!(
            parse_text("FROM busybox\nCOPY --nope=1 a b\n").unwrap_err(),
            "dockerfile parse error line 2: Unknown flag: nope"
        );
        assert_eq!(
            parse_text("FROM busybox\nCOPY a\n").unwrap_err(),
            "dockerfile parse error line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined"
        );
    }

    /// `HEALTHCHECK`'s forms and flags, and Go's durations both ways.
    #[test]
    fn healthchecks_and_durations() {
        let (stages, _) = parse_text(
            "FROM b\nHEALTHCHECK --interval=1m30s --retries=3 CMD curl -f x\nHEALTHCHECK NONE\n",
        )
        .unwrap();
        assert_eq!(
            stages[0].commands[0].kind,
            Kind::Healthcheck(HealthConfig {
                test: vec!["CMD-SHELL".into(), "curl -f x".into()],
                interval: 90_000_000_000,
                retries: 3,
                ..Default::default()
            })
        );
        assert_eq!(
            parse_text("FROM b\nHEALTHCHECK --interval=1us CMD x\n").unwrap_err(),
            "dockerfile parse error line 2: Interval \"interval\" cannot be less than 1ms"
        );
        for (text, ns) in [
            ("1m30s", 90_000_000_000),
            ("500ms", 500_000_000),
            ("1.5s", 1_500_000_000),
        ] {
            assert_eq!(parse_go_duration(text).unwrap(), ns);
            assert_eq!(format_go_duration(ns), text);
        }
        assert_eq!(format_go_duration(3_600_000_000_000), "1h0m0s");
        assert_eq!(format_go_duration(0), "0s");
    }

    /// `RUN --mount=...` parses, and the flag is remembered for the
    /// classic builder to refuse; `ONBUILD` keeps its trigger's text.
    #[test]
    fn run_flags_and_onbuild() {
        let (stages, _) =
            parse_text("FROM b\nRUN --mount=type=cache,target=/x true\nonbuild  RUN echo hi\n")
                .unwrap();
        match &stages[0].commands[0].kind {
            Kind::Run { flags_used, .. } => assert_eq!(flags_used, &vec!["mount".to_string()]),
            k => panic!("{k:?}"),
        }
        assert_eq!(
            stages[0].commands[1].kind,
            Kind::Onbuild("RUN echo hi".into())
        );
    }
}
