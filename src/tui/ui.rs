//! The view: `impl Widget for &App`, splitting the screen into panes.
//!
//! This is the "View" of the model/update/view split (ratatui's demo2
//! `impl Widget for &App`; tokio-console's `view/` module): it reads the
//! model and draws, and never changes anything. The layout is a pure
//! function, [`layout`], so the model can map a mouse click to the pane
//! and row under it with the same arithmetic the drawing used.
//!
//! moby has no TUI; the panes show moby's `api/server` stages: the
//! requests table is what `daemon/listeners` + `api/server/server.go`
//! served, the flow pane one request's path through the middleware chain,
//! the router's handler and the `daemon/` backend, the mux pane gorilla/mux's
//! route table as `createMux` registered it.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Widget};

use super::app::{App, Mode, Outcome, Pane};
use super::widgets;

/// Below this size the screen shows the requests table and one other pane
/// (the focused one); at or above it, all panes at once.
pub const WIDE: (u16, u16) = (140, 40);

/// Where each pane goes; `None` for panes not on screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    pub requests: Option<Rect>,
    pub flow: Option<Rect>,
    pub mux: Option<Rect>,
    pub listeners: Option<Rect>,
    pub containers: Option<Rect>,
    pub log: Option<Rect>,
    pub footer: Rect,
}

impl Areas {
    /// The panes on screen with their areas.
    pub fn panes(&self) -> Vec<(Pane, Rect)> {
        [
            (Pane::Requests, self.requests),
            (Pane::Flow, self.flow),
            (Pane::Mux, self.mux),
            (Pane::Listeners, self.listeners),
            (Pane::Containers, self.containers),
            (Pane::Log, self.log),
        ]
        .into_iter()
        .filter_map(|(p, a)| a.map(|a| (p, a)))
        .collect()
    }

    fn set(&mut self, pane: Pane, area: Rect) {
        let slot = match pane {
            Pane::Requests => &mut self.requests,
            Pane::Flow => &mut self.flow,
            Pane::Mux => &mut self.mux,
            Pane::Listeners => &mut self.listeners,
            Pane::Containers => &mut self.containers,
            Pane::Log => &mut self.log,
        };
        *slot = Some(area);
    }
}

/// Split `area` into panes for the model's mode, focus and size.
pub fn layout(area: Rect, app: &App) -> Areas {
    let [body, footer] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let mut a = Areas {
        footer,
        ..Default::default()
    };
    if app.mode() == Mode::Zoom {
        // Enter on a request opens its flow full screen; on another pane,
        // that pane.
        let pane = match app.focus() {
            Pane::Requests => Pane::Flow,
            p => p,
        };
        a.set(pane, body);
        return a;
    }
    if area.width >= WIDE.0 && area.height >= WIDE.1 {
        // Large screen: the requests table across the top (wide enough for
        // the route and handler columns), the flow of the selected request
        // below it, and the mux, listeners, containers and records beside
        // the flow.
        let [req, rest] =
            Layout::vertical([Constraint::Percentage(36), Constraint::Percentage(64)]).areas(body);
        let [flow, right] =
            Layout::horizontal([Constraint::Percentage(56), Constraint::Percentage(44)])
                .areas(rest);
        let [mux, ctx, log] = Layout::vertical([
            Constraint::Percentage(50),
            Constraint::Percentage(22),
            Constraint::Percentage(28),
        ])
        .areas(right);
        let [lis, cont] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(ctx);
        a.requests = Some(req);
        a.flow = Some(flow);
        a.mux = Some(mux);
        a.listeners = Some(lis);
        a.containers = Some(cont);
        a.log = Some(log);
    } else {
        // Small screen: the requests table on top, the focused pane (or the
        // last one focused) below it.
        let top = (body.height * 2 / 5).max(5).min(body.height);
        let [req, rest] =
            Layout::vertical([Constraint::Length(top), Constraint::Min(0)]).areas(body);
        a.requests = Some(req);
        if rest.height > 0 {
            a.set(app.detail_pane(), rest);
        }
    }
    a
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let areas = layout(area, self);
        for (pane, rect) in areas.panes() {
            let focused = self.focus() == pane
                || (pane == Pane::Flow
                    && self.focus() == Pane::Requests
                    && self.mode() == Mode::Zoom);
            match pane {
                Pane::Requests => widgets::requests::render(self, rect, buf, focused),
                Pane::Flow => widgets::flow::render(self, rect, buf, focused),
                Pane::Mux => widgets::mux::render(self, rect, buf, focused),
                Pane::Listeners => widgets::listeners::render(self, rect, buf, focused),
                Pane::Containers => widgets::containers::render(self, rect, buf, focused),
                Pane::Log => widgets::log::render(self, rect, buf, focused),
            }
        }
        footer(self, areas.footer, buf);
        if self.mode() == Mode::Help {
            widgets::help::render(area, buf);
        }
    }
}

/// A pane's frame: rounded borders, bold title when focused.
pub fn pane_block(title: String, focused: bool) -> Block<'static> {
    let style = if focused {
        Style::new().fg(Color::White).add_modifier(Modifier::BOLD)
    } else {
        Style::new().fg(Color::DarkGray)
    };
    Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(style)
        .title(Span::styled(format!(" {title} "), style))
}

/// The colour of an outcome: 2xx green, 3xx cyan, 4xx yellow, 5xx red,
/// still open blue.
pub fn outcome_color(o: Outcome) -> Color {
    match o {
        Outcome::Open => Color::Blue,
        Outcome::Informational => Color::Magenta,
        Outcome::Success => Color::Green,
        Outcome::Redirect => Color::Cyan,
        Outcome::ClientError => Color::Yellow,
        Outcome::ServerError => Color::Red,
    }
}

/// Microseconds, short and human: `850µs`, `12.3ms`, `4.1s`.
pub fn fmt_us(us: u64) -> String {
    if us < 1000 {
        format!("{us}µs")
    } else if us < 1_000_000 {
        format!("{:.1}ms", us as f64 / 1000.0)
    } else {
        format!("{:.1}s", us as f64 / 1_000_000.0)
    }
}

/// Bytes, short: `512B`, `1.2K`, `3.4M`.
pub fn fmt_bytes(b: u64) -> String {
    if b < 1024 {
        format!("{b}B")
    } else if b < 1024 * 1024 {
        format!("{:.1}K", b as f64 / 1024.0)
    } else {
        format!("{:.1}M", b as f64 / (1024.0 * 1024.0))
    }
}

/// Wall-clock time of day (UTC) with milliseconds.
pub fn fmt_time(ts_ns: u64) -> String {
    let secs = ts_ns / 1_000_000_000;
    let ms = (ts_ns / 1_000_000) % 1000;
    let day = secs % 86_400;
    format!(
        "{:02}:{:02}:{:02}.{ms:03}",
        day / 3600,
        (day / 60) % 60,
        day % 60
    )
}

fn footer(app: &App, area: Rect, buf: &mut Buffer) {
    let dim = Style::new().fg(Color::DarkGray);
    let mut spans = Vec::new();
    if app.mode() == Mode::Filter {
        spans.push(Span::styled(" filter: ", Style::new().fg(Color::Yellow)));
        spans.push(Span::raw(format!("{}█", app.filter_draft())));
        spans.push(Span::styled("  Enter apply  Esc clear", dim));
        Line::from(spans).render(area, buf);
        return;
    }
    if app.is_paused() {
        spans.push(Span::styled(
            format!(" PAUSED +{} ", app.held()),
            Style::new().fg(Color::Black).bg(Color::Yellow),
        ));
    } else {
        spans.push(Span::styled(
            " LIVE ",
            Style::new().fg(Color::Black).bg(Color::Green),
        ));
    }
    spans.push(Span::raw(format!(" {:.1} req/s", app.throughput())));
    let d = app.drops();
    let dropped = d.reported.max(d.gaps) + d.held_overflow;
    spans.push(Span::styled(
        format!(" │ dropped {dropped}"),
        if dropped > 0 {
            Style::new().fg(Color::Red)
        } else {
            Style::new()
        },
    ));
    if !app.source().is_empty() {
        spans.push(Span::raw(format!(" │ {}", app.source())));
        if app.source().starts_with("replay") {
            spans.push(Span::styled(
                format!(" ×{}", app.replay_speed()),
                Style::new().fg(Color::Magenta),
            ));
        }
    }
    if !app.filter().is_empty() {
        spans.push(Span::styled(
            format!(" │ /{}", app.filter()),
            Style::new().fg(Color::Yellow),
        ));
    }
    if !app.status().is_empty() {
        spans.push(Span::styled(
            format!(" │ {}", app.status()),
            Style::new().fg(Color::Cyan),
        ));
    }
    spans.push(Span::styled(
        " │ ?help q quit Tab pane ⏎ zoom / filter ␣ pause p play n step e export",
        dim,
    ));
    Line::from(spans).render(area, buf);
}
