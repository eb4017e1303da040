//! # sushi-host: the host runtime
//!
//! Folders by layer, each depending only on those listed before it:
//!
//! | module | what it owns |
//! |---|---|
//! | [`rng`] | the seeded generator every random choice uses |
//! | [`net`] | reference and fast int8 kernels, networks, the SuperNet artifact, data sets |
//! | [`compile`] | layouts, input unrolling, weight tiles, the PB map, the command compiler |
//! | [`device`] | the driver over any [`sushi_hw::Bus`], command checks, the golden model, the board backend, [`device::backend::open`] by kind |
//! | [`cycle_model`] | SushiAbs and its check against a backend |
//! | [`workload`] | query traces and imported arrivals |
//! | [`sched`] | the latency table, selection, planning, every policy, the table-driven timeline |
//! | [`serve`] | serving on a backend: every query executed and checked, a whole trace per policy |
//! | [`reports`] | roofline, PB report, per-layer comparison, synthesis, plots, progress |
//! | [`experiments`] | cache-policy sweeps, their RTL cross-check, the demo, accuracy evaluation |
//!
//! The Verilator RTL backend comes from `sushi-sim` behind the default cargo feature `rtl`;
//! everything else builds without Verilator (`--no-default-features`).
#![deny(missing_docs)]
// `unsafe` is allowed in one module only: `device::board::mmio` (mapped device memory).
#![deny(unsafe_code)]

pub mod compile;
pub mod cycle_model;
pub mod device;
pub mod experiments;
pub mod net;
pub mod reports;
pub mod rng;
pub mod sched;
pub mod serve;
pub mod workload;
