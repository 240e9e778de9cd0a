//! The listeners pane: each listener (`-H unix://…`, `tcp://…`) and its
//! connections, open ones first, with the bytes each way.
//!
//! Shows the stage of moby's `daemon/listeners` (`listeners_linux.go`
//! `Init`) and `api/server/server.go` `Accept`/`serveAPI`: one HTTP server
//! per listener, one goroutine (here a task) per connection.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::ellipsize;
use crate::tui::app::App;
use crate::tui::ui::{fmt_bytes, pane_block};

pub fn render(app: &App, area: Rect, buf: &mut Buffer, focused: bool) {
    let block = pane_block("Listeners".into(), focused);
    let inner = block.inner(area);
    block.render(area, buf);
    let width = inner.width as usize;
    let mut lines = Vec::new();
    for l in app.listeners() {
        lines.push(Line::from(vec![
            Span::styled(
                ellipsize(&l.addr, width.saturating_sub(18)),
                Style::new().fg(Color::Blue),
            ),
            Span::raw(format!("  open {} / {}", l.open, l.accepted)),
        ]));
        let mut conns: Vec<_> = app.conns().filter(|c| c.listener == l.addr).collect();
        // Open connections first, newest first.
        conns.sort_by_key(|c| (!c.open, std::cmp::Reverse(c.id)));
        for c in conns {
            let state = if c.open { "open  " } else { "closed" };
            let style = if c.open {
                Style::new().fg(Color::White)
            } else {
                Style::new().fg(Color::DarkGray)
            };
            let bytes = if c.open {
                String::new()
            } else {
                format!(" ↑{} ↓{}", fmt_bytes(c.bytes_in), fmt_bytes(c.bytes_out))
            };
            lines.push(Line::from(Span::styled(
                ellipsize(
                    &format!("  #{:<4} {state} {} req{bytes}", c.id, c.requests),
                    width,
                ),
                style,
            )));
        }
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "no connection yet",
            Style::new().fg(Color::DarkGray),
        )));
    }
    Paragraph::new(lines).render(inner, buf);
}
