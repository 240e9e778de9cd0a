//! The TUI's model: everything the screen shows, built from trace records.
//!
//! This is the "Model" and "Update" of the Elm architecture that ratatui's
//! documentation describes (and that tokio-console's `state/` module
//! follows): [`App`] owns all state, its fields are private, and it changes
//! only in [`App::update`], which takes one [`Message`]. Records from the
//! daemon, key presses and clock ticks all arrive as messages, so a test can
//! drive the whole model with plain values and no terminal.
//!
//! moby has no TUI. What the model reconstructs is the life of one request
//! through moby's `api/server` stages: the listener accepted the connection
//! (`daemon/listeners`), the mux picked a route (`api/server/server.go`
//! `createMux`), the middlewares ran (`api/server/middleware/*.go`), the
//! handler called the backend (`api/server/router/*/..._routes.go` →
//! `daemon/*.go`) and the response went out.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use serde_json::Value;

pub use super::flow::{describe, error_of, short_ids, value_text, FlowStep};
use crate::trace::{Phase, Stage, TraceRecord};

/// How many raw records the log pane keeps.
pub const LOG_CAP: usize = 1000;
/// A request that streams for hours (events, logs -f) must not grow
/// without bound: past this many records only the counters move.
pub const RECORDS_PER_REQUEST_CAP: usize = 512;
/// Records held back while the feed is paused. Past this, the oldest held
/// records are dropped and counted, so pausing never costs unbounded memory.
pub const HELD_CAP: usize = 50_000;
/// Closed connections remembered for the listeners pane.
pub const CLOSED_CONNS_CAP: usize = 64;
/// Containers remembered by the containers pane.
pub const CONTAINERS_CAP: usize = 256;
/// The animation speeds the presenter can pick with +/-: the time each
/// stage stays on screen before the next one appears.
pub const PLAY_INTERVALS: [Duration; 6] = [
    Duration::from_millis(100),
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_millis(1000),
    Duration::from_millis(2000),
    Duration::from_millis(4000),
];
/// Replay speeds offered by `<` and `>`.
pub const REPLAY_SPEEDS: [f64; 9] = [0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0, 50.0, 1000.0];

/// The panes, in the order Tab visits them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Requests,
    Flow,
    Mux,
    Listeners,
    Containers,
    Log,
}

impl Pane {
    pub const ALL: [Pane; 6] = [
        Pane::Requests,
        Pane::Flow,
        Pane::Mux,
        Pane::Listeners,
        Pane::Containers,
        Pane::Log,
    ];

    pub fn next(self) -> Pane {
        let i = Pane::ALL.iter().position(|p| *p == self).unwrap_or(0);
        Pane::ALL[(i + 1) % Pane::ALL.len()]
    }

    pub fn prev(self) -> Pane {
        let i = Pane::ALL.iter().position(|p| *p == self).unwrap_or(0);
        Pane::ALL[(i + Pane::ALL.len() - 1) % Pane::ALL.len()]
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Requests => "Requests",
            Pane::Flow => "Flow",
            Pane::Mux => "Mux",
            Pane::Listeners => "Listeners",
            Pane::Containers => "Containers",
            Pane::Log => "Records",
        }
    }
}

/// What the keyboard currently talks to. One enum instead of loose booleans,
/// as ratatui's demo2 does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The panes, with the focused one taking the arrows.
    Normal,
    /// One pane fills the screen (Enter on a request: the flow view).
    Zoom,
    /// Typing a filter after `/`.
    Filter,
    /// The help overlay (`?`).
    Help,
}

/// Everything that can change the model.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// Records from the daemon (or a replay), in stream order.
    Records(Vec<TraceRecord>),
    /// A line for the footer about the record source ("disconnected", ...).
    Source(String),
    /// The source (re)connected: what follows is a new stream from a
    /// daemon that may have restarted, with ids and `seq` counting afresh.
    NewStream,
    /// Time passed (drives the play animation).
    Tick(Duration),
    /// The terminal's size, needed to map mouse clicks to rows.
    Resize(u16, u16),
    Quit,
    ToggleHelp,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    NextPane,
    PrevPane,
    /// Enter: zoom the focused pane (the flow view for a request).
    Open,
    /// Esc: leave zoom, help or filter.
    Back,
    FilterStart,
    FilterChar(char),
    FilterBackspace,
    FilterApply,
    FilterCancel,
    TogglePause,
    Clear,
    /// Animate the selected request's flow, stage by stage.
    Play,
    /// Show one more stage of the flow.
    Step,
    /// Animation faster / slower.
    SpeedUp,
    SpeedDown,
    /// Replay faster / slower (only meaningful with `--replay`).
    ReplayFaster,
    ReplaySlower,
    /// Ask for an export of the selected request (the run loop writes the
    /// files, the model only learns where they went through `Status`).
    Export,
    /// A line for the footer (export paths, errors).
    Status(String),
    Click {
        column: u16,
        row: u16,
    },
    ScrollUp {
        column: u16,
        row: u16,
    },
    ScrollDown {
        column: u16,
        row: u16,
    },
}

/// What the mux decided for a request (from the `mux` record).
#[derive(Debug, Clone, PartialEq)]
pub enum MuxResult {
    /// A route matched (`mux` `match`).
    Matched {
        index: usize,
        method: String,
        template: String,
        handler: String,
        router: String,
        vars: Vec<(String, String)>,
        tried: usize,
        /// One byte per route tried before the match: see [`miss_reason`].
        misses: String,
    },
    /// Nothing matched (`mux` `notfound`); `answered_by` is gorilla's
    /// NotFoundHandler or MethodNotAllowedHandler.
    NotFound {
        tried: usize,
        misses: String,
        answered_by: String,
    },
    /// The path was not clean: gorilla answered 301 (`mux` `redirect`).
    Redirect { location: String },
}

/// Why the route at some index did not match, from the mux's miss byte
/// (`src/server/mux.rs`, `miss::PATH`/`METHOD`/`VERSION`).
pub fn miss_reason(b: u8) -> &'static str {
    match b {
        b'p' => "path",
        b'm' => "method",
        b'v' => "version prefix",
        _ => "?",
    }
}

/// How a request turned out, for colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No response yet, or a stream (hijacked attach, logs -f) still open.
    Open,
    Informational,
    Success,
    Redirect,
    ClientError,
    ServerError,
}

/// One request, as the records tell it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub id: u64,
    pub conn: u64,
    pub listener: String,
    pub start_ns: u64,
    pub last_ns: u64,
    pub method: String,
    pub path: String,
    pub uri: String,
    pub user_agent: String,
    pub mux: Option<MuxResult>,
    /// The handler that ran, from the handler records (the mux record
    /// says it too, when it was seen).
    pub handler: String,
    pub status: Option<u16>,
    pub content_type: String,
    /// Bytes the daemon sent (the response body, or the hijacked stream).
    pub bytes_out: u64,
    /// Bytes the client sent on a hijacked stream (attach stdin).
    pub bytes_in: u64,
    pub dur_us: Option<u64>,
    pub ended: bool,
    pub complete: bool,
    /// The connection was hijacked (101 for attach / exec start).
    pub upgraded: bool,
    /// The first error a stage reported.
    pub error: Option<String>,
    /// Container ids or names this request touched.
    pub containers: Vec<String>,
    /// The request's own records, in order (capped).
    pub records: Vec<TraceRecord>,
    /// Records past the cap, counted only.
    pub records_dropped: u64,
}

impl Request {
    fn new(id: u64, conn: u64, ts: u64) -> Request {
        Request {
            id,
            conn,
            listener: String::new(),
            start_ns: ts,
            last_ns: ts,
            // Overwritten by the `request head` record; a request whose head
            // was not seen (dropped, or sent before a viewer attached) says so.
            method: "?".into(),
            path: "(head not seen)".into(),
            uri: String::new(),
            user_agent: String::new(),
            mux: None,
            handler: String::new(),
            status: None,
            content_type: String::new(),
            bytes_out: 0,
            bytes_in: 0,
            dur_us: None,
            ended: false,
            complete: false,
            upgraded: false,
            error: None,
            containers: Vec::new(),
            records: Vec::new(),
            records_dropped: 0,
        }
    }

    pub fn outcome(&self) -> Outcome {
        if !self.ended {
            return Outcome::Open;
        }
        match self.status.unwrap_or(0) {
            100..=199 => Outcome::Informational,
            200..=299 => Outcome::Success,
            300..=399 => Outcome::Redirect,
            400..=499 => Outcome::ClientError,
            500..=599 => Outcome::ServerError,
            _ => Outcome::Open,
        }
    }

    /// The matched route's template, or what the mux did instead.
    pub fn route_label(&self) -> String {
        match &self.mux {
            Some(MuxResult::Matched { template, .. }) => template.clone(),
            Some(MuxResult::NotFound { .. }) => "(no route)".into(),
            Some(MuxResult::Redirect { .. }) => "(redirect)".into(),
            None => String::new(),
        }
    }

    pub fn handler_label(&self) -> String {
        match &self.mux {
            Some(MuxResult::Matched { handler, .. }) => handler.clone(),
            Some(MuxResult::NotFound { answered_by, .. }) => answered_by.clone(),
            Some(MuxResult::Redirect { .. }) => "cleanPath".into(),
            None => self.handler.clone(),
        }
    }

    /// Duration so far: the recorded one, or the time since the start
    /// (measured against the newest record seen, not the wall clock, so a
    /// replay and a test show the same thing).
    pub fn elapsed_us(&self, now_ns: u64) -> u64 {
        self.dur_us
            .unwrap_or_else(|| now_ns.saturating_sub(self.start_ns) / 1000)
    }

    fn matches_filter(&self, terms: &[String]) -> bool {
        terms.iter().all(|t| {
            let status = self.status.map(|s| s.to_string()).unwrap_or_default();
            // `4xx` matches any 4.. status.
            let class = t.len() == 3 && t.ends_with("xx") && status.starts_with(&t[..1]);
            class
                || self.method.to_lowercase().contains(t)
                || self.path.to_lowercase().contains(t)
                || status.contains(t)
                || self.route_label().to_lowercase().contains(t)
                || self.handler_label().to_lowercase().contains(t)
                || self.containers.iter().any(|c| c.to_lowercase().contains(t))
                || (t == "open" && !self.ended)
        })
    }
}

/// A connection a listener accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Conn {
    pub id: u64,
    pub listener: String,
    pub proto: String,
    pub peer: String,
    pub open: bool,
    pub accept_ns: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub requests: u64,
    /// The `accept` record, so an export can start with it.
    pub accept: Option<TraceRecord>,
}

/// A listener (`-H unix://...`, `tcp://...`) and its counters.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListenerInfo {
    pub addr: String,
    pub proto: String,
    pub accepted: u64,
    pub open: u64,
}

/// A container, as far as backend and runtime records tell.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    pub id: String,
    pub name: String,
    pub image: String,
    pub state: String,
    pub last_action: String,
    pub last_ns: u64,
}

/// The play/step animation of the flow pane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Play {
    /// How many stages are shown; `None` shows them all.
    pub shown: Option<usize>,
    pub playing: bool,
    /// Index into [`PLAY_INTERVALS`].
    pub speed: usize,
    since_step: Duration,
}

impl Play {
    pub fn interval(&self) -> Duration {
        PLAY_INTERVALS[self.speed]
    }
}

/// Dropped-record accounting for the footer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Drops {
    /// The daemon's own count (from its `dropped` records).
    pub reported: u64,
    /// Records missing from the stream (gaps in `seq`).
    pub gaps: u64,
    /// Records this TUI let go while paused (the hold buffer was full).
    pub held_overflow: u64,
}

/// The model. See the module documentation.
pub struct App {
    window: usize,
    mode: Mode,
    focus: Pane,
    /// The pane shown beside the requests on a small screen.
    detail: Pane,
    size: (u16, u16),
    requests: VecDeque<Request>,
    /// Requests at or below this id were evicted; their late records are ignored.
    evicted_upto: u64,
    selected: Option<u64>,
    follow: bool,
    routes: Vec<RouteRow>,
    conns: BTreeMap<u64, Conn>,
    listeners: BTreeMap<String, ListenerInfo>,
    containers: BTreeMap<String, Container>,
    log: VecDeque<TraceRecord>,
    /// Scroll position of the log pane, counted from the newest record.
    log_scroll: usize,
    mux_scroll: Option<usize>,
    filter: String,
    filter_draft: String,
    paused: bool,
    held: VecDeque<TraceRecord>,
    drops: Drops,
    last_seq: u64,
    /// Added to the request and connection ids of the current stream, so
    /// that a restarted daemon's ids (from 1 again) do not collide with the
    /// rows of the previous one.
    req_base: u64,
    conn_base: u64,
    /// The largest ids seen so far (after the bases).
    max_req: u64,
    max_conn: u64,
    now_ns: u64,
    play: Play,
    source: String,
    status: String,
    replay_speed: f64,
    quit: bool,
}

/// One row of the route table (`daemon` `routes` record).
#[derive(Debug, Clone, PartialEq)]
pub struct RouteRow {
    pub index: usize,
    pub method: String,
    pub template: String,
    pub handler: String,
    pub router: String,
    pub file: String,
}

impl App {
    /// A fresh model keeping at most `window` requests.
    pub fn new(window: usize) -> App {
        App {
            window: window.max(1),
            mode: Mode::Normal,
            focus: Pane::Requests,
            detail: Pane::Flow,
            size: (80, 24),
            requests: VecDeque::new(),
            evicted_upto: 0,
            selected: None,
            follow: true,
            routes: Vec::new(),
            conns: BTreeMap::new(),
            listeners: BTreeMap::new(),
            containers: BTreeMap::new(),
            log: VecDeque::new(),
            log_scroll: 0,
            mux_scroll: None,
            filter: String::new(),
            filter_draft: String::new(),
            paused: false,
            held: VecDeque::new(),
            drops: Drops::default(),
            last_seq: 0,
            req_base: 0,
            conn_base: 0,
            max_req: 0,
            max_conn: 0,
            now_ns: 0,
            play: Play {
                shown: None,
                playing: false,
                speed: 2,
                since_step: Duration::ZERO,
            },
            source: String::new(),
            status: String::new(),
            replay_speed: 1.0,
            quit: false,
        }
    }

    // ----- read access for the view, the exports and the tests -----

    pub fn mode(&self) -> Mode {
        self.mode
    }
    pub fn focus(&self) -> Pane {
        self.focus
    }
    /// The pane paired with the requests table on a small screen.
    pub fn detail_pane(&self) -> Pane {
        self.detail
    }
    pub fn size(&self) -> (u16, u16) {
        self.size
    }
    pub fn should_quit(&self) -> bool {
        self.quit
    }
    pub fn is_paused(&self) -> bool {
        self.paused
    }
    pub fn held(&self) -> usize {
        self.held.len()
    }
    pub fn follows(&self) -> bool {
        self.follow
    }
    pub fn filter(&self) -> &str {
        &self.filter
    }
    pub fn filter_draft(&self) -> &str {
        &self.filter_draft
    }
    pub fn drops(&self) -> Drops {
        self.drops
    }
    pub fn play(&self) -> Play {
        self.play
    }
    pub fn source(&self) -> &str {
        &self.source
    }
    pub fn status(&self) -> &str {
        &self.status
    }
    pub fn replay_speed(&self) -> f64 {
        self.replay_speed
    }
    /// Set the replay speed shown in the footer (the run loop does this
    /// once at start with the speed given on the command line).
    pub fn set_replay_speed(&mut self, speed: f64) {
        self.replay_speed = speed;
    }
    /// Time of the newest record seen (ns since the epoch).
    pub fn now_ns(&self) -> u64 {
        self.now_ns
    }
    pub fn routes(&self) -> &[RouteRow] {
        &self.routes
    }
    pub fn conns(&self) -> impl Iterator<Item = &Conn> {
        self.conns.values()
    }
    pub fn conn(&self, id: u64) -> Option<&Conn> {
        self.conns.get(&id)
    }
    pub fn listeners(&self) -> impl Iterator<Item = &ListenerInfo> {
        self.listeners.values()
    }
    pub fn containers(&self) -> impl Iterator<Item = &Container> {
        self.containers.values()
    }
    pub fn log(&self) -> &VecDeque<TraceRecord> {
        &self.log
    }
    pub fn log_scroll(&self) -> usize {
        self.log_scroll
    }
    pub fn mux_scroll(&self) -> Option<usize> {
        self.mux_scroll
    }
    /// All requests kept, oldest first.
    pub fn requests(&self) -> &VecDeque<Request> {
        &self.requests
    }
    pub fn request(&self, id: u64) -> Option<&Request> {
        // Ids grow with time, so the deque is sorted by id.
        self.requests
            .binary_search_by_key(&id, |r| r.id)
            .ok()
            .map(|i| &self.requests[i])
    }
    /// The requests that pass the filter, oldest first.
    pub fn visible(&self) -> Vec<&Request> {
        let terms = filter_terms(&self.filter);
        self.requests
            .iter()
            .filter(|r| r.matches_filter(&terms))
            .collect()
    }
    /// The selected request: the one the user picked, or the newest
    /// visible one while the table follows the feed.
    pub fn selected(&self) -> Option<&Request> {
        if self.follow {
            return self.visible().last().copied();
        }
        self.selected.and_then(|id| self.request(id))
    }
    pub fn selected_id(&self) -> Option<u64> {
        self.selected().map(|r| r.id)
    }
    /// Requests per second over the last five seconds of record time.
    pub fn throughput(&self) -> f64 {
        let since = self.now_ns.saturating_sub(5_000_000_000);
        let n = self
            .requests
            .iter()
            .rev()
            .take_while(|r| r.start_ns >= since)
            .count();
        n as f64 / 5.0
    }

    // ----- update -----

    /// Apply one message. The only way the model changes.
    pub fn update(&mut self, msg: Message) {
        match msg {
            Message::Records(records) => {
                for r in records {
                    if self.paused {
                        if self.held.len() >= HELD_CAP {
                            self.held.pop_front();
                            self.drops.held_overflow += 1;
                        }
                        self.held.push_back(r);
                    } else {
                        self.ingest(r);
                    }
                }
            }
            Message::Source(s) => self.source = s,
            Message::NewStream => self.new_stream(),
            Message::Status(s) => self.status = s,
            Message::Tick(dt) => self.tick(dt),
            Message::Resize(w, h) => self.size = (w, h),
            Message::Quit => self.quit = true,
            Message::ToggleHelp => {
                self.mode = if self.mode == Mode::Help {
                    Mode::Normal
                } else {
                    Mode::Help
                }
            }
            Message::Back => {
                self.mode = Mode::Normal;
            }
            Message::Up => self.move_by(-1),
            Message::Down => self.move_by(1),
            Message::PageUp => self.move_by(-10),
            Message::PageDown => self.move_by(10),
            Message::Home => self.move_by(i64::MIN / 2),
            Message::End => self.move_by(i64::MAX / 2),
            Message::NextPane => self.set_focus(self.focus.next()),
            Message::PrevPane => self.set_focus(self.focus.prev()),
            Message::Open => {
                self.mode = if self.mode == Mode::Zoom {
                    Mode::Normal
                } else {
                    Mode::Zoom
                };
            }
            Message::FilterStart => {
                self.filter_draft = self.filter.clone();
                self.mode = Mode::Filter;
            }
            Message::FilterChar(c) => self.filter_draft.push(c),
            Message::FilterBackspace => {
                self.filter_draft.pop();
            }
            Message::FilterApply => {
                self.filter = self.filter_draft.trim().to_string();
                self.mode = Mode::Normal;
                self.keep_selection_visible();
            }
            Message::FilterCancel => {
                self.filter_draft.clear();
                self.filter.clear();
                self.mode = Mode::Normal;
            }
            Message::TogglePause => {
                self.paused = !self.paused;
                if !self.paused {
                    while let Some(r) = self.held.pop_front() {
                        self.ingest(r);
                    }
                }
            }
            Message::Clear => self.clear(),
            Message::Play => self.toggle_play(),
            Message::Step => self.step(),
            Message::SpeedUp => self.play.speed = self.play.speed.saturating_sub(1),
            Message::SpeedDown => {
                self.play.speed = (self.play.speed + 1).min(PLAY_INTERVALS.len() - 1)
            }
            Message::ReplayFaster => self.replay_speed = next_speed(self.replay_speed, true),
            Message::ReplaySlower => self.replay_speed = next_speed(self.replay_speed, false),
            Message::Export => {
                // The run loop writes the files; nothing to change here.
            }
            Message::Click { column, row } => self.click(column, row),
            Message::ScrollUp { column, row } => {
                self.focus_at(column, row);
                self.move_by(-3);
            }
            Message::ScrollDown { column, row } => {
                self.focus_at(column, row);
                self.move_by(3);
            }
        }
    }

    fn set_focus(&mut self, p: Pane) {
        self.focus = p;
        if p != Pane::Requests {
            self.detail = p;
        }
    }

    fn clear(&mut self) {
        // Late records of cleared requests (a stream's end) must not
        // bring them back.
        self.evicted_upto = self.evicted_upto.max(self.last_req_id());
        self.requests.clear();
        self.log.clear();
        self.held.clear();
        self.selected = None;
        self.follow = true;
        self.play.shown = None;
        self.play.playing = false;
        self.conns.retain(|_, c| c.open);
        self.containers.retain(|_, c| c.state != "removed");
        self.status.clear();
    }

    /// A new stream: ids continue above everything seen, `seq` starts
    /// over, and what was open in the old stream is closed (its end, if it
    /// came, was lost with the connection).
    fn new_stream(&mut self) {
        self.last_seq = 0;
        self.req_base = self.max_req;
        self.conn_base = self.max_conn;
        for q in self.requests.iter_mut().filter(|q| !q.ended) {
            q.ended = true;
            q.complete = false;
        }
        for c in self.conns.values_mut() {
            c.open = false;
        }
        for l in self.listeners.values_mut() {
            l.open = 0;
        }
    }

    fn last_req_id(&self) -> u64 {
        self.requests.back().map(|r| r.id).unwrap_or(0)
    }

    /// Move the cursor of the focused pane.
    fn move_by(&mut self, delta: i64) {
        match self.focus {
            Pane::Requests => self.move_selection(delta),
            Pane::Log => {
                let max = self.log.len().saturating_sub(1) as i64;
                // Up scrolls back in time (away from the newest record).
                self.log_scroll = (self.log_scroll as i64 - delta).clamp(0, max) as usize;
            }
            Pane::Mux => {
                let max = self.routes.len().saturating_sub(1) as i64;
                let cur = self.mux_scroll.unwrap_or(0) as i64;
                self.mux_scroll = Some((cur + delta).clamp(0, max) as usize);
            }
            // The flow pane's arrows walk the stages, like the step key.
            Pane::Flow => {
                if delta > 0 {
                    self.step();
                } else if let Some(n) = self.play.shown {
                    self.play.playing = false;
                    self.play.shown = Some(n.saturating_sub(1).max(1));
                }
            }
            Pane::Listeners | Pane::Containers => {}
        }
    }

    fn move_selection(&mut self, delta: i64) {
        let visible: Vec<u64> = self.visible().iter().map(|r| r.id).collect();
        if visible.is_empty() {
            return;
        }
        let cur = self
            .selected_id()
            .and_then(|id| visible.iter().position(|v| *v == id))
            .unwrap_or(visible.len() - 1) as i64;
        let next = (cur + delta).clamp(0, visible.len() as i64 - 1) as usize;
        self.select(visible[next]);
        // Moving onto the newest row resumes following the feed, as `tail -f`
        // viewers do; moving anywhere else stops it.
        self.follow = next == visible.len() - 1 && delta > 0;
    }

    /// Select a request by id (also used by tests and the click handler).
    pub fn select(&mut self, id: u64) {
        if self.selected_id() != Some(id) {
            self.play.shown = None;
            self.play.playing = false;
            self.mux_scroll = None;
        }
        self.selected = Some(id);
        self.follow = false;
    }

    fn keep_selection_visible(&mut self) {
        let visible = self.visible();
        let ok = self
            .selected
            .map(|id| visible.iter().any(|r| r.id == id))
            .unwrap_or(false);
        if !ok {
            self.follow = true;
        }
    }

    fn click(&mut self, column: u16, row: u16) {
        self.focus_at(column, row);
        let areas = super::ui::layout(
            ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1),
            self,
        );
        if let Some(a) = areas.requests {
            // Inside the table body: pick that row.
            if column >= a.x && column < a.right() && row >= a.y + 2 && row < a.bottom() - 1 {
                let body = a.height.saturating_sub(3) as usize;
                let visible: Vec<u64> = self.visible().iter().map(|r| r.id).collect();
                let sel = self
                    .selected_id()
                    .and_then(|id| visible.iter().position(|v| *v == id));
                let offset = super::widgets::requests::offset(sel, body);
                let i = offset + (row - a.y - 2) as usize;
                if let Some(id) = visible.get(i) {
                    self.select(*id);
                }
            }
        }
    }

    /// Give focus to the pane under the mouse.
    fn focus_at(&mut self, column: u16, row: u16) {
        let areas = super::ui::layout(
            ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1),
            self,
        );
        let pos = ratatui::layout::Position::new(column, row);
        for (pane, area) in areas.panes() {
            if area.contains(pos) {
                self.set_focus(pane);
            }
        }
    }

    // ----- the play/step state machine -----

    fn steps_of_selected(&self) -> usize {
        self.selected()
            .map(|r| self.flow_steps(r).len())
            .unwrap_or(0)
    }

    /// `p`: start playing from the first stage; while playing, pause; when
    /// paused half-way, carry on from there.
    fn toggle_play(&mut self) {
        let total = self.steps_of_selected();
        if total == 0 {
            return;
        }
        if self.play.playing {
            self.play.playing = false;
            return;
        }
        match self.play.shown {
            Some(n) if n < total => {}
            _ => self.play.shown = Some(1),
        }
        self.play.playing = true;
        self.play.since_step = Duration::ZERO;
    }

    /// `n` / `.`: one more stage; stops playing. From "all shown" it starts
    /// again at the first stage.
    fn step(&mut self) {
        let total = self.steps_of_selected();
        if total == 0 {
            return;
        }
        self.play.playing = false;
        self.play.shown = Some(match self.play.shown {
            None => 1,
            Some(n) if n >= total => 1,
            Some(n) => n + 1,
        });
    }

    fn tick(&mut self, dt: Duration) {
        if !self.play.playing {
            return;
        }
        self.play.since_step += dt;
        let total = self.steps_of_selected();
        while self.play.since_step >= self.play.interval() {
            self.play.since_step -= self.play.interval();
            let n = self.play.shown.unwrap_or(0) + 1;
            self.play.shown = Some(n.min(total));
            if n >= total {
                self.play.playing = false;
                break;
            }
        }
    }

    // ----- records -----

    fn ingest(&mut self, mut r: TraceRecord) {
        if r.req != 0 {
            r.req += self.req_base;
            self.max_req = self.max_req.max(r.req);
        }
        if r.conn != 0 {
            r.conn += self.conn_base;
            self.max_conn = self.max_conn.max(r.conn);
        }
        // Sequence numbers: a gap means records were lost between the hub
        // and us; a smaller number means a new stream (daemon restarted,
        // viewer reconnected), which starts counting afresh.
        if r.seq > 0 {
            if self.last_seq > 0 && r.seq > self.last_seq + 1 {
                self.drops.gaps += r.seq - self.last_seq - 1;
            }
            self.last_seq = r.seq;
        }
        self.now_ns = self.now_ns.max(r.ts_ns);
        if self.log.len() >= LOG_CAP {
            self.log.pop_front();
        }
        self.log.push_back(r.clone());
        self.track_containers(&r);
        match (r.stage, r.name.as_str()) {
            (Stage::Daemon, "routes") => self.routes = parse_routes(&r),
            (Stage::Daemon, "dropped") => {
                if let Some(n) = r.field_u64("count") {
                    self.drops.reported = self.drops.reported.max(n);
                }
            }
            // `listen` when a server starts serving an address, `listener`
            // when the daemon opened it (`-H`); either makes the pane show
            // the listener before its first connection.
            (Stage::Daemon, "listen" | "listener") => {
                if let Some(addr) = r.field_str("addr").or_else(|| r.field_str("host")) {
                    self.listeners
                        .entry(addr.clone())
                        .or_insert_with(|| ListenerInfo {
                            proto: addr.split("://").next().unwrap_or("").to_string(),
                            addr,
                            ..Default::default()
                        });
                }
            }
            (Stage::Listener, "accept") => self.accept(&r),
            (Stage::Listener, "close") => self.close(&r),
            _ if r.req != 0 => self.request_record(r),
            _ => {}
        }
    }

    fn accept(&mut self, r: &TraceRecord) {
        let listener = r.field_str("listener").unwrap_or_default();
        let proto = r.field_str("proto").unwrap_or_default();
        let l = self
            .listeners
            .entry(listener.clone())
            .or_insert_with(|| ListenerInfo {
                addr: listener.clone(),
                proto: proto.clone(),
                ..Default::default()
            });
        l.accepted += 1;
        l.open += 1;
        self.conns.insert(
            r.conn,
            Conn {
                id: r.conn,
                listener,
                proto,
                peer: r.field_str("peer").unwrap_or_default(),
                open: true,
                accept_ns: r.ts_ns,
                bytes_in: 0,
                bytes_out: 0,
                requests: 0,
                accept: Some(r.clone()),
            },
        );
    }

    fn close(&mut self, r: &TraceRecord) {
        let bytes_in = r.field_u64("bytes_in").unwrap_or(0);
        let bytes_out = r.field_u64("bytes_out").unwrap_or(0);
        if let Some(c) = self.conns.get_mut(&r.conn) {
            if c.open {
                c.open = false;
                if let Some(l) = self.listeners.get_mut(&c.listener) {
                    l.open = l.open.saturating_sub(1);
                }
            }
            c.bytes_in = bytes_in;
            c.bytes_out = bytes_out;
        }
        // Forget the oldest closed connections.
        let closed: Vec<u64> = self
            .conns
            .values()
            .filter(|c| !c.open)
            .map(|c| c.id)
            .collect();
        if closed.len() > CLOSED_CONNS_CAP {
            for id in &closed[..closed.len() - CLOSED_CONNS_CAP] {
                self.conns.remove(id);
            }
        }
        // A hijacked stream ends when its connection closes; so does a
        // stream whose client went away before the end record.
        for req in self.requests.iter_mut().filter(|q| q.conn == r.conn) {
            if req.upgraded && !req.ended {
                req.ended = true;
                req.complete = true;
                if req.bytes_in == 0 && req.bytes_out == 0 {
                    req.bytes_in = bytes_in;
                    req.bytes_out = bytes_out;
                }
                req.dur_us = Some(r.ts_ns.saturating_sub(req.start_ns) / 1000);
            } else if !req.ended && req.status.is_some() {
                req.ended = true;
                req.dur_us = Some(r.ts_ns.saturating_sub(req.start_ns) / 1000);
            }
            req.last_ns = r.ts_ns;
        }
    }

    fn request_record(&mut self, r: TraceRecord) {
        let idx = match self.requests.binary_search_by_key(&r.req, |q| q.id) {
            Ok(i) => i,
            Err(_) if r.req <= self.evicted_upto => return,
            Err(i) => {
                // A new request. It normally starts with `request head`, but
                // if that record was dropped we still show what we have.
                // Older than everything kept, with the window full: it
                // would be evicted at once.
                if i == 0 && self.requests.len() >= self.window {
                    return;
                }
                let mut q = Request::new(r.req, r.conn, r.ts_ns);
                if let Some(c) = self.conns.get_mut(&r.conn) {
                    q.listener = c.listener.clone();
                    c.requests += 1;
                }
                self.requests.insert(i, q);
                if self.requests.len() > self.window {
                    if let Some(old) = self.requests.pop_front() {
                        self.evicted_upto = self.evicted_upto.max(old.id);
                    }
                    i - 1
                } else {
                    i
                }
            }
        };
        let q = &mut self.requests[idx];
        q.last_ns = r.ts_ns;
        match (r.stage, r.phase, r.name.as_str()) {
            (Stage::Request, _, "head") => {
                q.method = r.field_str("method").unwrap_or_default();
                q.path = r.field_str("path").unwrap_or_default();
                q.uri = r.field_str("uri").unwrap_or_else(|| q.path.clone());
                q.user_agent = r.field_str("user_agent").unwrap_or_default();
                q.start_ns = r.ts_ns;
            }
            (Stage::Mux, _, "match") => {
                let vars = match r.fields.get("vars") {
                    Some(Value::Object(m)) => {
                        let mut v: Vec<(String, String)> =
                            m.iter().map(|(k, v)| (k.clone(), value_text(v))).collect();
                        v.sort();
                        v
                    }
                    _ => Vec::new(),
                };
                q.mux = Some(MuxResult::Matched {
                    index: r.field_u64("route_index").unwrap_or(0) as usize,
                    method: r.field_str("method").unwrap_or_default(),
                    template: r.field_str("template").unwrap_or_default(),
                    handler: r.field_str("handler").unwrap_or_default(),
                    router: r.field_str("router").unwrap_or_default(),
                    vars,
                    tried: r.field_u64("tried").unwrap_or(0) as usize,
                    misses: r.field_str("misses").unwrap_or_default(),
                });
            }
            (Stage::Mux, _, "notfound") => {
                q.mux = Some(MuxResult::NotFound {
                    tried: r.field_u64("tried").unwrap_or(0) as usize,
                    misses: r.field_str("misses").unwrap_or_default(),
                    answered_by: r.field_str("answered_by").unwrap_or_default(),
                });
            }
            (Stage::Mux, _, "redirect") => {
                q.mux = Some(MuxResult::Redirect {
                    location: r.field_str("location").unwrap_or_default(),
                });
            }
            (Stage::Handler, _, name) if q.handler.is_empty() => {
                q.handler = name.to_string();
            }
            (Stage::Response, _, "head") => {
                q.status = r.field_u64("status").map(|s| s as u16);
                q.content_type = r.field_str("content_type").unwrap_or_default();
                if q.status == Some(101) {
                    q.upgraded = true;
                }
            }
            (Stage::Response, _, "end") => {
                if let Some(s) = r.field_u64("status") {
                    q.status = Some(s as u16);
                }
                let bytes = r.field_u64("bytes").unwrap_or(0);
                // A 101's body is empty: the stream that follows is the
                // hijacked connection, which ends with its upgrade record
                // or the connection's close.
                if q.upgraded {
                    q.bytes_out = q.bytes_out.max(bytes);
                } else {
                    q.bytes_out = bytes;
                    q.dur_us = r.dur_us.or(q.dur_us);
                    q.complete = r
                        .fields
                        .get("complete")
                        .and_then(Value::as_bool)
                        .unwrap_or(true);
                    q.ended = true;
                }
            }
            (Stage::Upgrade, phase, name) => {
                q.upgraded = true;
                if q.status.is_none() {
                    q.status = Some(r.field_u64("status").unwrap_or(101) as u16);
                }
                if let Some(b) = r.field_u64("bytes_in").or(r.field_u64("stdin_bytes")) {
                    q.bytes_in = b;
                }
                if let Some(b) = r.field_u64("bytes_out").or(r.field_u64("stdout_bytes")) {
                    q.bytes_out = b;
                }
                if phase == Phase::Exit || matches!(name, "end" | "close" | "done") {
                    q.ended = true;
                    q.complete = true;
                    q.dur_us = r.dur_us.or(Some(r.ts_ns.saturating_sub(q.start_ns) / 1000));
                }
            }
            _ => {}
        }
        if q.error.is_none() {
            if let Some(e) = error_of(&r) {
                q.error = Some(e);
            }
        }
        if let Some(c) = container_of(&r) {
            if !q.containers.contains(&c) {
                q.containers.push(c);
            }
        }
        if q.records.len() < RECORDS_PER_REQUEST_CAP {
            q.records.push(r);
        } else {
            q.records_dropped += 1;
        }
    }

    /// Containers from backend/runtime records and daemon events. The
    /// record shapes are the daemon's business, so this is tolerant: any
    /// record naming a container (field `container`, `container_id`, or `id`
    /// on a backend record) counts, and its name or `action` field says
    /// what happened.
    fn track_containers(&mut self, r: &TraceRecord) {
        let Some(id) = container_of(r) else { return };
        let action = r
            .field_str("action")
            .or_else(|| r.field_str("status"))
            .filter(|a| !a.chars().all(|c| c.is_ascii_digit()))
            .unwrap_or_else(|| r.name.clone());
        // A call that failed (`Daemon.ContainerStart` exiting with an
        // error) did not change the state.
        let state = if error_of(r).is_some() {
            None
        } else {
            container_state(&action, r.phase)
        };
        let c = self
            .containers
            .entry(id.clone())
            .or_insert_with(|| Container {
                id: id.clone(),
                name: String::new(),
                image: String::new(),
                state: "created".into(),
                last_action: String::new(),
                last_ns: r.ts_ns,
            });
        if let Some(n) = r
            .field_str("container_name")
            .or_else(|| r.field_str("name"))
            .or_else(|| {
                r.fields
                    .get("attributes")
                    .and_then(|a| a.get("name"))
                    .map(value_text)
            })
        {
            c.name = n.trim_start_matches('/').to_string();
        }
        if let Some(i) = r.field_str("image").or_else(|| {
            r.fields
                .get("attributes")
                .and_then(|a| a.get("image"))
                .map(value_text)
        }) {
            c.image = i;
        }
        if let Some(s) = state {
            c.state = s.to_string();
        }
        c.last_action = short_action(&action);
        c.last_ns = r.ts_ns;
        if self.containers.len() > CONTAINERS_CAP {
            if let Some(oldest) = self
                .containers
                .values()
                .min_by_key(|c| c.last_ns)
                .map(|c| c.id.clone())
            {
                self.containers.remove(&oldest);
            }
        }
    }

    /// The stages of a request, in the order they happened, nested (see
    /// [`super::flow`]).
    pub fn flow_steps(&self, req: &Request) -> Vec<FlowStep> {
        let listener = self
            .conns
            .get(&req.conn)
            .map(|c| c.listener.clone())
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| req.listener.clone());
        super::flow::flow_steps(req, &listener)
    }
}

fn filter_terms(f: &str) -> Vec<String> {
    f.split_whitespace().map(|t| t.to_lowercase()).collect()
}

fn next_speed(cur: f64, faster: bool) -> f64 {
    if faster {
        REPLAY_SPEEDS
            .iter()
            .copied()
            .find(|s| *s > cur + 1e-9)
            .unwrap_or(cur)
    } else {
        REPLAY_SPEEDS
            .iter()
            .rev()
            .copied()
            .find(|s| *s < cur - 1e-9)
            .unwrap_or(cur)
    }
}

fn parse_routes(r: &TraceRecord) -> Vec<RouteRow> {
    let Some(Value::Array(rows)) = r.fields.get("routes") else {
        return Vec::new();
    };
    rows.iter()
        .enumerate()
        .map(|(n, row)| {
            let s = |k: &str| row.get(k).map(value_text).unwrap_or_default();
            RouteRow {
                index: row
                    .get("i")
                    .and_then(Value::as_u64)
                    .map(|i| i as usize)
                    .unwrap_or(n),
                method: s("method"),
                template: s("template"),
                handler: s("handler"),
                router: s("router"),
                file: s("file"),
            }
        })
        .collect()
}

/// The container a record is about, if any.
fn container_of(r: &TraceRecord) -> Option<String> {
    let from_field = r
        .field_str("container")
        .or_else(|| r.field_str("container_id"));
    let id = match from_field {
        Some(id) => Some(id),
        // `id` is too common a field name to trust everywhere (an image
        // lookup has one too): only container events (`type=container`, as
        // moby's events.Log writes them) and backend calls named after
        // containers (`Daemon.ContainerStart`) count.
        None if r.field_str("type").as_deref() == Some("container")
            || (matches!(r.stage, Stage::Backend | Stage::Runtime)
                && r.name.contains("Container")) =>
        {
            r.field_str("id")
        }
        None => None,
    }?;
    let id = id.trim().to_string();
    if id.is_empty() || id == "null" {
        None
    } else {
        Some(id)
    }
}

/// What an action says about the container's state, if anything.
fn container_state(action: &str, phase: Phase) -> Option<&'static str> {
    let a = action.to_lowercase();
    // An enter record is a call that may still fail: wait for its exit.
    if phase == Phase::Enter {
        return None;
    }
    let a = a.rsplit('.').next().unwrap_or(&a).to_string();
    let a = a.trim_start_matches("container");
    Some(match a {
        // A state reported as such (`restore.container status=running`).
        "running" | "restarting" => "running",
        "exited" | "dead" => "exited",
        "created" => "created",
        "paused" => "paused",
        s if s.starts_with("create") => "created",
        s if s.starts_with("start") || s.starts_with("restart") || s.starts_with("unpause") => {
            "running"
        }
        s if s.starts_with("pause") => "paused",
        s if s.starts_with("die") || s.starts_with("stop") || s.starts_with("kill") => "exited",
        s if s.starts_with("destroy") || s.starts_with("rm") || s.starts_with("remove") => {
            "removed"
        }
        _ => return None,
    })
}

fn short_action(a: &str) -> String {
    a.rsplit('.').next().unwrap_or(a).to_string()
}
