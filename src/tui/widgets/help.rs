//! The help overlay (`?`): every key, drawn over the panes.
//!
//! Follows the ratatui pattern for popups (`Clear` then a bordered block in
//! a centred rectangle). moby has nothing like it; the keys are this TUI's.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

use super::flow::stage_color;
use crate::trace::Stage;
use crate::tui::ui::pane_block;

/// The keys, as (key, what it does). Kept next to the overlay so the two
/// cannot drift apart; `input.rs` is the source of truth for the mapping.
pub const KEYS: &[(&str, &str)] = &[
    ("q / Ctrl-C", "quit"),
    ("?", "this help"),
    ("↑↓ j k", "move in the focused pane"),
    ("PgUp PgDn g G", "page, top, bottom (G follows)"),
    ("Tab / S-Tab", "next / previous pane"),
    ("Enter", "zoom: a request's flow full screen"),
    ("Esc", "back"),
    ("/", "filter: method path status route container"),
    ("space", "pause / resume the live feed"),
    ("c", "clear requests and records"),
    ("p", "play the flow stage by stage"),
    ("n .", "step one stage"),
    ("+ -", "animation faster / slower"),
    ("< >", "replay slower / faster"),
    ("e", "export request: JSON + Mermaid"),
    ("mouse", "click to select, wheel to scroll"),
];

/// The stages, in the order a request meets them, for the colour legend.
const STAGES: [Stage; 9] = [
    Stage::Listener,
    Stage::Request,
    Stage::Mux,
    Stage::Middleware,
    Stage::Handler,
    Stage::Backend,
    Stage::Runtime,
    Stage::Response,
    Stage::Upgrade,
];

pub fn render(area: Rect, buf: &mut Buffer) {
    let w = 62.min(area.width);
    let h = (KEYS.len() as u16 + 5).min(area.height);
    let [v] = Layout::vertical([Constraint::Length(h)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(w)])
        .flex(Flex::Center)
        .areas(v);
    Clear.render(popup, buf);
    let lines: Vec<Line> = KEYS
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(
                    format!(" {k:<14}"),
                    Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
                ),
                Span::raw(*what),
            ])
        })
        .collect();
    let mut lines = lines;
    lines.push(Line::from(""));
    // The colours the flow and records panes give each stage, in two rows
    // so they fit 80 columns.
    for row in STAGES.chunks(5) {
        let mut legend = vec![Span::raw(" ")];
        for st in row {
            legend.push(Span::styled(st.as_str(), Style::new().fg(stage_color(*st))));
            legend.push(Span::raw(" "));
        }
        lines.push(Line::from(legend));
    }
    Paragraph::new(lines)
        .block(pane_block("Keys".into(), true))
        .render(popup, buf);
}
