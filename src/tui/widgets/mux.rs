//! The mux pane: the route table as registered, and how the selected
//! request was matched against it.
//!
//! Mirrors what moby's `api/server/server.go` `createMux` builds with
//! gorilla/mux (our `src/server/mux.rs`): every route twice, under
//! `/v{version:[0-9.]+}` and without it, then the debug routes and the
//! versioned catch-all. Routes are tried in registration order; for each
//! route tried before the winner the pane shows why it failed (path,
//! method, version prefix: the mux's `misses` string, one byte per route),
//! then the match with its variables, or for a 404 which handler answered.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::ellipsize;
use crate::tui::app::{miss_reason, short_ids, App, MuxResult};
use crate::tui::ui::pane_block;

/// How a route fared for the selected request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Tried and failed, with the mux's miss byte.
    Miss(u8),
    Matched,
    NotTried,
}

/// The mark of route `i` for a mux result.
pub fn mark(result: Option<&MuxResult>, i: usize) -> Mark {
    let (misses, matched) = match result {
        Some(MuxResult::Matched { misses, index, .. }) => (misses.as_bytes(), Some(*index)),
        Some(MuxResult::NotFound { misses, .. }) => (misses.as_bytes(), None),
        _ => (&[][..], None),
    };
    if matched == Some(i) {
        Mark::Matched
    } else if let Some(b) = misses.get(i) {
        Mark::Miss(*b)
    } else {
        Mark::NotTried
    }
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer, focused: bool) {
    let routes = app.routes();
    let block = pane_block(format!("Mux {} routes", routes.len()), focused);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 {
        return;
    }
    if routes.is_empty() {
        Paragraph::new("Waiting for the route table (the daemon's `routes` record).")
            .style(Style::new().fg(Color::DarkGray))
            .wrap(Wrap { trim: true })
            .render(inner, buf);
        return;
    }
    let req = app.selected();
    let result = req.and_then(|r| r.mux.as_ref());
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();

    // The summary: how many routes were tried and why they failed.
    let mut focus_row = 0usize;
    match result {
        Some(MuxResult::Matched {
            index,
            template,
            handler,
            vars,
            tried,
            misses,
            ..
        }) => {
            focus_row = *index;
            lines.push(Line::from(vec![
                Span::raw(format!("tried {tried}/{} ", routes.len())),
                Span::styled(miss_counts(misses), Style::new().fg(Color::DarkGray)),
            ]));
            lines.push(Line::from(vec![
                Span::styled(
                    format!("✓ #{index} {template}"),
                    Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
                ),
                Span::raw(format!(" → {handler}")),
            ]));
            let v: Vec<String> = vars
                .iter()
                .map(|(k, v)| format!("{k}={}", short_ids(v)))
                .collect();
            lines.push(Line::from(Span::styled(
                format!(
                    "vars: {}",
                    if v.is_empty() {
                        "(none)".into()
                    } else {
                        v.join(" ")
                    }
                ),
                Style::new().fg(Color::Cyan),
            )));
        }
        Some(MuxResult::NotFound {
            tried,
            misses,
            answered_by,
        }) => {
            focus_row = misses.bytes().position(|b| b == b'm').unwrap_or(0);
            lines.push(Line::from(vec![
                Span::raw(format!("tried {tried}/{} ", routes.len())),
                Span::styled(miss_counts(misses), Style::new().fg(Color::DarkGray)),
            ]));
            lines.push(Line::from(Span::styled(
                format!("✗ no route matched → 404 by {answered_by}"),
                Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            )));
        }
        Some(MuxResult::Redirect { location }) => {
            lines.push(Line::from(Span::styled(
                format!("path not clean → 301 to {location} (no route tried)"),
                Style::new().fg(Color::Cyan),
            )));
        }
        None => lines.push(Line::from(Span::styled(
            match req {
                Some(_) => "the mux has not reported on this request",
                None => "select a request to see how it was matched",
            },
            Style::new().fg(Color::DarkGray),
        ))),
    }

    // The table, scrolled so the match (or the first method mismatch) is
    // on screen, unless the user scrolled it.
    let room = (inner.height as usize).saturating_sub(lines.len());
    let start = match app.mux_scroll() {
        Some(s) => s,
        None => focus_row.saturating_sub(room / 2),
    }
    .min(routes.len().saturating_sub(room.max(1)));
    let tmpl_w = width.saturating_sub(4 + 3 + 8 + 1).min(44);
    for r in routes.iter().skip(start).take(room) {
        let m = mark(result, r.index);
        let (sym, style) = match m {
            Mark::Matched => (
                "✓ ".to_string(),
                Style::new()
                    .fg(Color::Black)
                    .bg(Color::Green)
                    .add_modifier(Modifier::BOLD),
            ),
            Mark::Miss(b'm') => ("✗m".to_string(), Style::new().fg(Color::Yellow)),
            Mark::Miss(b'v') => ("✗v".to_string(), Style::new().fg(Color::DarkGray)),
            Mark::Miss(b) => (format!("✗{}", b as char), Style::new().fg(Color::DarkGray)),
            Mark::NotTried => ("  ".to_string(), Style::new()),
        };
        let text = format!(
            "{:>3} {sym} {:<7} {:<tmpl_w$} {}",
            r.index,
            ellipsize(&r.method, 7),
            ellipsize(&r.template, tmpl_w),
            r.handler
        );
        lines.push(Line::from(Span::styled(ellipsize(&text, width), style)));
    }
    Paragraph::new(lines).render(inner, buf);
}

/// `✗p path 40 · ✗v version prefix 40 · ✗m method 2`: the misses string,
/// counted.
pub fn miss_counts(misses: &str) -> String {
    let mut out = Vec::new();
    for b in [b'p', b'v', b'm'] {
        let n = misses.bytes().filter(|x| *x == b).count();
        if n > 0 {
            // `✗p path 44`: the letter as the rows show it, so the summary
            // doubles as the legend.
            out.push(format!("✗{} {} {n}", b as char, miss_reason(b)));
        }
    }
    out.join(" · ")
}
