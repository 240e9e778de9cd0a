//! Terminal set-up and, above all, restoring it on every way out.
//!
//! Mirrors tokio-console's `term.rs` (a guard whose `Drop` runs the
//! clean-up) and oha's `IntoRawMode`: raw mode, the alternate screen and
//! mouse capture are turned on by [`init`] and turned off when the returned
//! [`TerminalGuard`] is dropped, whether the TUI quit, returned an error or
//! unwound from a panic. A panic hook restores the terminal *before* the
//! panic message is printed, or the message would be lost on the alternate
//! screen and the shell left in raw mode. With `--tui` the daemon shares the
//! process: a panic in one of its handlers (on another thread, turned into a
//! 500 by the server) must neither restore the terminal under the running
//! TUI nor print over it, so it goes to the log.
//!
//! The TUI must run on the thread that called [`init`] (the run loop is
//! `block_on`'d there, never spawned), which is how the hook tells its own
//! panics from the daemon's.

use std::io::{self, Stdout};
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, Once};
use std::thread::ThreadId;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Owns the terminal while the TUI runs; restores it when dropped.
pub struct TerminalGuard {
    terminal: Term,
}

impl Deref for TerminalGuard {
    type Target = Term;
    fn deref(&self) -> &Term {
        &self.terminal
    }
}

impl DerefMut for TerminalGuard {
    fn deref_mut(&mut self) -> &mut Term {
        &mut self.terminal
    }
}

/// Undo everything [`init`] did. Safe to call twice (the panic hook and the
/// guard may both run it).
pub fn restore() -> io::Result<()> {
    let r1 = disable_raw_mode();
    let r2 = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    r1.and(r2)
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        set_tui_thread(None);
        if let Err(e) = restore() {
            eprintln!("mini-dockerd tui: could not restore the terminal: {e}");
        }
    }
}

static HOOK: Once = Once::new();
/// The thread the TUI draws from, while it owns the terminal.
static TUI_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);

fn tui_thread() -> Option<ThreadId> {
    *TUI_THREAD.lock().unwrap_or_else(|e| e.into_inner())
}

fn set_tui_thread(id: Option<ThreadId>) {
    *TUI_THREAD.lock().unwrap_or_else(|e| e.into_inner()) = id;
}

/// What the panic hook does for a panic on `current` while the TUI runs on
/// `tui` (if it runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanicAction {
    /// Restore the terminal, then print the panic as usual: the TUI itself
    /// is going down (or no TUI runs).
    RestoreAndPrint,
    /// Another thread of the same process (a handler in the in-process
    /// daemon, which the server turns into a 500 and survives): keep the
    /// screen, and send the message to the log instead of over the TUI.
    Log,
}

pub fn panic_action(tui: Option<ThreadId>, current: ThreadId) -> PanicAction {
    match tui {
        Some(t) if t != current => PanicAction::Log,
        _ => PanicAction::RestoreAndPrint,
    }
}

/// Restore the terminal first, then let the previous hook print the panic;
/// see [`PanicAction`] for panics on other threads.
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            match panic_action(tui_thread(), std::thread::current().id()) {
                PanicAction::RestoreAndPrint => {
                    let _ = restore();
                    previous(info);
                }
                PanicAction::Log => tracing::error!("panic while the TUI runs: {info}"),
            }
        }));
    });
}

/// Raw mode, alternate screen, mouse capture; a guard that undoes them.
pub fn init() -> io::Result<TerminalGuard> {
    install_panic_hook();
    enable_raw_mode()?;
    // From here on, an error must still restore what was turned on.
    let setup = || -> io::Result<Term> {
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            Clear(ClearType::All)
        )?;
        // Not `Terminal::clear`: it first asks the terminal where the
        // cursor is and waits two seconds for the answer, and a terminal
        // that never answers (`script`, a serial console) then stopped
        // the TUI, and with it the daemon. The alternate screen was just
        // cleared above, and ratatui draws all of it the first time.
        let mut t = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        t.hide_cursor()?;
        Ok(t)
    };
    match setup() {
        Ok(terminal) => {
            set_tui_thread(Some(std::thread::current().id()));
            Ok(TerminalGuard { terminal })
        }
        Err(e) => {
            let _ = restore();
            Err(e)
        }
    }
}
