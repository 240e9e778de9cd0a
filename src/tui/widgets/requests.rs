//! The requests pane: one row per request, newest at the bottom.
//!
//! This is the table of what moby's `api/server/server.go` served: each row
//! is one request a listener (`daemon/listeners`) accepted, with the route
//! gorilla/mux matched (`createMux`), the handler that ran and how it ended.
//! It plays the part of tokio-console's tasks list. It follows new requests
//! until the user moves the selection, as `tail -f` would.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, StatefulWidget, Table, TableState, Widget};

use crate::tui::app::{short_ids, App, Request};
use crate::tui::ui::{fmt_bytes, fmt_time, fmt_us, outcome_color, pane_block};

/// The first row shown, so that the selected row is on screen: the view
/// scrolls only when the selection would leave it (the selection sits on the
/// last row while following the feed). The click handler uses the same
/// arithmetic to find the row under the mouse.
pub fn offset(selected: Option<usize>, body_rows: usize) -> usize {
    match selected {
        Some(s) if body_rows > 0 => (s + 1).saturating_sub(body_rows),
        _ => 0,
    }
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer, focused: bool) {
    let visible = app.visible();
    let total = app.requests().len();
    let title = if visible.len() == total {
        format!("Requests {total}")
    } else {
        format!("Requests {}/{total}", visible.len())
    };
    let title = if app.follows() {
        format!("{title} (following)")
    } else {
        title
    };
    let block = pane_block(title, focused);
    let inner = block.inner(area);
    block.render(area, buf);
    let wide = inner.width >= 110;
    let sel_id = app.selected_id();
    let sel = sel_id.and_then(|id| visible.iter().position(|r| r.id == id));
    let body_rows = inner.height.saturating_sub(1) as usize;
    let off = offset(sel, body_rows);

    let mut header = vec!["time", "conn", "method", "path"];
    if wide {
        header.extend(["route", "handler"]);
    }
    header.extend(["st", "dur", "bytes"]);
    let rows = visible
        .iter()
        .skip(off)
        .take(body_rows)
        .map(|r| row(app, r, wide));
    let mut widths = vec![
        Constraint::Length(if wide { 12 } else { 8 }),
        Constraint::Length(if wide { 8 } else { 4 }),
        Constraint::Length(6),
        Constraint::Fill(3),
    ];
    if wide {
        // Templates are shown without their patterns here (the mux pane
        // has them whole); handler names take at most 23 characters
        // (`MethodNotAllowedHandler`).
        widths.extend([Constraint::Fill(3), Constraint::Length(23)]);
    }
    widths.extend([
        Constraint::Length(4),
        Constraint::Length(7),
        Constraint::Length(if wide { 13 } else { 9 }),
    ]);
    let table = Table::new(rows, widths)
        .header(
            Row::new(header.into_iter().map(Cell::from))
                .style(Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)),
        )
        .column_spacing(1)
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    // The rows handed to the table are already the visible slice, so the
    // table's own offset stays 0 and the selection is relative to it.
    let mut state = TableState::default();
    state.select(sel.map(|s| s - off));
    StatefulWidget::render(table, inner, buf, &mut state);
}

fn row<'a>(app: &App, r: &Request, wide: bool) -> Row<'a> {
    let color = outcome_color(r.outcome());
    let time = fmt_time(r.start_ns);
    let time = if wide { time } else { time[..8].to_string() };
    let conn = match app.conn(r.conn) {
        Some(c) if wide => format!("#{} {}", r.conn, c.proto),
        _ => format!("#{}", r.conn),
    };
    let status = match (r.status, r.ended) {
        (Some(s), _) => s.to_string(),
        (None, false) => "…".into(),
        (None, true) => "-".into(),
    };
    let dur = fmt_us(r.elapsed_us(app.now_ns()));
    let dur = if r.ended { dur } else { format!("{dur}+") };
    let bytes = if r.upgraded {
        format!("↑{} ↓{}", fmt_bytes(r.bytes_in), fmt_bytes(r.bytes_out))
    } else {
        fmt_bytes(r.bytes_out)
    };
    let mut cells = vec![
        Cell::from(time).style(Style::new().fg(Color::DarkGray)),
        Cell::from(conn),
        Cell::from(Span::styled(
            r.method.clone(),
            Style::new().add_modifier(Modifier::BOLD),
        )),
        Cell::from(short_ids(&r.path)),
    ];
    if wide {
        cells.push(Cell::from(compact_template(&r.route_label())));
        cells.push(Cell::from(r.handler_label()));
    }
    cells.extend([Cell::from(status), Cell::from(dur), Cell::from(bytes)]);
    Row::new(cells).style(Style::new().fg(color))
}

/// A template without its variables' patterns, for the table:
/// `/v{version:[0-9.]+}/containers/{name:.*}/attach` becomes
/// `/v{version}/containers/{name}/attach`.
pub fn compact_template(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut skipping = false;
    for c in t.chars() {
        match c {
            ':' if out.ends_with(|p: char| p != '}') && in_var(&out) => skipping = true,
            '}' => {
                skipping = false;
                out.push(c);
            }
            _ if skipping => {}
            _ => out.push(c),
        }
    }
    out
}

/// Whether `s` ends inside an open `{`.
fn in_var(s: &str) -> bool {
    s.rfind('{')
        .is_some_and(|o| s.rfind('}').is_none_or(|c| c < o))
}
