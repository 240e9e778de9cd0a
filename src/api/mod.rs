//! The wire types of the Engine API that more than one part of the daemon
//! shares.
//!
//! Mirrors moby `api/types/` (v20.10.24). Only the container types live
//! here so far; the image types stay beside the image service
//! (`src/image/`), where they were born.
//!
//! Lesson: `walkthroughs/06-docker-run.md`.

pub mod types;
