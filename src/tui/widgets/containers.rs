//! The containers pane: the containers the backend records mention, with
//! their last known state.
//!
//! Shows the stage of moby's `daemon/` package (`create.go`, `start.go`,
//! `monitor.go`'s die handling, `delete.go`) as seen from the trace: there
//! is no container list call behind it, only what the records said, so a
//! container created before the TUI started appears when it is next touched.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::ellipsize;
use crate::tui::app::App;
use crate::tui::ui::pane_block;

pub fn state_color(state: &str) -> Color {
    match state {
        "running" => Color::Green,
        "created" => Color::Cyan,
        "paused" => Color::Yellow,
        "exited" => Color::DarkGray,
        "removed" => Color::Red,
        _ => Color::White,
    }
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer, focused: bool) {
    let block = pane_block("Containers".into(), focused);
    let inner = block.inner(area);
    block.render(area, buf);
    let width = inner.width as usize;
    let mut cs: Vec<_> = app.containers().collect();
    cs.sort_by_key(|c| std::cmp::Reverse(c.last_ns));
    let mut lines: Vec<Line> = cs
        .iter()
        .map(|c| {
            let id: String = c.id.chars().take(12).collect();
            let name = if c.name.is_empty() { "-" } else { &c.name };
            Line::from(vec![
                Span::styled(
                    format!("{:<8}", c.state),
                    Style::new().fg(state_color(&c.state)),
                ),
                Span::raw(ellipsize(
                    &format!("{id} {name} {} ({})", c.image, c.last_action),
                    width.saturating_sub(8),
                )),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "no container seen yet",
            Style::new().fg(Color::DarkGray),
        )));
    }
    Paragraph::new(lines).render(inner, buf);
}
