//! Starting the daemon: configuration, logging and trace, listeners,
//! middlewares, routers, serving, signals, shutdown.
//!
//! Mirrors moby `cmd/dockerd/daemon.go` (v20.10.24), `DaemonCli.start`,
//! `initMiddlewares`, `initRouter`, `loadListeners`, `setupConfigReloadTrap`
//! and `shutdownDaemon`, in the same order (seed 002 walks the 1.12
//! version of the same function; walkthroughs/01-startup.md walks ours):
//!
//! 1. load the configuration (flags + daemon.json);
//! 2. set up logging and the trace hub;
//! 3. create the data root and the daemon;
//! 4. open the listeners (`loadListeners` → `listeners.Init`) and hand
//!    them to the server (`Accept`);
//! 5. install the middlewares (`initMiddlewares`) and routers
//!    (`initRouter`);
//! 6. serve (`api.Wait` → `serveAPI`), with SIGHUP reloading and
//!    SIGINT/SIGTERM shutting down.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter, Layer};

use crate::config::{Config, DaemonFlags};
use crate::daemon::{Daemon, DaemonConfig};
use crate::server::middleware::{
    AuthzMiddleware, CORSMiddleware, ExperimentalMiddleware, VersionMiddleware,
};
use crate::server::router::{self, Router};
use crate::server::{self, Server};
use crate::trace::{Hub, HubOptions, TraceRecord};
use crate::version::{API_VERSION, ENGINE_VERSION, MIN_API_VERSION};

/// How many trace records may wait between the layer and the hub before
/// new ones are dropped (and counted).
const TRACE_CAPACITY: usize = 8192;

/// `mini-dockerd` with no subcommand: run the daemon until a signal.
pub fn run_daemon(flags: &DaemonFlags) -> ExitCode {
    let config = match Config::load(flags) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("mini-dockerd: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Two worker threads: the machines this runs on have two cores, and a
    // Docker API server spends its time waiting, not computing.
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mini-dockerd: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(start(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("mini-dockerd: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A way to change the log level of the running daemon (SIGHUP).
type SetLevel = Box<dyn Fn(&str) + Send + Sync>;

/// Logging: ordinary log lines go to stderr, or to a file when the TUI owns
/// the screen; trace records go to the trace layer. The subscriber splits
/// the two by target (src/trace/split.rs), so the trace never floods the
/// log and the log level never hides a trace record.
fn init_logging(config: &Config) -> Result<SetLevel, String> {
    let directives = |level: &str| format!("{level},hyper=info,h2=info");
    let (filter, handle) = reload::Layer::new(
        EnvFilter::try_new(directives(&config.log_level)).map_err(|e| e.to_string())?,
    );
    let writer: Box<dyn Fn() -> Box<dyn Write + Send> + Send + Sync> = if config.tui {
        std::fs::create_dir_all(&config.data_root).map_err(|e| e.to_string())?;
        let path = config.data_root.join("mini-dockerd.log");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| format!("opening {}: {e}", path.display()))?;
        let file = Arc::new(std::sync::Mutex::new(file));
        Box::new(move || Box::new(SharedFile(file.clone())))
    } else {
        Box::new(|| Box::new(std::io::stderr()))
    };
    // Colours only on a terminal: a log file or a pipe gets plain text.
    let ansi = !config.tui && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_target(false)
        .with_ansi(ansi)
        .with_filter(filter);
    let logs = tracing_subscriber::registry().with(fmt);
    crate::trace::split::TraceSplit::new(logs)
        .try_init()
        .map_err(|e| e.to_string())?;
    Ok(Box::new(move |level: &str| {
        if let Ok(f) = EnvFilter::try_new(directives(level)) {
            let _ = handle.modify(|old| *old = f);
        }
    }))
}

/// A log file shared by every log line.
struct SharedFile(Arc<std::sync::Mutex<std::fs::File>>);

impl Write for SharedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}

/// moby `DaemonCli.start`.
pub async fn start(config: Config) -> Result<(), String> {
    let set_level = init_logging(&config)?;

    // The trace hub: the --trace-json writer and the in-process TUI are
    // its local sinks; viewers attach later over GET /debug/trace.
    let json: Option<Box<dyn Write + Send>> = match config.trace_json.as_deref() {
        None => None,
        Some("-") => Some(Box::new(std::io::stdout())),
        Some(path) => Some(Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| format!("opening {path}: {e}"))?,
        ))),
    };
    let (tui_tx, tui_rx) = if config.tui {
        let (tx, rx) = mpsc::channel::<TraceRecord>(TRACE_CAPACITY);
        (Some(tx), Some(rx))
    } else {
        (None, None)
    };
    Hub::start(HubOptions {
        capacity: TRACE_CAPACITY,
        json,
        tui: tui_tx,
    });
    router::debug::debug_routes::mark_started();
    tracing::info!("Starting up mini-dockerd {ENGINE_VERSION} (API {API_VERSION})");
    trace_event!(
        "daemon",
        "event",
        "start",
        version = ENGINE_VERSION,
        api_version = API_VERSION
    );

    // The daemon (moby `daemon.NewDaemon`), then its state from disk.
    let daemon = Daemon::new(DaemonConfig {
        data_root: config.data_root.clone(),
        exec_root: config.exec_root.clone(),
        experimental: config.experimental,
        init: config.init,
        debug: config.debug,
        runtime: config.runtime.clone(),
        hosts: config.hosts.clone(),
        bridge: config.bridge.clone(),
        bip: config.bip.clone(),
    });
    if let Some(w) = &daemon.runtime_warning {
        tracing::warn!("{w}");
    }
    // Images (busybox out of the box), volumes, networks.
    daemon
        .restore()
        .map_err(|e| format!("creating the data root {}: {e}", config.data_root.display()))?;
    // moby `daemon.restore`: the containers of the data root.
    let restored = daemon.restore_containers().await;
    tracing::info!("Loaded {restored} container(s)");
    // libnetwork's controller: the bridge network's device and rules.
    daemon.init_bridge()?;

    // moby `loadListeners`: listeners come before anything serves, so a
    // port or socket in use stops the start-up early and clearly.
    // --engine-jobs: the docker 1.x Engine (`engine.New()` in 1.x's
    // `mainDaemon`); its jobs are registered once the routers exist.
    let engine = config.engine_jobs.then(crate::engine::Engine::new);
    // A client gets as long to continue a stalled body as to send a head.
    let read_timeout = read_header_timeout();
    server::httputils::set_body_stall_timeout(read_timeout);
    let mut server = Server::new(server::Config {
        logging: true,
        debug: config.debug,
        cors_headers: config.cors_headers.clone(),
        engine: engine.clone(),
        read_header_timeout: read_timeout,
        ..server::Config::default()
    });
    let tls = crate::tlsconfig::server_acceptor(
        config.tls,
        config.tls_verify,
        config.tls_ca.as_deref(),
        config.tls_cert.as_deref(),
        config.tls_key.as_deref(),
    )?;
    for host in &config.hosts {
        let (proto, addr) = crate::listeners::parse_host(host)?;
        let ls = crate::listeners::init(
            &proto,
            &addr,
            &config.group,
            tls.clone(),
            config.insecure_tcp,
        )?;
        for l in &ls {
            trace_event!(
                "daemon",
                "event",
                "listener",
                host = host.as_str(),
                proto = l.proto()
            );
        }
        server.accept(host, ls);
    }

    init_middlewares(&mut server, &config)?;
    let routers = init_router(&daemon, config.experimental);
    if let Some(eng) = &engine {
        // docker 1.x `builtins.Register(eng)`.
        let n = crate::engine::builtins::register(eng, &routers).map_err(|e| e.to_string())?;
        tracing::info!("Engine jobs mode: {n} jobs registered (docker 1.x engine.Job dispatch)");
        trace_event!("daemon", "event", "engine", jobs = n as u64);
    }
    server.init_router(routers);

    // Shutdown is a watch channel: every connection task holds a receiver
    // and sees the flag flip at once.
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    spawn_signal_handlers(
        shutdown_tx.clone(),
        server.reloader(),
        config.clone(),
        set_level,
    );

    // Tell the user how to reach us. This line is also what the tests wait
    // for: it is printed only once every listener is bound.
    let export = export_line(&config.hosts);
    if config.trace_json.as_deref() == Some("-") || config.tui {
        eprintln!("{export}");
    } else {
        println!("{export}");
        let _ = std::io::stdout().flush();
    }
    tracing::info!("Daemon has completed initialization");

    let serve = tokio::spawn(server.serve_api(shutdown_rx));
    let mut tui_failed = None;
    if let Some(rx) = tui_rx {
        // The TUI ends when the user leaves it, or when a signal stops the
        // daemon (SIGTERM from systemd or `kill`): dropping it there
        // restores the terminal. Leaving it stops the daemon it belongs to.
        let mut stopping = shutdown_tx.subscribe();
        tokio::select! {
            r = crate::tui::run_local(rx, crate::tui::TuiOptions::default()) => {
                // A TUI that could not run (no terminal, a terminal that
                // failed) stops the daemon too, and the exit status says so.
                tui_failed = r.err().map(|e| format!("the TUI stopped: {e}"));
            }
            _ = stopping.wait_for(|stop| *stop) => {}
        }
        let _ = shutdown_tx.send(true);
    }
    let result = serve.await.map_err(|e| e.to_string())?;
    // moby `shutdownDaemon` → `daemon.Shutdown`: stop the running
    // containers (SIGTERM, then SIGKILL after a short timeout).
    daemon.shutdown().await;
    daemon.teardown_bridge();
    trace_event!("daemon", "event", "shutdown");
    // The hub drains on a clock; the last records would wait for a tick
    // that never comes once the runtime stops.
    crate::trace::Hub::flush();
    tracing::info!("Daemon shutdown complete");
    result.map_err(|e| format!("shutting down due to ServeAPI error: {e}"))?;
    tui_failed.map_or(Ok(()), Err)
}

/// How long a client may take to send a request head (Go's
/// `http.Server.ReadHeaderTimeout`), and may pause inside a body. The
/// default is in `server::Config`; the environment variable
/// `MINI_DOCKERD_READ_HEADER_TIMEOUT_MS` changes it, which
/// tests/bad_input.rs uses to see a slow client cut off in well under a
/// second. It is an environment variable rather than a flag because
/// dockerd has no such flag and users should not need one.
fn read_header_timeout() -> std::time::Duration {
    std::env::var("MINI_DOCKERD_READ_HEADER_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(std::time::Duration::from_millis)
        .unwrap_or_else(|| server::Config::default().read_header_timeout)
}

/// The line to paste into a shell to point the docker CLI at us.
fn export_line(hosts: &[String]) -> String {
    let first = hosts.first().map(String::as_str).unwrap_or_default();
    format!("export DOCKER_HOST={first}")
}

/// moby `initMiddlewares`: experimental, version, CORS (when configured),
/// authorization, in that order. Each wraps the previous chain, so a
/// request meets them in reverse: authz first, experimental last.
fn init_middlewares(server: &mut Server, config: &Config) -> Result<(), String> {
    server.use_middleware(Arc::new(ExperimentalMiddleware::new(config.experimental)));
    server.use_middleware(Arc::new(VersionMiddleware::new(
        ENGINE_VERSION,
        API_VERSION,
        MIN_API_VERSION,
    )));
    if !config.cors_headers.is_empty() {
        server.use_middleware(Arc::new(CORSMiddleware::new(&config.cors_headers)));
    }
    let policy = match &config.authz_policy {
        Some(p) => Some(crate::server::middleware::authz::Policy::load(p)?),
        None => None,
    };
    server.use_middleware(Arc::new(AuthzMiddleware::new(policy)));
    Ok(())
}

/// moby `initRouter`: the routers in moby's order. The checkpoint router
/// comes before the container router "or the DELETE gets masked" (moby's
/// own comment): `DELETE /containers/{name:.*}` would match
/// `/containers/x/checkpoints/y` first. The debug router comes last; the
/// server registers its routes once, under /debug, as `createMux` does.
pub fn init_router(daemon: &Arc<Daemon>, experimental: bool) -> Vec<Arc<dyn Router>> {
    vec![
        router::checkpoint::CheckpointRouter::new(experimental),
        router::container::ContainerRouter::new(daemon.clone()),
        router::image::ImageRouter::new(daemon.clone()),
        router::system::SystemRouter::new(daemon.clone()),
        router::volume::VolumeRouter::new(daemon.volumes.clone()),
        router::build::BuildRouter::new(
            Arc::new(crate::server::backend::build::Backend::new(
                daemon.clone(),
                crate::builder::dockerfile::BuildManager::new(daemon.clone(), daemon.builder_dir()),
            )),
            experimental,
        ),
        router::session::SessionRouter::new(),
        router::swarm::SwarmRouter::new(),
        router::plugin::PluginRouter::new(Arc::new(crate::plugin::Manager::new())),
        router::distribution::DistributionRouter::new(),
        router::grpc::GrpcRouter::new(),
        router::network::NetworkRouter::new(daemon.clone()),
        router::debug::DebugRouter::new(),
    ]
}

/// A server with every router, for `mini-dockerd routes`: no listeners,
/// no data root, nothing started. (The sim runtime: listing routes must
/// not probe the host.)
pub fn build_server_for_listing() -> Server {
    let daemon = Daemon::new(DaemonConfig {
        runtime: Some("sim".into()),
        ..DaemonConfig::default()
    });
    let mut server = Server::new(server::Config::default());
    server.init_router(init_router(&daemon, false));
    server
}

/// moby `trap.Trap(cli.stop)` and `setupConfigReloadTrap`: SIGINT and
/// SIGTERM stop the daemon; SIGHUP re-reads daemon.json and applies what
/// can change live (the debug flag and the log level).
fn spawn_signal_handlers(
    shutdown: watch::Sender<bool>,
    reloader: server::Reloader,
    config: Config,
    set_level: SetLevel,
) {
    use tokio::signal::unix::{signal, SignalKind};
    // The handlers are installed here, before this function returns, and
    // not inside the task: the task may first run after the export line is
    // printed, and a SIGTERM in between would kill the daemon with the
    // default action (no clean shutdown, socket file left behind).
    let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        tracing::error!("cannot install signal handlers");
        return;
    };
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = int.recv() => break,
                _ = term.recv() => break,
                _ = hup.recv() => match config.reloadable() {
                    Ok((debug_on, level)) => {
                        set_level(&level);
                        reloader.reload(debug_on);
                        tracing::info!("Reloaded configuration: debug={debug_on} log-level={level}");
                    }
                    Err(e) => tracing::error!("Error reconfiguring the daemon: {e}"),
                },
            }
        }
        tracing::info!("Processing signal: shutting down");
        let _ = shutdown.send(true);
    });
}
