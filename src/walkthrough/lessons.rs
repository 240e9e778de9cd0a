//! The requests of each lesson in walkthroughs/, for `mini-dockerd
//! walkthrough NAME`.
//!
//! Each list is the `curl` requests of the lesson's console blocks, in the
//! lesson's order (the docker CLI's requests where the lesson uses
//! `docker`, as listed in shared/reference/docker-cli-28-api-calls.log).
//! Requests that need a hijacked connection (attach, exec start) are left
//! out: a plain request/response client cannot show them, and the lesson
//! uses `docker` for those. tests/walkthrough_cmd.rs checks that every
//! lesson here has its markdown file.

/// One request to replay.
pub struct Step {
    pub method: &'static str,
    /// The path; `{id}` is replaced by the `Id` of the last JSON answer
    /// that had one (the container just created).
    pub path: &'static str,
    pub body: Option<&'static str>,
    /// Printed before the request, as a `#` comment.
    pub note: &'static str,
}

/// One lesson.
pub struct Lesson {
    /// The markdown file's stem: `walkthroughs/{name}.md`.
    pub name: &'static str,
    pub title: &'static str,
    /// Flags for the private daemon this lesson needs (lesson 08 needs
    /// `--engine-jobs`). Non-empty means: always start a private daemon
    /// unless `-H` is given.
    pub daemon_flags: &'static [&'static str],
    pub requests: &'static [Step],
}

const fn get(path: &'static str, note: &'static str) -> Step {
    Step {
        method: "GET",
        path,
        body: None,
        note,
    }
}

const fn req(
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    note: &'static str,
) -> Step {
    Step {
        method,
        path,
        body,
        note,
    }
}

pub const LESSONS: &[Lesson] = &[
    Lesson {
        name: "01-startup",
        title: "from main to a serving daemon",
        daemon_flags: &[],
        requests: &[
            get("/_ping", "the docker CLI's first request: unversioned"),
            get("/v1.41/version", "the same route table, now with the version prefix"),
            get("/v1.41/info", ""),
        ],
    },
    Lesson {
        name: "02-listeners",
        title: "unix sockets, TCP with TLS, systemd fd://",
        daemon_flags: &[],
        requests: &[
            get("/_ping", "one connection per request, as curl does"),
            req("HEAD", "/_ping", None, "HEAD: the same handler, no body"),
        ],
    },
    Lesson {
        name: "03-the-mux",
        title: "an ordered slice of routes, first match wins",
        daemon_flags: &[],
        requests: &[
            get("/v1.41/containers/json", "registered before /containers/{name:.*}/json"),
            get("/containers/json", "the unversioned registration of the same route"),
            get("/v1.41/containers/c1/json", "{name:.*} matched: vars name=c1"),
            req(
                "DELETE",
                "/v1.41/containers/c1/checkpoints/cp1",
                None,
                "the checkpoint router comes first, or DELETE /containers/{name:.*} would mask this",
            ),
            get("/v1.41/nosuchroute", "the versioned catch-all: 404 without middlewares"),
            req("POST", "/v1.41/version", None, "right path, wrong method: 404 too"),
        ],
    },
    Lesson {
        name: "04-middlewares",
        title: "the onion: authz, version, experimental",
        daemon_flags: &[],
        requests: &[
            get("/v1.41/version", "all the way in and out"),
            get("/v9.99/version", "too new: the VersionMiddleware answers 400"),
            get("/v1.11/version", "too old: 400 too"),
            get("/v1.24/version", "an old client: negotiated to 1.24"),
        ],
    },
    Lesson {
        name: "05-handlers-and-errors",
        title: "makeHTTPHandler, thin handlers, errdefs to status codes",
        daemon_flags: &[],
        requests: &[
            get("/v1.41/volumes/nope", "not found: 404"),
            get("/v1.41/containers/nosuch/json", "not found: 404 (once containers exist)"),
            req(
                "POST",
                "/v1.41/containers/create",
                Some("{bad json"),
                "invalid parameter: 400",
            ),
            req("POST", "/v1.41/swarm/init", Some("{}"), "unavailable: 503"),
            req(
                "DELETE",
                "/v1.41/containers/c1/checkpoints/cp1",
                None,
                "not implemented (experimental off): 501",
            ),
        ],
    },
    Lesson {
        name: "06-docker-run",
        title: "the requests of docker run, down to the container's init",
        daemon_flags: &[],
        requests: &[
            req("HEAD", "/_ping", None, "docker run: 1. ping"),
            req(
                "POST",
                "/v1.41/containers/create",
                Some(r#"{"Image":"busybox","Cmd":["echo","hello"],"AttachStdout":true,"AttachStderr":true}"#),
                "2. create",
            ),
            req(
                "POST",
                "/v1.41/containers/{id}/start",
                None,
                "3. start (docker sends attach and wait first, each on its own connection; a one-at-a-time client must wait after start, and cannot attach)",
            ),
            req(
                "POST",
                "/v1.41/containers/{id}/wait",
                None,
                "4. wait (condition not-running: answers at once if it already exited)",
            ),
            get("/v1.41/containers/{id}/logs?stdout=1", "the output, as stdcopy frames"),
            req("DELETE", "/v1.41/containers/{id}?force=1", None, "clean up"),
        ],
    },
    Lesson {
        name: "07-hijack-and-streams",
        title: "Upgrade: tcp, 101, stdcopy frames, logs and events",
        daemon_flags: &[],
        requests: &[
            get("/v1.41/events?since=0&until=1", "events: a stream, cut short by until"),
            req(
                "POST",
                "/v1.41/containers/create",
                Some(r#"{"Image":"busybox","Cmd":["echo","hi"]}"#),
                "a container to read logs from",
            ),
            req("POST", "/v1.41/containers/{id}/start", None, ""),
            req("POST", "/v1.41/containers/{id}/wait", None, ""),
            get("/v1.41/containers/{id}/logs?stdout=1&stderr=1", "stdcopy frames: 8-byte headers"),
            req("DELETE", "/v1.41/containers/{id}?force=1", None, ""),
        ],
    },
    Lesson {
        name: "08-engine-jobs",
        title: "docker 1.x: the Engine and its jobs",
        daemon_flags: &["--engine-jobs"],
        requests: &[
            get("/v1.41/version", "eng.Job(\"version\").Run()"),
            req(
                "POST",
                "/v1.41/containers/c1/rename?name=c2",
                None,
                "eng.Job(\"container_rename\", \"c1\", \"c2\")",
            ),
            req(
                "POST",
                "/v1.41/containers/c1/exec",
                Some(r#"{"Cmd":["ls"]}"#),
                "eng.Job(\"execCreate\", \"c1\")",
            ),
            get("/_ping", "never a job: docker 1.x wrote \"OK\" in the handler"),
        ],
    },
    Lesson {
        name: "09-bad-input",
        title: "what the daemon does with input it cannot use",
        daemon_flags: &[],
        requests: &[
            req(
                "POST",
                "/v1.41/containers/create",
                Some("{bad json"),
                "a body that is not JSON",
            ),
            get("/v1.41/containers/json?all=maybe", "a boolean that is not one"),
            get("/v1.41/containers/json?filters=garbage", "filters that are not JSON"),
            get("/v1.41/containers//json", "an empty name"),
            get("/v1.41/images/%2e%2e%2fetc/json", "an escaped path"),
        ],
    },
    Lesson {
        name: "10-shutdown-and-reload",
        title: "SIGTERM, SIGHUP and the router swapper",
        daemon_flags: &[],
        requests: &[
            get("/v1.41/info", "Debug mode is in /info: watch it change after SIGHUP"),
            get("/v1.41/version", ""),
        ],
    },
    Lesson {
        name: "11-tracing-and-the-tui",
        title: "trace records, bounded channels, counted drops, the TUI",
        daemon_flags: &[],
        requests: &[
            get("/debug/vars", "the trace counters: offered and dropped"),
            get("/v1.41/version", ""),
        ],
    },
    Lesson {
        name: "12-files-in-containers",
        title: "docker cp, diff, export and commit: the archive routes and the chrooted helper",
        daemon_flags: &[],
        requests: &[
            req(
                "POST",
                "/v1.41/containers/create?name=walk12",
                Some(r#"{"Image":"busybox","Cmd":["sleep","300"]}"#),
                "a container to look into",
            ),
            req("POST", "/v1.41/containers/walk12/start", None, ""),
            req(
                "HEAD",
                "/v1.41/containers/walk12/archive?path=/bin/sh",
                None,
                "docker cp, 1: the stat, in X-Docker-Container-Path-Stat (a symlink: not followed)",
            ),
            get(
                "/v1.41/containers/walk12/archive?path=/etc/hostname",
                "docker cp, 2: the tar (the archive helper wrote it, chrooted in the rootfs)",
            ),
            get("/v1.41/containers/nosuch/archive?path=/", "an unknown container: 404"),
            get(
                "/v1.41/containers/walk12/archive?path=/nonexist",
                "a missing path: moby's 404 \"Could not find the file\"",
            ),
            get("/v1.41/containers/walk12/changes", "docker diff: the overlay upper directory"),
            req(
                "DELETE",
                "/v1.41/containers/walk12?force=1",
                None,
                "clean up",
            ),
        ],
    },
];

/// Find a lesson by its full name (`03-the-mux`), its number (`03`, `3`)
/// or the part after the number (`the-mux`).
pub fn find(name: &str) -> Option<&'static Lesson> {
    let name = name.trim_end_matches(".md");
    let name = name.rsplit('/').next().unwrap_or(name);
    LESSONS.iter().find(|l| {
        let (num, rest) = l.name.split_once('-').unwrap_or((l.name, ""));
        l.name == name
            || rest == name
            || num == name
            || name.parse::<u32>().ok() == num.parse::<u32>().ok() && name.parse::<u32>().is_ok()
    })
}
