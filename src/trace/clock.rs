//! The trace's clock: when each record was made, and how long a stage took.
//!
//! A traced `/_ping` reads the clock a dozen times or more: once per record
//! for its timestamp, and at the start of every stage that reports its
//! duration. The operating system's monotonic clock (`Instant::now`, a
//! `clock_gettime` in the vDSO) costs about 23 ns a read on these
//! machines, a third of what writing a whole record costs. The CPU's own
//! counter (`rdtsc` on x86-64, `cntvct_el0` on arm64) costs 9 ns; the
//! `quanta` crate reads it, checks at start-up that it is usable (the same
//! rate on every core, never stopping), and calibrates it against the
//! monotonic clock once (about half a millisecond). Where the counter is
//! not usable, quanta reads the monotonic clock instead.
//!
//! Records carry the raw counter; the hub turns it into nanoseconds since
//! the Unix epoch (`ts_ns`) when it writes them. Go's runtime makes the
//! same trade: `nanotime` reads the vDSO, and its tracer stamps events
//! with `cputicks()` (the raw counter) and converts later.

use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

static CLOCK: LazyLock<quanta::Clock> = LazyLock::new(quanta::Clock::new);

/// A counter reading and the wall clock at the same moment, to convert
/// counter readings into Unix time.
static BASE: LazyLock<(u64, u64)> = LazyLock::new(|| {
    let raw = CLOCK.raw();
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (raw, wall)
});

/// Calibrate now (the hub's start), not on the first traced request.
pub fn init() {
    LazyLock::force(&BASE);
}

/// A raw counter reading.
pub fn raw() -> u64 {
    CLOCK.raw()
}

/// A raw counter reading as nanoseconds since the Unix epoch.
pub fn unix_nanos(raw: u64) -> u64 {
    let (raw0, wall0) = *BASE;
    if raw >= raw0 {
        wall0 + CLOCK.delta_as_nanos(raw0, raw)
    } else {
        wall0.saturating_sub(CLOCK.delta_as_nanos(raw, raw0))
    }
}

/// When a stage began, for its `dur_us` (see [`super::clock`](super::clock())).
#[derive(Clone, Copy, Debug)]
pub struct Stamp(u64);

impl Stamp {
    pub fn now() -> Stamp {
        Stamp(raw())
    }

    /// Whole microseconds from this stamp to now.
    pub fn micros(self) -> u64 {
        CLOCK.delta_as_nanos(self.0, raw()) / 1000
    }
}
