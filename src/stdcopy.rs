//! The stdcopy frame format: how stdout and stderr share one byte stream.
//!
//! Mirrors moby `pkg/stdcopy/stdcopy.go` (v20.10.24). When a container has
//! no TTY, its stdout and stderr are two separate pipes, but an attach, an
//! exec start or a logs response has only one connection to write to. So
//! dockerd cuts the output into frames, each with an 8-byte header:
//!
//! ```text
//! +--------+--------+--------+--------+--------+--------+--------+--------+=========+
//! | STREAM |   0    |   0    |   0    |        SIZE (uint32, big-endian)  | payload |
//! +--------+--------+--------+--------+--------+--------+--------+--------+=========+
//! ```
//!
//! STREAM is 0 (stdin, read back as stdout), 1 (stdout), 2 (stderr) or 3
//! (systemerr: an error from the daemon itself, which the client's
//! `StdCopy` returns as an error). With a TTY there is only one stream (the
//! pty master) and no framing at all.
//!
//! The writer side ([`frame`], [`StdWriter`]) is what the daemon uses; the
//! reader side ([`FrameReader`], [`std_copy`]) is what the docker CLI does
//! with the bytes, and here serves the tests and anyone who wants to decode
//! a captured stream.
//!
//! Lesson: `walkthroughs/07-hijack-and-streams.md`.

use bytes::{BufMut, Bytes, BytesMut};

/// The header length: one stream byte, three zeros, a big-endian u32 size.
pub const STD_WRITER_PREFIX_LEN: usize = 8;

/// moby `stdcopy.StdType`: which stream a frame belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum StdType {
    /// Stdin: never written by dockerd in practice; the reader treats it as stdout.
    Stdin = 0,
    Stdout = 1,
    Stderr = 2,
    /// A daemon error in the middle of a stream (`"Error grabbing logs: ..."`).
    Systemerr = 3,
}

impl StdType {
    /// The stream a byte names, as moby's reader accepts them.
    pub fn from_byte(b: u8) -> Option<StdType> {
        match b {
            0 => Some(StdType::Stdin),
            1 => Some(StdType::Stdout),
            2 => Some(StdType::Stderr),
            3 => Some(StdType::Systemerr),
            _ => None,
        }
    }
}

/// One frame: header + payload, as `stdWriter.Write(p)` puts it on the
/// wire. An empty payload still gives an 8-byte header with size 0, as the
/// Go writer does for a non-nil empty slice.
pub fn frame(stream: StdType, payload: &[u8]) -> Bytes {
    let mut buf = BytesMut::with_capacity(STD_WRITER_PREFIX_LEN + payload.len());
    buf.put_u8(stream as u8);
    buf.put_bytes(0, 3);
    // The size field is 32 bits wide; a payload larger than 4 GiB cannot be
    // one frame. Callers write chunks of pipe reads (at most 32 KiB), so
    // this never truncates in practice.
    buf.put_u32(payload.len() as u32);
    buf.extend_from_slice(payload);
    buf.freeze()
}

/// What goes on the wire for one chunk of output: a frame when the stream
/// is multiplexed (no TTY), the bytes as they are otherwise.
pub fn encode(multiplexed: bool, stream: StdType, payload: &[u8]) -> Bytes {
    if multiplexed {
        frame(stream, payload)
    } else {
        Bytes::copy_from_slice(payload)
    }
}

/// moby `stdcopy.NewStdWriter`: wraps an `AsyncWrite` so that each
/// `write` becomes exactly one frame of the given stream.
///
/// Two writers (stdout and stderr) usually share one connection; moby
/// serialises them with a mutex inside the writer. Here callers share the
/// connection through a channel or a single pump task, so this type only
/// builds frames and writes them whole with `write_all`.
pub struct StdWriter<W> {
    inner: W,
    stream: StdType,
}

impl<W: tokio::io::AsyncWrite + Unpin> StdWriter<W> {
    pub fn new(inner: W, stream: StdType) -> Self {
        StdWriter { inner, stream }
    }

    /// Write `p` as one frame. Returns the payload length, as Go's
    /// `stdWriter.Write` reports the bytes of `p` (not of the header).
    pub async fn write(&mut self, p: &[u8]) -> std::io::Result<usize> {
        use tokio::io::AsyncWriteExt;
        self.inner.write_all(&frame(self.stream, p)).await?;
        self.inner.flush().await?;
        Ok(p.len())
    }

    pub fn into_inner(self) -> W {
        self.inner
    }
}

/// An error while decoding frames, with moby's wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StdCopyError {
    /// `"unrecognized stream: %d"`.
    UnrecognizedStream(u8),
    /// `"error from daemon in stream: %s"`: a systemerr frame.
    Daemon(String),
    /// The input ended inside a header or a payload.
    Truncated,
}

impl std::fmt::Display for StdCopyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StdCopyError::UnrecognizedStream(b) => write!(f, "Unrecognized input header: {b}"),
            StdCopyError::Daemon(m) => write!(f, "error from daemon in stream: {m}"),
            StdCopyError::Truncated => f.write_str("unexpected EOF inside a stdcopy frame"),
        }
    }
}

impl std::error::Error for StdCopyError {}

/// An incremental frame decoder: feed it bytes as they arrive, take out
/// whole frames. The docker CLI's `StdCopy` does the same with a growing
/// buffer.
#[derive(Default)]
pub struct FrameReader {
    buf: BytesMut,
}

impl FrameReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Append bytes read from the connection.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next whole frame, if the buffer holds one.
    pub fn next_frame(&mut self) -> Result<Option<(StdType, Bytes)>, StdCopyError> {
        if self.buf.len() < STD_WRITER_PREFIX_LEN {
            return Ok(None);
        }
        let stream =
            StdType::from_byte(self.buf[0]).ok_or(StdCopyError::UnrecognizedStream(self.buf[0]))?;
        let size =
            u32::from_be_bytes([self.buf[4], self.buf[5], self.buf[6], self.buf[7]]) as usize;
        if self.buf.len() < STD_WRITER_PREFIX_LEN + size {
            return Ok(None);
        }
        let _ = self.buf.split_to(STD_WRITER_PREFIX_LEN);
        let payload = self.buf.split_to(size).freeze();
        Ok(Some((stream, payload)))
    }

    /// Bytes that do not (yet) make a whole frame.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

/// moby `stdcopy.StdCopy` over a complete buffer: demultiplex into
/// (stdout, stderr). Stdin frames count as stdout, as in Go; a systemerr
/// frame ends the copy with an error.
pub fn std_copy(input: &[u8]) -> Result<(Vec<u8>, Vec<u8>), StdCopyError> {
    let mut r = FrameReader::new();
    r.push(input);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    while let Some((stream, payload)) = r.next_frame()? {
        match stream {
            StdType::Stdin | StdType::Stdout => out.extend_from_slice(&payload),
            StdType::Stderr => err.extend_from_slice(&payload),
            StdType::Systemerr => {
                return Err(StdCopyError::Daemon(
                    String::from_utf8_lossy(&payload).into_owned(),
                ))
            }
        }
    }
    if r.pending() != 0 {
        return Err(StdCopyError::Truncated);
    }
    Ok((out, err))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the API notes: stdout "hello\n" is
    /// `01 00 00 00 00 00 00 06 68 65 6c 6c 6f 0a`.
    #[test]
    fn stdout_frame_bytes_match_dockerd() {
        let f = frame(StdType::Stdout, b"hello\n");
        assert_eq!(
            &f[..],
            &[0x01, 0, 0, 0, 0, 0, 0, 0x06, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x0a]
        );
    }

    /// Stderr frames carry stream byte 2 and the size is big-endian (a
    /// 258-byte payload has size bytes `00 00 01 02`).
    #[test]
    fn stderr_frame_has_stream_two_and_big_endian_size() {
        let payload = vec![b'x'; 258];
        let f = frame(StdType::Stderr, &payload);
        assert_eq!(&f[..8], &[2, 0, 0, 0, 0, 0, 1, 2]);
        assert_eq!(f.len(), 8 + 258);
    }

    /// An empty write still produces a header, as Go's writer does.
    #[test]
    fn empty_payload_is_a_header_only() {
        assert_eq!(&frame(StdType::Stdout, b"")[..], &[1, 0, 0, 0, 0, 0, 0, 0]);
    }

    /// The reader splits interleaved frames back into stdout and stderr and
    /// copes with frames cut at any byte boundary.
    #[test]
    fn reader_demultiplexes_across_arbitrary_chunking() {
        let mut wire = Vec::new();
        wire.extend_from_slice(&frame(StdType::Stdout, b"out1\n"));
        wire.extend_from_slice(&frame(StdType::Stderr, b"err\n"));
        wire.extend_from_slice(&frame(StdType::Stdout, b"out2\n"));
        assert_eq!(
            std_copy(&wire).unwrap(),
            (b"out1\nout2\n".to_vec(), b"err\n".to_vec())
        );
        let mut r = FrameReader::new();
        let mut got = Vec::new();
        for b in &wire {
            r.push(std::slice::from_ref(b));
            while let Some((s, p)) = r.next_frame().unwrap() {
                got.push((s, p));
            }
        }
        assert_eq!(got.len(), 3);
        assert_eq!(got[1], (StdType::Stderr, Bytes::from_static(b"err\n")));
    }

    /// A systemerr frame is returned as an error, and an unknown stream
    /// byte is refused, as the CLI's `StdCopy` does.
    #[test]
    fn reader_reports_daemon_errors_and_bad_streams() {
        let wire = frame(StdType::Systemerr, b"Error grabbing logs: boom\n");
        assert_eq!(
            std_copy(&wire),
            Err(StdCopyError::Daemon("Error grabbing logs: boom\n".into()))
        );
        assert_eq!(
            std_copy(&[9, 0, 0, 0, 0, 0, 0, 0]),
            Err(StdCopyError::UnrecognizedStream(9))
        );
        assert_eq!(
            std_copy(&[1, 0, 0, 0, 0, 0, 0, 5, b'a']),
            Err(StdCopyError::Truncated)
        );
    }
}
