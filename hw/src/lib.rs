//! # sushi-hw: one source of hardware truth
//!
//! Named configs in `hw/configs/*.toml` are the only place hardware numbers are written by hand.
//! This crate parses them strictly ([`HwConfig`]), checks cross-field rules, computes derived
//! values in one place ([`Derived`]), owns the register map ([`regs`]), generates the files
//! other tools read ([`generate`]: Verilog header, Verilator and Yosys parameter files, docs), and
//! defines the [`Bus`] trait that every backend implements.
//!
//! Why generate rather than share: Verilog, Yosys scripts and people cannot read Rust, and a
//! register map written twice by hand drifts. So Rust holds the truth, the generated files are
//! committed for tools outside Cargo, and a test fails when one is stale.
#![deny(missing_docs)]

pub mod bus;
pub mod commands;
pub mod config;
pub mod derived;
pub mod generate;
pub mod regs;

pub use bus::{Bus, BusError, DramRegion, WaitOutcome};
pub use config::{ConfigError, DEFAULT_CONFIG, HwConfig, HwSpec};
pub use derived::Derived;
