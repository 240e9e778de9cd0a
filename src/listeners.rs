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
//!
//! Lesson: `walkthroughs/02-listeners.md`.

use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
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

/// moby `listeners.Init(proto, addr, socketGroup, tlsConfig)`: open the
/// listeners for one `-H` value. Must be called inside a tokio runtime.
///
/// `allow_insecure_tcp` stands for the explicit flag (`--insecure-tcp`)
/// that plain TCP on a non-loopback address needs here. dockerd 20.10 only
/// warns and sleeps 15 seconds; we refuse without the flag, because a
/// learner's laptop on a conference network is exactly where an open,
/// unauthenticated root API does harm.
pub fn init(
    proto: &str,
    addr: &str,
    socket_group: &str,
    tls: Option<tokio_rustls::TlsAcceptor>,
    allow_insecure_tcp: bool,
) -> Result<Vec<Listener>, String> {
    match proto {
        "fd" => listen_fd(addr, tls),
        "tcp" => {
            let sock_addr = resolve_tcp(addr)?;
            if tls.is_none() {
                tracing::warn!("Binding to IP address without --tlsverify is insecure and gives root access on this machine to everyone who has access to your network.");
                if !sock_addr.ip().is_loopback() {
                    if !allow_insecure_tcp {
                        return Err(format!(
                            "refusing to listen on {addr} without TLS: anyone who can reach it gets root on this machine. Use --tlsverify with certificates, a loopback address, or --insecure-tcp if you really mean it"
                        ));
                    }
                    tracing::warn!("!!! LISTENING ON {addr} WITHOUT TLS: EVERYONE ON THIS NETWORK IS ROOT ON THIS MACHINE !!!");
                }
            }
            let std = std::net::TcpListener::bind(sock_addr)
                .map_err(|e| format!("listen tcp {addr}: {e}"))?;
            std.set_nonblocking(true).map_err(|e| e.to_string())?;
            let listener = TcpListener::from_std(std).map_err(|e| e.to_string())?;
            Ok(vec![Listener::Tcp { listener, tls }])
        }
        "unix" => Ok(vec![new_unix_socket(Path::new(addr), socket_group)?]),
        other => Err(format!("invalid protocol format: {other:?}")),
    }
}

/// Split `PROTO://ADDR` as moby `loadListeners` does.
pub fn parse_host(host: &str) -> Result<(String, String), String> {
    match host.split_once("://") {
        Some((proto, addr)) if !proto.is_empty() => Ok((proto.to_string(), addr.to_string())),
        _ => Err(format!("bad format {host}, expected PROTO://ADDR")),
    }
}

fn resolve_tcp(addr: &str) -> Result<SocketAddr, String> {
    // dockerd's default port when none is given: 2375 (2376 with TLS is
    // the convention; we keep one default to keep this short).
    let with_port = if addr
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        addr.to_string()
    } else {
        format!("{addr}:2375")
    };
    with_port
        .to_socket_addrs()
        .map_err(|e| format!("listen tcp {addr}: {e}"))?
        .next()
        .ok_or_else(|| format!("listen tcp {addr}: no address"))
}

/// go-connections `sockets.NewUnixSocket(path, gid)`: remove a stale
/// socket, bind, then chown root:gid and chmod 0660.
///
/// Before removing an existing socket file we try to connect to it: if a
/// daemon answers, starting a second one on the same path would steal its
/// clients, so we refuse. (dockerd relies on its pidfile for this.)
fn new_unix_socket(path: &Path, socket_group: &str) -> Result<Listener, String> {
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(format!(
                "{} is in use by a running daemon: stop it first, or choose another socket with -H",
                path.display()
            ));
        }
        std::fs::remove_file(path)
            .map_err(|e| format!("removing stale socket {}: {e}", path.display()))?;
        tracing::info!("removed stale socket {}", path.display());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let gid = lookup_gid(socket_group)?;
    let std = std::os::unix::net::UnixListener::bind(path)
        .map_err(|e| format!("listen unix {}: {e}", path.display()))?;
    // dockerd binds with umask 0777 so that no moment exists at which the
    // socket is open to all, then sets the mode; binding then chmod-ing at
    // once is the same for a learner and needs no process-wide umask.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))
        .map_err(|e| format!("chmod {}: {e}", path.display()))?;
    if let Err(e) = nix::unistd::chown(
        path,
        Some(nix::unistd::Uid::from_raw(0)),
        Some(nix::unistd::Gid::from_raw(gid)),
    ) {
        // Not root: we cannot give the socket to root, and that is fine.
        tracing::debug!("chown {}: {e}", path.display());
    }
    std.set_nonblocking(true).map_err(|e| e.to_string())?;
    let listener = UnixListener::from_std(std).map_err(|e| e.to_string())?;
    Ok(Listener::Unix {
        listener,
        path: path.to_path_buf(),
        remove_on_drop: true,
    })
}

/// moby `lookupGID`: a group name or number. The default group "docker"
/// may be missing (a machine without docker installed): dockerd then
/// warns and keeps its own gid; any other missing group is an error.
fn lookup_gid(group: &str) -> Result<u32, String> {
    if group.is_empty() {
        return Ok(nix::unistd::getgid().as_raw());
    }
    if let Ok(Some(g)) = nix::unistd::Group::from_name(group) {
        return Ok(g.gid.as_raw());
    }
    if let Ok(n) = group.parse::<u32>() {
        return Ok(n);
    }
    if group == "docker" {
        tracing::warn!(
            "could not change group of the socket to docker: group docker not found; the socket is owned by root:root"
        );
        return Ok(nix::unistd::getgid().as_raw());
    }
    Err(format!("group {group} not found"))
}

/// systemd socket activation (moby `listenFD`): the sockets systemd opened
/// for us start at fd 3, `LISTEN_FDS` says how many, and `LISTEN_PID`
/// must be our pid. `fd://` (or `fd://*`) takes them all; `fd://N` takes
/// the one with fd number N.
fn listen_fd(addr: &str, tls: Option<tokio_rustls::TlsAcceptor>) -> Result<Vec<Listener>, String> {
    const SD_LISTEN_FDS_START: RawFd = 3;
    let pid_ok = std::env::var("LISTEN_PID")
        .ok()
        .and_then(|p| p.parse::<u32>().ok())
        == Some(std::process::id());
    let n: RawFd = std::env::var("LISTEN_FDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    if !pid_ok || n == 0 {
        return Err(
            "no sockets found via socket activation: make sure the service was started by systemd"
                .into(),
        );
    }
    let fds: Vec<RawFd> = (SD_LISTEN_FDS_START..SD_LISTEN_FDS_START + n).collect();
    let chosen: Vec<RawFd> = if addr.is_empty() || addr == "*" {
        fds
    } else {
        let want: RawFd = addr.parse().map_err(|_| {
            format!("failed to parse systemd fd address: should be a number: {addr}")
        })?;
        if !fds.contains(&want) {
            return Err(format!(
                "too few socket activated files passed in by systemd (fd {want} not among {n})"
            ));
        }
        vec![want]
    };
    chosen
        .into_iter()
        .map(|fd| {
            let is_unix = nix::sys::socket::getsockname::<nix::sys::socket::SockaddrStorage>(fd)
                .map_err(|e| format!("fd {fd} is not a socket: {e}"))?
                .as_unix_addr()
                .is_some();
            // SAFETY: systemd handed these descriptors to this process for
            // us to own; nothing else in the daemon uses them.
            match is_unix {
                true => {
                    let std = unsafe { std::os::unix::net::UnixListener::from_raw_fd(fd) };
                    std.set_nonblocking(true).map_err(|e| e.to_string())?;
                    Ok(Listener::Unix {
                        listener: UnixListener::from_std(std).map_err(|e| e.to_string())?,
                        path: PathBuf::new(),
                        remove_on_drop: false,
                    })
                }
                false => {
                    let std = unsafe { std::net::TcpListener::from_raw_fd(fd) };
                    std.set_nonblocking(true).map_err(|e| e.to_string())?;
                    Ok(Listener::Tcp {
                        listener: TcpListener::from_std(std).map_err(|e| e.to_string())?,
                        tls: tls.clone(),
                    })
                }
            }
        })
        .collect()
}
