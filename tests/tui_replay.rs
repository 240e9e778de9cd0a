//! Record sources: a `--trace-json` recording replayed into the model, and
//! a daemon's `GET /debug/trace` stream attached over a unix socket (a
//! small fake daemon here, serving the same recording as chunked JSON
//! lines, route table first), including the reconnect when it goes away.

mod tui_support;

use std::convert::Infallible;
use std::path::Path;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::StreamBody;
use hyper::body::Frame;
use hyper_util::rt::TokioIo;
use mini_dockerd::tui::app::{App, Message, MuxResult};
use mini_dockerd::tui::source::{parse_host, Endpoint, Feed, Source};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tokio::sync::watch;
use tui_support::*;

/// Feed everything a source yields into a model until it ends (or, for a
/// source that never ends, until `stop` says so), with a bounded deadline.
async fn pump(
    src: &mut Source,
    app: &mut App,
    mut stop: impl FnMut(&App, &[String]) -> bool,
) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut statuses = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, src.recv()).await {
            Ok(Some(Feed::Record(r))) => app.update(Message::Records(vec![r])),
            Ok(Some(Feed::NewStream)) => app.update(Message::NewStream),
            Ok(Some(Feed::Status(s))) => {
                app.update(Message::Source(s.clone()));
                statuses.push(s);
            }
            Ok(None) => return statuses,
            Err(_) => panic!("source did not finish in time; statuses so far: {statuses:?}"),
        }
        if stop(app, &statuses) {
            return statuses;
        }
    }
}

fn screen_text(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    t.backend().to_string()
}

/// `mini-dockerd tui --replay FILE` at high speed: the recorded
/// `docker run --rm busybox echo hi` shows its requests in order (_ping,
/// create, attach, wait, start, then a 404), and opening `create` shows the
/// middlewares, the mux match `/v{version:[0-9.]+}/containers/create` →
/// `postContainersCreate`, the handler and the backend call.
#[tokio::test]
async fn replay_shows_the_docker_run_session() {
    let (_tx, rx) = watch::channel(100_000.0);
    let mut src = Source::replay(Path::new(FIXTURE), rx).await.unwrap();
    let mut app = App::new(1000);
    let statuses = pump(&mut src, &mut app, |_, _| false).await;
    assert!(statuses[0].contains("102 records"), "{statuses:?}");
    assert!(
        statuses.last().unwrap().contains("finished"),
        "{statuses:?}"
    );

    let rows: Vec<(String, String)> = app
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.handler_label()))
        .collect();
    let expect = [
        ("HEAD", "pingHandler"),
        ("POST", "postContainersCreate"),
        ("POST", "postContainersAttach"),
        ("POST", "postContainersWait"),
        ("POST", "postContainersStart"),
        ("GET", "MethodNotAllowedHandler"),
    ];
    let expect: Vec<(String, String)> = expect
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(rows, expect);

    app.update(Message::Resize(160, 48));
    let table = screen_text(&app, 160, 48);
    for path in [
        "/_ping",
        "/v1.41/containers/create",
        "559d479c69f8…/attach",
        "559d479c69f8…/wait",
        "559d479c69f8…/start",
        "/nope",
    ] {
        assert!(table.contains(path), "requests pane lacks {path}:\n{table}");
    }

    app.select(2);
    match &app.request(2).unwrap().mux {
        Some(MuxResult::Matched {
            template, handler, ..
        }) => {
            assert_eq!(template, "/v{version:[0-9.]+}/containers/create");
            assert_eq!(handler, "postContainersCreate");
        }
        other => panic!("{other:?}"),
    }
    app.update(Message::Open);
    let flow = screen_text(&app, 160, 48);
    for stage in [
        "AuthzMiddleware",
        "VersionMiddleware",
        "pass api_version=1.41",
        "ExperimentalMiddleware",
        "#22 /v{version:[0-9.]+}/containers/create -> postContainersCreate",
        "postContainersCreate",
        "Daemon.ContainerCreate",
        "ImageService.GetImage",
        "201 application/json",
    ] {
        assert!(flow.contains(stage), "flow lacks {stage:?}:\n{flow}");
    }
}

/// The replay keeps the recording's timing, divided by the speed: two
/// records 200ms apart take about 100ms at speed 2.
#[tokio::test]
async fn replay_scales_the_recorded_timing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.jsonl");
    let recs = simple_request(1, 0, 1, "GET", "/_ping", 200);
    let mut second = recs[0].clone();
    second.seq = 2;
    second.ts_ns += 200_000_000;
    let text = [&recs[0], &second]
        .iter()
        .map(|r| serde_json::to_string(r).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&path, text + "\n").unwrap();
    let (_tx, rx) = watch::channel(2.0);
    let start = Instant::now();
    let mut src = Source::replay(&path, rx).await.unwrap();
    let mut app = App::new(10);
    pump(&mut src, &mut app, |_, _| false).await;
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(95), "{took:?}");
    assert!(took < Duration::from_millis(1000), "{took:?}");
}

/// `-H`-style hosts for `mini-dockerd tui --host`.
#[test]
fn hosts_parse_like_dash_h() {
    assert_eq!(
        parse_host("unix:///run/d.sock").unwrap(),
        Endpoint::Unix("/run/d.sock".into())
    );
    assert_eq!(
        parse_host("/run/d.sock").unwrap(),
        Endpoint::Unix("/run/d.sock".into())
    );
    assert_eq!(
        parse_host("tcp://127.0.0.1:2375").unwrap(),
        Endpoint::Tcp("127.0.0.1:2375".into())
    );
    assert_eq!(
        parse_host("localhost:2375").unwrap(),
        Endpoint::Tcp("localhost:2375".into())
    );
    assert!(parse_host("ftp://x").is_err());
    assert!(parse_host("unix://").is_err());
}

/// A fake daemon: answers `GET /debug/trace` with the recording as chunked
/// JSON lines (the route table first, as the hub sends it to a new
/// viewer), then ends the stream, as a daemon that shuts down would.
async fn fake_daemon(listener: tokio::net::UnixListener) {
    let lines: Vec<Bytes> = std::fs::read_to_string(FIXTURE)
        .unwrap()
        .lines()
        .map(|l| Bytes::from(format!("{l}\n")))
        .collect();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let lines = lines.clone();
        tokio::spawn(async move {
            let svc =
                hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let lines = lines.clone();
                    async move {
                        assert_eq!(req.uri().path(), "/debug/trace");
                        let frames = futures_util::stream::iter(
                            lines
                                .into_iter()
                                .map(|b| Ok::<_, Infallible>(Frame::data(b))),
                        );
                        Ok::<_, Infallible>(
                            hyper::Response::builder()
                                .header("Content-Type", "application/x-ndjson")
                                .body(StreamBody::new(frames))
                                .unwrap(),
                        )
                    }
                });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

/// `mini-dockerd tui --host unix://…` attaches to the trace stream, builds
/// the same model as the in-process TUI would, says "disconnected" when
/// the daemon ends the stream, and reconnects to what may be a restarted
/// daemon, whose ids start over.
#[tokio::test]
async fn attach_streams_records_and_reconnects() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("d.sock");
    let listener = tokio::net::UnixListener::bind(&sock).unwrap();
    tokio::spawn(fake_daemon(listener));
    let host = format!("unix://{}", sock.display());
    let mut src = Source::attach(&host).unwrap();
    let mut app = App::new(1000);
    let statuses = pump(&mut src, &mut app, |app, st| {
        // Both streams whole: 102 records each.
        st.iter().filter(|s| s.starts_with("attached")).count() >= 2 && app.log().len() == 204
    })
    .await;
    assert!(
        statuses[0].starts_with("attached to unix://"),
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .any(|s| s.starts_with("disconnected") && s.contains("retrying")),
        "{statuses:?}"
    );
    assert_eq!(app.routes().len(), 89);
    // Both streams' requests are kept: the second daemon's ids (from 1
    // again) are moved above the first's rather than mixed into its rows.
    let ids: Vec<u64> = app.requests().iter().map(|r| r.id).collect();
    assert_eq!(ids, (1..=12).collect::<Vec<u64>>());
    assert_eq!(
        app.request(2).unwrap().handler_label(),
        "postContainersCreate"
    );
    assert_eq!(
        app.request(8).unwrap().handler_label(),
        "postContainersCreate"
    );
    // The second stream starts again at seq 1: a new stream, not a gap.
    assert_eq!(app.drops().gaps, 0);
}

/// With no daemon listening, the source reports the failure and keeps
/// trying instead of ending the TUI.
#[tokio::test]
async fn attach_without_daemon_reports_disconnected() {
    let dir = tempfile::tempdir().unwrap();
    let host = format!("unix://{}", dir.path().join("none.sock").display());
    let mut src = Source::attach(&host).unwrap();
    let mut app = App::new(10);
    let statuses = pump(&mut src, &mut app, |_, st| !st.is_empty()).await;
    assert!(
        statuses[0].starts_with("disconnected from unix://"),
        "{statuses:?}"
    );
    assert!(app.source().contains("retrying"));
}

/// `mini-dockerd --tui`: the in-process hub's channel is drained once per
/// frame, up to a cap (the rest waits for the next frame), and when the
/// daemon drops its sender the footer says so.
#[tokio::test]
async fn local_source_drains_per_frame_with_a_cap() {
    let (tx, rx) = tokio::sync::mpsc::channel(1024);
    let mut src = Source::local(rx);
    let mut app = App::new(1000);
    for r in fixture() {
        tx.send(r).await.unwrap();
    }
    assert_eq!(src.drain(&mut app, 40), 40);
    assert_eq!(app.log().len(), 40);
    assert_eq!(src.drain(&mut app, 4096), 62);
    assert_eq!(app.requests().len(), 6);
    drop(tx);
    assert_eq!(src.drain(&mut app, 4096), 0);
    assert_eq!(app.source(), "the daemon stopped sending records");
}

/// Pausing a replay stops its clock (speed 0): nothing more arrives until
/// the speed is set again, then the rest plays.
#[tokio::test]
async fn a_paused_replay_waits() {
    let (tx, rx) = watch::channel(0.0);
    let mut src = Source::replay(Path::new(FIXTURE), rx).await.unwrap();
    // The status line comes first; then nothing while paused.
    assert!(matches!(src.recv().await, Some(Feed::Status(_))));
    let waited = tokio::time::timeout(Duration::from_millis(200), src.recv()).await;
    assert!(waited.is_err(), "a record arrived while paused: {waited:?}");
    tx.send(100_000.0).unwrap();
    let mut app = App::new(1000);
    pump(&mut src, &mut app, |_, _| false).await;
    assert_eq!(app.requests().len(), 6);
}

/// A recording made by mini-dockerd itself (`--trace-json`, with
/// `docker version`, a `docker run` before containers were implemented, a
/// `docker ps`, `docker events`, `curl /nope` and a too-old API version):
/// the model reads the daemon's real record shapes. The 400 is stopped by
/// moby's VersionMiddleware, which the flow marks; the 501 by the handler.
#[tokio::test]
async fn a_recording_of_the_real_daemon_replays() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/mini-dockerd-recorded.jsonl"
    );
    let (_tx, rx) = watch::channel(100_000.0);
    let mut src = Source::replay(Path::new(path), rx).await.unwrap();
    let mut app = App::new(1000);
    pump(&mut src, &mut app, |_, _| false).await;
    let statuses: Vec<u16> = app
        .requests()
        .iter()
        .map(|r| r.status.unwrap_or(0))
        .collect();
    assert_eq!(
        statuses,
        vec![200, 200, 200, 501, 200, 501, 200, 200, 404, 400]
    );
    assert_eq!(app.routes().len(), 237);
    assert_eq!(app.drops(), Default::default());

    let too_old = app.requests().back().unwrap();
    assert_eq!(too_old.path, "/v1.11/version");
    let steps = app.flow_steps(too_old);
    let version = steps
        .iter()
        .find(|s| s.name == "VersionMiddleware")
        .unwrap();
    assert!(version
        .error
        .as_deref()
        .unwrap()
        .starts_with("client version 1.11 is too old"));
    // Rejected before the inner middleware and the handler ran.
    assert!(!steps
        .iter()
        .any(|s| s.name == "ExperimentalMiddleware" || s.name == "getVersion"));

    let create = app
        .requests()
        .iter()
        .find(|r| r.path == "/v1.41/containers/create")
        .unwrap();
    let steps = app.flow_steps(create);
    let handler = steps
        .iter()
        .find(|s| s.name == "postContainersCreate")
        .unwrap();
    assert!(handler
        .error
        .as_deref()
        .unwrap()
        .contains("not implemented"));
}
