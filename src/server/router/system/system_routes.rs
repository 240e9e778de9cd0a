//! Handlers of the system router.
//!
//! Mirrors moby `api/server/router/system/system_routes.go` (v20.10.24).
//! Each handler is thin: it parses the query, makes one backend call and
//! writes the answer. `getEvents` is the first streaming handler a learner
//! meets: it writes the 200 at once and then one JSON object per event, for
//! as long as the client stays (walkthroughs/07-hijack-and-streams.md).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Response, StatusCode};
use tokio::sync::{broadcast, mpsc};

use crate::errdefs::{Error, Result};
use crate::events::filter::Filter;
use crate::server::httputils::{self, parse_form, write_json, ApiRequest, Body, Ctx, Vars};

use super::SystemRouter;

/// The `Builder-Version` a ping reports. dockerd 20.10 reports "2"
/// (BuildKit) or "1" (classic) only when the `buildkit` feature is set in
/// daemon.json, and the reference capture has no such header. mini-dockerd
/// has no builder at all; we still send "1" so that a learner sees the
/// header the API documents, and `docker build` fails at `/build` (501)
/// instead of in a BuildKit session.
const BUILDER_VERSION: &str = "1";

impl SystemRouter {
    /// moby `optionsHandler`: `OPTIONS /{anyroute:.*}` answers 200, empty.
    pub(super) async fn options_handler(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Ok(Response::builder()
            .status(StatusCode::OK)
            .header(CONTENT_LENGTH, "0")
            .body(httputils::empty())
            .expect("static response parts are valid"))
    }

    /// moby `pingHandler`, for both `GET /_ping` and `HEAD /_ping`. The
    /// docker CLI sends `HEAD /_ping` first and reads `Api-Version` from
    /// the answer to pick the version it puts in every later URL.
    pub(super) async fn ping_handler(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let b = Response::builder()
            .status(StatusCode::OK)
            .header("Cache-Control", "no-cache, no-store, must-revalidate")
            .header("Pragma", "no-cache")
            .header("Builder-Version", BUILDER_VERSION)
            .header(CONTENT_TYPE, "text/plain; charset=utf-8");
        let resp = if req.method() == Method::HEAD {
            b.header(CONTENT_LENGTH, "0").body(httputils::empty())
        } else {
            b.body(httputils::full(&b"OK"[..]))
        };
        Ok(resp.expect("static response parts are valid"))
    }

    /// moby `getInfo`: `GET /info`.
    pub(super) async fn get_info(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        write_json(StatusCode::OK, &self.backend.system_info())
    }

    /// moby `getVersion`: `GET /version`.
    pub(super) async fn get_version(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        write_json(StatusCode::OK, &self.backend.system_version())
    }

    /// moby `getDiskUsage`: `GET /system/df`.
    pub(super) async fn get_disk_usage(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        write_json(StatusCode::OK, &self.backend.system_disk_usage()?)
    }

    /// moby `postAuth`: `POST /auth` (`docker login`). mini-dockerd talks
    /// to no registry, so there is nothing to log in to.
    pub(super) async fn post_auth(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        Err(Error::not_implemented(
            "postAuth: mini-dockerd has no registry client, so there is nothing to log in to (moby: api/server/router/system/system_routes.go)",
        ))
    }

    /// moby `getEvents`: `GET /events?since=&until=&filters=`.
    ///
    /// Everything that can be wrong with the query is checked before the
    /// 200 goes out, because after it the only way to report a problem is
    /// to end the stream. Then the stored events in the window are sent,
    /// and, unless `until` is already past, live events until `until`
    /// comes or the client goes away.
    pub(super) async fn get_events(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form(&req)?;
        let raw_since = form.get("since").cloned().unwrap_or_default();
        let raw_until = form.get("until").cloned().unwrap_or_default();
        let since = event_time(&raw_since)?;
        let until = event_time(&raw_until)?;
        let now = now_nanos();
        let mut only_past = false;
        if let Some(u) = until {
            if u < since.unwrap_or(0) {
                return Err(Error::invalid_parameter(format!(
                    "`since` time ({raw_since}) cannot be after `until` time ({raw_until})"
                )));
            }
            only_past = u < now;
        }
        let filter = Filter::parse(form.get("filters").map(String::as_str).unwrap_or(""))
            .map_err(Error::invalid_parameter)?;

        let (buffered, mut live) = self.backend.subscribe_to_events(since, until, &filter);
        // The body is fed by a small bounded channel: if the client reads
        // slowly, `send` waits, and the broadcast receiver behind it lags
        // and skips events rather than growing without bound.
        let (tx, rx) = mpsc::channel::<Bytes>(16);
        tokio::spawn(async move {
            for ev in buffered {
                if tx.send(encode(&ev)).await.is_err() {
                    return;
                }
            }
            if only_past {
                return;
            }
            let deadline =
                until.map(|u| Duration::from_nanos(u.saturating_sub(now_nanos()) as u64));
            let timeout = async {
                match deadline {
                    Some(d) => tokio::time::sleep(d).await,
                    None => std::future::pending().await,
                }
            };
            tokio::pin!(timeout);
            loop {
                tokio::select! {
                    ev = live.recv() => match ev {
                        Ok(ev) => {
                            if filter.include(&ev) && tx.send(encode(&ev)).await.is_err() {
                                return;
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(n)) => {
                            tracing::warn!("events subscriber lagged, {n} events skipped");
                        }
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                    _ = &mut timeout => return,
                    // The client went away: hyper dropped the body and its receiver.
                    _ = tx.closed() => return,
                    // dockerd ends event streams when it shuts down, too.
                    _ = crate::server::shutting_down() => return,
                }
            }
        });
        Ok(httputils::stream_response("application/json", rx))
    }
}

/// One event as Go's `json.Encoder` writes it: the object and a newline.
fn encode(ev: &crate::events::Message) -> Bytes {
    let mut v = serde_json::to_vec(ev).unwrap_or_default();
    v.push(b'\n');
    Bytes::from(v)
}

fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// moby `eventTime` + `timetypes.ParseTimestamps`: `since` and `until` are
/// Unix seconds with an optional fraction (`1700000000.123456789`); the
/// docker CLI converts durations and dates to that form before sending.
/// Returns nanoseconds, or `None` for an empty value.
pub(crate) fn event_time(raw: &str) -> Result<Option<i64>> {
    if raw.is_empty() {
        return Ok(None);
    }
    let bad =
        || Error::invalid_parameter(format!("strconv.ParseInt: parsing {raw:?}: invalid syntax"));
    let (secs, frac) = match raw.split_once('.') {
        Some((s, f)) => (s, f),
        None => (raw, ""),
    };
    let secs: i64 = secs.parse().map_err(|_| bad())?;
    let mut nanos: i64 = 0;
    if !frac.is_empty() {
        if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        nanos = format!("{frac:0<9}").parse().map_err(|_| bad())?;
    }
    Ok(Some(
        secs.saturating_mul(1_000_000_000).saturating_add(nanos),
    ))
}
