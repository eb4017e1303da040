//! Serving on a backend: every refill and SubNet executed, outputs checked.
mod executor;
pub use executor::*;
