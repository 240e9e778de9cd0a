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
//!
//! The same holds for the viewer (`mini-dockerd tui`): a signal ends it
//! the way `q` does, with the terminal restored, never by the default
//! action that leaves a shell in raw mode on the alternate screen.

use std::io::Read;
use std::os::unix::net::UnixStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::pty::{openpty, Winsize};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

mod common;

/// A program running on a pseudo-terminal of its own, 140x40, whose
/// output a thread collects and whose questions nobody answers.
struct OnPty {
    child: Child,
    out: Arc<Mutex<Vec<u8>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl OnPty {
    fn spawn(cmd: &mut Command) -> OnPty {
        let size = Winsize {
            ws_row: 40,
            ws_col: 140,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let pty = openpty(Some(&size), None).unwrap();
        let slave = pty.slave;
        let child = cmd
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave))
            .spawn()
            .unwrap();
        // Read the terminal on a thread of its own: a pty whose output
        // nobody reads fills up and blocks the writer.
        let out = Arc::new(Mutex::new(Vec::new()));
        let mut master = std::fs::File::from(pty.master);
        let reader = {
            let out = out.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                // Ends with EIO once the program, the last holder of the
                // terminal, has exited.
                while let Ok(n) = master.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    out.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            })
        };
        OnPty {
            child,
            out,
            reader: Some(reader),
        }
    }

    /// Everything the program wrote to its terminal so far, as text
    /// (escape sequences included).
    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned()
    }

    /// Wait until `text` is on the screen; fail if the program exits first.
    fn wait_for(&mut self, text: &str) {
        let end = Instant::now() + Duration::from_secs(30);
        while !self.screen().contains(text) {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "exited ({status}) before {text:?} was drawn; its terminal:\n{}",
                    self.screen()
                );
            }
            assert!(
                Instant::now() < end,
                "{text:?} not drawn within 30 s; the terminal:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Send `sig` and wait (bounded) for the program to exit; its status,
    /// after checking that it left the alternate screen it had entered.
    fn stop_with(&mut self, sig: Signal) -> std::process::ExitStatus {
        kill(Pid::from_raw(self.child.id() as i32), sig).unwrap();
        let status = common::wait_bounded(&mut self.child, Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("{sig} did not stop the program within 30 s"));
        self.reader.take().unwrap().join().unwrap();
        let all = self.screen();
        let entered = all.find("\x1b[?1049h").expect("alternate screen entered");
        let left = all.rfind("\x1b[?1049l");
        assert!(
            left.is_some_and(|left| left > entered),
            "the terminal was not restored after {sig}"
        );
        status
    }
}

impl Drop for OnPty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The TUI draws its first frame without asking the terminal anything,
/// the daemon behind it answers `/_ping`, and SIGTERM stops both cleanly:
/// exit status 0, the alternate screen left again, the socket removed.
#[test]
fn tui_starts_on_a_terminal_that_never_answers() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("d.sock");
    let mut daemon = OnPty::spawn(
        Command::new(env!("CARGO_BIN_EXE_mini-dockerd"))
            .arg("--tui")
            .args(["--bridge", "none"])
            .arg("-H")
            .arg(format!("unix://{}", sock.display()))
            .arg("--data-root")
            .arg(dir.path().join("root"))
            .arg("--exec-root")
            .arg(dir.path().join("exec")),
    );
    // The first frame: the Listeners pane's title. Before the fix nothing
    // was ever drawn; the daemon exited after two seconds instead.
    daemon.wait_for(" Listeners ");
    assert!(
        !daemon.screen().contains("\x1b[6n"),
        "the TUI asked the terminal for the cursor position"
    );

    let stream = UnixStream::connect(&sock).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let (status, _, body) = common::http_over(stream, "GET", "/_ping", &[], b"");
    assert_eq!((status, common::text(&body).as_str()), (200, "OK"));

    // SIGTERM must end the TUI too: before, the daemon shut its server
    // down and then waited for a `q` that nobody would type.
    let status = daemon.stop_with(Signal::SIGTERM);
    assert!(status.success(), "exit status {status}");
    assert!(!sock.exists(), "the socket is removed on shutdown");
}

/// A viewer playing a recording (`mini-dockerd tui --replay`, slowed down
/// so that it is still playing) ends on SIGTERM and on SIGHUP (its
/// terminal window closed) with the terminal restored and status 0.
#[test]
fn viewer_restores_the_terminal_on_signals() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/docker-run-busybox.jsonl"
    );
    for sig in [Signal::SIGTERM, Signal::SIGHUP] {
        let mut viewer = OnPty::spawn(
            Command::new(env!("CARGO_BIN_EXE_mini-dockerd"))
                .args(["tui", "--replay", fixture, "--speed", "0.001"]),
        );
        viewer.wait_for(" Listeners ");
        let status = viewer.stop_with(sig);
        assert!(status.success(), "{sig}: exit status {status}");
    }
}
