//! The ceiling for `benches/load.sh`: a bare hyper server on a unix socket
//! that answers every request with dockerd's `/_ping` answer and does
//! nothing else: no mux, no middlewares, no trace.
//!
//! mini-dockerd's stages are measured against this: whatever the daemon
//! reaches below this rate is what its listener, mux, middlewares, handler
//! and trace cost. By default it sends the same status, headers and body
//! as mini-dockerd's `/_ping` (the bytes on the wire cost the client and
//! the kernel as much as they cost us); `--minimal` sends only `OK` with
//! hyper's own two headers.
//!
//! ```text
//! cargo run --release --example bare_hyper -- /tmp/bare.sock [--minimal]
//! ```

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::UnixListener;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "/tmp/bare-hyper.sock".into());
    let minimal = args.any(|a| a == "--minimal");
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    println!("listening on unix://{path}");
    loop {
        let (io, _) = listener.accept().await?;
        tokio::spawn(async move {
            let service = hyper::service::service_fn(
                move |_req: Request<hyper::body::Incoming>| async move {
                    let mut resp = Response::builder();
                    if !minimal {
                        resp = resp
                            .header("Cache-Control", "no-cache, no-store, must-revalidate")
                            .header("Pragma", "no-cache")
                            .header("Builder-Version", "1")
                            .header("Content-Type", "text/plain; charset=utf-8")
                            .header("Server", "Docker/20.10.24-mini (linux)")
                            .header("Api-Version", "1.41")
                            .header("Ostype", "linux")
                            .header("Docker-Experimental", "false");
                    }
                    Ok::<_, Infallible>(resp.body(Full::new(Bytes::from_static(b"OK"))).unwrap())
                },
            );
            // The same connection settings as mini-dockerd's server: a
            // read-header timeout (it arms a timer per request) and Go's
            // canonical header case.
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(std::time::Duration::from_secs(30))
                .title_case_headers(true)
                .serve_connection(TokioIo::new(io), service)
                .await;
        });
    }
}
