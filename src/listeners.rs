//! Listeners: the sockets the API is served on.
//!
//! Mirrors moby `daemon/listeners/listeners_linux.go` (`Init(proto, addr,
//! socketGroup, tlsConfig)`, v20.10.24) and the go-connections `sockets`
//! helpers it calls. One `-H` flag gives one listener:
//!
//! - `unix:///path`: refuse to start when a live daemon already answers on
//!   the path, remove a stale socket file, create the socket with mode 0660
//!   owned by root and the `--group` group;
//! - `tcp://host:port`: plain TCP, or TLS when certificates are configured;
//! - `fd://` and `fd://N`: sockets handed over by systemd socket activation.

use std::path::PathBuf;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, UnixListener};

/// A connection's stream, whatever the listener.
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

pub type BoxedIo = Pin<Box<dyn Io>>;

/// What `accept` hands the server.
pub struct Accepted {
    pub io: BoxedIo,
    pub peer: String,
    /// The common name of a verified TLS client certificate.
    pub tls_client: Option<String>,
}

/// One open listener.
pub enum Listener {
    Unix {
        listener: UnixListener,
        path: PathBuf,
        remove_on_drop: bool,
    },
    Tcp {
        listener: TcpListener,
        tls: Option<tokio_rustls::TlsAcceptor>,
    },
}

impl Listener {
    pub fn proto(&self) -> &'static str {
        match self {
            Listener::Unix { .. } => "unix",
            Listener::Tcp { tls: None, .. } => "tcp",
            Listener::Tcp { tls: Some(_), .. } => "tcp+tls",
        }
    }

    pub async fn accept(&self) -> std::io::Result<Accepted> {
        match self {
            Listener::Unix { listener, .. } => {
                let (s, addr) = listener.accept().await?;
                let peer = addr
                    .as_pathname()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "@".into());
                Ok(Accepted {
                    io: Box::pin(s),
                    peer,
                    tls_client: None,
                })
            }
            Listener::Tcp { listener, tls } => {
                let (s, addr) = listener.accept().await?;
                let _ = s.set_nodelay(true);
                match tls {
                    None => Ok(Accepted {
                        io: Box::pin(s),
                        peer: addr.to_string(),
                        tls_client: None,
                    }),
                    Some(acceptor) => {
                        let stream = tokio::time::timeout(
                            std::time::Duration::from_secs(10),
                            acceptor.accept(s),
                        )
                        .await
                        .map_err(|_| {
                            std::io::Error::new(
                                std::io::ErrorKind::TimedOut,
                                "TLS handshake timed out",
                            )
                        })??;
                        let tls_client = crate::tlsconfig::peer_common_name(stream.get_ref().1);
                        Ok(Accepted {
                            io: Box::pin(stream),
                            peer: addr.to_string(),
                            tls_client,
                        })
                    }
                }
            }
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Listener::Unix {
            path,
            remove_on_drop: true,
            ..
        } = self
        {
            let _ = std::fs::remove_file(path);
        }
    }
}
