//! `mini-dockerd walkthrough NAME`: replay a lesson's requests and narrate
//! the stages each one went through, for learners without a second
//! terminal.
//!
//! Not a moby feature: dockerd has nothing like it. It is the lessons in
//! walkthroughs/ turned into a program. For each request of the lesson
//! ([`lessons::LESSONS`]) it sends the request to a daemon, reads the trace
//! records of that request from the daemon's own trace stream
//! (`GET /debug/trace` on the same socket, the stream `mini-dockerd tui`
//! attaches to), and prints one line per request:
//!
//! ```text
//! request 3: GET /v1.41/version → mux matched /v{version:[0-9.]+}/version after 103 tries
//!   → AuthzMiddleware (allow (no policy)) → VersionMiddleware (api 1.41)
//!   → ExperimentalMiddleware → getVersion (system/system_routes.go) → 200, 588 bytes, 0.5 ms
//! ```
//!
//! Which daemon: the one given with `-H`, else the default socket; when
//! nobody answers there (or the daemon there has no trace stream, such as
//! a real dockerd), a private daemon is started from this same binary on a
//! temporary socket and data root, and stopped at the end. Lesson 08 always
//! gets a private daemon started with `--engine-jobs`, unless `-H` is
//! given, so that the jobs show.

pub mod client;
pub mod lessons;
pub mod narrate;

use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::trace::TraceRecord;
use client::Host;
use lessons::Lesson;

/// How long to wait for a request's trace records after its response.
const TRACE_WAIT: Duration = Duration::from_secs(3);

/// The command's entry point. `host`: `-H`, if given.
pub fn run(name: &str, host: Option<String>) -> ExitCode {
    let Some(lesson) = lessons::find(name) else {
        eprintln!("mini-dockerd walkthrough: no lesson named {name:?}. Lessons:");
        for l in lessons::LESSONS {
            eprintln!("  {:<24} {}", l.name, l.title);
        }
        return ExitCode::FAILURE;
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mini-dockerd walkthrough: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(replay(lesson, host)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mini-dockerd walkthrough: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A daemon we started ourselves; stopped (SIGTERM, then waited for) when
/// dropped.
struct PrivateDaemon {
    child: Child,
    dir: PathBuf,
}

impl PrivateDaemon {
    /// SIGTERM, then wait for the exit without blocking the runtime: the
    /// runtime has to keep running so that our side of the trace
    /// connection gets closed, or the daemon would wait for it.
    async fn stop(mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for PrivateDaemon {
    /// The last resort (an error path): kill, reap, remove the directory.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Start this binary as a daemon on a temporary socket and wait until it
/// answers `_ping` (bounded).
async fn start_private(extra: &[&str]) -> Result<(Host, PrivateDaemon), String> {
    let dir = std::env::temp_dir().join(format!(
        "mini-dockerd-walkthrough-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let sock = dir.join("d.sock");
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let child = Command::new(exe)
        .arg("-H")
        .arg(format!("unix://{}", sock.display()))
        .arg("--data-root")
        .arg(dir.join("data"))
        .arg("--exec-root")
        .arg(dir.join("exec"))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting a private daemon: {e}"))?;
    let daemon = PrivateDaemon { child, dir };
    let host = Host::Unix(sock);
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if client::ping(&host).await {
            return Ok((host, daemon));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err("the private daemon did not answer within 15 s".into())
}

async fn replay(lesson: &Lesson, host: Option<String>) -> Result<(), String> {
    let explicit = host.is_some();
    let host_str = host.unwrap_or_else(|| crate::config::Defaults::for_current_user().host);
    let mut private = None;
    let mut target = Host::parse(&host_str)?;
    let mut trace = None;
    let wants_private = !explicit && !lesson.daemon_flags.is_empty();
    if !wants_private && client::ping(&target).await {
        trace = client::open_trace(&target).await.ok();
        if trace.is_none() {
            println!(
                "(the daemon at {host_str} has no trace stream: starting a private mini-dockerd)"
            );
        }
    } else if !wants_private {
        println!("(no daemon answers at {host_str}: starting a private mini-dockerd)");
    }
    if trace.is_none() {
        let (h, d) = start_private(lesson.daemon_flags).await?;
        if !lesson.daemon_flags.is_empty() {
            println!(
                "(a private mini-dockerd started with {})",
                lesson.daemon_flags.join(" ")
            );
        }
        target = h;
        private = Some(d);
        trace = Some(client::open_trace(&target).await?);
    }
    let mut records = trace.ok_or("no trace stream")?;
    println!("walkthrough {}: {}", lesson.name, lesson.title);
    println!("daemon: {}\n", target);

    let mut last_id = String::new();
    for (i, step) in lesson.requests.iter().enumerate() {
        let n = i + 1;
        if !step.note.is_empty() {
            println!("# {}", step.note);
        }
        if step.path.contains("{id}") && last_id.is_empty() {
            println!(
                "request {n}: {} {} → (skipped: no container id, the create request failed)\n",
                step.method, step.path
            );
            continue;
        }
        let path = step.path.replace("{id}", &last_id);
        let ua = format!("mini-dockerd-walkthrough/{n}");
        let resp = client::request(&target, step.method, &path, step.body, &ua).await?;
        if let Some(id) = resp.json_id() {
            last_id = id;
        }
        let recs = collect_request(&mut records.rx, &ua).await;
        println!("{}", narrate::narrate(n, step.method, &path, &recs));
        if let Some(msg) = resp.error_message() {
            println!("    message: {msg}");
        }
        println!();
    }
    // The viewer first, then the daemon: a daemon shutting down waits for
    // open connections, and the trace stream never ends by itself.
    drop(records);
    if let Some(d) = private {
        d.stop().await;
    }
    Ok(())
}

/// Gather the records of the request whose User-Agent is `ua`: find its
/// `request head` record to learn its id, then take records with that id
/// until `response end` (or the deadline).
async fn collect_request(rx: &mut mpsc::Receiver<TraceRecord>, ua: &str) -> Vec<TraceRecord> {
    let deadline = tokio::time::Instant::now() + TRACE_WAIT;
    let mut req_id = None;
    let mut out = Vec::new();
    loop {
        let r = tokio::time::timeout_at(deadline, rx.recv()).await;
        let Ok(Some(rec)) = r else { return out };
        match req_id {
            None => {
                if rec.stage == crate::trace::Stage::Request
                    && rec.field_str("user_agent").as_deref() == Some(ua)
                {
                    req_id = Some((rec.conn, rec.req));
                    out.push(rec);
                }
            }
            Some((conn, req)) => {
                if rec.req == req || (rec.req == 0 && rec.conn == conn && rec.name == "close") {
                    let end = rec.stage == crate::trace::Stage::Response && rec.name == "end";
                    if rec.req == req {
                        out.push(rec);
                    }
                    if end {
                        return out;
                    }
                }
            }
        }
    }
}
