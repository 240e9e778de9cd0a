//! `POST /containers/{name}/wait`: block until a container stops (or is
//! removed), then tell its exit code.
//!
//! Mirrors moby `daemon/wait.go` `ContainerWait` and `container/state.go`
//! `Wait` (v20.10.24). The three conditions:
//!
//! - `not-running` (the default): at once if the container does not run,
//!   else at its next stop;
//! - `next-exit`: at its next stop, even if it is not running now (the
//!   docker CLI sends this *before* `start`);
//! - `removed`: once it is removed.
//!
//! The receiver is taken when the request arrives, before any await, so a
//! container that stops between the request and the first look at the
//! state is not missed.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::sync::watch;

use super::container::traced_sync;
use super::Daemon;
use crate::api::types::container::{WaitExitError, WaitResponse};
use crate::container::lock;
use crate::container::state::WaitState;
use crate::errdefs::{Error, Result};

/// moby `container.WaitCondition`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitCondition {
    NotRunning,
    NextExit,
    Removed,
}

impl WaitCondition {
    /// Parse the `condition` query value: 400 `invalid condition: "x"`.
    pub fn parse(s: &str) -> Result<WaitCondition> {
        match s {
            "" | "not-running" => Ok(WaitCondition::NotRunning),
            "next-exit" => Ok(WaitCondition::NextExit),
            "removed" => Ok(WaitCondition::Removed),
            other => Err(Error::invalid_parameter(format!(
                "invalid condition: \"{other}\""
            ))),
        }
    }
}

/// What the wait handler awaits.
pub type WaitFuture = Pin<Box<dyn Future<Output = WaitResponse> + Send>>;

impl Daemon {
    /// moby `ContainerWait`: resolve the container now (404 before the
    /// 200 goes out), and return the future that completes when the
    /// condition is met.
    pub fn container_wait(&self, name: &str, condition: WaitCondition) -> Result<WaitFuture> {
        traced_sync("Daemon.ContainerWait", name, || {
            let c = self.get_container(name)?;
            let rx = lock(&c).state.subscribe();
            Ok(Box::pin(wait_for(rx, condition)) as WaitFuture)
        })
    }
}

/// The answer for a state that met the condition.
fn response(w: &WaitState) -> WaitResponse {
    WaitResponse {
        error: w.error.clone().map(|message| WaitExitError { message }),
        status_code: w.exit_code,
    }
}

async fn wait_for(mut rx: watch::Receiver<WaitState>, condition: WaitCondition) -> WaitResponse {
    let now = rx.borrow_and_update().clone();
    let gen0 = now.stop_gen;
    match condition {
        WaitCondition::NotRunning if !now.running => return response(&now),
        WaitCondition::Removed if now.removed => return response(&now),
        _ => {}
    }
    loop {
        if rx.changed().await.is_err() {
            // The container value is gone (removed): its last state is
            // the answer.
            return response(&rx.borrow());
        }
        let w = rx.borrow_and_update().clone();
        let met = match condition {
            WaitCondition::NotRunning | WaitCondition::NextExit => w.stop_gen > gen0 || w.removed,
            WaitCondition::Removed => w.removed,
        };
        if met {
            return response(&w);
        }
    }
}

/// Wait until the stop generation passes `gen0` (the container stopped
/// since we subscribed), for at most `timeout` (`None`: for ever).
/// Returns whether it stopped.
pub(crate) async fn wait_stopped(
    rx: &mut watch::Receiver<WaitState>,
    gen0: u64,
    timeout: Option<Duration>,
) -> bool {
    let fut = async {
        loop {
            {
                let w = rx.borrow_and_update();
                if w.stop_gen > gen0 || w.removed {
                    return true;
                }
            }
            if rx.changed().await.is_err() {
                return true;
            }
        }
    };
    match timeout {
        Some(t) => tokio::time::timeout(t, fut).await.unwrap_or(false),
        None => fut.await,
    }
}
