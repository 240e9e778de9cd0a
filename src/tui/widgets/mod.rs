//! The panes, one file each (tokio-console keeps one file per view the
//! same way). Each is a plain `render(&App, Rect, &mut Buffer, focused)`:
//! they read the model and draw, nothing else.
//!
//! Lesson: `walkthroughs/11-tracing-and-the-tui.md`.

pub mod containers;
pub mod flow;
pub mod help;
pub mod listeners;
pub mod log;
pub mod mux;
pub mod requests;

/// Cut `s` to at most `max` characters, marking the cut with `…`.
pub fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}
