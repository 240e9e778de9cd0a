//! The hub: one bounded channel in, several consumers out.
//!
//! The layer offers each record with `try_send` on a bounded channel
//! (capacity [`HubOptions::capacity`]). One task drains it, numbers the
//! records (`seq`), and hands each to:
//!
//! - the `--trace-json` writer (a file or stdout), one JSON object a line;
//! - the in-process TUI (`--tui`), through another bounded channel;
//! - viewers attached over `GET /debug/trace`, through a broadcast
//!   channel of already-serialised lines (a slow viewer lags and loses
//!   lines; it never holds the server back).
//!
//! Every record that does not fit somewhere is counted. The counts are in
//! [`stats`], on `/debug/vars`, in the daemon's periodic `dropped` record and
//! in the TUI's footer. This is the answer to "the tracing must not slow the
//! server": bounded channels and counted drops, never an unbounded queue.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use bytes::Bytes;
use tokio::sync::{broadcast, mpsc};

use super::record::{Phase, Stage, TraceRecord};

/// Where records go; set once at start-up.
#[derive(Default)]
pub struct HubOptions {
    /// Capacity of the channel between the layer and the hub task.
    pub capacity: usize,
    /// `--trace-json PATH|-`.
    pub json: Option<Box<dyn Write + Send>>,
    /// The in-process TUI's channel, for `--tui`.
    pub tui: Option<mpsc::Sender<TraceRecord>>,
}

struct HubState {
    tx: mpsc::Sender<TraceRecord>,
    viewers: broadcast::Sender<Bytes>,
    /// The route table record, sent first to every viewer that attaches.
    routes: Mutex<Option<Bytes>>,
    has_local_sinks: bool,
}

static HUB: OnceLock<HubState> = OnceLock::new();
static ACTIVE: AtomicBool = AtomicBool::new(false);
static VIEWERS: AtomicUsize = AtomicUsize::new(0);
static OFFERED: AtomicU64 = AtomicU64::new(0);
static DROPPED_AT_LAYER: AtomicU64 = AtomicU64::new(0);
static DROPPED_AT_TUI: AtomicU64 = AtomicU64::new(0);
static DROPPED_AT_VIEWERS: AtomicU64 = AtomicU64::new(0);

/// The hub itself is a process-wide singleton (the tracing layer is too);
/// this handle only starts it.
pub struct Hub;

/// Counters for `/debug/vars` and the TUI footer.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Stats {
    pub offered: u64,
    pub dropped_at_layer: u64,
    pub dropped_at_tui: u64,
    pub dropped_at_viewers: u64,
    pub viewers: usize,
}

pub fn stats() -> Stats {
    Stats {
        offered: OFFERED.load(Ordering::Relaxed),
        dropped_at_layer: DROPPED_AT_LAYER.load(Ordering::Relaxed),
        dropped_at_tui: DROPPED_AT_TUI.load(Ordering::Relaxed),
        dropped_at_viewers: DROPPED_AT_VIEWERS.load(Ordering::Relaxed),
        viewers: VIEWERS.load(Ordering::Relaxed),
    }
}

/// Is anybody listening?
pub fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

fn recompute_active() {
    let Some(h) = HUB.get() else { return };
    ACTIVE.store(
        h.has_local_sinks || VIEWERS.load(Ordering::Relaxed) > 0,
        Ordering::Relaxed,
    );
}

/// Called by the layer: never blocks, counts what does not fit.
pub fn offer(record: TraceRecord) {
    let Some(h) = HUB.get() else { return };
    OFFERED.fetch_add(1, Ordering::Relaxed);
    if h.tx.try_send(record).is_err() {
        DROPPED_AT_LAYER.fetch_add(1, Ordering::Relaxed);
    }
}

impl Hub {
    /// Start the hub task. Call once, inside the tokio runtime. A second
    /// call is ignored (tests start several servers in one process).
    pub fn start(opts: HubOptions) {
        let capacity = opts.capacity.max(1024);
        let (tx, rx) = mpsc::channel(capacity);
        let (viewers, _) = broadcast::channel(capacity);
        let state = HubState {
            tx,
            viewers: viewers.clone(),
            routes: Mutex::new(None),
            has_local_sinks: opts.json.is_some() || opts.tui.is_some(),
        };
        if HUB.set(state).is_err() {
            return;
        }
        recompute_active();
        tokio::spawn(run(rx, viewers, opts.json, opts.tui));
    }

    /// Publish the route table. It is kept and sent first to every viewer
    /// that attaches later, so a viewer can draw the mux pane at once.
    pub fn publish_routes(record: TraceRecord) {
        let Some(h) = HUB.get() else { return };
        if let Ok(mut line) = serde_json::to_vec(&record) {
            line.push(b'\n');
            *h.routes.lock().unwrap() = Some(Bytes::from(line));
        }
        // Local sinks (file, TUI) get it through the normal path.
        let _ = h.tx.try_send(record);
    }

    /// Attach a viewer: the route table line (if any) and a receiver of
    /// JSON lines. Dropping the returned guard detaches.
    pub fn subscribe() -> Option<(Option<Bytes>, broadcast::Receiver<Bytes>, ViewerGuard)> {
        let h = HUB.get()?;
        let rx = h.viewers.subscribe();
        VIEWERS.fetch_add(1, Ordering::Relaxed);
        recompute_active();
        let routes = h.routes.lock().unwrap().clone();
        Some((routes, rx, ViewerGuard))
    }

    /// Count records a viewer lost because it lagged.
    pub fn viewer_lagged(n: u64) {
        DROPPED_AT_VIEWERS.fetch_add(n, Ordering::Relaxed);
    }
}

/// Detaches a viewer when dropped.
pub struct ViewerGuard;

impl Drop for ViewerGuard {
    fn drop(&mut self) {
        VIEWERS.fetch_sub(1, Ordering::Relaxed);
        recompute_active();
    }
}

/// How often the hub drains the layer's channel while somebody listens.
/// At the channel's capacity this is room for well over a million records
/// a second; a viewer sees a record at most this much later.
const DRAIN_EVERY: std::time::Duration = std::time::Duration::from_millis(5);

/// How many records the hub handles in one go.
const DRAIN_BATCH: usize = 1024;

async fn run(
    mut rx: mpsc::Receiver<TraceRecord>,
    viewers: broadcast::Sender<Bytes>,
    mut json: Option<Box<dyn Write + Send>>,
    tui: Option<mpsc::Sender<TraceRecord>>,
) {
    let mut seq = 0u64;
    let mut last_reported_drops = 0u64;
    let mut batch = Vec::with_capacity(DRAIN_BATCH);
    let mut out = Vec::with_capacity(64 * 1024);
    let mut tick = tokio::time::interval(DRAIN_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Drain in batches, on a clock. Waiting in `recv` would make every
    // `try_send` wake this task, and on a busy 2-core machine each of
    // those wake-ups is a thread switch: measured, they cost more than
    // everything else the trace does. Instead, while somebody listens, the
    // hub sleeps for a few milliseconds and then takes whatever has
    // arrived; senders never wake it. While nobody listens, no records
    // come, and it waits in `recv` at no cost.
    let mut backlog = false;
    loop {
        if active() {
            // A full batch last time means more may be waiting: go on
            // without sleeping until the channel is empty.
            if !backlog {
                tick.tick().await;
            }
        } else if rx.recv_many(&mut batch, DRAIN_BATCH).await == 0 {
            return;
        }
        while batch.len() < DRAIN_BATCH {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        backlog = batch.len() == DRAIN_BATCH;
        if batch.is_empty() {
            continue;
        }
        let drops =
            DROPPED_AT_LAYER.load(Ordering::Relaxed) + DROPPED_AT_TUI.load(Ordering::Relaxed);
        if drops != last_reported_drops {
            last_reported_drops = drops;
            batch.push(TraceRecord {
                seq: 0,
                ts_ns: batch.last().map(|r| r.ts_ns).unwrap_or(0),
                conn: 0,
                req: 0,
                stage: Stage::Daemon,
                phase: Phase::Event,
                name: "dropped".into(),
                dur_us: None,
                fields: serde_json::json!({ "count": drops })
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            });
        }
        let want_lines = json.is_some() || viewers.receiver_count() > 0;
        for mut record in batch.drain(..) {
            seq += 1;
            record.seq = seq;
            if want_lines {
                let start = out.len();
                if serde_json::to_writer(&mut out, &record).is_ok() {
                    out.push(b'\n');
                    if viewers.receiver_count() > 0 {
                        let _ = viewers.send(Bytes::copy_from_slice(&out[start..]));
                    }
                }
            }
            if let Some(tui) = &tui {
                if tui.try_send(record).is_err() {
                    DROPPED_AT_TUI.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        if let Some(w) = json.as_mut() {
            if w.write_all(&out).and_then(|_| w.flush()).is_err() {
                // The trace file went away (disk full, closed pipe): stop
                // writing it rather than fail the daemon.
                json = None;
            }
        }
        out.clear();
    }
}
