//! Writing trace records as JSON, straight from a `tracing` event.
//!
//! The trace layer used to copy every event into an owned
//! [`TraceRecord`](super::TraceRecord), a `serde_json::Map` of owned keys
//! and values, and the hub serialised that map again. On a `/_ping` that
//! was a dozen small allocations per record and a dozen records per
//! request: the trace cost more than the request it described. Here an
//! event's fields go straight into bytes, with the field names `tracing`
//! already has as `&'static str`: no map, no owned keys, nothing to free.
//!
//! The bytes are a record's JSON object *without* its `seq`, which only
//! the hub knows (it numbers records in the order it merges them), and
//! its `ts_ns`, which the ring keeps in binary beside the record (see
//! `shard.rs`):
//!
//! ```text
//! "conn":3,"req":7,"stage":"middleware","phase":"exit",
//! "name":"VersionMiddleware","dur_us":4,"fields":{"decision":"pass","api_version":"1.41"}}
//! ```
//!
//! and the hub writes `{"seq":N,"ts_ns":T,` in front ([`push_head`]). Keys come in the order of
//! [`TraceRecord`](super::TraceRecord)'s fields, so a consumer reads the
//! same schema with serde; `fields` keep the order the call site wrote
//! them in.
//!
//! Nothing in moby does this; it is the part of tokio-console's
//! instrumentation layer that keeps recording cheap, done the simple way.

use std::fmt::Write as _;

use tracing::field::{Field, Visit};

use super::record::{Phase, Stage};

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

/// What an event's fields say about the record itself (its stage, phase,
/// name, duration and ids), gathered while the other fields are written to
/// `fields`.
pub struct EventFields<'a> {
    pub stage: Option<Stage>,
    pub phase: Phase,
    /// The record's name: the macro's third argument, which `tracing`
    /// records first. A later field that is also called `name` (the
    /// container name in `Daemon.ContainerCreate`) is an ordinary field.
    pub name: &'a mut String,
    pub dur_us: Option<u64>,
    pub conn: Option<u64>,
    pub req: Option<u64>,
    /// The other fields, as the inside of a JSON object (`"k":v,"k2":v2`).
    pub fields: &'a mut Vec<u8>,
    /// Scratch space for `Debug`/`Display` values.
    pub fmt_buf: &'a mut String,
    name_seen: bool,
}

impl<'a> EventFields<'a> {
    /// Start with the caller's (reused) buffers, emptied.
    pub fn new(fields: &'a mut Vec<u8>, name: &'a mut String, fmt_buf: &'a mut String) -> Self {
        fields.clear();
        name.clear();
        EventFields {
            stage: None,
            phase: Phase::Event,
            name,
            dur_us: None,
            conn: None,
            req: None,
            fields,
            fmt_buf,
            name_seen: false,
        }
    }

    fn comma(&mut self) {
        if !self.fields.is_empty() {
            self.fields.push(b',');
        }
    }

    fn field_str(&mut self, key: &'static str, value: &str) {
        self.comma();
        push_key(self.fields, key);
        // A field that holds JSON (the mux's `vars`, lists) stays JSON, if
        // it really is JSON.
        let looks_json = (value.starts_with('{') && value.ends_with('}'))
            || (value.starts_with('[') && value.ends_with(']'));
        let empty = value == "{}" || value == "[]";
        if looks_json && (empty || serde_json::from_str::<serde::de::IgnoredAny>(value).is_ok()) {
            self.fields.extend_from_slice(value.as_bytes());
        } else {
            push_str(self.fields, value);
        }
    }

    fn field_raw(&mut self, key: &'static str, value: &[u8]) {
        self.comma();
        push_key(self.fields, key);
        self.fields.extend_from_slice(value);
    }
}

impl Visit for EventFields<'_> {
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
            "name" if !self.name_seen => {
                self.name_seen = true;
                self.name.push_str(value);
            }
            key => self.field_str(key, value),
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "dur_us" => self.dur_us = Some(value),
            "conn" => self.conn = Some(value),
            "req" => self.req = Some(value),
            key => self.field_raw(key, itoa::Buffer::new().format(value).as_bytes()),
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if value >= 0 && matches!(field.name(), "dur_us" | "conn" | "req") {
            return self.record_u64(field, value as u64);
        }
        self.field_raw(field.name(), itoa::Buffer::new().format(value).as_bytes());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.field_raw(field.name(), if value { b"true" } else { b"false" });
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity; serde_json writes them as null.
        let v = serde_json::to_vec(&value).unwrap_or_else(|_| b"null".to_vec());
        self.field_raw(field.name(), &v);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        // `%value` fields arrive here already formatted with Display.
        let mut buf = std::mem::take(self.fmt_buf);
        buf.clear();
        let _ = write!(buf, "{value:?}");
        self.record_str(field, &buf);
        *self.fmt_buf = buf;
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
    /// fields object (`"k":v,...`).
    pub fn push_record(&self, out: &mut Vec<u8>, fields: &[u8]) {
        self.push(out, fields);
        out.extend_from_slice(fields);
        out.extend_from_slice(record_tail(fields));
    }

    /// Append the part of the record before its fields: from `"conn":` to
    /// `"fields":{` (or to the closing `}` of a record without fields, see
    /// [`record_tail`]). The trace layer writes head, fields and tail into
    /// the ring as three pieces, which saves copying the fields once more.
    pub fn push(&self, out: &mut Vec<u8>, fields: &[u8]) {
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
        }
    }
}

/// What closes a record after its fields (nothing if it has none; the
/// head closed it).
pub fn record_tail(fields: &[u8]) -> &'static [u8] {
    if fields.is_empty() {
        b""
    } else {
        b"}}"
    }
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
