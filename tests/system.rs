//! The system router against a real daemon: `/_ping`, `/version`,
//! `/info`, `/events`, `/system/df`, and the docker CLI's view of them.
//!
//! Each expectation is taken from a real dockerd 20.10.24's answer
//! (shared/reference/dockerd-20.10-responses/*.txt) or from moby's
//! `api/server/router/system/system_routes.go` and
//! `api/server/middleware/version.go` (v20.10.24).

mod common;

use common::{docker_available, json, text, TestDaemon};

/// `GET /_ping` (__ping.txt): 200, body `OK`, the ping handler's
/// `Cache-Control`/`Pragma`, `text/plain; charset=utf-8`, and the
/// headers the version and experimental middlewares add: `Api-Version:
/// 1.41`, `Ostype: linux`, `Docker-Experimental: false`, `Server`.
#[test]
fn ping_get_answers_ok_with_dockerd_headers() {
    let d = TestDaemon::start();
    let (status, h, body) = d.raw("GET", "/_ping", &[], b"");
    assert_eq!(status, 200);
    assert_eq!(text(&body), "OK");
    assert_eq!(h.get("Api-Version"), Some("1.41"));
    assert_eq!(h.get("Docker-Experimental"), Some("false"));
    assert_eq!(h.get("Ostype"), Some("linux"));
    assert_eq!(
        h.get("Cache-Control"),
        Some("no-cache, no-store, must-revalidate")
    );
    assert_eq!(h.get("Pragma"), Some("no-cache"));
    assert_eq!(h.get("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(h.get("Content-Length"), Some("2"));
    let server = h.get("Server").expect("a Server header");
    assert!(
        server.starts_with("Docker/") && server.ends_with(" (linux)"),
        "{server}"
    );
}

/// `HEAD /_ping` is what the docker CLI sends first: same headers as GET,
/// `Content-Length: 0`, no body. The HEAD route exists in its own right
/// (moby registers `NewHeadRoute("/_ping", ...)`); there is no automatic
/// HEAD→GET fallback.
#[test]
fn ping_head_has_headers_and_no_body() {
    let d = TestDaemon::start();
    let (status, h, _) = d.raw("HEAD", "/_ping", &[], b"");
    assert_eq!(status, 200);
    assert_eq!(h.get("Api-Version"), Some("1.41"));
    assert_eq!(h.get("Docker-Experimental"), Some("false"));
    assert_eq!(h.get("Ostype"), Some("linux"));
    assert_eq!(h.get("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(h.get("Content-Length"), Some("0"));
    assert_eq!(h.get("Pragma"), Some("no-cache"));
}

/// `GET /version` (_version.txt): ApiVersion is the maximum (1.41),
/// MinAPIVersion 1.12, KernelVersion is the host's `uname -r`, Os/Arch
/// in Go's spelling, and `Components[0]` is the Engine with the same
/// details. The versioned and unversioned paths give the same answer.
#[test]
fn version_reports_api_versions_and_kernel() {
    let d = TestDaemon::start();
    let uname = nix::sys::utsname::uname().expect("uname");
    let kernel = uname.release().to_string_lossy().to_string();
    for path in ["/version", "/v1.41/version", "/v1.12/version"] {
        let (status, h, body) = d.raw("GET", path, &[], b"");
        assert_eq!(status, 200, "{path}");
        assert_eq!(h.get("Content-Type"), Some("application/json"));
        let v = json(&body);
        assert_eq!(v["ApiVersion"], "1.41", "{path}");
        assert_eq!(v["MinAPIVersion"], "1.12");
        assert_eq!(v["KernelVersion"], kernel.as_str());
        assert_eq!(v["Os"], "linux");
        assert_eq!(v["Arch"], go_arch());
        assert_eq!(v["Components"][0]["Name"], "Engine");
        assert_eq!(v["Components"][0]["Details"]["ApiVersion"], "1.41");
        assert_eq!(v["Components"][0]["Details"]["MinAPIVersion"], "1.12");
        assert_eq!(v["Components"][0]["Details"]["Experimental"], "false");
        // `omitempty` at the top level: said only when true.
        assert!(v.get("Experimental").is_none(), "{path}");
        assert!(v["Version"].as_str().is_some_and(|s| !s.is_empty()));
    }
}

/// Go's GOARCH for this machine (`amd64`, `arm64`): what dockerd reports.
fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// `GET /info` (_info.txt): the fields the docker CLI prints or guards
/// against null: OSType, Architecture (uname's spelling, x86_64), NCPU,
/// DockerRootDir (our data root), Swarm.LocalNodeState "inactive",
/// RegistryConfig and DriverStatus not null, ServerVersion.
///
/// `ID` has the shape of dockerd 20.10's (its trust key's id: twelve
/// groups of four base32 characters) and is the same after a restart.
#[test]
fn info_has_the_fields_the_cli_reads() {
    let mut d = TestDaemon::start();
    let id_of = |d: &TestDaemon| json(&d.raw("GET", "/v1.41/info", &[], b"").2)["ID"].clone();
    let id = id_of(&d);
    let groups: Vec<&str> = id.as_str().expect("an ID").split(':').collect();
    assert_eq!(groups.len(), 12, "{id}");
    assert!(groups.iter().all(|g| g.len() == 4
        && g.bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))));
    d.restart();
    assert_eq!(id_of(&d), id, "the id survives a restart");
    // The keys come in moby's `types.Info` field order, as in _info.txt.
    let body = d.raw("GET", "/v1.41/info", &[], b"").2;
    let keys: Vec<String> =
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&body)
            .expect("an object")
            .keys()
            .take(6)
            .cloned()
            .collect();
    assert_eq!(
        keys,
        [
            "ID",
            "Containers",
            "ContainersRunning",
            "ContainersPaused",
            "ContainersStopped",
            "Images"
        ]
    );
    let (status, _, body) = d.raw("GET", "/v1.41/info", &[], b"");
    assert_eq!(status, 200);
    let v = json(&body);
    assert_eq!(v["OSType"], "linux");
    assert_eq!(v["Architecture"], std::env::consts::ARCH);
    assert_eq!(v["DockerRootDir"], d.root.display().to_string().as_str());
    assert_eq!(v["Swarm"]["LocalNodeState"], "inactive");
    assert!(v["NCPU"].as_u64().is_some_and(|n| n >= 1));
    assert!(v["RegistryConfig"].is_object());
    assert!(v["DriverStatus"].is_array());
    assert_eq!(v["Containers"], 0);
    assert!(v["ServerVersion"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(v["Plugins"]["Volume"][0], "local");
}

/// The version middleware's bounds (_v9_99_version.txt): a version above
/// the maximum is a 400 with dockerd's exact message; the response has
/// `Api-Version`, `Server` and `Ostype` (set before the check) but no
/// `Docker-Experimental`, because the experimental middleware sits inside
/// the version middleware and never runs.
#[test]
fn too_new_version_is_400_without_experimental_header() {
    let d = TestDaemon::start();
    let (status, h, body) = d.raw("GET", "/v9.99/version", &[], b"");
    assert_eq!(status, 400);
    assert_eq!(
        text(&body),
        "{\"message\":\"client version 9.99 is too new. Maximum supported API version is 1.41\"}\n"
    );
    assert_eq!(h.get("Content-Type"), Some("application/json"));
    assert_eq!(h.get("Api-Version"), Some("1.41"));
    assert_eq!(h.get("Ostype"), Some("linux"));
    assert!(h.has("Server"));
    assert!(!h.has("Docker-Experimental"), "{:?}", h.names());
}

/// Below the minimum (1.12): 400 "too old". v20.10's server writes errors
/// for versions below 1.24 as JSON like any other (the plain-text form is
/// newer moby).
#[test]
fn too_old_version_is_400() {
    let d = TestDaemon::start();
    let (status, h, body) = d.raw("GET", "/v1.11/version", &[], b"");
    assert_eq!(status, 400);
    assert_eq!(h.get("Api-Version"), Some("1.41"));
    assert!(
        text(&body).contains(
            "client version 1.11 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version"
        ),
        "{}",
        text(&body)
    );
}

/// `docker version` talks to the daemon and prints a Server section with
/// the API version the daemon reported.
#[test]
fn docker_version_prints_server_section() {
    if !docker_available() {
        return;
    }
    let d = TestDaemon::start();
    let out = d.docker(&["version"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let server = stdout.split("Server:").nth(1).expect("a Server: section");
    assert!(server.contains("API version:"), "{server}");
    assert!(server.contains("1.41"), "{server}");
}

/// `docker info` runs to completion against the daemon (it guards against
/// nulls in fields we might get wrong) and names our data root.
#[test]
fn docker_info_works() {
    if !docker_available() {
        return;
    }
    let d = TestDaemon::start();
    let out = d.docker(&["info"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains(&format!("Docker Root Dir: {}", d.root.display())),
        "{stdout}"
    );
}

/// `GET /events` with `since` and `until` both in the past on an empty
/// store: 200, and the stream ends at once with an empty body (dockerd
/// sends the stored events in the window and stops when `until` is past).
#[test]
fn events_in_the_past_end_with_empty_body() {
    let d = TestDaemon::start();
    let (status, h, body) = d.raw("GET", "/v1.41/events?since=1000&until=2000", &[], b"");
    assert_eq!(status, 200);
    assert_eq!(h.get("Content-Type"), Some("application/json"));
    assert!(body.is_empty(), "{}", text(&body));
}

/// `until` before `since` is rejected before the stream starts, with
/// dockerd's message (daemon/events.go `SubscribeToEvents` callers).
#[test]
fn events_until_before_since_is_400() {
    let d = TestDaemon::start();
    let (status, _, body) = d.raw("GET", "/events?since=2000&until=1000", &[], b"");
    assert_eq!(status, 400);
    assert_eq!(
        json(&body)["message"],
        "`since` time (2000) cannot be after `until` time (1000)"
    );
}

/// Malformed `filters` and `since` values are 400s, not 500s and not an
/// open stream.
#[test]
fn events_bad_query_is_400() {
    let d = TestDaemon::start();
    let (status, _, body) = d.raw("GET", "/events?filters=notjson&until=1", &[], b"");
    assert_eq!(status, 400, "{}", text(&body));
    assert!(json(&body)["message"].as_str().is_some());
    let (status, _, body) = d.raw("GET", "/events?since=abc", &[], b"");
    assert_eq!(status, 400, "{}", text(&body));
}

/// `GET /system/df` (_system_df.txt): the five lists and the two sizes
/// `docker system df` reads, present even when empty.
#[test]
fn system_df_has_dockerd_shape() {
    let d = TestDaemon::start();
    let (status, _, body) = d.raw("GET", "/v1.41/system/df", &[], b"");
    assert_eq!(status, 200);
    let v = json(&body);
    assert!(v["LayersSize"].is_number());
    assert!(v["Images"].is_array());
    assert!(v["Containers"].is_array());
    assert!(v["Volumes"].is_array());
    assert!(v["BuilderSize"].is_number());
    // Present, and `null` with no build cache, as from dockerd.
    assert!(v.get("BuildCache").is_some_and(|b| b.is_null()));
}

/// `GET /events` without `until` is a live stream: the 200 and headers
/// go out at once, then one JSON object per line as events happen. A
/// volume created on another connection shows up as
/// `{"Type":"volume","Action":"create","Actor":{"ID":"NAME",...}}`.
#[test]
fn events_stream_live_event() {
    use std::io::BufRead;
    let d = TestDaemon::start();
    let mut r = d.open_stream("/v1.41/events?filters=%7B%22type%22%3A%5B%22volume%22%5D%7D");
    let mut line = String::new();
    let (status, _, _) = d.raw(
        "POST",
        "/volumes/create",
        &[("Content-Type", "application/json")],
        br#"{"Name":"evvol"}"#,
    );
    assert_eq!(status, 201);
    // Chunked body: a size line, then the event line.
    let event = loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        if line.trim_start().starts_with('{') {
            break json(line.trim().as_bytes());
        }
    };
    assert_eq!(event["Type"], "volume");
    assert_eq!(event["Action"], "create");
    assert_eq!(event["Actor"]["ID"], "evvol");
    assert_eq!(event["Actor"]["Attributes"]["driver"], "local");
    assert_eq!(event["scope"], "local");
    assert!(event["timeNano"].as_i64().is_some_and(|t| t > 0));
}

/// `docker events` without `since` shows only what happens from then on
/// (moby's `loadBufferedEvents` returns nothing without since/until), and
/// a `container` filter judges every event by its actor, so a volume's
/// event does not get through `--filter container=evc`.
#[test]
fn events_start_now_and_container_filter_covers_every_type() {
    use std::io::BufRead;
    let d = TestDaemon::start();
    let ct = [("Content-Type", "application/json")];
    let create_volume = |name: &str| {
        let body = format!(r#"{{"Name":"{name}"}}"#);
        assert_eq!(
            d.raw("POST", "/volumes/create", &ct, body.as_bytes()).0,
            201
        );
    };
    let next_event = |r: &mut std::io::BufReader<std::os::unix::net::UnixStream>| loop {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        if line.trim_start().starts_with('{') {
            break json(line.trim().as_bytes());
        }
    };
    create_volume("old");
    let mut all = d.open_stream("/v1.41/events");
    let mut by_container =
        d.open_stream("/v1.41/events?filters=%7B%22container%22%3A%5B%22evc%22%5D%7D");
    create_volume("new");
    let (status, _, body) = d.raw(
        "POST",
        "/containers/create?name=evc",
        &ct,
        br#"{"Image":"busybox","Cmd":["true"]}"#,
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let first = next_event(&mut all);
    assert_eq!(
        (&first["Type"], &first["Actor"]["ID"]),
        (&"volume".into(), &"new".into())
    );
    let first = next_event(&mut by_container);
    assert_eq!(first["Type"], "container");
    assert_eq!(first["Action"], "create");
    assert_eq!(first["Actor"]["Attributes"]["name"], "evc");
}

/// bollard (pinned to API 1.41) sees the same daemon: `ping` answers
/// `OK`, `version` reports API 1.41, and the volume list is a list.
#[tokio::test]
async fn bollard_ping_version_volumes() {
    let d = TestDaemon::start();
    let docker = d.bollard();
    assert_eq!(docker.ping().await.unwrap(), "OK");
    let v = docker.version().await.unwrap();
    assert_eq!(v.api_version.as_deref(), Some("1.41"));
    assert_eq!(v.os.as_deref(), Some("linux"));
    let vols = docker
        .list_volumes(None::<bollard::query_parameters::ListVolumesOptions>)
        .await
        .unwrap();
    assert!(vols.volumes.unwrap_or_default().is_empty());
}
