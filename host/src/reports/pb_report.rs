//! What the Persistent Buffer buys on a backend (`sushi pb report`): for chosen SubNets, cycles and
//! DRAM weight bytes with an empty PB and with a cached SubGraph, layer by layer, and the cost of
//! filling the PB in cycles per KiB.
//!
//! Per-layer cycles are prefix differences, as in [`crate::reports::roofline`]: a layer is charged what it adds
//! to the run of the layers before it. Each run is a fresh device with the tile image uploaded and,
//! for the cached case, the refill run first (its cycles are the fill cost, not the SubNet's).
//! Whether a layer is memory-bound is judged without the cache: its DRAM bytes over the bus's bytes
//! per cycle against its MACs over the peak.

use serde::Serialize;
use sushi_hw::{Bus, HwConfig};

use crate::compile::layout::Array;
use crate::compile::pb_map::PbMap;
use crate::compile::program::{CompileError, Outputs, compile_refill, compile_subnet_prefix};
use crate::compile::tiles::{PbError, SubGraphChoice, TileImage, best_subgraph};
use crate::device::driver::{Accel, DriverError};
use crate::net::int8::Act;
use crate::net::supernet::SuperNet;

/// One layer with and without the cache.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PbLayer {
    /// Layer index in the SubNet.
    pub layer: usize,
    /// Operator.
    pub op: String,
    /// MACs.
    pub macs: u64,
    /// Cycles the layer adds, PB empty.
    pub cycles_no_cache: u64,
    /// Cycles the layer adds, SubGraph cached.
    pub cycles_cached: u64,
    /// DRAM weight bytes the layer reads, PB empty.
    pub dram_weight_bytes_no_cache: u64,
    /// DRAM weight bytes the layer reads, SubGraph cached.
    pub dram_weight_bytes_cached: u64,
    /// `macs / peak MACs per cycle`.
    pub compute_cycles: f64,
    /// DRAM bytes (all kinds, PB empty) over bus bytes per cycle.
    pub memory_cycles: f64,
    /// `memory_cycles > compute_cycles`.
    pub memory_bound: bool,
}

/// One SubNet with and without the cache.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubNetPb {
    /// SubNet index.
    pub subnet: usize,
    /// Its tile bytes.
    pub weight_bytes: usize,
    /// What the PB held for the cached run (`None`: no SubGraph fits, so no cached run).
    pub subgraph: Option<SubGraphChoice>,
    /// Whole-SubNet cycles, PB empty.
    pub cycles_no_cache: u64,
    /// Whole-SubNet cycles, SubGraph cached.
    pub cycles_cached: Option<u64>,
    /// `cycles_no_cache / cycles_cached`.
    pub speedup: Option<f64>,
    /// DRAM weight bytes, PB empty.
    pub dram_weight_bytes_no_cache: u64,
    /// DRAM weight bytes, SubGraph cached.
    pub dram_weight_bytes_cached: Option<u64>,
    /// PB bytes read (COPY_PB), SubGraph cached.
    pub pb_read_bytes: Option<u64>,
    /// Per layer (empty when layers were not asked for).
    pub layers: Vec<PbLayer>,
    /// Why the SubNet was not measured (it does not compile for this config).
    pub skipped: Option<String>,
}

/// Filling the PB from empty.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FillCost {
    /// SubNet whose SubGraph was filled.
    pub for_subnet: usize,
    /// Bytes moved into the PB.
    pub bytes: u64,
    /// Cycles of the refill job.
    pub cycles: u64,
    /// `cycles / (bytes / 1024)`.
    pub cycles_per_kib: f64,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PbReport {
    /// Config name.
    pub config: String,
    /// PB capacity.
    pub pb_bytes: u64,
    /// SuperNet tile image bytes on this array.
    pub tile_image_bytes: usize,
    /// Filling the largest measured SubGraph (`None`: nothing fits).
    pub fill: Option<FillCost>,
    /// Per SubNet.
    pub subnets: Vec<SubNetPb>,
    /// Accelerator cycles simulated for this report.
    pub simulated_cycles: u64,
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PbReportError {
    /// Compilation failed.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// The PB map refused a SubGraph.
    #[error(transparent)]
    Pb(#[from] PbError),
    /// The device failed.
    #[error(transparent)]
    Driver(#[from] DriverError),
    /// A SubNet index or network problem.
    #[error("SubNet {subnet}: {message}")]
    SubNet {
        /// Index.
        subnet: usize,
        /// What.
        message: String,
    },
}

#[derive(Clone, Default)]
struct RunFigures {
    cycles: u64,
    dram_weight_bytes: u64,
    dram_bytes: u64,
    pb_read_bytes: u64,
}

/// Measures the SubNets `subnets` of `net` on backends from `open` (a fresh device per run).
#[allow(clippy::too_many_arguments)]
pub fn measure<B: Bus>(
    config: &HwConfig,
    net: &SuperNet,
    subnets: &[usize],
    per_layer: bool,
    input_seed: u64,
    mut open: impl FnMut() -> B,
    max_cycles: u64,
    mut progress: impl FnMut(&str),
) -> Result<PbReport, PbReportError> {
    let image = TileImage::build(net, Array::of(config));
    let pb_bytes = config.spec.buffers.pb_bytes as usize;
    let d = config.derived();
    let peak = d.peak_macs_per_cycle as f64;
    let bus = d
        .dram_bytes_per_cycle
        .min(f64::from(config.spec.axi.data_bytes));
    let mut simulated = 0u64;
    let mut fill: Option<FillCost> = None;
    let mut out = Vec::new();
    for &s in subnets {
        let network = net
            .network(s)
            .map_err(|message| PbReportError::SubNet { subnet: s, message })?;
        let shapes = network.shapes().map_err(|e| PbReportError::SubNet {
            subnet: s,
            message: e.to_string(),
        })?;
        let mut rng = crate::rng::SplitMix64::new(input_seed);
        let (h, w, c) = network.input;
        let input = Act {
            h,
            w,
            c,
            data: (0..h * w * c).map(|_| rng.next_u64() as i8).collect(),
        };
        let choice = best_subgraph(net, &image, s, pb_bytes)?;
        if let Err(e) = crate::compile::program::compile(&network, config, Outputs::None) {
            out.push(SubNetPb {
                subnet: s,
                weight_bytes: image.bytes(&net.subnets[s].config)?,
                subgraph: choice,
                cycles_no_cache: 0,
                cycles_cached: None,
                speedup: None,
                dram_weight_bytes_no_cache: 0,
                dram_weight_bytes_cached: None,
                pb_read_bytes: None,
                layers: Vec::new(),
                skipped: Some(e.to_string()),
            });
            continue;
        }
        // One run of the first `n` layers, with `g` cached (refilled from empty) or not.
        let mut run = |n: usize,
                       g: Option<&[u16]>|
         -> Result<(RunFigures, Option<FillCost>), PbReportError> {
            let mut accel = Accel::open(open(), config)?;
            accel.upload_tile_image(&image)?;
            let mut map = PbMap::for_config(config);
            let mut fill = None;
            if let Some(g) = g {
                let refill = map.refill(&image, g)?;
                let p = compile_refill(&refill, &image, config)?;
                let r = accel.run_program(&p, max_cycles)?;
                simulated += r.counters.busy_cycles;
                fill = Some(FillCost {
                    for_subnet: s,
                    bytes: r.traffic.pb_fill_bytes,
                    cycles: r.counters.busy_cycles,
                    cycles_per_kib: r.counters.busy_cycles as f64
                        / (r.traffic.pb_fill_bytes as f64 / 1024.0).max(1e-9),
                });
            }
            let mut p = compile_subnet_prefix(net, s, n, &image, &map, config, Outputs::None)?;
            p.set_input(&input);
            let r = accel.run_program(&p, max_cycles)?;
            simulated += r.counters.busy_cycles;
            Ok((
                RunFigures {
                    cycles: r.counters.busy_cycles,
                    dram_weight_bytes: r.traffic.dram_read_weight_bytes,
                    dram_bytes: r.counters.dram_read_bytes + r.counters.dram_write_bytes,
                    pb_read_bytes: r.traffic.pb_read_bytes,
                },
                fill,
            ))
        };
        let all = network.layers.len();
        let g = choice.as_ref().map(|c| c.config.as_slice());
        progress(&format!("SubNet {s}: whole, PB empty"));
        let (whole, _) = run(all, None)?;
        let cached = match g {
            Some(g) => {
                progress(&format!("SubNet {s}: whole, SubGraph cached"));
                let (r, f) = run(all, Some(g))?;
                if let Some(f) = f
                    && fill.as_ref().is_none_or(|old| f.bytes > old.bytes)
                {
                    fill = Some(f);
                }
                Some(r)
            }
            None => None,
        };
        let mut layers = Vec::new();
        if per_layer {
            let mut prev: (RunFigures, Option<RunFigures>) =
                (RunFigures::default(), g.map(|_| RunFigures::default()));
            for i in 0..all {
                progress(&format!("SubNet {s}: layer {}/{all}", i + 1));
                let (a, _) = if i + 1 == all {
                    (whole.clone(), None)
                } else {
                    run(i + 1, None)?
                };
                let b = match g {
                    Some(_) if i + 1 == all => cached.clone(),
                    Some(g) => Some(run(i + 1, Some(g))?.0),
                    None => None,
                };
                let macs = network.layer_macs(i, &shapes);
                let dram = a.dram_bytes.saturating_sub(prev.0.dram_bytes);
                let compute_cycles = macs as f64 / peak;
                let memory_cycles = dram as f64 / bus;
                let (cc, cw) = match (&b, &prev.1) {
                    (Some(b), Some(p)) => (
                        b.cycles.saturating_sub(p.cycles),
                        b.dram_weight_bytes.saturating_sub(p.dram_weight_bytes),
                    ),
                    _ => (
                        a.cycles.saturating_sub(prev.0.cycles),
                        a.dram_weight_bytes.saturating_sub(prev.0.dram_weight_bytes),
                    ),
                };
                layers.push(PbLayer {
                    layer: i,
                    op: network.layers[i].op().to_string(),
                    macs,
                    cycles_no_cache: a.cycles.saturating_sub(prev.0.cycles),
                    cycles_cached: cc,
                    dram_weight_bytes_no_cache: a
                        .dram_weight_bytes
                        .saturating_sub(prev.0.dram_weight_bytes),
                    dram_weight_bytes_cached: cw,
                    compute_cycles,
                    memory_cycles,
                    memory_bound: memory_cycles > compute_cycles,
                });
                prev = (a, b);
            }
        }
        out.push(SubNetPb {
            subnet: s,
            weight_bytes: image.bytes(&net.subnets[s].config)?,
            cycles_no_cache: whole.cycles,
            cycles_cached: cached.as_ref().map(|c| c.cycles),
            speedup: cached
                .as_ref()
                .map(|c| whole.cycles as f64 / c.cycles.max(1) as f64),
            dram_weight_bytes_no_cache: whole.dram_weight_bytes,
            dram_weight_bytes_cached: cached.as_ref().map(|c| c.dram_weight_bytes),
            pb_read_bytes: cached.as_ref().map(|c| c.pb_read_bytes),
            subgraph: choice,
            layers,
            skipped: None,
        });
    }
    Ok(PbReport {
        config: config.name.clone(),
        pb_bytes: pb_bytes as u64,
        tile_image_bytes: image.data().len(),
        fill,
        subnets: out,
        simulated_cycles: simulated,
    })
}
