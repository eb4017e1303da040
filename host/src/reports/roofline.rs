//! Performance of a network on a backend, layer by layer, against the roofline.
//!
//! A layer's cycles are measured as the difference between running the network's first `i + 1`
//! layers and its first `i` layers (compiled to store nothing, so the last tensor's store does not
//! blur the difference), so each layer is charged what it really adds to the whole: its compute,
//! its weight loads and whatever of them overlaps the previous layer.
//! The roofline of a layer is `max(MACs / peak MACs per cycle, DRAM bytes / bus bytes per cycle)`.

use serde::Serialize;
use sushi_hw::{Bus, HwConfig};

use crate::compile::program::{Outputs, compile};
use crate::device::driver::{Accel, DriverError};
use crate::net::int8::Act;
use crate::net::network::Network;

/// One layer's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerPerf {
    /// Layer index.
    pub layer: usize,
    /// Operator.
    pub op: String,
    /// MACs (every kernel tap, padding included).
    pub macs: u64,
    /// Cycles the layer adds to the network.
    pub cycles: u64,
    /// DRAM bytes the layer adds (all kinds, read and write).
    pub dram_bytes: u64,
    /// `max(macs / peak, dram_bytes / bus bytes per cycle)`.
    pub roofline_cycles: f64,
    /// `macs / (cycles * peak)`.
    pub utilization: f64,
}

/// A network's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkPerf {
    /// Peak MACs per cycle of the array.
    pub peak_macs_per_cycle: u64,
    /// Per layer.
    pub layers: Vec<LayerPerf>,
    /// Cycles of the whole network (one run).
    pub network_cycles: u64,
    /// Sum of the layers' roofline cycles.
    pub network_roofline_cycles: f64,
    /// `network_cycles / network_roofline_cycles`.
    pub network_roofline_ratio: f64,
    /// Accelerator cycles simulated to produce this report.
    pub simulated_cycles: u64,
    /// Wall-clock seconds spent running programs on the backend (building each device and
    /// compiling each prefix excluded): `simulated_cycles / simulation_seconds` is the backend's
    /// speed.
    pub simulation_seconds: f64,
}

/// Measures `net` on backends made by `open` (a fresh device per run).
pub fn measure<B: Bus>(
    config: &HwConfig,
    net: &Network,
    input: &Act,
    mut open: impl FnMut() -> B,
    max_cycles: u64,
) -> Result<NetworkPerf, ReportError> {
    let shapes = net
        .shapes()
        .map_err(crate::compile::program::CompileError::from)?;
    let d = config.derived();
    let peak = d.peak_macs_per_cycle;
    let bus_bytes_per_cycle = d
        .dram_bytes_per_cycle
        .min(f64::from(config.spec.axi.data_bytes));
    let mut simulation_seconds = 0.0;
    let mut run = |n: usize| -> Result<(u64, u64), ReportError> {
        let mut program = compile(&net.prefix(n), config, Outputs::None)?;
        program.set_input(input);
        let mut accel = Accel::open(open(), config)?;
        let started = std::time::Instant::now();
        let r = accel.run_program(&program, max_cycles)?;
        simulation_seconds += started.elapsed().as_secs_f64();
        let bytes = r.counters.dram_read_bytes + r.counters.dram_write_bytes;
        Ok((r.counters.busy_cycles, bytes))
    };
    let mut layers = Vec::new();
    let (mut prev_cycles, mut prev_bytes) = (0, 0);
    let mut simulated = 0;
    for i in 0..net.layers.len() {
        let (cycles, bytes) = run(i + 1)?;
        simulated += cycles;
        let macs = net.layer_macs(i, &shapes);
        let (lc, lb) = (
            cycles.saturating_sub(prev_cycles),
            bytes.saturating_sub(prev_bytes),
        );
        let roofline = (macs as f64 / peak as f64).max(lb as f64 / bus_bytes_per_cycle);
        layers.push(LayerPerf {
            layer: i,
            op: net.layers[i].op().to_string(),
            macs,
            cycles: lc,
            dram_bytes: lb,
            roofline_cycles: roofline,
            utilization: macs as f64 / (lc.max(1) * peak) as f64,
        });
        (prev_cycles, prev_bytes) = (cycles, bytes);
    }
    let network_roofline_cycles: f64 = layers.iter().map(|l| l.roofline_cycles).sum();
    Ok(NetworkPerf {
        peak_macs_per_cycle: peak,
        network_cycles: prev_cycles,
        network_roofline_ratio: prev_cycles as f64 / network_roofline_cycles.max(1.0),
        network_roofline_cycles,
        layers,
        simulated_cycles: simulated,
        simulation_seconds,
    })
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Compilation failed.
    #[error(transparent)]
    Compile(#[from] crate::compile::program::CompileError),
    /// The device failed.
    #[error(transparent)]
    Driver(#[from] DriverError),
}
