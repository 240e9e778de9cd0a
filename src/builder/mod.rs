//! The classic builder: `docker build` without BuildKit.
//!
//! Mirrors moby `builder/` (v20.10.24). So far only [`dockerfile`]'s
//! parsing half is here: the Dockerfile's syntax, its instructions,
//! variable substitution and build arguments, as moby vendors them from
//! BuildKit.

pub mod dockerfile;
