//! Writing log messages as an HTTP response body: `docker logs`.
//!
//! Mirrors moby `api/server/httputils/write_log_stream.go` (v20.10.24)
//! `WriteLogStream`. Each message becomes one write: with stdcopy framing
//! when the container has no TTY (`mux`), raw otherwise. `timestamps=1`
//! prepends the fixed-width RFC 3339 time and a space; `details=1`
//! prepends the message's attributes (`k=v,k2=v2`, sorted, query-escaped)
//! and a space. That space is there even when there are no attributes, as
//! in dockerd.
//!
//! dockerd 20.10.24 sets no `Content-Type` on this response (it flushes
//! the 200 before writing anything, so Go never sniffs one); neither do
//! we. Later dockerd versions label it `application/vnd.docker.raw-stream`
//! or `...multiplexed-stream`.

use bytes::Bytes;
use tokio::sync::mpsc;

use super::httputils::{self, Body};
use crate::daemon::logger::{format_timestamp_fixed, Message, Source};
use crate::daemon::logs::LogsOptions;
use crate::stdcopy::{self, StdType};

/// The bytes one message becomes on the wire.
pub fn encode_message(m: &Message, opts: &LogsOptions, mux: bool) -> Bytes {
    let mut line = Vec::with_capacity(m.line.len() + 40);
    if opts.timestamps {
        line.extend_from_slice(format_timestamp_fixed(m.timestamp_ns).as_bytes());
        line.push(b' ');
    }
    if opts.details {
        let mut attrs = m.attrs.clone();
        attrs.sort();
        let joined: Vec<String> = attrs
            .iter()
            .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
            .collect();
        line.extend_from_slice(joined.join(",").as_bytes());
        line.push(b' ');
    }
    line.extend_from_slice(&m.line);
    let st = match m.source {
        Source::Stdout => StdType::Stdout,
        Source::Stderr => StdType::Stderr,
    };
    stdcopy::encode(mux, st, &line)
}

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// moby `WriteLogStream`: a streaming body fed from the message channel.
/// The body ends when the channel does; when the client leaves, hyper
/// drops the body, the task's next send fails, and dropping `msgs` tells
/// the log reader to stop.
pub fn write_log_stream(mut msgs: mpsc::Receiver<Message>, opts: LogsOptions, mux: bool) -> Body {
    let (tx, rx) = mpsc::channel::<Bytes>(16);
    tokio::spawn(async move {
        while let Some(m) = msgs.recv().await {
            let wanted = match m.source {
                Source::Stdout => opts.stdout,
                Source::Stderr => opts.stderr,
            };
            if wanted && tx.send(encode_message(&m, &opts, mux)).await.is_err() {
                return;
            }
        }
    });
    httputils::channel_body(rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(line: &str, source: Source) -> Message {
        Message {
            line: line.as_bytes().to_vec(),
            source,
            timestamp_ns: 1_795_000_000_000_000_001,
            attrs: vec![("b".into(), "x y".into()), ("a".into(), "1".into())],
        }
    }

    /// Without a TTY each line is one stdcopy frame of its stream; with
    /// `timestamps` the fixed-width time and a space come first.
    #[test]
    fn frames_and_timestamps() {
        let opts = LogsOptions {
            stdout: true,
            stderr: true,
            timestamps: true,
            ..Default::default()
        };
        let b = encode_message(&m("hi\n", Source::Stderr), &opts, true);
        let payload = b"2026-11-18T11:06:40.000000001Z hi\n";
        assert_eq!(&b[..8], &[2, 0, 0, 0, 0, 0, 0, payload.len() as u8]);
        assert_eq!(&b[8..], payload);
    }

    /// `details` prepends the sorted, query-escaped attributes and a space;
    /// with a TTY the line is raw.
    #[test]
    fn details_raw() {
        let opts = LogsOptions {
            stdout: true,
            details: true,
            ..Default::default()
        };
        let b = encode_message(&m("hi\n", Source::Stdout), &opts, false);
        assert_eq!(&b[..], b"a=1,b=x+y hi\n");
    }
}
