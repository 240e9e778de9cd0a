//! Trace records: what every stage of the server reports, and where the
//! records go.
//!
//! dockerd reports what it does through logrus lines (and, on moby master,
//! OpenTelemetry spans such as `containerRouter.postContainersStart`).
//! mini-dockerd's stages emit `tracing` events under the target `mdtrace`.
//! The daemon's subscriber ([`split`]) sends them to the trace layer and
//! everything else to the log lines; [`layer::TraceLayer`] copies each
//! record's values in binary ([`capture`]), with the request's ids
//! ([`context`]) and a cheap timestamp ([`clock`](mod@clock)), into a bounded ring of
//! its thread ([`shard`]); the [`hub::Hub`] empties the rings every few
//! milliseconds, on a thread of its own, writes the records as JSON
//! ([`encode`]) and fans them out to whoever listens: the `--trace-json`
//! writer, the in-process TUI (as [`record::TraceRecord`]s), and viewers
//! attached over `GET /debug/trace`.
//!
//! The one rule of this module: tracing must never slow the server down.
//! When nobody listens, a trace point is one atomic load. When somebody
//! does, a record costs the `tracing` call and a copy of its values into
//! its thread's ring, with no lock and no wake-up; a full ring drops the
//! record and counts it. See walkthroughs/11-tracing-and-the-tui.md.

pub mod capture;
pub mod clock;
pub mod context;
pub mod encode;
pub mod hub;
pub mod layer;
pub mod record;
pub mod shard;
pub mod split;

pub use hub::{Hub, HubOptions};
pub use record::{Phase, Stage, TraceRecord};

/// The `tracing` target every trace record is emitted under.
pub const TARGET: &str = "mdtrace";

/// Emit a trace record: `trace_event!(stage, phase, name, field = value, ...)`.
///
/// `stage` and `phase` are string literals from [`Stage`] and [`Phase`]
/// (`"middleware"`, `"exit"`). They become the event's `tracing` name
/// (`"middleware:exit"`), part of the call site's static metadata, so a
/// record never carries them. `name` is any `&str`; the fields are
/// ordinary `tracing` fields (`status = 404`, `error = %err`). A field
/// named `dur_us` becomes the record's duration; fields named `conn` and
/// `req` override the ids the record would take from its request (`context.rs`).
///
/// The whole event sits behind [`active`]: while nobody listens, a trace
/// point is one relaxed atomic load, its field values are never computed
/// and `tracing`'s dispatcher is never asked (that ask alone walks every
/// layer's filter, which measured at a few percent of a `/_ping`).
#[macro_export]
macro_rules! trace_event {
    ($stage:literal, $phase:literal, $name:expr) => {
        if $crate::trace::active() {
            ::tracing::info!(name: concat!($stage, ":", $phase), target: "mdtrace", name = $name)
        }
    };
    ($stage:literal, $phase:literal, $name:expr, $($fields:tt)+) => {
        if $crate::trace::active() {
            ::tracing::info!(name: concat!($stage, ":", $phase), target: "mdtrace", name = $name, $($fields)+)
        }
    };
}

/// Whether anybody listens to trace records right now. Code that would do
/// extra work only to report it (formatting a list of routes tried, say)
/// asks this first.
pub fn active() -> bool {
    hub::active()
}

/// Microseconds since `start`, for `dur_us` fields.
pub fn micros_since(start: std::time::Instant) -> u64 {
    start.elapsed().as_micros() as u64
}

/// The start of a stage that reports its duration, taken only while
/// somebody listens: even the trace's cheap clock (`clock.rs`) is not
/// free, and a request passes half a dozen stages.
pub fn clock() -> Option<clock::Stamp> {
    active().then(clock::Stamp::now)
}

/// Microseconds since a [`clock()`] reading (0 if the clock was not read).
pub fn micros_since_opt(start: Option<clock::Stamp>) -> u64 {
    start.map(clock::Stamp::micros).unwrap_or(0)
}

/// `tokio::task::spawn_blocking`, run as part of the caller's request.
///
/// A blocking task runs on another thread, outside the request that asked
/// for it, so its trace records would carry no request id. Carrying the
/// ids over (`context.rs`) keeps the runtime's steps (rootfs, cgroups,
/// clone, the init's mounts) under the `docker run` request that caused
/// them.
pub fn spawn_blocking<F, R>(f: F) -> tokio::task::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let ids = context::current();
    tokio::task::spawn_blocking(move || context::scope(ids, f))
}
