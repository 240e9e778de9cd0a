//! What the daemon does with bad input: malformed or mistyped bodies,
//! oversized bodies, slow clients, odd version prefixes, and a handler
//! that panics.
//!
//! dockerd's answers come from moby `api/server/httputils`
//! (`CheckForJSON`, v20.10.24), the volume router's body decoding, Go's
//! `http.Server.ReadHeaderTimeout`, and gorilla/mux's `{version:[0-9.]+}`.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{json, parse_response, text, TestDaemon};

const JSON: [(&str, &str); 1] = [("Content-Type", "application/json")];

/// A malformed JSON body to a JSON route (`POST /volumes/create`) is a
/// 400 with the decoder's message, not a 500 and not a hang. (dockerd
/// 20.10 answers the same for volumes: `errdefs.InvalidParameter(err)`.)
#[test]
fn malformed_json_is_400() {
    let d = TestDaemon::start();
    let (status, h, body) = d.raw("POST", "/v1.41/volumes/create", &JSON, b"{bad json");
    assert_eq!(status, 400, "{}", text(&body));
    assert_eq!(h.get("Content-Type"), Some("application/json"));
    assert!(json(&body)["message"].as_str().is_some());
    let (status, _, _) = d.raw("POST", "/v1.41/volumes/create", &JSON, b"[1,2]");
    assert_eq!(status, 400, "a JSON array is not a create body");
}

/// moby `httputils.CheckForJSON`: a body with a Content-Type other than
/// `application/json` is a 400 with dockerd's exact message.
#[test]
fn wrong_content_type_is_400() {
    let d = TestDaemon::start();
    let (status, _, body) = d.raw(
        "POST",
        "/volumes/create",
        &[("Content-Type", "text/plain")],
        br#"{"Name":"x"}"#,
    );
    assert_eq!(status, 400);
    assert_eq!(
        text(&body),
        "{\"message\":\"Content-Type specified (text/plain) must be 'application/json'\"}\n"
    );
    // `application/json; charset=utf-8` is JSON (CheckForJSON parses the media type).
    let (status, _, _) = d.raw(
        "POST",
        "/volumes/create",
        &[("Content-Type", "application/json; charset=utf-8")],
        br#"{"Name":"okvol"}"#,
    );
    assert_eq!(status, 201);
    // The media type is compared in lower case, as `mime.ParseMediaType`
    // returns it.
    let (status, _, body) = d.raw(
        "POST",
        "/volumes/create",
        &[("Content-Type", "APPLICATION/JSON")],
        br#"{"Name":"okvol2"}"#,
    );
    assert_eq!(status, 201, "{}", text(&body));
    // No Content-Type at all is fine only without a body (which is then
    // the decoder's EOF, as on dockerd).
    let (status, _, body) = d.raw("POST", "/volumes/create", &[], br#"{"Name":"x"}"#);
    assert_eq!(status, 400);
    assert_eq!(
        text(&body),
        "{\"message\":\"Content-Type specified () must be 'application/json'\"}\n"
    );
    let (status, _, body) = d.raw("POST", "/volumes/create", &[], b"");
    assert_eq!(status, 400);
    assert_eq!(
        text(&body),
        "{\"message\":\"got EOF while reading request body\"}\n"
    );
}

/// A JSON body over the daemon's limit (4 MiB, `MAX_JSON_BODY`) is
/// refused with a 400 as soon as the limit is passed: the daemon does not
/// buffer without bound, and the client is not left hanging.
#[test]
fn oversized_body_is_400_quickly() {
    let d = TestDaemon::start();
    let size = 6 << 20;
    let mut stream = UnixStream::connect(&d.socket).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let head = format!(
        "POST /volumes/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let started = Instant::now();
    // The daemon may answer and close before it has read everything: a
    // write error here is expected, so the writer runs on its own thread.
    let t = std::thread::spawn(move || {
        let chunk = vec![b' '; 64 << 10];
        let mut sent = 0;
        while sent < size {
            if writer.write_all(&chunk).is_err() {
                break;
            }
            sent += chunk.len();
        }
    });
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let (status, _, body) = parse_response(&raw, false);
    assert_eq!(status, 400, "{}", text(&body));
    assert!(text(&body).contains("larger than"), "{}", text(&body));
    assert!(started.elapsed() < Duration::from_secs(5));
    let _ = t.join();
}

/// Go's `ReadHeaderTimeout`: a client that sends half a request head and
/// then nothing has its connection closed once the timeout passes (set to
/// 300 ms here with `MINI_DOCKERD_READ_HEADER_TIMEOUT_MS`), and the daemon
/// keeps serving others.
#[test]
fn slow_header_connection_is_closed() {
    let d = TestDaemon::start_with_env(&[], &[("MINI_DOCKERD_READ_HEADER_TIMEOUT_MS", "300")]);
    let mut stream = UnixStream::connect(&d.socket).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET /_ping HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(250) && waited < Duration::from_secs(5),
        "closed after {waited:?}"
    );
    assert!(
        !String::from_utf8_lossy(&buf).contains("200 OK"),
        "a half request is never answered"
    );
    assert_eq!(d.raw("GET", "/_ping", &[], b"").0, 200);
}

/// The version prefix is gorilla's `{version:[0-9.]+}`: letters do not
/// match (so `/vabc/_ping` is an unknown path, 404 without middleware
/// headers), while any run of digits and dots does and is then compared
/// numerically: `1.41.0` equals 1.41, while `1..41` reads as 1.0.41 (an
/// empty part is 0), which is below 1.12: the version middleware's 400.
#[test]
fn version_prefix_forms() {
    let d = TestDaemon::start();
    let (status, h, body) = d.raw("GET", "/vabc/_ping", &[], b"");
    assert_eq!(status, 404);
    assert_eq!(text(&body), "{\"message\":\"page not found\"}\n");
    assert!(!h.has("Api-Version"));
    let (status, _, _) = d.raw("GET", "/v/version", &[], b"");
    assert_eq!(status, 404, "an empty version does not match [0-9.]+");
    let (status, _, body) = d.raw("GET", "/v1.41.0/version", &[], b"");
    assert_eq!(status, 200, "{}", text(&body));
    let (status, _, body) = d.raw("GET", "/v1..41/version", &[], b"");
    assert_eq!(status, 400);
    assert_eq!(
        text(&body),
        "client version 1..41 is too old. Minimum supported API version is 1.12, \
         please upgrade your client to a newer version\n"
    );
    let (status, _, body) = d.raw("GET", "/v1.9/version", &[], b"");
    assert_eq!(status, 400, "1.9 < 1.12 numerically: {}", text(&body));
}

/// moby's `makeErrorHandler` writes JSON errors only for a URL version
/// above 1.23 (or none): `/v1.23/...` and older get Go's `http.Error`,
/// the bare message and a newline as `text/plain; charset=utf-8` with
/// `X-Content-Type-Options: nosniff`, as a real dockerd 20.10.24 answers.
/// The middleware headers are there either way.
#[test]
fn errors_of_old_api_versions_are_plain_text() {
    let d = TestDaemon::start();
    let (status, h, body) = d.raw("GET", "/v1.23/containers/nope/json", &[], b"");
    assert_eq!(status, 404);
    assert_eq!(h.get("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(h.get("X-Content-Type-Options"), Some("nosniff"));
    assert_eq!(h.get("Api-Version"), Some("1.41"));
    assert_eq!(text(&body), "No such container: nope\n");
    let (status, h, body) = d.raw("GET", "/v1.11/version", &[], b"");
    assert_eq!(status, 400);
    assert_eq!(h.get("Content-Type"), Some("text/plain; charset=utf-8"));
    assert!(text(&body).starts_with("client version 1.11 is too old."));
    for path in ["/v1.24/containers/nope/json", "/containers/nope/json"] {
        let (status, h, body) = d.raw("GET", path, &[], b"");
        assert_eq!(status, 404, "{path}");
        assert_eq!(h.get("Content-Type"), Some("application/json"), "{path}");
        assert_eq!(
            text(&body),
            "{\"message\":\"No such container: nope\"}\n",
            "{path}"
        );
    }
}

/// moby's `makeHTTPHandler` turns a handler error into JSON; a Rust panic
/// in a handler must not take the connection (or the daemon) down: ours
/// catches it and answers 500 `{"message":"internal error: the handler
/// panicked: ..."}`, and the same entry point keeps serving.
#[tokio::test]
async fn handler_panic_is_500_json() {
    use http_body_util::{BodyExt, Empty};
    use mini_dockerd::server::httputils::{ApiFunc, ConnInfo};
    use mini_dockerd::server::{make_http_handler, RouteEntry};

    fn entry(handler: ApiFunc) -> RouteEntry {
        RouteEntry {
            handler,
            method: Some(hyper::Method::GET),
            template: "/boom".into(),
            handler_name: "boom",
            router: "test",
            moby_file: "-",
            rust_file: file!(),
            not_found: false,
        }
    }
    fn request() -> mini_dockerd::server::httputils::ApiRequest {
        hyper::Request::builder()
            .uri("/boom")
            .body(Empty::new().map_err(|never| match never {}).boxed())
            .unwrap()
    }
    let conn = Arc::new(ConnInfo {
        id: 1,
        listener: "test".into(),
        peer: String::new(),
        tls_client: None,
    });
    let panicking: ApiFunc = Arc::new(|_ctx, _req, _vars| {
        Box::pin(async {
            if std::hint::black_box(true) {
                panic!("boom in a handler");
            }
            unreachable!()
        })
    });
    let resp = make_http_handler(
        &entry(panicking),
        conn.clone(),
        1,
        request(),
        Default::default(),
    )
    .await;
    assert_eq!(resp.status(), 500);
    assert_eq!(
        resp.headers().get("Content-Type").unwrap(),
        "application/json"
    );
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(
        json(&body)["message"],
        "internal error: the handler panicked: boom in a handler"
    );

    let fine: ApiFunc = Arc::new(|_ctx, _req, _vars| {
        Box::pin(async {
            Ok(mini_dockerd::server::httputils::no_content(
                hyper::StatusCode::NO_CONTENT,
            ))
        })
    });
    let resp = make_http_handler(&entry(fine), conn, 2, request(), Default::default()).await;
    assert_eq!(resp.status(), 204);
}

/// moby's handlers begin with `httputils.ParseForm`, which is Go's
/// `url.ParseQuery`: a `;` in the query or a bad `%` escape is a 400 with
/// Go's message, and `r.Form.Get` takes the *first* value of a repeated
/// key. `getContainersByName` never calls `ParseForm`, so there a
/// malformed query is no error and the lookup goes on. (dockerd answers a
/// non-numeric `limit` with a 500; we answer 400, see `errdefs.rs`.)
#[test]
fn query_strings_parse_as_go_does() {
    let d = TestDaemon::start();
    let (status, _, body) = d.raw("GET", "/containers/json?all=1;x=2", &[], b"");
    assert_eq!(status, 400);
    assert_eq!(
        text(&body),
        "{\"message\":\"invalid semicolon separator in query\"}\n"
    );
    let (status, _, body) = d.raw("GET", "/containers/json?all=%zz", &[], b"");
    assert_eq!(status, 400);
    assert_eq!(
        text(&body),
        "{\"message\":\"invalid URL escape \\\"%zz\\\"\"}\n"
    );
    let (status, _, body) = d.raw("GET", "/containers/json?limit=1&limit=abc", &[], b"");
    assert_eq!(status, 200, "the first limit counts: {}", text(&body));
    let (status, _, _) = d.raw("GET", "/containers/json?limit=abc&limit=1", &[], b"");
    assert_eq!(status, 400, "the first limit counts");
    let (status, _, body) = d.raw("GET", "/containers/nope/json?a;b", &[], b"");
    assert_eq!(status, 404);
    assert_eq!(text(&body), "{\"message\":\"No such container: nope\"}\n");
}

/// Go's `net/http` decodes the path before gorilla/mux matches it, as a
/// real dockerd shows: `%2D` in a name is a `-`, an encoded `..` is
/// cleaned away with gorilla's 301 (the Location escaped again, the query
/// kept), `%2F` is a `/` inside `{name:.*}`, and a bad escape is Go's bare
/// plain-text 400 with the connection closed, before any middleware.
#[test]
fn paths_are_matched_decoded_as_go_does() {
    let d = TestDaemon::start();
    let (status, _, body) = d.raw("GET", "/v1.41/containers/no%2Dsuch/json", &[], b"");
    assert_eq!(status, 404);
    assert_eq!(
        text(&body),
        "{\"message\":\"No such container: no-such\"}\n"
    );
    let (status, _, body) = d.raw("GET", "/v1.41/containers/a%2Fb/json", &[], b"");
    assert_eq!(status, 404);
    assert_eq!(text(&body), "{\"message\":\"No such container: a/b\"}\n");
    let (status, h, _) = d.raw("GET", "/v1.41/containers/%2e%2e/json", &[], b"");
    assert_eq!(status, 301);
    assert_eq!(h.get("Location"), Some("/v1.41/json"));
    let (status, h, _) = d.raw("GET", "/v1.41/containers/a%20b//json?all=1", &[], b"");
    assert_eq!(status, 301);
    assert_eq!(
        h.get("Location"),
        Some("/v1.41/containers/a%20b/json?all=1")
    );
    let (status, h, body) = d.raw("GET", "/v1.41/containers/%zz/json", &[], b"");
    assert_eq!(status, 400);
    assert_eq!(text(&body), "400 Bad Request");
    assert_eq!(h.get("Connection"), Some("close"));
    assert!(!h.has("Api-Version"), "refused before the middlewares");
}

/// A client that stops in the middle of a body (less than its
/// Content-Length, or a chunked body that never ends) is not waited for
/// forever, as dockerd would: after the read timeout without a byte
/// (300 ms here) the handler answers 400 and the connection closes. Both
/// a plain handler and one behind the debug middleware (`-D`, which reads
/// JSON bodies to log them) give up.
#[test]
fn stalled_body_is_cut_off() {
    for args in [&[][..], &["-D"][..]] {
        let d = TestDaemon::start_with_env(args, &[("MINI_DOCKERD_READ_HEADER_TIMEOUT_MS", "300")]);
        for head in [
            "POST /volumes/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"Na",
            "POST /volumes/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"Na\r\n",
        ] {
            let mut stream = UnixStream::connect(&d.socket).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            stream.write_all(head.as_bytes()).unwrap();
            let started = Instant::now();
            let mut buf = Vec::new();
            let _ = stream.read_to_end(&mut buf);
            let waited = started.elapsed();
            let answer = String::from_utf8_lossy(&buf);
            assert!(
                waited >= Duration::from_millis(250) && waited < Duration::from_secs(5),
                "{args:?}: closed after {waited:?}"
            );
            assert!(answer.starts_with("HTTP/1.1 400"), "{args:?}: {answer}");
            assert!(
                answer.contains("the client sent nothing for 300 ms"),
                "{args:?}: {answer}"
            );
        }
        assert_eq!(d.raw("GET", "/volumes", &[], b"").0, 200, "{args:?}");
    }
}

/// Go's `net/http` refuses an HTTP/1.1 request without a `Host` header
/// before any handler: `400 Bad Request: missing required Host header`
/// in the status line and the body, and the connection closed. HTTP/1.0
/// needs no Host.
#[test]
fn http11_without_host_is_gos_400() {
    let d = TestDaemon::start();
    for (request, want) in [
        (
            "GET /_ping HTTP/1.1\r\n\r\n",
            "HTTP/1.1 400 Bad Request: missing required Host header\r\n",
        ),
        ("GET /_ping HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n"),
    ] {
        let mut stream = UnixStream::connect(&d.socket).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut buf = Vec::new();
        let _ = stream.read_to_end(&mut buf);
        let answer = String::from_utf8_lossy(&buf);
        assert!(answer.starts_with(want), "{request:?}: {answer}");
    }
}

/// A handler that answers without reading the body (here `POST /build`
/// refusing its `buildargs` before it looks at the context) does not
/// leave the client writing into a closed socket:
/// as Go's server does (`maxPostHandlerReadBytes`), the daemon reads and
/// drops up to 256 KiB of what is left before it answers, so a client
/// that sends its whole body before reading (the docker CLI sending a
/// build context) gets the answer. The client's send buffer is made
/// small, so the body cannot hide in it: every byte must be read.
#[test]
fn unread_body_is_drained_before_the_answer() {
    use std::os::fd::AsFd;
    let d = TestDaemon::start();
    let mut s = UnixStream::connect(&d.socket).unwrap();
    nix::sys::socket::setsockopt(&s.as_fd(), nix::sys::socket::sockopt::SndBuf, &4096).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let body = vec![b'x'; 200 << 10];
    let head = format!(
        "POST /v1.41/build?buildargs=notjson HTTP/1.1\r\nHost: docker\r\nContent-Type: application/x-tar\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&body).expect("the daemon reads the whole body");
    let mut resp = Vec::new();
    let mut buf = [0u8; 4096];
    while !resp.windows(4).any(|w| w == b"\r\n\r\n") || !resp.ends_with(b"}\n") {
        let n = s.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        resp.extend_from_slice(&buf[..n]);
    }
    let (status, _, body) = parse_response(&resp, false);
    assert_eq!(status, 400);
    assert!(
        text(&body).contains("error reading build args"),
        "{}",
        text(&body)
    );
}

/// Create options mini-dockerd cannot honour are refused at create with
/// dockerd's status and text rather than accepted and ignored: an
/// unknown runtime, `--storage-opt` (dockerd's overlay2 needs xfs
/// quotas), an address on the default network, and `--link` to a
/// container that does not exist (all 400, as dockerd); a link to one
/// that does is a 501, since there is no bridge to link over.
#[test]
fn create_refuses_what_it_cannot_honour() {
    let d = TestDaemon::start();
    let create = |host_config: &str, networking: &str| {
        let body = format!(
            r#"{{"Image":"busybox","Cmd":["true"],"HostConfig":{host_config},"NetworkingConfig":{networking}}}"#
        );
        let (status, _, body) = d.raw(
            "POST",
            "/v1.41/containers/create",
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        );
        (
            status,
            json(&body)["message"].as_str().unwrap_or("").to_string(),
        )
    };
    assert_eq!(
        create(r#"{"Runtime":"nosuch"}"#, "null"),
        (400, "Unknown runtime specified nosuch".to_string())
    );
    assert_eq!(
        create(r#"{"StorageOpt":{"size":"1G"}}"#, "null"),
        (
            400,
            "--storage-opt is supported only for overlay over xfs with 'pquota' mount option"
                .to_string()
        )
    );
    assert_eq!(
        create(
            "{}",
            r#"{"EndpointsConfig":{"bridge":{"IPAMConfig":{"IPv4Address":"172.17.0.50"}}}}"#
        ),
        (
            400,
            "user specified IP address is supported on user defined networks only".to_string()
        )
    );
    assert_eq!(
        create(r#"{"Links":["nosuch:alias"]}"#, "null"),
        (
            400,
            "could not get container for nosuch: No such container: nosuch".to_string()
        )
    );
    let (status, _) = create(r#"{"Binds":[]}"#, "null");
    assert_eq!(status, 201);
    d.raw(
        "POST",
        "/v1.41/containers/create?name=target",
        &[("Content-Type", "application/json")],
        br#"{"Image":"busybox","Cmd":["true"]}"#,
    );
    let (status, message) = create(r#"{"Links":["target:alias"]}"#, "null");
    assert_eq!(status, 501, "{message}");
}
