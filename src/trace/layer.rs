//! `TraceLayer`: turns `mdtrace` events into trace records.
//!
//! This plays the part of console-subscriber's layer in tokio-console: it
//! runs inside the instrumented program, on the program's own threads, so
//! it must be cheap and must never block. [`record`] copies an event's
//! values, in binary (`capture.rs`), into a bounded buffer of its own
//! thread (`shard.rs`); when that buffer is full the record is counted as
//! dropped and forgotten. The hub (`hub.rs`) takes the buffers every few
//! milliseconds and writes the records as JSON (`encode.rs`).
//!
//! The daemon calls [`record`] from its own subscriber (`split.rs`), which
//! sends `mdtrace` events here and everything else to the log lines. As a
//! `tracing_subscriber::Layer`, `TraceLayer` does the same in any other
//! stack (the tests use `registry().with(TraceLayer)`).
//!
//! Connection and request ids come from the request the thread is running
//! (`context.rs`); an event can also pass `conn` and `req` as fields, for
//! a task that runs outside any request.

use std::cell::RefCell;

use tracing::{Event, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::Layer;

use super::{capture, context, shard, TARGET};

/// See the module documentation.
#[derive(Default, Clone, Copy)]
pub struct TraceLayer;

/// The trace layer, ready for `registry().with(...)`.
pub fn trace_layer() -> TraceLayer {
    TraceLayer
}

impl<S: Subscriber> Layer<S> for TraceLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() == TARGET {
            record(event);
        }
    }
}

thread_local! {
    /// The record being written, reused for every event of the thread.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Copy one `mdtrace` event into this thread's ring, in binary
/// (`capture.rs`); the hub turns it into JSON later.
pub fn record(event: &Event<'_>) {
    SCRATCH.with(|scratch| {
        // An event recorded while formatting another one's field (a
        // `Display` impl that traces) finds the scratch busy; it is
        // dropped rather than corrupt the outer record.
        let Ok(mut buf) = scratch.try_borrow_mut() else {
            return;
        };
        let ids = context::current();
        capture::start(&mut buf, event.metadata(), ids.conn, ids.req);
        event.record(&mut capture::Writer(&mut buf));
        shard::push(&buf);
    });
}
