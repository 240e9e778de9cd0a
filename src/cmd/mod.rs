//! The `mini-dockerd` command line: the daemon and its helper commands.
//!
//! Mirrors moby `cmd/dockerd/docker.go` (`newDaemonCommand`, `runDaemon`)
//! and `cmd/dockerd/options.go` (v20.10.24). With no subcommand the binary
//! is the daemon, as `dockerd` is; the subcommands are mini-dockerd's own:
//!
//! - `routes`: print the route table (method, template, handler, moby file);
//! - `tui`: attach the TUI to a running daemon, or replay a trace file;
//! - `walkthrough NAME`: replay a lesson's requests and narrate their
//!   stages (src/walkthrough/).
//!
//! Lesson: `walkthroughs/01-startup.md`.

pub mod daemon;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::DaemonFlags;

/// `mini-dockerd`: a small, real Docker daemon that mirrors moby's API
/// server stage for stage and traces every stage.
#[derive(Debug, Parser)]
#[command(name = "mini-dockerd", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub daemon: DaemonFlags,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the API route table: method, path template, moby handler, moby file
    Routes,
    /// Watch a running daemon's requests flow through its stages, or replay a trace file
    Tui {
        /// The daemon to attach to (default: the daemon's default socket)
        #[arg(short = 'H', long = "host", value_name = "HOST")]
        host: Option<String>,
        /// Play back a --trace-json recording instead of attaching
        #[arg(long = "replay", value_name = "FILE")]
        replay: Option<std::path::PathBuf>,
        /// Replay speed (2.0 = twice as fast)
        #[arg(long = "speed", default_value_t = 1.0)]
        speed: f64,
    },
    /// Replay a lesson's requests (walkthroughs/NAME.md) and narrate the stages each went through
    Walkthrough {
        /// The lesson: `03-the-mux`, `03` or `the-mux`
        name: String,
        /// The daemon to talk to (default: the default socket; a private daemon when none answers)
        #[arg(short = 'H', long = "host", value_name = "HOST")]
        host: Option<String>,
    },
}

/// The binary's entry point after the re-exec check (see
/// `src/bin/mini-dockerd.rs`).
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Routes) => {
            restore_default_sigpipe();
            print_routes();
            ExitCode::SUCCESS
        }
        Some(Command::Tui {
            host,
            replay,
            speed,
        }) => run_tui(host, replay, speed),
        Some(Command::Walkthrough { name, host }) => {
            restore_default_sigpipe();
            crate::walkthrough::run(&name, host)
        }
        None => daemon::run_daemon(&cli.daemon),
    }
}

/// Let a printing command die quietly when its reader goes away
/// (`mini-dockerd routes | head -3`), as C programs do. Rust ignores
/// SIGPIPE so that a write to a closed socket is an error, not a death;
/// the daemon needs that, a command that only prints does not, and would
/// otherwise panic in `println!`.
fn restore_default_sigpipe() {
    // SAFETY: setting a signal's disposition to its default, before any
    // thread that could be writing exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// `mini-dockerd routes`: the table as moby registers it, one line per
/// route of each router (each is registered twice in the mux: with the
/// `/v{version:[0-9.]+}` prefix and without; the debug routes once).
fn print_routes() {
    let server = daemon::build_server_for_listing();
    let table = server.route_table();
    println!(
        "{:<8} {:<48} {:<28} MOBY FILE",
        "METHOD", "TEMPLATE", "HANDLER"
    );
    for (method, path, handler, _router, file) in &table {
        println!("{method:<8} {path:<48} {handler:<28} {file}");
    }
    println!(
        "{} routes from {} routers (moby v20.10.24 api/server/router); plus mini-dockerd's own GET {} (the trace stream)",
        table.len(),
        {
            let mut routers: Vec<&String> = table.iter().map(|r| &r.3).collect();
            routers.dedup();
            routers.len()
        },
        crate::server::TRACE_ROUTE
    );
}

/// `mini-dockerd tui`: replay a recording, or attach to a daemon's
/// `GET /debug/trace` (the default socket when `-H` is not given).
fn run_tui(host: Option<String>, replay: Option<std::path::PathBuf>, speed: f64) -> ExitCode {
    let opts = crate::tui::TuiOptions {
        replay_speed: speed,
        ..Default::default()
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mini-dockerd tui: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async {
        match replay {
            Some(path) => crate::tui::run_replay(&path, opts).await,
            None => {
                let host = host.unwrap_or_else(|| crate::config::Defaults::for_current_user().host);
                crate::tui::run_attach(&host, opts).await
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mini-dockerd tui: {e}");
            ExitCode::FAILURE
        }
    }
}
