//! What a build is asked to do, and where it writes what it says.
//!
//! Mirrors moby `api/types/client.go` (`ImageBuildOptions`, the options
//! `POST /build` takes in its query) and `api/types/backend/build.go`
//! (`BuildConfig`, `ProgressWriter`), v20.10.24. Only the options the
//! classic builder here acts on are typed; the handler says so for the
//! ones it refuses.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::streamformatter;

/// moby `types.BuilderVersion`: `"1"` is the classic builder, `"2"`
/// BuildKit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BuilderVersion {
    #[default]
    V1,
    BuildKit,
}

/// moby `types.ImageBuildOptions`, the part the classic builder uses.
#[derive(Clone, Debug, Default)]
pub struct ImageBuildOptions {
    /// `t`, repeatable: the references to tag the result with.
    pub tags: Vec<String>,
    /// `q`: print only the image id at the end.
    pub suppress_output: bool,
    /// `nocache`. There is no build cache here, so every build behaves as
    /// if it were set.
    pub no_cache: bool,
    /// `rm` (default true from API 1.12): remove intermediate containers
    /// after a successful step.
    pub remove: bool,
    /// `forcerm`: remove them even after a failed step.
    pub force_remove: bool,
    /// `dockerfile`: the Dockerfile's path inside the context.
    pub dockerfile: String,
    /// `buildargs`: `--build-arg` values; `None` is a name given without
    /// a value that the client's environment did not have either.
    pub build_args: BTreeMap<String, Option<String>>,
    /// `labels`: added to the last stage as `LABEL` steps.
    pub labels: BTreeMap<String, String>,
    /// `target`: the stage to stop after.
    pub target: String,
    /// `networkmode`, `extrahosts`, `shmsize`, `memory`, `memswap`,
    /// `cpushares`, `cpuperiod`, `cpuquota`, `cgroupparent`: the host
    /// config of `RUN` containers.
    pub network_mode: String,
    pub extra_hosts: Vec<String>,
    pub shm_size: i64,
    pub memory: i64,
    pub memory_swap: i64,
    pub cpu_shares: i64,
    pub cpu_period: i64,
    pub cpu_quota: i64,
    pub cgroup_parent: String,
    /// `remote`: a URL or git repository to build from, instead of the
    /// body. Refused here (no network fetches).
    pub remote_context: String,
    /// `version`.
    pub version: BuilderVersion,
    /// `squash`: squash the new layers into one (experimental in moby,
    /// refused here).
    pub squash: bool,
    /// `platform`: the platform to build for; only this host's is built.
    pub platform: String,
    /// `pull`: always try to pull the base image. There is no registry
    /// client here, so this cannot be honoured.
    pub pull_parent: bool,
}

/// moby `backend.BuildConfig`: the context and the options.
pub struct BuildConfig {
    /// The request body: the build context, a tar (plain or gzip).
    pub source: Box<dyn Read + Send>,
    pub options: ImageBuildOptions,
    pub progress_writer: ProgressWriter,
}

/// moby `backend.ProgressWriter`: the build's output, with its three
/// formatters. In moby the output is wrapped in a `syncWriter` (a mutex)
/// because the builder writes from more than one goroutine (a `RUN`'s
/// stdout and stderr are copied concurrently); the mutex here serves the
/// same purpose, and it is shared, so clones write to the same stream.
#[derive(Clone)]
pub struct ProgressWriter {
    out: Arc<Mutex<dyn Write + Send>>,
    /// A write failed: the client is gone (moby learns it from the
    /// request's context, which the server cancels).
    closed: Arc<AtomicBool>,
    /// Asks whether the client has gone, without writing (moby's request
    /// context, cancelled when the connection closes).
    client_gone: Option<Arc<dyn Fn() -> bool + Send + Sync>>,
    /// Whether the client understands `aux` messages (API 1.30 and later:
    /// moby `wantAux`).
    want_aux: bool,
}

impl ProgressWriter {
    pub fn new(out: impl Write + Send + 'static, want_aux: bool) -> ProgressWriter {
        ProgressWriter {
            out: Arc::new(Mutex::new(out)),
            closed: Arc::new(AtomicBool::new(false)),
            client_gone: None,
            want_aux,
        }
    }

    /// The same writer, which also learns that the client has gone from
    /// `probe`, before any write fails (with `q=1` nothing is written
    /// until the end).
    pub fn with_client_gone(mut self, probe: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        self.client_gone = Some(Arc::new(probe));
        self
    }

    fn write(&self, bytes: &[u8]) -> io::Result<()> {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let written = out.write_all(bytes).and_then(|_| out.flush());
        if written.is_err() {
            self.closed.store(true, Ordering::Relaxed);
        }
        written
    }

    /// Whether nobody reads the output any more: a write failed, or the
    /// client is known to have gone.
    pub fn closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed) || self.client_gone.as_ref().is_some_and(|gone| gone())
    }

    /// moby `StdoutFormatter.Write`: one `{"stream": ...}` message per
    /// write, so `Step 1/3 : FROM busybox` and the newline after it are
    /// two messages, as dockerd sends them.
    pub fn stdout(&self, text: impl AsRef<[u8]>) -> io::Result<()> {
        self.write(&streamformatter::format_stream(text.as_ref()))
    }

    /// moby `StderrFormatter.Write`: the same, in red.
    pub fn stderr(&self, text: &[u8]) -> io::Result<()> {
        self.write(&streamformatter::format_stream(
            &streamformatter::stderr_text(text),
        ))
    }

    /// moby `AuxFormatter.Emit("", value)`; nothing for a client older
    /// than API 1.30 (moby's `AuxFormatter` is nil then).
    pub fn aux(&self, value: &serde_json::Value) -> io::Result<()> {
        if !self.want_aux {
            return Ok(());
        }
        self.write(&streamformatter::format_aux(value))
    }
}

/// moby `types.BuildCachePruneOptions`: the query of `POST /build/prune`.
#[derive(Clone, Debug, Default)]
pub struct BuildCachePruneOptions {
    /// `all`: also what is in use (BuildKit's shared and internal records).
    pub all: bool,
    pub filters: std::collections::HashMap<String, Vec<String>>,
    /// `keep-storage`: bytes of cache to keep.
    pub keep_storage: i64,
}

/// moby `types.BuildCachePruneReport`.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct BuildCachePruneReport {
    #[serde(rename = "CachesDeleted")]
    pub caches_deleted: Option<Vec<String>>,
    #[serde(rename = "SpaceReclaimed")]
    pub space_reclaimed: u64,
}
