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
//! - stdin is a slot holding the write end of the process's stdin pipe (or
//!   a dup of the pty master): `write_stdin` writes to it, `close_stdin`
//!   closes it, which is how the process sees EOF.
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

/// See the module documentation. One per container, shared as
/// `Arc<StreamConfig>`; a new run replaces the stdin and pty slots.
pub struct StreamConfig {
    tx: broadcast::Sender<StreamChunk>,
    stdin: Mutex<Option<Arc<std::fs::File>>>,
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
            stdin: Mutex::new(None),
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
    /// master) in the slot.
    pub fn set_stdin(&self, fd: OwnedFd) {
        *lock(&self.stdin) = Some(Arc::new(std::fs::File::from(fd)));
    }

    /// Whether the process has a stdin we can write to.
    pub fn has_stdin(&self) -> bool {
        lock(&self.stdin).is_some()
    }

    /// Take the stdin writer out of the slot (the caller now owns it;
    /// dropping the last handle closes the process's stdin).
    pub fn take_stdin(&self) -> Option<Arc<std::fs::File>> {
        lock(&self.stdin).take()
    }

    /// Write to the process's stdin. The write is blocking (a pipe may be
    /// full), so it runs on tokio's blocking pool.
    pub async fn write_stdin(&self, data: Bytes) -> std::io::Result<()> {
        let Some(file) = lock(&self.stdin).clone() else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the container's stdin is closed",
            ));
        };
        tokio::task::spawn_blocking(move || (&*file).write_all(&data))
            .await
            .map_err(std::io::Error::other)?
    }

    /// Close the process's stdin (moby `CloseStreams` for stdin, or the
    /// end of `StdinOnce`).
    pub fn close_stdin(&self) {
        lock(&self.stdin).take();
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

    /// The process is gone: drop stdin and the pty master.
    pub fn reset(&self) {
        self.close_stdin();
        self.set_pty(None);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
