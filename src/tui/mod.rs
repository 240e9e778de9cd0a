//! The live TUI: each request shown flowing through the server's stages.
//!
//! Built the way tokio-console and ratatui's async examples build theirs:
//! a model ([`app::App`]) changed only by messages, pure input mapping
//! ([`input`]), rendering as `impl Widget for &App` ([`ui`], [`widgets`]),
//! and one `select!` loop here over terminal events and a frame tick; the
//! records are drained once per frame with a cap, never one redraw per
//! record. moby has no TUI: what it shows is moby's `api/server` pipeline
//! (listeners, mux, middlewares, handlers, backend), from the trace records
//! in `src/trace/`.
//!
//! Three ways in, for the binary to call:
//!
//! - [`run_local`]: `mini-dockerd --tui`, daemon and TUI in one process;
//! - [`run_attach`]: `mini-dockerd tui --host …`, a running daemon's
//!   `GET /debug/trace`;
//! - [`run_replay`]: `mini-dockerd tui --replay FILE`, a `--trace-json`
//!   recording, so a class can follow along without root or Linux.
//!
//! While the TUI draws on stdout nothing else may write there: the
//! daemon's logs go to a file (see ratatui's `examples/apps/tracing`).
//!
//! Lesson: `walkthroughs/11-tracing-and-the-tui.md`.

pub mod app;
pub mod export;
pub mod flow;
pub mod input;
pub mod source;
pub mod term;
pub mod ui;
pub mod widgets;

use std::path::Path;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};

use crate::trace::TraceRecord;
use app::{App, Message};
use source::Source;

/// At most this many records are taken into the model per frame; the rest
/// wait in the channel for the next frame (and if the channel fills, the
/// producer counts drops rather than waiting for us).
pub const DRAIN_CAP: usize = 4096;

/// How the TUI runs.
#[derive(Debug, Clone, PartialEq)]
pub struct TuiOptions {
    /// How many requests are kept; older ones are evicted.
    pub window: usize,
    /// Replay speed: 2.0 plays a recording twice as fast as it happened.
    pub replay_speed: f64,
    /// Frames per second.
    pub fps: u16,
}

impl Default for TuiOptions {
    fn default() -> Self {
        TuiOptions {
            window: 1000,
            replay_speed: 1.0,
            fps: 30,
        }
    }
}

impl TuiOptions {
    /// The frame interval: 1/fps seconds (a named unit, so 30 cannot become
    /// a 30-second tick).
    pub fn frame_interval(&self) -> Duration {
        Duration::from_secs_f64(1.0 / f64::from(self.fps.clamp(1, 240)))
    }
}

/// `mini-dockerd --tui`: the daemon in this process sends its records on
/// `records` (the hub's `HubOptions::tui` channel).
pub async fn run_local(
    records: mpsc::Receiver<TraceRecord>,
    opts: TuiOptions,
) -> std::io::Result<()> {
    run(Source::local(records), opts, None, "live".into()).await
}

/// `mini-dockerd tui --host unix:///path | tcp://host:port`: attach to a
/// running daemon's trace stream; shows "disconnected" and reconnects when
/// the daemon goes away.
pub async fn run_attach(host: &str, opts: TuiOptions) -> std::io::Result<()> {
    let src = Source::attach(host)?;
    until_signalled(run(src, opts, None, format!("connecting to {host}"))).await
}

/// `mini-dockerd tui --replay FILE`: play a `--trace-json` recording with
/// its original timing divided by `opts.replay_speed` (`<` `>` change it).
pub async fn run_replay(path: &Path, opts: TuiOptions) -> std::io::Result<()> {
    let (tx, rx) = watch::channel(opts.replay_speed);
    let src = Source::replay(path, rx).await?;
    until_signalled(run(src, opts, Some(tx), "replay".into())).await
}

/// Run a viewer (`mini-dockerd tui`) until it ends or the process is told
/// to stop (SIGTERM, SIGINT from outside, SIGHUP when its terminal
/// window closes). Left to their default action, those signals would end
/// the process on the spot, in raw mode on the alternate screen; here the
/// viewer is dropped instead, and its guard restores the terminal. The
/// in-process TUI (`--tui`) does not need this: the daemon handles the
/// signals (SIGHUP reloads its configuration) and ends the TUI when it
/// stops.
async fn until_signalled(
    viewer: impl std::future::Future<Output = std::io::Result<()>>,
) -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    tokio::select! {
        r = viewer => r,
        _ = term.recv() => Ok(()),
        _ = int.recv() => Ok(()),
        _ = hup.recv() => Ok(()),
    }
}

async fn run(
    mut source: Source,
    opts: TuiOptions,
    replay_speed: Option<watch::Sender<f64>>,
    first_status: String,
) -> std::io::Result<()> {
    let mut terminal = term::init()?;
    let mut app = App::new(opts.window);
    app.set_replay_speed(opts.replay_speed);
    app.update(Message::Source(first_status));
    let size = terminal.size()?;
    app.update(Message::Resize(size.width, size.height));

    let mut events = crossterm::event::EventStream::new();
    let mut tick = tokio::time::interval(opts.frame_interval());
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last = Instant::now();
    loop {
        tokio::select! {
            // Keys first: a `q` must not wait behind a flood of records.
            biased;
            ev = events.next() => match ev {
                Some(Ok(ev)) => {
                    if let Some(msg) = input::message(&ev, app.mode()) {
                        handle(&mut app, msg, replay_speed.as_ref());
                    }
                }
                Some(Err(e)) => return Err(e),
                None => break,
            },
            _ = tick.tick() => {
                source.drain(&mut app, DRAIN_CAP);
                let now = Instant::now();
                app.update(Message::Tick(now - last));
                last = now;
                terminal.draw(|f| f.render_widget(&app, f.area()))?;
            }
        }
        if app.should_quit() {
            break;
        }
    }
    // `terminal` (the guard) restores the screen when dropped here.
    Ok(())
}

/// Apply a message, plus the side effects the pure model cannot do itself:
/// writing export files and telling a replay its new speed.
fn handle(app: &mut App, msg: Message, replay_speed: Option<&watch::Sender<f64>>) {
    match msg {
        Message::Export => {
            let status = match app.selected_id() {
                Some(id) => write_exports(app, id),
                None => "nothing to export: no request selected".into(),
            };
            app.update(Message::Status(status));
        }
        // Pausing a replay stops its clock too, so that nothing piles up
        // while the presenter talks; a live daemon cannot be paused, so
        // its records are held instead (see `App::update`).
        Message::TogglePause => {
            app.update(msg);
            if let Some(tx) = replay_speed {
                let _ = tx.send(if app.is_paused() {
                    0.0
                } else {
                    app.replay_speed()
                });
            }
        }
        Message::ReplayFaster | Message::ReplaySlower => {
            app.update(msg);
            if let Some(tx) = replay_speed {
                if !app.is_paused() {
                    let _ = tx.send(app.replay_speed());
                }
            }
        }
        other => app.update(other),
    }
}

fn write_exports(app: &App, id: u64) -> String {
    let (json_name, mmd_name) = export::file_names(id);
    let r = std::fs::write(&json_name, export::export_json(app, id))
        .and_then(|_| std::fs::write(&mmd_name, export::export_mermaid(app, id)));
    match r {
        Ok(()) => format!("exported ./{json_name} ./{mmd_name}"),
        Err(e) => format!("export failed: {e}"),
    }
}
