//! The flow pane: one request's path through the stages, as a diagram.
//!
//! It shows, top to bottom, what moby's `api/server` does with a request:
//! the listener that accepted the connection (`daemon/listeners`), the
//! request head, the mux's choice (`createMux`, gorilla/mux), each
//! middleware wrapping the next (`api/server/middleware/*.go`, nested the
//! way `handlerWithGlobalMiddlewares` nests them), the router's handler
//! (`api/server/router/*/*_routes.go`), the backend and runtime calls it
//! made (`daemon/*.go`), and the response. Each stage has its time; the
//! stage where an error stopped the request is marked.
//!
//! tokio-console's task detail view is the nearest relative. The play/step
//! animation is for presenting: `p` reveals one stage at a time.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::ellipsize;
use crate::trace::Stage;
use crate::tui::app::{short_ids, App, FlowStep};
use crate::tui::ui::{fmt_bytes, fmt_us, outcome_color, pane_block};

/// A colour per stage, the same everywhere (flow, log, exports' legend).
pub fn stage_color(s: Stage) -> Color {
    match s {
        Stage::Daemon => Color::Gray,
        Stage::Listener => Color::Blue,
        Stage::Request => Color::White,
        Stage::Middleware => Color::Magenta,
        Stage::Mux => Color::Cyan,
        Stage::Handler => Color::Green,
        Stage::Job => Color::Gray,
        Stage::Backend => Color::Yellow,
        Stage::Runtime => Color::LightRed,
        Stage::Response => Color::Blue,
        Stage::Upgrade => Color::LightMagenta,
    }
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer, focused: bool) {
    let Some(req) = app.selected() else {
        // Before the first request: tell the room how to reach the daemon.
        let block = pane_block("Flow".into(), focused);
        let mut lines = vec![Line::from(Span::styled(
            "No request yet. Run a docker command against this daemon:",
            Style::new().fg(Color::DarkGray),
        ))];
        for l in app.listeners() {
            lines.push(Line::from(Span::styled(
                format!("  export DOCKER_HOST={}", l.addr),
                Style::new().fg(Color::Yellow),
            )));
        }
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block)
            .render(area, buf);
        return;
    };
    let steps = app.flow_steps(req);
    let play = app.play();
    let shown = play.shown.unwrap_or(steps.len()).min(steps.len());
    let anim = match (play.shown, play.playing) {
        (_, true) => format!(
            " ▶ {shown}/{} {}/stage",
            steps.len(),
            fmt_us(play.interval().as_micros() as u64)
        ),
        (Some(_), false) => format!(
            " ⏸ {shown}/{} {}/stage",
            steps.len(),
            fmt_us(play.interval().as_micros() as u64)
        ),
        (None, false) => String::new(),
    };
    let block = pane_block(format!("Flow #{}{anim}", req.id), focused);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let width = inner.width as usize;

    // Summary line: what was asked and how it ended.
    let color = outcome_color(req.outcome());
    let end = match (req.status, req.ended) {
        (Some(s), true) => format!("{s} in {}", fmt_us(req.elapsed_us(app.now_ns()))),
        (Some(s), false) if req.upgraded => format!(
            "{s} hijacked, open ↑{} ↓{}",
            fmt_bytes(req.bytes_in),
            fmt_bytes(req.bytes_out)
        ),
        (Some(s), false) => format!("{s} streaming, {}", fmt_bytes(req.bytes_out)),
        (None, _) => "in progress".into(),
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("{} ", req.method),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::raw(ellipsize(
            &short_ids(&req.uri),
            width.saturating_sub(end.len() + 12),
        )),
        Span::styled(format!("  → {end}"), Style::new().fg(color)),
    ])];

    // The whole request's time, for the waterfall bars.
    let total_us = req.elapsed_us(app.now_ns());
    let mut body = Vec::new();
    for (i, s) in steps.iter().take(shown).enumerate() {
        let current = play.shown.is_some() && i + 1 == shown;
        body.push(step_line(s, width, current, total_us));
        if let Some(e) = &s.error {
            // The whole message, wrapped: it is dockerd's text, and the
            // point of the pane is to read it.
            let indent = "  ".repeat(s.depth + 1);
            let text = format!("✗ stopped here: {e}");
            let room = width.saturating_sub(indent.chars().count() + 2).max(20);
            for chunk in wrap_words(&text, room) {
                body.push(Line::from(Span::styled(
                    format!("{indent}  {chunk}"),
                    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                )));
            }
        }
    }
    // While animating, keep the newest revealed stage on screen; otherwise
    // start at the top (the listener). On a short screen, stepping (`n`)
    // walks down to the stages that did not fit.
    let room = (inner.height as usize).saturating_sub(1);
    let skip = if play.shown.is_some() {
        body.len().saturating_sub(room)
    } else {
        0
    };
    lines.extend(body.into_iter().skip(skip));
    Paragraph::new(lines).render(inner, buf);
}

fn step_line(s: &FlowStep, width: usize, current: bool, total_us: u64) -> Line<'static> {
    let indent = "│ ".repeat(s.depth);
    let marker = if s.open { "◌ " } else { "● " };
    let time = match s.dur_us {
        Some(d) => fmt_us(d),
        None if s.open => "open".into(),
        None => format!("@{}", fmt_us(s.at_us)),
    };
    // A wide screen has room for whole names even five levels deep.
    let base: usize = if width >= 120 { 38 } else { 26 };
    let name_w = base.saturating_sub(indent.chars().count()).max(15);
    // A hijacked stream carries its handler's name; the arrows say it is
    // the upgraded connection, not the handler again.
    let label = if s.stage == Stage::Upgrade
        && s.name.starts_with(|c: char| c.is_lowercase())
        && s.name != "hijacked"
    {
        format!("⇅ {}", s.name)
    } else {
        s.name.clone()
    };
    let name = format!("{:<name_w$}", ellipsize(&label, name_w));
    // Right-aligned in a fixed column, so the bars line up.
    let time = format!("{time:>7}");
    let bar = if width >= 120 {
        format!(" {}", waterfall(s, total_us, WATERFALL_WIDTH))
    } else {
        String::new()
    };
    let fixed = indent.chars().count()
        + 2
        + name.chars().count()
        + 1
        + bar.chars().count()
        + time.chars().count()
        + 1;
    let detail = ellipsize(&short_ids(&s.detail), width.saturating_sub(fixed));
    let pad = width.saturating_sub(fixed + detail.chars().count());
    let color = stage_color(s.stage);
    let mut style = Style::new().fg(color).add_modifier(Modifier::BOLD);
    if current {
        style = style.add_modifier(Modifier::REVERSED);
    }
    let time_style = if s.dur_us.is_some() {
        Style::new().fg(Color::White)
    } else {
        Style::new().fg(Color::DarkGray)
    };
    Line::from(vec![
        Span::styled(indent, Style::new().fg(Color::DarkGray)),
        Span::styled(marker, Style::new().fg(color)),
        Span::styled(name, style),
        Span::raw(" "),
        Span::styled(detail, Style::new().fg(Color::Gray)),
        Span::raw(" ".repeat(pad)),
        Span::styled(bar, Style::new().fg(color)),
        Span::styled(format!(" {time}"), time_style),
    ])
}

/// Columns of the waterfall bar on a wide screen.
pub const WATERFALL_WIDTH: usize = 24;

/// A browser-devtools style waterfall: where in the request's time a stage
/// started and how long it took, `width` columns for the whole request.
/// A stage with no duration (an event) is a tick at its moment.
pub fn waterfall(s: &FlowStep, total_us: u64, width: usize) -> String {
    if total_us == 0 || width == 0 {
        return " ".repeat(width);
    }
    let col =
        |us: u64| ((us as u128 * width as u128) / total_us as u128).min(width as u128 - 1) as usize;
    let start = col(s.at_us);
    let mut cells = vec!['·'; width];
    match s.dur_us {
        Some(d) => {
            let end = col(s.at_us.saturating_add(d)).max(start);
            for c in &mut cells[start..=end] {
                *c = '█';
            }
        }
        None => cells[start] = '▏',
    }
    cells.into_iter().collect()
}

/// Split `text` into lines of at most `width` characters, at spaces where
/// it can.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        let wlen = word.chars().count();
        let clen = cur.chars().count();
        if clen > 0 && clen + 1 + wlen > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
        // A word longer than a line is cut.
        while cur.chars().count() > width {
            let head: String = cur.chars().take(width).collect();
            let tail: String = cur.chars().skip(width).collect();
            lines.push(head);
            cur = tail;
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}
