//! Where a build's files come from, and where its Dockerfile is.
//!
//! Mirrors moby `builder/remotecontext/detect.go` (v20.10.24) `Detect`:
//! dockerd builds from the request body (a tar), or fetches a git
//! repository or a URL named in the `remote` query. mini-dockerd fetches
//! nothing from the network, so only the body is a context here; the
//! others are refused with a message that says so.
//!
//! Once the context is extracted, the Dockerfile is read from it and
//! parsed, before any step runs: its errors are answered with a status
//! code, not inside the build's output. `.dockerignore` is honoured for
//! the two files the CLI sends regardless (`dockerignore.rs`).

pub mod archive;
pub mod dockerignore;

use std::io::Read;
use std::path::Path;

pub use archive::ArchiveContext;

use super::dockerfile::parser::{self, ParseResult};
use super::DEFAULT_DOCKERFILE_NAME;
use crate::errdefs::{Error, Result};

/// moby `remotecontext.ClientSessionRemote`.
const CLIENT_SESSION_REMOTE: &str = "client-session";

/// moby `remotecontext.Detect`: the context and the parsed Dockerfile.
pub fn detect(
    source: &mut dyn Read,
    remote_url: &str,
    dockerfile_path: &str,
    tmp_root: &Path,
) -> Result<(ArchiveContext, ParseResult)> {
    match remote_url {
        "" => {
            let c = ArchiveContext::from_archive(source, tmp_root)?;
            with_dockerfile_from_context(c, dockerfile_path)
        }
        CLIENT_SESSION_REMOTE => Err(Error::invalid_parameter(
            "experimental session with v1 builder is no longer supported, use builder version v2 (BuildKit) instead",
        )),
        other => Err(Error::not_implemented(format!(
            "remote build contexts are not supported by mini-dockerd (it fetches nothing from the network): {other}; send the context as the request body"
        ))),
    }
}

/// moby `withDockerfileFromContext`: find, read and parse the Dockerfile.
/// A missing `Dockerfile` is looked for as `dockerfile` too. Then the
/// Dockerfile and `.dockerignore` leave the context if `.dockerignore`
/// lists them.
fn with_dockerfile_from_context(
    c: ArchiveContext,
    dockerfile_path: &str,
) -> Result<(ArchiveContext, ParseResult)> {
    let full = c.full_path(dockerfile_path)?;
    let content = match std::fs::read(&full) {
        Ok(content) => content,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::IsADirectory
            ) || full.is_dir() =>
        {
            if dockerfile_path == DEFAULT_DOCKERFILE_NAME {
                let lowercase = dockerfile_path.to_lowercase();
                if c.full_path(&lowercase).map(|p| p.exists()).unwrap_or(false) {
                    return with_dockerfile_from_context(c, &lowercase);
                }
            }
            // moby's "backwards compatible error", unclassified: a 500.
            return Err(Error::system(format!(
                "Cannot locate specified Dockerfile: {dockerfile_path}"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let result = read_and_parse_dockerfile(dockerfile_path, &content)?;
    remove_dockerfile(&c, dockerfile_path)?;
    Ok((c, result))
}

/// moby `removeDockerfile`.
fn remove_dockerfile(c: &ArchiveContext, dockerfile_path: &str) -> Result<()> {
    let ignore = match std::fs::read(c.full_path(".dockerignore")?) {
        Ok(content) => content,
        // No .dockerignore is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let excludes = dockerignore::read_all(&String::from_utf8_lossy(&ignore));
    for file in [".dockerignore", dockerfile_path] {
        let clean = archive::clean_rel(file);
        if dockerignore::matches(&clean, &excludes) {
            if let Err(e) = c.remove(file) {
                tracing::error!("failed to remove {file}: {e}");
            }
        }
    }
    Ok(())
}

/// moby `readAndParseDockerfile`.
fn read_and_parse_dockerfile(name: &str, content: &[u8]) -> Result<ParseResult> {
    if content.is_empty() {
        return Err(Error::invalid_parameter(format!(
            "the Dockerfile ({name}) cannot be empty"
        )));
    }
    parser::parse(&String::from_utf8_lossy(content))
        .map_err(|e| Error::invalid_parameter(format!("failed to parse {name}: {e}")))
}
