//! Input: terminal events to [`Message`]s, with small pure functions.
//!
//! Mirrors tokio-console's `input.rs` (key predicates, and
//! `should_ignore_key_event` for the release events some terminals send).
//! Nothing here touches the model: the model's [`Mode`] says how keys are
//! read (typing a filter reads characters, not commands), and the result is
//! a message for [`App::update`](super::app::App::update), or nothing.

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::app::{Message, Mode};

/// Terminals with the kitty protocol (and Windows) report key releases as
/// well as presses; acting on both would double every key.
pub fn should_ignore_key_event(ev: &Event) -> bool {
    matches!(ev, Event::Key(k) if k.kind == KeyEventKind::Release)
}

/// The message for one terminal event in the given mode.
pub fn message(ev: &Event, mode: Mode) -> Option<Message> {
    if should_ignore_key_event(ev) {
        return None;
    }
    match ev {
        Event::Key(k) => key(k, mode),
        Event::Mouse(m) => mouse(m),
        Event::Resize(w, h) => Some(Message::Resize(*w, *h)),
        _ => None,
    }
}

fn is_ctrl_c(k: &KeyEvent) -> bool {
    k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c')
}

/// Keys, by mode.
pub fn key(k: &KeyEvent, mode: Mode) -> Option<Message> {
    if is_ctrl_c(k) {
        return Some(Message::Quit);
    }
    match mode {
        Mode::Filter => filter_key(k),
        Mode::Help => match k.code {
            KeyCode::Char('q') | KeyCode::Char('?') | KeyCode::Esc | KeyCode::Enter => {
                Some(Message::ToggleHelp)
            }
            _ => None,
        },
        Mode::Normal | Mode::Zoom => command_key(k, mode),
    }
}

fn filter_key(k: &KeyEvent) -> Option<Message> {
    match k.code {
        KeyCode::Enter => Some(Message::FilterApply),
        KeyCode::Esc => Some(Message::FilterCancel),
        KeyCode::Backspace => Some(Message::FilterBackspace),
        KeyCode::Char(c) => Some(Message::FilterChar(c)),
        _ => None,
    }
}

fn command_key(k: &KeyEvent, mode: Mode) -> Option<Message> {
    Some(match k.code {
        KeyCode::Char('q') => Message::Quit,
        KeyCode::Char('?') => Message::ToggleHelp,
        KeyCode::Up | KeyCode::Char('k') => Message::Up,
        KeyCode::Down | KeyCode::Char('j') => Message::Down,
        KeyCode::PageUp => Message::PageUp,
        KeyCode::PageDown => Message::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Message::Home,
        KeyCode::End | KeyCode::Char('G') => Message::End,
        KeyCode::Tab => Message::NextPane,
        KeyCode::BackTab => Message::PrevPane,
        KeyCode::Enter => Message::Open,
        KeyCode::Esc if mode == Mode::Zoom => Message::Back,
        KeyCode::Char('/') => Message::FilterStart,
        KeyCode::Char(' ') => Message::TogglePause,
        KeyCode::Char('c') => Message::Clear,
        KeyCode::Char('p') => Message::Play,
        KeyCode::Char('n') | KeyCode::Char('.') => Message::Step,
        KeyCode::Char('+') | KeyCode::Char('=') => Message::SpeedUp,
        KeyCode::Char('-') => Message::SpeedDown,
        KeyCode::Char('>') => Message::ReplayFaster,
        KeyCode::Char('<') => Message::ReplaySlower,
        KeyCode::Char('e') => Message::Export,
        _ => return None,
    })
}

/// Mouse: a left click selects, the wheel scrolls the pane under it.
pub fn mouse(m: &MouseEvent) -> Option<Message> {
    let (column, row) = (m.column, m.row);
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => Some(Message::Click { column, row }),
        MouseEventKind::ScrollUp => Some(Message::ScrollUp { column, row }),
        MouseEventKind::ScrollDown => Some(Message::ScrollDown { column, row }),
        _ => None,
    }
}
