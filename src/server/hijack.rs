//! Hijacked connections: how attach and exec start turn an HTTP request
//! into a raw, two-way byte stream.
//!
//! Mirrors moby `api/server/httputils/httputils.go` (`HijackConnection`)
//! and the hand-written status lines of `postContainersAttach`
//! (`router/container/container_routes.go`) and `postContainerExecStart`
//! (`router/container/exec.go`), v20.10.24.
//!
//! # What dockerd does
//!
//! The client sends `Connection: Upgrade` and `Upgrade: tcp`. The Go
//! handler takes the socket away from `net/http` (`Hijacker.Hijack()`) and
//! writes the response head itself, byte for byte:
//!
//! ```text
//! HTTP/1.1 101 UPGRADED\r\n
//! Content-Type: application/vnd.docker.raw-stream\r\n
//! Connection: Upgrade\r\n
//! Upgrade: tcp\r\n
//! \r\n
//! ```
//!
//! Attach writes exactly that (none of the middleware headers); exec start
//! adds the middleware headers (`Api-Version`, `Docker-Experimental`,
//! `Ostype`, `Server`) after `Upgrade: tcp`. From then on the socket
//! carries the container's stdin one way and its output the other. When
//! the client's stdin ends, the CLI half-closes its side (`CloseWrite`):
//! the server reads EOF, closes the container's stdin, and keeps writing
//! output until the container's output ends.
//!
//! Without an `Upgrade` header dockerd answers
//! `HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n`
//! and uses the socket the same way.
//!
//! # How we get the same bytes out of hyper
//!
//! hyper 1 has no `Hijack()`, but it has `hyper::upgrade::on(&mut req)`: a
//! handler answers `101`, hyper writes the head, and the future resolves
//! to the raw connection (with any bytes the client sent early). Two knobs
//! make hyper's head identical to dockerd's:
//!
//! - the reason phrase: hyper writes `Switching Protocols` unless the
//!   response carries a [`hyper::ext::ReasonPhrase`] extension; we set
//!   `UPGRADED`. (The docker CLI only looks at the code, 101, and fails on
//!   anything else with "unable to upgrade to tcp, received %d"; bollard
//!   likewise only needs 101. The phrase is for fidelity.)
//! - the `Date` header: hyper adds one to every response, 101 included,
//!   unless the connection is built with `auto_date_header(false)`. The
//!   server (`server/mod.rs`) therefore turns hyper's automatic date off and
//!   adds `Date` itself to every response *except* a 101, as Go's
//!   `net/http` does for every response it writes (a hijacked head is
//!   written by the handler, so it has none).
//!
//! Attach's head must not carry the middleware headers, which
//! `make_http_handler` adds to every response: a [`SkipMiddlewareHeaders`]
//! extension on the response tells it not to.
//!
//! The non-upgraded form answers 200 through hyper with a streaming body;
//! unlike dockerd's close-delimited raw socket, hyper frames it with
//! `Transfer-Encoding: chunked`, and the request body is the stdin. No
//! client we know of uses this form (the v28 CLI requires 101).
//!
//! # Trace
//!
//! A hijacked request does not end when the handler returns: the stream
//! lives on. The `upgrade` stage reports it: `enter` when the 101 (or 200)
//! is handed to hyper, `event hijacked` when hyper gives us the socket, and
//! `exit` when the stream ends, with the bytes in each direction and the
//! duration, so that the TUI can show the request as an open stream.
//!
//! Lesson: `walkthroughs/07-hijack-and-streams.md`.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::header::{HeaderValue, CONNECTION, CONTENT_TYPE, UPGRADE};
use hyper::upgrade::OnUpgrade;
use hyper::{Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};

use super::httputils::{self, ApiRequest, Body, Ctx, ReqBody};
use crate::trace;

/// moby `types.MediaTypeRawStream`: one undivided byte stream (TTY).
pub const MEDIA_TYPE_RAW_STREAM: &str = "application/vnd.docker.raw-stream";
/// moby `types.MediaTypeMultiplexedStream`: stdcopy frames. dockerd only
/// *labels* the stream so from API 1.42 on; the framing itself follows the
/// TTY flag on every version.
pub const MEDIA_TYPE_MULTIPLEXED_STREAM: &str = "application/vnd.docker.multiplexed-stream";

/// The content type dockerd puts on an attach/exec/logs stream: the
/// multiplexed label only when the stream is framed and the API version is
/// at least 1.42.
pub fn stream_content_type(api_version: &str, multiplexed: bool) -> &'static str {
    if multiplexed && !httputils::version_less_than(api_version, "1.42") {
        MEDIA_TYPE_MULTIPLEXED_STREAM
    } else {
        MEDIA_TYPE_RAW_STREAM
    }
}

/// A response extension: `make_http_handler` must not add the middleware
/// headers to this response (attach's hand-written head has none).
#[derive(Debug, Clone, Copy)]
pub struct SkipMiddlewareHeaders;

/// The two halves of a hijacked stream, whichever form it took.
pub struct HijackedStream {
    /// What the client sends: the container's stdin. Reads 0 bytes once the
    /// client half-closed (or the connection ended).
    pub reader: Box<dyn AsyncRead + Send + Unpin>,
    /// What the client receives: the container's output.
    pub writer: Box<dyn AsyncWrite + Send + Unpin>,
}

/// Options for [`Hijacker::start`].
pub struct HijackOptions {
    /// The `Content-Type` of the stream ([`stream_content_type`]).
    pub content_type: &'static str,
    /// Whether the middleware headers follow the three of the head (exec
    /// start: yes; attach: no).
    pub middleware_headers: bool,
    /// The moby handler, for trace records (`postContainersAttach`).
    pub handler: &'static str,
}

/// A request on its way to being hijacked. Create it first thing in the
/// handler (before the body is read), check and fail as usual (errors are
/// still ordinary JSON answers), then call [`Hijacker::start`].
pub struct Hijacker {
    on_upgrade: Option<OnUpgrade>,
    stdin_body: Option<ReqBody>,
}

impl Hijacker {
    /// Take the upgrade handle out of the request if the client asked for
    /// one (moby: `_, upgrade := r.Header["Upgrade"]`).
    pub fn new(req: &mut ApiRequest) -> Hijacker {
        let on_upgrade = if req.headers().contains_key(UPGRADE) {
            Some(hyper::upgrade::on(&mut *req))
        } else {
            None
        };
        Hijacker {
            on_upgrade,
            stdin_body: None,
        }
    }

    /// Like [`Hijacker::new`], keeping the request body as the stdin of the
    /// non-upgraded form (attach; exec start has read its body as JSON).
    pub fn with_body(mut req: ApiRequest) -> Hijacker {
        let mut h = Hijacker::new(&mut req);
        h.stdin_body = Some(req.into_body());
        h
    }

    /// Whether the client asked for `Upgrade: tcp`.
    pub fn upgrade(&self) -> bool {
        self.on_upgrade.is_some()
    }

    /// Answer 101 (or 200) and run `pump` on the stream once hyper hands
    /// the connection over. The returned response is what the handler
    /// returns. When `pump` returns, the output side is flushed and
    /// shut down, which ends the client's read.
    pub fn start<F, Fut>(self, ctx: &Ctx, opts: HijackOptions, pump: F) -> Response<Body>
    where
        F: FnOnce(HijackedStream) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let conn = ctx.conn.id;
        let req = ctx.req_id;
        let started = Instant::now();
        let upgrade = self.on_upgrade.is_some();
        trace_event!(
            "upgrade",
            "enter",
            opts.handler,
            conn = conn,
            req = req,
            status = if upgrade { 101u64 } else { 200u64 },
            content_type = opts.content_type,
            upgraded = upgrade
        );
        let counters = Arc::new(Counters::default());
        let handler = opts.handler;
        let mut resp = match self.on_upgrade {
            Some(on_upgrade) => {
                let counters = counters.clone();
                tokio::spawn(async move {
                    let upgraded = match on_upgrade.await {
                        Ok(u) => u,
                        Err(e) => {
                            trace_event!("upgrade", "exit", handler, conn = conn, req = req, error = %e, dur_us = trace::micros_since(started));
                            return;
                        }
                    };
                    trace_event!("upgrade", "event", "hijacked", conn = conn, req = req);
                    let io = Counting {
                        inner: TokioIo::new(upgraded),
                        counters: counters.clone(),
                    };
                    let (r, w) = tokio::io::split(io);
                    run_pump(pump, Box::new(r), Box::new(w)).await;
                    finish(handler, conn, req, &counters, started);
                });
                let mut resp = Response::builder()
                    .status(StatusCode::SWITCHING_PROTOCOLS)
                    .header(CONTENT_TYPE, opts.content_type)
                    .header(CONNECTION, "Upgrade")
                    .header(UPGRADE, "tcp")
                    .body(httputils::empty())
                    .expect("static response parts are valid");
                resp.extensions_mut()
                    .insert(hyper::ext::ReasonPhrase::from_static(b"UPGRADED"));
                resp
            }
            None => {
                // stdin: the request body, copied into a pipe.
                let (mut stdin_w, stdin_r) = tokio::io::duplex(64 * 1024);
                if let Some(mut body) = self.stdin_body {
                    let counters = counters.clone();
                    tokio::spawn(async move {
                        while let Some(Ok(frame)) = body.frame().await {
                            if let Ok(data) = frame.into_data() {
                                counters
                                    .bytes_in
                                    .fetch_add(data.len() as u64, Ordering::Relaxed);
                                if stdin_w.write_all(&data).await.is_err() {
                                    break;
                                }
                            }
                        }
                        let _ = stdin_w.shutdown().await;
                    });
                }
                // stdout: a pipe whose far end feeds the response body.
                let (out_w, mut out_r) = tokio::io::duplex(64 * 1024);
                let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
                let counters2 = counters.clone();
                tokio::spawn(async move {
                    use tokio::io::AsyncReadExt;
                    let mut buf = vec![0u8; 32 * 1024];
                    loop {
                        match out_r.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                counters2.bytes_out.fetch_add(n as u64, Ordering::Relaxed);
                                if tx.send(Bytes::copy_from_slice(&buf[..n])).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                });
                let counters = counters.clone();
                tokio::spawn(async move {
                    run_pump(pump, Box::new(stdin_r), Box::new(out_w)).await;
                    finish(handler, conn, req, &counters, started);
                });
                Response::builder()
                    .status(StatusCode::OK)
                    .header(CONTENT_TYPE, MEDIA_TYPE_RAW_STREAM)
                    .body(httputils::channel_body(rx))
                    .expect("static response parts are valid")
            }
        };
        if opts.middleware_headers {
            // dockerd copies them with `Header().WriteSubset`, which writes
            // the keys sorted; add them here in that order (the server
            // would otherwise append them in the order they were set).
            let set = ctx
                .headers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            let mut names: Vec<_> = set.keys().cloned().collect();
            names.sort_by(|a, b| a.as_str().cmp(b.as_str()));
            for name in names {
                for v in set.get_all(&name) {
                    resp.headers_mut().append(name.clone(), v.clone());
                }
            }
        } else {
            resp.extensions_mut().insert(SkipMiddlewareHeaders);
        }
        resp
    }
}

async fn run_pump<F, Fut>(
    pump: F,
    reader: Box<dyn AsyncRead + Send + Unpin>,
    writer: Box<dyn AsyncWrite + Send + Unpin>,
) where
    F: FnOnce(HijackedStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    pump(HijackedStream { reader, writer }).await;
}

fn finish(handler: &'static str, conn: u64, req: u64, c: &Counters, started: Instant) {
    trace_event!(
        "upgrade",
        "exit",
        handler,
        conn = conn,
        req = req,
        bytes_in = c.bytes_in.load(Ordering::Relaxed),
        bytes_out = c.bytes_out.load(Ordering::Relaxed),
        dur_us = trace::micros_since(started)
    );
}

/// Write a whole buffer and flush; `false` when the client is gone.
pub async fn write_all(w: &mut (dyn AsyncWrite + Send + Unpin), data: &[u8]) -> bool {
    w.write_all(data).await.is_ok() && w.flush().await.is_ok()
}

/// End the output side: flush and half-close, so the client reads EOF.
pub async fn close_output(w: &mut (dyn AsyncWrite + Send + Unpin)) {
    let _ = w.flush().await;
    let _ = w.shutdown().await;
}

#[derive(Default)]
struct Counters {
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
}

/// The upgraded connection with byte counters for the trace.
struct Counting<T> {
    inner: T,
    counters: Arc<Counters>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Counting<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = (buf.filled().len() - before) as u64;
        self.counters.bytes_in.fetch_add(n, Ordering::Relaxed);
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counting<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = &r {
            self.counters
                .bytes_out
                .fetch_add(*n as u64, Ordering::Relaxed);
        }
        r
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The value of the `Date` header Go's `net/http` adds to every response it
/// writes itself (`Mon, 02 Jan 2006 15:04:05 GMT`).
///
/// Go formats it once a second and hands out the cached bytes; so do we,
/// per thread, because formatting it for every response showed up in the
/// `/_ping` profile.
pub fn http_date() -> HeaderValue {
    thread_local! {
        static CACHED: std::cell::RefCell<(u64, HeaderValue)> =
            const { std::cell::RefCell::new((u64::MAX, HeaderValue::from_static(""))) };
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    CACHED.with(|c| {
        let mut c = c.borrow_mut();
        if c.0 != now {
            *c = (now, format_http_date(now));
        }
        c.1.clone()
    })
}

/// `secs`, Unix seconds, as an HTTP date.
fn format_http_date(secs: u64) -> HeaderValue {
    let t = time::OffsetDateTime::from_unix_timestamp(secs as i64)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let s = format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[t.weekday().number_days_from_monday() as usize],
        t.day(),
        MONTHS[t.month() as usize - 1],
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    );
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static(""))
}
