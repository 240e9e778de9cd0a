//! Where records come from: the daemon in the same process, a daemon's
//! trace stream over its socket, or a recorded file.
//!
//! tokio-console's `conn.rs` is the model for the attached case: connect,
//! stream, and on failure say so on screen and reconnect with a back-off
//! instead of exiting. moby has no equivalent endpoint; the attached
//! stream is mini-dockerd's `GET /debug/trace` (a debug route, registered
//! beside moby's `/debug/pprof/*` ones in `api/server/router/debug`).
//!
//! Whatever the source, the run loop drains it once per frame with a cap
//! ([`Source::drain`]), so a burst of records costs one redraw, and the
//! producer never waits on the screen: the in-process hub `try_send`s and
//! counts what does not fit, the attached daemon's broadcast channel lets a
//! slow viewer lag (and counts that), and a replay simply goes slower.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, watch};

use super::app::{App, Message};
use crate::trace::TraceRecord;

/// The daemon route that streams trace records as JSON lines.
pub const TRACE_PATH: &str = "/debug/trace";
/// Gaps longer than this in a recording are shortened (before scaling by
/// the speed): nobody in a class wants to watch the pause while the
/// presenter typed the next command.
pub const REPLAY_MAX_GAP: Duration = Duration::from_secs(2);

/// What a background source sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Feed {
    Record(TraceRecord),
    /// A line for the footer: "attached to …", "disconnected: …".
    Status(String),
    /// A new stream begins (the attach source reconnected).
    NewStream,
}

/// A stream of records for the TUI.
pub struct Source {
    inner: Inner,
    closed: bool,
}

enum Inner {
    Local(mpsc::Receiver<TraceRecord>),
    Feed(mpsc::Receiver<Feed>),
}

impl Source {
    /// The in-process daemon's channel (`mini-dockerd --tui`).
    pub fn local(rx: mpsc::Receiver<TraceRecord>) -> Source {
        Source {
            inner: Inner::Local(rx),
            closed: false,
        }
    }

    /// A running daemon's `GET /debug/trace`, reconnecting when it goes
    /// away. `host` is `unix:///path`, `tcp://host:port`, a bare socket
    /// path or `host:port`.
    pub fn attach(host: &str) -> std::io::Result<Source> {
        let endpoint = parse_host(host)?;
        let (tx, rx) = mpsc::channel(4096);
        tokio::spawn(attach_loop(endpoint, host.to_string(), tx));
        Ok(Source {
            inner: Inner::Feed(rx),
            closed: false,
        })
    }

    /// A `--trace-json` recording, played with its own timing divided by
    /// the speed in `speed` (which the user can change while it plays; 0
    /// pauses it).
    pub async fn replay(path: &Path, speed: watch::Receiver<f64>) -> std::io::Result<Source> {
        let text = tokio::fs::read_to_string(path).await?;
        let (records, bad) = parse_lines(&text);
        let (tx, rx) = mpsc::channel(4096);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        tokio::spawn(replay_task(records, bad, name, speed, tx));
        Ok(Source {
            inner: Inner::Feed(rx),
            closed: false,
        })
    }

    /// The next item, waiting for it; `None` when the source has ended.
    pub async fn recv(&mut self) -> Option<Feed> {
        match &mut self.inner {
            Inner::Local(rx) => rx.recv().await.map(Feed::Record),
            Inner::Feed(rx) => rx.recv().await,
        }
    }

    /// Move what is waiting (at most `cap` items) into the model, without
    /// waiting. Returns how many items were taken.
    pub fn drain(&mut self, app: &mut App, cap: usize) -> usize {
        if self.closed {
            return 0;
        }
        let mut records = Vec::new();
        let mut n = 0;
        let mut ended = false;
        while n < cap {
            let item = match &mut self.inner {
                Inner::Local(rx) => rx.try_recv().map(Feed::Record),
                Inner::Feed(rx) => rx.try_recv(),
            };
            match item {
                Ok(Feed::Record(r)) => records.push(r),
                Ok(other @ (Feed::Status(_) | Feed::NewStream)) => {
                    // Keep the order: records before it first.
                    if !records.is_empty() {
                        app.update(Message::Records(std::mem::take(&mut records)));
                    }
                    app.update(match other {
                        Feed::Status(s) => Message::Source(s),
                        _ => Message::NewStream,
                    });
                }
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    ended = true;
                    break;
                }
            }
            n += 1;
        }
        if !records.is_empty() {
            app.update(Message::Records(records));
        }
        if ended {
            self.closed = true;
            if matches!(self.inner, Inner::Local(_)) {
                app.update(Message::Source("the daemon stopped sending records".into()));
            }
        }
        n
    }
}

/// Parse JSON lines into records; blank lines are skipped and malformed
/// ones counted, so one bad line does not spoil a recording.
pub fn parse_lines(text: &str) -> (Vec<TraceRecord>, usize) {
    let mut out = Vec::new();
    let mut bad = 0;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<TraceRecord>(line) {
            Ok(r) => out.push(r),
            Err(_) => bad += 1,
        }
    }
    (out, bad)
}

async fn replay_task(
    records: Vec<TraceRecord>,
    bad: usize,
    name: String,
    mut speed: watch::Receiver<f64>,
    tx: mpsc::Sender<Feed>,
) {
    let total = records.len();
    let skipped = if bad > 0 {
        format!(", {bad} bad lines skipped")
    } else {
        String::new()
    };
    let _ = tx
        .send(Feed::Status(format!(
            "replay {name}: {total} records{skipped}"
        )))
        .await;
    let mut prev: Option<u64> = None;
    // Sleeping for every few microseconds of a fast replay would cost more
    // than the gap itself: owe the time and sleep when it adds up.
    let mut owed = Duration::ZERO;
    for r in records {
        // Speed 0 is the pause key: the recording's clock stops until the
        // speed changes again.
        while *speed.borrow() <= 0.0 {
            if speed.changed().await.is_err() {
                return;
            }
        }
        if let Some(p) = prev {
            let gap = Duration::from_nanos(r.ts_ns.saturating_sub(p)).min(REPLAY_MAX_GAP);
            let s = (*speed.borrow()).max(0.001);
            owed += gap.div_f64(s);
            if owed >= Duration::from_millis(2) {
                tokio::time::sleep(owed).await;
                owed = Duration::ZERO;
            }
        }
        prev = Some(r.ts_ns);
        if tx.send(Feed::Record(r)).await.is_err() {
            return;
        }
    }
    let _ = tx
        .send(Feed::Status(format!(
            "replay {name}: finished, {total} records"
        )))
        .await;
}

/// Where to attach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Unix(PathBuf),
    Tcp(String),
}

/// `unix:///path`, `tcp://host:port`, `/path` or `host:port`, as `-H` takes them.
pub fn parse_host(host: &str) -> std::io::Result<Endpoint> {
    let bad = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("cannot attach to {host:?}: want unix:///path or tcp://host:port"),
        )
    };
    if let Some(p) = host.strip_prefix("unix://") {
        if p.is_empty() {
            return Err(bad());
        }
        return Ok(Endpoint::Unix(PathBuf::from(p)));
    }
    if let Some(a) = host
        .strip_prefix("tcp://")
        .or_else(|| host.strip_prefix("http://"))
    {
        let a = a.trim_end_matches('/');
        if a.is_empty() {
            return Err(bad());
        }
        return Ok(Endpoint::Tcp(a.to_string()));
    }
    if host.starts_with('/') {
        return Ok(Endpoint::Unix(PathBuf::from(host)));
    }
    if host.contains(':') && !host.contains("://") {
        return Ok(Endpoint::Tcp(host.to_string()));
    }
    Err(bad())
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

async fn connect(ep: &Endpoint) -> std::io::Result<Box<dyn Io>> {
    Ok(match ep {
        Endpoint::Unix(p) => Box::new(tokio::net::UnixStream::connect(p).await?),
        Endpoint::Tcp(a) => Box::new(tokio::net::TcpStream::connect(a.as_str()).await?),
    })
}

fn io_err(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

async fn attach_loop(ep: Endpoint, host: String, tx: mpsc::Sender<Feed>) {
    let mut backoff = Duration::from_millis(250);
    loop {
        let result = stream_once(&ep, &host, &tx, &mut backoff).await;
        if tx.is_closed() {
            return;
        }
        let why = match result {
            Ok(()) => "the daemon ended the trace stream".to_string(),
            Err(e) => e.to_string(),
        };
        let _ = tx
            .send(Feed::Status(format!(
                "disconnected from {host}: {why}; retrying in {:.1}s",
                backoff.as_secs_f64()
            )))
            .await;
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// One connection: GET the trace stream and forward each line.
async fn stream_once(
    ep: &Endpoint,
    host: &str,
    tx: &mpsc::Sender<Feed>,
    backoff: &mut Duration,
) -> std::io::Result<()> {
    let io = connect(ep).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(io_err)?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let req = hyper::Request::get(TRACE_PATH)
        .header(hyper::header::HOST, "docker")
        .header(hyper::header::USER_AGENT, "mini-dockerd-tui")
        .body(Empty::<Bytes>::new())
        .map_err(io_err)?;
    let resp = sender.send_request(req).await.map_err(io_err)?;
    if !resp.status().is_success() {
        return Err(io_err(format!("GET {TRACE_PATH}: {}", resp.status())));
    }
    *backoff = Duration::from_millis(250);
    let _ = tx.send(Feed::NewStream).await;
    let _ = tx.send(Feed::Status(format!("attached to {host}"))).await;
    let mut body = resp.into_body();
    let mut pending: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(io_err)?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        pending.extend_from_slice(&data);
        while let Some(pos) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=pos).collect();
            if let Ok(r) = serde_json::from_slice::<TraceRecord>(&line) {
                // Waiting here is fine: it slows only this connection, and
                // the daemon's broadcast lets a slow viewer lag.
                if tx.send(Feed::Record(r)).await.is_err() {
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}
