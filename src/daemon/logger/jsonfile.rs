//! The `json-file` log driver: one JSON object per line of output.
//!
//! Mirrors moby `daemon/logger/jsonfilelog/jsonfilelog.go` and `read.go`
//! (v20.10.24), with `daemon/logger/jsonfilelog/jsonlog/jsonlogbytes.go`
//! for the line format:
//!
//! ```text
//! {"log":"hi\n","stream":"stdout","time":"2026-11-24T03:19:16.123456789Z"}
//! ```
//!
//! The file lives at `<container dir>/<id>-json.log`, as in dockerd.
//!
//! **Rotation** (`--log-opt max-size=10m --log-opt max-file=3`, moby
//! `loggerutils.LogFile`): once the file has reached `max-size`, the next
//! line first moves `<id>-json.log` to `<id>-json.log.1` (and `.1`
//! to `.2`, ..., dropping the oldest beyond `max-file`), or with one file
//! empties it. Readers read the rotated files oldest first; a follower
//! that was reading the file that moved finishes it under its new name.
//! `compress` is accepted and not done.
//!
//! Two shortcuts, owned up to:
//! - **Follow without polling.** dockerd's follow reader watches the file
//!   with fsnotify (or polls). Here the writer and the readers live in the
//!   same process, so the writer publishes "the file is now N bytes long"
//!   on a `tokio::sync::watch` channel and followers wake on it; closing
//!   the logger (the container stopped) ends every follower once it has
//!   read to the end.
//!
//! Reading with `tail` reads the whole file and keeps the last N messages;
//! dockerd reads backwards block by block, which matters for huge logs only.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};

use super::{format_rfc3339_nano, parse_rfc3339, Message, ReadConfig, Source};

/// The driver's name, as `HostConfig.LogConfig.Type` shows it.
pub const NAME: &str = "json-file";

/// How a log file is named inside the container's directory.
pub fn log_path(container_dir: &Path, id: &str) -> PathBuf {
    container_dir.join(format!("{id}-json.log"))
}

/// moby `jsonlog.JSONLogs`: the on-disk line. The field order is moby's
/// (`log`, `stream`, `attrs`, `time`).
#[derive(Debug, Serialize, Deserialize)]
struct JsonLog {
    #[serde(default)]
    log: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    stream: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    attrs: Option<serde_json::Map<String, serde_json::Value>>,
    time: String,
}

/// The loggers open right now, by file path: how `docker logs -f` finds
/// the live writer of a running container without the container value
/// having to carry it. moby keeps the logger on the container
/// (`container.LogDriver`); a registry keeps this driver self-contained, so
/// that whoever writes a container's log with [`JsonFileLogger`] makes it
/// followable. Entries are weak: a dropped logger disappears.
fn live_loggers() -> &'static Mutex<HashMap<PathBuf, Weak<JsonFileLogger>>> {
    static LIVE: OnceLock<Mutex<HashMap<PathBuf, Weak<JsonFileLogger>>>> = OnceLock::new();
    LIVE.get_or_init(Default::default)
}

/// The open (not closed) logger writing `path`, if any: the container runs.
pub fn live(path: &Path) -> Option<Arc<JsonFileLogger>> {
    let map = live_loggers().lock().unwrap_or_else(|p| p.into_inner());
    map.get(path)
        .and_then(Weak::upgrade)
        .filter(|l| !l.is_closed())
}

/// What followers watch: how many bytes the file holds, how many times
/// it was rotated, and whether the writer has closed (no more bytes will
/// come).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogState {
    pub size: u64,
    pub rotations: u64,
    pub closed: bool,
}

/// `max-size` and `max-file` (moby `jsonfilelog.New`): no rotation
/// without a size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    pub max_size: u64,
    pub max_files: u32,
}

impl Rotation {
    /// From the `--log-opt`s; `None` when there is no `max-size`.
    /// Sizes are go-units' `RAMInBytes` (`10m` = 10 MiB).
    pub fn from_opts(opts: &std::collections::BTreeMap<String, String>) -> Option<Rotation> {
        let max_size = ram_in_bytes(opts.get("max-size")?)?;
        let max_files = opts
            .get("max-file")
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(1)
            .max(1);
        (max_size > 0).then_some(Rotation {
            max_size,
            max_files,
        })
    }
}

/// go-units `RAMInBytes`: `512`, `10k`, `10m`, `1g` (binary multiples,
/// an optional `b`/`ib` after the unit).
pub fn ram_in_bytes(s: &str) -> Option<u64> {
    let lower = s.trim().to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let (num, unit) = lower.split_at(digits_end);
    let n: f64 = num.parse().ok()?;
    let mult: u64 = match unit.trim_end_matches("ib").trim_end_matches('b') {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => return None,
    };
    Some((n * mult as f64) as u64)
}

/// The n-th rotated file of `path` (`<id>-json.log.1` is the newest).
fn rotated(path: &Path, n: u64) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{n}"));
    PathBuf::from(s)
}

/// The writer half (moby `JSONFileLogger`), shared by the copier tasks of
/// one container run and by the readers that want to follow it.
pub struct JsonFileLogger {
    path: PathBuf,
    file: Mutex<Option<File>>,
    state: watch::Sender<LogState>,
    rotation: Option<Rotation>,
}

impl JsonFileLogger {
    /// Open (create or append to) the log file. dockerd opens it at every
    /// start of the container, keeping what earlier runs wrote.
    pub fn new(path: impl Into<PathBuf>) -> std::io::Result<Arc<Self>> {
        Self::with_rotation(path, None)
    }

    /// [`JsonFileLogger::new`], rotating as `rotation` says.
    pub fn with_rotation(
        path: impl Into<PathBuf>,
        rotation: Option<Rotation>,
    ) -> std::io::Result<Arc<Self>> {
        let path = path.into();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let size = file.metadata()?.len();
        let (state, _) = watch::channel(LogState {
            size,
            rotations: 0,
            closed: false,
        });
        let logger = Arc::new(JsonFileLogger {
            path: path.clone(),
            file: Mutex::new(Some(file)),
            state,
            rotation,
        });
        let mut map = live_loggers().lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, w| w.strong_count() > 0);
        map.insert(path, Arc::downgrade(&logger));
        Ok(logger)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// moby `JSONFileLogger.Log`: append one line and wake the followers.
    pub fn log(&self, msg: &Message) -> std::io::Result<()> {
        let line = encode_line(msg);
        let mut guard = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let Some(file) = guard.as_mut() else {
            return Err(std::io::Error::other("log file is closed"));
        };
        let mut rotated_now = false;
        if let Some(r) = self.rotation {
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            // moby `checkCapacityAndRotate`: a file that has reached
            // `max-size` is rotated before the next line is written.
            if size >= r.max_size {
                *file = self.rotate(r)?;
                rotated_now = true;
            }
        }
        file.write_all(&line)?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        drop(guard);
        self.state.send_modify(|s| {
            s.size = size;
            if rotated_now {
                s.rotations += 1;
            }
        });
        Ok(())
    }

    /// moby `LogFile.rotate`: shift `.1` → `.2` ... (the oldest beyond
    /// `max-file` goes), the file → `.1`, and start a new one; with one
    /// file, start it over. Returns the new file.
    fn rotate(&self, r: Rotation) -> std::io::Result<File> {
        if r.max_files < 2 {
            let f = OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(&self.path)?;
            drop(f);
        } else {
            let keep = u64::from(r.max_files - 1);
            let _ = std::fs::remove_file(rotated(&self.path, keep));
            for n in (1..keep).rev() {
                let _ = std::fs::rename(rotated(&self.path, n), rotated(&self.path, n + 1));
            }
            std::fs::rename(&self.path, rotated(&self.path, 1))?;
        }
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
    }

    /// moby `JSONFileLogger.Close`: no more messages; followers read what
    /// is left and end.
    pub fn close(&self) {
        self.file.lock().unwrap_or_else(|p| p.into_inner()).take();
        self.state.send_modify(|s| s.closed = true);
        let mut map = live_loggers().lock().unwrap_or_else(|p| p.into_inner());
        if map
            .get(&self.path)
            .is_some_and(|w| std::ptr::eq(w.as_ptr(), self))
        {
            map.remove(&self.path);
        }
    }

    pub fn is_closed(&self) -> bool {
        self.state.borrow().closed
    }

    /// A receiver for followers of this logger.
    pub fn subscribe(&self) -> watch::Receiver<LogState> {
        self.state.subscribe()
    }

    /// moby `JSONFileLogger.ReadLogs`: read the messages `cfg` selects on a
    /// blocking thread, sending them in order. The channel closes when
    /// there is nothing more to send.
    pub fn read_logs(&self, cfg: ReadConfig) -> mpsc::Receiver<Message> {
        let live = if cfg.follow && !self.is_closed() {
            Some(self.subscribe())
        } else {
            None
        };
        read_logs(self.path.clone(), cfg, live)
    }
}

/// Encode one message as a json-file line (with its `\n`). Like Go's JSON
/// encoder, `<`, `>` and `&` are escaped as `\u003c`, `\u003e`, `\u0026`,
/// and bytes that are not UTF-8 become U+FFFD.
pub fn encode_line(msg: &Message) -> Vec<u8> {
    let attrs = if msg.attrs.is_empty() {
        None
    } else {
        Some(
            msg.attrs
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect(),
        )
    };
    let rec = JsonLog {
        log: String::from_utf8_lossy(&msg.line).into_owned(),
        stream: msg.source.as_str().to_string(),
        attrs,
        time: format_rfc3339_nano(msg.timestamp_ns),
    };
    let json = serde_json::to_string(&rec).unwrap_or_default();
    // These three characters can only occur inside JSON strings here, so a
    // plain replace is the same as Go's string escaping.
    let mut out = json
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .into_bytes();
    out.push(b'\n');
    out
}

/// Decode one json-file line; `None` for a line that is not one (a torn
/// write at the very end of the file, say).
pub fn decode_line(line: &[u8]) -> Option<Message> {
    let rec: JsonLog = serde_json::from_slice(line).ok()?;
    let mut attrs: Vec<(String, String)> = rec
        .attrs
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.as_str().map(str::to_string).unwrap_or_default()))
        .collect();
    attrs.sort();
    Some(Message {
        line: rec.log.into_bytes(),
        source: Source::parse(&rec.stream).unwrap_or(Source::Stdout),
        timestamp_ns: parse_rfc3339(&rec.time)?,
        attrs,
    })
}

/// Read the messages of the file at `path` that `cfg` selects; with
/// `live`, keep following the writer until it closes or the receiver is
/// dropped. A missing file reads as empty (a container that never started).
pub fn read_logs(
    path: PathBuf,
    cfg: ReadConfig,
    live: Option<watch::Receiver<LogState>>,
) -> mpsc::Receiver<Message> {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        // Which file generation the past read sees: taken just before it,
        // so a rotation after it is caught up on below. (One during the
        // read itself can repeat or lose lines, as dockerd's reader can.)
        let mut rotations = live.as_ref().map_or(0, |l| l.borrow().rotations);
        // Past lines: read on a blocking thread (file I/O), then send.
        let path2 = path.clone();
        let cfg2 = cfg.clone();
        let past = tokio::task::spawn_blocking(move || read_past(&path2, &cfg2)).await;
        let (messages, mut offset) = match past {
            Ok(Ok(v)) => v,
            _ => (Vec::new(), 0),
        };
        for m in messages {
            if tx.send(m).await.is_err() {
                return;
            }
        }
        let Some(mut live) = live else { return };
        loop {
            let state = *live.borrow_and_update();
            if state.rotations > rotations {
                // The file we were reading moved to `.k` (k rotations
                // ago): finish it there, read any newer rotated files
                // whole, then go on with the new file from its start.
                let k = state.rotations - rotations;
                let path2 = path.clone();
                let from = offset;
                let read = tokio::task::spawn_blocking(move || {
                    let mut msgs = read_from(&rotated(&path2, k), from)
                        .map(|(m, _)| m)
                        .unwrap_or_default();
                    for n in (1..k).rev() {
                        msgs.extend(
                            read_from(&rotated(&path2, n), 0)
                                .map(|(m, _)| m)
                                .unwrap_or_default(),
                        );
                    }
                    msgs
                })
                .await
                .unwrap_or_default();
                rotations = state.rotations;
                offset = 0;
                if !send_followed(&tx, &cfg, read).await {
                    return;
                }
                continue;
            }
            if state.size > offset {
                let path2 = path.clone();
                let from = offset;
                let read = tokio::task::spawn_blocking(move || read_from(&path2, from)).await;
                let Ok(Ok((msgs, consumed))) = read else {
                    return;
                };
                offset += consumed;
                if !send_followed(&tx, &cfg, msgs).await {
                    return;
                }
                continue;
            }
            if state.closed {
                return;
            }
            tokio::select! {
                changed = live.changed() => {
                    if changed.is_err() {
                        // The logger is gone without a close: nothing
                        // more will be written.
                        return;
                    }
                }
                // The reader went away (the client closed the connection).
                _ = tx.closed() => return,
            }
        }
    });
    rx
}

/// Send what a follower read, within `since`/`until`; false when it must
/// stop (past `until`, or the reader went away).
async fn send_followed(tx: &mpsc::Sender<Message>, cfg: &ReadConfig, msgs: Vec<Message>) -> bool {
    for m in msgs {
        if cfg.until.is_some_and(|u| m.timestamp_ns > u) {
            return false;
        }
        if cfg.since.is_some_and(|s| m.timestamp_ns < s) {
            continue;
        }
        if tx.send(m).await.is_err() {
            return false;
        }
    }
    true
}

/// The selected past messages and the byte offset where they end in the
/// current file. Rotated files (`.N` down to `.1`) come first, oldest
/// first.
fn read_past(path: &Path, cfg: &ReadConfig) -> std::io::Result<(Vec<Message>, u64)> {
    let mut all = Vec::new();
    let mut n = 1;
    while rotated(path, n).exists() {
        n += 1;
    }
    for k in (1..n).rev() {
        if let Ok((msgs, _)) = read_from(&rotated(path, k), 0) {
            all.extend(msgs);
        }
    }
    let end = match read_from(path, 0) {
        Ok((msgs, end)) => {
            all.extend(msgs);
            end
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => return Err(e),
    };
    let mut selected: Vec<Message> = all
        .into_iter()
        .filter(|m| cfg.since.is_none_or(|s| m.timestamp_ns >= s))
        .filter(|m| cfg.until.is_none_or(|u| m.timestamp_ns <= u))
        .collect();
    if cfg.tail >= 0 {
        let keep = cfg.tail as usize;
        if selected.len() > keep {
            selected.drain(..selected.len() - keep);
        }
    }
    Ok((selected, end))
}

/// Decode every complete line from `offset` on; returns the messages and
/// how many bytes they took (an unfinished last line is left for later).
fn read_from(path: &Path, offset: u64) -> std::io::Result<(Vec<Message>, u64)> {
    let mut f = File::open(path)?;
    f.seek(SeekFrom::Start(offset))?;
    let mut r = BufReader::new(f);
    let mut out = Vec::new();
    let mut consumed = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = r.read_until(b'\n', &mut line)?;
        if n == 0 || line.last() != Some(&b'\n') {
            break;
        }
        consumed += n as u64;
        if let Some(m) = decode_line(&line) {
            out.push(m);
        }
    }
    Ok((out, consumed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(line: &str, source: Source, ns: i128) -> Message {
        Message {
            line: line.as_bytes().to_vec(),
            source,
            timestamp_ns: ns,
            attrs: Vec::new(),
        }
    }

    async fn collect(mut rx: mpsc::Receiver<Message>) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(m) = rx.recv().await {
            out.push(String::from_utf8_lossy(&m.line).into_owned());
        }
        out
    }

    /// The on-disk line is exactly dockerd's json-file format, with Go's
    /// HTML-safe escaping.
    #[test]
    fn line_format_matches_dockerd() {
        let m = msg("hi\n", Source::Stdout, 1_795_000_000_123_456_789);
        assert_eq!(
            String::from_utf8(encode_line(&m)).unwrap(),
            "{\"log\":\"hi\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-18T11:06:40.123456789Z\"}\n"
        );
        let m = msg("<a&b>\n", Source::Stderr, 1_795_000_000_000_000_000);
        assert_eq!(
            String::from_utf8(encode_line(&m)).unwrap(),
            "{\"log\":\"\\u003ca\\u0026b\\u003e\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-18T11:06:40Z\"}\n"
        );
        assert_eq!(decode_line(&encode_line(&m)), Some(m));
    }

    /// `tail`, `since` and `until` select like dockerd's reader: the
    /// time window first, then the last N of it.
    #[tokio::test]
    async fn tail_since_until_select_messages() {
        let dir = tempfile::tempdir().unwrap();
        let lg = JsonFileLogger::new(dir.path().join("c-json.log")).unwrap();
        for i in 0..5 {
            lg.log(&msg(
                &format!("{i}\n"),
                Source::Stdout,
                (i + 1) * 1_000_000_000,
            ))
            .unwrap();
        }
        lg.close();
        let read = |cfg: ReadConfig| collect(read_logs(lg.path().to_path_buf(), cfg, None));
        let all = ReadConfig {
            tail: -1,
            ..Default::default()
        };
        assert_eq!(read(all.clone()).await, ["0\n", "1\n", "2\n", "3\n", "4\n"]);
        assert_eq!(
            read(ReadConfig {
                tail: 2,
                ..all.clone()
            })
            .await,
            ["3\n", "4\n"]
        );
        assert_eq!(
            read(ReadConfig {
                tail: 0,
                ..all.clone()
            })
            .await,
            Vec::<String>::new()
        );
        assert_eq!(
            read(ReadConfig {
                since: Some(2_000_000_000),
                until: Some(4_000_000_000),
                ..all.clone()
            })
            .await,
            ["1\n", "2\n", "3\n"]
        );
        assert_eq!(
            read(ReadConfig {
                since: Some(2_000_000_000),
                tail: 1,
                ..all
            })
            .await,
            ["4\n"]
        );
    }

    /// A follower gets the past lines, then each new line as it is written
    /// (woken by the writer, no polling), and ends when the logger closes.
    #[tokio::test]
    async fn follow_wakes_on_write_and_ends_on_close() {
        let dir = tempfile::tempdir().unwrap();
        let lg = JsonFileLogger::new(dir.path().join("c-json.log")).unwrap();
        lg.log(&msg("old\n", Source::Stdout, 1)).unwrap();
        let mut rx = lg.read_logs(ReadConfig {
            tail: -1,
            follow: true,
            ..Default::default()
        });
        assert_eq!(rx.recv().await.unwrap().line, b"old\n");
        lg.log(&msg("new\n", Source::Stderr, 2)).unwrap();
        let m = rx.recv().await.unwrap();
        assert_eq!(
            (m.line.as_slice(), m.source),
            (&b"new\n"[..], Source::Stderr)
        );
        lg.close();
        assert_eq!(rx.recv().await, None);
    }

    /// `max-size`/`max-file` (moby `LogFile`): a file that has reached
    /// the size is moved to `.1` before the next line (`.1` to `.2`, the
    /// oldest beyond `max-file` dropped); reading gives the kept lines
    /// oldest first, and a follower that was in the moved file goes on
    /// without losing or repeating a line. go-units sizes are binary.
    #[tokio::test]
    async fn rotation_keeps_max_file_files_and_readers_follow_it() {
        assert_eq!(ram_in_bytes("1k"), Some(1024));
        assert_eq!(ram_in_bytes("10m"), Some(10 << 20));
        assert_eq!(ram_in_bytes("2KiB"), Some(2048));
        assert_eq!(ram_in_bytes("x"), None);
        let opts = [
            ("max-size".to_string(), "200".to_string()),
            ("max-file".to_string(), "3".to_string()),
        ];
        let rotation = Rotation::from_opts(&opts.into_iter().collect()).unwrap();
        assert_eq!(
            rotation,
            Rotation {
                max_size: 200,
                max_files: 3
            }
        );

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c-json.log");
        let lg = JsonFileLogger::with_rotation(&path, Some(rotation)).unwrap();
        let mut follower = lg.read_logs(ReadConfig {
            tail: -1,
            follow: true,
            ..Default::default()
        });
        // Each line is about 70 bytes: three fill a file. The follower
        // takes each line before the next is written, so it is reading
        // the file that moves at every rotation.
        let mut followed = Vec::new();
        for i in 0..20 {
            lg.log(&msg(&format!("line-{i:02}\n"), Source::Stdout, i + 1))
                .unwrap();
            let m = tokio::time::timeout(std::time::Duration::from_secs(5), follower.recv())
                .await
                .expect("the follower lost its place at a rotation")
                .unwrap();
            followed.push(String::from_utf8(m.line).unwrap());
        }
        assert!(rotated(&path, 1).exists() && rotated(&path, 2).exists());
        assert!(
            !rotated(&path, 3).exists(),
            "max-file 3: the file, .1 and .2"
        );
        let kept = collect(read_logs(
            path.clone(),
            ReadConfig {
                tail: -1,
                ..Default::default()
            },
            None,
        ))
        .await;
        assert!(kept.len() < 20 && kept.len() >= 6, "{kept:?}");
        assert_eq!(kept.last().unwrap(), "line-19\n");
        let mut sorted = kept.clone();
        sorted.sort();
        assert_eq!(kept, sorted, "oldest first");
        lg.close();
        assert_eq!(follower.recv().await, None);
        let want: Vec<String> = (0..20).map(|i| format!("line-{i:02}\n")).collect();
        assert_eq!(followed, want, "the follower saw every line once, in order");
    }

    /// A container that never ran has no log file: reading gives nothing,
    /// not an error.
    #[tokio::test]
    async fn missing_file_reads_empty() {
        let dir = tempfile::tempdir().unwrap();
        let rx = read_logs(
            dir.path().join("nope-json.log"),
            ReadConfig {
                tail: -1,
                ..Default::default()
            },
            None,
        );
        assert!(collect(rx).await.is_empty());
    }
}
