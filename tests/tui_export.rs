//! Exports of one request, for slides and bug reports: its records as JSON
//! (the `--trace-json` record shape, so it can be replayed or diffed) and
//! a Mermaid sequence diagram of its stages in the order they ran.

mod tui_support;

use mini_dockerd::trace::TraceRecord;
use mini_dockerd::tui::export::{export_json, export_mermaid, file_names};
use tui_support::*;

/// The JSON export parses back into the request's records, preceded by its
/// connection's `accept` record, in stream order.
#[test]
fn json_export_parses_back_into_the_records() {
    let app = app_full();
    let text = export_json(&app, 2);
    let back: Vec<TraceRecord> = serde_json::from_str(&text).unwrap();
    assert_eq!(back[0].name, "accept");
    assert_eq!(back[0].conn, 1);
    assert_eq!(&back[1..], &app.request(2).unwrap().records[..]);
    assert!(back[1..].iter().all(|r| r.req == 2));
    assert!(back.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(export_json(&app, 999), "[]");
    assert_eq!(
        file_names(2),
        (
            "mini-dockerd-req-2.json".to_string(),
            "mini-dockerd-req-2.mmd".to_string()
        )
    );
}

/// The Mermaid export declares one participant per stage, in the order the
/// request met them, and its arrows go in, middleware by middleware, to
/// the handler and the backend, then come back out in reverse.
#[test]
fn mermaid_export_has_participants_and_arrows_in_stage_order() {
    let app = app_full();
    let m = export_mermaid(&app, 2);
    assert!(m.starts_with("sequenceDiagram\n"), "{m}");
    let participants: Vec<&str> = m
        .lines()
        .filter_map(|l| l.trim().strip_prefix("participant "))
        .map(|l| l.split_once(" as ").unwrap().1)
        .collect();
    assert_eq!(
        participants,
        vec![
            "client",
            "listener unix /run/mini-dockerd/d.sock",
            "mux",
            "AuthzMiddleware",
            "VersionMiddleware",
            "ExperimentalMiddleware",
            "postContainersCreate",
            "Daemon.ContainerCreate",
        ]
    );
    let pos = |needle: &str| {
        m.find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in\n{m}"))
    };
    // In: client → listener → mux; listener → Authz → Version → Experimental → handler → backend.
    let calls = [
        "P0->>P1: POST /v1.41/containers/create",
        "P1->>P2: match",
        "P1->>+P3: wrap",
        "P3->>+P4: wrap",
        "P4->>+P5: wrap",
        "P5->>+P6: handle",
        "P6->>+P7: call",
        // Out, in reverse, with decisions and durations.
        "P7-->>-P6:",
        "P6-->>-P5: status=201",
        "P5-->>-P4: pass",
        "P4-->>-P3: pass api_version=1.41",
        "P3-->>-P1: pass",
        "P1-->>P0: 201 application/json",
    ];
    let at: Vec<usize> = calls.iter().map(|c| pos(c)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "out of order:\n{m}");
    // Nothing that would break Mermaid's parser.
    assert!(!m.contains(';'));
    assert!(!m.lines().skip(1).any(|l| l.contains('#')), "{m}");
}

/// An attach in Mermaid: the handler opens the hijacked stream (101) and
/// returns at once; the stream outlives it, the backend attaches the
/// container's output on it, and it ends with the bytes each way.
#[test]
fn mermaid_export_of_an_attach_shows_the_hijacked_stream() {
    let app = app_full();
    let m = export_mermaid(&app, 3);
    assert!(
        m.contains("participant P7 as hijacked stream of postContainersAttach"),
        "{m}"
    );
    let order = [
        "P5->>+P6: handle",
        "P6->>+P7: 101 upgrade",
        "P6-->>-P5: status=101",
        "P1-->>P0: 101 application/vnd.docker.raw-stream",
        "P7->>+P8: call",
        "P8-->>-P7:",
        "P7-->>-P0: stream ends bytes_in=0 bytes_out=11",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|c| m.find(c).unwrap_or_else(|| panic!("no {c:?} in\n{m}")))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "out of order:\n{m}");
    // Every activation (`+`) is matched by a deactivation (`-`), or
    // Mermaid refuses the diagram.
    assert_eq!(m.matches("->>+").count(), m.matches("-->>-").count(), "{m}");
}
