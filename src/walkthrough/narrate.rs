//! Turning one request's trace records into one line of plain English.
//!
//! Not a moby file. The records are the ones described in
//! src/trace/record.rs; this reads them in `seq` order and names each
//! stage the request entered, with the one detail a learner wants from it
//! (the middleware's decision, the route template the mux matched, the
//! handler's moby file, the status and size of the answer).

use crate::trace::{Phase, Stage, TraceRecord};

/// One line: `request N: METHOD PATH → stage → stage → ... → status, bytes, time`.
pub fn narrate(n: usize, method: &str, path: &str, records: &[TraceRecord]) -> String {
    let mut parts: Vec<String> = vec![format!("request {n}: {method} {path}")];
    if records.is_empty() {
        parts.push("(no trace records arrived for this request)".into());
        return parts.join(" → ");
    }
    let exit_of = |stage: Stage, name: &str, from: usize| {
        records[from..]
            .iter()
            .find(|r| r.stage == stage && r.phase == Phase::Exit && r.name == name)
    };
    let mut end = None;
    for (i, r) in records.iter().enumerate() {
        match (r.stage, r.phase) {
            (Stage::Mux, _) if r.name == "match" => {
                let tries = r.field_u64("tried").unwrap_or(0);
                let template = r.field_str("template").unwrap_or_default();
                if r.field_str("handler").as_deref() == Some("notFoundHandler") {
                    parts.push(format!(
                        "mux matched the versioned catch-all {template} after {tries} tries → notFoundHandler (no middlewares)"
                    ));
                } else {
                    // The path variables the handler gets (mux.Vars), minus
                    // the version, which every versioned route has.
                    let vars: Vec<String> = r
                        .field_str("vars")
                        .and_then(|v| {
                            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&v)
                                .ok()
                        })
                        .map(|m| {
                            m.iter()
                                .filter(|(k, _)| k.as_str() != "version")
                                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                                .collect()
                        })
                        .unwrap_or_default();
                    if vars.is_empty() {
                        parts.push(format!("mux matched {template} after {tries} tries"));
                    } else {
                        parts.push(format!(
                            "mux matched {template} after {tries} tries ({})",
                            vars.join(", ")
                        ));
                    }
                }
            }
            (Stage::Mux, _) if r.name == "notfound" => {
                let tries = r.field_u64("tried").unwrap_or(0);
                let by = r.field_str("answered_by").unwrap_or_default();
                parts.push(format!(
                    "mux: no route after {tries} tries → {by} (no middlewares)"
                ));
            }
            (Stage::Mux, _) if r.name == "redirect" => {
                let to = r.field_str("location").unwrap_or_default();
                parts.push(format!("mux: redirect to {to}"));
            }
            (Stage::Middleware, Phase::Enter) => {
                let detail = exit_of(Stage::Middleware, &r.name, i).and_then(middleware_detail);
                parts.push(match detail {
                    Some(d) => format!("{} ({d})", r.name),
                    None => r.name.clone(),
                });
            }
            (Stage::Job, Phase::Enter) => {
                let call = r.field_str("call").unwrap_or_else(|| r.name.clone());
                let status = exit_of(Stage::Job, &r.name, i)
                    .and_then(|x| x.field_str("status"))
                    .unwrap_or_else(|| "?".into());
                parts.push(format!("job {call} = {status}"));
            }
            (Stage::Handler, Phase::Enter) => {
                let file = r.field_str("file").unwrap_or_default();
                parts.push(format!("{} ({file})", r.name));
            }
            (Stage::Backend, Phase::Enter | Phase::Event)
            | (Stage::Runtime, Phase::Enter | Phase::Event)
            | (Stage::Upgrade, Phase::Enter | Phase::Event)
                if !r.name.is_empty() =>
            {
                parts.push(format!("{} {}", r.stage.as_str(), r.name));
            }
            (Stage::Response, _) if r.name == "end" => end = Some(r),
            _ => {}
        }
    }
    match end {
        Some(r) => parts.push(format!(
            "{}, {} bytes, {:.1} ms",
            r.field_str("status").unwrap_or_default(),
            r.field_u64("bytes").unwrap_or(0),
            r.dur_us.unwrap_or(0) as f64 / 1000.0
        )),
        None => {
            if let Some(h) = records
                .iter()
                .find(|r| r.stage == Stage::Response && r.name == "head")
            {
                parts.push(format!(
                    "{} (still streaming)",
                    h.field_str("status").unwrap_or_default()
                ));
            }
        }
    }
    parts.join(" → ")
}

/// What a middleware decided, from its exit record.
fn middleware_detail(exit: &TraceRecord) -> Option<String> {
    if exit.field_str("decision").as_deref() == Some("reject") {
        let why = exit
            .field_str("error")
            .or_else(|| exit.field_str("verdict"))
            .unwrap_or_default();
        return Some(format!("rejected: {why}"));
    }
    match exit.name.as_str() {
        "AuthzMiddleware" => exit.field_str("verdict"),
        "VersionMiddleware" => exit.field_str("api_version").map(|v| format!("api {v}")),
        "CORSMiddleware" => exit
            .field_str("cors_origin")
            .map(|o| format!("Access-Control-Allow-Origin: {o}")),
        _ => None,
    }
}
