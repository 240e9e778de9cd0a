//! `TraceLayer`: a `tracing_subscriber::Layer` that turns `mdtrace` events
//! into [`TraceRecord`]s.
//!
//! This plays the part of console-subscriber's layer in tokio-console: it
//! runs inside the instrumented program, on the program's own threads, so
//! it must be cheap and must never block. It copies the event's fields into
//! an owned record and offers it to the hub with `try_send`; when the hub's
//! channel is full the record is counted as dropped and forgotten.
//!
//! Connection and request ids come from the spans the server opens around
//! each connection (`conn`) and each request (`req`): when a span with
//! those fields is created we store them in the span's extensions, and an
//! event looks them up in its nearest span. A task that runs outside those
//! spans can pass `conn` and `req` as fields itself.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use super::hub;
use super::record::{Phase, Stage, TraceRecord};
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
/// target and only while somebody listens.
///
/// This is a *per-layer* filter (`TraceLayer.with_filter(...)`, see
/// [`trace_layer`]): a `Layer::enabled` would be a global filter and would
/// hide the ordinary log lines from the log layer beside it.
pub fn wants(metadata: &Metadata<'_>) -> bool {
    metadata.is_span() || (metadata.target() == TARGET && hub::active())
}

/// The trace layer with its filter, ready for `registry().with(...)`.
///
/// The filter is a *dynamic* one: tracing caches a plain `filter_fn`'s
/// answer per call site the first time the site runs, but [`wants`]
/// changes its mind when a viewer attaches. A call site first reached
/// while nobody listened (a connection's `accept`, a middleware's `enter`)
/// would stay off for good, and a viewer attached later would miss those
/// records. `dynamic_filter_fn` is asked every time (one atomic load).
pub fn trace_layer<S>() -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    TraceLayer.with_filter(tracing_subscriber::filter::dynamic_filter_fn(
        |metadata, _cx| wants(metadata),
    ))
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

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().target() != TARGET {
            return;
        }
        let mut ids = ctx
            .event_span(event)
            .and_then(|s| s.extensions().get::<Ids>().copied())
            .unwrap_or_default();
        let mut v = RecordVisitor {
            stage: None,
            phase: Phase::Event,
            name: None,
            dur_us: None,
            ids: &mut ids,
            fields: Map::new(),
        };
        event.record(&mut v);
        let RecordVisitor {
            stage,
            phase,
            name,
            dur_us,
            fields,
            ..
        } = v;
        let Some(stage) = stage else { return };
        let record = TraceRecord {
            seq: 0, // the hub numbers records as it accepts them
            ts_ns: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0),
            conn: ids.conn,
            req: ids.req,
            stage,
            phase,
            name: name.unwrap_or_default(),
            dur_us,
            fields,
        };
        hub::offer(record);
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

struct RecordVisitor<'a> {
    stage: Option<Stage>,
    phase: Phase,
    /// The record's name: the macro's third argument, which `tracing`
    /// records first. A later field that is also called `name` (the
    /// container name in `Daemon.ContainerCreate`) is an ordinary field.
    name: Option<String>,
    dur_us: Option<u64>,
    ids: &'a mut Ids,
    fields: Map<String, Value>,
}

impl Visit for RecordVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "stage" => self.stage = Stage::parse(value),
            "phase" => {
                self.phase = match value {
                    "enter" => Phase::Enter,
                    "exit" => Phase::Exit,
                    _ => Phase::Event,
                }
            }
            "name" if self.name.is_none() => self.name = Some(value.to_string()),
            other => {
                // A field that holds JSON (vars, lists) is kept as JSON.
                let v = if (value.starts_with('{') && value.ends_with('}'))
                    || (value.starts_with('[') && value.ends_with(']'))
                {
                    serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()))
                } else {
                    Value::String(value.to_string())
                };
                self.fields.insert(other.to_string(), v);
            }
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "dur_us" => self.dur_us = Some(value),
            "conn" => self.ids.conn = value,
            "req" => self.ids.req = value,
            other => {
                self.fields.insert(other.to_string(), Value::from(value));
            }
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if value >= 0 && matches!(field.name(), "dur_us" | "conn" | "req") {
            return self.record_u64(field, value as u64);
        }
        self.fields
            .insert(field.name().to_string(), Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.fields
            .insert(field.name().to_string(), Value::from(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.fields
            .insert(field.name().to_string(), Value::from(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        // `%value` fields arrive here already formatted with Display.
        self.record_str(field, &format!("{value:?}"));
    }
}
