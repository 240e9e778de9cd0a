//! Export of one request, for slides and bug reports: its records as JSON,
//! and its stages as a Mermaid sequence diagram.
//!
//! The functions are pure (model in, text out) so tests can check them; the
//! run loop writes the files. The diagram shows moby's `api/server` stages
//! in the order the request met them: client → listener (`daemon/listeners`)
//! → mux (`createMux`) → middlewares (`api/server/middleware`) → handler
//! (`api/server/router/...`) → backend (`daemon/`) → runtime, and back.

use super::app::App;
use crate::trace::{Phase, Stage, TraceRecord};

/// File names for the exports of request `req`, in the current directory.
pub fn file_names(req: u64) -> (String, String) {
    (
        format!("mini-dockerd-req-{req}.json"),
        format!("mini-dockerd-req-{req}.mmd"),
    )
}

/// The records of request `req` (with its connection's `accept` record
/// first, when known) as a pretty JSON array of trace records, the same
/// shape `--trace-json` writes one per line. `[]` for an unknown request.
pub fn export_json(app: &App, req: u64) -> String {
    let records = request_records(app, req);
    serde_json::to_string_pretty(&records).unwrap_or_else(|_| "[]".into())
}

fn request_records(app: &App, req: u64) -> Vec<TraceRecord> {
    let Some(q) = app.request(req) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(a) = app.conn(q.conn).and_then(|c| c.accept.clone()) {
        out.push(a);
    }
    out.extend(q.records.iter().cloned());
    out
}

/// Mermaid text may not hold `;` or `#` (statement end, entity codes).
fn clean(s: &str) -> String {
    super::app::short_ids(s)
        .replace(';', ",")
        .replace('#', "")
        .replace("://", " ")
        .replace(['\n', '\r'], " ")
}

struct Participants {
    /// (id, label), in order of first appearance.
    list: Vec<(String, String)>,
}

impl Participants {
    fn id(&mut self, label: &str) -> String {
        if let Some((id, _)) = self.list.iter().find(|(_, l)| l == label) {
            return id.clone();
        }
        let id = format!("P{}", self.list.len());
        self.list.push((id.clone(), label.to_string()));
        id
    }
}

/// A Mermaid `sequenceDiagram` of request `req`: one participant per
/// stage it met, an arrow for each call (middleware, handler, backend,
/// runtime enter) and a dashed arrow back for each return, with decisions
/// and durations on the returns, in the order the records give.
pub fn export_mermaid(app: &App, req: u64) -> String {
    let Some(q) = app.request(req) else {
        return "sequenceDiagram\n    Note over Client: unknown request\n".into();
    };
    let mut p = Participants { list: Vec::new() };
    let client = p.id("client");
    let listener_label = app
        .conn(q.conn)
        .map(|c| c.listener.clone())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "listener".into());
    let listener = p.id(&format!("listener {}", clean(&listener_label)));
    let mut body: Vec<String> = Vec::new();
    let mut stack: Vec<String> = vec![listener.clone()];
    body.push(format!(
        "    {client}->>{listener}: {} {}",
        clean(&q.method),
        clean(&q.uri)
    ));
    // The hijacked stream of an attach or exec start outlives its handler;
    // what runs on it afterwards is drawn as called from it.
    let mut stream: Option<String> = None;
    for r in &q.records {
        if stack.len() == 1 && !matches!(r.stage, Stage::Request | Stage::Response | Stage::Mux) {
            if let Some(s) = &stream {
                if !(r.stage == Stage::Upgrade && r.phase == Phase::Exit) {
                    stack.push(s.clone());
                }
            }
        }
        let top = stack.last().cloned().unwrap_or_else(|| listener.clone());
        match (r.stage, r.phase, r.name.as_str()) {
            (Stage::Request, _, _) => {}
            (Stage::Mux, _, what) => {
                let mux = p.id("mux");
                body.push(format!(
                    "    {listener}->>{mux}: {what} {} {}",
                    clean(&q.method),
                    clean(&q.path)
                ));
                // "route 22 /v{version}/containers/create -> handler".
                body.push(format!(
                    "    {mux}-->>{listener}: {}",
                    clean(&super::app::describe(r).replacen('#', "route ", 1))
                ));
            }
            (Stage::Response, _, "head") => body.push(format!(
                "    {listener}-->>{client}: {}",
                clean(&super::app::describe(r))
            )),
            (Stage::Response, _, _) => {
                body.push(format!(
                    "    Note over {client},{listener}: {} {}{}",
                    clean(&r.name),
                    clean(&super::app::describe(r)),
                    r.dur_us.map(|d| format!(" in {d}us")).unwrap_or_default()
                ));
            }
            (Stage::Upgrade, Phase::Enter, name) => {
                let who = p.id(&format!("hijacked stream of {}", clean(name)));
                body.push(format!("    {top}->>+{who}: 101 upgrade"));
                stack.push(who.clone());
                stream = Some(who);
            }
            (Stage::Upgrade, Phase::Exit, name) => {
                let who = p.id(&format!("hijacked stream of {}", clean(name)));
                if let Some(pos) = stack.iter().rposition(|s| *s == who) {
                    stack.truncate(pos);
                }
                stream = None;
                body.push(format!(
                    "    {who}-->>-{client}: stream ends {}",
                    clean(&super::app::describe(r))
                ));
            }
            (_, Phase::Enter, name) => {
                let who = p.id(&clean(name));
                body.push(format!("    {top}->>+{who}: {}", stage_verb(r.stage)));
                stack.push(who);
            }
            (_, Phase::Exit, name) => {
                let who = p.id(&clean(name));
                // Return to whoever called it.
                if let Some(pos) = stack.iter().rposition(|s| *s == who) {
                    stack.truncate(pos);
                }
                let caller = stack.last().cloned().unwrap_or_else(|| listener.clone());
                let mut what = clean(&super::app::describe(r));
                if let Some(d) = r.dur_us {
                    what = format!("{what} ({d}us)").trim().to_string();
                }
                if let Some(e) = super::app::error_of(r) {
                    what = format!("{what} error {}", clean(&e));
                }
                body.push(format!("    {who}-->>-{caller}: {what}"));
            }
            (_, Phase::Event, name) => {
                body.push(format!(
                    "    Note over {top}: {} {}",
                    clean(name),
                    clean(&super::app::describe(r))
                ));
            }
        }
    }
    let mut out = String::from("sequenceDiagram\n");
    for (id, label) in &p.list {
        out.push_str(&format!("    participant {id} as {label}\n"));
    }
    for line in body {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn stage_verb(s: Stage) -> &'static str {
    match s {
        Stage::Middleware => "wrap",
        Stage::Handler => "handle",
        Stage::Backend => "call",
        Stage::Runtime => "run",
        Stage::Job => "job",
        _ => "enter",
    }
}
