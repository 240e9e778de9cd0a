//! The container's json-file log, written by the start path's output
//! copier.
//!
//! Mirrors moby `daemon/logger/jsonfilelog/jsonfilelog.go` (v20.10.24) in
//! its simplest form: one JSON object per line of output,
//! `{"log":"hi\n","stream":"stdout","time":"<RFC 3339 nano>"}`, appended to
//! `<data-root>/containers/<id>/<id>-json.log`. A chunk that does not end
//! in a newline is held until the line is complete (or the stream ends),
//! as moby's `logger.Copier` does with its line buffer. No rotation
//! (`max-size`/`max-file` are ignored).
//!
//! This is the hook `docker logs` reads back; the logs engineer may
//! replace the writer, but the copier only ever calls [`JsonFileLogger::log`]
//! and [`JsonFileLogger::flush_partial`].

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde::Serialize;

/// One log line as stored (moby `jsonlog.JSONLog`).
#[derive(Serialize)]
struct JsonLog<'a> {
    log: &'a str,
    stream: &'a str,
    time: String,
}

/// See the module documentation.
pub struct JsonFileLogger {
    file: Mutex<std::fs::File>,
    /// Unfinished lines per stream (stdout, stderr).
    partial: Mutex<[Vec<u8>; 2]>,
}

impl JsonFileLogger {
    /// Open (append) the log file.
    pub fn open(path: &Path) -> std::io::Result<JsonFileLogger> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(JsonFileLogger {
            file: Mutex::new(file),
            partial: Mutex::new([Vec::new(), Vec::new()]),
        })
    }

    fn slot(stream: &str) -> usize {
        usize::from(stream == "stderr")
    }

    /// Log a chunk of `stream` ("stdout" | "stderr"): every complete line
    /// becomes one record.
    pub fn log(&self, stream: &str, data: &[u8]) {
        let mut partial = self.partial.lock().unwrap_or_else(|e| e.into_inner());
        let buf = &mut partial[Self::slot(stream)];
        buf.extend_from_slice(data);
        while let Some(pos) = buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = buf.drain(..=pos).collect();
            self.write(stream, &line);
        }
    }

    /// The stream ended: write what is left of an unfinished line.
    pub fn flush_partial(&self, stream: &str) {
        let mut partial = self.partial.lock().unwrap_or_else(|e| e.into_inner());
        let buf = std::mem::take(&mut partial[Self::slot(stream)]);
        if !buf.is_empty() {
            self.write(stream, &buf);
        }
    }

    fn write(&self, stream: &str, line: &[u8]) {
        let rec = JsonLog {
            log: &String::from_utf8_lossy(line),
            stream,
            time: crate::container::state::now_rfc3339(),
        };
        if let Ok(mut v) = serde_json::to_vec(&rec) {
            v.push(b'\n');
            let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = f.write_all(&v) {
                tracing::warn!("writing the container log: {e}");
            }
        }
    }
}
