//! The trace record's `name` is the stage's name (`Daemon.ContainerCreate`),
//! whatever fields the call site reports; the layer must not let a field of
//! the same name replace it. Its own test binary: the tracing subscriber
//! and the hub are process-wide.

use std::time::Duration;

use mini_dockerd::trace::{Hub, HubOptions, TraceRecord};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// A field that is also called `name` (`Daemon.ContainerCreate` reports the
/// container's name so) does not replace the record's own name; it is kept
/// as a field.
#[tokio::test]
async fn a_field_called_name_does_not_rename_the_record() {
    let _ = tracing_subscriber::registry()
        .with(mini_dockerd::trace::layer::trace_layer())
        .try_init();
    Hub::start(HubOptions {
        capacity: 1024,
        json: None,
        tui: None,
    });
    let (_routes, mut rx, _guard) = Hub::subscribe().expect("hub started");
    mini_dockerd::trace_event!(
        "backend",
        "enter",
        "Daemon.ContainerCreate",
        name = "web",
        image = "busybox"
    );
    loop {
        let line = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("no record")
            .unwrap();
        // The hub sends viewers a batch of lines at a time.
        let batch: Vec<TraceRecord> = line
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        let Some(r) = batch
            .into_iter()
            .find(|r| r.stage == mini_dockerd::trace::Stage::Backend)
        else {
            continue; // not the record this test is about
        };
        assert_eq!(r.name, "Daemon.ContainerCreate");
        assert_eq!(r.field_str("name").as_deref(), Some("web"));
        assert_eq!(r.field_str("image").as_deref(), Some("busybox"));
        break;
    }
}
