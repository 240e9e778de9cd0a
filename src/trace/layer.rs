//! `TraceLayer`: a `tracing_subscriber::Layer` that turns `mdtrace` events
//! into trace records.
//!
//! This plays the part of console-subscriber's layer in tokio-console: it
//! runs inside the instrumented program, on the program's own threads, so
//! it must be cheap and must never block. It writes each event's fields
//! straight into JSON bytes (`encode.rs`) in a bounded buffer of its own
//! thread (`shard.rs`); when that buffer is full the record is counted as
//! dropped and forgotten. The hub (`hub.rs`) takes the buffers every few
//! milliseconds.
//!
//! Connection and request ids come from the spans the server opens around
//! each connection (`conn`) and each request (`req`): when a span with
//! those fields is created we store them in the span's extensions, and an
//! event looks them up in its nearest span. A task that runs outside those
//! spans can pass `conn` and `req` as fields itself.

use std::cell::RefCell;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use super::encode::{self, EventFields};
use super::shard;
use super::TARGET;

/// The ids a span carries, kept in its extensions.
#[derive(Clone, Copy, Default)]
struct Ids {
    conn: u64,
    req: u64,
}

/// See the module documentation.
#[derive(Default)]
pub struct TraceLayer;

/// Whether the trace layer wants to see a span or event: spans always
/// (they are cheap and carry the ids), events only under the `mdtrace`
/// target.
///
/// This is a *per-layer* filter (`TraceLayer.with_filter(...)`, see
/// [`trace_layer`]): a `Layer::enabled` would be a global filter and would
/// hide the ordinary log lines from the log layer beside it.
///
/// It does not ask whether anybody listens: [`trace_event!`](crate::trace_event)
/// asks that before it even reaches `tracing`. That keeps this answer
/// fixed per call site, so `tracing` caches it once ("always") instead of
/// asking the filters again on every event; a call site first reached
/// while nobody listened still reports once a viewer attaches, because it
/// was never reached, and so never cached, while nobody listened.
pub fn wants(metadata: &Metadata<'_>) -> bool {
    metadata.is_span() || metadata.target() == TARGET
}

/// The trace layer with its filter, ready for `registry().with(...)`.
pub fn trace_layer<S>() -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    TraceLayer.with_filter(tracing_subscriber::filter::filter_fn(wants))
}

/// The buffers one thread reuses for every event it encodes.
#[derive(Default)]
struct Scratch {
    fields: Vec<u8>,
    name: String,
    fmt: String,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
    /// The ids of the spans this thread is in, innermost last.
    static CURRENT: RefCell<Vec<Ids>> = const { RefCell::new(Vec::new()) };
}

impl<S> Layer<S> for TraceLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        // Inherit the parent's ids, then let this span's own fields override.
        let mut ids = span
            .parent()
            .and_then(|p| p.extensions().get::<Ids>().copied())
            .unwrap_or_default();
        let mut v = IdVisitor(&mut ids);
        attrs.record(&mut v);
        span.extensions_mut().insert(ids);
    }

    // The ids of the span a thread is in, kept on a thread-local stack as
    // spans are entered and left. A request's future enters its span once
    // per poll, and emits a dozen events per request: looking the ids up
    // here, once per poll, instead of in the span registry for every event
    // (`ctx.event_span`) took that lookup off the trace's hot path.
    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        let ids = ctx
            .span(id)
            .and_then(|s| s.extensions().get::<Ids>().copied())
            .unwrap_or_default();
        CURRENT.with(|c| c.borrow_mut().push(ids));
    }

    fn on_exit(&self, _id: &Id, _ctx: Context<'_, S>) {
        CURRENT.with(|c| {
            c.borrow_mut().pop();
        });
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().target() != TARGET {
            return;
        }
        let ids = match event.parent() {
            // An explicit parent (`parent: span` in the macro) is looked up.
            Some(parent) => ctx
                .span(parent)
                .and_then(|s| s.extensions().get::<Ids>().copied())
                .unwrap_or_default(),
            None => CURRENT.with(|c| c.borrow().last().copied().unwrap_or_default()),
        };
        SCRATCH.with(|scratch| {
            // An event recorded while formatting another one's field
            // (a `Display` impl that traces) finds the scratch busy; it
            // is dropped rather than corrupt the outer record.
            let Ok(mut scratch) = scratch.try_borrow_mut() else {
                return;
            };
            let Scratch { fields, name, fmt } = &mut *scratch;
            let mut v = EventFields::new(fields, name, fmt);
            event.record(&mut v);
            let Some(stage) = v.stage else { return };
            let (conn, req) = (v.conn.unwrap_or(ids.conn), v.req.unwrap_or(ids.req));
            let (phase, dur_us) = (v.phase, v.dur_us);
            shard::push(|out, ts| {
                encode::push_record(out, ts, conn, req, stage, phase, name, dur_us, fields)
            });
        });
    }
}

struct IdVisitor<'a>(&'a mut Ids);

impl Visit for IdVisitor<'_> {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "conn" => self.0.conn = value,
            "req" => self.0.req = value,
            _ => {}
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_u64(field, value as u64)
    }
    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}
