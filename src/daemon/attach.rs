//! Attaching to a container's stdio: `docker attach`, and the attach that
//! `docker run` makes before it starts the container.
//!
//! Mirrors moby `daemon/attach.go` (v20.10.24) and the copying half of
//! `container/stream/attach.go` (`CopyStreams`). The handler
//! (`postContainersAttach`) calls [`Daemon::container_attach`] *before* it
//! hijacks the connection, so that "no such container" and "paused" are
//! ordinary JSON errors; the returned [`Attachment`] has already subscribed
//! to the container's output, so nothing printed between the 101 and the
//! `start` that follows it is lost. [`Attachment::run`] then copies:
//!
//! - the container's output to the client, framed with stdcopy when the
//!   container has no TTY (`multiplexed`), raw when it has one;
//! - the client's bytes to the container's stdin, closing that stdin when
//!   the client half-closes and the container has `StdinOnce` (what
//!   `docker run -i` relies on to end `cat`);
//! - with a TTY, watching stdin for the detach keys (ctrl-p ctrl-q by
//!   default), which end the attach but leave the container running.
//!
//! The attach ends when the container's output ends (the run's
//! [`StreamChunk::Eof`]), when the client detaches, or when the client is
//! gone (a write fails).

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{broadcast, oneshot};

use super::logger::{self, ReadConfig, Source};
use super::Daemon;
use crate::container::{lock, Status, StreamChunk, StreamConfig};
use crate::errdefs::{Error, Result};
use crate::stdcopy::{self, StdType};

/// moby `backend.ContainerAttachConfig`: what the client asked for.
#[derive(Debug, Clone, Default)]
pub struct AttachConfig {
    pub use_stdin: bool,
    pub use_stdout: bool,
    pub use_stderr: bool,
    /// `logs=1`: replay what the container already printed first.
    pub logs: bool,
    /// `stream=1`: then stay attached to the live output.
    pub stream: bool,
    /// `detachKeys=` as given (`ctrl-p,ctrl-q`); empty = the default.
    pub detach_keys: String,
}

/// The default detach sequence, ctrl-p ctrl-q (moby `DefaultEscapeKeys`).
pub const DEFAULT_DETACH_KEYS: [u8; 2] = [16, 17];

/// moby `term.ToBytes`: `ctrl-p,ctrl-q` → `[16, 17]`. A key is one
/// character or `ctrl-` followed by a letter or one of `@[\]^_`.
pub fn detach_keys_to_bytes(keys: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for key in keys.split(',') {
        let key = key.trim();
        if key.len() > 1 {
            let c = key.strip_prefix("ctrl-")?;
            let [b] = c.as_bytes() else { return None };
            let b = b.to_ascii_lowercase();
            out.push(match b {
                b'a'..=b'z' => b - b'a' + 1,
                b'@' => 0,
                b'[' => 27,
                b'\\' => 28,
                b']' => 29,
                b'^' => 30,
                b'_' => 31,
                _ => return None,
            });
        } else {
            out.push(*key.as_bytes().first()?);
        }
    }
    Some(out)
}

/// A checked attach, subscribed to the container's output, waiting for
/// the connection.
pub struct Attachment {
    pub(crate) daemon: Arc<Daemon>,
    pub id: String,
    /// The container has a TTY: one raw stream, no stdcopy framing.
    pub tty: bool,
    pub cfg: AttachConfig,
    stdin_enabled: bool,
    close_stdin: bool,
    detach_keys: Vec<u8>,
    stream: Arc<StreamConfig>,
    rx: broadcast::Receiver<StreamChunk>,
    log_path: std::path::PathBuf,
}

impl Attachment {
    /// Whether output is framed with stdcopy (moby `!tty && MuxStreams`).
    pub fn multiplexed(&self) -> bool {
        !self.tty
    }

    /// Copy between the client and the container until the output ends,
    /// the client detaches, or the client is gone.
    pub async fn run(
        self,
        reader: Box<dyn AsyncRead + Send + Unpin>,
        mut writer: Box<dyn AsyncWrite + Send + Unpin>,
    ) {
        let started = Instant::now();
        let mux = self.multiplexed();
        trace_event!(
            "backend",
            "enter",
            "Daemon.ContainerAttach.stream",
            container = self.id.as_str(),
            tty = self.tty,
            logs = self.cfg.logs,
            stream = self.cfg.stream
        );
        if self.cfg.logs {
            let mut rx = logger::jsonfile::read_logs(
                self.log_path.clone(),
                ReadConfig {
                    tail: -1,
                    ..Default::default()
                },
                None,
            );
            while let Some(m) = rx.recv().await {
                let (use_it, st) = match m.source {
                    Source::Stdout => (self.cfg.use_stdout, StdType::Stdout),
                    Source::Stderr => (self.cfg.use_stderr, StdType::Stderr),
                };
                if use_it
                    && writer
                        .write_all(&stdcopy::encode(mux, st, &m.line))
                        .await
                        .is_err()
                {
                    return;
                }
            }
            let _ = writer.flush().await;
        }
        let end = if self.cfg.stream {
            self.daemon.log_attach_event(&self.id);
            copy_streams(CopyConfig {
                stream: self.stream.clone(),
                rx: self.rx,
                multiplexed: mux,
                use_stdout: self.cfg.use_stdout,
                use_stderr: self.cfg.use_stderr,
                stdin: self.stdin_enabled.then_some(reader),
                close_stdin: self.close_stdin,
                detach_keys: if self.tty {
                    self.detach_keys
                } else {
                    Vec::new()
                },
                writer: &mut writer,
            })
            .await
        } else {
            CopyEnd::OutputEnded
        };
        let _ = writer.flush().await;
        let _ = writer.shutdown().await;
        trace_event!(
            "backend",
            "exit",
            "Daemon.ContainerAttach.stream",
            container = self.id.as_str(),
            end = end.as_str(),
            dur_us = crate::trace::micros_since(started)
        );
    }
}

impl Daemon {
    /// moby `ContainerAttach`, the part before the streams: parse the
    /// detach keys, find the container, refuse paused and restarting ones,
    /// and subscribe to its output.
    pub fn container_attach(self: &Arc<Self>, name: &str, cfg: AttachConfig) -> Result<Attachment> {
        let started = Instant::now();
        trace_event!(
            "backend",
            "enter",
            "Daemon.ContainerAttach",
            container = name
        );
        let result = self.container_attach_inner(name, cfg);
        match &result {
            Ok(a) => trace_event!(
                "backend",
                "exit",
                "Daemon.ContainerAttach",
                container = a.id.as_str(),
                tty = a.tty,
                dur_us = crate::trace::micros_since(started)
            ),
            Err(e) => trace_event!(
                "backend",
                "exit",
                "Daemon.ContainerAttach",
                error = e.message.as_str(),
                dur_us = crate::trace::micros_since(started)
            ),
        }
        result
    }

    fn container_attach_inner(
        self: &Arc<Self>,
        name: &str,
        cfg: AttachConfig,
    ) -> Result<Attachment> {
        let detach_keys = if cfg.detach_keys.is_empty() {
            DEFAULT_DETACH_KEYS.to_vec()
        } else {
            detach_keys_to_bytes(&cfg.detach_keys).ok_or_else(|| {
                Error::invalid_parameter(format!(
                    "Invalid detach keys ({}) provided",
                    cfg.detach_keys
                ))
            })?
        };
        let ctr = self.get_container(name)?;
        let c = lock(&ctr);
        match c.state.status {
            Status::Paused => {
                return Err(Error::conflict(format!(
                    "container {name} is paused, unpause the container before attach"
                )))
            }
            Status::Restarting => {
                return Err(Error::conflict(format!(
                    "container {name} is restarting, wait until the container is running"
                )))
            }
            _ => {}
        }
        Ok(Attachment {
            daemon: self.clone(),
            id: c.id.clone(),
            tty: c.config.tty,
            stdin_enabled: cfg.use_stdin && c.config.open_stdin,
            close_stdin: c.config.stdin_once,
            cfg,
            detach_keys,
            stream: c.stream.clone(),
            rx: c.stream.subscribe(),
            log_path: c.log_path.clone(),
        })
    }

    /// moby `ContainerAttachRaw`, as the builder uses it: no stdin, both
    /// outputs, from now on. The checks of an attach, the `attach` event,
    /// and the container's output as chunks, ending with
    /// [`StreamChunk::Eof`]; subscribed before the container starts, so
    /// nothing it prints is missed.
    pub fn container_attach_raw(
        self: &Arc<Self>,
        name: &str,
    ) -> Result<broadcast::Receiver<StreamChunk>> {
        let a = self.container_attach(
            name,
            AttachConfig {
                use_stdout: true,
                use_stderr: true,
                stream: true,
                ..AttachConfig::default()
            },
        )?;
        self.log_attach_event(&a.id);
        Ok(a.rx)
    }

    /// The `attach` event (moby: `daemon.LogContainerEvent(c, "attach")`).
    fn log_attach_event(&self, id: &str) {
        if let Ok(ctr) = self.get_container(id) {
            let (name, image, labels) = {
                let c = lock(&ctr);
                (
                    c.name.clone(),
                    c.config.image.clone(),
                    c.config.labels.clone().unwrap_or_default(),
                )
            };
            self.log_container_event(id, "attach", &name, &image, &labels, &[]);
        }
    }
}

/// How a copy ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyEnd {
    /// The process's output is closed (it exited).
    OutputEnded,
    /// The client typed the detach keys.
    Detached,
    /// A write to the client failed: it is gone.
    ClientGone,
}

impl CopyEnd {
    pub fn as_str(self) -> &'static str {
        match self {
            CopyEnd::OutputEnded => "output-ended",
            CopyEnd::Detached => "detached",
            CopyEnd::ClientGone => "client-gone",
        }
    }
}

/// What [`copy_streams`] copies between (moby `stream.AttachConfig`).
pub struct CopyConfig<'a> {
    pub stream: Arc<StreamConfig>,
    pub rx: broadcast::Receiver<StreamChunk>,
    pub multiplexed: bool,
    pub use_stdout: bool,
    pub use_stderr: bool,
    /// The client's side of stdin, when stdin is attached.
    pub stdin: Option<Box<dyn AsyncRead + Send + Unpin>>,
    /// Close the process's stdin when the client's stdin ends (`StdinOnce`).
    pub close_stdin: bool,
    /// The detach sequence; empty = none (no TTY).
    pub detach_keys: Vec<u8>,
    pub writer: &'a mut (dyn AsyncWrite + Send + Unpin),
}

/// moby `CopyStreams`: stdin one way, output the other, until the output
/// ends or the client detaches or leaves.
pub async fn copy_streams(cfg: CopyConfig<'_>) -> CopyEnd {
    let CopyConfig {
        stream,
        mut rx,
        multiplexed,
        use_stdout,
        use_stderr,
        stdin,
        close_stdin,
        detach_keys,
        writer,
    } = cfg;
    let (detach_tx, mut detach_rx) = oneshot::channel::<()>();
    let stdin_task = stdin.map(|reader| {
        tokio::spawn(copy_stdin(
            reader,
            stream.clone(),
            close_stdin,
            detach_keys,
            detach_tx,
        ))
    });
    let end = loop {
        tokio::select! {
            chunk = rx.recv() => {
                let (data, st, wanted) = match chunk {
                    Ok(StreamChunk::Stdout(b)) => (b, StdType::Stdout, use_stdout),
                    Ok(StreamChunk::Stderr(b)) => (b, StdType::Stderr, use_stderr),
                    Ok(StreamChunk::Eof) | Err(broadcast::error::RecvError::Closed) => break CopyEnd::OutputEnded,
                    // A slow client lost some output; dockerd would have
                    // blocked the container instead. Keep going.
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                };
                if !wanted {
                    continue;
                }
                let out = stdcopy::encode(multiplexed, st, &data);
                if writer.write_all(&out).await.is_err() || writer.flush().await.is_err() {
                    break CopyEnd::ClientGone;
                }
            }
            r = &mut detach_rx, if stdin_task.is_some() => {
                if r.is_ok() {
                    break CopyEnd::Detached;
                }
                // The stdin copier ended without detaching: stop polling it.
                detach_rx = oneshot::channel().1;
            }
        }
    };
    if let Some(t) = stdin_task {
        t.abort();
    }
    end
}

/// Copy the client's bytes to the process's stdin, watching for the detach
/// keys (moby `term.NewEscapeProxy`): bytes that could be the start of the
/// sequence are held back until it is clear they are not.
async fn copy_stdin(
    mut reader: Box<dyn AsyncRead + Send + Unpin>,
    stream: Arc<StreamConfig>,
    close_stdin: bool,
    keys: Vec<u8>,
    detach: oneshot::Sender<()>,
) {
    let mut buf = vec![0u8; 32 * 1024];
    let mut matched = 0usize;
    loop {
        let n = match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut out = Vec::with_capacity(n);
        for &b in &buf[..n] {
            if !keys.is_empty() && b == keys[matched] {
                matched += 1;
                if matched == keys.len() {
                    if !out.is_empty() {
                        let _ = stream.write_stdin(Bytes::from(out)).await;
                    }
                    let _ = detach.send(());
                    return;
                }
                continue;
            }
            if matched > 0 {
                out.extend_from_slice(&keys[..matched]);
                matched = 0;
            }
            out.push(b);
        }
        if out.is_empty() {
            continue;
        }
        // Before the start (docker run -i attaches first) the stream hub
        // keeps these bytes for the process, as moby's pre-made stdin pipe
        // does.
        if stream.write_stdin(Bytes::from(out)).await.is_err() {
            break;
        }
    }
    // The client's stdin ended (it half-closed or left). With StdinOnce the
    // process sees EOF on its stdin now (or at its start, if the close came
    // first), as with `echo data | docker run -i`.
    if close_stdin {
        stream.close_stdin();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// moby `term.ToBytes`: the default keys and the special characters.
    #[test]
    fn detach_keys_parse_like_moby() {
        assert_eq!(detach_keys_to_bytes("ctrl-p,ctrl-q"), Some(vec![16, 17]));
        assert_eq!(
            detach_keys_to_bytes("ctrl-@,ctrl-[,a"),
            Some(vec![0, 27, b'a'])
        );
        assert_eq!(detach_keys_to_bytes("ctrl-"), None);
        assert_eq!(detach_keys_to_bytes("ctrl-1"), None);
        assert_eq!(detach_keys_to_bytes("abc"), None);
    }
}
