//! A container's stdio hub: where its output goes and its input comes
//! from, for attach, logs and the start path.
//!
//! Mirrors moby `container/stream/streams.go` (v20.10.24). There,
//! `stream.Config` holds two `broadcaster.Unbuffered` writers (stdout,
//! stderr) that every attached client and the log copier are added to, and
//! a stdin pipe. Here:
//!
//! - output is a `tokio::sync::broadcast` channel of [`StreamChunk`]s.
//!   The start path (`daemon/start.rs`) reads the process's stdout and
//!   stderr pipes (or its pty master) and sends each chunk, then one
//!   [`StreamChunk::Eof`] once both are closed. Anyone who wants the live
//!   output (`attach`) calls [`StreamConfig::subscribe`] *before* the
//!   container starts (docker run attaches before it starts). The json-file
//!   log is written by the same copier, directly, so it never lags.
//!   A subscriber that reads too slowly gets `RecvError::Lagged` and loses
//!   chunks, where dockerd's unbuffered broadcaster would block the
//!   container instead; the capacity is large enough for interactive use.
//! - stdin is a slot for the write end of the process's stdin pipe (or a
//!   dup of the pty master): `write_stdin` writes to it, `close_stdin`
//!   closes it, which is how the process sees EOF. In moby the pipe exists
//!   before the process (`NewInputPipes`), so a client attached before the
//!   start (`docker run -i`) can write, and even close, early. Our pipe is
//!   made by the runtime at start, so until then the slot is *pending*: it
//!   keeps what was written (and whether it was closed) and hands both
//!   over when the start path calls `set_stdin`.
//! - the pty master is kept for `resize`.

use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::sync::broadcast;

/// How many chunks a slow subscriber may fall behind before it lags.
const CHANNEL_CAPACITY: usize = 1024;

/// One piece of a container's output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamChunk {
    Stdout(Bytes),
    /// Never sent for a TTY container: a pty has one output.
    Stderr(Bytes),
    /// Both outputs are closed: the process (and any child holding them)
    /// is gone.
    Eof,
}

/// The most a pending stdin keeps before the process starts.
const MAX_PENDING_STDIN: usize = 1 << 20;

/// The stdin slot (see the module documentation).
enum StdinSlot {
    /// No process yet: what was written, and whether stdin was closed.
    Pending {
        buf: Vec<u8>,
        close: bool,
    },
    Open(Arc<std::fs::File>),
    Closed,
}

/// See the module documentation. One per container, shared as
/// `Arc<StreamConfig>`; a new run replaces the stdin and pty slots.
pub struct StreamConfig {
    tx: broadcast::Sender<StreamChunk>,
    stdin: Mutex<StdinSlot>,
    pty: Mutex<Option<Arc<OwnedFd>>>,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig::new()
    }
}

impl std::fmt::Debug for StreamConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamConfig")
            .field("subscribers", &self.tx.receiver_count())
            .finish()
    }
}

impl StreamConfig {
    pub fn new() -> StreamConfig {
        StreamConfig {
            tx: broadcast::channel(CHANNEL_CAPACITY).0,
            stdin: Mutex::new(StdinSlot::Pending {
                buf: Vec::new(),
                close: false,
            }),
            pty: Mutex::new(None),
        }
    }

    /// Live output from now on (moby `StdoutPipe`/`StderrPipe`).
    pub fn subscribe(&self) -> broadcast::Receiver<StreamChunk> {
        self.tx.subscribe()
    }

    /// Feed one chunk to every subscriber (the start path's copier). No
    /// subscriber is not an error.
    pub fn send(&self, chunk: StreamChunk) {
        let _ = self.tx.send(chunk);
    }

    /// Put the process's stdin (the pipe's write end, or a dup of the pty
    /// master) in the slot; what was written before the start goes to it
    /// first, and a close that came before the start closes it now.
    pub fn set_stdin(&self, fd: OwnedFd) {
        let file = Arc::new(std::fs::File::from(fd));
        let mut slot = lock(&self.stdin);
        let (buf, close) = match std::mem::replace(&mut *slot, StdinSlot::Closed) {
            StdinSlot::Pending { buf, close } => (buf, close),
            _ => (Vec::new(), false),
        };
        if !buf.is_empty() {
            // The process runs already and reads its stdin; at most
            // MAX_PENDING_STDIN bytes, written before any later write.
            if let Err(e) = (&*file).write_all(&buf) {
                tracing::debug!("writing the early stdin: {e}");
            }
        }
        if !close {
            *slot = StdinSlot::Open(file);
        }
    }

    /// No stdin for this run (the container was created without
    /// `OpenStdin`): writes fail from now on.
    pub fn no_stdin(&self) {
        *lock(&self.stdin) = StdinSlot::Closed;
    }

    /// Whether the process has a stdin we can write to.
    pub fn has_stdin(&self) -> bool {
        matches!(*lock(&self.stdin), StdinSlot::Open(_))
    }

    /// Take the stdin writer out of the slot (the caller now owns it;
    /// dropping the last handle closes the process's stdin).
    pub fn take_stdin(&self) -> Option<Arc<std::fs::File>> {
        let mut slot = lock(&self.stdin);
        match std::mem::replace(&mut *slot, StdinSlot::Closed) {
            StdinSlot::Open(f) => Some(f),
            other => {
                *slot = other;
                None
            }
        }
    }

    /// Write to the process's stdin. The write is blocking (a pipe may be
    /// full), so it runs on tokio's blocking pool. Before the process
    /// starts, the bytes are kept for it.
    pub async fn write_stdin(&self, data: Bytes) -> std::io::Result<()> {
        let file = {
            let mut slot = lock(&self.stdin);
            match &mut *slot {
                StdinSlot::Open(f) => f.clone(),
                StdinSlot::Pending { buf, close: false }
                    if buf.len() + data.len() <= MAX_PENDING_STDIN =>
                {
                    buf.extend_from_slice(&data);
                    return Ok(());
                }
                _ => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::BrokenPipe,
                        "the container's stdin is closed",
                    ))
                }
            }
        };
        tokio::task::spawn_blocking(move || (&*file).write_all(&data))
            .await
            .map_err(std::io::Error::other)?
    }

    /// Close the process's stdin (moby `CloseStreams` for stdin, or the
    /// end of `StdinOnce`); before the start, the process will get an
    /// already closed stdin.
    pub fn close_stdin(&self) {
        let mut slot = lock(&self.stdin);
        match &mut *slot {
            StdinSlot::Pending { close, .. } => *close = true,
            _ => *slot = StdinSlot::Closed,
        }
    }

    /// Keep the pty master for resize.
    pub fn set_pty(&self, fd: Option<Arc<OwnedFd>>) {
        *lock(&self.pty) = fd;
    }

    /// The pty master, when the container has a TTY and runs.
    pub fn pty(&self) -> Option<Arc<OwnedFd>> {
        lock(&self.pty).clone()
    }

    /// Run `f` with the pty master borrowed (for `Runtime::resize`).
    pub fn with_pty_fd<R>(&self, f: impl FnOnce(BorrowedFd<'_>) -> R) -> Option<R> {
        let pty = self.pty()?;
        Some(f(pty.as_fd()))
    }

    /// The process is gone: drop stdin and the pty master, and make the
    /// slot pending again for the next start.
    pub fn reset(&self) {
        *lock(&self.stdin) = StdinSlot::Pending {
            buf: Vec::new(),
            close: false,
        };
        self.set_pty(None);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// What a client writes (and closes) before the process starts reaches
    /// the process when it does, as with moby's pre-made stdin pipe.
    #[tokio::test]
    async fn early_stdin_is_kept_for_the_start() {
        let s = StreamConfig::new();
        s.write_stdin(Bytes::from_static(b"data\n")).await.unwrap();
        s.close_stdin();
        let (r, w) = nix::unistd::pipe().unwrap();
        s.set_stdin(w);
        assert!(!s.has_stdin());
        let mut got = String::new();
        std::fs::File::from(r).read_to_string(&mut got).unwrap();
        assert_eq!(got, "data\n");
    }
}
