//! The middleware chain (moby `cmd/dockerd/daemon.go` `initMiddlewares`
//! and `api/server/middleware/*.go`, v20.10.24) seen from the wire.
//!
//! dockerd registers experimental, version, CORS, authorization in that
//! order; each wraps the chain built so far, so a request meets them in
//! reverse: authorization first, then CORS, version, experimental, and
//! the handler. The order is visible in which headers an early refusal
//! carries.

mod common;

use std::time::Duration;

use common::{json, text, TestDaemon};

/// A policy file for `--authz-policy` (our stand-in for an authorization
/// plugin) in the daemon's temporary directory's parent.
fn write_policy(dir: &std::path::Path, policy: &str) -> String {
    let path = dir.join("authz.json");
    std::fs::write(&path, policy).unwrap();
    path.display().to_string()
}

/// Authorization runs first: a denied request is a 403 with dockerd's
/// `authorization denied by plugin <name>: <msg>` and none of the headers
/// the version and experimental middlewares would have set. A request the
/// policy does not match goes through as usual.
#[test]
fn authz_deny_is_403_before_version_headers() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = write_policy(
        tmp.path(),
        r#"{"rules":[{"action":"deny","methods":["GET"],"path":"/info",
            "message":"no info for you"}]}"#,
    );
    let d = TestDaemon::start_with(&["--authz-policy", &policy]);
    for path in ["/info", "/v1.41/info"] {
        let (status, h, body) = d.raw("GET", path, &[], b"");
        assert_eq!(status, 403, "{path}");
        assert_eq!(
            text(&body),
            "{\"message\":\"authorization denied by plugin authz-policy: no info for you\"}\n"
        );
        assert_eq!(h.get("Content-Type"), Some("application/json"));
        for name in ["Api-Version", "Ostype", "Server", "Docker-Experimental"] {
            assert!(!h.has(name), "{name} on an authz deny: {:?}", h.names());
        }
    }
    // Paths no rule names go through the whole chain as usual.
    let (status, _, _) = d.raw("GET", "/version", &[], b"");
    assert_eq!(status, 200, "allowed when no rule matches");
    let (status, h, _) = d.raw("GET", "/_ping", &[], b"");
    assert_eq!(status, 200);
    assert_eq!(h.get("Docker-Experimental"), Some("false"));
}

/// Path patterns use `*`, and the first matching rule decides: an allow
/// rule before a broad deny lets its path through.
#[test]
fn authz_first_rule_wins_with_globs() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = write_policy(
        tmp.path(),
        r#"{"rules":[
            {"action":"allow","path":"/_ping"},
            {"action":"deny","path":"*","message":"read-only daemon"}]}"#,
    );
    let d = TestDaemon::start_with(&["--authz-policy", &policy]);
    assert_eq!(d.raw("GET", "/_ping", &[], b"").0, 200);
    let (status, _, body) = d.raw("GET", "/v1.41/containers/json", &[], b"");
    assert_eq!(status, 403);
    assert_eq!(
        json(&body)["message"],
        "authorization denied by plugin authz-policy: read-only daemon"
    );
}

/// Version before experimental: a version error has `Api-Version`,
/// `Ostype` and `Server`, but no `Docker-Experimental`
/// (_v9_99_version.txt).
#[test]
fn version_error_has_api_version_but_no_experimental() {
    let d = TestDaemon::start();
    let (status, h, _) = d.raw("GET", "/v9.99/_ping", &[], b"");
    assert_eq!(status, 400);
    assert_eq!(h.get("Api-Version"), Some("1.41"));
    assert!(!h.has("Docker-Experimental"));
}

/// `--experimental`: the experimental middleware says `true`, and the
/// checkpoint routes (wrapped with `router.Experimental`) are enabled, so
/// they no longer answer the "experimental feature is disabled" 501.
#[test]
fn experimental_flag_sets_header_and_enables_checkpoints() {
    let d = TestDaemon::start_with(&["--experimental"]);
    let (_, h, _) = d.raw("GET", "/_ping", &[], b"");
    assert_eq!(h.get("Docker-Experimental"), Some("true"));
    let (status, _, body) = d.raw("GET", "/v1.41/containers/abc/checkpoints", &[], b"");
    assert!(
        !text(&body).contains("experimental feature is disabled"),
        "{status} {}",
        text(&body)
    );
    let plain = TestDaemon::start();
    let (status, _, body) = plain.raw("GET", "/containers/abc/checkpoints", &[], b"");
    assert_eq!(status, 501);
    assert!(text(&body).contains("experimental feature is disabled"));
}

/// `--api-cors-header '*'` (v20.10 still has the CORS middleware): every
/// routed response carries `Access-Control-Allow-Origin: *` and the
/// fixed allow-headers/methods lists; without the flag, none of them.
#[test]
fn cors_headers_only_with_the_flag() {
    let d = TestDaemon::start_with(&["--api-cors-header", "*"]);
    let (_, h, _) = d.raw("GET", "/_ping", &[], b"");
    assert_eq!(h.get("Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(
        h.get("Access-Control-Allow-Headers"),
        Some("Origin, X-Requested-With, Content-Type, Accept, X-Registry-Auth")
    );
    assert_eq!(
        h.get("Access-Control-Allow-Methods"),
        Some("HEAD, GET, POST, DELETE, PUT, OPTIONS")
    );
    let (status, h, _) = d.raw("OPTIONS", "/v1.41/containers/json", &[], b"");
    assert_eq!(status, 200, "a browser's preflight");
    assert_eq!(h.get("Access-Control-Allow-Origin"), Some("*"));

    let plain = TestDaemon::start();
    let (_, h, _) = plain.raw("GET", "/_ping", &[], b"");
    assert!(!h.has("Access-Control-Allow-Origin"));
}

/// `-D` turns on the debug request middleware (outermost): it logs each
/// request, and the JSON body of a small POST with `password`, `secret`
/// (any case) replaced by `*****` (moby `maskSecretKeys`), nested too.
#[test]
fn debug_middleware_logs_and_masks_secrets() {
    let d = TestDaemon::start_with(&["-D"]);
    let body = br#"{"username":"alice","Password":"hunter2","nested":{"secret":"s3cr3t","keep":"visible"}}"#;
    d.raw(
        "POST",
        "/v1.41/auth",
        &[("Content-Type", "application/json")],
        body,
    );
    assert!(
        d.wait_for_log("visible", Duration::from_secs(5)),
        "the form data is logged:\n{}",
        d.log()
    );
    let log = d.log();
    assert!(log.contains("Calling POST /v1.41/auth"), "{log}");
    assert!(log.contains("alice"), "{log}");
    assert!(log.contains("*****"), "{log}");
    assert!(!log.contains("hunter2"), "password leaked:\n{log}");
    assert!(!log.contains("s3cr3t"), "secret leaked:\n{log}");

    let quiet = TestDaemon::start();
    quiet.raw("GET", "/_ping", &[], b"");
    quiet.raw("GET", "/v1.41/version", &[], b"");
    assert!(!quiet.log().contains("Calling GET"), "{}", quiet.log());
}
