//! # sushi-host: the host runtime
//!
//! The driver ([`driver::Accel`]) speaks to any [`sushi_hw::Bus`]: the Verilator RTL simulation
//! (behind the default cargo feature `rtl`, from `sushi-sim`), the golden model
//! ([`model::ModelAccel`]) and an FPGA board behind Linux UIO ([`board::BoardBus`]). Everything here but [`backend::open_rtl`] builds without Verilator
//! (`--no-default-features`).
#![deny(missing_docs)]
// `unsafe` is allowed in one module only: `board::mmio` (mapped device memory).
#![deny(unsafe_code)]

pub mod abs;
pub mod abs_check;
pub mod azure;
pub mod backend;
pub mod bench;
#[cfg(unix)]
pub mod board;
pub mod compare;
pub mod compiler;
pub mod dataset;
pub mod dma_check;
pub mod driver;
pub mod fast;
pub mod int8;
pub mod layout;
pub mod model;
pub mod network;
pub mod pb;
pub mod pb_report;
pub mod plot;
pub mod progress;
pub mod report;
pub mod rng;
pub mod sched;
pub mod serve;
pub mod slack;
pub mod supernet;
pub mod synth;
pub mod tables;
pub mod trace;
pub mod unroll;
pub mod validate;
