//! Terminals for `docker run -t` / `docker exec -t`.
//!
//! runc creates the pty inside the container's own devpts instance and
//! hands the master to its caller over a unix socket with SCM_RIGHTS (the
//! `--console-socket` protocol, runc docs/terminals.md); containerd's shim
//! then copies between the master and the daemon's streams. We do the same:
//! the container init opens `/dev/ptmx` after pivot_root and sends the
//! master back; the daemon reads and writes it directly.

use std::os::fd::RawFd;

/// Set the window size of a terminal (`TIOCSWINSZ`); on a pty master this
/// is what `docker resize` / `POST /containers/{id}/resize` does.
pub fn set_winsize(fd: RawFd, height: u16, width: u16) -> std::io::Result<()> {
    let ws = libc::winsize {
        ws_row: height,
        ws_col: width,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads one winsize struct from the pointer.
    let rc = unsafe { libc::ioctl(fd, libc::TIOCSWINSZ, &ws) };
    if rc < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
