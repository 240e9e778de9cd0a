//! Container log drivers: what a container printed, stored and read back.
//!
//! Mirrors moby `daemon/logger/logger.go` and `daemon/logger/copier.go`
//! (v20.10.24). In dockerd, every started container gets a logger (the
//! `json-file` driver by default). A *copier* reads the container's stdout
//! and stderr pipes, cuts the bytes into lines, and hands each line to the
//! logger as a [`Message`]. `docker logs` asks the logger for a reader.
//!
//! mini-dockerd has one driver, [`jsonfile`]. The line splitting of moby's
//! copier lives here in [`LineSplitter`], and the time formats the API uses
//! ([`format_rfc3339_nano`], [`format_timestamp_fixed`],
//! [`parse_timestamp`]) sit next to it because logs are their only user.
//!
//! Lesson: `walkthroughs/07-hijack-and-streams.md`.

pub mod jsonfile;

use time::OffsetDateTime;

/// Which pipe a line came from (moby `Message.Source`: `"stdout"`/`"stderr"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Stdout = 0,
    Stderr = 1,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Stdout => "stdout",
            Source::Stderr => "stderr",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        match s {
            "stdout" => Some(Source::Stdout),
            "stderr" => Some(Source::Stderr),
            _ => None,
        }
    }
}

/// One log message (moby `logger.Message`): a line with its trailing
/// `\n` (or a piece of a long line, or the last line of output without
/// one), where it came from, and when the copier read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub line: Vec<u8>,
    pub source: Source,
    /// Nanoseconds since the Unix epoch, UTC.
    pub timestamp_ns: i128,
    /// Extra attributes (`--log-opt labels=...`); shown by `details=1`.
    /// mini-dockerd sets none yet, so this is empty in practice.
    pub attrs: Vec<(String, String)>,
}

/// What a reader wants (moby `logger.ReadConfig`).
#[derive(Debug, Clone, Default)]
pub struct ReadConfig {
    /// Only messages at or after this time (ns since the epoch).
    pub since: Option<i128>,
    /// Only messages at or before this time.
    pub until: Option<i128>,
    /// The last N messages; negative means all (moby's `Tail: -1`).
    pub tail: i64,
    /// Keep reading as new messages are written, until the logger closes
    /// (the container stops) or the reader goes away.
    pub follow: bool,
}

/// The largest message the copier hands to the logger: moby's copier
/// buffer is 16 KiB (`bufSize`), and a longer line is cut into pieces
/// ("partial" messages) of that size.
pub const MAX_MESSAGE_SIZE: usize = 16 * 1024;

/// moby's copier, the part that matters for what ends up in the log: cut a
/// byte stream into lines. Each complete line keeps its `\n`; a line longer
/// than [`MAX_MESSAGE_SIZE`] is emitted in pieces without one; whatever is
/// left when the stream ends is flushed as a last message without `\n`.
#[derive(Debug, Default)]
pub struct LineSplitter {
    buf: Vec<u8>,
}

impl LineSplitter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed bytes read from a pipe; returns the messages now complete.
    pub fn push(&mut self, data: &[u8]) -> Vec<Vec<u8>> {
        self.buf.extend_from_slice(data);
        let mut out = Vec::new();
        loop {
            match self.buf.iter().position(|&b| b == b'\n') {
                Some(i) if i < MAX_MESSAGE_SIZE => {
                    out.push(self.buf.drain(..=i).collect());
                }
                _ if self.buf.len() >= MAX_MESSAGE_SIZE => {
                    out.push(self.buf.drain(..MAX_MESSAGE_SIZE).collect());
                }
                _ => break,
            }
        }
        out
    }

    /// The stream ended: the rest, if any, as one message.
    pub fn flush(&mut self) -> Option<Vec<u8>> {
        if self.buf.is_empty() {
            None
        } else {
            Some(std::mem::take(&mut self.buf))
        }
    }
}

/// moby's copier as the start path uses it (`daemon/logger/copier.go`):
/// the output of one container run goes in as raw chunks per stream, and
/// out as json-file lines. The start path's copier threads share one
/// `Copier` (hence `&self` and the lock) and call [`Copier::flush_partial`]
/// when their stream ends. When the last of them lets go of it, the logger
/// closes, which is what ends `docker logs -f`.
pub struct Copier {
    logger: std::sync::Arc<jsonfile::JsonFileLogger>,
    /// Unfinished lines of stdout and stderr.
    splitters: std::sync::Mutex<[LineSplitter; 2]>,
}

impl Copier {
    pub fn new(logger: std::sync::Arc<jsonfile::JsonFileLogger>) -> Copier {
        Copier {
            logger,
            splitters: std::sync::Mutex::new([LineSplitter::new(), LineSplitter::new()]),
        }
    }

    /// Open `path` (creating it, keeping what earlier runs wrote),
    /// rotating it as `rotation` says: the usual way to start logging a
    /// run.
    pub fn open(
        path: &std::path::Path,
        rotation: Option<jsonfile::Rotation>,
    ) -> std::io::Result<Copier> {
        Ok(Copier::new(jsonfile::JsonFileLogger::with_rotation(
            path, rotation,
        )?))
    }

    fn source(stream: &str) -> Source {
        Source::parse(stream).unwrap_or(Source::Stdout)
    }

    /// Log what one read of a pipe of `stream` ("stdout" | "stderr")
    /// returned: every complete line becomes one record. Write errors are
    /// reported to the daemon's log and otherwise ignored, as moby's
    /// copier does: a full disk must not stop the container.
    pub fn log(&self, stream: &str, data: &[u8]) {
        let source = Self::source(stream);
        let lines = {
            let mut sp = self.splitters.lock().unwrap_or_else(|p| p.into_inner());
            sp[source as usize].push(data)
        };
        for line in lines {
            self.write(source, line);
        }
    }

    /// `stream` ended: write what is left of an unfinished line.
    pub fn flush_partial(&self, stream: &str) {
        let source = Self::source(stream);
        let rest = {
            let mut sp = self.splitters.lock().unwrap_or_else(|p| p.into_inner());
            sp[source as usize].flush()
        };
        if let Some(line) = rest {
            self.write(source, line);
        }
    }

    fn write(&self, source: Source, line: Vec<u8>) {
        let msg = Message {
            line,
            source,
            timestamp_ns: now_ns(),
            attrs: Vec::new(),
        };
        if let Err(e) = self.logger.log(&msg) {
            tracing::warn!(
                "Failed to log msg for {}: {e}",
                self.logger.path().display()
            );
        }
    }
}

impl Drop for Copier {
    /// The run's output is over: flush both streams and close the logger.
    fn drop(&mut self) {
        self.flush_partial("stdout");
        self.flush_partial("stderr");
        self.logger.close();
    }
}

/// Now, in nanoseconds since the epoch.
pub fn now_ns() -> i128 {
    OffsetDateTime::now_utc().unix_timestamp_nanos()
}

fn split_ns(ns: i128) -> (OffsetDateTime, u32) {
    let t = OffsetDateTime::from_unix_timestamp_nanos(ns).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let frac = t.nanosecond();
    (t, frac)
}

fn format_seconds(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Go's `time.RFC3339Nano` in UTC, as the json-file driver stores `time`:
/// the fraction loses its trailing zeros, and disappears when it is zero
/// (`2026-11-24T03:19:16.1234Z`, `2026-11-24T03:19:16Z`).
pub fn format_rfc3339_nano(ns: i128) -> String {
    let (t, frac) = split_ns(ns);
    let mut s = format_seconds(t);
    if frac != 0 {
        let digits = format!("{frac:09}");
        s.push('.');
        s.push_str(digits.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// The fixed-width stamp `docker logs --timestamps` prints, moby's
/// `jsonmessage.RFC3339NanoFixed` = `2006-01-02T15:04:05.000000000Z07:00`:
/// always nine digits, so that the columns line up.
pub fn format_timestamp_fixed(ns: i128) -> String {
    let (t, frac) = split_ns(ns);
    format!("{}.{frac:09}Z", format_seconds(t))
}

/// Parse an RFC 3339 time as written by [`format_rfc3339_nano`] (and by
/// dockerd's json-file driver, whatever the offset).
pub fn parse_rfc3339(s: &str) -> Option<i128> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp_nanos())
}

/// moby `timetypes.ParseTimestamps`: the `since`/`until` query values are
/// `seconds[.fraction]` (the CLI turns `10m` or an RFC 3339 date into that
/// form before sending). A fraction shorter or longer than nine digits is
/// scaled to nanoseconds. An empty value is `None`.
///
/// dockerd 20.10.24 passes the `strconv` error up unclassified, so a bad
/// value is a 500; the request is at fault, so the caller here answers
/// 400, as later dockerd versions do.
pub fn parse_timestamp(value: &str) -> Result<Option<i128>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    let (secs, frac) = match value.split_once('.') {
        Some((s, f)) => (s, Some(f)),
        None => (value, None),
    };
    let s: i64 = secs
        .parse()
        .map_err(|_| format!("strconv.ParseInt: parsing \"{secs}\": invalid syntax"))?;
    let mut ns: i128 = 0;
    if let Some(f) = frac {
        let n: i64 = f
            .parse()
            .map_err(|_| format!("strconv.ParseInt: parsing \"{f}\": invalid syntax"))?;
        let scale = 9i32 - f.len() as i32;
        ns = (n as f64 * 10f64.powi(scale)) as i128;
    }
    Ok(Some(s as i128 * 1_000_000_000 + ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// moby's copier keeps each line's `\n`, holds back an unfinished line,
    /// and flushes it at the end without inventing a newline.
    #[test]
    fn splitter_cuts_lines_and_flushes_the_rest() {
        let mut s = LineSplitter::new();
        assert_eq!(s.push(b"a\nb"), vec![b"a\n".to_vec()]);
        assert_eq!(s.push(b"c\n\nd"), vec![b"bc\n".to_vec(), b"\n".to_vec()]);
        assert_eq!(s.flush(), Some(b"d".to_vec()));
        assert_eq!(s.flush(), None);
    }

    /// A line longer than 16 KiB is cut into 16 KiB pieces, as moby's
    /// copier does with its fixed buffer.
    #[test]
    fn splitter_cuts_long_lines_at_16k() {
        let mut s = LineSplitter::new();
        let mut long = vec![b'x'; MAX_MESSAGE_SIZE + 10];
        long.push(b'\n');
        let got = s.push(&long);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].len(), MAX_MESSAGE_SIZE);
        assert_eq!(got[1].len(), 11);
    }

    /// `time` in the json-file driver is Go's RFC3339Nano (trailing zeros
    /// trimmed); `--timestamps` uses the fixed nine-digit form.
    #[test]
    fn time_formats_match_go() {
        let ns = 1_795_000_000_120_000_000i128;
        assert_eq!(format_rfc3339_nano(ns), "2026-11-18T11:06:40.12Z");
        assert_eq!(format_timestamp_fixed(ns), "2026-11-18T11:06:40.120000000Z");
        assert_eq!(
            format_rfc3339_nano(1_795_000_000_000_000_000),
            "2026-11-18T11:06:40Z"
        );
        assert_eq!(parse_rfc3339("2026-11-18T11:06:40.12Z"), Some(ns));
    }

    /// `since`/`until` as the CLI sends them: `seconds.nanoseconds`, with
    /// short fractions scaled; garbage is an error.
    #[test]
    fn parse_timestamp_as_moby_timetypes() {
        assert_eq!(parse_timestamp(""), Ok(None));
        assert_eq!(parse_timestamp("10"), Ok(Some(10_000_000_000)));
        assert_eq!(parse_timestamp("10.000000001"), Ok(Some(10_000_000_001)));
        assert_eq!(parse_timestamp("10.5"), Ok(Some(10_500_000_000)));
        assert!(parse_timestamp("ten").is_err());
        assert!(parse_timestamp("1.x").is_err());
    }
}
