//! The classic builder: a Dockerfile, step by step, into an image.
//!
//! Mirrors moby `builder/dockerfile/` (v20.10.24) and the parser it
//! vendors from BuildKit. The files, one concept each: `parser.rs` (the
//! syntax), `instructions.rs` (the typed instructions), `shell.rs`
//! (variable substitution), `buildargs.rs` (`ARG` and `--build-arg`).

pub mod buildargs;
pub mod instructions;
pub mod parser;
pub mod shell;
