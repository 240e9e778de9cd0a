//! The image routes end to end: a real mini-dockerd on a temporary socket
//! and data root, driven by the stock docker CLI.
//!
//! Each test pins down what `docker import/images/tag/rmi/save/load/
//! history/image inspect/pull` print against dockerd 20.10.24, through the
//! whole stack: CLI -> server -> image router -> ImageService.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A daemon of our own, stopped (and its data root removed) on drop.
struct Daemon {
    child: Child,
    dir: tempfile::TempDir,
    host: String,
}

impl Daemon {
    fn start() -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("docker.sock");
        let host = format!("unix://{}", sock.display());
        let child = Command::new(env!("CARGO_BIN_EXE_mini-dockerd"))
            .args(["-H", &host, "--bridge", "none", "--data-root"])
            .arg(dir.path().join("root"))
            .arg("--exec-root")
            .arg(dir.path().join("exec"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mini-dockerd");
        let d = Daemon { child, dir, host };
        // Wait (bounded) until the socket answers /_ping.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if sock.exists()
                && d.docker(&["version", "--format", "{{.Server.APIVersion}}"])
                    .status
                    .success()
            {
                break;
            }
            assert!(Instant::now() < deadline, "mini-dockerd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        d
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn docker(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", &self.host)
            .env("DOCKER_CONFIG", self.dir.path().join("cli"))
            .stdin(Stdio::null())
            .output()
            .expect("run docker")
    }

    /// Run docker and return its stdout, failing the test on an error.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.docker(args);
        assert!(
            out.status.success(),
            "docker {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Run docker expecting failure; return its stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.docker(args);
        assert!(!out.status.success(), "docker {args:?} succeeded");
        String::from_utf8_lossy(&out.stderr).trim().to_string()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A small rootfs tar on disk: `etc/hello`.
fn rootfs_tar(path: &Path, text: &str) {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o644);
    h.set_size(text.len() as u64);
    h.set_uid(0);
    h.set_gid(0);
    b.append_data(&mut h, "etc/hello", text.as_bytes()).unwrap();
    std::fs::write(path, b.into_inner().unwrap()).unwrap();
}

/// `docker import` prints the new id; `docker images` lists the tag;
/// `docker tag` adds one and `docker rmi` first untags, then deletes the
/// image with its last tag, printing dockerd's `Untagged:`/`Deleted:`
/// lines; afterwards inspect says `No such image`.
#[test]
fn import_tag_list_rmi() {
    let d = Daemon::start();
    let tar = d.path("rootfs.tar");
    rootfs_tar(&tar, "hi");
    let id = d.ok(&["import", tar.to_str().unwrap(), "imp:1"]);
    assert!(id.starts_with("sha256:") && id.len() == 71, "{id}");

    let list = d.ok(&["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]);
    assert!(list.contains(&format!("imp:1 {}", &id[7..19])), "{list}");

    d.ok(&["tag", "imp:1", "imp:2"]);
    assert_eq!(
        d.ok(&["image", "inspect", "--format", "{{.Id}}", "imp:2"]),
        id
    );
    assert_eq!(d.ok(&["rmi", "imp:2"]), "Untagged: imp:2");
    let out = d.ok(&["rmi", "imp:1"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Untagged: imp:1");
    assert_eq!(lines[1], format!("Deleted: {id}"));
    let err = d.fails(&["image", "inspect", "imp:1"]);
    assert!(
        err.contains("no such image: imp:1: No such image: imp:1"),
        "moby's LookupImage wraps the error: {err}"
    );
    let err = d.fails(&["rmi", "nope"]);
    assert!(err.contains("No such image: nope:latest"), "{err}");
}

/// `docker import --change` applies Dockerfile instructions to the config,
/// visible in `docker image inspect`; `docker history` shows the import
/// comment.
#[test]
fn import_changes_inspect_history() {
    let d = Daemon::start();
    let tar = d.path("rootfs.tar");
    rootfs_tar(&tar, "x");
    d.ok(&[
        "import",
        "-c",
        r#"CMD ["sh"]"#,
        "-c",
        "ENV A=b",
        tar.to_str().unwrap(),
        "chg:1",
    ]);
    assert_eq!(
        d.ok(&[
            "image",
            "inspect",
            "--format",
            "{{json .Config.Cmd}} {{json .Config.Env}} {{.RootFS.Type}}",
            "chg:1"
        ]),
        r#"["sh"] ["A=b"] layers"#
    );
    assert_eq!(
        d.ok(&["history", "--format", "{{.Comment}}", "chg:1"]),
        "Imported from -"
    );
}

/// `docker save | docker load` keeps the image id and tag, and `load`
/// prints `Loaded image: <tag>`.
#[test]
fn save_load_round_trip() {
    let d = Daemon::start();
    let tar = d.path("rootfs.tar");
    rootfs_tar(&tar, "round");
    let id = d.ok(&["import", tar.to_str().unwrap(), "rt:1"]);
    let saved = d.path("saved.tar");
    d.ok(&["save", "-o", saved.to_str().unwrap(), "rt:1"]);
    d.ok(&["rmi", "rt:1"]);
    let out = d.ok(&["load", "-i", saved.to_str().unwrap()]);
    assert!(out.contains("Loaded image: rt:1"), "{out}");
    assert_eq!(
        d.ok(&["image", "inspect", "--format", "{{.Id}}", "rt:1"]),
        id
    );
}

/// There is no registry client: `docker pull` fails with a message that
/// says so and what to use instead.
#[test]
fn pull_is_refused_clearly() {
    let d = Daemon::start();
    let err = d.fails(&["pull", "alpine:3"]);
    assert!(err.contains("Error response from daemon"), "{err}");
    assert!(err.contains("no registry client"), "{err}");
}

/// Untagged imports are `<none>` and dangling: `docker images -f
/// dangling=true` lists exactly them and `docker image prune -f` deletes
/// them, keeping tagged images; `docker system df` counts the images.
#[test]
fn dangling_filter_and_prune() {
    let d = Daemon::start();
    let tar = d.path("rootfs.tar");
    rootfs_tar(&tar, "keep");
    let kept = d.ok(&["import", tar.to_str().unwrap(), "kept:1"]);
    let other = d.path("other.tar");
    rootfs_tar(&other, "dangling");
    let gone = d.ok(&["import", other.to_str().unwrap()]);
    let dangling = d.ok(&["images", "-q", "--no-trunc", "--filter", "dangling=true"]);
    assert_eq!(dangling, gone);
    let out = d.ok(&["image", "prune", "-f"]);
    assert!(out.contains(&format!("deleted: {gone}")), "{out}");
    let ids = d.ok(&["images", "-q", "--no-trunc"]);
    assert!(ids.contains(&kept) && !ids.contains(&gone), "{ids}");
    let df = d.ok(&["system", "df", "--format", "{{.Type}} {{.TotalCount}}"]);
    let count = ids.lines().count();
    assert!(df.contains(&format!("Images {count}")), "{df}");
}
