//! A request's flow: its records turned into the nested stages the flow
//! pane draws and the exports write.
//!
//! The nesting is moby's: `api/server/server.go` matches the route, then
//! `makeHTTPHandler` runs the handler wrapped by every middleware
//! (`handlerWithGlobalMiddlewares`, `api/server/middleware.go`), the first
//! registered innermost; the handler calls the backend (`daemon/*.go`),
//! which calls the runtime. Each stage that takes time sends an `enter`
//! and an `exit` record with the same name, so a stack of entered stages
//! gives the depth of each one. This is the same idea as tokio-console's
//! task details, which nest spans by their parents.

use serde_json::Value;

use super::app::Request;
use crate::trace::{Phase, Stage, TraceRecord};

/// One stage of a request's flow, for the flow pane and the exports.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowStep {
    /// Nesting: middlewares wrap each other, the handler sits inside the
    /// innermost one, backend calls inside the handler.
    pub depth: usize,
    pub stage: Stage,
    pub name: String,
    pub detail: String,
    /// Microseconds since the request started.
    pub at_us: u64,
    pub dur_us: Option<u64>,
    pub error: Option<String>,
    /// Entered and not (yet) left.
    pub open: bool,
}

/// The stages of a request, in the order they happened, nested.
/// `listener` is the address of the listener that accepted its
/// connection.
pub fn flow_steps(req: &Request, listener: &str) -> Vec<FlowStep> {
    let mut steps = Vec::new();
    let listener = listener.to_string();
    steps.push(FlowStep {
        depth: 0,
        stage: Stage::Listener,
        name: if listener.is_empty() {
            "listener".into()
        } else {
            listener
        },
        detail: format!("conn #{}", req.conn),
        at_us: 0,
        dur_us: None,
        error: None,
        open: false,
    });
    // Indices into `steps` of stages entered and not yet left.
    let mut stack: Vec<usize> = Vec::new();
    // The enter record's fields of each step, so an exit shows only
    // what it adds (a container id repeated on both is shown once).
    let mut entered: Vec<Option<&serde_json::Map<String, Value>>> = vec![None];
    // The hijacked stream of an attach or exec start: opened inside the
    // handler, it outlives it. What happens on the stream afterwards
    // (the backend attaching the container's output) is shown inside it.
    let mut upgrade: Option<usize> = None;
    for r in &req.records {
        let at_us = r.ts_ns.saturating_sub(req.start_ns) / 1000;
        if stack.is_empty() && !matches!(r.stage, Stage::Request | Stage::Response) {
            if let Some(u) = upgrade.filter(|&u| steps[u].open) {
                stack.push(u);
            }
        }
        let depth = stack.last().map(|&i| steps[i].depth + 1).unwrap_or(0);
        match r.phase {
            Phase::Enter => {
                if r.stage == Stage::Upgrade {
                    upgrade = Some(steps.len());
                }
                steps.push(FlowStep {
                    depth,
                    stage: r.stage,
                    name: r.name.clone(),
                    detail: describe(r),
                    at_us,
                    dur_us: None,
                    error: None,
                    open: true,
                });
                stack.push(steps.len() - 1);
                entered.push(Some(&r.fields));
            }
            Phase::Exit => {
                let pos = stack
                    .iter()
                    .rposition(|&i| steps[i].name == r.name && steps[i].stage == r.stage);
                // A stage that outlives its caller (a wait that ends
                // after its handler returned a streaming body) is no
                // longer on the stack: close it where it stands.
                let found = match pos {
                    Some(p) => {
                        let i = stack[p];
                        stack.truncate(p);
                        Some(i)
                    }
                    None => steps
                        .iter()
                        .rposition(|s| s.open && s.name == r.name && s.stage == r.stage),
                };
                match found {
                    Some(i) => {
                        let mut news = r.clone();
                        if let Some(Some(before)) = entered.get(i) {
                            news.fields.retain(|k, v| before.get(k) != Some(v));
                        }
                        let s = &mut steps[i];
                        s.open = false;
                        s.dur_us = r.dur_us;
                        let d = describe(&news);
                        if !d.is_empty() {
                            s.detail = if s.detail.is_empty() {
                                d
                            } else {
                                format!("{} {d}", s.detail)
                            };
                        }
                        s.error = error_of(r);
                    }
                    None => {
                        steps.push(FlowStep {
                            depth,
                            stage: r.stage,
                            name: r.name.clone(),
                            detail: describe(r),
                            at_us,
                            dur_us: r.dur_us,
                            error: error_of(r),
                            open: false,
                        });
                        entered.push(None);
                    }
                }
            }
            Phase::Event => {
                // The response records close whatever is still open at
                // the outer level: they are written after the chain.
                let depth = if r.stage == Stage::Response || r.stage == Stage::Request {
                    0
                } else {
                    depth
                };
                let name = match (r.stage, r.name.as_str()) {
                    (Stage::Request, "head") => "request".to_string(),
                    (Stage::Mux, n) => format!("mux {n}"),
                    (Stage::Response, "head") => "response".to_string(),
                    (Stage::Response, "end") => "response end".to_string(),
                    (_, n) => n.to_string(),
                };
                steps.push(FlowStep {
                    depth,
                    stage: r.stage,
                    name,
                    detail: describe(r),
                    at_us,
                    dur_us: r.dur_us,
                    error: error_of(r),
                    open: false,
                });
                entered.push(None);
            }
        }
    }
    steps
}

/// A JSON value as plain text (strings without quotes).
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A one-line summary of a record's fields for the flow pane.
pub fn describe(r: &TraceRecord) -> String {
    match (r.stage, r.name.as_str()) {
        (Stage::Request, "head") => format!(
            "{} {}",
            r.field_str("method").unwrap_or_default(),
            r.field_str("uri")
                .or_else(|| r.field_str("path"))
                .unwrap_or_default()
        ),
        (Stage::Mux, "match") => {
            let vars = match r.fields.get("vars") {
                Some(Value::Object(m)) if !m.is_empty() => {
                    let mut v: Vec<String> = m
                        .iter()
                        .map(|(k, v)| format!("{k}={}", value_text(v)))
                        .collect();
                    v.sort();
                    format!(" {}", v.join(" "))
                }
                _ => String::new(),
            };
            format!(
                "#{} {} -> {}{vars} (tried {})",
                r.field_u64("route_index").unwrap_or(0),
                r.field_str("template").unwrap_or_default(),
                r.field_str("handler").unwrap_or_default(),
                r.field_u64("tried").unwrap_or(0)
            )
        }
        (Stage::Mux, "notfound") => format!(
            "no route (tried {}) -> {}",
            r.field_u64("tried").unwrap_or(0),
            r.field_str("answered_by").unwrap_or_default()
        ),
        (Stage::Mux, "redirect") => {
            format!("301 -> {}", r.field_str("location").unwrap_or_default())
        }
        (Stage::Response, "head") => format!(
            "{} {}",
            r.field_u64("status").unwrap_or(0),
            r.field_str("content_type").unwrap_or_default()
        ),
        (Stage::Response, "end") => {
            let complete = r
                .fields
                .get("complete")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            format!(
                "{} {} B{}",
                r.field_u64("status").unwrap_or(0),
                r.field_u64("bytes").unwrap_or(0),
                if complete { "" } else { " (cut short)" }
            )
        }
        _ => describe_fields(r),
    }
}

/// `pass api_version=1.41`: the decision first (pass/reject is what a
/// middleware is about), then the other fields; empty values and source
/// locations (the mux pane shows those) are left out.
fn describe_fields(r: &TraceRecord) -> String {
    let mut parts = Vec::new();
    if let Some(d) = r.fields.get("decision") {
        parts.push(value_text(d));
    }
    for (k, v) in &r.fields {
        if matches!(
            k.as_str(),
            "decision" | "file" | "rust" | "error" | "router"
        ) {
            continue;
        }
        if matches!(v, Value::String(s) if s.is_empty()) {
            continue;
        }
        let mut t = short_ids(&value_text(v));
        if t.chars().count() > 40 {
            t = t.chars().take(37).collect::<String>() + "...";
        }
        parts.push(format!("{k}={t}"));
    }
    parts.join(" ")
}

/// Container and image ids are 64 hex digits; on screen the first 12 say
/// as much (as `docker ps` shows them): `/containers/559d479c69f8…/start`.
pub fn short_ids(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() == 64 {
            out.push_str(&run[..12]);
            out.push('…');
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in path.chars() {
        if c.is_ascii_hexdigit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// The error a record reports, if any. Some stages always send an `error`
/// field and leave it empty on success (`runtime.start`); that is no error.
pub fn error_of(r: &TraceRecord) -> Option<String> {
    r.field_str("error").filter(|e| !e.is_empty())
}
