//! The runtime's trace records: a viewer must see the runtime's own steps
//! (rootfs, cgroup, clone, join, wait for exec, exit) and the container
//! init's steps (mounts, pivot_root, hostname, user, exec) reported back
//! over the sync socket, each exit record with its duration. Own test
//! binary, because it installs the process-wide tracing subscriber.

use std::time::Duration;

use mini_dockerd::runtime::linux::LinuxRuntime;
use mini_dockerd::runtime::{ContainerSpec, NetworkMode, ProcessSpec, Resources, Runtime};
use mini_dockerd::trace::layer::TraceLayer;
use mini_dockerd::trace::{Hub, HubOptions, Phase, Stage, TraceRecord};
use tracing_subscriber::layer::SubscriberExt;

/// `docker run busybox true` with the trace on: the runtime stage shows
/// every step, the init's included, with durations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_reports_runtime_and_init_steps() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipping: the Linux runtime needs root");
        return;
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<TraceRecord>(4096);
    Hub::start(HubOptions {
        capacity: 4096,
        json: None,
        tui: Some(tx),
    });
    let _ =
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(TraceLayer));

    let tmp = tempfile::tempdir().unwrap();
    let layer = tmp.path().join("layer");
    std::fs::create_dir_all(layer.join("bin")).unwrap();
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .expect("busybox-static");
    std::fs::copy(busybox, layer.join("bin/busybox")).unwrap();
    std::os::unix::fs::symlink("busybox", layer.join("bin/true")).unwrap();
    let spec = ContainerSpec {
        id: format!("{:08x}{}", std::process::id(), "d".repeat(56)),
        hostname: "tracebox".into(),
        layers: vec![layer],
        container_dir: tmp.path().join("c"),
        mounts: vec![],
        network: NetworkMode::None,
        resources: Resources::default(),
        process: ProcessSpec {
            args: vec!["true".into()],
            ..Default::default()
        },
        etc_hosts: String::new(),
        resolv_conf: String::new(),
        readonly_rootfs: false,
        privileged: false,
        ..Default::default()
    };
    std::fs::create_dir_all(&spec.container_dir).unwrap();
    let rt = LinuxRuntime::new(
        env!("CARGO_BIN_EXE_mini-dockerd").into(),
        "mini-docker-test",
    );
    let spawned = rt.start(&spec).expect("start");
    assert_eq!(spawned.exit.await.unwrap().code, 0);
    rt.cleanup(&spec);

    let mut records = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !records
        .iter()
        .any(|r: &TraceRecord| r.name == "runtime.cleanup")
    {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(r)) if r.stage == Stage::Runtime => records.push(r),
            Ok(Some(_)) => {}
            _ => break,
        }
    }
    let exit_with_dur = |name: &str| {
        records
            .iter()
            .any(|r| r.name == name && r.phase == Phase::Exit && r.dur_us.is_some())
    };
    for name in [
        "runtime.start",
        "runtime.cgroup_create",
        "runtime.prepare_rootfs",
        "runtime.clone",
        "runtime.cgroup_join",
        "runtime.wait_exec",
        "runtime.init.mount_proc",
        "runtime.init.mount_dev",
        "runtime.init.pivot_root",
        "runtime.init.sethostname",
        "runtime.init.user",
        "runtime.cleanup",
    ] {
        assert!(
            exit_with_dur(name),
            "no exit record with dur_us for {name}: {records:#?}"
        );
    }
    let rootfs = records
        .iter()
        .find(|r| r.name == "runtime.prepare_rootfs" && r.phase == Phase::Exit);
    assert_eq!(
        rootfs.and_then(|r| r.field_str("kind")).as_deref(),
        Some("overlay")
    );
    // Printed for whoever runs this with --nocapture: where the time goes.
    for r in records.iter().filter(|r| r.phase == Phase::Exit) {
        eprintln!(
            "{:>32} {:>6} us {:?}",
            r.name,
            r.dur_us.unwrap_or(0),
            r.fields
        );
    }
    let exit = records
        .iter()
        .find(|r| r.name == "runtime.exit")
        .expect("exit record");
    assert_eq!(exit.field_u64("code"), Some(0));
}
