//! Terminal set-up and, above all, restoring it on every way out.
//!
//! Mirrors tokio-console's `term.rs` (a guard whose `Drop` runs the
//! clean-up) and oha's `IntoRawMode`: raw mode, the alternate screen and
//! mouse capture are turned on by [`init`] and turned off when the returned
//! [`TerminalGuard`] is dropped, whether the TUI quit, returned an error or
//! unwound from a panic. A panic hook restores the terminal *before* the
//! panic message is printed, or the message would be lost on the alternate
//! screen and the shell left in raw mode.

use std::io::{self, Stdout};
use std::ops::{Deref, DerefMut};
use std::sync::Once;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
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
        if let Err(e) = restore() {
            eprintln!("mini-dockerd tui: could not restore the terminal: {e}");
        }
    }
}

static HOOK: Once = Once::new();

/// Restore the terminal first, then let the previous hook print the panic.
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = restore();
            previous(info);
        }));
    });
}

/// Raw mode, alternate screen, mouse capture; a guard that undoes them.
pub fn init() -> io::Result<TerminalGuard> {
    install_panic_hook();
    enable_raw_mode()?;
    // From here on, an error must still restore what was turned on.
    let setup = || -> io::Result<Term> {
        execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture)?;
        let mut t = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        t.hide_cursor()?;
        t.clear()?;
        Ok(t)
    };
    match setup() {
        Ok(terminal) => Ok(TerminalGuard { terminal }),
        Err(e) => {
            let _ = restore();
            Err(e)
        }
    }
}
