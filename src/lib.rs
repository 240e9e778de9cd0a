//! mini-dockerd

pub mod trace;
