//! `-p HOST:CONTAINER`: a userland proxy into the container's network
//! namespace.
//!
//! dockerd publishes a port in two ways at once: iptables DNAT rules on
//! its bridge, and `docker-proxy` (moby `cmd/docker-proxy`, started by
//! libnetwork's `portmapper`), a process per port that listens on the host
//! and copies each connection to the container's address on the bridge.
//! mini-dockerd keeps the second way and goes one step further: the
//! daemon listens on the host port itself, and for each connection opens a
//! socket *inside* the container's network namespace and connects to the
//! port on its loopback. That reaches the container whether or not it has
//! a bridge address (`--bridge none`), and needs no firewall rules.
//!
//! A socket belongs to the network namespace of the thread that created
//! it, and `setns(CLONE_NEWNET)` changes only the calling thread (unlike a
//! mount namespace, which a threaded process cannot enter at all). So each
//! connection gets a short-lived thread that joins the container's
//! namespace, connects, and ends; the connected socket then works from any
//! thread, and tokio copies the bytes both ways.
//!
//! Differences from dockerd, owned up to: a server that listens only on
//! the container's `127.0.0.1` is reachable here (dockerd reaches the
//! container's bridge address); only TCP is published (UDP bindings are
//! refused at start).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream as StdTcpStream};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use nix::sys::socket::{self, sockopt, AddressFamily, SockFlag, SockType, SockaddrStorage};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One `-p` binding as asked: `[HOST_IP:][HOST_PORT:]CONTAINER_PORT/tcp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortRequest {
    pub container_port: u16,
    /// "" for every address (dockerd then binds `0.0.0.0` and `::`).
    pub host_ip: String,
    /// 0 for a port the kernel picks.
    pub host_port: u16,
}

/// One published port, as `NetworkSettings.Ports` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedPort {
    pub container_port: u16,
    pub host_ip: String,
    pub host_port: u16,
}

/// The listeners of one container. Dropping it closes them and stops
/// every copy in flight (moby: `portmapper.Unmap` kills the proxy).
#[derive(Debug)]
pub struct PortProxy {
    published: Vec<PublishedPort>,
    target: Arc<AtomicU32>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for PortProxy {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Why a port could not be bound.
#[derive(Debug)]
pub struct BindError {
    pub addr: SocketAddr,
    pub error: io::Error,
}

impl PortProxy {
    /// Bind every requested port on the host (before the container runs,
    /// as libnetwork programs ports before the task starts) and start the
    /// accept loops, which wait for [`PortProxy::set_target`].
    pub fn bind(requests: &[PortRequest]) -> Result<PortProxy, BindError> {
        let target = Arc::new(AtomicU32::new(0));
        let mut proxy = PortProxy {
            published: Vec::new(),
            target: target.clone(),
            tasks: Vec::new(),
        };
        for r in requests {
            let addrs: Vec<IpAddr> = if r.host_ip.is_empty() {
                vec![Ipv4Addr::UNSPECIFIED.into(), Ipv6Addr::UNSPECIFIED.into()]
            } else {
                let ip = r.host_ip.parse().map_err(|_| BindError {
                    addr: SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), r.host_port),
                    error: io::Error::new(io::ErrorKind::InvalidInput, "invalid host IP"),
                })?;
                vec![ip]
            };
            // An IPv4 port picked by the kernel is then asked for on IPv6
            // too, so both addresses publish the same port, as dockerd's.
            let mut port = r.host_port;
            for (i, ip) in addrs.iter().enumerate() {
                let addr = SocketAddr::new(*ip, port);
                let listener = match listen(addr) {
                    Ok(l) => l,
                    // A host without IPv6 publishes on IPv4 only.
                    Err(e) if i > 0 && r.host_ip.is_empty() && ipv6_missing(&e) => continue,
                    Err(error) => return Err(BindError { addr, error }),
                };
                port = listener
                    .local_addr()
                    .map(|a| a.port())
                    .map_err(|error| BindError { addr, error })?;
                proxy.published.push(PublishedPort {
                    container_port: r.container_port,
                    host_ip: ip.to_string(),
                    host_port: port,
                });
                proxy.tasks.push(tokio::spawn(accept_loop(
                    listener,
                    r.container_port,
                    target.clone(),
                )));
            }
        }
        Ok(proxy)
    }

    /// The container's init is `pid`: connections go into its network
    /// namespace from now on.
    pub fn set_target(&self, pid: u32) {
        self.target.store(pid, Ordering::Release);
    }

    pub fn published(&self) -> &[PublishedPort] {
        &self.published
    }
}

fn ipv6_missing(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EAFNOSUPPORT) | Some(libc::EADDRNOTAVAIL)
    )
}

/// A listening socket with `SO_REUSEADDR`, and `IPV6_V6ONLY` for IPv6 so
/// that `::` and `0.0.0.0` can hold the same port side by side.
fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let family = if addr.is_ipv4() {
        AddressFamily::Inet
    } else {
        AddressFamily::Inet6
    };
    let fd: OwnedFd = socket::socket(
        family,
        SockType::Stream,
        SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    socket::setsockopt(&fd, sockopt::ReuseAddr, &true)?;
    if addr.is_ipv6() {
        socket::setsockopt(&fd, sockopt::Ipv6V6Only, &true)?;
    }
    socket::bind(fd.as_raw_fd(), &SockaddrStorage::from(addr))?;
    socket::listen(
        &fd,
        socket::Backlog::new(128).unwrap_or(socket::Backlog::MAXCONN),
    )?;
    // SAFETY: `fd` is a listening TCP socket we own; ownership moves.
    let std = unsafe { std::net::TcpListener::from_raw_fd(fd.into_raw_fd()) };
    TcpListener::from_std(std)
}

async fn accept_loop(listener: TcpListener, port: u16, target: Arc<AtomicU32>) {
    loop {
        let (mut inbound, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                // Out of file descriptors, say: accepting again at once
                // would fail again at once and spin a core. Go's
                // `http.Server` backs off the same way.
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let pid = target.load(Ordering::Acquire);
        tokio::spawn(async move {
            if pid == 0 {
                return; // not running yet: close, as a refused connection
            }
            // A thread of its own: it leaves the daemon's network
            // namespace and never comes back, so it must not be one of
            // tokio's, which run other tasks afterwards.
            let (tx, rx) = tokio::sync::oneshot::channel();
            std::thread::spawn(move || {
                let _ = tx.send(connect_in_netns(pid, port));
            });
            let Ok(Ok(outbound)) = rx.await else {
                trace_event!("runtime", "event", "proxy.refused", port = port as u64, peer = %peer);
                return;
            };
            let Ok(mut outbound) = outbound
                .set_nonblocking(true)
                .and_then(|()| TcpStream::from_std(outbound))
            else {
                return;
            };
            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
        });
    }
}

/// Join the network namespace of `pid` (this thread only) and connect to
/// `127.0.0.1:port` there.
fn connect_in_netns(pid: u32, port: u16) -> io::Result<StdTcpStream> {
    let ns = std::fs::File::open(format!("/proc/{pid}/ns/net"))?;
    nix::sched::setns(ns.as_fd(), nix::sched::CloneFlags::CLONE_NEWNET)?;
    StdTcpStream::connect((Ipv4Addr::LOCALHOST, port))
}
