//! Which connection and request a trace record belongs to.
//!
//! Every record carries a connection id and a request id. The server knows
//! them where a request starts; the stages below it (middlewares, the
//! handler, the daemon's backend, the runtime) do not take them as
//! arguments, and should not have to. So the ids travel beside the code,
//! in a thread-local that is set while a request's future runs:
//! [`in_request`] wraps the future, and every poll of it puts the ids in
//! place first and restores what was there after. A record made anywhere
//! inside takes them from [`current`].
//!
//! This is what a `tracing` span does (`info_span!("request", conn, req)`
//! plus `.instrument(span)`), and the server used one at first. A span
//! lives in the subscriber's registry: creating one (a slot in the
//! registry's slab, a map for the ids), entering and leaving it on every
//! poll and closing it took a few percent of a traced `/_ping`'s CPU, to
//! carry two integers. A `Cell` of two integers costs two thread-local
//! writes a poll. Go has no
//! thread-locals, which is why moby threads a `context.Context` through
//! every handler and backend call instead.
//!
//! Work handed to another thread ([`super::spawn_blocking`]) takes the ids
//! along; a task spawned with `tokio::spawn` does not, and passes `conn`
//! and `req` as fields where it traces.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A record's connection and request ids; 0 means "none" (the daemon's
/// own records, a connection's records before its first request).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ids {
    pub conn: u64,
    pub req: u64,
}

thread_local! {
    static CURRENT: Cell<Ids> = const { Cell::new(Ids { conn: 0, req: 0 }) };
}

/// The ids of the request this thread is running now.
pub fn current() -> Ids {
    CURRENT.with(Cell::get)
}

/// Run `f` with `ids` as the current ids.
pub fn scope<R>(ids: Ids, f: impl FnOnce() -> R) -> R {
    let prev = CURRENT.with(|c| c.replace(ids));
    // Restore on unwind too, so a panicking handler (caught by
    // make_http_handler) does not leave its ids on the worker thread.
    struct Restore(Ids);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(prev);
    f()
}

/// Run `fut` as part of the request `ids`: see the module documentation.
pub fn in_request<F: Future>(ids: Ids, fut: F) -> InRequest<F> {
    InRequest { ids, inner: fut }
}

pin_project_lite::pin_project! {
    /// A future that runs with its request's ids current ([`in_request`]).
    pub struct InRequest<F> {
        ids: Ids,
        #[pin]
        inner: F,
    }
}

impl<F: Future> Future for InRequest<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let ids = *this.ids;
        scope(ids, || this.inner.poll(cx))
    }
}
