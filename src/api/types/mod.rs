//! moby `api/types`: the JSON shapes clients send and receive.
//!
//! [`container`] mirrors `api/types/container/` (`Config`, `HostConfig`,
//! `CreateResponse`, `WaitResponse`) plus the create body of
//! `api/types/configs.go` (`ContainerCreateConfig`).
//!
//! [`build`] mirrors `api/types/client.go` (`ImageBuildOptions`) and
//! `api/types/backend/build.go` (`BuildConfig`, `ProgressWriter`).
//!
//! [`network`] mirrors the network requests of `api/types/types.go`
//! (`NetworkCreateRequest`, `NetworkConnect`, `NetworkDisconnect`).
//!
//! [`strslice`] mirrors `api/types/strslice` (`Cmd` as a string or a list).
//!
//! Lesson: `walkthroughs/06-docker-run.md`.

pub mod build;
pub mod container;
pub mod exec;
pub mod filters;
pub mod network;
pub mod strslice;
