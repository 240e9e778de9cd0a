//! Handlers of the container router: `docker cp`.
//!
//! Mirrors moby `api/server/router/container/copy.go` (v20.10.24): each
//! handler reads the name and the `path` query (moby
//! `httputils.ArchiveFormValues`), makes one backend call and writes the
//! answer. The path's stat travels in the `X-Docker-Container-Path-Stat`
//! header, base64 JSON, on `HEAD` and on `GET` (in front of the tar).

use std::sync::Arc;

use base64::Engine;
use hyper::header::{HeaderValue, CONTENT_ENCODING};
use hyper::{Response, StatusCode};

use crate::daemon::archive::ContainerPathStat;
use crate::errdefs::{Error, Result};
use crate::server::httputils::{
    bool_value, negotiate_content_encoding, no_content, parse_form, reader_response,
    version_less_than, ApiRequest, Body, BodyReader, Ctx, Vars,
};
use crate::server::router::not_implemented_error;

use super::ContainerRouter;

/// moby `httputils.ArchiveOptions`.
struct ArchiveOptions {
    name: String,
    path: String,
}

/// moby `httputils.ArchiveFormValues`. Its `badParameterError` prints
/// without a space before "cannot": "bad parameter: pathcannot be empty".
fn archive_form_values(req: &ApiRequest, vars: &Vars) -> Result<ArchiveOptions> {
    let form = parse_form(req)?;
    let name = vars.get("name").cloned().unwrap_or_default();
    if name.is_empty() {
        return Err(Error::invalid_parameter(
            "bad parameter: namecannot be empty",
        ));
    }
    let path = form.get("path").cloned().unwrap_or_default();
    if path.is_empty() {
        return Err(Error::invalid_parameter(
            "bad parameter: pathcannot be empty",
        ));
    }
    Ok(ArchiveOptions { name, path })
}

/// moby `setContainerPathStatHeader`.
fn path_stat_header(stat: &ContainerPathStat) -> Result<HeaderValue> {
    let json = serde_json::to_vec(stat).map_err(|e| Error::system(e.to_string()))?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(json);
    HeaderValue::from_str(&encoded).map_err(|e| Error::system(e.to_string()))
}

const PATH_STAT_HEADER: &str = "X-Docker-Container-Path-Stat";

impl ContainerRouter {
    /// moby `headContainersArchive`: `HEAD /containers/{name:.*}/archive`.
    pub(super) async fn head_containers_archive(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let v = archive_form_values(&req, &vars)?;
        let stat = self
            .backend
            .clone()
            .container_stat_path(v.name, v.path)
            .await?;
        let mut res = no_content(StatusCode::OK);
        res.headers_mut()
            .insert(PATH_STAT_HEADER, path_stat_header(&stat)?);
        Ok(res)
    }

    /// moby `getContainersArchive`: `GET /containers/{name:.*}/archive`.
    /// The tar is gzip- or deflate-compressed when the client's
    /// Accept-Encoding prefers it (moby `writeCompressedResponse`).
    pub(super) async fn get_containers_archive(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let v = archive_form_values(&req, &vars)?;
        let encoding = negotiate_content_encoding(&req, &["gzip", "deflate"]);
        let (tar, stat) = self
            .backend
            .clone()
            .container_archive_path(v.name, v.path, encoding)
            .await?;
        let mut res = reader_response("application/x-tar", tar);
        res.headers_mut()
            .insert(PATH_STAT_HEADER, path_stat_header(&stat)?);
        if let Some(e) = encoding {
            res.headers_mut()
                .insert(CONTENT_ENCODING, HeaderValue::from_static(e));
        }
        Ok(res)
    }

    /// moby `postContainersCopy`: `POST /containers/{name:.*}/copy`.
    /// Deprecated since API 1.8; from 1.24 on dockerd answers a bare 404.
    /// For older clients dockerd still copies; we do not (a shortcut: no
    /// client we know of sends it) and answer 501.
    pub(super) async fn post_containers_copy(
        self: Arc<Self>,
        ctx: Ctx,
        _req: ApiRequest,
        _vars: Vars,
    ) -> Result<Response<Body>> {
        if !version_less_than(&ctx.api_version, "1.24") {
            return Ok(no_content(StatusCode::NOT_FOUND));
        }
        Err(not_implemented_error(
            "postContainersCopy",
            "container/copy.go",
        ))
    }

    /// moby `putContainersArchive`: `PUT /containers/{name:.*}/archive`.
    /// The body is a tar, extracted into the directory `path`.
    pub(super) async fn put_containers_archive(
        self: Arc<Self>,
        _ctx: Ctx,
        req: ApiRequest,
        vars: Vars,
    ) -> Result<Response<Body>> {
        let v = archive_form_values(&req, &vars)?;
        let form = parse_form(&req)?;
        let no_overwrite_dir_non_dir = bool_value(&form, "noOverwriteDirNonDir");
        let copy_uid_gid = bool_value(&form, "copyUIDGID");
        let mut body = BodyReader::new(req);
        let finished = body.finished();
        let result = self
            .backend
            .clone()
            .container_extract_to_dir(v.name, v.path, copy_uid_gid, no_overwrite_dir_non_dir, body)
            .await;
        if result.is_err() {
            // Read what is left of a small body before answering, as Go's
            // server does, so the client sees the error, not a broken pipe.
            finished.await;
        }
        result?;
        Ok(no_content(StatusCode::OK))
    }
}
