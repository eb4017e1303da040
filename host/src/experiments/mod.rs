//! Jobs that measure: cache-policy sweeps and their shards ([`mod@bench`]), the sweep's RTL
//! cross-check ([`crosscheck`]), the demo's line-up ([`demo`]), and SubNet accuracy on the test
//! split ([`accuracy`]).
pub mod accuracy;
pub mod bench;
pub mod crosscheck;
pub mod demo;
