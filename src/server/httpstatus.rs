//! From an error to an HTTP status code: the one place that decides.
//!
//! Mirrors moby `api/server/httpstatus/status.go` (`FromError`, v20.10.24).
//! moby asks the error for each errdefs marker in turn; we match on the
//! [`ErrorKind`] it carries. No handler ever picks a status for an error
//! itself: it returns the error, and `make_http_handler` calls this.
//!
//! Lesson: `walkthroughs/05-handlers-and-errors.md`.

use hyper::StatusCode;

use crate::errdefs::{Error, ErrorKind};

/// moby `httpstatus.FromError`.
pub fn from_error(err: &Error) -> StatusCode {
    match err.kind {
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::InvalidParameter => StatusCode::BAD_REQUEST,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotModified => StatusCode::NOT_MODIFIED,
        ErrorKind::NotImplemented => StatusCode::NOT_IMPLEMENTED,
        ErrorKind::System => StatusCode::INTERNAL_SERVER_ERROR,
    }
}
