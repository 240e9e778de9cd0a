//! Where records wait for the hub: one bounded ring buffer per thread.
//!
//! A request's dozen records are written on the tokio worker that runs it.
//! If every worker pushed into one shared queue, the two workers of a
//! 2-core machine would fight over that queue for every record. So each
//! thread that traces gets a ring of its own, with exactly one writer (the
//! thread) and one reader (the hub): a single-producer single-consumer
//! queue (the `rtrb` crate), in which writing a record is a copy and one
//! ordinary store that says "this far is written". There is no lock: an
//! uncontended mutex was still a quarter of a record's cost, because
//! taking and releasing one are atomic read-modify-write instructions,
//! which wait for every earlier write of the thread to land.
//!
//! Each record in a ring is `[length: u32][clock: u64][record]`: the
//! record in its binary form (`capture.rs`), the clock a raw counter
//! reading (`clock.rs`). A full ring drops the record and counts it: a
//! stalled consumer never makes the server wait or grow without bound.
//!
//! Putting the threads back in time order (`hub.rs`) needs one more fact:
//! a record stamped before a drain began must be in that drain. A writer
//! could be stamped and then held up (descheduled) before its record is
//! visible, so it raises a `busy` flag before it reads the clock and
//! lowers it once the record is visible. The hub reads the flag before the
//! ring; a raised flag means "a record at least as new as this ring's last
//! one is on its way", and the hub holds back everything from that time on.

use std::cell::RefCell;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The bytes in front of every record in a ring: its length and timestamp.
const HEADER: usize = 12;

/// The hub's side of one thread's ring.
pub struct Shard {
    ring: Mutex<rtrb::Consumer<u8>>,
    /// Raised while the thread stamps and writes a record.
    busy: AtomicBool,
    /// Records this thread had no room for. Written only by the thread.
    dropped: AtomicU64,
}

impl Shard {
    /// Whether the thread is in the middle of writing a record. Read it
    /// *before* [`Shard::read`].
    pub fn busy(&self) -> bool {
        self.busy.load(Ordering::Acquire)
    }

    /// Records dropped so far (a running total).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Move every record written so far out of the ring, calling
    /// `each(clock, json)` for each in the order they were written (which
    /// is their time order: one thread, one monotonic clock).
    pub fn read(&self, mut each: impl FnMut(u64, &[u8])) {
        let mut ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        let n = ring.slots();
        let Ok(chunk) = ring.read_chunk(n) else {
            return;
        };
        let (a, b) = chunk.as_slices();
        let mut joined = Vec::new();
        let bytes: &[u8] = if b.is_empty() {
            a
        } else {
            // The ring wrapped around inside this chunk: join the halves
            // (at most once a lap of the ring).
            joined.reserve(a.len() + b.len());
            joined.extend_from_slice(a);
            joined.extend_from_slice(b);
            &joined
        };
        let mut at = 0;
        while at + HEADER <= bytes.len() {
            let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
            let ts = u64::from_le_bytes(bytes[at + 4..at + HEADER].try_into().unwrap());
            let end = at + HEADER + len;
            if end > bytes.len() {
                break;
            }
            each(ts, &bytes[at + HEADER..end]);
            at = end;
        }
        chunk.commit(at);
    }

    /// Whether the thread has ended and its ring is empty.
    pub fn finished(&self) -> bool {
        let ring = self.ring.lock().unwrap_or_else(|e| e.into_inner());
        ring.is_abandoned() && ring.is_empty()
    }
}

/// Shards made since the hub last looked ([`take_new`]). From then on the
/// hub holds each one, until its thread has ended (a blocking-pool thread
/// ends after a while idle) and its records are written.
static NEW: Mutex<Vec<Arc<Shard>>> = Mutex::new(Vec::new());

/// Bytes per ring.
static RING_BYTES: AtomicUsize = AtomicUsize::new(8192 * BYTES_PER_RECORD);

/// What a ring allows per record. A `/_ping`'s records take about 90
/// bytes each in binary; a runtime step with paths, a few hundred; the
/// route table, written once, about 30 KB.
const BYTES_PER_RECORD: usize = 256;

/// Set when a ring passes half full, so the hub drains early.
static PRESSURE: AtomicBool = AtomicBool::new(false);

/// The thread's side of its ring.
struct Local {
    ring: rtrb::Producer<u8>,
    shard: Arc<Shard>,
    /// The ring was past half full at the last record (the hub was told).
    pressed: bool,
}

thread_local! {
    // Made on the thread's first record, so a thread that never traces
    // (every thread, while nobody listens) never allocates a ring.
    static LOCAL: RefCell<Option<Local>> = const { RefCell::new(None) };
}

fn new_local() -> Local {
    let (ring, consumer) = rtrb::RingBuffer::new(RING_BYTES.load(Ordering::Relaxed));
    let shard = Arc::new(Shard {
        ring: Mutex::new(consumer),
        busy: AtomicBool::new(false),
        dropped: AtomicU64::new(0),
    });
    NEW.lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(shard.clone());
    Local {
        ring,
        shard,
        pressed: false,
    }
}

/// Size the rings: room for `records` records of `BYTES_PER_RECORD` (256)
/// bytes on average.
pub fn set_capacity(records: usize) {
    RING_BYTES.store(records.saturating_mul(BYTES_PER_RECORD), Ordering::Relaxed);
}

/// The shards made since the last call, handed over to the caller (the
/// hub, which keeps them).
pub fn take_new() -> Vec<Arc<Shard>> {
    std::mem::take(&mut *NEW.lock().unwrap_or_else(|e| e.into_inner()))
}

/// Whether some ring is filling up (and clears the flag).
pub fn take_pressure() -> bool {
    PRESSURE.swap(false, Ordering::Relaxed)
}

/// Append one record (its binary form, `capture.rs`) to this thread's
/// ring, stamped now. Returns false, and counts the record, when the ring
/// is full. Only the trace layer and the hub write records: the hub trusts
/// what it reads back (see `capture::read`).
pub(super) fn push(record: &[u8]) -> bool {
    let len = record.len();
    LOCAL.with(|local| {
        let Ok(mut local) = local.try_borrow_mut() else {
            return false;
        };
        let local = local.get_or_insert_with(new_local);
        let n = HEADER + len;
        let Ok(mut chunk) = local.ring.write_chunk_uninit(n) else {
            // Only this thread writes the count: no read-modify-write.
            let dropped = local.shard.dropped.load(Ordering::Relaxed);
            local.shard.dropped.store(dropped + 1, Ordering::Relaxed);
            return false;
        };
        // Raise `busy` before reading the clock: see the module docs. A
        // plain store; the ring's own release store below publishes both.
        local.shard.busy.store(true, Ordering::Relaxed);
        let mut header = [0u8; HEADER];
        header[..4].copy_from_slice(&(len as u32).to_le_bytes());
        header[4..].copy_from_slice(&super::clock::raw().to_le_bytes());
        let (a, b) = chunk.as_mut_slices();
        let mut dst = Fill { a, b, at: 0 };
        dst.put(&header);
        dst.put(record);
        debug_assert_eq!(dst.at, n);
        // SAFETY: `Fill` wrote all `n` slots of the chunk: the two slices
        // are exactly `n` long together, and header + record is `n` bytes.
        unsafe { chunk.commit_all() };
        local.shard.busy.store(false, Ordering::Release);
        // Passing half full wakes the hub early, once per crossing.
        let half = local.ring.buffer().capacity() / 2;
        let full_enough = local.ring.slots() < half;
        if full_enough && !local.pressed {
            PRESSURE.store(true, Ordering::Relaxed);
            super::hub::wake();
        }
        local.pressed = full_enough;
        true
    })
}

/// Copies bytes into a ring chunk, which comes as two slices when it
/// wraps around the end of the ring.
struct Fill<'a> {
    a: &'a mut [MaybeUninit<u8>],
    b: &'a mut [MaybeUninit<u8>],
    at: usize,
}

impl Fill<'_> {
    fn put(&mut self, src: &[u8]) {
        let mut src = src;
        while !src.is_empty() {
            let (slice, offset) = if self.at < self.a.len() {
                (&mut *self.a, self.at)
            } else {
                (&mut *self.b, self.at - self.a.len())
            };
            let k = src.len().min(slice.len() - offset);
            if k == 0 {
                // Cannot happen: the chunk was reserved for exactly this
                // record. Stop rather than loop.
                debug_assert!(false, "record larger than its chunk");
                return;
            }
            // SAFETY: `k` bytes fit in `slice` from `offset`, and `src`
            // (a record being written) cannot overlap the ring.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    src.as_ptr(),
                    slice.as_mut_ptr().add(offset).cast::<u8>(),
                    k,
                );
            }
            self.at += k;
            src = &src[k..];
        }
    }
}
