//! Volumes and networks against a real daemon, over the wire and through
//! the docker CLI.
//!
//! Shapes and messages come from a real dockerd 20.10.24
//! (_volumes.txt, _volumes_refv.txt, _networks.txt, _networks_bridge.txt)
//! and from moby `volume/service` and `daemon/network.go` (v20.10.24).

mod common;

use common::{docker_available, json, text, TestDaemon};

/// `POST /volumes/create` → 201 with the volume; `GET /volumes/NAME` and
/// `GET /volumes` give dockerd's keys in dockerd's order
/// (`CreatedAt, Driver, Labels, Mountpoint, Name, Options, Scope`), the
/// mountpoint is `<data-root>/volumes/NAME/_data` and exists, labels
/// without any are `null`, and the list is `{"Volumes":[...],"Warnings":null}`.
#[test]
fn volume_create_inspect_list_shapes() {
    let d = TestDaemon::start();
    let (status, h, body) = d.raw(
        "POST",
        "/v1.41/volumes/create",
        &[("Content-Type", "application/json")],
        br#"{"Name":"refv"}"#,
    );
    assert_eq!(status, 201, "{}", text(&body));
    assert_eq!(h.get("Content-Type"), Some("application/json"));
    let created = json(&body);
    let mountpoint = d.root.join("volumes/refv/_data");
    assert_eq!(
        created["Mountpoint"],
        mountpoint.display().to_string().as_str()
    );
    assert!(mountpoint.is_dir());

    let (status, _, body) = d.raw("GET", "/v1.41/volumes/refv", &[], b"");
    assert_eq!(status, 200);
    let s = text(&body);
    let keys = [
        "\"CreatedAt\"",
        "\"Driver\":\"local\"",
        "\"Labels\":null",
        "\"Mountpoint\"",
        "\"Name\":\"refv\"",
        "\"Options\":null",
        "\"Scope\":\"local\"",
    ];
    let mut at = 0;
    for k in keys {
        let pos = s[at..]
            .find(k)
            .unwrap_or_else(|| panic!("{k} in order in {s}"));
        at += pos;
    }
    let created_at = json(&body)["CreatedAt"].as_str().unwrap().to_string();
    assert!(
        created_at.len() == 20 && created_at.ends_with('Z'),
        "{created_at}"
    );

    let (status, _, body) = d.raw("GET", "/v1.41/volumes", &[], b"");
    assert_eq!(status, 200);
    let list = json(&body);
    assert_eq!(list["Warnings"], serde_json::Value::Null);
    assert_eq!(list["Volumes"][0]["Name"], "refv");
}

/// Errors: a missing volume is 404 `get NAME: no such volume`; an empty
/// create body is 400 `got EOF while reading request body`; a bad name or
/// option is the local driver's 400 behind the store's `create NAME: `; a
/// removal of a missing volume with `force` is a 204. The texts are a
/// real dockerd 20.10.24's.
#[test]
fn volume_errors_match_dockerd() {
    let d = TestDaemon::start();
    let (status, _, body) = d.raw("GET", "/volumes/nope", &[], b"");
    assert_eq!(status, 404);
    assert_eq!(json(&body)["message"], "get nope: no such volume");
    let (status, _, body) = d.raw("DELETE", "/volumes/nope", &[], b"");
    assert_eq!(status, 404);
    assert_eq!(json(&body)["message"], "get nope: no such volume");
    let (status, _, _) = d.raw("DELETE", "/volumes/nope?force=1", &[], b"");
    assert_eq!(status, 204);
    let ct = [("Content-Type", "application/json")];
    let (status, _, body) = d.raw("POST", "/volumes/create", &ct, b"");
    assert_eq!(status, 400);
    assert_eq!(json(&body)["message"], "got EOF while reading request body");
    let (status, _, body) = d.raw("POST", "/volumes/create", &ct, br#"{"Name":"a/b"}"#);
    assert_eq!(status, 400);
    assert!(
        text(&body).starts_with(
            "{\"message\":\"create a/b: \\\"a/b\\\" includes invalid characters for a local volume name"
        ),
        "{}",
        text(&body)
    );
    // moby's OpErr leaves out an empty name; the local driver names the
    // option it does not know.
    let (status, _, body) = d.raw("GET", "/volumes/", &[], b"");
    assert_eq!(status, 404);
    assert_eq!(json(&body)["message"], "get: no such volume");
    let (status, _, body) = d.raw(
        "POST",
        "/volumes/create",
        &ct,
        br#"{"Name":"vv","DriverOpts":{"foo":"bar"}}"#,
    );
    assert_eq!(status, 400);
    assert_eq!(json(&body)["message"], "create vv: invalid option: \"foo\"");
    let (status, _, body) = d.raw(
        "GET",
        "/volumes?filters=%7B%22dangling%22%3A%5B%22maybe%22%2C%22x%22%5D%7D",
        &[],
        b"",
    );
    assert_eq!(status, 400);
    assert_eq!(
        json(&body)["message"],
        "Invalid filter 'dangling=[maybe x]'"
    );
}

/// Volumes persist across a daemon restart (the data root keeps them).
#[test]
fn volumes_survive_restart() {
    let mut d = TestDaemon::start();
    let ct = [("Content-Type", "application/json")];
    let (status, _, _) = d.raw(
        "POST",
        "/volumes/create",
        &ct,
        br#"{"Name":"keep","Labels":{"team":"x"}}"#,
    );
    assert_eq!(status, 201);
    d.restart();
    let (status, _, body) = d.raw("GET", "/volumes/keep", &[], b"");
    assert_eq!(status, 200);
    assert_eq!(json(&body)["Labels"]["team"], "x");
}

/// The docker CLI's volume commands end to end: create, ls, inspect,
/// rm, prune, and `docker system df` counting the volume. `docker volume
/// create` logs a `create` event that `docker events` (with a past
/// `--until`) replays.
#[test]
fn docker_volume_commands() {
    if !docker_available() {
        return;
    }
    let d = TestDaemon::start();
    let out = d.docker(&["volume", "create", "--label", "team=x", "v1"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "v1");
    let out = d.docker(&["volume", "ls", "--format", "{{.Driver}} {{.Name}}"]);
    assert_eq!(text(&out.stdout).trim(), "local v1");
    let out = d.docker(&["volume", "inspect", "--format", "{{.Labels.team}}", "v1"]);
    assert_eq!(text(&out.stdout).trim(), "x");
    let out = d.docker(&["system", "df"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let df = text(&out.stdout);
    let volumes_line = df
        .lines()
        .find(|l| l.starts_with("Local Volumes"))
        .expect("a Local Volumes line");
    assert!(
        volumes_line.split_whitespace().nth(2) == Some("1"),
        "{volumes_line}"
    );

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let until = (now + 1).to_string();
    let out = d.docker(&[
        "events",
        "--since",
        "0",
        "--until",
        &until,
        "--format",
        "{{.Type}} {{.Action}} {{.Actor.ID}}",
    ]);
    assert!(
        text(&out.stdout).contains("volume create v1"),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );

    let out = d.docker(&["volume", "rm", "v1"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = d.docker(&["volume", "inspect", "v1"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no such volume"),
        "{}",
        text(&out.stderr)
    );
    d.docker(&["volume", "create", "v2"]);
    let out = d.docker(&["volume", "prune", "-f"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("v2"), "{}", text(&out.stdout));
    let out = d.docker(&["volume", "ls", "-q"]);
    assert_eq!(text(&out.stdout).trim(), "");
}

/// `GET /networks` lists the three built-ins in dockerd's order and shape
/// (_networks.txt): none, host, bridge, with 64-hex ids, the bridge's
/// default options and subnet. The ids are stable across a restart with
/// the same data root.
#[test]
fn networks_list_builtins_with_stable_ids() {
    let mut d = TestDaemon::start();
    let (status, _, body) = d.raw("GET", "/v1.41/networks", &[], b"");
    assert_eq!(status, 200);
    let list = json(&body);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["none", "host", "bridge"]);
    let drivers: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["Driver"].as_str().unwrap())
        .collect();
    assert_eq!(drivers, ["null", "host", "bridge"]);
    let bridge = &list[2];
    assert_eq!(bridge["Id"].as_str().unwrap().len(), 64);
    assert_eq!(bridge["IPAM"]["Config"][0]["Subnet"], "172.17.0.0/16");
    assert_eq!(
        bridge["Options"]["com.docker.network.bridge.name"],
        "docker0"
    );
    assert_eq!(bridge["Containers"], serde_json::json!({}));
    // Key order of the capture.
    let s = text(&body);
    let first = &s[..s.find("},{").unwrap()];
    let order = [
        "\"Name\"",
        "\"Id\"",
        "\"Created\"",
        "\"Scope\"",
        "\"Driver\"",
        "\"EnableIPv6\"",
        "\"IPAM\"",
        "\"Internal\"",
        "\"Attachable\"",
        "\"Ingress\"",
        "\"ConfigFrom\"",
        "\"ConfigOnly\"",
        "\"Containers\"",
        "\"Options\"",
        "\"Labels\"",
    ];
    let mut at = 0;
    for k in order {
        at += first[at..]
            .find(k)
            .unwrap_or_else(|| panic!("{k} in order in {first}"));
    }

    let id = bridge["Id"].as_str().unwrap().to_string();
    d.restart();
    let (_, _, body) = d.raw("GET", "/networks/bridge", &[], b"");
    assert_eq!(json(&body)["Id"], id.as_str(), "stable per data root");
    // Inspect by id prefix, and `/networks/` (its own route) lists too.
    let (status, _, body) = d.raw("GET", &format!("/networks/{}", &id[..12]), &[], b"");
    assert_eq!(status, 200);
    assert_eq!(json(&body)["Name"], "bridge");
    let (status, _, body) = d.raw("GET", "/networks/", &[], b"");
    assert_eq!(status, 200);
    assert_eq!(json(&body).as_array().unwrap().len(), 3);
}

/// Network errors, each with the reference dockerd's status and text:
/// unknown → 404 `network nope not found`; deleting a built-in → 403
/// `bridge is a pre-defined network and cannot be removed`; creating a
/// built-in name → 403, a taken name → 409, an overlapping subnet → 403;
/// connecting a container that does not exist → 404, one that is not
/// connected → 500; prune → 200, naming what it deleted.
#[test]
fn network_errors_match_dockerd() {
    let d = TestDaemon::start();
    let (status, _, body) = d.raw("GET", "/networks/nope", &[], b"");
    assert_eq!(status, 404);
    assert_eq!(json(&body)["message"], "network nope not found");
    let (status, _, body) = d.raw("DELETE", "/v1.41/networks/bridge", &[], b"");
    assert_eq!(status, 403);
    assert_eq!(
        json(&body)["message"],
        "bridge is a pre-defined network and cannot be removed"
    );
    let ct = [("Content-Type", "application/json")];
    let (status, _, body) = d.raw("POST", "/networks/create", &ct, br#"{"Name":"host"}"#);
    assert_eq!(status, 403);
    assert_eq!(
        json(&body)["message"],
        "operation is not permitted on predefined host network "
    );
    let (status, _, body) = d.raw("POST", "/networks/create", &ct, br#"{"Name":"mynet"}"#);
    assert_eq!(status, 201, "{}", text(&body));
    let id = json(&body)["Id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 64);
    assert_eq!(json(&body)["Warning"], "");
    let (status, _, body) = d.raw("POST", "/networks/create", &ct, br#"{"Name":"mynet"}"#);
    assert_eq!(status, 409);
    assert_eq!(
        json(&body)["message"],
        "network with name mynet already exists"
    );
    let (_, _, body) = d.raw("GET", "/networks/mynet", &[], b"");
    let subnet = json(&body)["IPAM"]["Config"][0]["Subnet"]
        .as_str()
        .unwrap()
        .to_string();
    let clash = format!(r#"{{"Name":"other","IPAM":{{"Config":[{{"Subnet":"{subnet}"}}]}}}}"#);
    let (status, _, body) = d.raw("POST", "/networks/create", &ct, clash.as_bytes());
    assert_eq!(status, 403);
    assert_eq!(
        json(&body)["message"],
        "Pool overlaps with other one on this address space"
    );
    let (status, _, body) = d.raw(
        "POST",
        "/networks/mynet/connect",
        &ct,
        br#"{"Container":"nope"}"#,
    );
    assert_eq!(status, 404);
    assert_eq!(json(&body)["message"], "No such container: nope");
    // The container is looked up first: no name is dockerd's 400.
    let (status, _, body) = d.raw("POST", "/networks/nope/connect", &ct, b"{}");
    assert_eq!(status, 400);
    assert_eq!(json(&body)["message"], "invalid name or ID supplied: \"\"");
    let (status, _, body) = d.raw(
        "POST",
        "/containers/create?name=lonely",
        &ct,
        br#"{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"none"}}"#,
    );
    assert_eq!(status, 201, "{}", text(&body));
    let (status, _, body) = d.raw(
        "POST",
        "/networks/mynet/disconnect",
        &ct,
        br#"{"Container":"lonely"}"#,
    );
    assert_eq!(status, 500);
    assert!(
        text(&body).contains("is not connected to network mynet"),
        "{}",
        text(&body)
    );
    let (status, _, body) = d.raw("POST", "/networks/prune", &[], b"");
    assert_eq!(status, 200);
    assert_eq!(text(&body), "{\"NetworksDeleted\":[\"mynet\"]}\n");
    let (status, _, body) = d.raw("POST", "/networks/prune", &[], b"");
    assert_eq!(status, 200);
    assert_eq!(text(&body), "{\"NetworksDeleted\":null}\n");
}

/// `docker network ls` and `docker network inspect bridge` work, and
/// `docker network rm bridge` fails with dockerd's message.
#[test]
fn docker_network_commands() {
    if !docker_available() {
        return;
    }
    let d = TestDaemon::start();
    let out = d.docker(&[
        "network",
        "ls",
        "--format",
        "{{.Name}} {{.Driver}} {{.Scope}}",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        // The CLI sorts by name.
        "bridge bridge local\nhost host local\nnone null local"
    );
    let out = d.docker(&["network", "inspect", "--format", "{{.Driver}}", "bridge"]);
    assert_eq!(text(&out.stdout).trim(), "bridge");
    let out = d.docker(&["network", "rm", "bridge"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("bridge is a pre-defined network and cannot be removed"),
        "{}",
        text(&out.stderr)
    );
}

/// Plugins: mini-dockerd installs none, and answers as a dockerd 20.10.24
/// with none installed does (moby `plugin/store.go`, `plugin/errors.go`):
/// `GET /plugins` is `[]`, any name is 404 `plugin "NAME" not found`, and
/// the `enabled` filter takes only `true` or `false`. This is what lets
/// `docker inspect nosuch` end on "No such object": the CLI asks for a
/// plugin last and gives up only when that is a 404 too.
#[test]
fn plugins_answer_as_a_daemon_with_none_installed() {
    let d = TestDaemon::start();
    let (status, _, body) = d.raw("GET", "/v1.41/plugins", &[], b"");
    assert_eq!(status, 200);
    assert_eq!(text(&body), "[]\n");
    let (status, _, body) = d.raw("GET", "/v1.41/plugins/vieux/sshfs:latest/json", &[], b"");
    assert_eq!(status, 404);
    assert_eq!(
        json(&body)["message"],
        "plugin \"vieux/sshfs:latest\" not found"
    );
    let (status, _, body) = d.raw("DELETE", "/v1.41/plugins/x", &[], b"");
    assert_eq!(status, 404);
    assert_eq!(json(&body)["message"], "plugin \"x\" not found");
    let (status, _, body) = d.raw("POST", "/v1.41/plugins/x/enable?timeout=30", &[], b"");
    assert_eq!(status, 404, "{}", text(&body));
    // moby reads the timeout with `strconv.Atoi` before looking.
    let (status, _, body) = d.raw("POST", "/v1.41/plugins/x/enable", &[], b"");
    assert_eq!(status, 400);
    assert_eq!(
        json(&body)["message"],
        "strconv.Atoi: parsing \"\": invalid syntax"
    );
    let (status, _, body) = d.raw("POST", "/v1.41/plugins/x/set", &[], b"");
    assert_eq!(status, 400);
    assert_eq!(json(&body)["message"], "got EOF while reading request body");
    let (status, _, body) = d.raw("POST", "/v1.41/plugins/x/set", &[], br#"["a=b"]"#);
    assert_eq!(status, 404, "{}", text(&body));
    let filters = "/v1.41/plugins?filters=%7B%22enabled%22%3A%5B%22maybe%22%5D%7D";
    let (status, _, body) = d.raw("GET", filters, &[], b"");
    assert_eq!(status, 400);
    assert_eq!(json(&body)["message"], "Invalid filter 'enabled=[maybe]'");
    // Installing still needs a registry and a plugin runtime.
    let (status, _, _) = d.raw("POST", "/v1.41/plugins/pull?remote=x", &[], b"");
    assert_eq!(status, 501);

    if !docker_available() {
        return;
    }
    let out = d.docker(&["inspect", "nosuch"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("Error: No such object: nosuch"),
        "{}",
        text(&out.stderr)
    );
    let out = d.docker(&["plugin", "ls", "--format", "{{.Name}}"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "");
}

/// `--mount` and `--tmpfs` (moby `registerMountPoints` and the Linux mount
/// parser): a bind, a named volume and a tmpfs from `--mount`, and a
/// `--tmpfs`, are mounted as dockerd mounts them (a tmpfs starts from
/// `noexec,nosuid,nodev`; `tmpfs-size=1m,tmpfs-mode=1770` become its
/// `size` and `mode`), inspect lists them with dockerd's `Mounts` fields,
/// data in a named volume outlives the container, and a bad `--mount`
/// gets dockerd's 400 at create. Before, `Mounts` and `Tmpfs` were
/// accepted and nothing was mounted.
#[test]
fn mount_and_tmpfs_are_mounted() {
    if !docker_available() {
        return;
    }
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipped: the daemon runs the simulated runtime (not root?)");
        return;
    }
    let host = d.root.join("bind-src");
    std::fs::create_dir_all(&host).unwrap();
    std::fs::write(host.join("f"), "from the host\n").unwrap();
    let bind = format!("type=bind,src={},dst=/h,readonly", host.display());
    let out = d.docker_ok(&[
        "run",
        "--rm",
        "--mount",
        &bind,
        "--mount",
        "type=volume,src=kept,dst=/d",
        "--mount",
        "type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770",
        "--tmpfs",
        "/tt:size=2m",
        "busybox",
        "sh",
        "-c",
        "cat /h/f; echo saved > /d/f; grep -E ' /(t|tt|h) ' /proc/mounts | cut -d' ' -f2-4",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "from the host");
    assert!(
        lines[1..]
            .iter()
            .any(|l| l.starts_with("/h ") && l.contains(" ro,")),
        "{out}"
    );
    assert!(
        lines.contains(&"/t tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=1770"),
        "{out}"
    );
    assert!(
        lines.contains(&"/tt tmpfs rw,nosuid,nodev,noexec,relatime,size=2048k"),
        "{out}"
    );
    assert_eq!(
        d.docker_ok(&[
            "run",
            "--rm",
            "-v",
            "kept:/data",
            "busybox",
            "cat",
            "/data/f"
        ])
        .trim(),
        "saved"
    );

    d.docker_ok(&[
        "create",
        "--name",
        "mnt",
        "--mount",
        &bind,
        "--mount",
        "type=tmpfs,dst=/t",
        "busybox",
    ]);
    let mounts = d.docker_ok(&["inspect", "-f", "{{json .Mounts}}", "mnt"]);
    let mounts: serde_json::Value = serde_json::from_str(mounts.trim()).unwrap();
    assert_eq!(mounts[0]["Type"], "bind");
    assert_eq!(mounts[0]["Destination"], "/h");
    assert_eq!(mounts[0]["RW"], false);
    assert_eq!(mounts[1]["Type"], "tmpfs");
    assert_eq!(mounts[1]["Source"], "");

    for (args, message) in [
        (
            vec!["--mount", "type=bind,src=/nonexist-mount-src,dst=/h"],
            r#"invalid mount config for type "bind": bind source path does not exist: /nonexist-mount-src"#,
        ),
        (
            vec!["--mount", "type=tmpfs,src=/x,dst=/h"],
            r#"invalid mount config for type "tmpfs": field Source must not be specified"#,
        ),
        (
            vec!["-v", "/tmp:/h", "--mount", "type=bind,src=/tmp,dst=/h"],
            "Duplicate mount point: /h",
        ),
    ] {
        let mut cmd = vec!["create"];
        cmd.extend(args);
        cmd.push("busybox");
        let out = d.docker(&cmd);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{stderr}");
    }
}

/// `--volumes-from NAME[:ro]`: the new container gets the other's volumes
/// and binds at the same paths (read-only with `:ro`), and keeps them
/// when the other is renamed; an unknown container is dockerd's 400 "No
/// such container" (a 404 would send the CLI off to pull the image).
/// Before, the option was accepted and nothing was mounted.
#[test]
fn volumes_from_shares_the_mounts() {
    if !docker_available() {
        return;
    }
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipped: the daemon runs the simulated runtime (not root?)");
        return;
    }
    let host = d.root.join("shared-bind");
    std::fs::create_dir_all(&host).unwrap();
    let bind = format!("{}:/hostdir", host.display());
    d.docker_ok(&[
        "run",
        "--name",
        "data",
        "-v",
        "vfvol:/data",
        "-v",
        &bind,
        "busybox",
        "sh",
        "-c",
        "echo from-data > /data/f",
    ]);
    let out = d.docker_ok(&[
        "run",
        "--rm",
        "--volumes-from",
        "data:ro",
        "busybox",
        "sh",
        "-c",
        "cat /data/f; ls -d /hostdir; touch /data/x 2>&1 || true",
    ]);
    assert!(out.starts_with("from-data\n/hostdir\n"), "{out}");
    assert!(out.contains("Read-only file system"), "{out}");

    d.docker_ok(&[
        "create",
        "--name",
        "user",
        "--volumes-from",
        "data",
        "busybox",
        "cat",
        "/data/f",
    ]);
    d.docker_ok(&["rename", "data", "renamed"]);
    assert_eq!(d.docker_ok(&["start", "-a", "user"]).trim(), "from-data");
    let mounts = d.docker_ok(&[
        "inspect",
        "-f",
        "{{range .Mounts}}{{.Destination}} {{end}}",
        "user",
    ]);
    assert_eq!(mounts.trim(), "/data /hostdir");

    let bad = d.docker(&["create", "--volumes-from", "nosuch", "busybox"]);
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("No such container: nosuch"), "{stderr}");
    assert!(!stderr.contains("Unable to find image"), "{stderr}");
}

/// Anonymous volumes (moby `registerMountPoints`): `-v /data` and an
/// image's `VOLUME` get a volume with a random name, filled from the
/// image's files at that path (owner kept) when it is new; inspect shows
/// it with an empty `Mode`; `--volumes-from` shares it; `docker rm -v`
/// removes it and plain `docker rm` keeps it, as dockerd does. Before,
/// no volume was made and the path stayed in the container's layer.
#[test]
fn anonymous_volumes_are_made_filled_and_removed() {
    if !docker_available() {
        return;
    }
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipped: the daemon runs the simulated runtime (not root?)");
        return;
    }
    let volumes = || d.docker_ok(&["volume", "ls", "-q"]).lines().count();
    let ctx = d.root.join("anon-ctx");
    std::fs::create_dir_all(&ctx).unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        "FROM busybox\nRUN mkdir -p /app && echo kept > /app/f && chown 65534 /app/f\nVOLUME /app\n",
    )
    .unwrap();
    let mut build = std::process::Command::new("docker");
    build
        .env("DOCKER_HOST", format!("unix://{}", d.socket.display()))
        .env("DOCKER_BUILDKIT", "0")
        .args(["build", "-q", "-t", "withvol"])
        .arg(&ctx);
    assert!(build.output().unwrap().status.success());
    assert_eq!(volumes(), 0);

    let out = d.docker_ok(&[
        "run",
        "--name",
        "a1",
        "withvol",
        "sh",
        "-c",
        "stat -c '%u %n' /app/f; cat /app/f; grep -c ' /app ' /proc/mounts",
    ]);
    assert_eq!(out.trim_end(), "65534 /app/f\nkept\n1");
    assert_eq!(volumes(), 1);
    let mounts = d.docker_ok(&[
        "inspect",
        "-f",
        "{{range .Mounts}}{{.Type}}|{{.Destination}}|{{.Mode}}|{{.RW}}|{{len .Name}}{{end}}",
        "a1",
    ]);
    assert_eq!(mounts.trim(), "volume|/app||true|64");
    d.docker_ok(&["rm", "-v", "a1"]);
    assert_eq!(volumes(), 0, "rm -v removes the anonymous volume");

    d.docker_ok(&[
        "run",
        "-d",
        "--name",
        "a2",
        "-v",
        "/data",
        "busybox",
        "sh",
        "-c",
        "echo shared > /data/f; sleep 300",
    ]);
    let shared = d.docker_ok(&[
        "run",
        "--rm",
        "--volumes-from",
        "a2",
        "busybox",
        "sh",
        "-c",
        "until [ -s /data/f ]; do sleep 0.05; done; cat /data/f",
    ]);
    assert_eq!(shared.trim(), "shared");
    d.docker_ok(&["rm", "-f", "a2"]);
    assert_eq!(volumes(), 1, "rm without -v keeps it");
}
