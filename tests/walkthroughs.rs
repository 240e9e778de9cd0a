//! The lessons in walkthroughs/ are tests: every command a learner is told
//! to type runs here against a real daemon, and its output must match.
//!
//! Markup the harness reads (see walkthroughs/README.md, "Writing a
//! lesson"):
//!
//! - a fenced block whose info string is `console walk` is run; `$ cmd`
//!   lines are commands (run with `sh -c`), the lines after each are the
//!   expected output. In expected lines `[..]` matches any text within the
//!   line, and a line `...` matches any number of lines (trycmd's rules).
//! - attributes after `walk`: `needs=FEATURE` (skip the block, with a
//!   printed reason, while the daemon answers "is not implemented in
//!   mini-dockerd" to it: lessons 06/07 start passing when containers and
//!   streams land); `daemon-flags="--engine-jobs"` (run against a daemon
//!   started with those flags); `private` (a fresh daemon for this block,
//!   for blocks that signal or stop it); `trace="a → b → c"` (the block's
//!   requests must produce these trace stages, in this order, on one
//!   connection; a step is `stage` or `stage:name`).
//! - `$SOCK` is the daemon's socket path, `$DOCKER_HOST` its unix:// URL,
//!   `$PID` its process id, `$TRACE` its `--trace-json` file; `mini-dockerd`
//!   on PATH is the binary under test.
//!
//! A second test checks every code reference of the form
//! `` [ours: `src/x.rs` `name`] `` against this repository, and a third
//! checks `` [moby: `path` `name`] `` (and `` [moby v1.5.0: ...] ``) against
//! a moby git mirror, skipped with a printed reason when there is none
//! (`MOBY_SRC` or /work/.mirror/moby+moby/repo).

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::TestDaemon;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lessons() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo_root().join("walkthroughs"))
        .expect("walkthroughs/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "md")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.as_bytes()[0].is_ascii_digit())
        })
        .collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------
// Parsing lessons
// ---------------------------------------------------------------------

#[derive(Debug, Default, Clone)]
struct Block {
    line: usize,
    needs: Option<String>,
    daemon_flags: Vec<String>,
    private: bool,
    trace: Vec<String>,
    steps: Vec<(String, Vec<String>)>,
}

/// Split an info string into words, keeping `key="a b"` together.
fn info_words(info: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in info.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn parse_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let Some(info) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        let words = info_words(info);
        let runnable = words.first().map(String::as_str) == Some("console")
            && words.iter().any(|w| w == "walk");
        let mut body = Vec::new();
        for (_, l) in lines.by_ref() {
            if l.trim_start().starts_with("```") {
                break;
            }
            body.push(l.to_string());
        }
        if !runnable {
            continue;
        }
        let mut b = Block {
            line: i + 1,
            ..Block::default()
        };
        for w in &words[1..] {
            if let Some(v) = w.strip_prefix("needs=") {
                b.needs = Some(v.to_string());
            } else if let Some(v) = w.strip_prefix("daemon-flags=") {
                b.daemon_flags = v.split_whitespace().map(str::to_string).collect();
            } else if w == "private" {
                b.private = true;
            } else if let Some(v) = w.strip_prefix("trace=") {
                b.trace = v
                    .split('→')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
            }
        }
        for l in body {
            if let Some(cmd) = l.strip_prefix("$ ") {
                b.steps.push((cmd.to_string(), Vec::new()));
            } else if let Some(last) = b.steps.last_mut() {
                last.1.push(l);
            }
        }
        blocks.push(b);
    }
    blocks
}

// ---------------------------------------------------------------------
// Matching output
// ---------------------------------------------------------------------

/// One line against one pattern line: `[..]` matches any text.
fn line_matches(pattern: &str, line: &str) -> bool {
    let pattern = pattern.trim_end();
    let line = line.trim_end();
    let parts: Vec<&str> = pattern.split("[..]").collect();
    if parts.len() == 1 {
        return pattern == line;
    }
    let mut rest = line;
    for (i, p) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(p) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(p);
        } else {
            let Some(pos) = rest.find(p) else {
                return false;
            };
            rest = &rest[pos + p.len()..];
        }
    }
    true
}

/// Expected lines against actual lines; a `...` line matches any number
/// of lines (tried greedily from the shortest).
fn lines_match(expected: &[String], actual: &[&str]) -> bool {
    match expected.first() {
        None => actual.iter().all(|l| l.trim().is_empty()),
        Some(e) if e.trim() == "..." => {
            (0..=actual.len()).any(|k| lines_match(&expected[1..], &actual[k..]))
        }
        Some(e) => {
            !actual.is_empty()
                && line_matches(e, actual[0])
                && lines_match(&expected[1..], &actual[1..])
        }
    }
}

// ---------------------------------------------------------------------
// Daemons
// ---------------------------------------------------------------------

/// A daemon for the lessons: the team's [`TestDaemon`] (temporary socket
/// and data root, started once it prints its `export DOCKER_HOST=` line),
/// with a `--trace-json` file the `trace=` checks read.
struct Daemon {
    td: TestDaemon,
    trace: PathBuf,
}

impl Daemon {
    fn start(flags: &[String]) -> Daemon {
        // The trace file is named before the daemon (and its temporary
        // directory) exists, so it lives beside it, removed on drop.
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let trace = std::env::temp_dir().join(format!("mdwalk-{}-{n}.jsonl", std::process::id()));
        let mut args: Vec<String> = vec!["--trace-json".into(), trace.display().to_string()];
        args.extend(flags.iter().cloned());
        let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let td = TestDaemon::start_with(&arg_refs);
        // The `export` line comes when the listeners are bound; the mux is
        // installed and the accept loops started just after. Lessons read
        // the start-up records, so wait (bounded) for the last of them.
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let text = std::fs::read_to_string(&trace).unwrap_or_default();
            if text.contains(r#""stage":"daemon","phase":"event","name":"listen""#) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Daemon { td, trace }
    }

    fn dir(&self) -> &Path {
        &self.td.dir
    }

    fn env(&self, bin_dir: &Path) -> Vec<(String, String)> {
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        vec![
            ("SOCK".into(), self.td.socket.display().to_string()),
            ("DOCKER_HOST".into(), self.td.host.clone()),
            ("PID".into(), self.td.pid().to_string()),
            ("TRACE".into(), self.trace.display().to_string()),
            ("TMP".into(), self.td.dir.display().to_string()),
            ("PATH".into(), path),
        ]
    }

    fn trace_len(&self) -> usize {
        std::fs::read(&self.trace).map(|b| b.len()).unwrap_or(0)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // The daemon itself goes with `td`; the trace file is ours.
        let _ = std::fs::remove_file(&self.trace);
    }
}

/// The sequence of `stage:name` steps per connection in trace bytes
/// (enter and event records; exits close what is already listed).
fn stage_sequences(bytes: &[u8]) -> HashMap<u64, Vec<(String, String)>> {
    let mut by_conn: HashMap<u64, Vec<(String, String)>> = HashMap::new();
    for line in bytes.split(|b| *b == b'\n') {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        let conn = v["conn"].as_u64().unwrap_or(0);
        if conn == 0 || v["phase"] == "exit" {
            continue;
        }
        let stage = v["stage"].as_str().unwrap_or_default().to_string();
        let name = v["name"].as_str().unwrap_or_default().to_string();
        by_conn.entry(conn).or_default().push((stage, name));
    }
    by_conn
}

fn has_subsequence(seq: &[(String, String)], want: &[String]) -> bool {
    let mut it = seq.iter();
    want.iter().all(|w| {
        let (ws, wn) = w.split_once(':').unwrap_or((w.as_str(), ""));
        it.any(|(s, n)| s == ws && (wn.is_empty() || n == wn))
    })
}

/// The binary under test.
fn bin() -> PathBuf {
    common::daemon_bin()
}

/// A directory holding `mini-dockerd` (a symlink to [`bin`]), put first
/// on the commands' PATH.
fn bin_dir(bin: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(bin, dir.path().join("mini-dockerd")).expect("symlink");
    dir
}

/// Whether the container features exist yet: `GET /v1.41/containers/json`
/// answers something other than 501. Blocks marked `needs=` are skipped
/// until then (their commands' failures would say nothing about the
/// lesson).
fn feature_ready(sock: &Path) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::os::unix::net::UnixStream::connect(sock) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    if s.write_all(b"GET /v1.41/containers/json HTTP/1.0\r\nHost: docker\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    if s.read_exact(&mut head).is_err() {
        return false;
    }
    &head[9..12] != b"501"
}

/// How long one command of a lesson may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// Run one lesson command with `sh -c` in its own process group; return
/// stdout then stderr. A command that outlives [`COMMAND_TIMEOUT`] (a
/// lesson that leaves a background process holding the output pipe, say)
/// has its whole group killed and fails with a note.
fn run_command(cmd: &str, env: &[(String, String)], dir: &Path) -> String {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("run sh");
    let pgid = child.id() as i32;
    // Each pipe is read on its own thread and handed back on a channel, so
    // that waiting for it can have a deadline.
    let read = |mut r: Box<dyn Read + Send>| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
        rx
    };
    let out = read(Box::new(child.stdout.take().expect("stdout")));
    let err = read(Box::new(child.stderr.take().expect("stderr")));
    let deadline = Instant::now() + COMMAND_TIMEOUT;
    let mut timed_out = false;
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if Instant::now() > deadline {
            timed_out = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let kill_group = || {
        // SAFETY: kill(2) on our own child's process group.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    };
    if timed_out {
        kill_group();
    }
    let _ = child.wait();
    // A process the command left running in the background may still hold
    // a pipe (a lesson that starts a daemon with `&` and forgets to
    // redirect its output): wait a little, then kill the group.
    let mut collect = |rx: std::sync::mpsc::Receiver<Vec<u8>>| {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .min(Duration::from_secs(5));
        match rx.recv_timeout(left) {
            Ok(b) => b,
            Err(_) => {
                timed_out = true;
                kill_group();
                rx.recv().unwrap_or_default()
            }
        }
    };
    let mut text = String::from_utf8_lossy(&collect(out)).to_string();
    text.push_str(&String::from_utf8_lossy(&collect(err)));
    if timed_out {
        text.push_str(&format!("\n(killed after {COMMAND_TIMEOUT:?})"));
    }
    text
}

// ---------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------

/// Every `console walk` block of every lesson runs against a daemon on a
/// temp socket, and prints what the lesson says it prints; blocks with a
/// `trace=` annotation also produce those trace stages in that order.
#[test]
fn lessons_run_as_written() {
    let bin = bin();
    let bin_dir_guard = bin_dir(&bin);
    let bin_dir = bin_dir_guard.path().to_path_buf();
    let have_docker = Command::new("docker")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let only = std::env::var("WALK_ONLY").ok();
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut skipped = Vec::new();
    for lesson in lessons() {
        let name = lesson.file_name().unwrap().to_string_lossy().to_string();
        if only.as_deref().is_some_and(|o| !name.starts_with(o)) {
            continue;
        }
        let text = std::fs::read_to_string(&lesson).unwrap();
        let mut daemons: HashMap<Vec<String>, Daemon> = HashMap::new();
        for block in parse_blocks(&text) {
            let at = format!("{name}:{}", block.line);
            if !have_docker && block.steps.iter().any(|(c, _)| c.contains("docker ")) {
                skipped.push(format!("{at}: no docker CLI on PATH"));
                continue;
            }
            let mut private_daemon = None;
            let daemon = if block.private {
                private_daemon = Some(Daemon::start(&block.daemon_flags));
                private_daemon.as_ref().unwrap()
            } else {
                daemons
                    .entry(block.daemon_flags.clone())
                    .or_insert_with(|| Daemon::start(&block.daemon_flags))
            };
            let env = daemon.env(&bin_dir);
            if let Some(feature) = &block.needs {
                if !feature_ready(&daemon.td.socket) {
                    skipped.push(format!(
                        "{at}: needs {feature}, and GET /v1.41/containers/json answers 501"
                    ));
                    continue;
                }
            }
            let trace_from = daemon.trace_len();
            let mut block_failed = None;
            let mut skip = None;
            for (cmd, expected) in &block.steps {
                let text = run_command(cmd, &env, daemon.dir());
                if let Some(feature) = &block.needs {
                    if text.contains("is not implemented in mini-dockerd") {
                        skip = Some(format!(
                            "{at}: needs {feature}, and the daemon answers 501 (`{cmd}`)"
                        ));
                        break;
                    }
                }
                let actual: Vec<&str> = text.lines().collect();
                if !lines_match(expected, &actual) {
                    block_failed = Some(format!(
                        "{at}: `{cmd}`\n--- expected\n{}\n--- actual\n{}",
                        expected.join("\n"),
                        text
                    ));
                    break;
                }
            }
            if let Some(s) = skip {
                skipped.push(s);
                continue;
            }
            if block_failed.is_none() && !block.trace.is_empty() {
                // The trace file is written in batches; poll it (bounded)
                // until the stages appear.
                let deadline = Instant::now() + Duration::from_secs(3);
                let mut ok = false;
                while Instant::now() < deadline {
                    let bytes = std::fs::read(&daemon.trace).unwrap_or_default();
                    let seqs = stage_sequences(&bytes[trace_from.min(bytes.len())..]);
                    if seqs.values().any(|s| has_subsequence(s, &block.trace)) {
                        ok = true;
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(25));
                }
                if !ok {
                    let bytes = std::fs::read(&daemon.trace).unwrap_or_default();
                    let seqs = stage_sequences(&bytes[trace_from.min(bytes.len())..]);
                    block_failed = Some(format!(
                        "{at}: trace stages {:?} not found; the block produced {:?}",
                        block.trace, seqs
                    ));
                }
            }
            drop(private_daemon);
            ran += 1;
            if let Some(f) = block_failed {
                failures.push(f);
            }
        }
    }
    for s in &skipped {
        println!("skipped {s}");
    }
    println!("{ran} lesson blocks ran, {} skipped", skipped.len());
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
    assert!(ran > 0 || only.is_some(), "no lesson block ran");
}

/// A code reference in a lesson: `[ours: `path` `name`]` or
/// `[moby: `path` `name`]` / `[moby v1.5.0: `path` `name`]`.
#[derive(Debug)]
struct Reference {
    at: String,
    ours: bool,
    tag: String,
    path: String,
    name: Option<String>,
}

fn references() -> Vec<Reference> {
    let mut out = Vec::new();
    let mut files = lessons();
    files.push(repo_root().join("walkthroughs/README.md"));
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(start) = rest.find('[') {
                rest = &rest[start + 1..];
                let Some(end) = rest.find(']') else { break };
                let inner = &rest[..end];
                let Some((head, body)) = inner.split_once(": `") else {
                    continue;
                };
                let (ours, tag) = match head {
                    "ours" => (true, String::new()),
                    "moby" => (false, "v20.10.24".to_string()),
                    h if h.starts_with("moby v") => (false, h[5..].to_string()),
                    _ => continue,
                };
                let ticks: Vec<&str> = body
                    .split('`')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect();
                out.push(Reference {
                    at: format!("{name}:{}", i + 1),
                    ours,
                    tag,
                    path: ticks[0].to_string(),
                    name: ticks.get(1).map(|s| s.to_string()),
                });
                rest = &rest[end..];
            }
        }
    }
    out
}

/// Does `text` define `name`? `Type.method` / `Type::method` means a
/// method of that type.
fn defines(text: &str, name: &str, go: bool) -> bool {
    let (recv, item) = match name.split_once("::").or_else(|| name.split_once('.')) {
        Some((r, i)) => (Some(r), i),
        None => (None, name),
    };
    let item = item.trim_end_matches("()");
    let lines: Vec<&str> = text.lines().collect();
    if go {
        lines.iter().any(|l| {
            let t = l.trim_start();
            match recv {
                Some(r) => {
                    t.starts_with("func (")
                        && t.contains(&format!("{r}) {item}("))
                        && (t.contains(&format!("*{r})")) || t.contains(&format!(" {r})")))
                }
                None => {
                    t.starts_with(&format!("func {item}("))
                        || t.starts_with(&format!("func {item}["))
                        || (t.starts_with("func (") && t.contains(&format!(") {item}(")))
                        || t.starts_with(&format!("type {item} "))
                        || t.starts_with(&format!("{item} "))
                            && (t.contains(" = ")
                                || t.contains(" struct")
                                || t.contains(" interface"))
                        || t.starts_with(&format!("const {item} "))
                        || t.starts_with(&format!("var {item} "))
                }
            }
        })
    } else {
        let defs = [
            "fn ",
            "struct ",
            "enum ",
            "trait ",
            "const ",
            "static ",
            "type ",
            "mod ",
            "macro_rules! ",
        ];
        let has_item = lines.iter().any(|l| {
            let t = l
                .trim_start()
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub(super) ")
                .trim_start_matches("pub ")
                .trim_start_matches("async ");
            defs.iter().any(|d| {
                t.strip_prefix(d).is_some_and(|r| {
                    r.starts_with(item)
                        && !r[item.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
                })
            })
        });
        has_item
            && recv.is_none_or(|r| {
                text.contains(&format!("impl {r}"))
                    || text.contains(&format!("for {r}"))
                    || text.contains(&format!("trait {r}"))
            })
    }
}

/// Every `[ours: ...]` reference in the lessons names a file of this
/// repository and, when given, an item that file defines: the lessons
/// break loudly when code moves.
#[test]
fn our_references_exist() {
    let refs: Vec<Reference> = references().into_iter().filter(|r| r.ours).collect();
    assert!(refs.len() > 20, "the lessons should point at our code");
    let mut bad = Vec::new();
    for r in &refs {
        let p = repo_root().join(&r.path);
        let Ok(text) = std::fs::read_to_string(&p) else {
            bad.push(format!("{}: no file {}", r.at, r.path));
            continue;
        };
        if let Some(n) = &r.name {
            if !defines(&text, n, false) {
                bad.push(format!("{}: {} does not define {n}", r.at, r.path));
            }
        }
    }
    assert!(bad.is_empty(), "\n{}", bad.join("\n"));
}

/// Every lesson the code points at (a numbered lesson file in a
/// comment) exists: the code's comments and the lessons cannot drift
/// apart either.
#[test]
fn lessons_named_in_the_code_exist() {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&repo_root().join("src"), &mut files);
    let mut bad = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (i, _) in text.match_indices("walkthroughs/") {
            let rest = &text[i..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || "/-_.".contains(c)))
                .unwrap_or(rest.len());
            let name = rest[..end].trim_end_matches('.');
            let numbered = name
                .strip_prefix("walkthroughs/")
                .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()));
            if numbered && name.ends_with(".md") && !repo_root().join(name).exists() {
                bad.push(format!("{}: {name}", f.display()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "lessons named in the code that do not exist:\n{}",
        bad.join("\n")
    );
}

/// Every `[moby: ...]` reference names a file at moby v20.10.24 (or the
/// tag given, for the docker 1.x lesson) and a Go item defined in it.
/// Needs a moby git mirror: `MOBY_SRC=/path/to/moby.git` or
/// /work/.mirror/moby+moby/repo; skipped (with a message) without one,
/// since CI has neither the mirror nor the network.
#[test]
fn moby_references_exist() {
    let repo = std::env::var("MOBY_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("/work/.mirror/moby+moby/repo"));
    if !repo.exists() {
        println!(
            "skipped: no moby mirror at {} (set MOBY_SRC to a clone of github.com/moby/moby)",
            repo.display()
        );
        return;
    }
    let refs: Vec<Reference> = references().into_iter().filter(|r| !r.ours).collect();
    assert!(refs.len() > 20, "the lessons should point at moby");
    let mut cache: HashMap<(String, String), Option<String>> = HashMap::new();
    let mut bad = Vec::new();
    for r in &refs {
        let text = cache
            .entry((r.tag.clone(), r.path.clone()))
            .or_insert_with(|| {
                let out = Command::new("git")
                    .arg("-C")
                    .arg(&repo)
                    .arg("show")
                    .arg(format!("{}:{}", r.tag, r.path))
                    .output()
                    .ok()?;
                out.status
                    .success()
                    .then(|| String::from_utf8_lossy(&out.stdout).to_string())
            })
            .clone();
        let Some(text) = text else {
            bad.push(format!("{}: no {} at {}", r.at, r.path, r.tag));
            continue;
        };
        if let Some(n) = &r.name {
            if !defines(&text, n, true) {
                bad.push(format!(
                    "{}: {}:{} does not define {n}",
                    r.at, r.tag, r.path
                ));
            }
        }
    }
    println!("{} moby references checked", refs.len());
    assert!(bad.is_empty(), "\n{}", bad.join("\n"));
}

/// The matcher itself: `[..]` within a line, `...` across lines.
#[test]
fn matcher_wildcards() {
    assert!(line_matches("abc", "abc"));
    assert!(line_matches("a[..]c", "abbbc"));
    assert!(line_matches("[..]", "anything"));
    assert!(!line_matches("a[..]d", "abc"));
    assert!(line_matches("\"Id\":\"[..]\"", "\"Id\":\"4f2a\""));
    let exp: Vec<String> = ["first", "...", "last"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert!(lines_match(&exp, &["first", "x", "y", "last"]));
    assert!(lines_match(&exp, &["first", "last"]));
    assert!(!lines_match(&exp, &["first", "x"]));
}
