//! Jobs that measure: cache-policy sweeps and their shards.
pub mod bench;
