//! Trace records: what every stage of the server reports.
pub mod record;
