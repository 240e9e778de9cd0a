//! The handler signature and the small helpers every handler uses.
//!
//! Mirrors moby `api/server/httputils/httputils.go` and `form.go`
//! (v20.10.24). In Go an `APIFunc` is
//! `func(ctx, w http.ResponseWriter, r *http.Request, vars map[string]string) error`:
//! the handler writes into `w` and returns an error. In Rust the handler
//! *returns* its `Response` instead of writing into a writer, and the
//! headers that middlewares set on `w` before calling the handler (moby's
//! `w.Header().Set("Api-Version", ...)`) live in [`Ctx::headers`], which
//! `make_http_handler` merges into whatever response comes back, success or
//! error. That keeps one fact of the Go code that learners can see in the
//! captures: a version error still carries `Api-Version`, because the
//! VersionMiddleware set it before it refused the request.
//!
//! Lesson: `walkthroughs/05-handlers-and-errors.md`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::errdefs::{Error, Result};

/// The response body every handler returns: a boxed body of `Bytes` chunks.
///
/// It is boxed so that one type covers a fixed JSON answer, a stream of
/// events or log frames, and an empty 204.
pub type Body = BoxBody<Bytes, std::io::Error>;

/// A future that is boxed and `Send`.
///
/// Handlers are stored in a table and called through one function type, so
/// their futures must have one type too: `Pin<Box<dyn Future>>` is that type.
/// (The `futures` crate calls this `BoxFuture`; spelling it out here saves a
/// learner one more dependency to look up.)
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// The request body handlers read: hyper's `Incoming`, boxed, so that a
/// middleware that has to look at the body (the debug middleware logs it)
/// can put a buffered copy back for the handler.
pub type ReqBody = BoxBody<Bytes, hyper::Error>;

/// The request every handler gets.
pub type ApiRequest = Request<ReqBody>;

/// Path variables found by the mux, as gorilla/mux's `mux.Vars(r)`.
pub type Vars = HashMap<String, String>;

/// moby `httputils.APIFunc`: every handler, and every middleware-wrapped
/// handler, has this type.
pub type ApiFunc =
    Arc<dyn Fn(Ctx, ApiRequest, Vars) -> BoxFuture<Result<Response<Body>>> + Send + Sync>;

/// What moby keeps in `context.Context` values, passed explicitly.
///
/// moby stores the negotiated API version under `httputils.APIVersionKey{}`
/// and the User-Agent under `dockerversion.UAStringKey{}`; a struct with
/// named fields is easier to read than type-keyed context values.
#[derive(Clone)]
pub struct Ctx {
    /// The negotiated API version (moby `httputils.VersionFromContext`). Set
    /// by the VersionMiddleware; until then the server's default.
    pub api_version: String,
    /// The connection this request arrived on.
    pub conn: Arc<ConnInfo>,
    /// This request's id, as it appears in trace records.
    pub req_id: u64,
    /// The client's User-Agent header.
    pub user_agent: String,
    /// Headers the middlewares set for the response, as they call
    /// `w.Header().Set(...)` in Go before the handler runs.
    pub headers: Arc<Mutex<HeaderMap>>,
}

impl Ctx {
    /// Set a response header, like `w.Header().Set(k, v)` in a Go middleware.
    ///
    /// Name and value come already built: the middlewares make them once,
    /// when the chain is wrapped, because parsing a header name and copying
    /// its value on every request showed up in the `/_ping` profile.
    pub fn set_header(&self, name: HeaderName, value: HeaderValue) {
        self.headers.lock().unwrap().insert(name, value);
    }
}

/// A header value made once from a string known when the chain is built
/// (the `Server` header, the CORS origin); an invalid one becomes empty.
pub fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Facts about one accepted connection.
#[derive(Debug, Clone, Default)]
pub struct ConnInfo {
    pub id: u64,
    /// The listener's address as given with `-H` (`unix:///run/x.sock`).
    pub listener: String,
    /// The peer address (a TCP address, or the unix socket's peer, often unnamed).
    pub peer: String,
    /// The common name of the verified TLS client certificate, if any. This
    /// is the identity moby's authorization middleware passes to plugins.
    pub tls_client: Option<String>,
}

/// Comparison of API versions as moby `api/types/versions/compare.go`:
/// split on dots, compare numerically, a missing part counts as 0 and a part
/// that is not a number counts as 0.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let pa: Vec<u64> = a.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    let pb: Vec<u64> = b.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    for i in 0..pa.len().max(pb.len()) {
        let x = pa.get(i).copied().unwrap_or(0);
        let y = pb.get(i).copied().unwrap_or(0);
        if x != y {
            return x.cmp(&y);
        }
    }
    std::cmp::Ordering::Equal
}

/// moby `versions.LessThan`.
pub fn version_less_than(a: &str, b: &str) -> bool {
    compare_versions(a, b) == std::cmp::Ordering::Less
}

/// An empty body (204, 304, HEAD answers).
pub fn empty() -> Body {
    Full::new(Bytes::new())
        .map_err(|never| match never {})
        .boxed()
}

/// A body made of one chunk.
pub fn full(data: impl Into<Bytes>) -> Body {
    Full::new(data.into())
        .map_err(|never| match never {})
        .boxed()
}

/// A streaming body fed by a channel: each `Bytes` sent is one chunk on the
/// wire, flushed as it comes (events, logs, the wait answer). The stream
/// ends when every sender is dropped. When the client goes away, hyper drops
/// the body, the receiver with it, and the next `send` fails: that is how a
/// streaming handler learns to stop.
pub fn channel_body(rx: tokio::sync::mpsc::Receiver<Bytes>) -> Body {
    use futures_util::StreamExt;
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx)
        .map(|b| Ok::<_, std::io::Error>(Frame::data(b)));
    BodyExt::boxed(StreamBody::new(stream))
}

/// A 200 whose body is the chunks sent on `rx` (see [`channel_body`]),
/// labelled `content_type`: the answer of every streaming handler (events,
/// wait, stats, image save, the trace stream). hyper sends the head as
/// soon as the response is returned, which is moby's "write 200, flush,
/// then stream".
pub fn stream_response(
    content_type: &'static str,
    rx: tokio::sync::mpsc::Receiver<Bytes>,
) -> Response<Body> {
    Response::builder()
        .status(StatusCode::OK)
        .header(CONTENT_TYPE, content_type)
        .body(channel_body(rx))
        .expect("static response parts are valid")
}

/// moby `httputils.WriteJSON`: `Content-Type: application/json` (no charset:
/// the docker CLI compares the header exactly), the value, and a trailing
/// newline as Go's `json.Encoder` writes one.
pub fn write_json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Result<Response<Body>> {
    let mut data = serde_json::to_vec(value).map_err(|e| Error::system(e.to_string()))?;
    data.push(b'\n');
    Ok(Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/json")
        .body(full(data))
        .expect("static response parts are valid"))
}

/// A response with a status and no body (204 No Content and friends).
pub fn no_content(status: StatusCode) -> Response<Body> {
    Response::builder()
        .status(status)
        .body(empty())
        .expect("static response parts are valid")
}

/// moby `httputils.CheckForJSON`: no Content-Type is fine only while there
/// is no body; otherwise the media type must be `application/json`.
///
/// Go's `r.ContentLength` is the Content-Length header, or -1 for a chunked
/// body, so a chunked body without a Content-Type is refused too. The media
/// type is compared as `mime.ParseMediaType` returns it: trimmed and in
/// lower case (`APPLICATION/JSON; charset=utf-8` is JSON).
pub fn check_for_json(req: &ApiRequest) -> Result<()> {
    let headers = req.headers();
    let ct = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct.is_empty() {
        let has_body = match headers.get(hyper::header::CONTENT_LENGTH) {
            Some(len) => len.to_str().ok().and_then(|l| l.trim().parse::<u64>().ok()) != Some(0),
            None => headers.contains_key(hyper::header::TRANSFER_ENCODING),
        };
        if !has_body {
            return Ok(());
        }
    }
    let media_type = ct.split(';').next().unwrap_or("").trim();
    if media_type.eq_ignore_ascii_case("application/json") {
        return Ok(());
    }
    Err(Error::invalid_parameter(format!(
        "Content-Type specified ({ct}) must be 'application/json'"
    )))
}

/// The largest JSON body a handler accepts. dockerd has no such limit on
/// create; we have one so that a client cannot make us buffer without bound.
pub const MAX_JSON_BODY: usize = 4 << 20;

/// How long a client may pause in the middle of a request body before we
/// give up on it (see [`collect_body`]). Go's `http.Server` has no such
/// limit unless `ReadTimeout` is set, and dockerd does not set it: a
/// client that sends half a body holds a dockerd goroutine forever. We
/// bound it, so a stalled upload costs a connection for a while, not for
/// good. The daemon sets it at start-up ([`set_body_stall_timeout`]).
static BODY_STALL_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(30_000);

/// Set the body stall timeout (the daemon passes its read timeout).
pub fn set_body_stall_timeout(d: std::time::Duration) {
    BODY_STALL_MS.store(
        d.as_millis().max(1) as u64,
        std::sync::atomic::Ordering::Relaxed,
    );
}

/// The current body stall timeout.
pub fn body_stall_timeout() -> std::time::Duration {
    std::time::Duration::from_millis(BODY_STALL_MS.load(std::sync::atomic::Ordering::Relaxed))
}

/// The next frame of a request body, or a 400 when the client sent
/// nothing for [`body_stall_timeout`]. `Ok(None)` is the end of the body.
pub async fn next_frame(body: &mut ReqBody) -> Result<Option<Frame<Bytes>>> {
    let limit = body_stall_timeout();
    match tokio::time::timeout(limit, body.frame()).await {
        Err(_) => Err(Error::invalid_parameter(format!(
            "error reading request body: the client sent nothing for {} ms",
            limit.as_millis()
        ))),
        Ok(None) => Ok(None),
        Ok(Some(Ok(frame))) => Ok(Some(frame)),
        Ok(Some(Err(e))) => Err(Error::invalid_parameter(format!(
            "error reading request body: {e}"
        ))),
    }
}

/// Read a whole request body, refusing more than `limit` bytes, and
/// giving up on a client that stalls ([`next_frame`]). When this fails
/// the handler answers without having read the body, and hyper closes
/// the connection after the answer instead of waiting for the rest.
pub async fn collect_body(mut body: ReqBody, limit: usize) -> Result<Bytes> {
    let mut buf = bytes::BytesMut::new();
    while let Some(frame) = next_frame(&mut body).await? {
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        if buf.len() + data.len() > limit {
            return Err(Error::invalid_parameter(format!(
                "request body is larger than the {limit} bytes this daemon accepts"
            )));
        }
        buf.extend_from_slice(&data);
    }
    Ok(buf.freeze())
}

/// Read the whole request body (see [`collect_body`]).
pub async fn read_body(req: ApiRequest, limit: usize) -> Result<Bytes> {
    collect_body(req.into_body(), limit).await
}

/// moby's way of reading a JSON body, which every router spells out:
/// `CheckForJSON`, then `json.NewDecoder(r.Body).Decode(&v)`, where an
/// empty body is the decoder's `io.EOF` and dockerd's 400 "got EOF while
/// reading request body".
///
/// dockerd 20.10.24 answers a malformed create body with 500 (the
/// decoder's error was unclassified; moby v23 made it a 400 "invalid JSON:
/// ..."). We answer 400 with v23's wording: the request is at fault, not
/// the daemon.
pub async fn read_json<T: DeserializeOwned>(req: ApiRequest) -> Result<T> {
    check_for_json(&req)?;
    let body = read_body(req, MAX_JSON_BODY).await?;
    decode_json(&body)
}

/// [`read_json`] for a body that may be empty: `postContainerUpdate`
/// decodes with "Do not fail if body is empty", and `postCommit` lets
/// `io.EOF` pass, so no body is the zero value (`T::default()`; `None`
/// for an `Option`).
pub async fn read_json_or_default<T: DeserializeOwned + Default>(req: ApiRequest) -> Result<T> {
    check_for_json(&req)?;
    let body = read_body(req, MAX_JSON_BODY).await?;
    if is_empty_body(&body) {
        return Ok(T::default());
    }
    decode_json(&body)
}

/// Decode a JSON body that is already in memory (see [`read_json`]).
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    if is_empty_body(body) {
        return Err(Error::invalid_parameter(
            "got EOF while reading request body",
        ));
    }
    serde_json::from_slice(body).map_err(|e| Error::invalid_parameter(format!("invalid JSON: {e}")))
}

/// Go's decoder meets EOF before any value in a body of only white space.
fn is_empty_body(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// moby `httputils.ParseForm` and Go's `r.Form.Get`: the query string as a
/// map in which the *first* value of a repeated key wins, or the 400 that
/// Go's `url.ParseQuery` error becomes: a `;` in a pair ("invalid
/// semicolon separator in query") or a bad escape (`invalid URL escape
/// "%zz"`).
pub fn parse_form(req: &ApiRequest) -> Result<HashMap<String, String>> {
    let (form, err) = parse_query(req.uri().query().unwrap_or(""));
    match err {
        Some(e) => Err(Error::invalid_parameter(e)),
        None => Ok(form),
    }
}

/// The query as `r.FormValue` sees it in a handler that never calls
/// `ParseForm` (`getContainersByName`): Go parses what it can and drops
/// the error.
pub fn parse_form_lenient(req: &ApiRequest) -> HashMap<String, String> {
    parse_query(req.uri().query().unwrap_or("")).0
}

/// Go's `url.ParseQuery`, keeping the first value of each key: every pair
/// that parses is kept, and the first error is returned beside them.
fn parse_query(query: &str) -> (HashMap<String, String>, Option<String>) {
    let mut form = HashMap::new();
    let mut first_err = None;
    for pair in query.split('&') {
        if pair.is_empty() {
            continue;
        }
        if pair.contains(';') {
            first_err.get_or_insert_with(|| "invalid semicolon separator in query".to_string());
            continue;
        }
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match (unescape(key, true), unescape(value, true)) {
            (Ok(k), Ok(v)) => {
                form.entry(k.into_owned()).or_insert(v.into_owned());
            }
            (Err(e), _) | (_, Err(e)) => {
                first_err.get_or_insert(e);
            }
        }
    }
    (form, first_err)
}

/// Go's `url.unescape`, which both `QueryUnescape` (`query`: a `+` is a
/// space) and `PathUnescape` (a `+` stays) are: `%XY` is a byte, and a `%`
/// not followed by two hex digits is an error naming what followed it
/// (`invalid URL escape "%zz"`). Bytes that are not UTF-8 become U+FFFD,
/// which is how dockerd's JSON shows them too. Text with nothing to
/// decode is returned as it is.
pub fn unescape(s: &str, query: bool) -> std::result::Result<Cow<'_, str>, String> {
    let needs_decoding = s.contains('%') || (query && s.contains('+'));
    if !needs_decoding {
        return Ok(Cow::Borrowed(s));
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16));
                match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                    (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                    _ => {
                        let bad = String::from_utf8_lossy(&bytes[i..(i + 3).min(bytes.len())]);
                        return Err(format!("invalid URL escape \"{bad}\""));
                    }
                }
                i += 3;
            }
            b'+' if query => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(Cow::Owned(String::from_utf8_lossy(&out).into_owned()))
}

/// Every value of a repeated query parameter.
pub fn form_values(req: &ApiRequest, key: &str) -> Vec<String> {
    req.uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// moby `httputils.BoolValue`: "" "0" "no" "false" "none" are false, the
/// rest is true.
pub fn bool_value(form: &HashMap<String, String>, key: &str) -> bool {
    match form.get(key).map(|s| s.trim().to_ascii_lowercase()) {
        None => false,
        Some(s) => !matches!(s.as_str(), "" | "0" | "no" | "false" | "none"),
    }
}

/// moby `httputils.BoolValueOrDefault`.
pub fn bool_value_or_default(form: &HashMap<String, String>, key: &str, default: bool) -> bool {
    match form.get(key) {
        None => default,
        Some(v) if v.is_empty() => default,
        Some(_) => bool_value(form, key),
    }
}

/// moby `httputils.Int64ValueOrDefault`: an unparsable value is a 400.
pub fn int64_value_or_default(
    form: &HashMap<String, String>,
    key: &str,
    default: i64,
) -> Result<i64> {
    match form.get(key) {
        None => Ok(default),
        Some(v) if v.is_empty() => Ok(default),
        Some(v) => v.parse().map_err(|_| {
            Error::invalid_parameter(format!("strconv.ParseInt: parsing \"{v}\": invalid syntax"))
        }),
    }
}

/// moby `httputils.Int64ValueOrZero`.
pub fn int64_value_or_zero(form: &HashMap<String, String>, key: &str) -> i64 {
    form.get(key).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// Go's `strconv.Atoi(s)`, which handlers call on a form value: a number,
/// or a 400 with Go's error text. An empty value is an error too
/// (`parsing "": invalid syntax`); callers for which an absent value has a
/// meaning test for that first. dockerd returns these errors unclassified
/// (a 500); see `errdefs.rs` for why we answer 400.
pub fn atoi(s: &str) -> Result<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid_parameter(format!(
            "strconv.Atoi: parsing {s:?}: invalid syntax"
        )));
    }
    s.parse().map_err(|_| {
        Error::invalid_parameter(format!("strconv.Atoi: parsing {s:?}: value out of range"))
    })
}

/// How much of a request body that a handler left unread is still read
/// and thrown away, so that the client sees the answer rather than a
/// broken pipe: Go's `net/http` server does the same, up to 256 KiB
/// (`maxPostHandlerReadBytes`), before it closes the connection instead.
const DISCARD_UNREAD_BODY: usize = 256 << 10;

/// A blocking `Read` over a request body, for backends that take an
/// `io.Reader` (image load and import, `docker cp`). An async task
/// forwards the body's data frames through a small channel, so a
/// multi-megabyte tar is never held in memory whole and the backend reads
/// it as it arrives.
///
/// When the reader is dropped before the end (the backend failed), the
/// task stops and drops the body, and the server discards what is left
/// before it answers ([`track_unread_body`]). The task ends on its own
/// time, though; a handler that answers an error awaits
/// [`BodyReader::finished`] first, so the server finds the rest.
pub struct BodyReader {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>,
    cur: Bytes,
    finished: Option<tokio::sync::oneshot::Receiver<()>>,
}

impl BodyReader {
    pub fn new(req: ApiRequest) -> BodyReader {
        let (tx, rx) = tokio::sync::mpsc::channel(8);
        let (done, finished) = tokio::sync::oneshot::channel();
        let mut body = req.into_body();
        tokio::spawn(async move {
            // A client that stalls mid-upload ends the read with an error
            // instead of holding it open (`next_frame`).
            loop {
                let item = match next_frame(&mut body).await {
                    Ok(None) => break,
                    Ok(Some(f)) => match f.into_data() {
                        Ok(data) => Ok(data),
                        Err(_) => continue, // trailers
                    },
                    Err(e) => Err(std::io::Error::other(e.message)),
                };
                let stop = item.is_err();
                // A reader dropped early (the backend failed) leaves the
                // rest of the body to the server's discard.
                if tx.send(item).await.is_err() || stop {
                    break;
                }
            }
            // In this order: what is left is recorded before `finished`
            // resolves.
            drop(body);
            drop(done);
        });
        BodyReader {
            rx,
            cur: Bytes::new(),
            finished: Some(finished),
        }
    }

    /// Resolves once nothing more of the body will be read: all of it was,
    /// or the reader was dropped (the rest is then the server's to discard),
    /// or the client stalled. Take it before handing the reader on.
    pub fn finished(&mut self) -> impl Future<Output = ()> + Send + 'static {
        let rx = self.finished.take();
        async move {
            if let Some(rx) = rx {
                let _ = rx.await;
            }
        }
    }
}

impl std::io::Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.cur.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(b)) => self.cur = b,
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.cur.len());
        buf[..n].copy_from_slice(&self.cur.split_to(n));
        Ok(n)
    }
}

/// A blocking `Write` into a streaming response body, in 64 KiB chunks.
/// When the client goes away the channel closes and writes fail, which
/// stops the writer (moby's `WriteFlusher` does the same through the
/// connection's error).
pub struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Bytes>,
    buf: Vec<u8>,
}

const CHUNK: usize = 64 * 1024;

impl ChannelWriter {
    pub fn new(tx: tokio::sync::mpsc::Sender<Bytes>) -> ChannelWriter {
        ChannelWriter {
            tx,
            buf: Vec::new(),
        }
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        self.tx
            .blocking_send(chunk)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))
    }
}

/// moby `ioutils.WriteFlusher`: a blocking `Write` into a streaming
/// response in which every write is flushed at once, as one chunk (the
/// build's output is a message per write), and which knows whether it
/// has written anything yet (moby `Flushed`). Until it has, a handler may
/// still answer with an error status instead of the stream; the receiver
/// [`WriteFlusher::new`] returns resolves at the first write, or fails
/// when every copy of the writer is dropped without writing. Clones
/// write to the same stream.
#[derive(Clone)]
pub struct WriteFlusher {
    tx: tokio::sync::mpsc::Sender<Bytes>,
    flushed: Arc<std::sync::atomic::AtomicBool>,
    first: Arc<Mutex<Option<tokio::sync::oneshot::Sender<()>>>>,
}

impl WriteFlusher {
    pub fn new(
        tx: tokio::sync::mpsc::Sender<Bytes>,
    ) -> (WriteFlusher, tokio::sync::oneshot::Receiver<()>) {
        let (first, started) = tokio::sync::oneshot::channel();
        let w = WriteFlusher {
            tx,
            flushed: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            first: Arc::new(Mutex::new(Some(first))),
        };
        (w, started)
    }

    /// moby `WriteFlusher.Flushed`: whether anything was written.
    pub fn flushed(&self) -> bool {
        self.flushed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether the response's body is gone (the client closed the
    /// connection, and hyper dropped the body).
    pub fn client_gone(&self) -> bool {
        self.tx.is_closed()
    }
}

impl std::io::Write for WriteFlusher {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        self.flushed
            .store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(first) = self.first.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = first.send(());
        }
        self.tx
            .blocking_send(Bytes::copy_from_slice(data))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))?;
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A 200 whose body is everything `src` yields, copied on the blocking
/// pool (moby: `io.Copy(w, data)` in `getContainersArchive` and
/// `getContainersExport`). Headers beyond the Content-Type are the
/// caller's to add.
pub fn reader_response(
    content_type: &'static str,
    mut src: impl std::io::Read + Send + 'static,
) -> Response<Body> {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    crate::trace::spawn_blocking(move || {
        let mut w = ChannelWriter::new(tx);
        // A client that goes away mid-stream ends the copy; there is no
        // one left to tell.
        let _ = std::io::copy(&mut src, &mut w).and_then(|_| std::io::Write::flush(&mut w));
    });
    stream_response(content_type, rx)
}

/// gddo's `httputil.NegotiateContentEncoding(r, offers)`, which moby's
/// `writeCompressedResponse` asks with `["gzip", "deflate"]`: the offer
/// the client's `Accept-Encoding` rates highest (the first on a tie), or
/// `None` for identity.
pub fn negotiate_content_encoding(
    req: &ApiRequest,
    offers: &[&'static str],
) -> Option<&'static str> {
    let header = req
        .headers()
        .get_all(hyper::header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let mut accepted: Vec<(String, f64)> = Vec::new();
    for part in header.split(',') {
        let mut fields = part.split(';');
        let value = fields.next().unwrap_or("").trim().to_ascii_lowercase();
        if value.is_empty() {
            continue;
        }
        let mut q = 1.0;
        for p in fields {
            if let Some(v) = p.trim().strip_prefix("q=") {
                q = v.trim().parse().unwrap_or(0.0);
            }
        }
        accepted.push((value, q));
    }
    let mut best: Option<(&'static str, f64)> = None;
    for offer in offers {
        for (value, q) in &accepted {
            if (value == offer || value == "*") && *q > best.map(|b| b.1).unwrap_or(0.0) {
                best = Some((offer, *q));
            }
        }
    }
    best.map(|b| b.0)
}

/// A request body that a handler dropped before its end, kept for
/// [`UnreadBody::discard`]. See [`track_unread_body`].
pub struct UnreadBody(Arc<Mutex<Option<ReqBody>>>);

/// The body a handler gets when the request has one: hyper's, plus a
/// note, when it is dropped unfinished, of what was left.
struct TrackedBody {
    inner: Option<ReqBody>,
    ended: bool,
    left: Arc<Mutex<Option<ReqBody>>>,
}

impl hyper::body::Body for TrackedBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<std::result::Result<Frame<Bytes>, hyper::Error>>> {
        let this = &mut *self;
        let Some(inner) = this.inner.as_mut() else {
            return std::task::Poll::Ready(None);
        };
        let polled = Pin::new(inner).poll_frame(cx);
        if let std::task::Poll::Ready(None) = polled {
            this.ended = true;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.ended || self.inner.as_ref().is_none_or(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner
            .as_ref()
            .map(|b| b.size_hint())
            .unwrap_or_default()
    }
}

impl Drop for TrackedBody {
    fn drop(&mut self) {
        use hyper::body::Body as _;
        if self.ended {
            return;
        }
        if let Some(body) = self.inner.take().filter(|b| !b.is_end_stream()) {
            *self.left.lock().unwrap_or_else(|e| e.into_inner()) = Some(body);
        }
    }
}

/// Go's `net/http` server, when a handler returns without reading the
/// whole request body, reads and throws away up to 256 KiB of what is
/// left *before* it writes the answer (`maxPostHandlerReadBytes`, in
/// `chunkWriter.writeHeader`): a client that sends its body before it
/// reads (the docker CLI streaming a build context or a `docker cp` tar)
/// then reads the error instead of meeting a closed socket. hyper closes
/// the connection instead, so the server does it here: the handler gets a
/// tracked body, and [`UnreadBody::discard`] runs after it.
///
/// A request without a body is not wrapped (a `GET` costs nothing); a
/// handler that keeps the body beyond its return (a stream, a hijack, a
/// `BodyReader`) leaves nothing to discard.
pub fn track_unread_body(req: ApiRequest) -> (ApiRequest, Option<UnreadBody>) {
    use hyper::body::Body as _;
    if req.body().is_end_stream() {
        return (req, None);
    }
    let left = Arc::new(Mutex::new(None));
    let req = req.map(|b| {
        TrackedBody {
            inner: Some(b),
            ended: false,
            left: left.clone(),
        }
        .boxed()
    });
    (req, Some(UnreadBody(left)))
}

impl UnreadBody {
    /// Read and drop what the handler left, up to 256 KiB or a stall.
    pub async fn discard(self) {
        let left = self.0.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some(mut body) = left else { return };
        let mut read = 0usize;
        while read <= DISCARD_UNREAD_BODY {
            match next_frame(&mut body).await {
                Ok(Some(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        read += data.len();
                    }
                }
                _ => break,
            }
        }
    }
}
