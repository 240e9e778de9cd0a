//! The hub: records in from every thread, out to every consumer.
//!
//! The trace layer writes each record, already encoded as JSON, into a
//! bounded buffer of the thread it runs on (`shard.rs`). The hub drains
//! those buffers on a clock, every [`DRAIN_EVERY`] while somebody listens
//! (sooner when a buffer passes half full), puts the records of all
//! threads back in time order, numbers them (`seq`) and hands them to:
//!
//! - the `--trace-json` writer (a file or stdout), one JSON object a line;
//! - the in-process TUI (`--tui`), through a bounded channel;
//! - viewers attached over `GET /debug/trace`, through a broadcast
//!   channel of batches of lines (a slow viewer lags and loses lines; it
//!   never holds the server back).
//!
//! Every record that does not fit somewhere is counted. The counts are in
//! [`stats`], on `/debug/vars`, in the daemon's `dropped` record and in
//! the TUI's footer, and a record dropped before the hub leaves a gap in
//! `seq`. This is the answer to "the tracing must not slow the server":
//! bounded buffers and counted drops, never an unbounded queue, and no
//! wake-up of another thread per record.
//!
//! Putting the threads back in order: a drain first reads the clock
//! (`cut`), then swaps each thread's buffer for an empty one. A record is
//! stamped while its buffer is locked, so a record stamped before `cut`
//! is in this drain, and one stamped after may be in this drain or the
//! next. The hub merges the buffers by time and holds back the records
//! stamped at or after `cut` for the next drain: no record is ever written
//! before one that happened earlier, on any thread.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use bytes::Bytes;
use tokio::sync::{broadcast, mpsc, Notify};

use super::encode;
use super::record::{Phase, Stage, TraceRecord};
use super::shard::{self, ShardBuf};

/// Where records go; set once at start-up.
#[derive(Default)]
pub struct HubOptions {
    /// How many records may wait in each thread's buffer for the hub.
    pub capacity: usize,
    /// `--trace-json PATH|-`.
    pub json: Option<Box<dyn Write + Send>>,
    /// The in-process TUI's channel, for `--tui`.
    pub tui: Option<mpsc::Sender<TraceRecord>>,
}

struct HubState {
    viewers: broadcast::Sender<Bytes>,
    /// The route table record, sent first to every viewer that attaches.
    routes: Mutex<Option<Bytes>>,
    has_local_sinks: bool,
    /// Where drained records go; the hub task and [`Hub::flush`] share it.
    sinks: Mutex<Sinks>,
}

static HUB: OnceLock<HubState> = OnceLock::new();
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Wakes the hub task when somebody starts listening.
static ACTIVATED: Notify = Notify::const_new();
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
    /// Records the stages made (drained or dropped).
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
    let on = h.has_local_sinks || VIEWERS.load(Ordering::Relaxed) > 0;
    ACTIVE.store(on, Ordering::Relaxed);
    if on {
        ACTIVATED.notify_one();
    }
}

/// Offer a record built by hand (the route table), encoded here. The
/// stages' own records come through the layer, which encodes as it goes.
pub fn offer_record(record: &TraceRecord) {
    if HUB.get().is_none() {
        return;
    }
    let fields = serde_json::to_vec(&record.fields).unwrap_or_default();
    // `{...}` → its inside, which is what `push_record` takes.
    let inner = if fields.len() >= 2 {
        &fields[1..fields.len() - 1]
    } else {
        &[][..]
    };
    shard::push(|out, ts| {
        encode::push_record(
            out,
            ts,
            record.conn,
            record.req,
            record.stage,
            record.phase,
            &record.name,
            record.dur_us,
            inner,
        )
    });
}

impl Hub {
    /// Start the hub task. Call once, inside the tokio runtime. A second
    /// call is ignored (tests start several servers in one process).
    pub fn start(opts: HubOptions) {
        let capacity = opts.capacity.max(1024);
        shard::set_capacity(capacity);
        let (viewers, _) = broadcast::channel(256);
        let state = HubState {
            viewers,
            routes: Mutex::new(None),
            has_local_sinks: opts.json.is_some() || opts.tui.is_some(),
            sinks: Mutex::new(Sinks {
                json: opts.json,
                tui: opts.tui,
                seq: 0,
                reported_drops: 0,
                carry: ShardBuf::default(),
                spare: Vec::new(),
                out: Vec::with_capacity(64 * 1024),
            }),
        };
        if HUB.set(state).is_err() {
            return;
        }
        recompute_active();
        tokio::spawn(run());
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
        if h.has_local_sinks {
            offer_record(&record);
        }
    }

    /// Attach a viewer: the route table line (if any) and a receiver of
    /// batches of JSON lines. Dropping the returned guard detaches.
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

    /// Drain now, on the caller's thread: the daemon calls this as it
    /// exits, so the last records (the shutdown) reach the trace file.
    pub fn flush() {
        let Some(h) = HUB.get() else { return };
        let mut sinks = h.sinks.lock().unwrap_or_else(|e| e.into_inner());
        sinks.drain(&h.viewers, true);
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

/// How often the hub drains the threads' buffers while somebody listens.
/// Records wait at most this long; a buffer that passes half full wakes
/// the hub sooner.
pub const DRAIN_EVERY: std::time::Duration = std::time::Duration::from_millis(5);

async fn run() {
    let Some(h) = HUB.get() else { return };
    let mut tick = tokio::time::interval(DRAIN_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Drain on a clock. Waking the hub for every record would make each
    // record a thread switch on a busy 2-core machine: measured, that
    // cost more than everything else the trace does. Producers never wake
    // it, except once when their buffer passes half full.
    loop {
        if !active() {
            // Nobody listens, so no records come: sleep until somebody does.
            ACTIVATED.notified().await;
            continue;
        }
        if !shard::take_pressure() {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shard::PRESSURE_WAKE.notified() => {}
            }
        }
        let mut sinks = h.sinks.lock().unwrap_or_else(|e| e.into_inner());
        sinks.drain(&h.viewers, false);
    }
}

/// The consumers, and what the hub keeps between drains.
struct Sinks {
    json: Option<Box<dyn Write + Send>>,
    tui: Option<mpsc::Sender<TraceRecord>>,
    /// The last `seq` given out.
    seq: u64,
    /// Drops already reported in a `dropped` record.
    reported_drops: u64,
    /// Records stamped at or after the last drain's cut, held back.
    carry: ShardBuf,
    /// Emptied buffers, swapped into the shards at the next drain.
    spare: Vec<ShardBuf>,
    /// The lines of one drain.
    out: Vec<u8>,
}

impl Sinks {
    /// Take every thread's records, merge them in time order and hand
    /// them out. `all`: take everything, held-back records included (the
    /// last drain before exit).
    fn drain(&mut self, viewers: &broadcast::Sender<Bytes>, all: bool) {
        let cut = if all { u64::MAX } else { shard::now_ns() };
        let shards = shard::all();
        let mut bufs: Vec<ShardBuf> = Vec::with_capacity(shards.len() + 1);
        bufs.push(std::mem::take(&mut self.carry));
        let mut dropped = 0;
        for s in &shards {
            let mut b = self.spare.pop().unwrap_or_default();
            s.swap(&mut b);
            dropped += b.dropped;
            bufs.push(b);
        }
        drop(shards);
        shard::prune();
        let drained: usize = bufs.iter().map(|b| b.index.len()).sum();
        OFFERED.fetch_add(drained as u64 + dropped, Ordering::Relaxed);
        if dropped > 0 {
            DROPPED_AT_LAYER.fetch_add(dropped, Ordering::Relaxed);
        }

        let want_lines = self.json.is_some() || viewers.receiver_count() > 0;
        let mut carry = ShardBuf::default();
        let mut cursor = vec![0usize; bufs.len()];
        let mut last_ts = 0;
        self.out.clear();
        // A k-way merge by timestamp; k is the number of threads that
        // traced (two workers, and a blocking thread now and then).
        loop {
            let mut best: Option<(usize, u64)> = None;
            for (i, b) in bufs.iter().enumerate() {
                if let Some(&(ts, _)) = b.index.get(cursor[i]) {
                    if best.is_none_or(|(_, t)| ts < t) {
                        best = Some((i, ts));
                    }
                }
            }
            let Some((i, ts)) = best else { break };
            let b = &bufs[i];
            let start = if cursor[i] == 0 {
                0
            } else {
                b.index[cursor[i] - 1].1 as usize
            };
            let end = b.index[cursor[i]].1 as usize;
            cursor[i] += 1;
            let bytes = &b.data[start..end];
            if ts >= cut {
                carry.data.extend_from_slice(bytes);
                carry.index.push((ts, carry.data.len() as u32));
                continue;
            }
            last_ts = ts;
            self.seq += 1;
            self.emit(bytes, want_lines);
        }
        self.carry = carry;

        // Say so when records were lost, and leave a gap in `seq` as big
        // as the loss.
        let drops =
            DROPPED_AT_LAYER.load(Ordering::Relaxed) + DROPPED_AT_TUI.load(Ordering::Relaxed);
        if drops != self.reported_drops {
            // Only the records lost before the hub are missing from the
            // lines; the gap is theirs.
            self.seq += dropped;
            self.reported_drops = drops;
            let mut rec = Vec::with_capacity(128);
            let mut fields = b"\"count\":".to_vec();
            encode::push_u64(&mut fields, drops);
            encode::push_record(
                &mut rec,
                last_ts.max(1),
                0,
                0,
                Stage::Daemon,
                Phase::Event,
                "dropped",
                None,
                &fields,
            );
            self.seq += 1;
            self.emit(&rec, want_lines);
        }

        // The shards' buffers go back to the spares, one per shard; the
        // old held-back buffer (the first) is dropped, so the spares never
        // outnumber the shards.
        for mut b in bufs.into_iter().skip(1) {
            b.clear();
            self.spare.push(b);
        }
        if self.out.is_empty() {
            return;
        }
        if viewers.receiver_count() > 0 {
            let _ = viewers.send(Bytes::copy_from_slice(&self.out));
        }
        if let Some(w) = self.json.as_mut() {
            if w.write_all(&self.out).and_then(|_| w.flush()).is_err() {
                // The trace file went away (disk full, closed pipe): stop
                // writing it rather than fail the daemon.
                self.json = None;
            }
        }
    }

    /// One record out: its line (`{"seq":N,` + the encoded rest) and, for
    /// the TUI, the record itself.
    fn emit(&mut self, bytes: &[u8], want_lines: bool) {
        let start = self.out.len();
        self.out.extend_from_slice(b"{\"seq\":");
        encode::push_u64(&mut self.out, self.seq);
        self.out.push(b',');
        self.out.extend_from_slice(bytes);
        if let Some(tui) = &self.tui {
            match serde_json::from_slice::<TraceRecord>(&self.out[start..]) {
                Ok(r) => {
                    if tui.try_send(r).is_err() {
                        DROPPED_AT_TUI.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Err(e) => tracing::debug!("trace record not readable back: {e}"),
            }
        }
        if want_lines {
            self.out.push(b'\n');
        } else {
            self.out.truncate(start);
        }
    }
}
