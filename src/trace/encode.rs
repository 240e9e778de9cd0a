//! Writing trace records as JSON, on the hub's thread.
//!
//! The trace layer copies an event's values into a ring in binary
//! (`capture.rs`); the hub reads them back and writes each record here as
//! one JSON line. The keys come from the call site's `tracing` metadata,
//! looked up once per call site ([`Callsites`]), so nothing on the way
//! allocates: no map, no owned keys, nothing to free.
//!
//! A record is written in two parts. The hub writes `{"seq":N,"ts_ns":T,`
//! ([`push_head`]): it numbers records in the order it merges them, and
//! the timestamp sits in the ring beside the record (`shard.rs`). Then
//! [`Callsites::push_record`] writes the rest:
//!
//! ```text
//! "conn":3,"req":7,"stage":"middleware","phase":"exit",
//! "name":"VersionMiddleware","dur_us":4,"fields":{"decision":"pass","api_version":"1.41"}}
//! ```
//!
//! The in-process TUI wants records, not text: [`Callsites::to_record`]
//! builds a [`TraceRecord`] from the same binary form, with the values a
//! reader of the JSON line would get.
//!
//! Keys come in the order of [`TraceRecord`]'s
//! fields, so a consumer reads the same schema with serde; `fields` keep
//! the order the call site wrote them in.
//!
//! Nothing in moby does this; it is the part of tokio-console's
//! instrumentation that keeps recording cheap, done the simple way.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use tracing::Metadata;

use serde_json::Map;

use super::capture::{self, Value, Values};
use super::record::{Phase, Stage, TraceRecord};

/// Whether `s` can go between quotes as it is: no `"`, no `\\`, no
/// control character.
///
/// This runs over every string of every record, so it looks at eight
/// bytes at a time ("SIMD within a register"): for each byte, `has_less`
/// sets its top bit if the byte is below a bound, and XOR with a
/// repeated byte turns "equals that byte" into "is zero", which is
/// "below 1". A byte at 0x80 or above (UTF-8) is never flagged.
pub fn plain(s: &str) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    fn has_less(x: u64, n: u8) -> bool {
        x.wrapping_sub(ONES * n as u64) & !x & HIGH != 0
    }
    let bytes = s.as_bytes();
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let x = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        if has_less(x, 0x20)
            || has_less(x ^ (ONES * b'"' as u64), 1)
            || has_less(x ^ (ONES * b'\\' as u64), 1)
        {
            return false;
        }
    }
    chunks
        .remainder()
        .iter()
        .all(|&b| b >= 0x20 && b != b'"' && b != b'\\')
}

/// Append `s` as a JSON string (quotes and escapes included).
pub fn push_str(out: &mut Vec<u8>, s: &str) {
    // Almost every value (names, paths, decisions) needs no escaping:
    // check once and copy it whole.
    if plain(s) {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // serde_json's escaping, for the rare value that needs it.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// Append an unsigned integer.
pub fn push_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Append `"key":`. Keys are `tracing` field names, Rust identifiers,
/// which never need escaping.
fn push_key(out: &mut Vec<u8>, key: &str) {
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
}

/// What the hub knows about one call site, worked out the first time one
/// of its records comes through: its stage and phase (the `tracing` name
/// of the event, `"middleware:exit"`, which [`crate::trace_event!`] sets)
/// and what each of its fields is for.
struct Callsite {
    stage: Stage,
    phase: Phase,
    /// By field index.
    fields: Vec<FieldInfo>,
}

/// One field of a call site.
struct FieldInfo {
    role: Role,
    /// The field's name, for a [`TraceRecord`]'s `fields`.
    name: &'static str,
    /// `"key":`, ready to copy into a JSON line.
    key: Cow<'static, [u8]>,
}

/// What a field of a call site is for.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    /// The record's name: the macro's third argument, `tracing`'s first
    /// field. A later field also called `name` (the container name in
    /// `Daemon.ContainerCreate`) is an ordinary field.
    Name,
    /// `dur_us`: the record's duration.
    DurUs,
    /// `conn` and `req`: ids given by the call site, for work that runs
    /// outside any request.
    Conn,
    Req,
    /// Anything else goes under `fields`.
    Field,
}

/// The call sites seen so far, by the address of their metadata. The hub
/// owns one; a few hundred entries at most.
#[derive(Default)]
pub struct Callsites {
    known: HashMap<usize, Option<Callsite>, BuildHasherDefault<AddressHasher>>,
    /// The `fields` of the record being written.
    fields: Vec<u8>,
}

/// A hasher for addresses: one multiplication (the map's keys are
/// pointers to statics, already unique).
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

impl Callsite {
    fn new(meta: &'static Metadata<'static>) -> Option<Callsite> {
        let (stage, phase) = meta.name().split_once(':')?;
        let stage = Stage::parse(stage)?;
        let phase = match phase {
            "enter" => Phase::Enter,
            "exit" => Phase::Exit,
            _ => Phase::Event,
        };
        let mut name_seen = false;
        let fields = meta
            .fields()
            .iter()
            .map(|f| {
                let role = match f.name() {
                    "name" if !name_seen => {
                        name_seen = true;
                        Role::Name
                    }
                    "dur_us" => Role::DurUs,
                    "conn" => Role::Conn,
                    "req" => Role::Req,
                    _ => Role::Field,
                };
                let mut key = Vec::new();
                push_key(&mut key, f.name());
                FieldInfo {
                    role,
                    name: f.name(),
                    key: Cow::Owned(key),
                }
            })
            .collect();
        Some(Callsite {
            stage,
            phase,
            fields,
        })
    }
}

/// A value given to a role that wants a number, if it is one.
fn as_u64(v: Value<'_>) -> Option<u64> {
    match v {
        Value::U64(n) => Some(n),
        Value::I64(n) if n >= 0 => Some(n as u64),
        _ => None,
    }
}

/// A record read back from a ring.
enum Decoded<'a> {
    /// A record the hub built by hand: the JSON after `"ts_ns":T,`.
    Raw(&'a [u8]),
    /// A trace point's record: what it says about itself. Its other
    /// fields went to the caller's `field`, in call-site order.
    Event(Head<'a>),
}

impl Callsites {
    /// Read one record from a ring (`capture.rs`), handing each ordinary
    /// field to `field` as it goes; `None` for a record of a call site that
    /// is not a trace point (no `stage:phase` name).
    fn decode<'a>(
        &mut self,
        body: &'a [u8],
        mut field: impl FnMut(&FieldInfo, Value<'a>),
    ) -> Option<Decoded<'a>> {
        let rec = capture::read(body)?;
        let Some(meta) = rec.callsite else {
            return Some(Decoded::Raw(rec.rest));
        };
        let address = meta as *const Metadata<'static> as usize;
        let cs = self
            .known
            .entry(address)
            .or_insert_with(|| Callsite::new(meta))
            .as_ref()?;
        let mut head = Head {
            conn: rec.conn,
            req: rec.req,
            stage: cs.stage,
            phase: cs.phase,
            name: "",
            dur_us: None,
        };
        // One pass over the values: those that belong to the record itself
        // (name, duration, ids) go to its head, the others to `field`.
        for (i, v) in Values(rec.rest) {
            let Some(info) = cs.fields.get(i) else {
                // The layer never writes more values than its call site
                // has fields; keep the value rather than lose it.
                field(&UNKNOWN, v);
                continue;
            };
            match (info.role, v, as_u64(v)) {
                (Role::Name, Value::Str(s), _) => head.name = s,
                (Role::DurUs, _, Some(n)) => head.dur_us = Some(n),
                (Role::Conn, _, Some(n)) => head.conn = n,
                (Role::Req, _, Some(n)) => head.req = n,
                _ => field(info, v),
            }
        }
        Some(Decoded::Event(head))
    }

    /// Append one record read from a ring (`capture.rs`) as the JSON after
    /// its `{"seq":N,"ts_ns":T,` (see the module documentation). Returns
    /// false, writing nothing, for a record of a call site that is not a
    /// trace point (no `stage:phase` name).
    pub fn push_record(&mut self, out: &mut Vec<u8>, body: &[u8]) -> bool {
        // `fields` come after the record's own keys in the JSON, so they
        // are written aside first.
        let mut fields = std::mem::take(&mut self.fields);
        fields.clear();
        let decoded = self.decode(body, |info, v| {
            if !fields.is_empty() {
                fields.push(b',');
            }
            fields.extend_from_slice(&info.key);
            push_value(&mut fields, v);
        });
        let written = match decoded {
            None => false,
            Some(Decoded::Raw(json)) => {
                out.extend_from_slice(json);
                true
            }
            Some(Decoded::Event(head)) => {
                head.push_record(out, &fields);
                true
            }
        };
        self.fields = fields;
        written
    }

    /// The record as a [`TraceRecord`], for the in-process TUI, without
    /// going through JSON text; `None` as for [`Callsites::push_record`].
    pub fn to_record(&mut self, seq: u64, ts_ns: u64, body: &[u8]) -> Option<TraceRecord> {
        let mut fields = Map::new();
        let decoded = self.decode(body, |info, v| {
            fields.insert(info.name.to_string(), json_value(v));
        })?;
        match decoded {
            Decoded::Raw(json) => {
                // Records the hub builds by hand (the route table,
                // `dropped`) are rare: read their JSON back.
                let mut line = Vec::with_capacity(json.len() + 48);
                push_head(&mut line, seq, ts_ns);
                line.extend_from_slice(json);
                serde_json::from_slice(&line).ok()
            }
            Decoded::Event(head) => Some(TraceRecord {
                seq,
                ts_ns,
                conn: head.conn,
                req: head.req,
                stage: head.stage,
                phase: head.phase,
                name: head.name.to_string(),
                dur_us: head.dur_us,
                fields,
            }),
        }
    }
}

/// The key of a value beyond its call site's fields (see `decode`).
static UNKNOWN: FieldInfo = FieldInfo {
    role: Role::Field,
    name: "?",
    key: Cow::Borrowed(b"\"?\":"),
};

/// Append one field's value as JSON.
fn push_value(out: &mut Vec<u8>, v: Value<'_>) {
    match v {
        Value::U64(n) => push_u64(out, n),
        Value::I64(n) => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
        Value::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        // JSON has no NaN or infinity; serde_json writes them as null.
        Value::F64(f) => {
            if serde_json::to_writer(&mut *out, &f).is_err() {
                out.extend_from_slice(b"null");
            }
        }
        Value::Str(s) if holds_json(s) => out.extend_from_slice(s.as_bytes()),
        Value::Str(s) => push_str(out, s),
    }
}

/// Whether a string field holds JSON (the mux's `vars`, lists), which
/// stays JSON in the record rather than becoming a string.
fn holds_json(s: &str) -> bool {
    let looks_json =
        (s.starts_with('{') && s.ends_with('}')) || (s.starts_with('[') && s.ends_with(']'));
    let empty = s == "{}" || s == "[]";
    looks_json && (empty || serde_json::from_str::<serde::de::IgnoredAny>(s).is_ok())
}

/// One field's value as a [`serde_json::Value`]: what reading
/// [`push_value`]'s JSON back would give.
fn json_value(v: Value<'_>) -> serde_json::Value {
    use serde_json::Value as Json;
    match v {
        Value::U64(n) => n.into(),
        Value::I64(n) => n.into(),
        Value::Bool(b) => b.into(),
        Value::F64(f) => serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number),
        Value::Str(s) if holds_json(s) => serde_json::from_str(s).unwrap_or_else(|_| s.into()),
        Value::Str(s) => s.into(),
    }
}

/// What a record says about itself, before its fields.
pub struct Head<'a> {
    pub conn: u64,
    pub req: u64,
    pub stage: Stage,
    pub phase: Phase,
    pub name: &'a str,
    pub dur_us: Option<u64>,
}

impl Head<'_> {
    /// Append the whole record, without its leading `{"seq":N,"ts_ns":T,`
    /// (see the module documentation); `fields` is the inside of the
    /// fields object (`"k":v,...`), left out when empty.
    pub fn push_record(&self, out: &mut Vec<u8>, fields: &[u8]) {
        out.extend_from_slice(b"\"conn\":");
        push_u64(out, self.conn);
        out.extend_from_slice(b",\"req\":");
        push_u64(out, self.req);
        out.extend_from_slice(b",\"stage\":\"");
        out.extend_from_slice(self.stage.as_str().as_bytes());
        out.extend_from_slice(b"\",\"phase\":\"");
        out.extend_from_slice(self.phase.as_str().as_bytes());
        out.extend_from_slice(b"\",\"name\":");
        push_str(out, self.name);
        if let Some(d) = self.dur_us {
            out.extend_from_slice(b",\"dur_us\":");
            push_u64(out, d);
        }
        if fields.is_empty() {
            out.push(b'}');
        } else {
            out.extend_from_slice(b",\"fields\":{");
            out.extend_from_slice(fields);
            out.extend_from_slice(b"}}");
        }
    }

    /// The whole record as a raw record for a ring (`capture::start_raw`):
    /// how the hub carries records it builds itself.
    pub fn raw_record(&self, fields: &[u8]) -> Vec<u8> {
        let mut body = Vec::with_capacity(fields.len() + 160);
        capture::start_raw(&mut body);
        self.push_record(&mut body, fields);
        body
    }
}

/// The hub's own record of lost records, `daemon`/`event`/`dropped` with
/// the running total in `count`, as a raw record for a ring.
pub fn dropped_record(count: u64) -> Vec<u8> {
    let mut fields = b"\"count\":".to_vec();
    push_u64(&mut fields, count);
    Head {
        conn: 0,
        req: 0,
        stage: Stage::Daemon,
        phase: Phase::Event,
        name: "dropped",
        dur_us: None,
    }
    .raw_record(&fields)
}

/// Append the head the hub puts in front of a record: `{"seq":N,"ts_ns":T,`.
pub fn push_head(out: &mut Vec<u8>, seq: u64, ts_ns: u64) {
    out.extend_from_slice(b"{\"seq\":");
    push_u64(out, seq);
    out.extend_from_slice(b",\"ts_ns\":");
    push_u64(out, ts_ns);
    out.push(b',');
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Subscriber};

    thread_local! {
        // The binary form of every event, as the trace layer writes it
        // (conn 3, req 7, as if inside that request). Per thread:
        // `with_default` sends a test's events to `Capture` on the test's
        // own thread, and tests run side by side.
        static CAPTURED: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
    }

    struct Capture;

    impl Subscriber for Capture {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut body = Vec::new();
            capture::start(&mut body, event.metadata(), 3, 7);
            event.record(&mut capture::Writer(&mut body));
            CAPTURED.with(|c| c.borrow_mut().push(body));
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    /// The binary form of the events `emit` makes.
    fn capture(emit: impl FnOnce()) -> Vec<Vec<u8>> {
        CAPTURED.with(|c| c.borrow_mut().clear());
        tracing::subscriber::with_default(Capture, emit);
        CAPTURED.with(|c| c.take())
    }

    /// The JSON the hub writes for the events `emit` makes (without the
    /// hub's `{"seq":N,"ts_ns":T,`); `None` for an event that is not a
    /// trace point.
    fn lines(emit: impl FnOnce()) -> Vec<Option<String>> {
        let mut callsites = Callsites::default();
        capture(emit)
            .iter()
            .map(|body| {
                let mut out = Vec::new();
                callsites
                    .push_record(&mut out, body)
                    .then(|| String::from_utf8(out).unwrap())
            })
            .collect()
    }

    /// A record's values survive the trip through the ring's binary form
    /// and come out as the JSON `--trace-json` has always written: the
    /// record's own keys first (a `conn` field overrides the request's),
    /// then `fields` in call-site order, with a second `name` as an
    /// ordinary field, strings escaped, JSON-looking strings kept as JSON
    /// only when they are JSON, `Debug` and `Display` values formatted,
    /// and NaN written as null.
    #[test]
    fn binary_records_come_out_as_the_same_json() {
        let got = lines(|| {
            tracing::info!(
                name: "backend:exit",
                target: "mdtrace",
                name = "Daemon.ContainerCreate",
                name = "web",
                quote = "say \"hi\"\n",
                vars = "{\"a\":1}",
                notjson = "{nope}",
                list = "[1,2]",
                neg = -5i64,
                big = 7u64,
                ok = true,
                ratio = 1.5f64,
                nan = f64::NAN,
                dbg = ?Some(3),
                disp = %"x y",
                dur_us = 12u64,
                conn = 9u64
            );
            tracing::info!(name: "middleware:enter", target: "mdtrace", name = "AuthzMiddleware");
            tracing::info!(target: "mdtrace", name = "no stage");
        });
        assert_eq!(
            got,
            vec![
                Some(
                    r#""conn":9,"req":7,"stage":"backend","phase":"exit","name":"Daemon.ContainerCreate","dur_us":12,"fields":{"name":"web","quote":"say \"hi\"\n","vars":{"a":1},"notjson":"{nope}","list":[1,2],"neg":-5,"big":7,"ok":true,"ratio":1.5,"nan":null,"dbg":"Some(3)","disp":"x y"}}"#
                        .to_string()
                ),
                Some(
                    r#""conn":3,"req":7,"stage":"middleware","phase":"enter","name":"AuthzMiddleware"}"#
                        .to_string()
                ),
                None,
            ]
        );
    }

    /// The in-process TUI gets its records straight from the binary form,
    /// and they are the records a reader of the JSON lines gets: same
    /// head, same fields with the same JSON values (numbers, `null` for
    /// NaN, JSON-holding strings as JSON). Records the hub builds by hand
    /// come out the same way too.
    #[test]
    fn tui_records_are_the_json_lines_read_back() {
        let mut bodies = capture(|| {
            tracing::info!(
                name: "mux:event",
                target: "mdtrace",
                name = "match",
                vars = "{\"id\":\"abc\"}",
                notjson = "[nope",
                tried = 96u64,
                neg = -1i64,
                ok = false,
                ratio = 0.25f64,
                nan = f64::NAN,
                quote = "a \"b\"\n"
            );
            tracing::info!(name: "handler:exit", target: "mdtrace", name = "pingHandler", dur_us = 3u64, status = 200u64);
            tracing::info!(target: "mdtrace", name = "no stage");
        });
        bodies.push(dropped_record(4));
        let mut callsites = Callsites::default();
        let mut got = Vec::new();
        for (i, body) in bodies.iter().enumerate() {
            let (seq, ts) = (i as u64 + 1, 1_700_000_000_000_000_000 + i as u64);
            let mut line = Vec::new();
            push_head(&mut line, seq, ts);
            let from_json = callsites
                .push_record(&mut line, body)
                .then(|| serde_json::from_slice::<TraceRecord>(&line).unwrap());
            let direct = callsites.to_record(seq, ts, body);
            assert_eq!(
                direct.as_ref().map(|r| serde_json::to_value(r).unwrap()),
                from_json.as_ref().map(|r| serde_json::to_value(r).unwrap()),
                "record {i}"
            );
            got.push(direct);
        }
        assert_eq!(got.iter().filter(|r| r.is_some()).count(), 3);
        let first = got[0].as_ref().unwrap();
        assert_eq!(first.fields["vars"], serde_json::json!({"id": "abc"}));
        assert_eq!(first.fields["nan"], serde_json::Value::Null);
        assert_eq!(got[1].as_ref().unwrap().dur_us, Some(3));
        assert_eq!(got[3].as_ref().unwrap().fields["count"], 4);
    }

    /// The eight-bytes-at-a-time check agrees with the byte-by-byte rule
    /// for every byte value at every position of a string longer than
    /// one word.
    #[test]
    fn plain_agrees_with_the_byte_rule() {
        for len in [1usize, 7, 8, 9, 16, 23] {
            for pos in 0..len {
                for b in 0u8..=0x7f {
                    let mut bytes = vec![b'a'; len];
                    bytes[pos] = b;
                    let s = std::str::from_utf8(&bytes).unwrap();
                    let want = b >= 0x20 && b != b'"' && b != b'\\';
                    assert_eq!(plain(s), want, "byte {b:#x} at {pos} of {len}");
                }
            }
        }
        assert!(plain("é 🐳 ünïcödé over eight bytes"));
        assert!(!plain("tab\tinside a longer string"));
    }
}
