//! The hub: records in from every thread, out to every consumer.
//!
//! The trace layer copies each record, in binary (`capture.rs`), into a
//! bounded buffer of the thread it runs on (`shard.rs`). The hub drains
//! those buffers on a clock, every [`DRAIN_EVERY`] while somebody listens
//! (sooner when a buffer passes half full), puts the records of all
//! threads back in time order, numbers them (`seq`), writes them as JSON
//! (`encode.rs`) and hands them to:
//!
//! - the `--trace-json` writer (a file or stdout), one JSON object a line;
//! - the in-process TUI (`--tui`), through a bounded channel, as
//!   `TraceRecord`s built straight from the binary form (no JSON text in
//!   between), and only while the channel has room: the TUI takes a
//!   bounded batch each frame, and under load most records are counted
//!   as dropped before any work is spent on them;
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
//! Putting the threads back in order: each thread's records are in time
//! order already; the hub merges the threads by timestamp. What it must
//! not do is write a record and, in a later drain, one from another thread
//! that happened before it. So a drain only writes records stamped before
//! a `cut`, and holds back the rest for the next drain. The cut is
//! [`HOLD`] before the drain began (a record is visible in its ring within
//! nanoseconds of its stamp, unless its thread is held up in between), and
//! earlier still when a thread is caught in the middle of writing a record
//! (`busy`, see `shard.rs`): then no record at least as new as that
//! thread's last one is written yet. No record is ever written before one
//! that happened earlier, on any thread.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use tokio::sync::{broadcast, mpsc};

use super::encode::{self, Callsites};
use super::record::TraceRecord;
use super::shard::{self, Shard};

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
        wake();
    }
}

/// Offer a record built by hand (the route table), encoded as JSON here
/// and carried through a ring as a raw record (`capture::start_raw`). The
/// stages' own records come through the layer, in binary.
pub fn offer_record(record: &TraceRecord) {
    if HUB.get().is_none() {
        return;
    }
    let fields = serde_json::to_vec(&record.fields).unwrap_or_default();
    // `{...}` → its inside, which is what `Head::push_record` takes.
    let inner = if fields.len() >= 2 {
        &fields[1..fields.len() - 1]
    } else {
        &[][..]
    };
    let body = encode::Head {
        conn: record.conn,
        req: record.req,
        stage: record.stage,
        phase: record.phase,
        name: &record.name,
        dur_us: record.dur_us,
    }
    .raw_record(inner);
    shard::push(&body);
}

impl Hub {
    /// Start the hub's thread. Call once; a second call is ignored (tests
    /// start several servers in one process).
    pub fn start(opts: HubOptions) {
        let capacity = opts.capacity.max(1024);
        super::clock::init();
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
                tui_dropped: 0,
                callsites: Callsites::default(),
                staged: Vec::new(),
                out: Vec::with_capacity(64 * 1024),
            }),
        };
        if HUB.set(state).is_err() {
            return;
        }
        match std::thread::Builder::new()
            .name("trace-hub".into())
            .spawn(run)
        {
            Ok(t) => {
                let _ = THREAD.set(t.thread().clone());
            }
            Err(e) => tracing::error!("starting the trace hub: {e}"),
        }
        recompute_active();
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

/// The hub's thread, for [`wake`].
static THREAD: OnceLock<std::thread::Thread> = OnceLock::new();

/// Wake the hub early: a thread's buffer passed half full, or somebody
/// started listening.
pub fn wake() {
    if let Some(t) = THREAD.get() {
        t.unpark();
    }
}

/// The hub's loop, on a thread of its own. It used to be a tokio task,
/// but a drain of a few thousand records then held one of the two worker
/// threads for a while every 5 ms, and its timer and wake-ups went through
/// the workers' scheduler; on its own thread it is one more thread for the
/// kernel to schedule, and the workers only ever serve requests.
fn run() {
    let Some(h) = HUB.get() else { return };
    let mut next = std::time::Instant::now() + DRAIN_EVERY;
    // Drain on a clock. Waking the hub for every record would make each
    // record a thread switch on a busy 2-core machine: measured, that
    // cost more than everything else the trace does. Producers never wake
    // it, except once when their buffer passes half full.
    loop {
        if !active() {
            // Nobody listens, so no records come: sleep until somebody does.
            std::thread::park();
            continue;
        }
        if !shard::take_pressure() {
            let now = std::time::Instant::now();
            if now < next {
                // Returns at the tick, or early on `wake` (a spurious early
                // return only means an early drain).
                std::thread::park_timeout(next - now);
            }
        }
        next = std::time::Instant::now() + DRAIN_EVERY;
        let mut sinks = h.sinks.lock().unwrap_or_else(|e| e.into_inner());
        sinks.drain(&h.viewers, false);
    }
}

/// How far behind the clock a drain stays (see the module documentation).
pub const HOLD: std::time::Duration = std::time::Duration::from_millis(1);

/// One thread's records, read from its ring and waiting to be written.
struct Staged {
    shard: Arc<Shard>,
    /// Records back to back, without their timestamps.
    data: Vec<u8>,
    /// For each record: its timestamp and where it ends in `data`.
    index: Vec<(u64, u32)>,
    /// The first record not yet written.
    next: usize,
    /// The newest timestamp ever read from this thread.
    last_ts: u64,
    /// The thread's drop count at the last drain.
    dropped_seen: u64,
}

impl Staged {
    fn new(shard: Arc<Shard>) -> Self {
        Staged {
            shard,
            data: Vec::new(),
            index: Vec::new(),
            next: 0,
            last_ts: 0,
            dropped_seen: 0,
        }
    }

    /// Take what the thread wrote since the last drain; returns how many
    /// records that was.
    fn read(&mut self) -> usize {
        let before = self.index.len();
        let (data, index, last_ts) = (&mut self.data, &mut self.index, &mut self.last_ts);
        self.shard.read(|raw, body| {
            let ts = super::clock::unix_nanos(raw);
            data.extend_from_slice(body);
            index.push((ts, data.len() as u32));
            *last_ts = ts;
        });
        self.index.len() - before
    }

    /// The next record to write: its timestamp and bytes.
    fn peek(&self) -> Option<(u64, &[u8])> {
        let &(ts, end) = self.index.get(self.next)?;
        let start = match self.next {
            0 => 0,
            i => self.index[i - 1].1 as usize,
        };
        Some((ts, &self.data[start..end as usize]))
    }

    /// Forget the records written; keep the held-back ones.
    fn compact(&mut self) {
        if self.next == 0 {
            return;
        }
        let from = self.index[self.next - 1].1;
        self.data.drain(..from as usize);
        self.index.drain(..self.next);
        for (_, end) in &mut self.index {
            *end -= from;
        }
        self.next = 0;
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
    /// Records the TUI had no room for since the last drain.
    tui_dropped: u64,
    /// What the hub learnt about each call site, to write its records.
    callsites: Callsites,
    /// Every thread's records not yet written.
    staged: Vec<Staged>,
    /// The lines of one drain.
    out: Vec<u8>,
}

impl Sinks {
    /// Take every thread's records, merge them in time order and hand
    /// them out. `all`: take everything, held-back records included (the
    /// last drain before exit).
    fn drain(&mut self, viewers: &broadcast::Sender<Bytes>, all: bool) {
        let mut cut = if all {
            u64::MAX
        } else {
            super::clock::unix_nanos(super::clock::raw()).saturating_sub(HOLD.as_nanos() as u64)
        };
        self.staged
            .extend(shard::take_new().into_iter().map(Staged::new));
        let (mut read, mut dropped) = (0, 0);
        for st in &mut self.staged {
            // `busy` first, then the ring: see shard.rs.
            let busy = st.shard.busy();
            read += st.read();
            if busy && !all {
                cut = cut.min(st.last_ts);
            }
            let d = st.shard.dropped();
            dropped += d - st.dropped_seen;
            st.dropped_seen = d;
        }
        OFFERED.fetch_add(read as u64 + dropped, Ordering::Relaxed);
        if dropped > 0 {
            DROPPED_AT_LAYER.fetch_add(dropped, Ordering::Relaxed);
        }

        let want_lines = self.json.is_some() || viewers.receiver_count() > 0;
        let mut last_ts = 0;
        self.out.clear();
        // A k-way merge by timestamp; k is the number of threads that
        // traced (two workers, and a blocking thread now and then).
        let mut staged = std::mem::take(&mut self.staged);
        loop {
            let mut best: Option<(usize, u64)> = None;
            for (i, st) in staged.iter().enumerate() {
                if let Some((ts, _)) = st.peek() {
                    if ts < cut && best.is_none_or(|(_, t)| ts < t) {
                        best = Some((i, ts));
                    }
                }
            }
            let Some((i, ts)) = best else { break };
            let (_, bytes) = staged[i].peek().expect("peeked above");
            last_ts = ts;
            self.emit(ts, bytes, want_lines);
            staged[i].next += 1;
        }
        for st in &mut staged {
            st.compact();
        }
        // A thread that has ended, with nothing left to write, is gone.
        staged.retain(|st| !(st.index.is_empty() && st.shard.finished()));
        self.staged = staged;

        // Say so when records were lost, and leave a gap in `seq` as big
        // as the loss.
        // The TUI's losses are counted here, once a drain, rather than
        // with an atomic add for each of the many records lost under load.
        DROPPED_AT_TUI.fetch_add(std::mem::take(&mut self.tui_dropped), Ordering::Relaxed);
        let drops =
            DROPPED_AT_LAYER.load(Ordering::Relaxed) + DROPPED_AT_TUI.load(Ordering::Relaxed);
        if drops != self.reported_drops {
            // Only the records lost before the hub are missing from the
            // lines; the gap is theirs.
            self.seq += dropped;
            self.reported_drops = drops;
            let body = encode::dropped_record(drops);
            self.emit(last_ts.max(1), &body, want_lines);
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

    /// One record out, with the next `seq`: its line (`{"seq":N,"ts_ns":T,`
    /// and the rest, from its binary form) when lines are wanted, and the
    /// record itself for the TUI.
    fn emit(&mut self, ts: u64, body: &[u8], want_lines: bool) {
        let seq = self.seq + 1;
        if want_lines {
            let start = self.out.len();
            encode::push_head(&mut self.out, seq, ts);
            if !self.callsites.push_record(&mut self.out, body) {
                // Not a trace point after all (no stage): nothing to
                // write, and no number used up.
                self.out.truncate(start);
                return;
            }
            self.out.push(b'\n');
        }
        if let Some(tui) = &self.tui {
            // A full channel means the TUI is behind (it takes a bounded
            // batch each frame): count the loss without building a record
            // that would only be thrown away. Under load that is most
            // records. (Without lines, a record counted here is taken to
            // be a trace point unread: every record the layer writes is
            // one, since `trace_event!` always names a stage.)
            let sent = tui.capacity() > 0
                && match self.callsites.to_record(seq, ts, body) {
                    None if !want_lines => return,
                    None => false,
                    Some(r) => tui.try_send(r).is_ok(),
                };
            if !sent {
                self.tui_dropped += 1;
            }
        }
        self.seq = seq;
    }
}
