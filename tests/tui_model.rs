//! The TUI's model (`App::update`) driven with fixed trace records and key
//! messages, no terminal: how a request's records become a row and a flow,
//! how streams stay open, and how the view's state machines behave.

mod tui_support;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use mini_dockerd::trace::{Phase, Stage};
use mini_dockerd::tui::app::{App, Message, Mode, MuxResult, Outcome, Pane, PLAY_INTERVALS};
use mini_dockerd::tui::input;
use tui_support::*;

/// A request's records (head → mux match → middlewares → handler → backend
/// → response head → response end) make one finished row: the route moby's
/// `createMux` table matched, its handler, status, bytes and duration, and
/// the container the backend created.
#[test]
fn a_request_lifecycle_becomes_one_row() {
    let app = app_full();
    let ids: Vec<u64> = app.requests().iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![1, 2, 3, 4, 5, 6]);
    let create = app.request(2).unwrap();
    assert_eq!(create.method, "POST");
    assert_eq!(create.path, "/v1.41/containers/create");
    assert_eq!(create.status, Some(201));
    assert_eq!(create.outcome(), Outcome::Success);
    assert!(create.ended && create.complete);
    assert_eq!(create.bytes_out, 88);
    assert_eq!(create.dur_us, Some(1330));
    assert_eq!(
        create.route_label(),
        "/v{version:[0-9.]+}/containers/create"
    );
    assert_eq!(create.handler_label(), "postContainersCreate");
    assert_eq!(create.listener, "unix:///run/mini-dockerd/d.sock");
    assert!(create.containers.iter().any(|c| c == CID));
    match &create.mux {
        Some(MuxResult::Matched {
            index,
            vars,
            tried,
            misses,
            ..
        }) => {
            assert_eq!(*index, 22);
            assert_eq!(*tried, 23);
            // One miss byte per route tried before the match.
            assert_eq!(misses.len(), 22);
            assert_eq!(vars, &vec![("version".to_string(), "1.41".to_string())]);
        }
        other => panic!("create should have matched: {other:?}"),
    }
}

/// The flow of `docker create`: listener, request, mux, then the
/// middlewares nested as moby's `handlerWithGlobalMiddlewares` nests them
/// (Authz outermost, Experimental innermost), the handler inside them, the
/// backend call inside the handler, the response last; each timed.
#[test]
fn the_flow_nests_middlewares_handler_and_backend() {
    let app = app_full();
    let steps = app.flow_steps(app.request(2).unwrap());
    let names: Vec<(usize, &str)> = steps.iter().map(|s| (s.depth, s.name.as_str())).collect();
    assert_eq!(
        &names[..9],
        &[
            (0, "unix:///run/mini-dockerd/d.sock"),
            (0, "request"),
            (0, "mux match"),
            (0, "AuthzMiddleware"),
            (1, "VersionMiddleware"),
            (2, "ExperimentalMiddleware"),
            (3, "postContainersCreate"),
            (4, "Daemon.ContainerCreate"),
            (5, "ImageService.GetImage"),
        ]
    );
    let version = steps
        .iter()
        .find(|s| s.name == "VersionMiddleware")
        .unwrap();
    assert!(
        version.detail.contains("api_version=1.41"),
        "{}",
        version.detail
    );
    assert_eq!(version.dur_us, Some(1296));
    assert!(!version.open);
    let backend = steps
        .iter()
        .find(|s| s.name == "Daemon.ContainerCreate")
        .unwrap();
    assert_eq!(backend.dur_us, Some(1290));
    assert_eq!(steps.last().unwrap().name, "response end");
}

/// A hijacked attach (101) and a `wait` are open (blue) while their streams
/// run, even though their response heads are out; the attach ends with its
/// upgrade exit record and reports bytes in each direction.
#[test]
fn hijacked_and_streaming_requests_stay_open_until_they_end() {
    // Up to the start request: attach hijacked, wait waiting.
    let app = app_upto(87);
    let attach = app.request(3).unwrap();
    assert_eq!(attach.status, Some(101));
    assert!(attach.upgraded);
    assert_eq!(attach.outcome(), Outcome::Open);
    let wait = app.request(4).unwrap();
    assert_eq!(wait.status, Some(200));
    assert_eq!(wait.outcome(), Outcome::Open);

    let app = app_full();
    let attach = app.request(3).unwrap();
    assert!(attach.ended);
    assert_eq!((attach.bytes_in, attach.bytes_out), (0, 11));
    assert_eq!(attach.outcome(), Outcome::Informational);
    let wait = app.request(4).unwrap();
    assert!(wait.ended);
    assert_eq!(wait.bytes_out, 30);
    // The wait's backend call outlived its handler; the flow still closes it.
    let steps = app.flow_steps(wait);
    let w = steps
        .iter()
        .find(|s| s.name == "Daemon.ContainerWait")
        .unwrap();
    assert_eq!(w.dur_us, Some(3890));
    assert!(!w.open);
}

/// A 404 from the mux: no route matched; because the OPTIONS catch-all
/// `/{anyroute:.*}` matched the path but not the method, gorilla/mux calls
/// the MethodNotAllowedHandler (which moby sets to its 404 handler).
#[test]
fn a_404_records_who_answered() {
    let app = app_full();
    let nope = app.request(6).unwrap();
    assert_eq!(nope.status, Some(404));
    assert_eq!(nope.outcome(), Outcome::ClientError);
    match &nope.mux {
        Some(MuxResult::NotFound {
            tried,
            misses,
            answered_by,
        }) => {
            assert_eq!(*tried, app.routes().len());
            assert_eq!(misses.len(), app.routes().len());
            assert_eq!(misses.matches('m').count(), 1);
            assert_eq!(answered_by, "MethodNotAllowedHandler");
        }
        other => panic!("{other:?}"),
    }
}

/// Memory is bounded by the window: the oldest requests are evicted, and a
/// late record for an evicted request does not bring it back.
#[test]
fn the_window_evicts_the_oldest_requests() {
    let mut app = App::new(3);
    for i in 0..5u64 {
        app.update(Message::Records(simple_request(
            1 + i * 3,
            i * 1000,
            i + 1,
            "GET",
            "/_ping",
            200,
        )));
    }
    let ids: Vec<u64> = app.requests().iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![3, 4, 5]);
    app.update(Message::Records(simple_request(
        100, 9000, 1, "GET", "/late", 200,
    )));
    assert_eq!(app.requests().len(), 3);
    assert!(app.request(1).is_none());
}

/// `/` filters by method, path, status (or class such as `4xx`), route,
/// handler or container; terms are ANDed; Esc clears the filter.
#[test]
fn the_filter_narrows_the_table() {
    let mut app = app_full();
    let filter = |app: &mut App, text: &str| {
        app.update(Message::FilterStart);
        assert_eq!(app.mode(), Mode::Filter);
        for c in text.chars() {
            app.update(Message::FilterChar(c));
        }
        app.update(Message::FilterApply);
        app.visible().iter().map(|r| r.id).collect::<Vec<u64>>()
    };
    assert_eq!(filter(&mut app, "create"), vec![2]);
    app.update(Message::FilterCancel);
    assert_eq!(filter(&mut app, "4xx"), vec![6]);
    app.update(Message::FilterCancel);
    assert_eq!(filter(&mut app, "559d479c"), vec![2, 3, 4, 5]);
    app.update(Message::FilterCancel);
    assert_eq!(filter(&mut app, "post wait"), vec![4]);
    app.update(Message::FilterCancel);
    assert_eq!(app.visible().len(), 6);
    assert_eq!(app.filter(), "");
}

/// Space pauses the feed: records are held (not lost) and applied, in
/// order, on resume.
#[test]
fn pause_holds_records_until_resume() {
    let mut app = app_upto(17);
    assert_eq!(app.requests().len(), 1);
    app.update(Message::TogglePause);
    assert!(app.is_paused());
    let rest: Vec<_> = fixture().into_iter().filter(|r| r.seq > 17).collect();
    let n = rest.len();
    app.update(Message::Records(rest));
    assert_eq!(app.requests().len(), 1);
    assert_eq!(app.held(), n);
    app.update(Message::TogglePause);
    assert_eq!(app.held(), 0);
    assert_eq!(app.requests().len(), 6);
}

/// `c` clears requests and records; late records of cleared requests are
/// ignored, new requests appear.
#[test]
fn clear_forgets_requests_and_records() {
    let mut app = app_full();
    app.update(Message::Clear);
    assert!(app.requests().is_empty());
    assert!(app.log().is_empty());
    app.update(Message::Records(simple_request(
        200, 9_000_000, 5, "GET", "/late", 200,
    )));
    assert!(app.requests().is_empty());
    app.update(Message::Records(simple_request(
        203, 9_000_100, 7, "GET", "/version", 200,
    )));
    assert_eq!(app.requests().len(), 1);
}

/// Dropped records are counted two ways: the daemon's own `dropped` record
/// (its count of records that did not fit in the hub's channels) and gaps
/// in `seq` (records lost between the hub and this viewer).
#[test]
fn drops_are_counted_from_seq_gaps_and_dropped_records() {
    let mut app = App::new(10);
    let mut recs = simple_request(1, 0, 1, "GET", "/_ping", 200); // seq 1..3
    recs.extend(simple_request(7, 500, 2, "GET", "/_ping", 200)); // seq 7..9: 3 lost
    recs.push(rec(
        10,
        600,
        0,
        0,
        Stage::Daemon,
        Phase::Event,
        "dropped",
        serde_json::json!({"count": 12}),
    ));
    app.update(Message::Records(recs));
    assert_eq!(app.drops().gaps, 3);
    assert_eq!(app.drops().reported, 12);
    // A smaller seq is a new stream (the daemon restarted), not a gap.
    app.update(Message::Records(simple_request(
        1, 900, 3, "GET", "/_ping", 200,
    )));
    assert_eq!(app.drops().gaps, 3);
}

/// The play/step state machine of the flow pane: `n` reveals one stage at a
/// time, `p` plays at the presenter's interval and stops at the last stage,
/// `p` again starts over, `+`/`-` change the interval, and selecting
/// another request shows its whole flow again.
#[test]
fn play_and_step_reveal_the_flow_stage_by_stage() {
    let mut app = app_full();
    app.select(2);
    let total = app.flow_steps(app.request(2).unwrap()).len();
    assert!(total > 10);
    assert_eq!(app.play().shown, None);
    app.update(Message::Step);
    assert_eq!(app.play().shown, Some(1));
    app.update(Message::Step);
    assert_eq!(app.play().shown, Some(2));
    app.update(Message::Play);
    assert!(app.play().playing);
    let iv = app.play().interval();
    assert_eq!(iv, PLAY_INTERVALS[2]);
    app.update(Message::Tick(iv / 2));
    assert_eq!(app.play().shown, Some(2));
    app.update(Message::Tick(iv / 2));
    assert_eq!(app.play().shown, Some(3));
    app.update(Message::Tick(iv * 100));
    assert_eq!(app.play().shown, Some(total));
    assert!(!app.play().playing);
    app.update(Message::Play);
    assert_eq!(app.play().shown, Some(1));
    app.update(Message::SpeedUp);
    assert_eq!(app.play().interval(), PLAY_INTERVALS[1]);
    app.update(Message::SpeedDown);
    app.update(Message::SpeedDown);
    assert_eq!(app.play().interval(), PLAY_INTERVALS[3]);
    app.select(5);
    assert_eq!(app.play().shown, None);
    assert!(!app.play().playing);
}

/// The table follows new requests until the user moves up; moving back
/// down onto the newest row follows again.
#[test]
fn selection_follows_the_feed_until_the_user_scrolls() {
    let mut app = app_upto(33);
    assert!(app.follows());
    assert_eq!(app.selected_id(), Some(2));
    app.update(Message::Up);
    assert!(!app.follows());
    assert_eq!(app.selected_id(), Some(1));
    let rest: Vec<_> = fixture().into_iter().filter(|r| r.seq > 33).collect();
    app.update(Message::Records(rest));
    assert_eq!(app.selected_id(), Some(1));
    app.update(Message::End);
    assert!(app.follows());
    assert_eq!(app.selected_id(), Some(6));
}

/// Containers come from backend records and events: created by
/// `Daemon.ContainerCreate`, running after start, gone after `--rm`'s
/// destroy event.
#[test]
fn containers_follow_backend_records_and_events() {
    let app = app_upto(87);
    let c = app.containers().find(|c| c.id == CID).unwrap();
    assert_eq!(c.state, "running");
    assert_eq!(c.name, "sleepy_turing");
    assert_eq!(c.image, "busybox");
    let app = app_full();
    let c = app.containers().find(|c| c.id == CID).unwrap();
    assert_eq!(c.state, "removed");
}

/// Listeners and connections: accepted, open, closed with byte counts.
#[test]
fn listeners_count_connections() {
    let app = app_upto(50);
    let l = app.listeners().next().unwrap();
    assert_eq!(l.addr, "unix:///run/mini-dockerd/d.sock");
    assert_eq!((l.accepted, l.open), (2, 2));
    let app = app_full();
    let l = app.listeners().next().unwrap();
    assert_eq!((l.accepted, l.open), (4, 0));
    assert_eq!(app.conn(2).unwrap().bytes_out, 176);
}

/// Tab visits the panes in order; on a small screen the pane below the
/// requests is the one last focused.
#[test]
fn tab_cycles_panes() {
    let mut app = App::new(10);
    assert_eq!(app.focus(), Pane::Requests);
    app.update(Message::NextPane);
    app.update(Message::NextPane);
    assert_eq!(app.focus(), Pane::Mux);
    assert_eq!(app.detail_pane(), Pane::Mux);
    app.update(Message::PrevPane);
    app.update(Message::PrevPane);
    assert_eq!(app.focus(), Pane::Requests);
    assert_eq!(app.detail_pane(), Pane::Flow);
}

/// Keys map to messages by mode (tokio-console's input.rs style): `q`
/// quits, but while typing a filter it is just a letter; key releases are
/// ignored so no key acts twice.
#[test]
fn keys_map_to_messages_by_mode() {
    let press = |c: KeyCode| Event::Key(KeyEvent::new(c, KeyModifiers::NONE));
    assert_eq!(
        input::message(&press(KeyCode::Char('q')), Mode::Normal),
        Some(Message::Quit)
    );
    assert_eq!(
        input::message(&press(KeyCode::Char('q')), Mode::Filter),
        Some(Message::FilterChar('q'))
    );
    assert_eq!(
        input::message(&press(KeyCode::Char('j')), Mode::Normal),
        Some(Message::Down)
    );
    assert_eq!(
        input::message(&press(KeyCode::Char('.')), Mode::Zoom),
        Some(Message::Step)
    );
    assert_eq!(
        input::message(&press(KeyCode::Esc), Mode::Zoom),
        Some(Message::Back)
    );
    assert_eq!(
        input::message(&press(KeyCode::Char('?')), Mode::Help),
        Some(Message::ToggleHelp)
    );
    let mut release = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
    release.kind = KeyEventKind::Release;
    assert_eq!(input::message(&Event::Key(release), Mode::Normal), None);
    let ctrl_c = Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(input::message(&ctrl_c, Mode::Filter), Some(Message::Quit));
}

/// A click on a row of the requests table selects that request (the model
/// uses the same layout arithmetic as the view).
#[test]
fn clicking_a_row_selects_it() {
    let mut app = app_full();
    app.update(Message::Resize(80, 24));
    // Requests pane starts at row 0: border, header, then rows.
    app.update(Message::Click { column: 10, row: 3 });
    assert_eq!(app.selected_id(), Some(2));
    assert!(!app.follows());
}

/// A request stopped by a middleware: moby's VersionMiddleware rejects a
/// client version below the minimum with 400; the flow marks the stage that
/// stopped the request with its error, and the handler never appears.
#[test]
fn an_error_marks_the_stage_that_stopped_the_request() {
    let mut app = App::new(10);
    let too_old = "client version 1.11 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version";
    let mut exit = rec(
        4,
        30,
        1,
        1,
        Stage::Middleware,
        Phase::Exit,
        "VersionMiddleware",
        serde_json::json!({"decision": "reject", "api_version": "1.11", "error": too_old}),
    );
    exit.dur_us = Some(9);
    app.update(Message::Records(vec![
        rec(1, 0, 1, 1, Stage::Request, Phase::Event, "head", serde_json::json!({"method": "GET", "path": "/v1.11/version", "uri": "/v1.11/version"})),
        rec(2, 10, 1, 1, Stage::Mux, Phase::Event, "match", serde_json::json!({"route_index": 80, "template": "/v{version:[0-9.]+}/version", "handler": "getVersion", "vars": {"version": "1.11"}, "tried": 81, "misses": ""})),
        rec(3, 20, 1, 1, Stage::Middleware, Phase::Enter, "VersionMiddleware", serde_json::json!({})),
        exit,
        rec(5, 40, 1, 1, Stage::Response, Phase::Event, "head", serde_json::json!({"status": 400, "content_type": "application/json"})),
        rec(6, 50, 1, 1, Stage::Response, Phase::Event, "end", serde_json::json!({"status": 400, "bytes": 130, "complete": true})),
    ]));
    let req = app.request(1).unwrap();
    assert_eq!(req.outcome(), Outcome::ClientError);
    assert_eq!(req.error.as_deref(), Some(too_old));
    let steps = app.flow_steps(req);
    let v = steps
        .iter()
        .find(|s| s.name == "VersionMiddleware")
        .unwrap();
    assert_eq!(v.error.as_deref(), Some(too_old));
    assert!(v.detail.starts_with("reject"), "{}", v.detail);
    assert!(!steps.iter().any(|s| s.stage == Stage::Handler));

    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 30)).unwrap();
    app.update(Message::Resize(120, 30));
    t.draw(|f| f.render_widget(&app, f.area())).unwrap();
    let screen = t.backend().to_string();
    assert!(
        screen.contains("✗ stopped here: client version 1.11 is too old"),
        "{screen}"
    );
}

/// Under load the model stays bounded: the window of requests, the record
/// log and the remembered connections have caps, whatever the daemon sends.
#[test]
fn memory_stays_bounded_under_load() {
    use mini_dockerd::tui::app::{CLOSED_CONNS_CAP, LOG_CAP};
    let mut app = App::new(500);
    let mut seq = 1;
    for i in 0..20_000u64 {
        let mut recs = vec![rec(
            seq,
            i * 100,
            i + 1,
            0,
            Stage::Listener,
            Phase::Event,
            "accept",
            serde_json::json!({"listener": "unix:///d.sock", "proto": "unix"}),
        )];
        for r in simple_request(seq + 1, i * 100 + 1, i + 1, "GET", "/_ping", 200) {
            let mut r = r;
            r.conn = i + 1;
            recs.push(r);
        }
        recs.push(rec(
            seq + 4,
            i * 100 + 50,
            i + 1,
            0,
            Stage::Listener,
            Phase::Event,
            "close",
            serde_json::json!({"bytes_in": 80, "bytes_out": 100}),
        ));
        seq += 5;
        app.update(Message::Records(recs));
    }
    assert_eq!(app.requests().len(), 500);
    assert_eq!(app.requests().front().unwrap().id, 19_501);
    assert_eq!(app.log().len(), LOG_CAP);
    assert!(app.conns().count() <= CLOSED_CONNS_CAP);
    assert_eq!(app.drops().gaps, 0);
    let l = app.listeners().next().unwrap();
    assert_eq!((l.accepted, l.open), (20_000, 0));
}

/// The panic hook restores the terminal for a panic of the TUI itself (or
/// when no TUI runs), but a panic on another thread of an in-process
/// daemon (a handler, which the server survives as a 500) only goes to the
/// log, so it cannot wreck the screen the TUI is still drawing.
#[test]
fn only_the_tuis_own_panics_restore_the_terminal() {
    use mini_dockerd::tui::term::{panic_action, PanicAction};
    let me = std::thread::current().id();
    let other = std::thread::spawn(|| std::thread::current().id())
        .join()
        .unwrap();
    assert_eq!(panic_action(None, me), PanicAction::RestoreAndPrint);
    assert_eq!(panic_action(Some(me), me), PanicAction::RestoreAndPrint);
    assert_eq!(panic_action(Some(me), other), PanicAction::Log);
}

/// A new stream (the attached daemon restarted) keeps the old rows, moves
/// the new daemon's ids (which start at 1 again) above them, and closes
/// what the old stream left open: its end went down with the connection.
#[test]
fn a_new_stream_does_not_mix_into_old_rows() {
    let mut app = app_upto(87);
    assert!(!app.request(3).unwrap().ended);
    app.update(Message::NewStream);
    app.update(Message::Records(fixture()));
    let ids: Vec<u64> = app.requests().iter().map(|r| r.id).collect();
    assert_eq!(ids, (1..=11).collect::<Vec<u64>>());
    let old_attach = app.request(3).unwrap();
    assert!(old_attach.ended && !old_attach.complete);
    let new_create = app.request(7).unwrap();
    assert_eq!(new_create.path, "/v1.41/containers/create");
    assert_eq!(new_create.status, Some(201));
    assert_eq!(app.drops().gaps, 0);
    // Connections of the new stream are new rows too.
    assert!(app.conn(5).is_some());
}

/// A request whose head was not seen (dropped, or sent before a viewer
/// attached, as the viewer's own `GET /debug/trace`) says so, and still
/// shows the handler its records name.
#[test]
fn a_request_without_its_head_says_so() {
    let mut app = App::new(10);
    let mut exit = rec(
        1,
        0,
        1,
        1,
        Stage::Handler,
        Phase::Exit,
        "getTrace",
        serde_json::json!({"status": 200}),
    );
    exit.dur_us = Some(40);
    app.update(Message::Records(vec![exit]));
    let r = app.request(1).unwrap();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("?", "(head not seen)")
    );
    assert_eq!(r.handler_label(), "getTrace");
}

/// Container states follow what succeeded: a start that failed leaves the
/// container created; a state reported as such (a container restored at
/// daemon start-up) is taken as it is.
#[test]
fn container_states_follow_only_what_succeeded() {
    let mut app = App::new(10);
    let mut create = rec(
        1,
        0,
        1,
        1,
        Stage::Backend,
        Phase::Exit,
        "Daemon.ContainerCreate",
        serde_json::json!({"container": "abc"}),
    );
    create.dur_us = Some(5);
    let failed_start = rec(
        2,
        10,
        1,
        2,
        Stage::Backend,
        Phase::Exit,
        "Daemon.ContainerStart",
        serde_json::json!({"container": "abc", "error": "no such file or directory"}),
    );
    let restored = rec(
        3,
        20,
        0,
        0,
        Stage::Daemon,
        Phase::Event,
        "restore.container",
        serde_json::json!({"container": "def", "status": "exited"}),
    );
    app.update(Message::Records(vec![create, failed_start, restored]));
    let state = |id: &str| app.containers().find(|c| c.id == id).unwrap().state.clone();
    assert_eq!(state("abc"), "created");
    assert_eq!(state("def"), "exited");
}
