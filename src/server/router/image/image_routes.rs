//! Handlers of the image router.
//!
//! Mirrors moby `api/server/router/image/image_routes.go` (v20.10.24).
//! Each handler parses the request, makes one backend call and writes the
//! answer. The backend is blocking (it reads and writes files), so every
//! call goes to tokio's blocking pool through [`backend_call`], which also
//! reports the call as a `backend` trace record. The tar streams of
//! `import`, `load` and `save` are bridged between the HTTP body and the
//! backend's `Read`/`Write` by `httputils`' `BodyReader` and
//! `ChannelWriter`.

use std::io::Write;
use std::sync::Arc;

use bytes::Bytes;

use hyper::header::CONTENT_TYPE;
use hyper::{Response, StatusCode};

use crate::errdefs::{Error, Result};
use crate::server::httputils::{
    bool_value, bool_value_or_default, form_values, full, no_content, parse_form, write_json,
    ApiRequest, Body, BodyReader, ChannelWriter, Ctx, Vars,
};
use crate::streamformatter;

use super::ImageRouter;

/// Run one blocking backend call on the blocking pool, traced as
/// `backend enter/exit <name>` (moby's method name, e.g. `ImageService.Images`).
async fn backend_call<T, F>(name: &'static str, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    trace_event!("backend", "enter", name);
    let start = std::time::Instant::now();
    let res = crate::trace::spawn_blocking(f)
        .await
        .map_err(|e| Error::system(format!("{name}: {e}")))?;
    match &res {
        Ok(_) => trace_event!(
            "backend",
            "exit",
            name,
            dur_us = crate::trace::micros_since(start)
        ),
        Err(e) => trace_event!(
            "backend",
            "exit",
            name,
            dur_us = crate::trace::micros_since(start),
            error = %e
        ),
    }
    res
}

/// A 200 `application/json` message stream already complete in memory.
fn json_stream(data: Vec<u8>) -> Response<Body> {
    Response::builder()
        .status(StatusCode::OK)
        .header(CONTENT_TYPE, "application/json")
        .body(full(data))
        .expect("static response parts are valid")
}

fn form_get(form: &std::collections::HashMap<String, String>, key: &str) -> String {
    form.get(key).cloned().unwrap_or_default()
}

impl ImageRouter {
    /// moby `getImagesJSON`: `GET /images/json?all=&filters=&digests=`.
    /// The deprecated `filter=<pattern>` is still honoured as a
    /// `reference` filter, as in moby.
    pub(super) async fn get_images_json(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form(&req)?;
        let mut filters = form_get(&form, "filters");
        let legacy = form_get(&form, "filter");
        if !legacy.is_empty() {
            let mut v: serde_json::Value = if filters.trim().is_empty() {
                serde_json::json!({})
            } else {
                serde_json::from_str(&filters)
                    .map_err(|e| Error::invalid_parameter(format!("invalid filter: {e}")))?
            };
            if let Some(obj) = v.as_object_mut() {
                obj.entry("reference")
                    .or_insert_with(|| serde_json::json!({}))
                    .as_object_mut()
                    .map(|m| m.insert(legacy, serde_json::json!(true)));
            }
            filters = v.to_string();
        }
        let all = bool_value(&form, "all");
        let backend = self.backend.clone();
        let images =
            backend_call("ImageService.Images", move || backend.images(&filters, all)).await?;
        write_json(StatusCode::OK, &images)
    }

    /// moby `getImagesSearch`: `GET /images/search?term=`. There is no
    /// registry to search; the backend says so.
    pub(super) async fn get_images_search(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let term = form_get(&parse_form(&req)?, "term");
        let backend = self.backend.clone();
        let results = backend_call("ImageService.SearchRegistryForImages", move || {
            backend.search_registry(&term)
        })
        .await?;
        write_json(StatusCode::OK, &results)
    }

    /// moby `getImagesGet`: `GET /images/get?names=a&names=b` and
    /// `GET /images/{name}/get`: a docker-save tar, streamed. A missing
    /// image is a 404 before any byte is sent; an error later can only
    /// end the stream, as in moby.
    pub(super) async fn get_images_get(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let names = match vars.get("name") {
            Some(n) => vec![n.clone()],
            None => form_values(&req, "names"),
        };
        let backend = self.backend.clone();
        let check = names.clone();
        backend_call("ImageService.ExportImage(check)", move || {
            backend.export_check(&check)
        })
        .await?;
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let backend = self.backend.clone();
        tokio::spawn(backend_call("ImageService.ExportImage", move || {
            let mut w = ChannelWriter::new(tx.clone());
            let res = backend.export_image(&names, &mut w).and_then(|_| {
                w.flush()?;
                Ok(())
            });
            if let Err(e) = &res {
                let _ =
                    tx.blocking_send(Bytes::from(streamformatter::format_error(&e.message, None)));
            }
            res
        }));
        Ok(crate::server::httputils::stream_response(
            "application/x-tar",
            rx,
        ))
    }

    /// moby `getImagesHistory`: `GET /images/{name}/history`.
    pub(super) async fn get_images_history(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let name = vars.get("name").cloned().unwrap_or_default();
        let backend = self.backend.clone();
        let history = backend_call("ImageService.ImageHistory", move || {
            backend.image_history(&name)
        })
        .await?;
        write_json(StatusCode::OK, &history)
    }

    /// moby `getImagesByName`: `GET /images/{name}/json`.
    pub(super) async fn get_images_by_name(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let name = vars.get("name").cloned().unwrap_or_default();
        let backend = self.backend.clone();
        let inspect = backend_call("ImageService.LookupImage", move || {
            backend.lookup_image(&name)
        })
        .await?;
        write_json(StatusCode::OK, &inspect)
    }

    /// moby `postImagesLoad`: `POST /images/load?quiet=`, body a
    /// docker-save (or OCI layout) tar. The answer is always a 200 JSON
    /// stream; a failed load is an error message inside it.
    pub(super) async fn post_images_load(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let quiet = bool_value_or_default(&parse_form(&req)?, "quiet", true);
        let mut body = BodyReader::new(req);
        let backend = self.backend.clone();
        let res = backend_call("ImageService.LoadImage", move || {
            backend.load_image(&mut body, quiet)
        })
        .await;
        let out = match res {
            Ok(lines) => lines
                .iter()
                .flat_map(|l| streamformatter::format_stream(format!("{l}\n").as_bytes()))
                .collect(),
            Err(e) => streamformatter::format_error(&e.message, None),
        };
        Ok(json_stream(out))
    }

    /// moby `postImagesCreate`: `POST /images/create`. With `fromImage` a
    /// pull (refused: no registry client), with `fromSrc=-` an import of
    /// the body; the answer is `{"status":"sha256:<id>"}`.
    pub(super) async fn post_images_create(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form(&req)?;
        let image = form_get(&form, "fromImage");
        let repo = form_get(&form, "repo");
        let tag = form_get(&form, "tag");
        let backend = self.backend.clone();
        if !image.is_empty() {
            backend_call("ImageService.PullImage", move || {
                backend.pull_image(&image, &tag)
            })
            .await?;
            return Ok(json_stream(Vec::new()));
        }
        let src = form_get(&form, "fromSrc");
        if src != "-" {
            // moby downloads `fromSrc` when it is a URL.
            return Err(Error::not_implemented(format!(
                "importing from {src:?} is not supported: send the tar as the request body with fromSrc=-"
            )));
        }
        let message = form_get(&form, "message");
        let changes = form_values(&req, "changes");
        let mut body = BodyReader::new(req);
        let id = backend_call("ImageService.ImportImage", move || {
            backend.import_image(&mut body, &repo, &tag, &message, &changes)
        })
        .await?;
        Ok(json_stream(streamformatter::format_status(&id)))
    }

    /// moby `postImagesPush`: `POST /images/{name}/push`. No registry.
    pub(super) async fn post_images_push(
        self: Arc<Self>,
        _ctx: Ctx,
        _req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let name = vars.get("name").cloned().unwrap_or_default();
        let backend = self.backend.clone();
        backend_call("ImageService.PushImage", move || backend.push_image(&name)).await?;
        Ok(json_stream(Vec::new()))
    }

    /// moby `postImagesTag`: `POST /images/{name}/tag?repo=&tag=` → 201.
    pub(super) async fn post_images_tag(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form(&req)?;
        let name = vars.get("name").cloned().unwrap_or_default();
        let (repo, tag) = (form_get(&form, "repo"), form_get(&form, "tag"));
        let backend = self.backend.clone();
        backend_call("ImageService.TagImage", move || {
            backend.tag_image(&name, &repo, &tag)
        })
        .await?;
        Ok(no_content(StatusCode::CREATED))
    }

    /// moby `postImagesPrune`: `POST /images/prune?filters=`.
    pub(super) async fn post_images_prune(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        let filters = form_get(&parse_form(&req)?, "filters");
        let backend = self.backend.clone();
        let report = backend_call("ImageService.ImagesPrune", move || {
            backend.images_prune(&filters)
        })
        .await?;
        write_json(StatusCode::OK, &report)
    }

    /// moby `deleteImages`: `DELETE /images/{name}?force=&noprune=`.
    pub(super) async fn delete_images(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let form = parse_form(&req)?;
        let name = vars.get("name").cloned().unwrap_or_default();
        if name.trim().is_empty() {
            return Err(Error::invalid_parameter("image name cannot be blank"));
        }
        let force = bool_value(&form, "force");
        let prune = !bool_value(&form, "noprune");
        let backend = self.backend.clone();
        let list = backend_call("ImageService.ImageDelete", move || {
            backend.image_delete(&name, force, prune)
        })
        .await?;
        write_json(StatusCode::OK, &list)
    }
}
