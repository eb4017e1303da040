//! The serving loop that executes queries (issue 6, item 4): the same FIFO timeline and policy
//! decisions as [`crate::sched::serve_table`], but every refill and every SubNet runs on a backend
//! with the query's real test image, and its output is checked bit for bit.
//!
//! Decisions depend only on the trace and SushiAbs's latency table, so the RTL and model backends
//! make the same decisions on the same trace; what differs is where cycles come from (the RTL's
//! counters, or SushiAbs on the program actually run) and what the output is checked against
//! (the golden model for the RTL, the int8 reference kernels for the model).

use serde::Serialize;
use sushi_hw::{Bus, HwConfig};

use crate::compiler::{CompileError, Outputs, compile_refill, compile_subnet};
use crate::dataset::Split;
use crate::driver::{Accel, DriverError};
use crate::layout::Array;
use crate::model::ModelAccel;
use crate::pb::{PbError, PbMap, TileImage};
use crate::sched::{LatencyTable, Policy, ServeSummary, Served};
use crate::supernet::SuperNet;
use crate::trace::Query;

/// Why serving stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Compilation failed.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// A SubGraph did not fit.
    #[error(transparent)]
    Pb(#[from] PbError),
    /// The device failed.
    #[error(transparent)]
    Driver(#[from] DriverError),
    /// An output differed from the golden model or the reference.
    #[error("query {query} (SubNet {subnet}): the output differs from {against}")]
    Mismatch {
        /// Query id.
        query: u64,
        /// SubNet.
        subnet: usize,
        /// What it was checked against.
        against: &'static str,
    },
    /// A query names an image the test split does not have.
    #[error("query {query}: input {input} is beyond the {images} test images")]
    Input {
        /// Query id.
        query: u64,
        /// Its input index.
        input: usize,
        /// Images available.
        images: usize,
    },
}

/// What running one query cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Executed {
    /// The class the SubNet predicted.
    pub class: usize,
    /// Its label.
    pub label: usize,
    /// SubNet cycles.
    pub cycles: u64,
    /// Refill cycles before it (0 when the PB already held the SubGraph).
    pub refill_cycles: u64,
    /// DRAM bytes of the SubNet run (read and written, every kind).
    pub dram_bytes: u64,
    /// DRAM weight bytes streamed.
    pub dram_weight_bytes: u64,
    /// PB bytes read.
    pub pb_read_bytes: u64,
    /// Bytes the refill moved.
    pub refill_bytes: u64,
}

/// A backend with the SuperNet's tile image uploaded and a PB map kept in step with it.
pub struct Executor<'a, B: Bus> {
    accel: Accel<B>,
    /// The golden model the RTL is checked against (None: this is the model; check the reference).
    golden: Option<Accel<ModelAccel>>,
    net: &'a SuperNet,
    config: &'a HwConfig,
    image: TileImage,
    map: PbMap,
    held: usize,
    name: &'static str,
}

impl<B: Bus> std::fmt::Debug for Executor<'_, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("backend", &self.name)
            .field("config", &self.config.name)
            .field("held", &self.held)
            .finish_non_exhaustive()
    }
}

impl<'a, B: Bus> Executor<'a, B> {
    /// Opens `bus`, uploads the tile image; `golden`: also keep a golden model in step and check
    /// every output against it (the RTL backend).
    pub fn new(
        bus: B,
        net: &'a SuperNet,
        config: &'a HwConfig,
        golden: bool,
    ) -> Result<Self, ServeError> {
        let image = TileImage::build(net, Array::of(config));
        let mut accel = Accel::open(bus, config)?;
        accel.upload_tile_image(&image)?;
        let golden = if golden {
            let mut g = Accel::open(ModelAccel::new(config), config)?;
            g.upload_tile_image(&image)?;
            Some(g)
        } else {
            None
        };
        let name = if golden.is_some() { "rtl" } else { "model" };
        Ok(Executor {
            accel,
            golden,
            net,
            config,
            image,
            map: PbMap::for_config(config),
            held: 0,
            name,
        })
    }

    /// `rtl` or `model`.
    pub fn backend(&self) -> &'static str {
        self.name
    }

    /// Runs `q` on candidate `c` of `table` with SubGraph `g` held (refilling first if needed).
    pub fn run(
        &mut self,
        table: &LatencyTable,
        split: &Split,
        q: &Query,
        c: usize,
        g: usize,
    ) -> Result<Executed, ServeError> {
        if q.input >= split.len() {
            return Err(ServeError::Input {
                query: q.id,
                input: q.input,
                images: split.len(),
            });
        }
        let (mut refill_cycles, mut refill_bytes) = (0, 0);
        if g != self.held {
            if table.subgraphs[g].is_empty() {
                // Nothing to load: the PB's contents are simply no longer used.
                self.map.invalidate();
            } else {
                let refill = self.map.refill(&self.image, &table.subgraphs[g])?;
                let p = compile_refill(&refill, &self.image, self.config)?;
                let r = self.accel.run_program(&p, 1 << 36)?;
                refill_bytes = r.traffic.pb_fill_bytes;
                refill_cycles = if self.golden.is_some() {
                    r.counters.busy_cycles
                } else {
                    crate::abs::predict(&p, self.config).cycles
                };
                if let Some(gm) = &mut self.golden {
                    gm.run_program(&p, 0)?;
                }
            }
            self.held = g;
        }
        let s = table.candidates[c].subnet;
        let mut p = compile_subnet(
            self.net,
            s,
            &self.image,
            &self.map,
            self.config,
            Outputs::Last,
        )?;
        let input = split.input(q.input);
        p.set_input(&input);
        let r = self.accel.run_program(&p, 1 << 36)?;
        let out = &r.outputs.last().expect("the program stores its output").1;
        let cycles = match &mut self.golden {
            Some(gm) => {
                let want = gm.run_program(&p, 0)?;
                if want.outputs.last().map(|o| &o.1) != Some(out) {
                    return Err(ServeError::Mismatch {
                        query: q.id,
                        subnet: s,
                        against: "the golden model",
                    });
                }
                r.counters.busy_cycles
            }
            None => {
                let network = self
                    .net
                    .network(s)
                    .map_err(|message| CompileError::SubNet { index: s, message })?;
                let want = network.run_reference(&input).pop();
                if want.as_ref() != Some(out) {
                    return Err(ServeError::Mismatch {
                        query: q.id,
                        subnet: s,
                        against: "the int8 reference",
                    });
                }
                crate::abs::predict(&p, self.config).cycles
            }
        };
        Ok(Executed {
            class: crate::int8::argmax(out),
            label: usize::from(split.labels[q.input]),
            cycles,
            refill_cycles,
            dram_bytes: r.counters.dram_read_bytes + r.counters.dram_write_bytes,
            dram_weight_bytes: r.traffic.dram_read_weight_bytes,
            pb_read_bytes: r.traffic.pb_read_bytes,
            refill_bytes,
        })
    }
}

/// Serves `queries` under `policy` on `exec`; `progress(i)` after each query.
pub fn serve_exec<B: Bus>(
    exec: &mut Executor<'_, B>,
    table: &LatencyTable,
    split: &Split,
    queries: &[Query],
    policy: &mut dyn Policy,
    mut progress: impl FnMut(usize),
) -> Result<(Vec<Served>, Vec<Executed>), ServeError> {
    let mut free = 0u64;
    let mut g = 0usize;
    let (mut served, mut runs) = (Vec::new(), Vec::new());
    for (i, q) in queries.iter().enumerate() {
        let next = policy.cache(table, queries, i, g);
        g = next;
        let c = policy.select(table, q, g);
        let e = exec.run(table, split, q, c, g)?;
        let start = free.max(q.arrival_cycle) + e.refill_cycles;
        let end = start + e.cycles;
        served.push(Served {
            id: q.id,
            candidate: c,
            subgraph: g,
            start_cycle: start,
            service_cycles: e.cycles,
            refill_cycles: e.refill_cycles,
            end_to_end_cycles: end - q.arrival_cycle,
            slo_met: end - q.arrival_cycle <= q.latency_target_cycles
                && table.candidates[c].accuracy >= q.accuracy_target,
        });
        runs.push(e);
        free = end;
        progress(i + 1);
    }
    Ok((served, runs))
}

/// DESIGN.md section 8's metrics of an executed run.
pub fn summarize_exec(
    served: &[Served],
    runs: &[Executed],
    policy: &str,
    backend: &str,
    config: &HwConfig,
) -> ServeSummary {
    let n = served.len().max(1) as f64;
    let (mean, p99) = crate::sched::latency_stats(served);
    let dram: u64 = runs.iter().map(|r| r.dram_bytes + r.refill_bytes).sum();
    let pb: u64 = runs.iter().map(|r| r.pb_read_bytes).sum();
    let streamed: u64 = runs.iter().map(|r| r.dram_weight_bytes).sum();
    let d = config.derived();
    ServeSummary {
        policy: policy.to_string(),
        backend: backend.to_string(),
        queries: served.len(),
        // Percent of queries classified correctly.
        served_accuracy: 100.0 * runs.iter().filter(|r| r.class == r.label).count() as f64 / n,
        latency_mean_cycles: mean,
        latency_p99_cycles: p99,
        latency_mean_us: mean * d.cycle_ns / 1000.0,
        latency_p99_us: p99 as f64 * d.cycle_ns / 1000.0,
        slo_attainment: served.iter().filter(|s| s.slo_met).count() as f64 / n,
        dram_bytes_per_query: dram as f64 / n,
        pb_hit_ratio: if pb + streamed == 0 {
            0.0
        } else {
            pb as f64 / (pb + streamed) as f64
        },
        refill_bytes: runs.iter().map(|r| r.refill_bytes).sum(),
        offchip_energy_uj: dram as f64 * config.spec.dram.energy_pj_per_byte / 1e6,
        outputs_verified: runs.len(),
    }
}
