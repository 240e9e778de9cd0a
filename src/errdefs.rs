//! Error kinds, the way moby's `errdefs` package classifies errors.
//!
//! Mirrors moby `errdefs/defs.go` and `errdefs/helpers.go` (v20.10.24). In Go
//! an error "is" NotFound when it has a `NotFound()` marker method, and
//! `httpstatus.FromError` asks each marker in turn. In Rust we say the same
//! thing with an enum: every error the daemon returns carries an
//! [`ErrorKind`], and `server/httpstatus.rs` is the one place that turns a
//! kind into an HTTP status code.
//!
//! One deliberate difference: dockerd 20.10.24 leaves many errors that
//! are the request's fault unclassified, so they answer 500 (a create body
//! that is not JSON, `limit=abc`'s `strconv.Atoi` error, `filters` that
//! are not JSON). mini-dockerd marks them `InvalidParameter` (400), as
//! moby v23 and later do for most of them: a 500 tells a client "retry,
//! the daemon broke", which is wrong for input it must fix. The messages
//! stay dockerd's where we can produce them.
//!
//! Lesson: `walkthroughs/05-handlers-and-errors.md`.

use std::fmt;

/// The classes of `errdefs/defs.go`, one variant per marker interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// `ErrNotFound`: the object does not exist (404).
    NotFound,
    /// `ErrInvalidParameter`: the request is malformed (400).
    InvalidParameter,
    /// `ErrConflict`: the request conflicts with the current state (409).
    Conflict,
    /// `ErrUnauthorized`: the caller is not authenticated (401).
    Unauthorized,
    /// `ErrUnavailable`: the service cannot answer now (503).
    Unavailable,
    /// `ErrForbidden`: the caller may not do this (403).
    Forbidden,
    /// `ErrNotModified`: nothing to do, the object is already there (304).
    NotModified,
    /// `ErrNotImplemented`: the feature does not exist here (501).
    NotImplemented,
    /// `ErrSystem` and anything unclassified (500).
    System,
}

/// An error with a kind and the message the client will see as
/// `{"message": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    /// A code shown beside the message when the error ends a JSON message
    /// stream: moby's `jsonmessage.JSONError{Code, Message}`, which the
    /// builder returns for a `RUN` that exited non-zero (`code` is the
    /// exit code). `None` for every other error.
    pub code: Option<i64>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            code: None,
        }
    }

    /// The same error with a stream code (see [`Error::code`]).
    pub fn with_code(mut self, code: i64) -> Self {
        self.code = Some(code);
        self
    }

    /// Go's `errors.Wrapf(err, "...")`: the same kind (errdefs looks
    /// through the wrapping), with `context: ` in front of the message.
    pub fn wrap(self, context: impl fmt::Display) -> Self {
        Error {
            kind: self.kind,
            message: format!("{context}: {}", self.message),
            code: self.code,
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidParameter, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthorized, message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }

    pub fn not_modified(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotModified, message)
    }

    pub fn not_implemented(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotImplemented, message)
    }

    pub fn system(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::System, message)
    }

    /// moby's `errdefs.IsNotFound(err)` and friends become a comparison.
    pub fn is(&self, kind: ErrorKind) -> bool {
        self.kind == kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// An I/O error that reaches the API is a system error (500), as an
/// unclassified Go error is in `httpstatus.FromError`.
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::system(e.to_string())
    }
}
