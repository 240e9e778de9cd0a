//! Subscribing to Docker events, and logging them.
//!
//! Mirrors moby `daemon/events.go` (v20.10.24): `SubscribeToEvents` hands
//! the `/events` handler the stored events of a time window and a live
//! receiver; `LogContainerEvent` and friends stamp an event with the
//! attributes docker clients expect (`name`, `image`, the labels).

use std::collections::BTreeMap;

use tokio::sync::broadcast;

use super::Daemon;
use crate::events::filter::Filter;
use crate::events::{Actor, Message};

impl Daemon {
    /// moby `SubscribeToEvents(since, until, filter)`. Times are Unix
    /// nanoseconds.
    pub fn subscribe_to_events(
        &self,
        since: Option<i64>,
        until: Option<i64>,
        filter: &Filter,
    ) -> (Vec<Message>, broadcast::Receiver<Message>) {
        // Without `since` or `until` a subscriber gets only what happens
        // from now on.
        let (past, rx) = self.events.subscribe(since.is_some() || until.is_some());
        let past = past
            .into_iter()
            .filter(|m| since.is_none_or(|s| m.time_nano >= s))
            .filter(|m| until.is_none_or(|u| m.time_nano <= u))
            .filter(|m| filter.include(m))
            .collect();
        (past, rx)
    }

    /// moby `LogContainerEventWithAttributes`: a container event with the
    /// container's name (without its `/`), image and labels as attributes.
    pub fn log_container_event(
        &self,
        id: &str,
        action: &str,
        name: &str,
        image: &str,
        labels: &BTreeMap<String, String>,
        extra: &[(&str, String)],
    ) {
        let mut attributes = labels.clone();
        attributes.insert("image".into(), image.to_string());
        attributes.insert("name".into(), name.trim_start_matches('/').to_string());
        for (k, v) in extra {
            attributes.insert((*k).to_string(), v.clone());
        }
        trace_event!(
            "backend",
            "event",
            "Daemon.LogContainerEvent",
            action = action,
            container = id
        );
        self.events.log(
            action,
            "container",
            Actor {
                id: id.to_string(),
                attributes,
            },
        );
    }
}
