//! A tiny HTTP/1.1 client for the walkthrough: one request per connection
//! (as `curl` does), over a unix socket or plain TCP, plus the trace stream.
//!
//! Not a moby file: the docker CLI's client lives in docker/cli
//! (`client/`), and this is the smallest thing that talks to a daemon the
//! same way. TLS is left out on purpose: lessons use the unix socket.

use std::fmt;
use std::path::PathBuf;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpStream, UnixStream};
use tokio::sync::mpsc;

use crate::trace::TraceRecord;

/// Where the daemon listens (`-H unix:///path` or `-H tcp://host:port`).
#[derive(Debug, Clone)]
pub enum Host {
    Unix(PathBuf),
    Tcp(String),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Unix(p) => write!(f, "unix://{}", p.display()),
            Host::Tcp(a) => write!(f, "tcp://{a}"),
        }
    }
}

impl Host {
    /// Parse a `-H` value. `fd://` means nothing to a client.
    pub fn parse(host: &str) -> Result<Host, String> {
        match crate::listeners::parse_host(host)? {
            (p, addr) if p == "unix" => Ok(Host::Unix(PathBuf::from(addr))),
            (p, addr) if p == "tcp" => Ok(Host::Tcp(addr)),
            (p, _) => Err(format!(
                "cannot connect to a {p}:// host; use unix:// or tcp://"
            )),
        }
    }
}

/// An answer: status and the whole body.
pub struct Answer {
    pub status: u16,
    pub body: Bytes,
}

impl Answer {
    /// The `Id` of a JSON answer (container create, exec create), so that
    /// the next request of a lesson can use it as `{id}`.
    pub fn json_id(&self) -> Option<String> {
        let v: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        v.get("Id")?.as_str().map(str::to_string)
    }

    /// dockerd's `{"message": ...}` on an error status.
    pub fn error_message(&self) -> Option<String> {
        if self.status < 400 {
            return None;
        }
        let v: serde_json::Value = serde_json::from_slice(&self.body).ok()?;
        v.get("message")?.as_str().map(str::to_string)
    }
}

/// Open a connection and send one request; the response head is returned
/// with its body still streaming.
async fn send(
    host: &Host,
    method: &str,
    path: &str,
    body: Option<&str>,
    user_agent: &str,
) -> Result<Response<Incoming>, String> {
    let method = Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("Host", "docker")
        .header("User-Agent", user_agent);
    if body.is_some() {
        req = req.header("Content-Type", "application/json");
    }
    let req = req
        .body(Full::new(Bytes::from(body.unwrap_or("").to_string())))
        .map_err(|e| e.to_string())?;
    // The two arms give different stream types, so each does its own
    // handshake; the connection task drives the socket in the background.
    macro_rules! over {
        ($stream:expr) => {{
            let io = TokioIo::new($stream);
            let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            sender.send_request(req).await.map_err(|e| e.to_string())
        }};
    }
    match host {
        Host::Unix(p) => over!(UnixStream::connect(p)
            .await
            .map_err(|e| format!("connecting to {}: {e}", p.display()))?),
        Host::Tcp(a) => over!(TcpStream::connect(a.as_str())
            .await
            .map_err(|e| format!("connecting to {a}: {e}"))?),
    }
}

/// One request, whole body read.
pub async fn request(
    host: &Host,
    method: &str,
    path: &str,
    body: Option<&str>,
    user_agent: &str,
) -> Result<Answer, String> {
    let resp = send(host, method, path, body, user_agent).await?;
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok(Answer { status, body })
}

/// Does a daemon answer `GET /_ping` here?
pub async fn ping(host: &Host) -> bool {
    let fut = request(host, "GET", "/_ping", None, "mini-dockerd-walkthrough");
    matches!(
        tokio::time::timeout(std::time::Duration::from_secs(2), fut).await,
        Ok(Ok(a)) if a.status == 200
    )
}

/// The records of an attached trace stream. Dropping it closes the
/// stream's connection at once, so that a daemon shutting down does not
/// wait for this viewer.
pub struct TraceStream {
    pub rx: mpsc::Receiver<TraceRecord>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for TraceStream {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Attach to `GET /debug/trace` and deliver its records on a channel.
/// Fails when the daemon has no such route (a real dockerd answers 404).
pub async fn open_trace(host: &Host) -> Result<TraceStream, String> {
    let resp = send(
        host,
        "GET",
        "/debug/trace",
        None,
        "mini-dockerd-walkthrough (trace)",
    )
    .await?;
    if resp.status().as_u16() != 200 {
        return Err(format!("GET /debug/trace answered {}", resp.status()));
    }
    let (tx, rx) = mpsc::channel(4096);
    let mut body = resp.into_body();
    let reader = tokio::spawn(async move {
        let mut buf: Vec<u8> = Vec::new();
        while let Some(Ok(frame)) = body.frame().await {
            let Some(data) = frame.data_ref() else {
                continue;
            };
            buf.extend_from_slice(data);
            // Records are JSON lines; a frame may hold several or half of one.
            while let Some(nl) = buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buf.drain(..=nl).collect();
                if let Ok(rec) = serde_json::from_slice::<TraceRecord>(&line) {
                    if tx.send(rec).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    Ok(TraceStream { rx, reader })
}
