//! `TraceRecord`: one owned, serialisable record of something a stage did.
//!
//! The tracing layer (`trace/layer.rs`) turns every `tracing` event emitted
//! under the `mdtrace` target into one of these, so that consumers (the
//! JSON-lines writer, the TUI, viewers attached over `/debug/trace`)
//! never touch `tracing` internals. dockerd has nothing like this: moby logs
//! with logrus and, on master, exports OpenTelemetry spans; this record is
//! our teaching-sized stand-in for both. The schema is documented in the
//! README ("Trace records") and is what `--trace-json` writes, one per line.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The stage of the request pipeline a record belongs to, in the order a
/// request meets them (`Listener` first, `Response` last). `Daemon` records
/// are not tied to a request (start-up, shutdown, reload, the route table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Daemon-wide happenings: start-up, listeners opened, route table, reload, shutdown.
    Daemon,
    /// A connection accepted or closed on a listener (moby `daemon/listeners`).
    Listener,
    /// The request head was read (method, URI, content length).
    Request,
    /// A middleware's entry or exit, with its decision.
    Middleware,
    /// The mux: which routes were tried, why they failed, which one matched.
    Mux,
    /// The handler the mux picked (its moby name, e.g. `postContainersCreate`).
    Handler,
    /// A docker-1.x style Engine job (only with `--engine-jobs`).
    Job,
    /// A call into the daemon backend (moby `daemon/*.go`).
    Backend,
    /// The container runtime (namespaces, mounts, cgroups, exec of the init).
    Runtime,
    /// The response head and the bytes written; also the end of a stream.
    Response,
    /// A connection upgrade (attach, exec start): 101 and the hijacked stream.
    Upgrade,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Daemon => "daemon",
            Stage::Listener => "listener",
            Stage::Request => "request",
            Stage::Middleware => "middleware",
            Stage::Mux => "mux",
            Stage::Handler => "handler",
            Stage::Job => "job",
            Stage::Backend => "backend",
            Stage::Runtime => "runtime",
            Stage::Response => "response",
            Stage::Upgrade => "upgrade",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Some(match s {
            "daemon" => Stage::Daemon,
            "listener" => Stage::Listener,
            "request" => Stage::Request,
            "middleware" => Stage::Middleware,
            "mux" => Stage::Mux,
            "handler" => Stage::Handler,
            "job" => Stage::Job,
            "backend" => Stage::Backend,
            "runtime" => Stage::Runtime,
            "response" => Stage::Response,
            "upgrade" => Stage::Upgrade,
            _ => return None,
        })
    }
}

/// Whether a record opens a stage, closes it, or is a point in time.
///
/// A stage that takes time (a middleware, the handler, a backend call) emits
/// an `enter` and an `exit` record with the same `name`; the `exit` record
/// carries `dur_us`, the time spent inside, children included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Enter,
    Exit,
    Event,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Enter => "enter",
            Phase::Exit => "exit",
            Phase::Event => "event",
        }
    }
}

/// One trace record. On the wire (JSON lines) it looks like:
///
/// ```json
/// {"seq":42,"ts_ns":1795000000123456789,"conn":3,"req":7,"stage":"middleware",
///  "phase":"exit","name":"VersionMiddleware","dur_us":4,
///  "fields":{"api_version":"1.41","decision":"pass"}}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceRecord {
    /// Position in the daemon's stream, starting at 1. Gaps mean records
    /// were dropped because a consumer could not keep up.
    pub seq: u64,
    /// Wall-clock time, nanoseconds since the Unix epoch.
    pub ts_ns: u64,
    /// Connection id (0 when the record is not tied to a connection).
    #[serde(default)]
    pub conn: u64,
    /// Request id (0 when the record is not tied to a request).
    #[serde(default)]
    pub req: u64,
    pub stage: Stage,
    pub phase: Phase,
    /// What did it: a middleware's type name, a handler's moby name
    /// (`postContainersCreate`), a backend call (`Daemon.ContainerCreate`),
    /// a runtime step (`runtime.pivot_root`), `accept`, `match`, ...
    pub name: String,
    /// Time spent inside the stage, on `exit` records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dur_us: Option<u64>,
    /// Everything else the stage reported, as key/value pairs.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub fields: Map<String, Value>,
}

impl TraceRecord {
    /// A field as a string, whatever JSON type it was recorded as.
    pub fn field_str(&self, key: &str) -> Option<String> {
        self.fields.get(key).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }

    /// A field as an unsigned integer, if it is one.
    pub fn field_u64(&self, key: &str) -> Option<u64> {
        self.fields.get(key).and_then(|v| match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        })
    }
}
