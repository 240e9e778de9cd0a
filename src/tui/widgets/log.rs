//! The records pane: the raw trace records, newest at the bottom, each with
//! its fields, as `--trace-json` writes them.
//!
//! This is the stream every other pane is built from (tokio-console shows
//! the same kind of raw view of its wire data). moby's nearest equivalent
//! is dockerd's debug log (`api/server/middleware/debug.go` and logrus).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::ellipsize;
use super::flow::stage_color;
use crate::trace::{Phase, TraceRecord};
use crate::tui::app::{value_text, App};
use crate::tui::ui::{fmt_time, pane_block};

/// One record as a line of text.
pub fn record_text(r: &TraceRecord) -> String {
    let phase = match r.phase {
        Phase::Enter => ">",
        Phase::Exit => "<",
        Phase::Event => "·",
    };
    let mut s = format!(
        "{:>5} r{:<3} {:<10} {phase} {}",
        r.seq,
        r.req,
        r.stage.as_str(),
        r.name
    );
    if let Some(d) = r.dur_us {
        s.push_str(&format!(" dur_us={d}"));
    }
    for (k, v) in &r.fields {
        let t = value_text(v);
        s.push_str(&format!(" {k}={}", ellipsize(&t, 60)));
    }
    s
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer, focused: bool) {
    let log = app.log();
    let title = if app.log_scroll() > 0 {
        format!("Records {} (scrolled back {})", log.len(), app.log_scroll())
    } else {
        format!("Records {}", log.len())
    };
    let block = pane_block(title, focused);
    let inner = block.inner(area);
    block.render(area, buf);
    let room = inner.height as usize;
    let width = inner.width as usize;
    let end = log.len().saturating_sub(app.log_scroll());
    let start = end.saturating_sub(room);
    let wide = width >= 100;
    // The selected request's records stand out from the rest of the stream.
    let selected = app.selected_id();
    let lines: Vec<Line> = log
        .iter()
        .skip(start)
        .take(end - start)
        .map(|r| {
            let time = if wide {
                format!("{} ", fmt_time(r.ts_ns))
            } else {
                String::new()
            };
            Line::from(vec![
                Span::styled(time, Style::new().fg(Color::DarkGray)),
                Span::styled(
                    ellipsize(
                        &record_text(r),
                        width.saturating_sub(if wide { 13 } else { 0 }),
                    ),
                    if selected.is_some_and(|id| id == r.req) {
                        Style::new()
                            .fg(stage_color(r.stage))
                            .add_modifier(Modifier::BOLD)
                    } else {
                        Style::new().fg(stage_color(r.stage))
                    },
                ),
            ])
        })
        .collect();
    Paragraph::new(lines).render(inner, buf);
}
