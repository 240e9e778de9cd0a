//! `TraceLayer`: turns `mdtrace` events into trace records.
//!
//! This plays the part of console-subscriber's layer in tokio-console: it
//! runs inside the instrumented program, on the program's own threads, so
//! it must be cheap and must never block. [`record`] writes an event's
//! fields straight into JSON bytes (`encode.rs`) in a bounded buffer of
//! its own thread (`shard.rs`); when that buffer is full the record is
//! counted as dropped and forgotten. The hub (`hub.rs`) takes the buffers
//! every few milliseconds.
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

use super::encode::{self, EventFields};
use super::{context, shard, TARGET};

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

/// The buffers one thread reuses for every event it encodes.
#[derive(Default)]
struct Scratch {
    fields: Vec<u8>,
    name: String,
    fmt: String,
    record: Vec<u8>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Encode one `mdtrace` event into this thread's buffer.
pub fn record(event: &Event<'_>) {
    SCRATCH.with(|scratch| {
        // An event recorded while formatting another one's field (a
        // `Display` impl that traces) finds the scratch busy; it is
        // dropped rather than corrupt the outer record.
        let Ok(mut scratch) = scratch.try_borrow_mut() else {
            return;
        };
        let Scratch {
            fields,
            name,
            fmt,
            record,
        } = &mut *scratch;
        let mut v = EventFields::new(fields, name, fmt);
        event.record(&mut v);
        let Some(stage) = v.stage else { return };
        let (conn, req) = match (v.conn, v.req) {
            (Some(conn), Some(req)) => (conn, req),
            (conn, req) => {
                let ids = context::current();
                (conn.unwrap_or(ids.conn), req.unwrap_or(ids.req))
            }
        };
        let (phase, dur_us) = (v.phase, v.dur_us);
        let head = encode::Head {
            conn,
            req,
            stage,
            phase,
            name,
            dur_us,
        };
        record.clear();
        head.push(record, fields);
        shard::push(&[record, fields, encode::record_tail(fields)]);
    });
}
