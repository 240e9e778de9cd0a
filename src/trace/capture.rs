//! A record's binary form: what the trace layer writes into a thread's
//! ring and the hub reads back out.
//!
//! A trace point runs on the request path, so the layer does as little as
//! it can there: it copies the event's values, tagged with their field's
//! position at the call site, behind the call site's own address, and
//! nothing else. Field names, the stage and the phase are not copied at
//! all; they are the call site's `tracing` metadata, which lives as long
//! as the program. Turning a record into JSON (escaping strings, writing
//! numbers as text, adding the keys) is left to the hub, on its own
//! thread, a few thousand records at a time (`encode.rs`).
//!
//! The first version of the layer wrote JSON on the request path. Each
//! record then cost its escaping and number formatting on a worker thread,
//! in the middle of hyper's and the kernel's work, and the records of one
//! `/_ping` filled about 2 KB of ring. The binary form is about a third of
//! that, and a `/_ping` traced this way costs its workers about what the
//! `tracing` calls themselves cost.
//!
//! The layout, after the ring's own length and timestamp (`shard.rs`):
//!
//! ```text
//! callsite  u64   address of the call site's &'static Metadata (0: JSON follows)
//! conn      u64   connection id of the request the thread was running
//! req       u64   request id
//! fields    ...   per value: u8 field index, u8 kind, the value
//!                 (u64 / i64 / f64: 8 bytes; bool: 1; str: u32 length + bytes)
//! ```
//!
//! All integers are little-endian. Nothing in moby does this; it is what
//! tokio-console's instrumentation does for the same reason, done simply.

use std::fmt::Write as _;

use tracing::field::{Field, Visit};
use tracing::Metadata;

/// The `callsite` of a record that carries ready-made JSON instead of
/// fields (the route table, built by hand).
pub const RAW: u64 = 0;

const U64: u8 = 0;
const I64: u8 = 1;
const BOOL: u8 = 2;
const F64: u8 = 3;
const STR: u8 = 4;

/// Bytes before the fields: callsite, conn, req.
const PREFIX: usize = 24;

/// Start a record in `buf` (emptied first).
pub fn start(buf: &mut Vec<u8>, callsite: &'static Metadata<'static>, conn: u64, req: u64) {
    buf.clear();
    buf.extend_from_slice(&(callsite as *const Metadata<'static> as usize as u64).to_le_bytes());
    buf.extend_from_slice(&conn.to_le_bytes());
    buf.extend_from_slice(&req.to_le_bytes());
}

/// Start a record that carries JSON instead of fields: the caller appends
/// the inside of a record object after `"ts_ns":T,`.
pub fn start_raw(buf: &mut Vec<u8>) {
    buf.clear();
    buf.extend_from_slice(&RAW.to_le_bytes());
    buf.extend_from_slice(&[0u8; 16]);
}

/// Appends an event's values to a started record. Every `record_*` is a
/// tag and a copy: the only work beyond that is `Debug`/`Display`
/// formatting, for values that are not strings or numbers already.
pub struct Writer<'a>(pub &'a mut Vec<u8>);

impl Writer<'_> {
    fn tag(&mut self, field: &Field, kind: u8) {
        // A call site has at most 32 fields (a `tracing` limit).
        self.0.push(field.index() as u8);
        self.0.push(kind);
    }
}

impl Visit for Writer<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.tag(field, STR);
        self.0
            .extend_from_slice(&(value.len() as u32).to_le_bytes());
        self.0.extend_from_slice(value.as_bytes());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.tag(field, U64);
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.tag(field, I64);
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.tag(field, BOOL);
        self.0.push(value as u8);
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.tag(field, F64);
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        // `%value` fields arrive here too, already wrapped to format with
        // Display. Format straight into the record, then fill in the
        // length in front.
        self.tag(field, STR);
        let at = self.0.len();
        self.0.extend_from_slice(&[0u8; 4]);
        let _ = write!(Utf8Sink(self.0), "{value:?}");
        let len = (self.0.len() - at - 4) as u32;
        self.0[at..at + 4].copy_from_slice(&len.to_le_bytes());
    }
}

/// `fmt::Write` into a byte buffer (only ever given `str`s, so it holds
/// UTF-8).
struct Utf8Sink<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Utf8Sink<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// A record read back: where it came from and its values, still encoded.
pub struct Record<'a> {
    /// The call site's metadata, or `None` for a [`RAW`] record.
    pub callsite: Option<&'static Metadata<'static>>,
    pub conn: u64,
    pub req: u64,
    /// The fields (walk them with [`Values`]), or a raw record's JSON.
    pub rest: &'a [u8],
}

/// Read a record written by [`start`] or [`start_raw`] and the [`Writer`].
pub fn read(body: &[u8]) -> Option<Record<'_>> {
    if body.len() < PREFIX {
        return None;
    }
    let word = |i: usize| u64::from_le_bytes(body[i..i + 8].try_into().expect("8 bytes"));
    let address = word(0);
    let callsite = if address == RAW {
        None
    } else {
        // SAFETY: every non-zero address in a ring was written by `start`
        // from a `&'static Metadata<'static>` (what `Event::metadata`
        // returns): a call site's static, alive for the whole program.
        // Rings are only written through `shard::push`, by this module's
        // callers, and read in whole records.
        Some(unsafe { &*(address as usize as *const Metadata<'static>) })
    };
    Some(Record {
        callsite,
        conn: word(8),
        req: word(16),
        rest: &body[PREFIX..],
    })
}

/// One value of a record, borrowed from the ring's copy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    U64(u64),
    I64(i64),
    Bool(bool),
    F64(f64),
    Str(&'a str),
}

/// The values of a record, in the order the call site wrote them, each
/// with its field's index in the call site's metadata.
pub struct Values<'a>(pub &'a [u8]);

impl<'a> Iterator for Values<'a> {
    type Item = (usize, Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let (&[index, kind], b) = self.0.split_first_chunk::<2>()?;
        let (value, rest) = match kind {
            U64 | I64 | F64 => {
                let (v, rest) = b.split_first_chunk::<8>()?;
                let value = match kind {
                    U64 => Value::U64(u64::from_le_bytes(*v)),
                    I64 => Value::I64(i64::from_le_bytes(*v)),
                    _ => Value::F64(f64::from_le_bytes(*v)),
                };
                (value, rest)
            }
            BOOL => {
                let (&v, rest) = b.split_first()?;
                (Value::Bool(v != 0), rest)
            }
            STR => {
                let (len, rest) = b.split_first_chunk::<4>()?;
                let len = u32::from_le_bytes(*len) as usize;
                if rest.len() < len {
                    return None;
                }
                let (s, rest) = rest.split_at(len);
                debug_assert!(std::str::from_utf8(s).is_ok());
                // SAFETY: `Writer` writes only the bytes of `&str`s (a
                // string value, or the pieces `fmt::Write` is given while
                // formatting one), and a ring hands back whole records
                // byte for byte.
                (
                    Value::Str(unsafe { std::str::from_utf8_unchecked(s) }),
                    rest,
                )
            }
            _ => return None,
        };
        self.0 = rest;
        Some((index as usize, value))
    }
}
