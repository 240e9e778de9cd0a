//! The events service behind `GET /events` and `docker events`.
//!
//! Mirrors moby `daemon/events/events.go` (v20.10.24): a publisher that
//! keeps the last 256 events, so that `docker events --since` can look
//! back, and hands live events to every subscriber. A subscriber that
//! cannot keep up loses events instead of slowing the daemon down, as in
//! moby (whose pubsub drops on a 100 ms timeout per subscriber).
//!
//! Lesson: `walkthroughs/07-hijack-and-streams.md`.

pub mod filter;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// moby `eventsLimit`: how many past events are kept.
pub const EVENTS_LIMIT: usize = 256;

/// moby `events.Actor`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Actor {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Attributes")]
    pub attributes: BTreeMap<String, String>,
}

/// moby `events.Message` as API 1.41 sends it, deprecated fields included
/// (`status`, `id`, `from`), which the docker CLI still reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Message {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub from: String,
    #[serde(rename = "Type")]
    pub typ: String,
    #[serde(rename = "Action")]
    pub action: String,
    #[serde(rename = "Actor")]
    pub actor: Actor,
    pub scope: String,
    pub time: i64,
    #[serde(rename = "timeNano")]
    pub time_nano: i64,
}

/// See the module documentation.
pub struct Events {
    past: Mutex<VecDeque<Message>>,
    live: broadcast::Sender<Message>,
}

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}

impl Events {
    pub fn new() -> Events {
        let (live, _) = broadcast::channel(1024);
        Events {
            past: Mutex::new(VecDeque::with_capacity(EVENTS_LIMIT)),
            live,
        }
    }

    /// moby `Events.Log(action, eventType, actor)`: stamp, keep, publish.
    pub fn log(&self, action: &str, typ: &str, actor: Actor) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let mut msg = Message {
            typ: typ.to_string(),
            action: action.to_string(),
            actor,
            scope: "local".into(),
            time: now.as_secs() as i64,
            time_nano: now.as_nanos() as i64,
            ..Default::default()
        };
        // The deprecated fields, filled for container and image events as
        // moby v20.10 does.
        if typ == "container" || typ == "image" {
            msg.status = action.to_string();
            msg.id = msg.actor.id.clone();
            if typ == "container" {
                msg.from = msg
                    .actor
                    .attributes
                    .get("image")
                    .cloned()
                    .unwrap_or_default();
            }
        }
        {
            let mut past = self.past.lock().unwrap();
            if past.len() == EVENTS_LIMIT {
                past.pop_front();
            }
            past.push_back(msg.clone());
        }
        let _ = self.live.send(msg);
    }

    /// moby `Events.SubscribeTopic`: the stored past events (only when
    /// `with_past`: moby's `loadBufferedEvents` returns none without
    /// `since` or `until`) and a receiver of the live ones. Subscribing
    /// under the same lock as `log` appends means no event falls between
    /// the two.
    pub fn subscribe(&self, with_past: bool) -> (Vec<Message>, broadcast::Receiver<Message>) {
        let past = self.past.lock().unwrap();
        let rx = self.live.subscribe();
        let past = if with_past {
            past.iter().cloned().collect()
        } else {
            Vec::new()
        };
        (past, rx)
    }

    /// How many subscribers are listening (`NEventsListener` in /info).
    pub fn subscriber_count(&self) -> usize {
        self.live.receiver_count()
    }
}
