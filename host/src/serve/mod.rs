//! Serving on a backend: every refill and SubNet executed, outputs checked ([`Executor`],
//! [`serve_exec`]), and a whole trace served on a backend opened by kind ([`ServeJob`]).
mod executor;
mod job;
pub use executor::*;
pub use job::*;
