//! The daemon's process-wide `tracing` subscriber: trace records one way,
//! log lines the other.
//!
//! Everything the daemon reports goes through `tracing`, but to two very
//! different readers. Log lines (`level=info msg=...` in dockerd's logrus)
//! go through the usual `tracing_subscriber` stack, a registry and a `fmt`
//! layer behind a reloadable level filter (SIGHUP and `--log-level` change
//! it). Trace records (target `mdtrace`, a dozen per request) go to the
//! [`TraceLayer`](super::layer::TraceLayer)'s encoder and nowhere else.
//!
//! Putting both layers in one `tracing_subscriber` stack works, and the
//! daemon did that at first, with a per-layer filter on each side. But
//! with per-layer filters that disagree about a call site, `tracing` can
//! no longer cache one answer for it: every trace record then asked both
//! filters whether they wanted it and kept per-layer bookkeeping in a
//! thread-local, on the request path. This subscriber decides by target
//! instead, once per call site: `mdtrace` call sites are always on and go
//! straight to the encoder; every other call site, span and question is
//! the log stack's, unchanged.

use std::any::TypeId;

use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

use super::TARGET;

/// See the module documentation. `logs` is the log stack.
pub struct TraceSplit<L> {
    logs: L,
}

impl<L: Subscriber> TraceSplit<L> {
    pub fn new(logs: L) -> Self {
        TraceSplit { logs }
    }
}

fn is_trace(metadata: &Metadata<'_>) -> bool {
    metadata.is_event() && metadata.target() == TARGET
}

impl<L: Subscriber> Subscriber for TraceSplit<L> {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if is_trace(metadata) {
            // Cached by `tracing` for the life of the call site: a trace
            // point never asks `enabled` again. Whether anybody listens is
            // asked before `tracing` is reached (see `trace_event!`).
            return Interest::always();
        }
        self.logs.register_callsite(metadata)
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        is_trace(metadata) || self.logs.enabled(metadata)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        // Trace records are INFO events: a log level of `warn` must not
        // make `tracing` skip them before they reach us.
        self.logs
            .max_level_hint()
            .map(|hint| hint.max(LevelFilter::INFO))
    }

    fn event_enabled(&self, event: &Event<'_>) -> bool {
        is_trace(event.metadata()) || self.logs.event_enabled(event)
    }

    fn event(&self, event: &Event<'_>) {
        if is_trace(event.metadata()) {
            super::layer::record(event);
        } else {
            self.logs.event(event);
        }
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        self.logs.new_span(span)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        self.logs.record(span, values)
    }

    fn record_follows_from(&self, span: &Id, follows: &Id) {
        self.logs.record_follows_from(span, follows)
    }

    fn enter(&self, span: &Id) {
        self.logs.enter(span)
    }

    fn exit(&self, span: &Id) {
        self.logs.exit(span)
    }

    fn clone_span(&self, id: &Id) -> Id {
        self.logs.clone_span(id)
    }

    fn try_close(&self, id: Id) -> bool {
        self.logs.try_close(id)
    }

    fn current_span(&self) -> tracing_core::span::Current {
        self.logs.current_span()
    }

    fn on_register_dispatch(&self, subscriber: &tracing::Dispatch) {
        self.logs.on_register_dispatch(subscriber)
    }

    unsafe fn downcast_raw(&self, id: TypeId) -> Option<*const ()> {
        if id == TypeId::of::<Self>() {
            return Some(self as *const Self as *const ());
        }
        // SAFETY: the log stack upholds `downcast_raw`'s contract for the
        // types it knows (the registry, its layers).
        unsafe { self.logs.downcast_raw(id) }
    }
}
