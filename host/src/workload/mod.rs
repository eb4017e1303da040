//! What is served: query traces (generators and files) and arrivals imported from public traces.
pub mod azure;
pub mod trace;
