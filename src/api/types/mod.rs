//! moby `api/types`: the JSON shapes clients send and receive.
//!
//! [`container`] mirrors `api/types/container/` (`Config`, `HostConfig`,
//! `CreateResponse`, `WaitResponse`) plus the create body of
//! `api/types/configs.go` (`ContainerCreateConfig`).
//!
//! [`strslice`] mirrors `api/types/strslice` (`Cmd` as a string or a list).
//!
//! Lesson: `walkthroughs/06-docker-run.md`.

pub mod container;
pub mod exec;
pub mod strslice;
