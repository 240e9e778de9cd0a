//! `mini-dockerd --tui` in a terminal that never answers questions.
//!
//! Terminal emulators answer escape-sequence queries such as "where is the
//! cursor?" (`ESC [ 6 n`); `script`, serial consoles and editor shells do
//! not. The TUI used to ask that question before its first frame, waited
//! two seconds for an answer that never came, and stopped, taking the
//! daemon with it. Here the daemon runs on a bare pseudo-terminal (nobody
//! on the other side but this test, which never answers) and must draw its
//! panes, serve requests, and still leave the terminal as it found it when
//! it is stopped with SIGTERM, as dockerd is by systemd.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::pty::{openpty, Winsize};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// Everything the daemon wrote to its terminal so far, as text (escape
/// sequences included).
fn screen(out: &Mutex<Vec<u8>>) -> String {
    String::from_utf8_lossy(&out.lock().unwrap()).into_owned()
}

/// GET /_ping over the unix socket; the body of the answer.
fn ping(sock: &Path) -> String {
    let mut s = UnixStream::connect(sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer
}

/// The TUI draws its first frame without asking the terminal anything,
/// the daemon behind it answers `/_ping`, and SIGTERM stops both cleanly:
/// exit status 0, and the alternate screen left again.
#[test]
fn tui_starts_on_a_terminal_that_never_answers() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("d.sock");
    let size = Winsize {
        ws_row: 40,
        ws_col: 140,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = openpty(Some(&size), None).unwrap();
    let slave = pty.slave;
    let mut child = Command::new(env!("CARGO_BIN_EXE_mini-dockerd"))
        .arg("--tui")
        .arg("-H")
        .arg(format!("unix://{}", sock.display()))
        .arg("--data-root")
        .arg(dir.path().join("root"))
        .arg("--exec-root")
        .arg(dir.path().join("exec"))
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave))
        .spawn()
        .unwrap();

    // Read the terminal on a thread of its own: a pty whose output nobody
    // reads fills up and blocks the writer.
    let out = Arc::new(Mutex::new(Vec::new()));
    let mut master = std::fs::File::from(pty.master);
    let reader = {
        let out = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with EIO once the daemon, the last holder of the
            // terminal, has exited.
            while let Ok(n) = master.read(&mut buf) {
                if n == 0 {
                    break;
                }
                out.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };

    // The first frame: the Listeners pane's title. Before the fix nothing
    // was ever drawn; the daemon exited after two seconds instead.
    let end = Instant::now() + Duration::from_secs(30);
    while !screen(&out).contains(" Listeners ") {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "the daemon exited ({status}) before the TUI drew a frame; its terminal:\n{}",
                screen(&out)
            );
        }
        assert!(
            Instant::now() < end,
            "no frame within 30 s; the terminal:\n{}",
            screen(&out)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !screen(&out).contains("\x1b[6n"),
        "the TUI asked the terminal for the cursor position"
    );

    let answer = ping(&sock);
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.ends_with("\r\n\r\nOK"), "{answer}");

    // SIGTERM must end the TUI too: before, the daemon shut its server
    // down and then waited for a `q` that nobody would type.
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    let end = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("SIGTERM did not stop the daemon within 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    reader.join().unwrap();
    assert!(status.success(), "exit status {status}");
    let all = screen(&out);
    let entered = all.find("\x1b[?1049h").expect("alternate screen entered");
    let left = all.rfind("\x1b[?1049l").expect("alternate screen left");
    assert!(entered < left);
    assert!(!sock.exists(), "the socket is removed on shutdown");
}
