//! Where records wait for the hub: one bounded buffer per thread.
//!
//! A request's dozen records are written on the tokio worker that runs it.
//! If every worker pushed into one shared queue, the two workers of a
//! 2-core machine would fight over that queue's head for every record; a
//! buffer of its own per thread is touched by its thread alone, except for
//! the moment the hub swaps it for an empty one (every few milliseconds).
//!
//! Each buffer holds encoded records (see `encode.rs`) back to back, with
//! an index of where each ends and when it was made. The time is read
//! *while the buffer is locked*, which gives the hub a simple rule for
//! putting the threads' records back in order (see `hub.rs`): every record
//! stamped before the hub started a drain is in that drain.
//!
//! A full buffer drops the record and counts it: a stalled consumer never
//! makes the server wait or grow without bound.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// One thread's records, as the hub takes them.
#[derive(Default)]
pub struct ShardBuf {
    /// Encoded records, back to back.
    pub data: Vec<u8>,
    /// For each record: its timestamp and where it ends in `data`.
    pub index: Vec<(u64, u32)>,
    /// Records this buffer had no room for since the last drain.
    pub dropped: u64,
}

impl ShardBuf {
    /// Empty the buffer, keeping its memory for reuse.
    pub fn clear(&mut self) {
        self.data.clear();
        self.index.clear();
        self.dropped = 0;
    }
}

/// One thread's buffer.
#[derive(Default)]
pub struct Shard {
    buf: Mutex<ShardBuf>,
}

impl Shard {
    /// Swap this shard's records with `spare` (which should be empty).
    pub fn swap(&self, spare: &mut ShardBuf) {
        let mut b = self.buf.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::swap(&mut *b, spare);
    }
}

/// Every shard ever made. A shard outlives its thread (a blocking-pool
/// thread ends after a while idle) until the hub has taken its records.
static SHARDS: Mutex<Vec<Arc<Shard>>> = Mutex::new(Vec::new());

/// Limits of one shard: records and bytes.
static MAX_RECORDS: AtomicUsize = AtomicUsize::new(8192);
static MAX_BYTES: AtomicUsize = AtomicUsize::new(8192 * 512);

/// Set when a shard passes half its limit, so the hub drains early.
static PRESSURE: AtomicBool = AtomicBool::new(false);

/// Wakes the hub when a shard passes half its limit.
pub static PRESSURE_WAKE: tokio::sync::Notify = tokio::sync::Notify::const_new();

thread_local! {
    static LOCAL: Arc<Shard> = {
        let s = Arc::new(Shard::default());
        SHARDS.lock().unwrap_or_else(|e| e.into_inner()).push(s.clone());
        s
    };
}

/// Size the shards: `records` per thread, and on average 512 bytes each.
pub fn set_capacity(records: usize) {
    MAX_RECORDS.store(records, Ordering::Relaxed);
    MAX_BYTES.store(records.saturating_mul(512), Ordering::Relaxed);
}

/// The shards as they are now.
pub fn all() -> Vec<Arc<Shard>> {
    SHARDS.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Forget shards whose thread has ended and whose records were taken.
pub fn prune() {
    SHARDS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|s| Arc::strong_count(s) > 1 || !s.buf.lock().unwrap().index.is_empty());
}

/// Whether some shard is filling up (and clears the flag).
pub fn take_pressure() -> bool {
    PRESSURE.swap(false, Ordering::Relaxed)
}

/// Nanoseconds since the Unix epoch, read from the monotonic clock: the
/// wall clock at start-up plus the time elapsed since. Records made on
/// different threads compare correctly even if the wall clock is stepped.
pub fn now_ns() -> u64 {
    static BASE: OnceLock<(Instant, u64)> = OnceLock::new();
    let (t0, wall0) = BASE.get_or_init(|| {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        (Instant::now(), wall)
    });
    wall0 + t0.elapsed().as_nanos() as u64
}

/// Append one record to this thread's shard: `write` gets the buffer and
/// the record's timestamp, taken under the shard's lock. Returns false
/// (and counts the record) when the shard is full.
pub fn push(write: impl FnOnce(&mut Vec<u8>, u64)) -> bool {
    LOCAL.with(|shard| {
        let mut b = shard.buf.lock().unwrap_or_else(|e| e.into_inner());
        let max_records = MAX_RECORDS.load(Ordering::Relaxed);
        let max_bytes = MAX_BYTES.load(Ordering::Relaxed);
        if b.index.len() >= max_records || b.data.len() >= max_bytes {
            b.dropped += 1;
            return false;
        }
        let ts = now_ns();
        let before = b.data.len();
        write(&mut b.data, ts);
        let end = b.data.len() as u32;
        b.index.push((ts, end));
        // Crossing half the limit (once per drain, not on every record
        // after it) wakes the hub early.
        if b.index.len() == max_records / 2
            || (before < max_bytes / 2 && end as usize >= max_bytes / 2)
        {
            PRESSURE.store(true, Ordering::Relaxed);
            PRESSURE_WAKE.notify_one();
        }
        true
    })
}
