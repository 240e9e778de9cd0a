//! The router (moby's gorilla/mux set-up in `api/server/server.go`
//! `createMux`, v20.10.24) against a real daemon, over the whole route
//! table.
//!
//! Which route answered is read from the trace (`--trace-json`): the `mux`
//! stage's `match` record names the handler and template, so these tests
//! do not guess from status codes (a few routes are 501 stubs, and real
//! handlers answer many different codes).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{json, text, TestDaemon};
use mini_dockerd::trace::TraceRecord;

/// The `mux` records of a trace file, keyed by request id, once at least
/// `want` requests have been routed (bounded wait: the hub writes in
/// batches).
fn mux_records(path: &Path, want: usize) -> Vec<TraceRecord> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let recs: Vec<TraceRecord> = std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<TraceRecord>(l).ok())
            .filter(|r| r.stage.as_str() == "mux")
            .collect();
        if recs.len() >= want || Instant::now() > deadline {
            let mut recs = recs;
            recs.sort_by_key(|r| r.req);
            return recs;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A concrete path for a route template: every `{var}` or `{var:re}`
/// becomes `abc` (which matches `[^/]+`, `.*` and `.+` alike).
fn sample_path(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').expect("balanced braces") + open;
        out.push_str("abc");
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    // Streaming routes get a query that makes them end on their own.
    if template == "/events" {
        out.push_str("?since=1&until=2");
    }
    out
}

/// Every one of the 121 routes of moby's 13 routers (as
/// `mini-dockerd routes` lists them) is reachable with its method, both as
/// `/v1.41<path>` and as `<path>` (the debug routes only unversioned,
/// under /debug), and the mux hands it to that route's handler: not to
/// the not-found handler, not to another route. `OPTIONS` routes are
/// checked separately (`options_anything_is_200_empty`).
#[test]
fn every_route_matches_its_handler_versioned_and_not() {
    let table = mini_dockerd::cmd::daemon::build_server_for_listing().route_table();
    assert_eq!(table.len(), 121, "moby v20.10.24 has 121 routes");
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.json");
    let trace_arg = trace.display().to_string();
    let d = TestDaemon::start_with(&["--trace-json", &trace_arg]);

    // (method, path, expected handler, expected template)
    let mut sent: Vec<(String, String, String, String)> = Vec::new();
    for (method, template, handler, router, _file) in &table {
        let path = sample_path(template);
        if router == "debug" {
            sent.push((method.clone(), path, handler.clone(), template.clone()));
            continue;
        }
        sent.push((
            method.clone(),
            format!("/v1.41{path}"),
            handler.clone(),
            format!("/v{{version:[0-9.]+}}{template}"),
        ));
        sent.push((method.clone(), path, handler.clone(), template.clone()));
    }
    for (method, path, _, _) in &sent {
        let (status, _, body) = d.raw(method, path, &[], b"");
        let not_found_page = status == 404 && text(&body).contains("page not found");
        assert!(!not_found_page, "{method} {path} got the mux's 404");
    }
    let recs = mux_records(&trace, sent.len());
    let matches: Vec<&TraceRecord> = recs.iter().filter(|r| r.name == "match").collect();
    assert_eq!(
        matches.len(),
        sent.len(),
        "every request is matched by some route"
    );
    for ((method, path, handler, template), rec) in sent.iter().zip(matches) {
        assert_eq!(
            rec.field_str("handler").as_deref(),
            Some(handler.as_str()),
            "{method} {path}"
        );
        assert_eq!(
            rec.field_str("template").as_deref(),
            Some(template.as_str()),
            "{method} {path}"
        );
    }
}

/// An unknown path with no version prefix falls through every route to
/// gorilla's `NotFoundHandler`: 404 `{"message":"page not found"}` and,
/// because it never went through `makeHTTPHandler`, no `Api-Version`,
/// `Server`, `Ostype` or `Docker-Experimental` header
/// (get_containers_create.txt has exactly Content-Type, Date, Length).
#[test]
fn unknown_path_is_page_not_found_without_middleware_headers() {
    let d = TestDaemon::start();
    let (status, h, body) = d.raw("GET", "/nosuchroute", &[], b"");
    assert_eq!(status, 404);
    assert_eq!(text(&body), "{\"message\":\"page not found\"}\n");
    assert_eq!(h.get("Content-Type"), Some("application/json"));
    for name in ["Api-Version", "Server", "Ostype", "Docker-Experimental"] {
        assert!(!h.has(name), "{name} on a mux 404: {:?}", h.names());
    }
}

/// A path that exists with another method is not a 405: gorilla records
/// `ErrMethodMismatch`, and dockerd sets `MethodNotAllowedHandler` to the
/// same not-found handler (put_containers_json.txt,
/// get_containers_create.txt).
#[test]
fn method_mismatch_is_404_not_405() {
    let d = TestDaemon::start();
    for (method, path) in [
        ("PUT", "/_ping"),
        ("DELETE", "/info"),
        ("PUT", "/containers/json"),
        ("GET", "/containers/create"),
    ] {
        let (status, h, body) = d.raw(method, path, &[], b"");
        assert_eq!(status, 404, "{method} {path}");
        assert_eq!(text(&body), "{\"message\":\"page not found\"}\n");
        assert!(!h.has("Api-Version"), "{method} {path}");
    }
}

/// A versioned path that no route knows lands on the catch-all
/// `/v{version:[0-9.]+}/{path:.*}` (_v1_41_nosuchroute.txt): 404 page
/// not found without middleware headers, for any method, including a
/// known path with the wrong method.
#[test]
fn versioned_unknown_hits_catch_all() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.json");
    let trace_arg = trace.display().to_string();
    let d = TestDaemon::start_with(&["--trace-json", &trace_arg]);
    for (method, path) in [("GET", "/v1.41/nosuchroute"), ("PUT", "/v1.41/_ping")] {
        let (status, h, body) = d.raw(method, path, &[], b"");
        assert_eq!(status, 404, "{method} {path}");
        assert_eq!(text(&body), "{\"message\":\"page not found\"}\n");
        assert!(!h.has("Api-Version"));
        assert!(!h.has("Server"));
    }
    let recs = mux_records(&trace, 2);
    let matches: Vec<_> = recs.iter().filter(|r| r.name == "match").collect();
    assert_eq!(matches.len(), 2);
    for m in matches {
        assert_eq!(m.field_str("handler").as_deref(), Some("notFoundHandler"));
        assert_eq!(
            m.field_str("template").as_deref(),
            Some("/v{version:[0-9.]+}/{path:.*}")
        );
    }
}

/// gorilla's `cleanPath`: a path that `path.Clean` would change is
/// answered with 301 and `Location:` set to the clean path (query kept),
/// before any route is tried; the trailing slash is kept.
#[test]
fn unclean_path_is_301_to_clean_path() {
    let d = TestDaemon::start();
    let (status, h, _) = d.raw("GET", "/containers//json", &[], b"");
    assert_eq!(status, 301);
    assert_eq!(h.get("Location"), Some("/containers/json"));
    let (status, h, _) = d.raw("GET", "/v1.41/containers/./json?all=1", &[], b"");
    assert_eq!(status, 301);
    assert_eq!(h.get("Location"), Some("/v1.41/containers/json?all=1"));
    let (status, h, _) = d.raw("GET", "/images/../networks/", &[], b"");
    assert_eq!(status, 301);
    assert_eq!(h.get("Location"), Some("/networks/"));
}

/// First match wins, in registration order: `GET /containers/json` is the
/// list route (registered before `/containers/{name:.*}/json` could
/// claim it), and `DELETE /containers/x/checkpoints/y` reaches the
/// checkpoint router, registered before the container router exactly so
/// that `DELETE /containers/{name:.*}` does not mask it. The checkpoint
/// route answers with the experimental 501.
#[test]
fn first_match_wins() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.json");
    let trace_arg = trace.display().to_string();
    let d = TestDaemon::start_with(&["--trace-json", &trace_arg]);
    d.raw("GET", "/containers/json", &[], b"");
    let (status, _, body) = d.raw("DELETE", "/v1.41/containers/x/checkpoints/y", &[], b"");
    assert_eq!(status, 501);
    assert_eq!(
        json(&body)["message"],
        "This experimental feature is disabled by default. Start the Docker daemon in experimental mode in order to enable it."
    );
    let recs = mux_records(&trace, 2);
    let handlers: Vec<String> = recs
        .iter()
        .filter(|r| r.name == "match")
        .filter_map(|r| r.field_str("handler"))
        .collect();
    assert_eq!(
        handlers,
        ["getContainersJSON", "deleteContainerCheckpoint"],
        "first match wins"
    );
}

/// `OPTIONS` on any path, versioned or not, known or not, matches the
/// system router's `OPTIONS /{anyroute:.*}` and answers 200 with an empty
/// body, after the middlewares (so it has `Api-Version`).
#[test]
fn options_anything_is_200_empty() {
    let d = TestDaemon::start();
    for path in ["/containers/json", "/v1.41/nosuchroute", "/anything/at/all"] {
        let (status, h, body) = d.raw("OPTIONS", path, &[], b"");
        assert_eq!(status, 200, "{path}");
        assert!(body.is_empty(), "{path}");
        assert_eq!(h.get("Api-Version"), Some("1.41"), "{path}");
    }
}

/// v20.10.24 registers the debug routes once, under `/debug` and without
/// the version prefix (`m.Path("/debug" + r.Path())` in `createMux`), so
/// `/v1.41/debug/vars` is the catch-all's 404, while `/debug/vars`
/// answers.
#[test]
fn debug_routes_only_unversioned() {
    let d = TestDaemon::start();
    let (status, _, body) = d.raw("GET", "/debug/vars", &[], b"");
    assert_ne!(status, 404, "{}", text(&body));
    let (status, _, body) = d.raw("GET", "/v1.41/debug/vars", &[], b"");
    assert_eq!(status, 404);
    assert_eq!(text(&body), "{\"message\":\"page not found\"}\n");
    let (status, _, _) = d.raw("GET", "/vars", &[], b"");
    assert_eq!(status, 404, "debug routes live under /debug only");
}
