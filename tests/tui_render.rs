//! Rendering: the model drawn into ratatui's `TestBackend` at a small
//! (80x24, a laptop split) and a large (160x48) size, compared with insta
//! snapshots in tests/snapshots/. Every state is built from the fixed
//! recorded session, so the snapshots are the same on every run. To review
//! a change: `cargo insta review`, or read the `.snap.new` files.

mod tui_support;

use mini_dockerd::tui::app::{App, Message};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tui_support::*;

fn draw(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    t
}

/// A model with the whole session, sized, with `msgs` applied.
fn state(w: u16, h: u16, msgs: Vec<Message>) -> App {
    let mut app = app_full();
    app.update(Message::Resize(w, h));
    app.update(Message::Source("replay docker-run-busybox.jsonl".into()));
    for m in msgs {
        app.update(m);
    }
    app
}

/// 80x24, following the feed: the requests table (method, path, status,
/// duration, bytes; the attach shows ↑↓ bytes) over the flow of the newest
/// request, the 404, whose mux found no route.
#[test]
fn small_requests_and_flow() {
    let app = state(80, 24, vec![]);
    insta::assert_snapshot!(draw(&app, 80, 24).backend());
}

/// 80x24 with `docker create` selected: the flow pane shows the
/// middlewares nested (Authz → Version → Experimental), the handler
/// `postContainersCreate` and the backend `Daemon.ContainerCreate` inside.
#[test]
fn small_flow_of_create() {
    let mut app = state(80, 24, vec![]);
    app.select(2);
    insta::assert_snapshot!(draw(&app, 80, 24).backend());
}

/// 80x24, Tab to the mux pane for `docker create`: the routes tried before
/// the match, marked with why they failed, and the match with its vars.
#[test]
fn small_mux_of_create() {
    let mut app = state(80, 24, vec![Message::NextPane, Message::NextPane]);
    app.select(2);
    insta::assert_snapshot!(draw(&app, 80, 24).backend());
}

/// 80x24, mux pane for the 404: no route matched, answered by gorilla's
/// MethodNotAllowedHandler because the OPTIONS catch-all matched the path.
#[test]
fn small_mux_of_404() {
    let app = state(80, 24, vec![Message::NextPane, Message::NextPane]);
    insta::assert_snapshot!(draw(&app, 80, 24).backend());
}

/// 80x24, the listeners pane: connections with their byte counts.
#[test]
fn small_listeners() {
    let app = state(80, 24, vec![Message::NextPane; 3]);
    insta::assert_snapshot!(draw(&app, 80, 24).backend());
}

/// 80x24, the containers pane mid-session (seq 87): the busybox container
/// running.
#[test]
fn small_containers_running() {
    let mut app = app_upto(87);
    app.update(Message::Resize(80, 24));
    for _ in 0..4 {
        app.update(Message::NextPane);
    }
    insta::assert_snapshot!(draw(&app, 80, 24).backend());
}

/// 80x24, the raw records pane: the newest records with their fields.
#[test]
fn small_records_log() {
    let app = state(80, 24, vec![Message::NextPane; 5]);
    insta::assert_snapshot!(draw(&app, 80, 24).backend());
}

/// 80x24, the help overlay over the panes.
#[test]
fn small_help() {
    let app = state(80, 24, vec![Message::ToggleHelp]);
    insta::assert_snapshot!(draw(&app, 80, 24).backend());
}

/// 160x48: every pane at once, `docker start` selected (runtime steps
/// nested under `Daemon.ContainerStart`).
#[test]
fn large_all_panes() {
    let mut app = state(160, 48, vec![]);
    app.select(5);
    insta::assert_snapshot!(draw(&app, 160, 48).backend());
}

/// 160x48, Enter on the attach: its flow full screen, stepped to the
/// fifth stage (the presenter's `n` key), paused.
#[test]
fn large_zoomed_flow_stepping() {
    let mut app = state(160, 48, vec![]);
    app.select(3);
    for m in [
        Message::Open,
        Message::Step,
        Message::Step,
        Message::Step,
        Message::Step,
        Message::Step,
    ] {
        app.update(m);
    }
    insta::assert_snapshot!(draw(&app, 160, 48).backend());
}

/// 160x48 with a filter (`/4xx`) applied and the feed paused.
#[test]
fn large_filtered_and_paused() {
    let mut app = state(160, 48, vec![]);
    app.update(Message::FilterStart);
    for c in "4xx".chars() {
        app.update(Message::FilterChar(c));
    }
    app.update(Message::FilterApply);
    app.update(Message::TogglePause);
    insta::assert_snapshot!(draw(&app, 160, 48).backend());
}

/// 160x48, the attach zoomed: the handler answers 101 at once and returns;
/// the hijacked stream (⇅, the upgrade stage) outlives it, carrying the
/// container's output until it exits, with the bytes each way.
#[test]
fn large_zoomed_attach_hijack() {
    let mut app = state(160, 48, vec![]);
    app.select(3);
    app.update(Message::Open);
    insta::assert_snapshot!(draw(&app, 160, 48).backend());
}

/// The requests table shows templates without their patterns (the mux
/// pane shows them whole).
#[test]
fn templates_are_compact_in_the_table() {
    use mini_dockerd::tui::widgets::requests::compact_template;
    assert_eq!(
        compact_template("/v{version:[0-9.]+}/containers/{name:.*}/attach"),
        "/v{version}/containers/{name}/attach"
    );
    assert_eq!(compact_template("/_ping"), "/_ping");
    assert_eq!(compact_template("/exec/{id}/json"), "/exec/{id}/json");
}

/// 80x24, before any request: the flow pane says how to point the docker
/// CLI at the daemon (from the daemon's listener records).
#[test]
fn small_waiting_for_the_first_request() {
    let mut app = app_upto(4);
    app.update(Message::Resize(80, 24));
    insta::assert_snapshot!(draw(&app, 80, 24).backend());
}

/// 80x24, from a recording made by mini-dockerd itself: `GET
/// /v1.11/version` rejected by moby's VersionMiddleware (400, "client
/// version 1.11 is too old"); the flow marks where it stopped, and the
/// handler never ran.
#[test]
fn small_flow_of_a_rejected_version() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/mini-dockerd-recorded.jsonl"
    ))
    .unwrap();
    let (records, _) = mini_dockerd::tui::source::parse_lines(&text);
    let mut app = App::new(1000);
    app.update(Message::Records(records));
    app.update(Message::Resize(80, 24));
    insta::assert_snapshot!(draw(&app, 80, 24).backend());
}

/// Error messages in the flow pane wrap at spaces instead of being cut.
#[test]
fn errors_wrap_at_spaces() {
    use mini_dockerd::tui::widgets::flow::wrap_words;
    assert_eq!(
        wrap_words("client version 1.11 is too old", 12),
        vec!["client", "version 1.11", "is too old"]
    );
    assert_eq!(wrap_words("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
}
