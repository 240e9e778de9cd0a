//! `docker build` with the classic builder, end to end: the docker CLI
//! (which, without buildx, falls back to the legacy builder and sends
//! `POST /v1.41/build?...&version=1` with the context as a tar) and raw
//! requests where the exact stream matters, against a mini-dockerd of the
//! test's own.
//!
//! What each test pins down was checked against a dockerd 20.10.24 with
//! the same Dockerfiles; the expected texts are dockerd's. A build runs
//! real containers, so the tests print why and return early when the
//! daemon runs the simulated runtime (not root).

mod common;

use common::{docker_available, json, text, TestDaemon};
use sha2::{Digest, Sha256};

/// A daemon whose containers really run, with the docker CLI, or `None`
/// (having said why).
fn daemon() -> Option<TestDaemon> {
    if !docker_available() {
        return None;
    }
    let d = TestDaemon::start();
    if !d.real_runtime() {
        eprintln!("skipped: the daemon runs the simulated runtime (not root?)");
        return None;
    }
    Some(d)
}

/// Write `files` (path, content) into a new context directory.
fn context(d: &TestDaemon, name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = d.data_root().parent().unwrap().join(name);
    for (path, content) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
    }
    dir
}

/// A context tar as a client would send it: regular files, mode 0644,
/// owned by root, with a fixed time (so the sums below are fixed too).
fn context_tar(files: &[(&str, &str)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, content) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(content.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_700_000_000);
        h.set_cksum();
        b.append_data(&mut h, name, content.as_bytes()).unwrap();
    }
    b.into_inner().unwrap()
}

/// `POST /v1.41/build?<query>` with a tar body: status, content type and
/// the JSON messages of the stream (each line must end in `\r\n`).
fn raw_build(d: &TestDaemon, query: &str, tar: &[u8]) -> (u16, String, Vec<serde_json::Value>) {
    let (status, headers, body) = d.raw(
        "POST",
        &format!("/v1.41/build?{query}"),
        &[("Content-Type", "application/x-tar")],
        tar,
    );
    let content_type = headers.get("Content-Type").unwrap_or("").to_string();
    if status != 200 {
        return (status, content_type, vec![json(&body)]);
    }
    let body = text(&body);
    assert!(body.ends_with("\r\n"), "{body:?}");
    let messages = body
        .split_terminator("\r\n")
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect();
    (status, content_type, messages)
}

fn is_short_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The Dockerfile features a build commonly uses, through the docker CLI:
/// a comment, `ARG` before `FROM` (and `FROM $BASE`), `--build-arg` for
/// an `ARG` of the stage, `ENV` continued on a second line, `WORKDIR`
/// (created in the image), `COPY` of a file into the working directory
/// and of a directory's contents, `RUN` whose output is shown and whose
/// changes are kept, and `CMD`. The image then runs: `docker run --rm`
/// prints what `COPY` and `RUN` put there, from `CMD`'s working
/// directory. The intermediate containers are gone (`rm` is the default).
#[test]
fn build_with_the_cli_then_run_the_image() {
    let Some(d) = daemon() else { return };
    let dir = context(
        &d,
        "ctx-run",
        &[
            (
                "Dockerfile",
                "# built by the test\n\
                 ARG BASE=busybox\n\
                 FROM $BASE\n\
                 ARG MSG=default\n\
                 ENV GREETING=hello \\\n    WHO=\"the builder\"\n\
                 WORKDIR /app\n\
                 COPY hello.txt .\n\
                 COPY dir /data/\n\
                 RUN echo \"$GREETING from $WHO, $MSG\" > /app/run.txt && cat hello.txt\n\
                 CMD [\"sh\", \"-c\", \"cat hello.txt run.txt /data/inner/f; pwd\"]\n",
            ),
            ("hello.txt", "hi-from-copy\n"),
            ("dir/inner/f", "f\n"),
        ],
    );
    let out = d.docker(&[
        "build",
        "--build-arg",
        "MSG=from-cli",
        "-t",
        "built:v1",
        dir.to_str().unwrap(),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    for want in [
        "Step 1/9 : ARG BASE=busybox\n",
        "Step 2/9 : FROM $BASE\n",
        "Step 4/9 : ENV GREETING=hello     WHO=\"the builder\"\n",
        "Step 6/9 : COPY hello.txt .\n",
        "Step 8/9 : RUN echo \"$GREETING from $WHO, $MSG\" > /app/run.txt && cat hello.txt\n",
        " ---> Running in ",
        "hi-from-copy\n",
        "Removing intermediate container ",
        "Successfully built ",
        "Successfully tagged built:v1\n",
    ] {
        assert!(stdout.contains(want), "{want:?} missing from:\n{stdout}");
    }
    let run = d.docker_ok(&["run", "--rm", "built:v1"]);
    assert_eq!(
        run,
        "hi-from-copy\nhello from the builder, from-cli\nf\n/app"
    );
    assert_eq!(
        d.docker_ok(&["ps", "-aq"]),
        "",
        "intermediate containers are removed"
    );
}

/// The stream of a build as dockerd writes it, message by message: the
/// `Step n/m : ...` line and its newline as two messages, ` ---> <id>`
/// after each step, ` ---> Running in <id>` for a step's container, the
/// `RUN`'s output, `Removing intermediate container <id>` (the same id),
/// the `aux` message with the full image id, then `Successfully built`
/// and `Successfully tagged`. With `q=1`, only the image id.
#[test]
fn the_stream_is_dockerds() {
    let Some(d) = daemon() else { return };
    let tar = context_tar(&[("Dockerfile", "FROM busybox\nRUN echo hi\nCMD [\"sh\"]\n")]);
    let (status, content_type, m) = raw_build(&d, "t=raw1", &tar);
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    let stream: Vec<&str> = m
        .iter()
        .map(|v| v["stream"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(stream[0], "Step 1/3 : FROM busybox");
    assert_eq!(stream[1], "\n");
    let base = stream[2].strip_prefix(" ---> ").unwrap().trim_end();
    assert!(is_short_id(base), "{:?}", stream[2]);
    assert_eq!(stream[3], "Step 2/3 : RUN echo hi");
    assert_eq!(stream[4], "\n");
    let ctr = stream[5]
        .strip_prefix(" ---> Running in ")
        .unwrap()
        .trim_end();
    assert!(is_short_id(ctr), "{:?}", stream[5]);
    assert_eq!(stream[6], "hi\n");
    assert_eq!(
        stream[7],
        format!("Removing intermediate container {ctr}\n")
    );
    assert!(is_short_id(
        stream[8].strip_prefix(" ---> ").unwrap().trim_end()
    ));
    assert_eq!(stream[9], "Step 3/3 : CMD [\"sh\"]");
    assert_eq!(stream[10], "\n");
    assert!(stream[11].starts_with(" ---> Running in "));
    assert!(stream[12].starts_with("Removing intermediate container "));
    let last = stream[13].strip_prefix(" ---> ").unwrap().trim_end();
    let id = m[14]["aux"]["ID"]
        .as_str()
        .expect("an aux message with the id");
    assert!(
        id.starts_with(&format!("sha256:{last}")) && id.len() == 71,
        "{id}"
    );
    assert_eq!(stream[15], format!("Successfully built {last}\n"));
    assert_eq!(stream[16], "Successfully tagged raw1:latest\n");
    assert_eq!(m.len(), 17);
    assert_eq!(d.docker_ok(&["inspect", "-f", "{{.Id}}", "raw1"]), id);

    let (status, _, m) = raw_build(&d, "q=1", &tar);
    assert_eq!(status, 200);
    assert_eq!(m.len(), 1, "{m:?}");
    let id = m[0]["stream"].as_str().unwrap();
    assert!(
        id.starts_with("sha256:") && id.ends_with('\n') && id.len() == 72,
        "{id:?}"
    );
}

/// A `RUN` that exits non-zero ends the build with dockerd's message, as
/// the stream's last message with the exit code in `errorDetail`, after
/// what the command printed (stderr in red, as dockerd colours it). The
/// docker CLI prints the message and exits 1. As dockerd does, the failed
/// step's container is kept by default, so that it can be looked at; with
/// `--force-rm` it is removed too and nothing is left behind.
#[test]
fn a_failing_run_stops_the_build() {
    let Some(d) = daemon() else { return };
    let files = [(
        "Dockerfile",
        "FROM busybox\nRUN echo out; echo err >&2; exit 3\nCMD [\"x\"]\n",
    )];
    let (status, _, m) = raw_build(&d, "t=never", &context_tar(&files));
    assert_eq!(status, 200);
    let msg = "The command '/bin/sh -c echo out; echo err >&2; exit 3' returned a non-zero code: 3";
    let n = m.len();
    assert_eq!(m[n - 1]["error"], msg);
    assert_eq!(m[n - 1]["errorDetail"]["code"], 3);
    assert_eq!(m[n - 1]["errorDetail"]["message"], msg);
    // What the command printed comes before, stderr in red; the two
    // pipes are read side by side, so their order is not fixed.
    let printed: Vec<&str> = m[n - 3..n - 1]
        .iter()
        .map(|v| v["stream"].as_str().unwrap_or(""))
        .collect();
    assert!(printed.contains(&"out\n"), "{m:?}");
    assert!(printed.contains(&"\u{1b}[91merr\n\u{1b}[0m"), "{m:?}");
    assert!(d.docker(&["image", "inspect", "never"]).status.code() != Some(0));
    let kept = d.docker_ok(&["ps", "-a", "--format", "{{.Status}}"]);
    assert!(
        kept.starts_with("Exited (3)") && kept.lines().count() == 1,
        "the failed step's container is kept by default: {kept:?}"
    );
    d.docker_ok(&["container", "prune", "-f"]);

    let dir = context(
        &d,
        "ctx-fail",
        &[("Dockerfile", "FROM busybox\nRUN echo out; false\n")],
    );
    let out = d.docker(&["build", "--force-rm", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr)
            .contains("The command '/bin/sh -c echo out; false' returned a non-zero code: 1"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("out\n"));
    assert_eq!(
        d.docker_ok(&["ps", "-aq"]),
        "",
        "--force-rm leaves no container behind"
    );
}

/// Errors found before the build writes anything are ordinary error
/// answers, as dockerd's: no Dockerfile in the context is a 500 "Cannot
/// locate specified Dockerfile: Dockerfile" (also for another
/// `dockerfile=` name), a Dockerfile that does not parse is a 400 naming
/// the line, an instruction before any `FROM` a 400, and a `t` that is
/// not a reference a 400 (dockerd 20.10 answers that one with 500). An
/// error after the first step is the stream's last message instead: a
/// `COPY` of a file the context lacks.
#[test]
fn errors_before_and_during_the_build() {
    let Some(d) = daemon() else { return };
    let no_dockerfile = context_tar(&[("other.txt", "x")]);
    let (status, _, m) = raw_build(&d, "t=x", &no_dockerfile);
    assert_eq!(status, 500);
    assert_eq!(
        m[0]["message"],
        "Cannot locate specified Dockerfile: Dockerfile"
    );
    let (status, _, m) = raw_build(&d, "dockerfile=Nope", &no_dockerfile);
    assert_eq!(status, 500);
    assert_eq!(m[0]["message"], "Cannot locate specified Dockerfile: Nope");

    let bad = context_tar(&[("Dockerfile", "FROM busybox\nFOO bar\n")]);
    let (status, _, m) = raw_build(&d, "", &bad);
    assert_eq!(status, 400);
    assert_eq!(
        m[0]["message"],
        "dockerfile parse error line 2: unknown instruction: FOO"
    );
    let (status, _, m) = raw_build(&d, "", &context_tar(&[("Dockerfile", "RUN true\n")]));
    assert_eq!(status, 400);
    assert_eq!(m[0]["message"], "no build stage in current context");
    let (status, _, m) = raw_build(
        &d,
        "t=NotLower",
        &context_tar(&[("Dockerfile", "FROM busybox\n")]),
    );
    assert_eq!(status, 400);
    assert_eq!(
        m[0]["message"],
        "invalid reference format: repository name must be lowercase"
    );

    let missing = context_tar(&[("Dockerfile", "FROM busybox\nCOPY nosuch /x\n")]);
    let (status, _, m) = raw_build(&d, "", &missing);
    assert_eq!(status, 200);
    assert_eq!(
        m.last().unwrap()["error"],
        "COPY failed: file not found in build context or excluded by .dockerignore: stat nosuch: file does not exist"
    );
}

/// `docker history` of a built image shows each step's `created_by` as
/// dockerd writes it: config-only steps as a no-op comment after the
/// shell (`/bin/sh -c #(nop)  CMD ["sh"]`, two blanks), `RUN` as the
/// command, `COPY` with the source's tarsum (`file:<sha256>`, the same
/// dockerd computes for the same tar) and the destination as written,
/// followed by a blank. Steps that change no file add no layer (0 B).
#[test]
fn history_shows_each_step() {
    let Some(d) = daemon() else { return };
    let files = [
        (
            "Dockerfile",
            "FROM busybox\nENV A=b\nCOPY f /dst/\nRUN echo hi > /x\nCMD [\"sh\"]\n",
        ),
        ("f", "content\n"),
    ];
    let (status, _, m) = raw_build(&d, "t=hist", &context_tar(&files));
    assert_eq!(status, 200, "{m:?}");
    // tarsum v1 of the entry: its header fields, then its content.
    let sum = hex::encode(Sha256::digest(
        b"namefmode420uid0gid0size8typeflag0linknameunamegnamedevmajor0devminor0content\n",
    ));
    let history = d.docker_ok(&[
        "history",
        "--no-trunc",
        "--format",
        "{{.CreatedBy}}|{{.Size}}",
        "hist",
    ]);
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(
        lines[..4],
        [
            "/bin/sh -c #(nop)  CMD [\"sh\"]|0B",
            "/bin/sh -c echo hi > /x|3B",
            &format!("/bin/sh -c #(nop) COPY file:{sum} in /dst/ |8B"),
            "/bin/sh -c #(nop)  ENV A=b|0B",
        ]
    );
    assert_eq!(
        d.docker_ok(&["run", "--rm", "hist", "cat", "/dst/f", "/x"]),
        "content\nhi"
    );
}

/// The events of a build are those of the daemon operations it uses, as
/// with dockerd: a config-only step's container is created and destroyed
/// (never started), a `RUN`'s is created, attached, started, dies and is
/// destroyed, `COPY` makes no container at all, and the tag is an image
/// `tag` event.
#[test]
fn a_build_logs_its_containers_events() {
    let Some(d) = daemon() else { return };
    let since = d.docker_ok(&["system", "info", "--format", "{{.SystemTime}}"]);
    let files = [
        ("Dockerfile", "FROM busybox\nCOPY f /f\nRUN true\nENV A=b\n"),
        ("f", "x"),
    ];
    let (status, _, m) = raw_build(&d, "t=ev", &context_tar(&files));
    assert_eq!(status, 200, "{m:?}");
    let until = d.docker_ok(&["system", "info", "--format", "{{.SystemTime}}"]);
    let events = d.docker_ok(&[
        "events",
        "--since",
        &since,
        "--until",
        &until,
        "--format",
        "{{.Type}} {{.Action}}",
    ]);
    assert_eq!(
        events.lines().collect::<Vec<_>>(),
        [
            "container create",
            "container attach",
            "container start",
            "container die",
            "container destroy",
            "container create",
            "container destroy",
            "image tag",
        ]
    );
}

/// The docker CLI leaves out what `.dockerignore` lists, but must send
/// the Dockerfile and `.dockerignore` themselves; as dockerd does, the
/// daemon removes them from the context after reading the Dockerfile
/// when `.dockerignore` lists them, so `COPY . /c/` does not copy them.
#[test]
fn dockerignore_keeps_the_dockerfile_out_of_the_image() {
    let Some(d) = daemon() else { return };
    let dir = context(
        &d,
        "ctx-ignore",
        &[
            (
                "Dockerfile",
                "FROM busybox\nCOPY . /c/\nCMD [\"ls\", \"-A\", \"/c\"]\n",
            ),
            (".dockerignore", "Dockerfile\nsecret.txt\n"),
            ("secret.txt", "s"),
            ("keep.txt", "k"),
        ],
    );
    d.docker_ok(&["build", "-q", "-t", "ignore", dir.to_str().unwrap()]);
    assert_eq!(
        d.docker_ok(&["run", "--rm", "ignore"]),
        ".dockerignore\nkeep.txt"
    );
}

/// `POST /build/prune` (`docker builder prune`, and the last step of
/// `docker system prune`): the classic builder keeps no cache, so there is
/// nothing to reclaim, and the answer is dockerd's for an empty cache. The
/// options are checked as dockerd's BuildKit checks them. Before this
/// route answered, `docker system prune -f` failed after pruning the
/// containers.
#[test]
fn build_prune_has_no_cache_to_reclaim() {
    if !docker_available() {
        return;
    }
    let d = TestDaemon::start();
    d.docker_ok(&["create", "--name", "stopped", "busybox", "true"]);
    let out = d.docker_ok(&["system", "prune", "-f"]);
    assert!(out.contains("Deleted Containers:"), "{out}");
    assert!(out.contains("Total reclaimed space: 0B"), "{out}");
    assert_eq!(d.docker_ok(&["ps", "-aq"]).trim(), "");
    let out = d.docker_ok(&["builder", "prune", "-f"]);
    assert!(out.contains("Total reclaimed space: 0B"), "{out}");

    let (status, _, body) = d.raw("POST", "/v1.41/build/prune?all=1", &[], b"");
    assert_eq!(status, 200);
    assert_eq!(
        text(&body),
        "{\"CachesDeleted\":null,\"SpaceReclaimed\":0}\n"
    );
    for (query, message) in [
        (
            "keep-storage=abc",
            r#"keep-storage is in bytes and expects an integer, got abc: strconv.Atoi: parsing "abc": invalid syntax"#,
        ),
        (
            r#"filters={"bogus":{"x":true}}"#,
            "failed to prune build cache: Invalid filter 'bogus'",
        ),
        (
            r#"filters={"until":["x"]}"#,
            r#"failed to prune build cache: "until" filter expects a duration (e.g., '24h'): time: invalid duration "x""#,
        ),
        (
            r#"filters={"until":["1h"],"unused-for":["1h"]}"#,
            r#"failed to prune build cache: conflicting filters: "until" and "unused-for""#,
        ),
    ] {
        let path = format!(
            "/v1.41/build/prune?{}",
            query
                .replace('{', "%7B")
                .replace('}', "%7D")
                .replace('"', "%22")
        );
        let (status, _, body) = d.raw("POST", &path, &[], b"");
        assert_eq!(status, 400, "{query}");
        assert_eq!(json(&body)["message"], message, "{query}");
    }
}
