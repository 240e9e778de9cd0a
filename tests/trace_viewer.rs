//! A viewer attached over `GET /debug/trace` to a daemon that has no other
//! trace sink must see every record from then on, including records from
//! call sites that first ran while nobody listened (a connection's
//! `accept`, the middlewares' `enter`). tracing caches, per call site,
//! whether a filter wants it; whether anybody listens is asked by
//! `trace_event!` itself, before tracing is reached, so that cached answer
//! must never be "no".

use std::time::Duration;

use mini_dockerd::trace::{Hub, HubOptions, TraceRecord};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// One call site, hit before and after a viewer attaches.
fn accept(conn: u64) {
    mini_dockerd::trace_event!("listener", "event", "accept", conn = conn);
}

/// The record from a call site first reached before the viewer attached
/// still reaches the viewer when the site runs again.
#[tokio::test]
async fn a_viewer_attached_later_sees_call_sites_first_hit_before() {
    let _ = tracing_subscriber::registry()
        .with(mini_dockerd::trace::layer::trace_layer())
        .try_init();
    Hub::start(HubOptions {
        capacity: 1024,
        json: None,
        tui: None,
    });
    // Nobody listens: this record is not even built.
    accept(1);
    let (_routes, mut rx, _guard) = Hub::subscribe().expect("hub started");
    accept(2);
    loop {
        let line = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("the viewer got nothing: the call site stayed disabled")
            .unwrap();
        // The hub sends viewers a batch of lines at a time.
        let batch: Vec<TraceRecord> = line
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        let Some(r) = batch.into_iter().find(|r| r.name == "accept") else {
            continue; // not the record this test is about
        };
        assert_eq!(r.conn, 2);
        break;
    }
}
