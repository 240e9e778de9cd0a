//! The image store through its public API, on a temporary data root.
//!
//! Each test pins down one piece of dockerd's image behaviour (moby
//! `daemon/images/*.go`, `image/tarexport/*.go`, v20.10.24) without a
//! daemon: the same calls the image routes make.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::sync::Arc;

use mini_dockerd::errdefs::ErrorKind;
use mini_dockerd::events::Events;
use mini_dockerd::image::{ImageDeleteResponseItem, ImageService};

/// A small rootfs tar: `etc/hello` holding `text`, plus a directory.
fn rootfs_tar(text: &str) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Directory);
    h.set_mode(0o755);
    h.set_size(0);
    b.append_data(&mut h, "etc/", std::io::empty()).unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o644);
    h.set_size(text.len() as u64);
    b.append_data(&mut h, "etc/hello", text.as_bytes()).unwrap();
    b.into_inner().unwrap()
}

/// A tar with one entry whose raw name is `name` (bypassing the tar
/// crate's own checks, as a hostile client would).
fn raw_name_tar(name: &str) -> Vec<u8> {
    let mut h = tar::Header::new_old();
    {
        let old = h.as_old_mut();
        old.name[..name.len()].copy_from_slice(name.as_bytes());
    }
    h.set_entry_type(tar::EntryType::Regular);
    h.set_mode(0o644);
    h.set_size(4);
    h.set_cksum();
    let mut b = tar::Builder::new(Vec::new());
    b.append(&h, &b"evil"[..]).unwrap();
    b.into_inner().unwrap()
}

fn service(root: &Path) -> ImageService {
    ImageService::new(root, Arc::new(Events::new())).unwrap()
}

fn import(svc: &ImageService, text: &str, repo: &str, tag: &str, changes: &[&str]) -> String {
    let changes: Vec<String> = changes.iter().map(|s| s.to_string()).collect();
    svc.import_image(&mut Cursor::new(rootfs_tar(text)), repo, tag, "", &changes)
        .unwrap()
}

/// `docker import`: the id is the sha256 of the config JSON, the image is
/// found by reference, full id, `sha256:` id and a unique prefix, and a
/// missing tag answers dockerd's "No such image: <name>:latest".
#[test]
fn import_and_lookup_by_every_form() {
    let dir = tempfile::tempdir().unwrap();
    let events = Arc::new(Events::new());
    let svc = ImageService::new(dir.path(), events.clone()).unwrap();
    let id = import(&svc, "hi\n", "myimg", "v1", &[r#"CMD ["sh"]"#, "ENV A=b"]);
    assert!(id.starts_with("sha256:") && id.len() == 71);
    let hex = &id[7..];

    let img = svc.get_image("myimg:v1").unwrap();
    assert_eq!(img.id, id);
    assert_eq!(img.repo_tags, vec!["myimg:v1".to_string()]);
    assert_eq!(img.config.cmd, Some(vec!["sh".to_string()]));
    assert_eq!(img.config.env, Some(vec!["A=b".to_string()]));
    assert_eq!(img.comment, "Imported from -");
    assert_eq!(img.os, "linux");
    assert_eq!(img.diff_ids.len(), 1);
    assert_eq!(img.size, 3);
    assert_eq!(svc.get_image("docker.io/library/myimg:v1").unwrap().id, id);
    assert_eq!(svc.get_image(hex).unwrap().id, id);
    assert_eq!(svc.get_image(&id).unwrap().id, id);
    assert_eq!(svc.get_image(&hex[..12]).unwrap().id, id);

    let e = svc.get_image("myimg").unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert_eq!(e.message, "No such image: myimg:latest");
    let e = svc.get_image("Upper").unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidParameter);
    assert_eq!(
        e.message,
        "invalid reference format: repository name must be lowercase"
    );

    // The layer is extracted once, ready to be an overlay lowerdir.
    let dirs = svc.layer_dirs(&img);
    assert_eq!(dirs.len(), 1);
    assert_eq!(
        std::fs::read_to_string(dirs[0].join("etc/hello")).unwrap(),
        "hi\n"
    );
    assert_eq!(svc.count(), 1);

    // The event moby logs: action `import`, actor the image id.
    let (past, _) = events.subscribe(true);
    assert!(past
        .iter()
        .any(|m| m.typ == "image" && m.action == "import" && m.actor.id == id));
}

/// The tag index and the image configs survive a restart of the store
/// (both are written atomically and reloaded by `ImageService::new`).
#[test]
fn store_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let svc = service(dir.path());
        let id = import(&svc, "x", "keep", "1", &[]);
        svc.tag_image("keep:1", "other/name", "2").unwrap();
        id
    };
    let svc = service(dir.path());
    let img = svc.get_image("other/name:2").unwrap();
    assert_eq!(img.id, id);
    assert_eq!(
        img.repo_tags,
        vec!["keep:1".to_string(), "other/name:2".to_string()]
    );
    // No temporary files are left next to the content.
    let content = dir.path().join("image/overlay2/imagedb/content/sha256");
    let names: Vec<String> = std::fs::read_dir(content)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(names, vec![id[7..].to_string()]);
}

/// `docker rmi` rules: untag while other tags remain; a container using
/// the image blocks removing its last tag (must force) and a running one
/// blocks deleting by id even with force; deleting by id with several tags
/// needs force.
#[test]
fn delete_untags_deletes_and_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path());
    let id = import(&svc, "a", "app", "1", &[]);
    svc.tag_image("app:1", "app", "2").unwrap();
    let short = id[7..19].to_string();

    let e = svc.image_delete(&short, false, true).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert_eq!(
        e.message,
        format!("conflict: unable to delete {short} (must be forced) - image is referenced in multiple repositories")
    );

    let r = svc.image_delete("app:2", false, true).unwrap();
    assert_eq!(
        r,
        vec![ImageDeleteResponseItem {
            untagged: "app:2".into(),
            deleted: String::new()
        }]
    );

    // A stopped container uses the image.
    let users: Arc<std::sync::Mutex<Vec<(String, bool)>>> = Arc::new(Default::default());
    let u = users.clone();
    let image_id = id.clone();
    svc.set_usage(Arc::new(move |i: &str| {
        if i == image_id {
            u.lock().unwrap().clone()
        } else {
            Vec::new()
        }
    }));
    let cid = "1a2b3c4d5e6f7a8b9c0d".to_string();
    *users.lock().unwrap() = vec![(cid.clone(), false)];
    let e = svc.image_delete("app:1", false, true).unwrap_err();
    assert_eq!(
        e.message,
        format!("conflict: unable to remove repository reference \"app:1\" (must force) - container 1a2b3c4d5e6f is using its referenced image {short}")
    );

    *users.lock().unwrap() = vec![(cid, true)];
    let e = svc.image_delete(&id, true, true).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict);
    assert_eq!(
        e.message,
        format!("conflict: unable to delete {short} (cannot be forced) - image is being used by running container 1a2b3c4d5e6f")
    );

    *users.lock().unwrap() = vec![];
    let r = svc.image_delete("app:1", false, true).unwrap();
    assert_eq!(r[0].untagged, "app:1");
    assert_eq!(r[1].deleted, id);
    // The layer goes with its last image, reported by chain id.
    assert_eq!(r.len(), 3);
    assert!(r[2].deleted.starts_with("sha256:"));
    assert_eq!(svc.count(), 0);
    assert_eq!(
        svc.image_delete("app:1", false, true).unwrap_err().message,
        "No such image: app:1"
    );
}

/// `docker images` filters and shape: untagged images are
/// `<none>:<none>`, `dangling=true` shows only them, `reference` globs the
/// familiar name, `label` matches config labels, newest first.
#[test]
fn list_filters() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path());
    let a = import(&svc, "a", "alpha", "1", &["LABEL team=x"]);
    let b = import(&svc, "b", "beta", "1", &[]);
    let none = import(&svc, "c", "", "", &[]);

    let all = svc.images("", false).unwrap();
    assert_eq!(all.len(), 3);
    assert!(all
        .iter()
        .all(|s| s.containers == -1 && s.shared_size == -1));
    let dangling = svc.images(r#"{"dangling":{"true":true}}"#, false).unwrap();
    assert_eq!(dangling.len(), 1);
    assert_eq!(dangling[0].id, none);
    assert_eq!(
        dangling[0].repo_tags,
        Some(vec!["<none>:<none>".to_string()])
    );
    let refd = svc.images(r#"{"reference":["be*"]}"#, false).unwrap();
    assert_eq!(refd.len(), 1);
    assert_eq!(refd[0].id, b);
    let lab = svc.images(r#"{"label":["team=x"]}"#, false).unwrap();
    assert_eq!(lab.len(), 1);
    assert_eq!(lab[0].id, a);
    let mut want = BTreeMap::new();
    want.insert("team".to_string(), "x".to_string());
    assert_eq!(lab[0].labels, Some(want));
    let e = svc.images(r#"{"nope":["1"]}"#, false).unwrap_err();
    assert_eq!(e.message, "Invalid filter 'nope'");
}

/// `docker history` of an imported image: one entry, the import comment,
/// the layer size and the tags.
#[test]
fn history_of_an_import() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path());
    let id = import(&svc, "12345", "h", "1", &[]);
    let h = svc.image_history("h:1").unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].id, id);
    assert_eq!(h[0].comment, "Imported from -");
    assert_eq!(h[0].size, 5);
    assert_eq!(h[0].tags, Some(vec!["h:1".to_string()]));
    let json = serde_json::to_value(&h).unwrap();
    assert!(json[0]["Created"].as_i64().unwrap() > 0);
    assert_eq!(json[0]["CreatedBy"], "");
}

/// `docker save | docker load` keeps the image id (the config bytes go
/// through unchanged), the tags and the files; load reports
/// `Loaded image: <tag>`.
#[test]
fn save_load_round_trip() {
    let d1 = tempfile::tempdir().unwrap();
    let d2 = tempfile::tempdir().unwrap();
    let s1 = service(d1.path());
    let id = import(&s1, "round", "rt", "1", &[r#"CMD ["x"]"#]);
    let mut archive = Vec::new();
    s1.export_image(&["rt".to_string()], &mut archive).unwrap();

    // The archive has docker-save's files.
    let mut names = Vec::new();
    for e in tar::Archive::new(Cursor::new(&archive)).entries().unwrap() {
        names.push(e.unwrap().path().unwrap().display().to_string());
    }
    assert!(names.contains(&"manifest.json".to_string()));
    assert!(names.contains(&"repositories".to_string()));
    assert!(names.contains(&format!("{}.json", &id[7..])));
    assert!(names.iter().any(|n| n.ends_with("/layer.tar")));

    let s2 = service(d2.path());
    let lines = s2.load_image(&mut Cursor::new(&archive), false).unwrap();
    assert_eq!(lines, vec!["Loaded image: rt:1".to_string()]);
    let img = s2.get_image("rt:1").unwrap();
    assert_eq!(img.id, id);
    assert_eq!(img.config.cmd, Some(vec!["x".to_string()]));
    assert_eq!(
        std::fs::read_to_string(s2.layer_dirs(&img)[0].join("etc/hello")).unwrap(),
        "round"
    );
    // Loading again is idempotent.
    let lines = s2.load_image(&mut Cursor::new(&archive), true).unwrap();
    assert_eq!(lines, vec!["Loaded image: rt:1".to_string()]);
    // dockerd's texts for names `save` cannot find.
    let e = s1.export_check(&["nothere:1".to_string()]).unwrap_err();
    assert_eq!(e.message, "reference does not exist");
    let e = s1.export_check(&["nothere".to_string()]).unwrap_err();
    assert_eq!(e.message, "No such image: nothere");
}

/// The busybox image built from the host's static busybox: `Cmd ["sh"]`,
/// applets as symlinks, and the same id every time on this machine.
#[test]
fn busybox_build_is_deterministic() {
    let Some(bin) = mini_dockerd::image::busybox::find_static_busybox() else {
        eprintln!("no static busybox on this host; skipping");
        return;
    };
    let d1 = tempfile::tempdir().unwrap();
    let d2 = tempfile::tempdir().unwrap();
    let s1 = service(d1.path());
    let s2 = service(d2.path());
    let id1 = s1.ensure_busybox().unwrap().expect("built");
    let id2 = s2.build_busybox_from(&bin).unwrap();
    assert_eq!(id1, id2);
    // Already there: nothing to do.
    assert_eq!(s1.ensure_busybox().unwrap(), None);
    let img = s1.get_image("busybox").unwrap();
    assert_eq!(img.config.cmd, Some(vec!["sh".to_string()]));
    assert_eq!(img.repo_tags, vec!["busybox:latest".to_string()]);
    let root = &s1.layer_dirs(&img)[0];
    assert_eq!(
        std::fs::read_link(root.join("bin/sh")).unwrap(),
        Path::new("busybox")
    );
    assert!(root.join("etc/passwd").is_file());
    assert!(root.join("tmp").is_dir());
}

/// A tar entry climbing out of the layer (`../x`) is refused with a 400
/// and nothing lands outside the store (moby's "breakout" check).
#[test]
fn path_traversal_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let svc = service(&data);
    for name in ["../../evil", "a/../../evil"] {
        let e = svc
            .import_image(&mut Cursor::new(raw_name_tar(name)), "bad", "1", "", &[])
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidParameter, "{name}");
    }
    assert!(!dir.path().join("evil").exists());
    assert!(!data.join("evil").exists());
    assert_eq!(svc.count(), 0);
    // An absolute name is taken relative to the layer root.
    let id = svc
        .import_image(&mut Cursor::new(raw_name_tar("/abs")), "ok", "1", "", &[])
        .unwrap();
    let img = svc.get_image(&id).unwrap();
    assert!(svc.layer_dirs(&img)[0].join("abs").is_file());
}

/// `.wh.` files become overlay whiteouts (0/0 character devices) so that
/// layer directories stack as overlay lowerdirs.
#[test]
fn whiteouts_become_overlay_whiteouts() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path());
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o644);
    h.set_size(0);
    b.append_data(&mut h, "etc/.wh.gone", std::io::empty())
        .unwrap();
    let tar = b.into_inner().unwrap();
    let id = svc
        .import_image(&mut Cursor::new(tar), "wh", "1", "", &[])
        .unwrap();
    let img = svc.get_image(&id).unwrap();
    let p = svc.layer_dirs(&img)[0].join("etc/gone");
    let meta = std::fs::symlink_metadata(&p).unwrap();
    assert!(meta.file_type().is_char_device());
    assert!(!svc.layer_dirs(&img)[0].join("etc/.wh.gone").exists());
}

/// `docker image prune` removes dangling images only, and reports them.
#[test]
fn prune_removes_dangling_only() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path());
    let kept = import(&svc, "k", "kept", "1", &[]);
    let gone = import(&svc, "g", "", "", &[]);
    let report = svc.images_prune("").unwrap();
    let deleted = report.images_deleted.unwrap();
    assert_eq!(deleted[0].deleted, gone);
    assert!(report.space_reclaimed > 0);
    assert_eq!(svc.get_image(&kept).unwrap().id, kept);
    assert!(svc.get_image(&gone).is_err());
    assert_eq!(svc.images_prune("").unwrap().images_deleted, None);
}

/// `docker image inspect`'s shape: RootFS layers, the overlay2 graph
/// driver, LastTagTime once tagged.
#[test]
fn inspect_shape() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path());
    let id = import(&svc, "i", "insp", "1", &[]);
    let v = serde_json::to_value(svc.lookup_image("insp:1").unwrap()).unwrap();
    assert_eq!(v["Id"], id.as_str());
    assert_eq!(v["RepoTags"][0], "insp:1");
    assert_eq!(v["RepoDigests"], serde_json::json!([]));
    assert_eq!(v["RootFS"]["Type"], "layers");
    assert_eq!(v["GraphDriver"]["Name"], "overlay2");
    assert!(v["GraphDriver"]["Data"]["UpperDir"]
        .as_str()
        .unwrap()
        .ends_with("/diff"));
    assert_eq!(v["Config"]["Cmd"], serde_json::Value::Null);
    assert_eq!(v["Comment"], "Imported from -");
    assert_ne!(v["Metadata"]["LastTagTime"], "0001-01-01T00:00:00Z");
}

fn sha(b: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(b)))
}

fn tar_of(files: &[(&str, &str)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, text) in files {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(text.len() as u64);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        b.append_data(&mut h, name, text.as_bytes()).unwrap();
    }
    b.into_inner().unwrap()
}

fn config_for(diff_ids: &[String]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64",
        "config": {"Cmd": ["x"]},
        "created": "2026-01-01T00:00:00Z",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }))
    .unwrap()
}

/// A two-layer docker-save archive: layers register on top of each other
/// (chain ids), `layer_dirs` lists them bottom first, the upper layer's
/// whiteout hides the lower file, and deleting the image releases both
/// layers, top first. A layer whose digest does not match the config's
/// diff id is refused with moby's text.
#[test]
fn load_multi_layer_archive() {
    let l1 = tar_of(&[("etc/a", "A"), ("etc/b", "B")]);
    let l2 = tar_of(&[("etc/.wh.a", ""), ("etc/c", "C")]);
    let diff_ids = vec![sha(&l1), sha(&l2)];
    let config = config_for(&diff_ids);
    let id = sha(&config);
    let archive = |config: &[u8], cfg_name: &str| {
        let manifest = serde_json::json!([{
            "Config": cfg_name,
            "RepoTags": ["two:layers"],
            "Layers": ["l1/layer.tar", "l2/layer.tar"],
        }]);
        let manifest = serde_json::to_vec(&manifest).unwrap();
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in [
            (cfg_name, config),
            ("l1/layer.tar", &l1[..]),
            ("l2/layer.tar", &l2[..]),
            ("manifest.json", &manifest[..]),
        ] {
            let mut h = tar::Header::new_gnu();
            h.set_mode(0o644);
            h.set_size(data.len() as u64);
            b.append_data(&mut h, name, data).unwrap();
        }
        b.into_inner().unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path());
    let lines = svc
        .load_image(&mut Cursor::new(archive(&config, "c.json")), false)
        .unwrap();
    assert_eq!(lines, vec!["Loaded image: two:layers".to_string()]);
    let img = svc.get_image("two:layers").unwrap();
    assert_eq!(img.id, id);
    let dirs = svc.layer_dirs(&img);
    assert_eq!(dirs.len(), 2);
    assert_eq!(std::fs::read_to_string(dirs[0].join("etc/a")).unwrap(), "A");
    assert!(std::fs::symlink_metadata(dirs[1].join("etc/a"))
        .unwrap()
        .file_type()
        .is_char_device());
    assert_eq!(std::fs::read_to_string(dirs[1].join("etc/c")).unwrap(), "C");
    assert_eq!(img.size, 3);

    let r = svc.image_delete("two:layers", false, false).unwrap();
    let deleted: Vec<&str> = r.iter().map(|d| d.deleted.as_str()).collect();
    assert_eq!(deleted.len(), 4);
    assert_eq!(deleted[1], id);
    assert_eq!(deleted[3], diff_ids[0]); // the bottom layer goes last
    assert!(!dirs[0].exists() && !dirs[1].exists());

    // The config claims other layers than the archive holds.
    let wrong = config_for(&[sha(b"nope"), diff_ids[1].clone()]);
    let e = svc
        .load_image(&mut Cursor::new(archive(&wrong, "w.json")), false)
        .unwrap_err();
    assert!(
        e.message
            .starts_with("invalid diffID for layer 0: expected"),
        "{}",
        e.message
    );
    assert_eq!(svc.count(), 0);
}

/// An OCI image layout (index.json + blobs, gzip layers), as newer tools
/// write: the image is loaded and tagged from its
/// `io.containerd.image.name` annotation.
#[test]
fn load_oci_layout() {
    use std::io::Write;
    let layer = tar_of(&[("hello", "oci")]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&layer).unwrap();
    let gz = gz.finish().unwrap();
    let config = config_for(&[sha(&layer)]);
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "config": {"digest": sha(&config), "size": config.len()},
        "layers": [{"digest": sha(&gz), "size": gz.len(),
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip"}],
    }))
    .unwrap();
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"digest": sha(&manifest), "size": manifest.len(),
                       "annotations": {"io.containerd.image.name": "docker.io/library/oci:1"}}],
    }))
    .unwrap();
    let blob = |b: &[u8]| format!("blobs/sha256/{}", &sha(b)[7..]);
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in [
        ("index.json".to_string(), &index[..]),
        (
            "oci-layout".to_string(),
            &br#"{"imageLayoutVersion":"1.0.0"}"#[..],
        ),
        (blob(&manifest), &manifest[..]),
        (blob(&config), &config[..]),
        (blob(&gz), &gz[..]),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        b.append_data(&mut h, name, data).unwrap();
    }
    let archive = b.into_inner().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path());
    let lines = svc.load_image(&mut Cursor::new(archive), false).unwrap();
    assert_eq!(lines, vec!["Loaded image: oci:1".to_string()]);
    let img = svc.get_image("oci:1").unwrap();
    assert_eq!(img.id, sha(&config));
    assert_eq!(
        std::fs::read_to_string(svc.layer_dirs(&img)[0].join("hello")).unwrap(),
        "oci"
    );
}

/// `/system/df`'s image part: every image with how many containers use
/// it (from the daemon's usage callback) and the total layer bytes.
#[test]
fn disk_usage_counts_users() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path());
    let id = import(&svc, "1234", "du", "1", &[]);
    let used = id.clone();
    svc.set_usage(Arc::new(move |i: &str| {
        if i == used {
            vec![("c1".to_string(), true), ("c2".to_string(), false)]
        } else {
            Vec::new()
        }
    }));
    let du = svc.disk_usage().unwrap();
    assert_eq!(du.count, 1);
    assert_eq!(du.total_size, 4);
    assert_eq!(du.images[0].containers, 2);
    assert_eq!(du.images[0].shared_size, 0);
}
